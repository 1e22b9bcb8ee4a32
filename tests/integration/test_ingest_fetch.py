"""Fetching articles from the replay server with the real Redis: the hand-off payload, idempotency,
duplicates through rel=canonical, page failures, dead letters and their replay."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from tests.integration.ingest_context import ingest_context
from worker.document import doc_id_for_url
from worker.ingest.articles import fetch_item
from worker.ingest.errors import PermanentFetchError, TransientFetchError
from worker.ingest.poller import poll_feed_once
from worker.ingest.registry import Feed
from worker.pipeline.context import AppContext
from worker.pipeline.deadletters import DeadLetters
from worker.pipeline.runner import Runner
from worker.pipeline.table import STAGES
from worker.records import FeedItem, FetchedArticle
from worker.replay.corpus import load_corpus
from worker.replay.server import start_replay_server
from worker.settings import Settings

pytestmark = pytest.mark.integration

CONTRACT = {"id", "url", "source", "feed_id", "title", "body", "summary", "author", "image", "published",
            "fetched", "tags", "language"}


@pytest.fixture
def ctx(redis_client, unique_name):
    settings = Settings(allow_private_addresses=True, per_host_rate=10_000, per_host_burst=10_000, http_timeout=5.0)
    with ingest_context(redis_client, unique_name, settings) as c:
        yield c


@pytest.fixture
def replay():
    with start_replay_server(start_released=25) as (url, server):
        yield url, server


def polled_items(ctx: AppContext, url: str, source: str = "bbc") -> list[FeedItem]:
    ctx.registry.add(Feed(id=f"{source}-feed", url=f"{url}/feeds/{source}.rss", source=source, tags=["t1"]))
    items: list[FeedItem] = []
    poll_feed_once(ctx, f"{source}-feed", items.append)
    assert items
    return items


def test_article_payload_from_real_page(ctx, replay) -> None:
    url, _ = replay
    corpus = {i.docno: i for i in load_corpus()}
    handed: list[FetchedArticle] = []
    for item in polled_items(ctx, url):
        out = fetch_item(ctx, item, handed.append)
        assert out.result == "handed" and out.body_from == "page"
    for payload in handed:
        assert set(payload.as_payload()) == CONTRACT
        assert "utm_" not in payload.url
        assert payload.id == doc_id_for_url(payload.url)
        real = corpus[payload.url.rsplit("/", 1)[1].removesuffix(".html")]
        first_para = real.text.split("\n")[0].strip()
        assert " ".join(first_para.split())[:60] in " ".join(payload.body.split())
        assert "جميع الحقوق محفوظة" not in payload.body and "الأكثر قراءة" not in payload.body
        assert datetime.fromisoformat(payload.published) == real.published  # the feed's date
        assert payload.source == "bbc" and payload.feed_id == "bbc-feed" and "t1" in payload.tags


def test_redelivered_task_hands_on_once(ctx, replay) -> None:
    url, _ = replay
    item = polled_items(ctx, url)[0]
    handed: list[FetchedArticle] = []
    assert fetch_item(ctx, item, handed.append).result == "handed"
    assert fetch_item(ctx, item, handed.append).result == "already_handed"
    assert len(handed) == 1


def test_second_link_to_same_page_is_a_duplicate(ctx, replay) -> None:
    url, _ = replay
    item = polled_items(ctx, url)[0]
    handed: list[FetchedArticle] = []
    fetch_item(ctx, item, handed.append)
    # Another feed links the same article with a content-neutral parameter we don't know to strip;
    # the page's rel=canonical brings it back to the same document id.
    other = replace(item, link=item.link + "&section=home", url=item.url + "?section=home",
                    id=doc_id_for_url(item.url + "?section=home"), feed_id="other")
    out = fetch_item(ctx, other, handed.append)
    assert out.result == "duplicate" and out.doc_id == item.id
    assert len(handed) == 1


def test_page_server_error_retries_then_uses_feed_text(ctx, replay) -> None:
    url, server = replay
    item = polled_items(ctx, url)[0]
    server.state.set_fault("page:bbc", "500")
    handed: list[FetchedArticle] = []
    with pytest.raises(TransientFetchError):
        fetch_item(ctx, item, handed.append)
    out = fetch_item(ctx, item, handed.append, last_attempt=True)
    assert out.result == "handed" and out.body_from in ("feed_summary", "feed_content") and out.page_error
    assert handed[0].body == item.summary
    server.state.set_fault("page:bbc", None)


class Recording:
    """A dispatcher that keeps what the runner queues."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list, int]] = []

    def send(self, stage, payloads, *, attempt=1, countdown=None, queue=None) -> None:  # noqa: ANN001
        self.sent.append((stage.name, payloads, attempt))


def runner_on(ctx: AppContext) -> tuple[Runner, Recording]:
    dispatcher = Recording()
    return Runner(ctx, STAGES, dispatcher), dispatcher


def test_missing_page_without_feed_text_goes_to_dead_letter_and_replays(ctx, replay) -> None:
    url, _ = replay
    first = polled_items(ctx, url)[0]
    item = replace(first, summary="", content="", link=first.link.replace(".html", "-missing.html"))
    with pytest.raises(PermanentFetchError):
        fetch_item(ctx, item, lambda p: None)
    runner, dispatcher = runner_on(ctx)
    assert runner.handle("fetch", [item.as_payload()]) == ["dead"]  # permanent: no retry
    assert dispatcher.sent == []
    dead = runner.dead_letters
    rows = dead.list("fetch")
    assert len(rows) == 1 and rows[0]["attempts"] == 1
    assert "404" in rows[0]["error"] and rows[0]["payload"]["link"] == item.link
    assert dead.list("index") == []
    runner.handle("replay", [rows[0]["id"]])
    assert dispatcher.sent == [("fetch", [item.as_payload()], 1)]
    assert dead.get(rows[0]["id"]) is None and dead.count() == 0


def test_dead_letters_of_any_stage(ctx) -> None:
    dead = DeadLetters(ctx.redis, ctx.keys)
    a = dead.record("extract", {"id": "d1", "body": "نص"}, "ValueError: boom")
    b = dead.record("poll", "f1", "RuntimeError: x")
    assert dead.count() == 2
    assert dead.get(a)["payload"]["body"] == "نص"
    assert dead.get(b)["error"].startswith("RuntimeError")
    runner, dispatcher = runner_on(ctx)
    runner.handle("replay", [b])
    assert dispatcher.sent == [("poll", ["f1"], 1)]
    assert dead.delete(a) and dead.count() == 0
    assert runner.handle("replay", ["nope"]) == ["missing"] and len(dispatcher.sent) == 1


def test_windows_1256_article_page_is_decoded(ctx, replay) -> None:
    url, server = replay
    item = polled_items(ctx, url)[0]
    server.state.set_fault("page:bbc", "cp1256")
    handed: list[FetchedArticle] = []
    try:
        out = fetch_item(ctx, item, handed.append)
    finally:
        server.state.set_fault("page:bbc", None)
    assert out.body_from == "page"
    real = {i.docno: i for i in load_corpus()}[item.url.rsplit("/", 1)[1].removesuffix(".html")]
    words = [w for w in real.text.split() if any("\u0600" <= c <= "\u06ff" for c in w)][:8]
    assert all(w in handed[0].body for w in words)
