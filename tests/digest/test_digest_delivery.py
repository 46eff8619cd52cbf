"""Delivery by SMTP to a real aiosmtpd server on loopback; messages parsed back."""

from __future__ import annotations

import email
from email import policy

import pytest

from flows.digest import send_digest


def test_digest_reaches_each_communication_member_in_their_language(sample, smtp_inbox):
    settings, facts = sample
    settings.smtp.host, settings.smtp.port = "127.0.0.1", smtp_inbox.port
    settings.smtp.sender = "vigie@example.org"
    result = send_digest(settings, facts["day"])
    assert sorted(result["sent"]) == [
        "claire@example.org",
        "john@example.org",
    ]  # not the inactive one
    assert result["failed"] == {}
    by_rcpt = {
        rcpt[0]: email.message_from_bytes(raw, policy=policy.default)
        for _sender, rcpt, raw in smtp_inbox.messages
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
