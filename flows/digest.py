"""The daily digest: written to ``data/digests/YYYY-MM-DD.<lang>.{html,txt,md}`` and e-mailed.

The digest of day D covers that calendar day in ``settings.digest.timezone`` (00:00-24:00).
Without a date, ``write_digest`` covers today so far (what ``vigie demo`` shows) and the
scheduled ``digest_flow`` covers yesterday, the last complete day. The body depends only on
the store's data, so rebuilding a day gives identical files.
"""

from __future__ import annotations

import base64
import os
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import Any

from prefect import flow

from reservist_review.charts import volume_chart_png
from reservist_review.digest import build, render
from reservist_review.i18n import LANGUAGES, normalise_language
from reservist_review.notifications import configured
from reservist_review.notifications import send as smtp_send
from vigie.config import Settings, load_settings
from vigie.store import digest as queries


def _content(settings: Settings, day: date | None) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The digest data of ``day`` and its PNG charts (no connection held while drawing)."""
    day = day or build.today(settings.digest.timezone)
    period = build.period_of(day, settings.digest.timezone)
    with settings.store().connect() as con:
        digest = build.build_digest(con, period, settings.review.base_url)
    charts = {
        item["id"]: volume_chart_png(item["volume"], highlight=day)
        for item in build.charted(digest)
    }
    return digest, charts


def _write_atomic(path: Path, data: str | bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if isinstance(data, str):
        tmp.write_text(data, encoding="utf-8")
    else:
        tmp.write_bytes(data)
    os.replace(tmp, path)


def write_digest(
    settings: Settings, day: date | None = None, lang: str | None = None, *, pdf: bool = False
) -> dict[str, Any]:
    """Write the HTML (charts inline as data URIs), text and Markdown digest of ``day``."""
    lang = normalise_language(lang or settings.digest.lang)
    digest, charts = _content(settings, day)
    images = {
        nid: "data:image/png;base64," + base64.b64encode(png).decode()
        for nid, png in charts.items()
    }
    html = render.render(digest, lang, "html", images)
    folder = settings.digest_dir
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{digest['day']:%Y-%m-%d}.{lang}"
    paths = {
        "path": folder / f"{stem}.html",
        "text_path": folder / f"{stem}.txt",
        "markdown_path": folder / f"{stem}.md",
    }
    _write_atomic(paths["path"], html)
    _write_atomic(paths["text_path"], render.render(digest, lang, "txt"))
    _write_atomic(paths["markdown_path"], render.render(digest, lang, "md"))
    if pdf:
        paths["pdf_path"] = folder / f"{stem}.pdf"
        _write_atomic(paths["pdf_path"], render.render_pdf(html))
    with settings.store().transaction() as con:
        queries.record_digest(
            con,
            digest["day"],
            lang,
            str(paths["path"]),
            digest["period_start"],
            digest["period_end"],
            datetime.now(UTC),
        )
    return {
        **{k: str(v) for k, v in paths.items()},
        "day": digest["day"].isoformat(),
        "lang": lang,
        "quiet": digest["quiet"],
        "flagged": [n["id"] for n in digest["flagged"]],
        "confirmed": [n["id"] for n in digest["confirmed"]],
        "growing": [n["id"] for n in digest["growing"]],
        "charts": len(charts),
    }


def compose_message(
    digest: dict[str, Any], charts: dict[str, bytes], lang: str, sender: str, recipient: str
) -> EmailMessage:
    """multipart/alternative: plain text, then HTML with the charts as inline CID images."""
    cids = {nid: make_msgid(domain="vigie.local") for nid in charts}
    msg = EmailMessage()
    msg["Subject"] = render.subject(digest, lang)
    msg["From"] = sender
    msg["To"] = recipient
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="vigie.local")
    msg.set_content(render.render(digest, lang, "txt"))
    msg.add_alternative(
        render.render(digest, lang, "html", {nid: f"cid:{cid[1:-1]}" for nid, cid in cids.items()}),
        subtype="html",
    )
    msg["Content-Language"] = lang  # after set_content, which drops Content-* headers
    html_part = msg.get_payload()[1]
    for nid, png in charts.items():
        html_part.add_related(png, "image", "png", cid=cids[nid], filename=f"{nid}.png")
    return msg


def _preferred_language(languages: list[str] | None, default: str) -> str:
    for code in languages or []:
        if code[:2].lower() in LANGUAGES:
            return code[:2].lower()
    return default


def send_digest(
    settings: Settings, day: date | None = None, lang: str | None = None
) -> dict[str, Any]:
    """E-mail the digest to the roster's ``communication`` members, one message each.

    ``lang`` forces one language; otherwise each recipient gets their first roster
    language among French and English, French by default.
    """
    with settings.store().connect() as con:
        recipients = queries.communication_recipients(con)
    if not recipients:
        return {"sent": [], "failed": {}, "note": "no communication recipient in the roster"}
    if not configured(settings.smtp):
        raise ValueError("SMTP is not configured: set [smtp] host in vigie.toml or VIGIE_SMTP_HOST")
    digest, charts = _content(settings, day)
    default = normalise_language(settings.digest.lang)
    messages = [
        compose_message(
            digest,
            charts,
            normalise_language(lang) if lang else _preferred_language(person["languages"], default),
            settings.smtp.sender,
            formataddr((person["name"], person["email"])),
        )
        for person in recipients
    ]
    # One SMTP session; a refused address does not stop the others.
    errors = smtp_send(settings.smtp, messages)
    sent = [p["email"] for p, err in zip(recipients, errors, strict=True) if err is None]
    failed = {p["email"]: err for p, err in zip(recipients, errors, strict=True) if err}
    return {"day": digest["day"].isoformat(), "sent": sent, "failed": failed}


@flow(name="vigie-digest", log_prints=False)
def digest_flow(
    day: str | None = None,
    langs: list[str] | None = None,
    send: bool | None = None,
    previous_day: bool = False,
) -> dict[str, Any]:
    """Write the digest in each language (default: both) and e-mail it.

    ``send=None`` (the schedule's default) e-mails it when SMTP is configured.

    ``previous_day`` (used by the daily schedule) digests yesterday, the last complete day.
    Settings come from the environment (``VIGIE_DATA_DIR``, ``VIGIE_CONFIG``) so the flow
    can run as a deployment with JSON parameters only.
    """
    settings = load_settings()
    settings_day = date.fromisoformat(day) if day else None
    if settings_day is None and previous_day:
        settings_day = build.today(settings.digest.timezone) - timedelta(days=1)
    written = {lang: write_digest(settings, settings_day, lang) for lang in (langs or LANGUAGES)}
    result: dict[str, Any] = {"written": written}
    if send or (send is None and configured(settings.smtp)):
        result["sent"] = send_digest(settings, settings_day)
    return result
