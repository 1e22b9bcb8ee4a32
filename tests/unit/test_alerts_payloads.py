"""Notification payloads (webhook JSON, Slack text, email) and digest batching."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.unit.test_alerts_engine import PRISON, make_doc
from worker.alerts.delivery.errors import PermanentDeliveryError, TransientDeliveryError
from worker.alerts.delivery.webhook import send_webhook
from worker.alerts.payloads import (
    article_summary,
    digest_notification,
    email_message,
    instant_notification,
    notification_id,
    slack_payload,
    webhook_payload,
)
from worker.alerts.rules import build_rule

RULE = build_rule({"name": "prison", "query": "سجن", "owner": "ops"})


def test_notification_id_is_per_rule_and_story() -> None:
    assert notification_id("prison", "s1") == notification_id("prison", "s1")
    assert len({notification_id("prison", "s1"), notification_id("prison", "s2"), notification_id("x", "s1")}) == 3


def test_article_summary_fields() -> None:
    a = article_summary(PRISON)
    assert a["id"] == "d1" and a["source"] == "skynews" and a["url"].startswith("https://")
    assert a["events"] == ["prison_attack"]
    assert {"kind": "killed", "count": 7} in a["casualties"] and {"kind": "injured", "count": 4} in a["casualties"]
    assert a["places"] == ["الحسكة"]
    long_doc = {**PRISON, "body": "كلمة " * 500}
    snippet = article_summary(long_doc)["snippet"]
    assert len(snippet) <= 281 and snippet.endswith("…")


def test_with_a_public_url_the_alert_links_its_article_and_story_on_newsworkers_pages() -> None:
    """An analyst reading the alert opens the article with its extraction, and the story's other reports,
    on the pages the proxy serves; without ``api_public_url`` no address of ours is known, so none is sent."""
    assert "page" not in article_summary(PRISON) and "story_page" not in article_summary(PRISON)
    doc = {**PRISON, "id": "d1/x y"}
    n = instant_notification(RULE, "s-1 2", {**doc, "story_id": "s-1 2"}, "https://news.example.org/nw")
    a = n["article"]
    assert a["page"] == "https://news.example.org/nw/?article=d1%2Fx+y"
    assert a["story_page"] == "https://news.example.org/nw/stories?id=s-1+2"
    text = slack_payload(n)["text"]
    assert "(newsworker: https://news.example.org/nw/?article=d1%2Fx+y)" in text
    assert "the story's other reports: https://news.example.org/nw/stories?id=s-1+2" in text
    assert webhook_payload(n)["article"]["story_page"] == a["story_page"]


def test_webhook_payload_json() -> None:
    n = instant_notification(RULE, "story-1", PRISON)
    body = webhook_payload(n)
    assert body["idempotency_key"] == n["id"] == notification_id("prison", "story-1")
    assert body["rule"]["name"] == "prison" and body["story_id"] == "story-1"
    for key in ("id", "title", "url", "source", "published", "snippet", "events", "casualties", "places"):
        assert key in body["article"]
    json.dumps(body, ensure_ascii=False)  # serialisable


def test_slack_payload_is_text_only() -> None:
    n = instant_notification(RULE, "story-1", PRISON)
    s = slack_payload(n)
    assert set(s) == {"text"}
    assert PRISON["title"] in s["text"] and "prison_attack" in s["text"] and PRISON["url"] in s["text"]


def test_email_message() -> None:
    n = instant_notification(RULE, "story-1", PRISON)
    msg = email_message(n, "ops@example.test", "nw@example.test")
    assert msg["To"] == "ops@example.test" and msg["X-Idempotency-Key"] == n["id"]
    assert n["id"] in msg["Message-ID"] and PRISON["title"] in msg["Subject"]
    assert PRISON["title"] in msg.get_content()


def test_digest_groups_lines_by_story_in_arrival_order() -> None:
    a1 = article_summary(make_doc("هجوم على سجن في الحسكة", doc_id="a1"))
    a2 = article_summary(make_doc("هجوم على سجن بالحسكة", doc_id="a2", source="bbc"))
    b1 = article_summary(make_doc("فرار سجناء من سجن في الموصل", doc_id="b1"))
    lines = [
        {"article": b1, "story_id": "B", "follow_up": False, "matched_at": "2026-11-25T08:00:02Z"},
        {"article": a2, "story_id": "A", "follow_up": False, "matched_at": "2026-11-25T08:00:03Z"},
        {"article": a1, "story_id": "A", "follow_up": False, "matched_at": "2026-11-25T08:00:01Z"},
        {"article": a1, "story_id": "A", "follow_up": False, "matched_at": "2026-11-25T08:00:01Z"},  # re-run
    ]
    n = digest_notification(build_rule({"name": "d", "query": "سجن", "mode": "digest"}), "batch1", lines)
    assert [i["story_id"] for i in n["items"]] == ["A", "B"]
    assert n["items"][0]["article"]["id"] == "a1"
    assert [f["id"] for f in n["items"][0]["follow_ups"]] == ["a2"]
    assert n["article_count"] == 3
    text = slack_payload(n)["text"]
    assert "3 article(s) in 2 story(ies)" in text and text.count("+ ") == 1
    assert webhook_payload(n)["items"] == n["items"]


def _client(handler) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_webhook_send_headers_and_status_classes() -> None:
    seen = []

    def ok(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    n = instant_notification(RULE, "story-1", PRISON)
    assert send_webhook({"url": "http://hook.test/x"}, n, client=_client(ok)) == 200
    assert seen[0].headers["Idempotency-Key"] == n["id"]
    assert json.loads(seen[0].content)["article"]["id"] == "d1"
    send_webhook({"url": "http://hook.test/x", "format": "slack"}, n, client=_client(ok))
    assert set(json.loads(seen[1].content)) == {"text"}

    for code in (500, 502, 503, 429, 408):
        with pytest.raises(TransientDeliveryError):
            send_webhook({"url": "http://hook.test/x"}, n, client=_client(lambda r, c=code: httpx.Response(c)))
    for code in (400, 401, 404, 410):
        with pytest.raises(PermanentDeliveryError):
            send_webhook({"url": "http://hook.test/x"}, n, client=_client(lambda r, c=code: httpx.Response(c)))

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(TransientDeliveryError):
        send_webhook({"url": "http://hook.test/x"}, n, client=_client(refused))
