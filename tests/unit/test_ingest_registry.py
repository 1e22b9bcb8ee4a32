from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from worker.ingest.registry import Feed, FeedState, feed_view, slugify

CONFIG = Path(__file__).resolve().parents[2] / "config"


def _feeds(name: str) -> list[Feed]:
    data = yaml.safe_load((CONFIG / name).read_text(encoding="utf-8"))
    return [Feed.model_validate({**data.get("defaults", {}), **entry}) for entry in data["feeds"]]


def test_shipped_feeds_are_valid_arabic_outlets() -> None:
    feeds = _feeds("feeds.yaml")
    assert len(feeds) >= 10
    assert len({f.id for f in feeds}) == len(feeds)
    assert all(f.url.startswith("https://") and f.language == "ar" for f in feeds)
    names = " ".join(f.source for f in feeds)
    for outlet in ("BBC Arabic", "France 24", "Sky News Arabia", "Al Arabiya", "CNN Arabic", "Al Jazeera",
                   "RT Arabic", "DW Arabic", "Asharq Al-Awsat", "Anadolu"):
        assert outlet in names


def test_demo_feeds_point_at_the_replay_server() -> None:
    feeds = _feeds("feeds.demo.yaml")
    assert {f.url.split("/feeds/")[1].split(".")[0] for f in feeds} == {"alarabiya", "bbc", "cnn", "france24", "skynews"}
    assert all(f.url.startswith("http://127.0.0.1:8765/") for f in feeds)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://x.example/feed", "javascript:alert(1)"])
def test_feed_url_must_be_http(url: str) -> None:
    with pytest.raises(ValidationError):
        Feed(id="x", url=url)


def test_feed_defaults_and_bad_ids() -> None:
    f = Feed(id="bbc-ar", url="https://feeds.bbci.co.uk/arabic/rss.xml")
    assert f.source == "feeds.bbci.co.uk" and f.name == "bbc-ar" and f.enabled
    with pytest.raises(ValidationError):
        Feed(id="../etc", url="https://x.example/")
    assert slugify("BBC News عربي!") == "bbc-news"


def test_feed_view_combines_config_and_state() -> None:
    f = Feed(id="a", url="https://a.example/rss", tags=["x"])
    st = FeedState(status="failing", consecutive_failures=2, last_error="transient: HTTP 500")
    view = feed_view(f, st)
    assert view["status"] == "failing" and view["tags"] == ["x"] and view["last_error"].endswith("500")
    assert FeedState.model_validate_json(st.model_dump_json()) == st


@pytest.mark.parametrize(("url", "source"), [
    ("https://www.bbc.com/arabic/index.xml", "bbc.com"),  # QA5 re-test: it was the feed id
    ("https://WWW.Aljazeera.NET/rss", "aljazeera.net"),
    ("https://arabic.cnn.com:8443/rss", "arabic.cnn.com"),
    ("http://127.0.0.1:8765/feeds/bbc.rss", "feed-id"),  # an address names no outlet: the id, as before
    ("http://[::1]/rss", "feed-id"),
    ("http://localhost/rss", "feed-id"),
])
def test_a_feed_without_a_source_takes_its_url_s_host(url: str, source: str) -> None:
    from worker.ingest.registry import default_source

    assert default_source(url, "feed-id") == source
    assert Feed(id="feed-id", url=url).source == source
    assert Feed(id="feed-id", url=url, source="BBC Arabic").source == "BBC Arabic"  # a given one is kept
