"""Detection thresholds: ``detectors/detection.toml`` merged with ``settings.detection``."""

from __future__ import annotations

import copy
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

DEFAULTS_PATH = Path(__file__).with_name("detection.toml")


@cache
def _defaults() -> dict[str, Any]:
    with DEFAULTS_PATH.open("rb") as fh:
        return tomllib.load(fh)


def _merge(base: dict[str, Any], over: dict[str, Any], where: str) -> None:
    for key, value in over.items():
        if key not in base:
            raise ValueError(f"unknown detection setting '{where}{key}'")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ValueError(f"detection setting '{where}{key}' must be a table")
            _merge(base[key], value, f"{where}{key}.")
        else:
            base[key] = value


def detection_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """A fresh copy of the defaults with ``overrides`` (same nesting) applied."""
    cfg = copy.deepcopy(_defaults())
    if overrides:
        _merge(cfg, overrides, "")
    return cfg
