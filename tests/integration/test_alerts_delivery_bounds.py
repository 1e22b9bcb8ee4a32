"""QA round 3 (alerts), delivery on the real Redis + Elasticsearch with local receivers: a huge webhook answer
is not read (D4), a dripping receiver is cut off at the total deadline (D5), a 429's Retry-After is the
runner's wait (D8), waiting for another attempt's sending lock is not an attempt (D9), and history keeps the
webhook's real URL for key holders, redacted for everyone else (D7)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.integration.alert_context import alerts_ctx, deliver, match_article, pipeline  # noqa: F401
from tests.integration.alert_receivers import RawReceiver, smtp_receiver, webhook_receiver  # noqa: F401
from tests.integration.test_alerts_delivery import QUERY, prison_doc
from worker.alerts.delivery import attempt
from worker.alerts.history import History
from worker.alerts.notify import record_notification
from worker.alerts.payloads import instant_notification
from worker.alerts.rules import from_store
from worker.alerts.store import RuleStore
from worker.pipeline.errors import classify
from worker.pipeline.retry import CHANNEL, decide
from worker.pipeline.runner import Runner
from worker.pipeline.table import STAGES

pytestmark = pytest.mark.integration


def _webhook_delivery(ctx, url: str, name: str = "hook-rule") -> dict[str, Any]:
    """A recorded notification's webhook delivery to ``url`` (a rule stored as a deployment would have it)."""
    rule = from_store({"name": name, "query": QUERY, "channels": {"webhooks": [{"url": url}]}})
    doc = prison_doc()
    n = instant_notification(rule, doc["id"], doc)
    return next(d for d in record_notification(rule, n, ctx) if d["channel"]["type"] == "webhook")


@pytest.fixture
def raw():
    receivers: list[RawReceiver] = []

    def start(mode: str, **kw: Any) -> RawReceiver:
        r = RawReceiver(mode=mode, **kw).start()
        receivers.append(r)
        return r

    yield start
    for r in receivers:
        r.stop()


# -- D4 --------------------------------------------------------------------------------------------------------
def test_a_huge_answer_is_not_read(alerts_ctx, raw) -> None:  # noqa: F811
    """QA: a 300 MB answer was read whole into the worker (RSS +300 MB)."""
    receiver = raw("huge", size=64 * 1024 * 1024)
    hook = _webhook_delivery(alerts_ctx, receiver.url)
    assert attempt(hook, alerts_ctx).status == "delivered"
    time.sleep(0.3)  # let the receiver notice the closed connection
    assert receiver.requests == 1
    assert receiver.sent < 16 * 1024 * 1024, receiver.sent  # socket buffers at most, not the 64 MB


# -- D5 --------------------------------------------------------------------------------------------------------
def test_a_dripping_receiver_is_cut_off_at_the_total_deadline(alerts_ctx, raw) -> None:  # noqa: F811
    """QA: one byte a second held a delivery 90 s; the 10 s timeout is per read and never tripped."""
    alerts_ctx.settings = alerts_ctx.settings.model_copy(update={"webhook_total_deadline": 1.0})
    receiver = raw("drip_head", interval=0.1)  # ~75 bytes: 7.5 s
    hook = _webhook_delivery(alerts_ctx, receiver.url)
    started = time.monotonic()
    out = attempt(hook, alerts_ctx)
    took = time.monotonic() - started
    assert out.status == "retry" and "total deadline of 1 s" in (out.error or ""), out
    assert took < 4.0, took  # the deadline, not the drip
    rec = History(alerts_ctx).get(hook["id"])
    assert rec["status"] == "pending" and "NEWSWORKER_WEBHOOK_TOTAL_DEADLINE" in rec["channels"][0]["last_error"]


def test_a_dripping_smtp_server_is_cut_off_at_the_total_deadline(alerts_ctx, raw) -> None:  # noqa: F811
    """smtplib's 10 s timeout is per read: a greeting dripped a byte at a time held the worker for ever."""
    receiver = raw("drip_smtp", interval=0.05)
    alerts_ctx.settings = alerts_ctx.settings.model_copy(
        update={"smtp_total_deadline": 1.0, "smtp_host": receiver.host, "smtp_port": receiver.port})
    rule = from_store({"name": "mail-rule", "query": QUERY, "channels": {"emails": ["ops@example.test"]}})
    doc = prison_doc()
    n = instant_notification(rule, doc["id"], doc)
    mail = next(d for d in record_notification(rule, n, alerts_ctx) if d["channel"]["type"] == "email")
    started = time.monotonic()
    out = attempt(mail, alerts_ctx)
    took = time.monotonic() - started
    assert out.status == "retry" and "total deadline of 1 s" in (out.error or ""), out
    assert took < 4.0, took  # the deadline, not the drip
    assert receiver.sent > 5  # it was dripping when it was cut off (20 bytes a second: fewer on a loaded machine)
    rec = History(alerts_ctx).get(mail["id"])
    assert rec["status"] == "pending" and "NEWSWORKER_SMTP_TOTAL_DEADLINE" in rec["channels"][0]["last_error"]


def test_a_dripped_body_after_a_2xx_does_not_hold_the_delivery(alerts_ctx, raw) -> None:  # noqa: F811
    receiver = raw("drip_body", size=90, interval=0.1)  # 9 s of body after the status line
    hook = _webhook_delivery(alerts_ctx, receiver.url)
    started = time.monotonic()
    assert attempt(hook, alerts_ctx).status == "delivered"
    assert time.monotonic() - started < 3.0


