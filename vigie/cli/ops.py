"""Operations: ``digest``, ``serve``, ``snapshot``, ``config show``, ``export stix|tables``."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from vigie.cli.common import console, fail, settings_of, user_errors

config_app = typer.Typer(help="Inspect the effective configuration.", no_args_is_help=True)


class Lang(StrEnum):
    fr = "fr"
    en = "en"


class TableFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--date must be YYYY-MM-DD, not {value!r}")
    return None


def digest(
    ctx: typer.Context,
    day: Annotated[
        str | None, typer.Option("--date", help="Day YYYY-MM-DD (default: today).")
    ] = None,
    lang: Annotated[Lang | None, typer.Option("--lang", help="fr or en (default: config).")] = None,
    send: Annotated[
        bool, typer.Option("--send", help="E-mail it to communication members.")
    ] = False,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also write a PDF (needs WeasyPrint).")
    ] = False,
) -> None:
    """Write (and optionally e-mail) the digest of a day, rebuilt from the store."""
    from flows.digest import send_digest, write_digest

    settings = settings_of(ctx)
    when = _day(day)
    with user_errors():
        try:
            result = write_digest(settings, when, lang.value if lang else None, pdf=pdf)
        except RuntimeError as exc:  # WeasyPrint missing
            fail(str(exc))
        if send:
            sent = send_digest(settings, when, lang.value if lang else None)
    state = (
        "quiet day"
        if result["quiet"]
        else (f"{len(result['flagged'])} new flagged, {len(result['confirmed'])} confirmed")
    )
    console.print(f"digest of {result['day']} ({result['lang']}): {state}")
    for key in ("path", "text_path", "markdown_path", "pdf_path"):
        if key in result:
            console.print(f"  {result[key]}")
    if send:
        console.print(
            f"sent to {len(sent['sent'])} recipient(s)"
            + (f"; {sent['note']}" if sent.get("note") else "")
        )
        for address, error in sent["failed"].items():
            console.print(f"[red]failed[/] {address}: {error}")
        if sent["failed"]:
            raise typer.Exit(1)


def snapshot(
    ctx: typer.Context,
    embeddings: Annotated[
        bool, typer.Option("--embeddings/--no-embeddings", help="Include item embeddings.")
    ] = True,
) -> None:
    """Write a Parquet snapshot of the store to data/snapshot/ (what notebooks read)."""
    from vigie.snapshot import write_snapshot

    settings = settings_of(ctx)
    with user_errors():
        manifest = write_snapshot(settings, include_embeddings=embeddings)
    rows = ", ".join(f"{k} {v}" for k, v in manifest["tables"].items())
    console.print(f"snapshot {manifest['version']} at {manifest['path']}: {rows}")


def serve(
    ctx: typer.Context,
    interval: Annotated[
        int | None, typer.Option("--interval", help="Seconds between monitor runs (default 900).")
    ] = None,
    digest_hour: Annotated[
        int | None, typer.Option("--digest-hour", min=0, max=23, help="Hour of the daily digest.")
    ] = None,
    prefect_port: Annotated[
        int | None, typer.Option("--prefect-port", help="Port of the Prefect server started.")
    ] = None,
    web: Annotated[
        bool | None, typer.Option("--web/--no-web", help="Start the review desk.")
    ] = None,
) -> None:
    """Run Vigie on its own: Prefect server, scheduled passes, daily digest, review desk."""
    from flows.serve import serve as run

    settings = settings_of(ctx)
    if interval is not None:
        settings.serve.monitor_interval_s = interval
    if digest_hour is not None:
        settings.digest.hour = digest_hour
    if prefect_port is not None:
        settings.serve.prefect_port = prefect_port
    if web is not None:
        settings.serve.web = web
    with user_errors():
        settings.store().init()
        try:
            code = run(
                settings,
                config_file=ctx.obj.config if ctx.obj else None,
                log=lambda m: console.print(f"[dim]{datetime.now():%H:%M:%S} serve:[/] {m}"),
            )
        except RuntimeError as exc:
            fail(str(exc))
    raise typer.Exit(code)


@config_app.command("show")
def config_show(ctx: typer.Context) -> None:
    """Print the effective configuration (file + environment), secrets masked."""
    console.print_json(json.dumps(settings_of(ctx).public_dict(), default=str))


# --- export sub-commands (the ``export`` group itself lives in vigie/cli/exchange.py) -------


def export_stix(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default stdout).")
    ] = None,
) -> None:
    """Confirmed campaigns as a STIX 2.1 bundle (DISARM techniques, sources, indicators)."""
    from reservist_review.stix import write_stix

    settings = settings_of(ctx)
    with user_errors():
        result = write_stix(settings, output)
    if output is None:
        typer.echo(result["text"])
    else:
        counts = ", ".join(f"{v} {k}" for k, v in sorted(result["objects"].items()))
        console.print(f"STIX bundle written to {output}: {counts}")


def export_tables(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write into.")],
    fmt: Annotated[TableFormat, typer.Option("--format")] = TableFormat.parquet,
) -> None:
    """Narratives, flags and items as Parquet or CSV files for other analysts."""
    from vigie.snapshot import export_tables as write_tables

    settings = settings_of(ctx)
    with user_errors():
        rows = write_tables(settings, output, fmt.value)
    for name, count in rows.items():
        console.print(f"{output / f'{name}.{fmt.value}'}: {count} rows")


def register(app: typer.Typer) -> None:
    app.command("digest")(digest)
    app.command("snapshot")(snapshot)
    app.command("serve")(serve)
    app.add_typer(config_app, name="config")
