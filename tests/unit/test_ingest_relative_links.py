"""``parse_feed_new`` on items whose links are relative: they are resolved against the feed's base (its URL,
``xml:base``) the way feedparser resolves them, so known ones are recognised. Before, such an item could not
be checked and counted as new on every poll: a 600-item feed of relative links handed the same 500 items
each poll and never the last 100."""

from __future__ import annotations

from worker.ingest.feedparse import MAX_ITEMS, ParsedFeed, parse_feed, parse_feed_new

FEED_URL = "http://x.test/news/feed"


def _rss(items: str, channel_attrs: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel{channel_attrs}><title>t</title>'
            f"<link>http://x.test/</link>{items}</channel></rss>").encode()


def _poll(data: bytes, seen: set[str], base: str | None = FEED_URL) -> ParsedFeed:
    feed = parse_feed_new(data, "application/rss+xml", base, lambda groups: [all(u in seen for u in g)
                                                                              for g in groups])
    seen.update(i.url for i in feed.items)
    return feed


def test_600_relative_links_hand_500_then_100():
    data = _rss("".join(f"<item><title>خبر {i}</title><link>/a?n={i}</link></item>" for i in range(600)))
    seen: set[str] = set()
    first = _poll(data, seen)
    assert len(first.items) == MAX_ITEMS and first.extra.get("items_dropped") == 100
    second = _poll(data, seen)
    assert len(second.items) == 100 and second.known == MAX_ITEMS and not second.extra.get("items_dropped")
    assert {i.url for i in second.items} == {f"http://x.test/a?n={i}" for i in range(500, 600)}
    third = _poll(data, seen)
    assert third.items == () and third.known == 600


def test_links_resolve_as_feedparser_resolves_them():
    """Per item the candidates asked about are exactly the links ``parse_feed`` gives the items."""
    items = (
        '<item><title>a</title><link>a.html</link></item>'
        '<item xml:base="http://y.test/sub/"><title>b</title><link>b.html</link></item>'
        '<item xml:base="/other/"><title>c</title><link>../c.html</link></item>'
        '<item><title>d</title><link xml:base="https://z.test/">d.html</link></item>'
        '<item><title>e</title><link>http:///x.test/e.html?</link></item>'
        '<item xml:base="javascript:alert(1)//"><title>f</title><link>f.html</link></item>'
    )
    data = _rss(items, ' xml:base="http://x.test/ar/"')
    asked: list[list[str]] = []
    new = parse_feed_new(data, "application/rss+xml", FEED_URL, lambda g: asked.extend(g) or [False] * len(g))
    full = parse_feed(data, "application/rss+xml", FEED_URL)
    assert [g[0] for g in asked] == [i.url for i in full.items] == [
        "http://x.test/ar/a.html", "http://y.test/sub/b.html", "http://x.test/c.html",
        "https://z.test/d.html", "http://x.test/e.html", "http://x.test/ar/f.html"]
    assert new.items == full.items


def test_atom_relative_hrefs_are_resolved():
    entries = "".join(f'<entry><title>{i}</title><id>tag:x,{i}</id><link rel="alternate" href="e/{i}"/></entry>'
                      for i in range(3))
    data = (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
            f'xml:base="http://x.test/atom/"><title>t</title>{entries}</feed>').encode()
    seen = {"http://x.test/atom/e/0", "http://x.test/atom/e/1"}
    feed = parse_feed_new(data, "application/atom+xml", FEED_URL, lambda g: [all(u in seen for u in x) for x in g])
    assert [i.url for i in feed.items] == ["http://x.test/atom/e/2"] and feed.known == 2


def test_without_a_base_relative_links_are_not_guessed():
    data = _rss("".join(f"<item><title>{i}</title><link>/a?n={i}</link></item>" for i in range(3)))
    asked: list[list[str]] = []
    parse_feed_new(data, "application/rss+xml", None, lambda g: asked.extend(g) or [False] * len(g))
    assert asked == []
