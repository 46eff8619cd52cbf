"""``vigie run``, ``vigie analyse`` and ``vigie demo``: one pass of the pipeline, with a summary."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.panel import Panel
from rich.table import Table

from vigie.cli.common import console, fail, settings_of, user_errors
from vigie.config import Settings

DEMO_PORT = 8765


def print_summary(settings: Settings, stats: dict[str, Any]) -> None:
    from vigie.store import summary

    with settings.store().connect(read_only=True) as con:
        figures = summary.counts(con)
        flagged = summary.flagged_with_assignees(con)
    ingest = stats.get("ingest", {})
    analysis = stats.get("analyse", {})
    lines = [
        f"Sources fetched: [bold]{ingest.get('fetched_ok', 0)}[/] ok, "
        f"{ingest.get('not_modified', 0)} unchanged, {ingest.get('errors', 0)} errors "
        f"(of {figures['sources']})" if ingest else f"Sources: {figures['sources']}",
        f"Items stored: [bold]{figures['items']}[/] "
        f"(+{ingest.get('items_new', 0)} new, {ingest.get('items_updated', 0)} updated this run)",
        f"Narratives: [bold]{figures['narratives']}[/] "
        f"({analysis.get('new_narratives', 0)} new; {analysis.get('embedded', 0)} items embedded)",
        f"Flagged narratives: [bold]{figures['flagged']}[/]",
    ]
    console.print(Panel("\n".join(lines), title=f"Vigie pass {stats.get('run_id', '')}"))
    if flagged:
        table = Table(title="Flagged narratives", show_lines=True)
        table.add_column("narrative")
        table.add_column("score", justify="right")
        table.add_column("reasons")
        table.add_column("routed to")
        for row in flagged:
            table.add_row(
                f"{row['narrative_id']}\n[dim]{row['label'] or ''}[/]",
                f"{row['score']:.2f}",
                "\n".join(f"- {r}" for r in row["reasons"] or []),
                row["assignment_reason"] or "[yellow]not routed[/]",
            )
        console.print(table)
    digest = stats.get("digest", {})
    if digest.get("path"):
        console.print(f"Digest written: [bold]{digest['path']}[/]")


def _run_pass(settings: Settings, **kwargs: Any) -> dict[str, Any]:
    from flows.pipeline import vigie_pass

    with console.status("Running the Vigie pass (Prefect flow)..."):
        return vigie_pass(settings, **kwargs)


def run(ctx: typer.Context) -> None:
    """One full pass over the configured sources: ingest, analyse, flag, route, digest."""
    settings = settings_of(ctx)
    with user_errors():
        stats = _run_pass(settings)
    print_summary(settings, stats)


def analyse(
    ctx: typer.Context,
    rescore: Annotated[bool, typer.Option(
        help="Score every active narrative again, not only those whose inputs changed "
             "(refreshes time-relative reasons such as 'First seen ... ago').")] = False,
) -> None:
    """Analyse what is already stored (embed, narratives, signals, flags), without fetching."""
    from flows.pipeline import analyse_flow

    settings = settings_of(ctx)
    with user_errors(), console.status("Analysing the store..."):
        settings.store().init()
        if rescore:
            from flows.signals import forget_scoring

            forget_scoring(settings)
        stats = analyse_flow(settings)
    console.print_json(data=stats)


def demo(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Loopback port of the demo feed server.")] = DEMO_PORT,
    lang: Annotated[str, typer.Option(help="Digest language (fr or en).")] = "fr",
) -> None:
    """Serve the bundled demo sources on 127.0.0.1 and run one full pass over them."""
    from vigie.demo import bootstrap
    from vigie.demo.server import DemoServer

    settings = settings_of(ctx)
    with user_errors():
        site, manifest = bootstrap.build(settings)
        server = DemoServer(site, port=port)
        try:
            server.start()
        except OSError as exc:
            fail(f"cannot serve the demo on 127.0.0.1:{port} ({exc}); try --port")
        try:
            console.print(f"Demo sources served at [bold]{server.base_url}[/]")
            bootstrap.register(settings, server, manifest)
            stats = _run_pass(settings, digest_day=manifest.last_day, digest_lang=lang)
        finally:
            server.stop()
    print_summary(settings, stats)


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command()(analyse)
    app.command()(demo)
