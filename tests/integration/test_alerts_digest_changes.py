"""QA round 3 (alerts) D3 and D9, on the real Redis + Elasticsearch with a local webhook receiver and the
pipeline's own ``digests`` row: lines waiting for a digest always reach the subscriber, whatever happens to
the rule meanwhile, with a history record, and history by story finds the digests that listed it.

* switched to instant: the next digest tick sends what was waiting, at once; later articles of those
  stories are follow-ups of that digest's record;
* disabled: its waiting lines still go out when their batch is due (they were matched while it was on);
* deleted: nothing more is sent; the waiting lines are recorded in history as a digest that was not sent,
  and their stories no longer count as notified, so a rule re-added under the name notifies them.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.integration.alert_context import alerts_ctx, match_article, pipeline  # noqa: F401
from tests.integration.alert_receivers import webhook_receiver  # noqa: F401
from tests.integration.test_alerts_delivery import BODY, QUERY, prison_doc
from worker.alerts.history import History
from worker.alerts.payloads import notification_id
from worker.alerts.store import RuleStore

pytestmark = pytest.mark.integration


def _rule(name: str, url: str, **kw: Any) -> dict[str, Any]:
    return {"name": name, "query": QUERY, "mode": "digest", "digest_minutes": 3,
            "channels": {"webhooks": [{"url": url}]}, **kw}


def _copy(doc_id: str, source: str, dateline: str) -> dict[str, Any]:
    return prison_doc(doc_id, source, body=f"({dateline}) - " + BODY)


def _digest_keys(ctx, name: str) -> list[str]:
    return list(ctx.redis.scan_iter(match=ctx.keys.alert_digest_pending(name).rsplit(":", 1)[0] + ":*"))


def _records(ctx, **kw: Any) -> list[dict[str, Any]]:
    ctx.es.indices.refresh(index=ctx.settings.es_alert_history_index)
    return History(ctx).search(**kw)[1]


def test_switching_a_digest_rule_to_instant_sends_what_was_waiting(alerts_ctx, webhook_receiver,  # noqa: F811
                                                                   pipeline) -> None:  # noqa: F811
    """QA: PUT mode instant with a line pending: nothing was ever sent, the pending hash stayed forever,
    and the story's later articles were follow-ups of a history record that did not exist."""
    store = RuleStore(alerts_ctx)
    store.upsert(_rule("dg2", webhook_receiver.url))
    assert match_article(pipeline, prison_doc())["digested"] == ["dg2"]
    store.upsert(_rule("dg2", webhook_receiver.url, mode="instant"))
    # a copy before the next tick joins the waiting digest (the story is in it, not notified yet)
    res = match_article(pipeline, _copy("b2", "alarabia", "رويترز"))
    assert res["story_id"] == "a1" and res["notified"] == [] and webhook_receiver.requests == []

    pipeline.tick("digests")  # not due for 3 minutes, but the rule is instant now: sent at once
    assert len(webhook_receiver.accepted) == 1
    sent = webhook_receiver.accepted[0].json
    assert sent["kind"] == "digest" and [i["article"]["id"] for i in sent["items"]] == ["a1"]
    assert [f["id"] for f in sent["items"][0]["follow_ups"]] == ["b2"]
    assert _digest_keys(alerts_ctx, "dg2") == []  # nothing left waiting

    (rec,) = _records(alerts_ctx, rule="dg2")
    assert rec["id"] == sent["id"] and rec["status"] == "delivered" and rec["story_ids"] == ["a1"]
    # D9: history by story finds the digest that listed it
    assert [r["id"] for r in _records(alerts_ctx, story_id="a1")] == [sent["id"]]

    # a later article of the story: a follow-up of that digest's record, no new notification
    res = match_article(pipeline, _copy("c3", "france24", "أ ف ب"))
    assert res["story_id"] == "a1" and res["follow_ups"] == ["dg2"] and res["notified"] == []
    assert [f["id"] for f in History(alerts_ctx).get(sent["id"])["follow_ups"]] == ["c3"]
    pipeline.tick("digests")
    assert len(webhook_receiver.requests) == 1
    assert History(alerts_ctx).get(notification_id("dg2", "a1")) is None  # no phantom instant record


def test_a_disabled_digest_rule_still_sends_its_waiting_lines_when_due(alerts_ctx, webhook_receiver,  # noqa: F811
                                                                       pipeline) -> None:  # noqa: F811
    store = RuleStore(alerts_ctx)
    store.upsert(_rule("dg3", webhook_receiver.url))
    assert match_article(pipeline, prison_doc())["digested"] == ["dg3"]
    store.set_enabled("dg3", False)
    pipeline.tick("digests")
    assert webhook_receiver.requests == []  # not due yet: it keeps its schedule
    alerts_ctx.redis.set(alerts_ctx.keys.alert_digest_due("dg3"), time.time() - 1)
    pipeline.tick("digests")
    assert len(webhook_receiver.accepted) == 1 and webhook_receiver.accepted[0].json["kind"] == "digest"
    assert _digest_keys(alerts_ctx, "dg3") == []
    assert [r["status"] for r in _records(alerts_ctx, rule="dg3")] == ["delivered"]


def test_a_deleted_digest_rule_records_its_waiting_lines_unsent(alerts_ctx, webhook_receiver,  # noqa: F811
                                                                pipeline) -> None:  # noqa: F811
    store = RuleStore(alerts_ctx)
    store.upsert(_rule("dg4", webhook_receiver.url))
    assert match_article(pipeline, prison_doc())["digested"] == ["dg4"]
    store.set_enabled("dg4", False)
    store.delete("dg4")
    pipeline.tick("digests")
    assert webhook_receiver.requests == []  # deleted: nothing more is sent
    assert _digest_keys(alerts_ctx, "dg4") == []  # and nothing is left behind
    (rec,) = _records(alerts_ctx, rule="dg4")
    assert rec["kind"] == "digest" and rec["status"] == "recorded" and rec["channels"] == []
    assert "deleted" in rec["note"] and rec["story_ids"] == ["a1"] and rec["items"][0]["article"]["id"] == "a1"
    # the story was never sent under that name: a rule re-added under it notifies it
    store.upsert(_rule("dg4", webhook_receiver.url, mode="instant"))
    res = match_article(pipeline, _copy("b2", "alarabia", "رويترز"))
    assert res["story_id"] == "a1" and res["notified"] == ["dg4"]
    assert [r.json["kind"] for r in webhook_receiver.accepted] == ["instant"]


def test_a_story_marked_notified_without_any_record_is_notified(alerts_ctx, webhook_receiver,  # noqa: F811
                                                                pipeline) -> None:  # noqa: F811
    """The follow-up of a record that does not exist was silently dropped; now the story is notified (the
    notification's id is the instant one's, so a record written late by the first article's task is the
    same notification, delivered once)."""
    RuleStore(alerts_ctx).upsert(_rule("dg5", webhook_receiver.url, mode="instant"))
    alerts_ctx.redis.set(alerts_ctx.keys.alert_notified("dg5", "a1"), "lost-article")
    res = match_article(pipeline, prison_doc())
    assert res["notified"] == ["dg5"] and res["follow_ups"] == []
    assert [r.json["id"] for r in webhook_receiver.accepted] == [notification_id("dg5", "a1")]
    # a re-run of the same task (at-least-once) is that notification again, not a follow-up of itself
    assert match_article(pipeline, prison_doc())["notified"] == ["dg5"]
    assert len(webhook_receiver.requests) == 1
