"""The route stage on a real DuckDB store, and its emails through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import socket
from datetime import UTC, datetime, timedelta
from email import policy

from flows.route import route
from vigie.store.review import cases, people


def _assignments(settings):
    with settings.store().connect() as con:
        return con.execute(
            "SELECT narrative_id, reservist_id, status, kind FROM assignments ORDER BY assigned_at"
        ).fetchall()


def test_route_assigns_flagged_narratives_with_reasons_and_is_idempotent(seeded):
    out = route(seeded, "run-1")
    got = {a["narrative_id"]: a for a in out["assigned"]}
    assert set(got) == {"N-camp1", "N-camp2"}  # N-org is not flagged
    assert got["N-camp1"]["reservist_id"] == "awa"
    assert got["N-camp1"]["reason"] == (
        "assigned to Awa Diallo: speaks fr, en; region Sahel; 0 open cases")
    assert got["N-camp2"]["reservist_id"] == "boris"
    assert "speaks ru" in got["N-camp2"]["reason"] and "region Russia" in got["N-camp2"]["reason"]
    again = route(seeded, "run-2")
    assert again["assigned"] == [] and again["escalated"] == []
    assert len(_assignments(seeded)) == 2
    with seeded.store().connect() as con:
        assert cases.get_case(con, "N-camp1")["status"] == "assigned"
        assert cases.get_case(con, "N-org") is None
        actions = [a["action"] for a in people.audit_entries(con)]
    assert actions.count("assign") == 2


def test_decision_context_is_the_holder_and_the_decision_in_force(seeded):
    def both(con, narrative_id):
        held, latest = cases.open_assignment(con, narrative_id), cases.latest_decision(con,
                                                                                      narrative_id)
        return (held["reservist_id"] if held else None,
                {k: latest[k] for k in ("decision_id", "reservist_id")} if latest else None)

    route(seeded, "run-1")
    with seeded.store().transaction() as con:
        assert cases.decision_context(con, "N-camp1") == ("awa", None) == both(con, "N-camp1")
        assert cases.decision_context(con, "N-nothing") == (None, None)
        first = cases.record_decision(con, "N-camp1", "awa", "needs_info", summary="", comments="",
                                      confidence=None, techniques=[], responses=[])
        assert cases.decision_context(con, "N-camp1") == (
            None, {"decision_id": first, "reservist_id": "awa"}) == both(con, "N-camp1")
        cases.assign(con, "N-camp1", "boris", "second opinion", kind="second_opinion")
        second = cases.record_decision(con, "N-camp1", "boris", "confirmed", summary="",
                                       comments="", confidence=0.9, techniques=[], responses=[])
        assert cases.decision_context(con, "N-camp1") == (
            None, {"decision_id": second, "reservist_id": "boris"}) == both(con, "N-camp1")
        cases.assign(con, "N-camp1", "carla", "reopened", kind="reassign")
        assert cases.decision_context(con, "N-camp1")[0] == "carla" == both(con, "N-camp1")[0]


def test_unanswered_assignment_escalates_once_to_a_coordinator(seeded):
    route(seeded, "run-1")
    later = datetime.now(UTC) + timedelta(hours=seeded.review.escalate_after_h + 1)
    out = route(seeded, "run-2", now=later)
    assert {e["narrative_id"] for e in out["escalated"]} == {"N-camp1", "N-camp2"}
    assert all(e["reservist_id"] == "carla" for e in out["escalated"])
    assert "no decision from Awa Diallo within 24 h" in next(
        e["reason"] for e in out["escalated"] if e["narrative_id"] == "N-camp1")
    with seeded.store().connect() as con:
        assert cases.get_case(con, "N-camp1")["status"] == "escalated"
        assert cases.get_case(con, "N-camp1")["escalated_at"] is not None
    statuses = [(n, r, s, k) for n, r, s, k in _assignments(seeded) if n == "N-camp1"]
    assert statuses == [("N-camp1", "awa", "escalated", "route"),
                        ("N-camp1", "carla", "open", "escalation")]
    assert route(seeded, "run-3", now=later + timedelta(hours=48))["escalated"] == []


def test_decided_case_is_not_escalated_nor_rerouted(seeded):
    route(seeded, "run-1")
    with seeded.store().transaction() as con:
        cases.record_decision(con, "N-camp1", "awa", "not_campaign", summary="organic",
                              confidence=0.9, techniques=[], responses=[], comments="")
    later = datetime.now(UTC) + timedelta(hours=48)
    out = route(seeded, "run-2", now=later)
    assert "N-camp1" not in {e["narrative_id"] for e in out["escalated"]}
    assert "N-camp1" not in {a["narrative_id"] for a in out["assigned"]}


def test_deactivated_reviewer_case_goes_to_someone_else(seeded):
    route(seeded, "run-1")
    with seeded.store().connect() as con:
        people.set_active(con, "awa", False)
    out = route(seeded, "run-2")
    again = {a["narrative_id"]: a["reservist_id"] for a in out["assigned"]}
    assert again == {"N-camp1": "carla"}


def test_nobody_free_leaves_a_new_case_for_coordinators(seeded):
    with seeded.store().connect() as con:
        con.execute("UPDATE reservists SET available = false")
    out = route(seeded, "run-1")
    assert out["assigned"] == [] and set(out["unassigned"]) == {"N-camp1", "N-camp2"}
    with seeded.store().connect() as con:
        assert cases.get_case(con, "N-camp1")["status"] == "new"
        con.execute("UPDATE reservists SET available = true")
    assert {a["narrative_id"] for a in route(seeded, "run-2")["assigned"]} == {"N-camp1", "N-camp2"}


# --- email ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_assignment_and_escalation_emails_reach_a_real_smtp_server(seeded, smtp_inbox):
    inbox = smtp_inbox
    seeded.smtp.host, seeded.smtp.port = "127.0.0.1", inbox.port
    seeded.smtp.sender = "vigie@example.org"
    seeded.review.base_url = "https://vigie.example.org/"
    out = route(seeded, "run-1")
    assert out["notified"] == 2 and out["notify_errors"] == 0
    by_rcpt = {rcpt[0]: email.message_from_bytes(raw, policy=policy.default)
               for _f, rcpt, raw in inbox.messages}
    assert set(by_rcpt) == {"awa@example.org", "boris@example.org"}
    awa = by_rcpt["awa@example.org"]
    body = awa.get_content()
    assert awa["Subject"] == "Vigie : nouveau dossier pour vous: Fraude élections Mali"  # French
    assert "https://vigie.example.org/cases/N-camp1" in body
    # why, in the email's language (the assignment keeps the English sentence too)
    assert "parle fr, en; région Sahel; 0 dossier ouvert" in body
    with seeded.store().connect() as con:
        current = cases.open_assignment(con, "N-camp1")
        assert current["notified_at"] is not None
        assert "speaks fr, en; region Sahel; 0 open cases" in current["reason"]
    boris = by_rcpt["boris@example.org"].get_content()  # no French listed: English
    assert "Why you: assigned to Boris Petrov: speaks ru" in boris

    later = datetime.now(UTC) + timedelta(hours=30)
    route(seeded, "run-2", now=later)
    escalations = [email.message_from_bytes(raw, policy=policy.default)
                   for _f, rcpt, raw in inbox.messages[2:]]
    assert len(escalations) == 2 and all(m["To"].addresses[0].username == "carla"
                                         for m in escalations)
    assert any("/cases/N-camp2" in m.get_content() for m in escalations)
    assert all("remonté" in m["Subject"] for m in escalations)
    assert all("remonté à Carla Martin : pas de décision de " in m.get_content()
               for m in escalations)


def test_hostile_label_cannot_inject_headers(seeded, smtp_inbox):
    inbox = smtp_inbox
    seeded.smtp.host, seeded.smtp.port = "127.0.0.1", inbox.port
    with seeded.store().connect() as con:
        con.execute("UPDATE narratives SET label = 'Alerte\r\nBcc: victim@example.org' "
                    "WHERE narrative_id = 'N-camp1'")
    route(seeded, "run-1")
    recipients = {r for _f, rcpts, _raw in inbox.messages for r in rcpts}
    assert "victim@example.org" not in recipients
    msg = email.message_from_bytes(inbox.messages[0][2], policy=policy.default)
    assert msg["Bcc"] is None


def test_smtp_down_is_recorded_not_raised(seeded):
    seeded.smtp.host, seeded.smtp.port = "127.0.0.1", _free_port()  # nobody listening
    out = route(seeded, "run-1")
    assert len(out["assigned"]) == 2 and out["notify_errors"] == 2
    with seeded.store().connect() as con:
        row = cases.open_assignment(con, "N-camp1")
    assert row["notified_at"] is None and "ConnectionRefused" in row["notify_error"]
