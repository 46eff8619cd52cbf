"""Delivery by SMTP to a real aiosmtpd server on loopback; messages parsed back."""

from __future__ import annotations

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from flows.digest import send_digest


class _Collect:
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        self.envelopes.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = _Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


def test_digest_reaches_each_communication_member_in_their_language(sample, smtp_server):
    settings, facts = sample
    controller, handler = smtp_server
    settings.smtp.host, settings.smtp.port = "127.0.0.1", controller.port
    settings.smtp.sender = "vigie@example.org"
    result = send_digest(settings, facts["day"])
    assert sorted(result["sent"]) == [
        "claire@example.org",
        "john@example.org",
    ]  # not the inactive one
    assert result["failed"] == {}
    by_rcpt = {
        env.rcpt_tos[0]: email.message_from_bytes(env.content, policy=policy.default)
        for env in handler.envelopes
    }
    assert set(by_rcpt) == {"claire@example.org", "john@example.org"}
    for rcpt, lang, heading in (
        ("claire@example.org", "fr", "Campagnes confirmées"),
        ("john@example.org", "en", "Campaigns confirmed"),
    ):
        msg = by_rcpt[rcpt]
        assert msg.get_content_type() == "multipart/alternative"
        assert msg["Content-Language"] == lang
        text = msg.get_body(preferencelist=("plain",)).get_content()
        html = msg.get_body(preferencelist=("html",)).get_content()
        assert heading in text and heading in html
        assert facts["hostile"] in text and "<script>alert" not in html
        images = [p for p in msg.walk() if p.get_content_type() == "image/png"]
        assert len(images) == 2  # N-camp and N-hostile
        for part in images:  # each inline chart is referenced by the HTML through its Content-ID
            assert part.get_payload(decode=True)[:8] == b"\x89PNG\r\n\x1a\n"
            assert f"cid:{part['Content-ID'][1:-1]}" in html
    assert "journée calme" not in by_rcpt["claire@example.org"]["Subject"]
    assert "1 confirmés" in by_rcpt["claire@example.org"]["Subject"]


def test_unconfigured_smtp_is_a_clear_error(sample):
    settings, facts = sample
    settings.smtp.host = ""
    with pytest.raises(ValueError, match="SMTP is not configured"):
        send_digest(settings, facts["day"])
