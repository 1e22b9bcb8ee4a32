"""Alerts on the real Redis + Elasticsearch with a local webhook receiver and a local SMTP server:
exactly one notification per (rule, story), follow-ups for syndicated copies, nothing for non-matching
articles, and delivery that survives a receiver being down."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.integration.alert_context import alerts_ctx, deliver, match_article, pipeline  # noqa: F401
from tests.integration.alert_receivers import smtp_receiver, webhook_receiver  # noqa: F401
from tests.unit.test_alerts_engine import make_doc
from worker.alerts.delivery import attempt
from worker.alerts.history import History
from worker.alerts.notify import channel_notifications, send_due_digests
from worker.alerts.payloads import instant_notification, notification_id
from worker.alerts.store import RuleStore
from worker.extract.fingerprint import simhash
from worker.records import Delivery

pytestmark = pytest.mark.integration

QUERY = ('("هجوم على سجن" OR "اقتحام سجن" OR "فرار سجناء" OR event:prison_attack) '
         "AND (country:SY OR country:IQ OR place:الحسكة)")
BODY = (
    "شن مسلحون من تنظيم الدولة هجوما على سجن غويران في مدينة الحسكة شمال شرقي سوريا مساء الخميس، "
    "وقالت مصادر محلية إن الهجوم بدأ بتفجير سيارة مفخخة عند البوابة الرئيسية للسجن، أعقبه اشتباك مع "
    "الحراس استمر ساعات، ما أدى إلى فرار عدد من السجناء ومقتل سبعة من الحراس. وأعلنت قوات سوريا "
    "الديمقراطية حظر تجول في المدينة، وبدأت عمليات تمشيط في الأحياء المحيطة بالسجن بحثا عن الفارين."
)


def enriched(doc_id: str, title: str, body: str, source: str, **kw: Any) -> dict[str, Any]:
    doc = make_doc(title, body, doc_id=doc_id, source=source, **kw)
    doc["fingerprint"] = simhash(title + "\n" + body)
    return doc


def prison_doc(doc_id: str = "a1", source: str = "skynews", body: str = BODY, title: str | None = None) -> dict:
    return enriched(doc_id, title or "هجوم على سجن غويران في الحسكة وفرار عشرات السجناء", body, source,
                    events=("prison_attack",), places=(("الحسكة", "SY"),), casualties=(("killed", 7),))


@pytest.fixture
def rule(alerts_ctx, webhook_receiver, smtp_receiver):  # noqa: F811
    alerts_ctx.settings = alerts_ctx.settings.model_copy(
        update={"smtp_host": smtp_receiver.host, "smtp_port": smtp_receiver.port})
    saved, _ = RuleStore(alerts_ctx).upsert({
        "name": "prison-syria", "query": QUERY, "owner": "ops",
        "channels": {"webhooks": [{"url": webhook_receiver.url}], "emails": ["ops@example.test"]},
    })
    return saved


def test_one_notification_then_follow_up_then_nothing(alerts_ctx, rule, webhook_receiver, smtp_receiver,  # noqa: F811
                                                       pipeline) -> None:  # noqa: F811
    first = prison_doc()
    res = match_article(pipeline, first)
    assert res["notified"] == ["prison-syria"]
    story = res["story_id"]
    assert story == "a1"

    # exactly one webhook POST and one email
    assert len(webhook_receiver.accepted) == 1
    req = webhook_receiver.accepted[0]
    body = req.json
    assert req.headers["Idempotency-Key"] == notification_id("prison-syria", story) == body["idempotency_key"]
    assert body["article"]["id"] == "a1" and body["article"]["events"] == ["prison_attack"]
    assert body["article"]["places"] == ["الحسكة"] and body["rule"]["name"] == "prison-syria"
    assert "page" not in body["article"]  # no api_public_url: no address of newsworker's pages is known
    assert len(smtp_receiver.messages) == 1
    assert smtp_receiver.envelopes[0][1] == ["ops@example.test"]
    assert smtp_receiver.messages[0]["X-Idempotency-Key"] == body["idempotency_key"]

    history = History(alerts_ctx)
    rec = history.get(body["id"])
    assert rec["status"] == "delivered" and rec["attempts"] == 2 and rec["story_id"] == story
    hook_target = next(c["target"] for c in rec["channels"] if c["type"] == "webhook")
    assert hook_target == webhook_receiver.url  # the real target; readers without the key get it redacted

    # a syndicated copy from a second source: near-identical body, new dateline and title wording
    copy = prison_doc("b2", "alarabia", body="(رويترز) - " + BODY.replace("مساء الخميس", "ليل الخميس"),
                      title="هجوم على سجن في الحسكة وفرار سجناء")
    res2 = match_article(pipeline, copy)
    assert res2["story_id"] == story and res2["follow_ups"] == ["prison-syria"] and res2["notified"] == []
    # a re-delivery of the same task changes nothing
    match_article(pipeline, copy)
    assert len(webhook_receiver.requests) == 1 and len(smtp_receiver.messages) == 1
    rec = history.get(body["id"])
    assert [f["id"] for f in rec["follow_ups"]] == ["b2"] and rec["follow_up_count"] == 1

    # a re-run of the first article's task (at-least-once) does not notify twice either
    match_article(pipeline, first)
    assert len(webhook_receiver.requests) == 1 and len(smtp_receiver.messages) == 1

    # a non-matching article: nothing at all
    other = enriched("c3", "ارتفاع أسعار النفط في الأسواق العالمية", "ارتفعت أسعار النفط اليوم بنسبة اثنين في المئة.",
                     "bbc")
    res3 = match_article(pipeline, other)
    assert res3["notified"] == [] and res3["follow_ups"] == []
    assert len(webhook_receiver.requests) == 1 and len(smtp_receiver.messages) == 1
    alerts_ctx.es.indices.refresh(index=alerts_ctx.settings.es_alert_history_index)
    total, _ = history.search(rule="prison-syria")
    assert total == 1


def test_a_new_story_notifies_again(alerts_ctx, rule, webhook_receiver, pipeline) -> None:  # noqa: F811
    match_article(pipeline, prison_doc())
    iraq = enriched("d4", "فرار سجناء بعد اقتحام سجن بادوش في الموصل",
                    "اقتحم مسلحون سجن بادوش غرب الموصل في محافظة نينوى شمالي العراق وأطلقوا سراح عشرات المعتقلين "
                    "بعد اشتباكات عنيفة مع قوات الأمن العراقية استمرت حتى الفجر.",
                    "france24", events=("prison_attack",), places=(("الموصل", "IQ"),))
    res = match_article(pipeline, iraq)
    assert res["notified"] == ["prison-syria"] and res["story_id"] == "d4"
    assert [r.json["article"]["id"] for r in webhook_receiver.accepted] == ["a1", "d4"]


def _deliveries(rule, doc: dict) -> list[dict]:
    n = instant_notification(rule, doc["id"], doc)
    return [d for d in channel_notifications(rule, n) if d["channel"]["type"] == "webhook"]


def test_webhook_503_then_recovers_exactly_once(alerts_ctx, rule, webhook_receiver, pipeline) -> None:  # noqa: F811
    """The runner's retries (in-process here: no waiting) until the receiver answers 2xx; then never again."""
    from worker.alerts.notify import record_notification

    doc = prison_doc()
    webhook_receiver.fail_next(3, 503)
    n = instant_notification(rule, doc["id"], doc)
    queued = record_notification(rule, n, alerts_ctx)
    hook = next(d for d in queued if d["channel"]["type"] == "webhook")
    assert deliver(pipeline, hook) == "delivered"
    assert [r.status for r in webhook_receiver.requests] == [503, 503, 503, 200]
    assert len({r.headers["Idempotency-Key"] for r in webhook_receiver.requests}) == 1
    rec = History(alerts_ctx).get(n["id"])
    ch = next(c for c in rec["channels"] if c["key"] == "webhook:0")
    assert ch["status"] == "delivered" and ch["attempts"] == 4 and "503" in (ch.get("last_error") or "503")
    # a duplicate of the task (at-least-once queue) does not re-send after the confirmed 2xx
    assert deliver(pipeline, hook) == "skipped"
    assert len(webhook_receiver.accepted) == 1


