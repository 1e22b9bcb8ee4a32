"""The replay feed server over real HTTP (in a thread); no Redis needed."""

from __future__ import annotations

import gzip
import json
import time

import httpx
import pytest

from worker.ingest.feedparse import parse_feed
from worker.replay.corpus import SAMPLE_PATH, load_corpus
from worker.replay.server import parse_faults, start_replay_server


@pytest.fixture(scope="module")
def replay():
    with start_replay_server(start_released=50) as (url, server):
        yield url, server


def test_sample_is_small_and_cited() -> None:
    assert SAMPLE_PATH.stat().st_size < 1_000_000
    assert (SAMPLE_PATH.parent / "README.md").read_text(encoding="utf-8").count("Chouigui") >= 1
    with gzip.open(SAMPLE_PATH, "rt", encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == 300


def test_feeds_listing_and_real_items(replay) -> None:
    url, server = replay
    listing = httpx.get(f"{url}/feeds.json").json()["feeds"]
    assert {f["source"] for f in listing} == {"alarabiya", "bbc", "cnn", "france24", "skynews"}
    corpus = {i.docno: i for i in load_corpus()}
    total = 0
    for f in listing:
        r = httpx.get(f["url"])
        assert r.status_code == 200
        parsed = parse_feed(r.content, r.headers["content-type"])
        assert not parsed.bozo
        for item in parsed.items:
            docno = item.url.split("/")[-1].split(".html")[0]
            assert item.title == " ".join(corpus[docno].title.split())  # the real article, real pubDate
            assert item.published == corpus[docno].published
            assert "utm_source=rss" in item.url
        total += len(parsed.items)
    assert total == 50


def test_atom_feed(replay) -> None:
    url, _ = replay
    r = httpx.get(f"{url}/feeds/bbc.atom")
    parsed = parse_feed(r.content, r.headers["content-type"])
    assert parsed.version.startswith("atom") and parsed.items


def test_conditional_get_and_release(replay) -> None:
    url, server = replay
    first = httpx.get(f"{url}/feeds/cnn.rss")
    etag, lm = first.headers["etag"], first.headers["last-modified"]
    assert httpx.get(f"{url}/feeds/cnn.rss", headers={"If-None-Match": etag}).status_code == 304
    assert httpx.get(f"{url}/feeds/cnn.rss", headers={"If-Modified-Since": lm}).status_code == 304
    before = server.state.snapshot()["released_by_source"].get("cnn", 0)
    while server.state.snapshot()["released_by_source"].get("cnn", 0) == before:
        server.state.release(1)
    again = httpx.get(f"{url}/feeds/cnn.rss", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["etag"] != etag


def test_publish_now_and_article_page(replay) -> None:
    url, _ = replay
    body = "أعلنت السلطات مقتل ثلاثة أشخاص في هجوم مسلح.\nوقالت الشرطة إن التحقيقات جارية."
    created = httpx.post(f"{url}/admin/publish", json={"source": "france24", "title": "هجوم مسلح", "body": body}).json()
    feed = parse_feed(httpx.get(f"{url}/feeds/france24.rss").content)
    assert feed.items[0].title == "هجوم مسلح"
    page = httpx.get(created["link"]).text
    assert "أعلنت السلطات مقتل ثلاثة أشخاص" in page
    assert f'<link rel="canonical" href="{created["url"]}">' in page
    assert "<nav>" in page and "<footer>" in page
    stats = httpx.get(f"{url}/admin/stats").json()
    assert stats["published"] >= 1


def test_faults_with_counts_and_recovery(replay) -> None:
    url, server = replay
    httpx.post(f"{url}/admin/faults", json={"feed": "skynews", "fault": "500*2"})
    assert [httpx.get(f"{url}/feeds/skynews.rss").status_code for _ in range(3)] == [500, 500, 200]
    server.state.set_fault("skynews", "429:42")
    r = httpx.get(f"{url}/feeds/skynews.rss")
    assert r.status_code == 429 and r.headers["retry-after"] == "42"
    server.state.set_fault("skynews", "410")
    assert httpx.get(f"{url}/feeds/skynews.rss").status_code == 410
    server.state.set_fault("skynews", None)
    assert httpx.get(f"{url}/feeds/skynews.rss").status_code == 200


@pytest.mark.parametrize("fault", ["cp1256", "cp1256-undeclared", "iso-8859-6", "utf16", "utf16-nobom", "broken"])
def test_encoding_and_broken_faults_still_readable(replay, fault: str) -> None:
    url, server = replay
    server.state.set_fault("alarabiya", fault)
    try:
        r = httpx.get(f"{url}/feeds/alarabiya.rss")
    finally:
        server.state.set_fault("alarabiya", None)
    if fault.startswith("cp1256"):
        assert "مقتل".encode() not in r.content  # really not UTF-8 on the wire
    parsed = parse_feed(r.content, r.headers.get("content-type"))
    assert parsed.items
    assert any("\u0600" <= ch <= "\u06ff" for ch in parsed.items[0].title)
    assert parsed.bozo == (fault == "broken")


def test_nocache_ignores_validators(replay) -> None:
    url, server = replay
    server.state.set_fault("bbc", "nocache")
    try:
        r = httpx.get(f"{url}/feeds/bbc.rss")
        assert "etag" not in r.headers
        assert httpx.get(f"{url}/feeds/bbc.rss", headers={"If-None-Match": '"x"'}).status_code == 200
    finally:
        server.state.set_fault("bbc", None)


def test_clock_releases_over_time() -> None:
    with start_replay_server(start_released=5, rate=200.0) as (url, server):
        first = server.state.snapshot()["released"]
        time.sleep(0.2)
        assert server.state.snapshot()["released"] > first


def test_split_feeds_partition_the_source() -> None:
    with start_replay_server(start_released=300, split=4, window=1000) as (url, server):
        feeds = httpx.get(f"{url}/feeds.json").json()["feeds"]
        assert len(feeds) == 20
        whole = {i.url for i in parse_feed(httpx.get(f"{url}/feeds/bbc.rss").content).items}
        parts = [{i.url for i in parse_feed(httpx.get(f"{url}/feeds/bbc-{k}.rss").content).items} for k in range(4)]
        assert set().union(*parts) == whole and sum(map(len, parts)) == len(whole) == 60


def test_parse_faults() -> None:
    assert parse_faults("bbc=500, page:cnn=slow:2,x=429:5*3") == {"bbc": "500", "page:cnn": "slow:2", "x": "429:5*3"}


def test_robots_and_404(replay) -> None:
    url, _ = replay
    assert "Disallow: /admin/" in httpx.get(f"{url}/robots.txt").text
    assert httpx.get(f"{url}/feeds/nope.rss").status_code == 404
    assert httpx.post(f"{url}/admin/publish", content=json.dumps({"title": "x"})).status_code == 400
