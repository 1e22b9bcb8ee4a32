"""QA round 4 (web) D6: a notification whose e-mail is still being retried while its webhook gave up was
``failed`` as a whole, and ``status=pending&channel=email`` did not find it. The record's status is now
pending while any channel is still tried, and a channel filter with a status looks at that type's channels.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.alert_context import alerts_ctx  # noqa: F401
from worker.alerts.history import History

pytestmark = pytest.mark.integration

HOOK = "webhook:http://hooks.invalid/x"
MAIL = "email:desk@example.org"


def _record(notif_id: str) -> dict:
    return {
        "id": notif_id, "kind": "instant", "rule": "prisons", "story_id": notif_id, "created": "2026-11-20T08:00:00+00:00",
        "status": "pending", "attempts": 0, "follow_ups": [], "follow_up_count": 0,
        "channels": [
            {"key": HOOK, "type": "webhook", "target": "http://hooks.invalid/x", "status": "pending", "attempts": 0},
            {"key": MAIL, "type": "email", "target": "desk@example.org", "status": "pending", "attempts": 0},
        ],
    }


def _count(history: History, **kw) -> int:
    history.ctx.es.indices.refresh(index=history.ctx.settings.es_alert_history_index)
    return history.search(**kw)[0]


def test_a_channel_still_retrying_keeps_the_record_pending_and_is_found_by_its_status(alerts_ctx, monkeypatch):  # noqa: F811
    history = History(alerts_ctx)
    assert history.create(_record("n1"))
    history.mark_attempt("n1", HOOK, "failed", "webhook host did not resolve")  # gave up
    for _ in range(6):
        history.mark_attempt("n1", MAIL, "pending", "connection refused")  # still being retried
    rec = history.get("n1")
    assert rec["status"] == "pending" and rec["attempts"] == 7
    assert "channel_states" not in rec  # the filter's helper field is not shown

    assert _count(history, status="pending", channel="email") == 1
    assert _count(history, status="failed", channel="email") == 0
    assert _count(history, status="failed", channel="webhook") == 1
    assert _count(history, status="pending", channel="webhook") == 0
    assert _count(history, status="pending") == 1 and _count(history, status="failed") == 0

    # the API's filter is the same, and a reader's record has no helper field either
    from worker.api.app import create_app
    from worker.settings import get_settings

    monkeypatch.setattr(get_settings(), "api_key", "test-key-123")
    client = TestClient(create_app())
    body = client.get("/alerts/history", params={"status": "pending", "channel": "email"}).json()
    assert body["total"] == 1 and body["records"][0]["id"] == "n1" and "channel_states" not in body["records"][0]
    assert client.get("/alerts/history", params={"status": "failed", "channel": "email"}).json()["total"] == 0

    # the e-mail finally goes out: nothing is pending, one channel gave up: failed; each channel by its status
    history.mark_attempt("n1", MAIL, "delivered")
    assert history.get("n1")["status"] == "failed"
    assert _count(history, status="delivered", channel="email") == 1
    assert _count(history, status="failed", channel="email") == 0
    assert _count(history, status="pending", channel="email") == 0


def test_every_channel_delivered_is_delivered(alerts_ctx):  # noqa: F811
    history = History(alerts_ctx)
    history.create(_record("n2"))
    history.mark_attempt("n2", HOOK, "delivered")
    assert history.get("n2")["status"] == "pending"  # the e-mail has not gone yet
    history.mark_attempt("n2", MAIL, "delivered")
    rec = history.get("n2")
    assert rec["status"] == "delivered" and rec["delivered_at"]


def test_records_written_before_the_channel_states_are_filtered_by_their_status(alerts_ctx):  # noqa: F811
    history = History(alerts_ctx)
    history.ensure_index()
    old = {**_record("n3"), "status": "failed"}  # as an earlier version stored it: no channel_states
    alerts_ctx.es.index(index=alerts_ctx.settings.es_alert_history_index, id="n3", document=old)
    assert _count(history, status="failed", channel="email") == 1
    assert _count(history, status="pending", channel="email") == 0
