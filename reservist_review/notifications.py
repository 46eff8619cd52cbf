"""Email to reviewers: a case assigned to them, or escalated to a coordinator (SMTP, smtplib).

Settings in ``settings.smtp`` (host, port, starttls or ssl, username/password, sender). The
body is plain text with the case link ``settings.review.base_url + /cases/<id>``; narrative
labels come from hostile feeds, so they are flattened to one line before going in a header.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from reservist_review import route_reasons
from reservist_review.i18n import translations
from vigie.config import Settings, SmtpSettings
from vigie.store.review import casefile, cases, people


def configured(smtp: SmtpSettings) -> bool:
    return bool(smtp.host)


def case_url(settings: Settings, narrative_id: str) -> str:
    return f"{settings.review.base_url.rstrip('/')}/cases/{narrative_id}"


def _one_line(text: str | None, limit: int = 120) -> str:
    text = re.sub(r"[\x00-\x1f\x7f\u2028\u2029]+", " ", text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _lang_for(person: dict[str, Any]) -> str:
    languages = person.get("languages") or []
    return "fr" if not languages or "fr" in languages else "en"


def case_message(settings: Settings, person: dict[str, Any], narrative: dict[str, Any],
                 reason: str, *, escalation: bool = False) -> EmailMessage:
    """The email telling ``person`` (a reservists row) about a case."""
    _ = translations(_lang_for(person), "review").gettext
    label = _one_line(narrative.get("label") or narrative["narrative_id"])
    msg = EmailMessage()
    subject = _("Vigie: case escalated to you") if escalation else _("Vigie: new case for you")
    msg["Subject"] = f"{subject}: {label}"
    msg["From"] = settings.smtp.sender
    msg["To"] = formataddr((_one_line(person["name"]), person["email"]))
    msg["Message-ID"] = make_msgid(domain="vigie.local")
    score = narrative.get("score")
    score_label, why_label = _("Score"), _("Why you")
    lines = [
        _("Hello %(name)s,") % {"name": _one_line(person["name"])},
        "",
        (_("A case was escalated to you:") if escalation else _("A case was assigned to you:")),
        f"  {label}",
        f"  {score_label}: {score:.2f}" if isinstance(score, float | int) else "",
        f"  {why_label}: {_one_line(reason, 300)}",
        "",
        _("Open the case:"),
        case_url(settings, narrative["narrative_id"]),
        "",
        "-- Vigie",
    ]
    msg.set_content("\n".join(line for line in lines if line is not None))
    return msg


def send(smtp: SmtpSettings, messages: Iterable[EmailMessage], timeout_s: float = 20.0
         ) -> list[str | None]:
    """Send over one SMTP session; one error text (or None) per message, never raises."""
    messages = list(messages)
    if not messages:
        return []
    try:
        context = ssl.create_default_context()
        if smtp.ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=timeout_s,
                                                    context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout_s)
        with client:
            if smtp.starttls and not smtp.ssl:
                client.starttls(context=context)
            if smtp.username:
                client.login(smtp.username, smtp.password)
            errors: list[str | None] = []
            for msg in messages:
                try:
                    client.send_message(msg)
                    errors.append(None)
                except smtplib.SMTPException as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
            return errors
    except (OSError, smtplib.SMTPException) as exc:
        return [f"{type(exc).__name__}: {exc}"] * len(messages)


def notify_assignments(settings: Settings, pending: list[tuple[str, str, str, bool]]
                       ) -> tuple[int, int]:
    """Email each new assignment's holder; record the outcome on it. ``pending`` holds
    (assignment id, reservist id, narrative id, is escalation); returns (sent, failed)."""
    if not pending or not configured(settings.smtp):
        return 0, 0
    store = settings.store()
    batch = []
    with store.connect() as con:
        for aid, person_id, narrative_id, escalation in pending:
            person = people.get_reservist(con, person_id)
            narrative = casefile.narrative(con, narrative_id) or {"narrative_id": narrative_id}
            assignment = cases.open_assignment(con, narrative_id)
            if not person or not person.get("email") or not assignment:
                continue
            reason = route_reasons.localise(assignment["reason"],
                                            assignment.get("reason_codes"), _lang_for(person))
            msg = case_message(settings, person, narrative, reason, escalation=escalation)
            batch.append((aid, msg))
    results = send(settings.smtp, [m for _, m in batch])
    with store.connect() as con:
        for (aid, _), error in zip(batch, results, strict=True):
            cases.mark_notified(con, aid, error)
    return sum(e is None for e in results), sum(e is not None for e in results)