# -- D8 --------------------------------------------------------------------------------------------------------
@dataclass
class RecordingDispatcher:
    sent: list[tuple[str, int, float | None]] = field(default_factory=list)

    def send(self, stage, payloads, *, attempt=1, countdown=None, queue=None) -> None:
        self.sent.append((stage.name, attempt, countdown))


def test_a_429_retry_after_is_the_wait_before_the_next_attempt(alerts_ctx, webhook_receiver) -> None:  # noqa: F811
    webhook_receiver.fail_next(1, 429, {"Retry-After": "240"})
    hook = _webhook_delivery(alerts_ctx, webhook_receiver.url)
    dispatcher = RecordingDispatcher()
    runner = Runner(alerts_ctx, STAGES, dispatcher)
    assert runner.handle("deliver", [hook], attempt=1) == ["retry"]
    (stage, next_attempt, countdown), = dispatcher.sent
    assert stage == "deliver" and next_attempt == 2  # a 429 is a failed attempt...
    assert 240 <= countdown <= 240 + CHANNEL.rate_limit_spread  # ...retried when the receiver said, not in 2 s
    ch = History(alerts_ctx).get(hook["id"])["channels"][0]
    assert ch["attempts"] == 1 and "Retry-After 240" in ch["last_error"]


def test_a_redirect_fails_for_good_without_following_it(alerts_ctx, webhook_receiver, pipeline) -> None:  # noqa: F811
    webhook_receiver.fail_next(1, 301, {"Location": "https://moved.example.org/hooks/s3cret"})
    hook = _webhook_delivery(alerts_ctx, webhook_receiver.url)
    assert deliver(pipeline, hook) == "dead"
    assert len(webhook_receiver.requests) == 1
    rec = History(alerts_ctx).get(hook["id"])
    assert rec["status"] == "failed"
    assert "redirect, not followed" in rec["channels"][0]["last_error"]
    assert "s3cret" not in str(rec) and "https://moved.example.org/…" in rec["channels"][0]["last_error"]


# -- D9: a lock left by a killed worker ------------------------------------------------------------------------
def test_waiting_for_another_attempts_lock_is_not_an_attempt(alerts_ctx, webhook_receiver) -> None:  # noqa: F811
    """QA: after a SIGKILL mid-send the re-queued task used 5 of its 49 attempts on the dead process's lock."""
    from worker.alerts.delivery import raise_for

    hook = _webhook_delivery(alerts_ctx, webhook_receiver.url)
    lock = alerts_ctx.keys.alert_sending(hook["id"], hook["channel_key"])
    alerts_ctx.redis.set(lock, "1", ex=60)  # what the killed worker left
    out = attempt(hook, alerts_ctx)
    assert out.status == "busy" and 55 <= (out.retry_after or 0) <= 60
    with pytest.raises(Exception) as info:
        raise_for(out)
    failure = classify(info.value)
    assert failure.kind == "rate_limited" and not failure.counts_as_attempt
    assert decide(CHANNEL, failure, CHANNEL.max_attempts).action == "defer"  # even on the last attempt

    dispatcher = RecordingDispatcher()
    runner = Runner(alerts_ctx, STAGES, dispatcher)
    assert runner.handle("deliver", [hook], attempt=7) == ["retry"]
    (_, next_attempt, countdown), = dispatcher.sent
    assert next_attempt == 7 and 55 <= countdown <= 60 + CHANNEL.rate_limit_spread  # the same attempt, later
    assert webhook_receiver.requests == []
    assert History(alerts_ctx).get(hook["id"])["channels"][0]["attempts"] == 0
    alerts_ctx.redis.delete(lock)
    assert attempt(hook, alerts_ctx).status == "delivered"


# -- D7 --------------------------------------------------------------------------------------------------------
def test_history_keeps_the_webhook_url_for_key_holders(alerts_ctx, webhook_receiver, pipeline,  # noqa: F811
                                                       monkeypatch) -> None:
    """QA: history stored targets redacted, so two webhooks on one host were 'webhook:0' and 'webhook:1'."""
    from fastapi.testclient import TestClient

    from worker.api.app import create_app
    from worker.settings import get_settings

    key = "qa3-alerts-key-0123456789"
    monkeypatch.setattr(get_settings(), "api_key", key)
    first, second = webhook_receiver.url + "/desk-1/T0K3N", webhook_receiver.url + "/desk-2/T0K3N"
    RuleStore(alerts_ctx).upsert({"name": "two-hooks", "query": QUERY, "channels": {
        "webhooks": [{"url": first}, {"url": second}]}})
    webhook_receiver.fail_next(1, 404)  # the first one fails: its last_error must not leak the path either
    assert match_article(pipeline, prison_doc())["notified"] == ["two-hooks"]
    alerts_ctx.es.indices.refresh(index=alerts_ctx.settings.es_alert_history_index)
    stored = History(alerts_ctx).search(rule="two-hooks")[1][0]
    assert [c["target"] for c in stored["channels"]] == [first, second]

    api = TestClient(create_app())
    full = api.get("/alerts/history", params={"rule": "two-hooks"}, headers={"X-API-Key": key}).json()["records"][0]
    assert [c["target"] for c in full["channels"]] == [first, second]
    one = api.get(f"/alerts/history/{stored['id']}", headers={"X-API-Key": key}).json()
    assert [c["target"] for c in one["channels"]] == [first, second]
    for anon in (api.get("/alerts/history", params={"rule": "two-hooks"}).json()["records"][0],
                 api.get(f"/alerts/history/{stored['id']}").json()):
        assert "T0K3N" not in str(anon) and "desk-" not in str(anon)
        assert all(c["target"].endswith("/…") for c in anon["channels"])
