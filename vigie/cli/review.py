"""``vigie review`` (the web desk) and ``vigie reservists add|import|list|deactivate|password``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from vigie.cli.common import console, fail, settings_of, user_errors
from vigie.config import Settings

reservists_app = typer.Typer(help="Manage the reviewers' roster.", no_args_is_help=True)


def ensure_admin(settings: Settings) -> str | None:
    """Create an ``admin`` account with a random password if no admin can log in; return it."""
    from reservist_review import auth
    from vigie.store.review import people

    store = settings.store()
    store.init()
    with store.transaction() as con:
        if people.count_admins(con):
            return None
        login = "admin"
        existing = people.get_reservist(con, login)
        if existing and existing["role"] != "admin":
            login = "vigie-admin"
        password = auth.new_password()
        people.upsert_reservists(con, [{"id": login, "name": "Administrator", "role": "admin",
                                        "capacity": 0}])
        people.set_password(con, login, auth.hash_password(password))
        people.audit(con, "vigie-cli", "person_added", login, {"role": "admin", "first": True})
    return f"{login}\x1f{password}"


def review(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Start the reservists' review desk (web app)."""
    from reservist_review import server
    from reservist_review.app import create_app

    settings = settings_of(ctx)
    host = host or settings.review.host
    port = port or settings.review.port
    with user_errors():
        first = ensure_admin(settings)
        app = create_app(settings)
    if first:
        login, password = first.split("\x1f")
        console.print(
            f"[bold]First start:[/] an administrator account was created.\n"
            f"  Open http://{host}:{port}/login and log in as [bold]{login}[/] with the "
            f"password [bold]{password}[/]\n  (shown once; change it under Account)."
        )
    if not settings.review.cookie_secure:
        console.print("[yellow]warning:[/] review.cookie_secure is off: use only on loopback.")
    console.print(f"Review desk on http://{host}:{port} (Ctrl+C to stop)")
    server.run(app, settings, host, port)


@reservists_app.command("add")
def add(
    ctx: typer.Context,
    reservist_id: Annotated[str, typer.Argument(metavar="ID", help="Login (a-z 0-9 . _ -).")],
    name: Annotated[str, typer.Option(help="Full name.")],
    email: Annotated[str, typer.Option(help="Email for notifications.")] = "",
    role: Annotated[str, typer.Option(help="reservist, coordinator, communication or admin.")] = (
        "reservist"
    ),
    languages: Annotated[str, typer.Option(help="e.g. 'fr;en;ru'.")] = "",
    regions: Annotated[str, typer.Option(help="e.g. 'Sahel;Balkans'.")] = "",
    skills: Annotated[str, typer.Option(help="e.g. 'OSINT;health'.")] = "",
    capacity: Annotated[int, typer.Option(help="Open cases at once.")] = 3,
    password: Annotated[
        str | None,
        typer.Option(help="Password (default: a random one, printed once).",
                     envvar="VIGIE_NEW_PASSWORD"),
    ] = None,
) -> None:
    """Add (or update) one person; prints their first password."""
    from reservist_review import auth
    from reservist_review.roster import parse_entry
    from vigie.store.review import people

    settings = settings_of(ctx)
    with user_errors():
        person = parse_entry({"id": reservist_id, "name": name, "email": email, "role": role,
                              "languages": languages, "regions": regions, "skills": skills,
                              "capacity": capacity})
        secret = password or auth.new_password()
        hashed = auth.hash_password(secret)
        store = settings.store()
        store.init()
        with store.transaction() as con:
            added, _ = people.upsert_reservists(con, [person.as_row()])
            if added or password:
                people.set_password(con, person.id, hashed)
            people.audit(con, "vigie-cli", "person_added" if added else "person_updated",
                         person.id, {"role": person.role})
    console.print(f"{'Added' if added else 'Updated'} {person.id} ({person.role}).")
    if added and not password:
        console.print(f"Password (shown once): [bold]{secret}[/]")


@reservists_app.command("import")
def import_(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Roster file (.yaml/.yml or .csv).")],
) -> None:
    """Import a roster (people are added or updated by id; passwords are kept)."""
    from reservist_review.roster import load_roster
    from vigie.store.review import people

    settings = settings_of(ctx)
    with user_errors():
        entries = load_roster(path)
        store = settings.store()
        store.init()
        with store.transaction() as con:
            added, updated = people.upsert_reservists(con, [p.as_row() for p in entries])
            people.audit(con, "vigie-cli", "roster_imported", str(path),
                         {"added": added, "updated": updated})
    console.print(f"Roster {path}: {added} added, {updated} updated.")
    if added:
        console.print("New people need a password to log in: "
                      "[bold]vigie reservists password ID[/].")


@reservists_app.command("list")
def list_(ctx: typer.Context) -> None:
    """List everyone with role, languages, regions, skills and load."""
    from vigie.store.review import people

    settings = settings_of(ctx)
    with user_errors():
        store = settings.store()
        store.init()
        with store.connect() as con:
            rows = people.list_reservists(con)
    table = Table("id", "name", "role", "languages", "regions", "skills", "load", "status")
    for r in rows:
        status = "active" if r["active"] else "inactive"
        if r["active"] and not r["available"]:
            status = "unavailable"
        table.add_row(r["reservist_id"], r["name"], r["role"], ", ".join(r["languages"] or []),
                      ", ".join(r["regions"] or []), ", ".join(r["skills"] or []),
                      f"{r['open_cases']}/{r['capacity']}", status)
    console.print(table)


@reservists_app.command("deactivate")
def deactivate(ctx: typer.Context, reservist_id: Annotated[str, typer.Argument(metavar="ID")]
               ) -> None:
    """Deactivate a person: sessions end, open cases go back to routing on the next pass."""
    from vigie.store.review import people

    settings = settings_of(ctx)
    with user_errors():
        store = settings.store()
        store.init()
        with store.transaction() as con:
            found = people.set_active(con, reservist_id, False)
            if found:
                people.audit(con, "vigie-cli", "person_deactivated", reservist_id)
    if not found:
        fail(f"no reservist with id {reservist_id!r}")
    console.print(f"Deactivated {reservist_id}.")


@reservists_app.command("password")
def password(ctx: typer.Context, reservist_id: Annotated[str, typer.Argument(metavar="ID")]
             ) -> None:
    """Give a person a new random password (printed once)."""
    from reservist_review import auth
    from vigie.store.review import people

    settings = settings_of(ctx)
    secret = auth.new_password()
    with user_errors():
        store = settings.store()
        store.init()
        with store.transaction() as con:
            found = people.set_password(con, reservist_id, auth.hash_password(secret))
            if found:
                people.audit(con, "vigie-cli", "password_reset", reservist_id)
    if not found:
        fail(f"no reservist with id {reservist_id!r}")
    console.print(f"New password for {reservist_id} (shown once): [bold]{secret}[/]")


def register(app: typer.Typer) -> None:
    app.command("review")(review)
    app.add_typer(reservists_app, name="reservists")
