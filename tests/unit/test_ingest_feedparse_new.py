"""``parse_feed_new`` (parse only the items the caller does not know) against ``parse_feed``: nothing new is
ever lost, known items are not parsed, and anything the fast path cannot read exactly falls back to a full
parse. Runs over replay-server feeds, the committed feed corpus, the shared feedparser/PEAR corpus when
present, and hostile documents."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from worker.devdata import FEEDS
from worker.ingest.canonical import canonicalize_url, doc_id
from worker.ingest.feedparse import ParsedFeed, parse_feed, parse_feed_new
from worker.ingest.poller import _link_ids
from worker.replay.render import Entry, atom, rss

LOCAL_CORPUS = Path(__file__).resolve().parent.parent / "data" / "feeds"
SHARED_CORPUS = FEEDS
BASE = "http://feeds.example.com/rss"


def _entries(n: int) -> list[Entry]:
    now = datetime(2018, 3, 1, tzinfo=UTC)
    return [Entry(docno=f"d{i}", source="bbc", title=f"عنوان الخبر رقم {i}", summary=f"ملخص {i} & <b>نص</b>",
                  text="نص", author="", category="news", published=now,
                  link=f"http://replay.test/articles/bbc/d{i}.html?utm_source=rss",
                  canonical=f"http://replay.test/articles/bbc/d{i}.html") for i in range(n)]


def _by_hash(groups: list[list[str]]) -> list[bool]:
    """A 'known' answer that depends only on the links: about half the items."""
    return [zlib.crc32(g[0].encode()) % 2 == 0 for g in groups]


def _id(url: str) -> str:
    try:
        return doc_id(canonicalize_url(url))
    except ValueError:
        return url


def check(data: bytes, ctype: str | None) -> ParsedFeed:
    """Compare by document id, as the poller does (``_link_ids``)."""
    full = parse_feed(data, ctype, BASE)
    known_ids: set[str] = set()

    def known(groups: list[list[str]]) -> list[bool]:
        answers = [k and bool(_link_ids(g)) for g, k in zip(groups, _by_hash(groups), strict=True)]
        known_ids.update(_id(u) for g, k in zip(groups, answers, strict=True) if k for u in g)
        return answers

    new = parse_feed_new(data, ctype, BASE, known)
    assert isinstance(new, ParsedFeed)
    # nothing new lost: every item whose id was not declared known comes out, identical
    assert [i for i in full.items if _id(i.url) not in known_ids] == list(new.items)
    return new


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_replay_feeds(fmt: str) -> None:
    entries = _entries(50)
    doc = (rss("t", "http://replay.test/", BASE, entries, last_build=datetime.now(UTC)) if fmt == "rss"
           else atom("t", "http://replay.test/", BASE, entries, datetime.now(UTC)))
    new = check(doc.encode("utf-8"), f"application/{fmt}+xml; charset=utf-8")
    assert 0 < new.known < 50 and len(new.items) == 50 - new.known


def test_everything_known_parses_nothing_and_keeps_the_ttl() -> None:
    doc = rss("t", "http://replay.test/", BASE, _entries(5)).replace("<language>", "<ttl>15</ttl><language>")
    new = parse_feed_new(doc.encode(), "application/rss+xml", BASE, lambda g: [True] * len(g))
    assert new.items == () and new.known == 5 and new.ttl_seconds == 900 and not new.bozo


def test_relative_or_entity_links_are_never_declared_known() -> None:
    doc = (b'<?xml version="1.0" encoding="utf-8"?><!DOCTYPE rss [<!ENTITY e "x">]><rss version="2.0"><channel>'
           b"<title>t</title><item><title>a</title><link>/rel/a.html</link></item>"
           b"<item><title>b</title><link>http://x.test/b&e;.html</link></item>"
           b"<item><title>c</title><guid>http://x.test/c.html</guid></item></channel></rss>")
    asked: list[list[str]] = []
    new = parse_feed_new(doc, "application/rss+xml", BASE, lambda g: asked.extend(g) or [True] * len(g))
    # A feed declaring entities never takes the fast path (its DTD is removed, the entity left undefined):
    # nothing is declared known, every item is parsed, and the error says why.
    assert asked == []
    assert [i.title for i in new.items] == ["a", "b", "c"]
    assert new.bozo and "DTD internal subset removed" in (new.error or "")


@pytest.mark.parametrize("path", sorted(p for p in LOCAL_CORPUS.glob("*.xml")), ids=lambda p: p.name)
def test_committed_corpus(path: Path) -> None:
    check(path.read_bytes(), "application/xml")


def test_shared_corpus() -> None:
    if not SHARED_CORPUS.is_dir():
        pytest.skip(f"{SHARED_CORPUS} absent (data, not a service)")
    files = sorted(p for p in SHARED_CORPUS.rglob("*.xml") if p.is_file())
    for path in files:
        for ctype in ("application/xml", "text/xml; charset=utf-8", None):
            check(path.read_bytes(), ctype)


@pytest.mark.parametrize("data", [
    b"",
    b"not xml at all",
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><rss><channel><item><link>http://x.test/&c;</link></item>'
    b"</channel></rss>",
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel>'
    b"<item><title>&x;</title><link>http://x.test/a</link></item></channel></rss>",
    "<rss><channel><item><link>http://x.test/سجن</link></item></channel></rss>".encode("windows-1256"),
])
def test_hostile_documents(data: bytes) -> None:
    new = check(data, "application/rss+xml")
    assert "root:" not in "".join(i.title for i in new.items)
