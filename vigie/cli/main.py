"""The ``vigie`` command. Each concern registers its sub-commands from its own module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vigie.cli import common

app = typer.Typer(
    name="vigie",
    help="Vigie: watch public sources for information-manipulation campaigns.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", envvar="VIGIE_DATA_DIR", help="Data folder (default ./data)."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", envvar="VIGIE_CONFIG", help="vigie.toml to read.")
    ] = None,
) -> None:
    ctx.obj = common.CliState(data_dir=data_dir, config=config)


def _register() -> None:
    # Imported here so each module stays small and owns its commands.
    from vigie.cli import exchange, pipeline, sources

    pipeline.register(app)
    sources.register(app)
    exchange.register(app)
    for optional in ("review", "ops"):
        try:
            module = __import__(f"vigie.cli.{optional}", fromlist=["register"])
        except ModuleNotFoundError as exc:  # a concern not installed yet
            if exc.name != f"vigie.cli.{optional}":
                raise
            continue
        module.register(app)


_register()
