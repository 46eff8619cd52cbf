"""``vigie sources``: register, list, check and retire the monitored feeds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from vigie.cli.common import console, err_console, fail, settings_of, user_errors

sources_app = typer.Typer(help="Monitored sources: add, list, status, OPML import, removal.",
                          no_args_is_help=True)

UNHEALTHY_AFTER = 3  # consecutive failures


def health(failures: int, last_success: datetime | None, active: bool) -> str:
    """'ok', 'failing' (1-2 failures in a row), 'unhealthy' (3+), 'new' or 'inactive'."""
    if not active:
        return "inactive"
    if failures >= UNHEALTHY_AFTER:
        return "unhealthy"
    if failures:
        return "failing"
    return "ok" if last_success else "new"


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else "-"


@sources_app.command("add")
def add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="Feed URL (RSS, Atom or JSON Feed).")],
    name: Annotated[str | None, typer.Option(help="Display name (default: the URL).")] = None,
    region: Annotated[str | None, typer.Option(help="Region the source covers.")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Declared language (fr, en...).")]
    = None,
) -> None:
    """Add a feed (adding the same URL again updates it; it is one source)."""
    from vigie.ingest.registry import feed_source
    from vigie.store import sources as store

    settings = settings_of(ctx)
    with user_errors():
        row = feed_source(url, name=name, region=region, language=lang)
        with settings.store().transaction() as con:
            new = store.upsert_sources(con, [row])
    verb = "added" if new else "already known, updated"
    console.print(f"{row['source_id']} {verb}: {row['url']}")


@sources_app.command("list")
def list_(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Include inactive sources.")] = False,
) -> None:
    """List sources."""
    from vigie.store import sources as store

    settings = settings_of(ctx)
    with user_errors(), settings.store().connect() as con:
        rows = store.list_sources(con, active_only=not all_)
    table = Table(title=f"{len(rows)} sources")
    for col in ("id", "kind", "name", "url", "domain", "lang", "region", "active"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["source_id"], r["kind"], r["name"], r["url"] or "",
                      r["registered_domain"] or "", r["language"] or "", r["region"] or "",
                      "yes" if r["active"] else "no")
    console.print(table)


@sources_app.command("status")
def status(ctx: typer.Context) -> None:
    """Per source: last status, last success, consecutive failures, items stored, health."""
    from vigie.store import sources as store

    settings = settings_of(ctx)
    with user_errors(), settings.store().connect() as con:
        rows = store.status_rows(con)
    table = Table(title="Source health")
    for col in ("source", "last status", "last fetch", "last success", "failures", "items",
                "health", "last error"):
        table.add_column(col, overflow="fold")
    colours = {"ok": "green", "new": "cyan", "failing": "yellow", "unhealthy": "bold red",
               "inactive": "dim"}
    for r in rows:
        state = health(r["consecutive_failures"], r["last_success_at"], r["active"])
        if r["kind"] == "import":
            state = "import"
        table.add_row(
            f"{r['name']}\n[dim]{r['source_id']}[/]", r["last_status"] or "-",
            _when(r["last_fetch_at"]), _when(r["last_success_at"]),
            str(r["consecutive_failures"]), str(r["items"]),
            f"[{colours.get(state, 'white')}]{state}[/]", (r["last_error"] or "")[:120],
        )
    console.print(table)


@sources_app.command("import-opml")
def import_opml(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="OPML file exported by a feed reader.")],
) -> None:
    """Add every feed of an OPML file."""
    from vigie.ingest.opml import read_opml
    from vigie.store import sources as store

    settings = settings_of(ctx)
    with user_errors():
        if not file.is_file():
            raise FileNotFoundError(f"no such file: {file}")
        rows, problems = read_opml(file)
        with settings.store().transaction() as con:
            new = store.upsert_sources(con, rows)
    for problem in problems:
        err_console.print(f"[yellow]skipped[/] {problem}")
    console.print(f"{len(rows)} feeds in {file.name}: {new} added, {len(rows) - new} already "
                  f"known, {len(problems)} skipped")


def _find(con, key: str) -> dict:  # noqa: ANN001
    from vigie.store import sources as store

    found = store.find_source(con, key)
    if found is None:
        fail(f"no source with id, URL or name {key!r}")
    return found  # type: ignore[return-value]


@sources_app.command("deactivate")
def deactivate(
    ctx: typer.Context, source: Annotated[str, typer.Argument(help="Source id, URL or name.")]
) -> None:
    """Stop fetching a source; its items stay."""
    from vigie.store import sources as store

    settings = settings_of(ctx)
    with user_errors(), settings.store().transaction() as con:
        row = _find(con, source)
        store.set_active(con, row["source_id"], False)
    console.print(f"{row['source_id']} deactivated")


@sources_app.command("remove")
def remove(
    ctx: typer.Context, source: Annotated[str, typer.Argument(help="Source id, URL or name.")]
) -> None:
    """Delete a source that has no stored items (deactivate one that has)."""
    from vigie.store import items as items_store
    from vigie.store import sources as store

    settings = settings_of(ctx)
    with user_errors(), settings.store().transaction() as con:
        row = _find(con, source)
        count = items_store.item_count_by_source(con).get(row["source_id"], 0)
        if count:
            fail(f"{row['source_id']} has {count} stored items that narratives may cite; "
                 "use `vigie sources deactivate` instead")
        store.delete_source(con, row["source_id"])
    console.print(f"{row['source_id']} removed")


def register(app: typer.Typer) -> None:
    app.add_typer(sources_app, name="sources")
