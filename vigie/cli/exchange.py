"""``vigie import`` and ``vigie export``: the documented exchange format (see README)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from vigie.cli.common import console, err_console, fail, settings_of, user_errors

export_app = typer.Typer(help="Export flags, narratives and other tables for other tools.",
                         no_args_is_help=True)


OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="File to write (default: standard output).")
]


class TableFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


def import_posts(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV, JSONL or Parquet export of posts.")],
    map_: Annotated[
        str | None,
        typer.Option("--map", help="Columns: id=COL,text=COL,source=COL,published_at=COL"
                     "[,title=COL,url=COL,lang=COL]"),
    ] = None,
    map_file: Annotated[
        Path | None, typer.Option("--map-file", help="TOML file with a [map] table instead.")
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv, jsonl or parquet (default: by extension).")
    ] = None,
) -> None:
    """Import posts from a CSV/JSONL/Parquet export; every row keeps its external id."""
    from vigie.importers import import_posts as do_import
    from vigie.importers import parse_mapping

    if (map_ is None) == (map_file is None):
        fail("give exactly one of --map or --map-file")
    settings = settings_of(ctx)
    with user_errors():
        if not file.is_file():
            raise FileNotFoundError(f"no such file: {file}")
        mapping = parse_mapping(map_) if map_ is not None else map_file
        report = do_import(settings, file, mapping, fmt)
    for line, reason in report.rejected[:50]:
        err_console.print(f"[yellow]rejected[/] line {line}: {reason}")
    if len(report.rejected) > 50:
        err_console.print(f"[yellow]... and {len(report.rejected) - 50} more rejected rows[/]")
    console.print(
        f"{report.rows} rows read: [bold]{report.stored}[/] stored, "
        f"{report.duplicates} already known, {len(report.rejected)} rejected"
    )


def _output(path: Path | None):  # noqa: ANN202 - text stream
    return path.open("w", encoding="utf-8") if path else sys.stdout


@export_app.command("flags")
def export_flags(
    ctx: typer.Context,
    output: OutputOption = None,
) -> None:
    """Flagged narratives as JSON lines, with every item and the evidence it carries."""
    from vigie.store.exports import write_flags_jsonl

    settings = settings_of(ctx)
    with user_errors(), settings.store().connect() as con:
        fh = _output(output)
        try:
            count = write_flags_jsonl(con, fh)
        finally:
            if output:
                fh.close()
    if output:
        console.print(f"{count} flagged narratives written to {output}")


@export_app.command("narratives")
def export_narratives(
    ctx: typer.Context,
    output: OutputOption = None,
    fmt: Annotated[TableFormat, typer.Option("--format")] = TableFormat.csv,
) -> None:
    """``item_id, external_id, narrative_id`` for every item (CSV, or Parquet)."""
    from vigie.store.exports import narrative_assignments

    settings = settings_of(ctx)
    if fmt is TableFormat.parquet and output is None:
        fail("--format parquet needs --output FILE")
    with user_errors(), settings.store().connect() as con:
        frame = narrative_assignments(con)
    if fmt is TableFormat.parquet:
        frame.write_parquet(output)
    elif output:
        frame.write_csv(output)
    else:
        sys.stdout.write(frame.write_csv())
    if output:
        console.print(f"{frame.height} items written to {output}")


def register(app: typer.Typer) -> None:
    from vigie.cli.ops import export_stix, export_tables

    export_app.command("stix")(export_stix)
    export_app.command("tables")(export_tables)
    app.command("import")(import_posts)
    app.add_typer(export_app, name="export")