def test_webhook_down_connection_refused_then_up(alerts_ctx, rule, webhook_receiver) -> None:  # noqa: F811
    from worker.alerts.notify import record_notification

    doc = prison_doc()
    n = instant_notification(rule, doc["id"], doc)
    queued = record_notification(rule, n, alerts_ctx)
    hook = next(d for d in queued if d["channel"]["type"] == "webhook")
    webhook_receiver.stop()
    for _ in range(3):  # what the task's retries see while the receiver is down
        out = attempt(hook, alerts_ctx)
        assert out.status == "retry" and "Connect" in (out.error or "")
    rec = History(alerts_ctx).get(n["id"])
    assert rec["status"] == "pending" and rec["attempts"] == 3
    webhook_receiver.start()
    assert attempt(hook, alerts_ctx).status == "delivered"
    assert attempt(hook, alerts_ctx).status == "skipped"
    assert len(webhook_receiver.accepted) == 1
    assert webhook_receiver.accepted[0].json["id"] == n["id"]


def test_permanent_failure_is_dead_lettered(alerts_ctx, rule, webhook_receiver, pipeline) -> None:  # noqa: F811
    from worker.alerts.notify import record_notification

    doc = prison_doc()
    webhook_receiver.fail_next(1, 410)
    n = instant_notification(rule, doc["id"], doc)
    queued = record_notification(rule, n, alerts_ctx)
    hook = next(d for d in queued if d["channel"]["type"] == "webhook")
    assert deliver(pipeline, hook) == "dead"
    assert len(webhook_receiver.requests) == 1  # no retry of a 410
    recorded = pipeline.dead_letters.list("deliver")
    assert recorded and recorded[0]["payload"]["id"] == n["id"] and "410" in recorded[0]["error"]
    assert recorded[0]["payload"]["channel_key"] == hook["channel_key"]  # replayable: the delivery itself
    rec = History(alerts_ctx).get(n["id"])
    assert {c["type"]: c["status"] for c in rec["channels"]} == {"webhook": "failed", "email": "pending"}
    assert rec["status"] == "pending"  # the rule's e-mail has not been tried yet (QA4 web D6)


