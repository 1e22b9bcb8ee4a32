"""qa5c-12: the delivery history called a Slack channel "Webhook": a history record's webhook channel now
keeps the webhook's format, which the page names it by."""

from __future__ import annotations

from worker.alerts.notify import channel_notifications, history_record
from worker.alerts.rules import AlertRule


def test_a_history_record_keeps_each_webhooks_format():
    rule = AlertRule(name="r", query="سجن", channels={
        "webhooks": [{"url": "https://hooks.slack.com/services/T/B/x", "format": "slack"},
                     {"url": "https://example.org/hook"}],
        "emails": ["desk@example.org"]})
    n = {"id": "n1", "kind": "instant", "story_id": "s1", "created": "2026-11-20T08:00:00+00:00",
         "article": {"id": "a1", "title": "t"}}
    rec = history_record(rule, n, channel_notifications(rule, n))
    formats = {ch["key"]: ch.get("format") for ch in rec["channels"]}
    assert formats == {"webhook:0": "slack", "webhook:1": "json", "email:desk@example.org": None}
