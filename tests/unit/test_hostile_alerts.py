"""Issue 15, alert channels: webhook URLs into internal ranges are refused when a rule is built and again
when sending (connect-time check), URLs httpx rejects are clean permanent errors, Slack text is escaped,
and a feed title with line breaks cannot break (or inject into) an e-mail's headers."""

from __future__ import annotations

import socket

import pytest

from worker.alerts.delivery.errors import PermanentDeliveryError
from worker.alerts.delivery.webhook import send_webhook
from worker.alerts.payloads import email_message, slack_payload, subject
from worker.alerts.rules import RuleError, build_rule, from_store, redact_email, redact_url, redacted
from worker.settings import get_settings

INTERNAL = ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:6379/", "http://10.0.0.5/",
            "http://2130706433/", "http://[::1]:9200/", "http://0x7f.1/", "http://[::ffff:127.0.0.1]/",
            "http://localhost:9200/", "http://user:pw@93.184.216.34/", "http://100.64.0.1/"]


@pytest.fixture(autouse=True)
def closed(monkeypatch):
    monkeypatch.setattr(get_settings(), "allow_private_addresses", False)
    monkeypatch.setattr(get_settings(), "private_hosts", [])


def rule(url: str, fmt: str = "json") -> dict:
    return {"name": "r", "query": "سجن", "channels": {"webhooks": [{"url": url, "format": fmt}]}}


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_webhooks_are_refused_when_built(url):
    with pytest.raises(RuleError, match="webhook url"):
        build_rule(rule(url))
    with pytest.raises(RuleError, match="webhook url"):
        build_rule(rule(url, "slack"))


def test_a_deployment_may_allow_its_local_receiver(monkeypatch):
    monkeypatch.setattr(get_settings(), "private_hosts", ["127.0.0.1:8099"])
    build_rule(rule("http://127.0.0.1:8099/hooks/alerts"))
    with pytest.raises(RuleError):
        build_rule(rule("http://127.0.0.1:6379/"))


def test_urls_httpx_rejects_are_refused_when_built():
    for url in ("http://example.com:99999/h", "http://exa\x00mple.com/", "http://" + "a" * 3000 + ".com/"):
        with pytest.raises(RuleError):
            build_rule(rule(url))


@pytest.mark.parametrize("url", INTERNAL[:5])
def test_send_time_guard_refuses_a_stored_rule_without_connecting(url, monkeypatch):
    """A rule stored before the guard (``from_store`` skips the save-time check) is refused at send."""
    stored = from_store(rule(url))
    connected: list = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connected.append(a))
    n = {"id": "n1", "kind": "instant", "rule": {"name": "r"}, "story_id": "s", "created": "x",
         "article": {"title": "t"}}
    with pytest.raises(PermanentDeliveryError, match="refused"):
        send_webhook({"type": "webhook", "url": stored.channels.webhooks[0].url}, n)
    assert connected == []


def test_a_url_httpx_rejects_at_send_is_a_permanent_error():
    n = {"id": "n1", "kind": "instant", "rule": {"name": "r"}, "story_id": "s", "created": "x", "article": {}}
    for url in ("http://example.com:99999/h", "http://exa mple.com/", "", "ftp://example.com/"):
        with pytest.raises(PermanentDeliveryError):
            send_webhook({"type": "webhook", "url": url}, n)


def test_slack_text_is_escaped():
    n = {"id": "n1", "kind": "instant", "rule": {"name": "r"},
         "article": {"title": "<!channel> & <http://evil.test|BBC>", "url": "http://x.test/a?b=1&c=2"}}
    text = slack_payload(n)["text"]
    assert "<" not in text and ">" not in text
    assert "&lt;!channel&gt; &amp; &lt;http://evil.test|BBC&gt;" in text and "b=1&amp;c=2" in text


def test_a_title_with_line_breaks_makes_a_one_line_subject():
    title = "هجوم\r\nBcc: victim@example.test\n\nbody\x00\u2028end"
    n = {"id": "n1", "kind": "instant", "rule": {"name": "r"}, "article": {"title": title}}
    s = subject(n)
    assert "\n" not in s and "\r" not in s and "\x00" not in s and "\u2028" not in s
    msg = email_message(n, "ops@example.test", "nw@example.test")  # raised ValueError before
    assert msg["Bcc"] is None and msg["Subject"].startswith("[newsworker] r: هجوم Bcc:")
    assert msg.as_bytes()


def test_redaction_for_readers():
    assert redact_url("https://user:secret@hooks.example.test/T0/B0/xyz") == "https://hooks.example.test/…"
    assert redact_email("ops.team@example.test") == "…@example.test"
    data = redacted(from_store({"name": "r", "query": "q", "channels": {
        "webhooks": [{"url": "https://hooks.example.test/T0/secret"}], "emails": ["a@b.test"]}}))
    assert data["channels"] == {"webhooks": [{"url": "https://hooks.example.test/…", "format": "json"}],
                                "emails": ["…@b.test"]}