def test_a_redacted_target_stored_earlier_is_never_sent_to(alerts_ctx, rule, webhook_receiver) -> None:  # noqa: F811
    """QA: a rule saved from a reader's redacted view ("host/…") got notifications to "/…" marked delivered."""
    from worker.alerts.notify import record_notification

    doc = prison_doc()
    n = instant_notification(rule, doc["id"], doc)
    hook = next(d for d in record_notification(rule, n, alerts_ctx) if d["channel"]["type"] == "webhook")
    redacted = {**hook, "channel": {**hook["channel"], "url": webhook_receiver.url.rsplit("/", 1)[0] + "/…"}}
    out = attempt(redacted, alerts_ctx)
    assert out.status == "failed" and "redacted placeholder" in (out.error or "")
    assert webhook_receiver.requests == []
    rec = History(alerts_ctx).get(n["id"])
    assert next(c for c in rec["channels"] if c["type"] == "webhook")["status"] == "failed"
    assert rec["status"] == "pending"  # the rule's e-mail has not been tried yet (QA4 web D6)


def test_digest_batches_lines_by_story(alerts_ctx, webhook_receiver, pipeline) -> None:  # noqa: F811
    store = RuleStore(alerts_ctx)
    digest_rule, _ = store.upsert({"name": "prison-digest", "query": QUERY, "mode": "digest", "digest_minutes": 30,
                                   "channels": {"webhooks": [{"url": webhook_receiver.url, "format": "slack"}]}})
    t0 = time.time()
    first = prison_doc()
    copy = prison_doc("b2", "alarabia", body="(رويترز) - " + BODY)
    for d in (first, copy):
        res = match_article(pipeline, d)
        assert res["digested"] == ["prison-digest"] and res["notified"] == []
    assert webhook_receiver.requests == []
    assert send_due_digests([digest_rule], ctx=alerts_ctx, now=t0).sent == []  # not due yet (due = now + 30 min)
    run = send_due_digests([digest_rule], ctx=alerts_ctx, now=t0 + 31 * 60)
    sent = run.sent
    pipeline.submit("deliver", [Delivery.from_payload(d) for d in run.deliveries])
    assert len(sent) == 1 and len(sent[0]["items"]) == 1 and sent[0]["article_count"] == 2
    assert len(webhook_receiver.accepted) == 1
    text = webhook_receiver.accepted[0].json["text"]
    assert "2 article(s) in 1 story(ies)" in text
    assert send_due_digests([digest_rule], ctx=alerts_ctx, now=t0 + 62 * 60).sent == []  # nothing pending any more
    assert len(webhook_receiver.accepted) == 1


def test_another_outlets_own_report_of_the_event_is_a_follow_up(alerts_ctx, rule, webhook_receiver,  # noqa: F811
                                                                pipeline) -> None:  # noqa: F811
    """Not a copy: written up by another outlet in its own words (SimHash and titles far apart). The story
    stage's cross-outlet link (``worker.alerts.story_link``) makes it the same story: one notification."""
    first = prison_doc()
    assert match_article(pipeline, first)["notified"] == ["prison-syria"]
    own_words = (
        "قالت قوات سوريا الديمقراطية إن عناصر من داعش اقتحموا سجن غويران بالحسكة بعد تفجير سيارة مفخخة "
        "عند مدخله، وإن اشتباكات عنيفة دارت مع الحراس أسفرت عن مقتل سبعة منهم وفرار عدد من السجناء. "
        "وفرضت السلطات المحلية حظر التجول في الحسكة وبدأت تمشيط الأحياء القريبة من السجن لملاحقة الفارين."
    )
    report = prison_doc("r2", "BBC", body=own_words, title="داعش يقتحم سجن غويران والأكراد يفرضون حظر تجول")
    assert bin(int(first["fingerprint"], 16) ^ int(report["fingerprint"], 16)).count("1") > 12
    res = match_article(pipeline, report)
    assert res["story_id"] == "a1" and res["follow_ups"] == ["prison-syria"] and res["notified"] == []
    assert len(webhook_receiver.requests) == 1


def test_the_alert_links_newsworkers_pages_under_the_public_url(alerts_ctx, rule, webhook_receiver,  # noqa: F811
                                                                 smtp_receiver, pipeline) -> None:  # noqa: F811
    alerts_ctx.settings = alerts_ctx.settings.model_copy(update={"api_public_url": "https://news.example.org"})
    match_article(pipeline, prison_doc())
    art = webhook_receiver.accepted[0].json["article"]
    assert art["page"] == "https://news.example.org/?article=a1"
    assert art["story_page"] == "https://news.example.org/stories?id=a1"
    mail = smtp_receiver.messages[0].get_content()
    assert "https://news.example.org/?article=a1" in mail and "https://news.example.org/stories?id=a1" in mail
