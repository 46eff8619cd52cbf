"""What every ``vigie`` sub-command shares: settings from the global options, errors, console."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console

from vigie.config import Settings, load_settings

console = Console()
err_console = Console(stderr=True)


@dataclass
class CliState:
    data_dir: Path | None = None
    config: Path | None = None
    _settings: Settings | None = None

    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(self.data_dir, self.config)
            except (ValueError, FileNotFoundError) as exc:
                fail(str(exc))
        return self._settings  # type: ignore[return-value]


def settings_of(ctx: typer.Context) -> Settings:
    state: CliState = ctx.obj or CliState()
    return state.settings()


def fail(message: str, code: int = 1) -> None:
    """Print a clear error and exit non-zero (no traceback for expected failures)."""
    err_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn expected errors (bad input, locked store, missing file) into clean exits."""
    from vigie.store import StoreLockedError

    try:
        yield
    except (ValueError, FileNotFoundError, StoreLockedError, PermissionError) as exc:
        fail(str(exc))
