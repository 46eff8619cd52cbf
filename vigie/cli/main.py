"""The ``vigie`` command. Each concern registers its sub-commands from its own module."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from vigie.cli import common

# Offline by design: never reach a model hub; Prefect sends no analytics. Set before any
# sub-command imports prefect or transformers.
for _var, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}.items():
    os.environ.setdefault(_var, _value)

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
    # Each concern owns its commands in its own module.
    from vigie.cli import exchange, ops, pipeline, review, sources

    for module in (pipeline, sources, exchange, review, ops):
        module.register(app)


_register()
