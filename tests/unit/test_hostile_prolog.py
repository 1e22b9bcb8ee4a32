"""A QA round on the feed parsing path: a DTD hidden after 70 KB of prolog walked past the entity-bomb
defence; newlines before the root element were quadratic in feedparser's ``replace_doctype``; a title of
``<br `` without ``>`` was quadratic in ``html_to_text``, which also cleaned whole fields before cutting.
Each test asserts on bounded work (what feedparser is handed, lengths), with a generous hang guard."""

from __future__ import annotations

import pytest

from tests.unit.test_hostile_feeds import hang_guard
from worker.ingest import feedparse
from worker.ingest.feedparse import (
    MAX_CONTENT_CHARS,
    MAX_SUMMARY_CHARS,
    MAX_TITLE_CHARS,
    RAW_FACTOR,
    html_to_text,
    parse_feed,
    parse_feed_new,
)
from worker.ingest.xmlguard import PrologRefusedError, strip_dtd

DECL = '<?xml version="1.0" encoding="utf-8"?>'
BIG = "ب" * 5120


def _feed(prolog: str, desc: str = "نص", title: str = "x") -> bytes:
    return (DECL + prolog + '<rss version="2.0"><channel><title>t</title><item><title>' + title
            + "</title><link>http://x.test/a</link><description>" + desc
            + "</description></item></channel></rss>").encode()


def _prolog(data: bytes) -> bytes:
    out, _ = strip_dtd(data)
    return out[:out.index(b"<rss")]


LATE_DTDS = {
    "spaces": " " * 70_000 + f'\n<!DOCTYPE rss [\n<!ENTITY big "{BIG}">\n]>\n',
    "newlines": "\n" * 200_000 + f'<!DOCTYPE rss [<!ENTITY big "{BIG}">]>',
    "pi": "<?pad " + "x" * 70_000 + f'?><!DOCTYPE rss [<!ENTITY big "{BIG}">]>',
    "comments": "<!-- c -->" * 10_000 + f'<!DOCTYPE rss [<!ENTITY big "{BIG}">]>',
    "text": "junk " * 20_000 + f'<!DOCTYPE rss [<!ENTITY big "{BIG}">]>',
    "stray entity": " " * 70_000 + f'<!ENTITY big "{BIG}">',
    "entity in a literal": " " * 70_000 + f"<!DOCTYPE rss SYSTEM '\n<!ENTITY big \"{BIG}\">'>",
}


@pytest.mark.parametrize("name", LATE_DTDS)
def test_a_dtd_anywhere_in_the_prolog_is_removed(name):
    data = _feed(LATE_DTDS[name], desc="&big;" * 3000)
    assert b"ENTITY" not in _prolog(data) and len(_prolog(data)) < 200
    with hang_guard(30):
        for feed in (parse_feed(data, "application/rss+xml"),
                     parse_feed_new(data, "application/rss+xml", None, lambda g: [False] * len(g))):
            assert all(BIG[:100] not in i.summary for i in feed.items), name  # never expanded


def test_the_prolog_is_rebuilt_small_whatever_its_length():
    data = _feed("\n" * 300_000 + "<!-- a -->\n" * 1000 + "<?pi x?>")
    assert _prolog(data) == DECL.encode()
    with hang_guard(30):  # 579 s before
        feed = parse_feed(data, "application/rss+xml")
    assert [i.title for i in feed.items] == ["x"] and not feed.bozo


def test_a_netscape_doctype_survives_and_a_strange_declaration_is_replaced():
    netscape = '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://x/rss-0.91.dtd">'
    data = _feed("\n\n" + netscape + "\n")
    assert _prolog(data) == (DECL + netscape).encode()
    odd = b'<?xml version="1.0" x="\n<!ENTITY a \'b\'>"?><rss/>'
    assert strip_dtd(odd)[0] == b'<?xml version="1.0" encoding="utf-8"?><rss/>'


def test_a_prolog_of_endless_declarations_is_refused_quickly():
    data = (DECL + '<!ENTITY a "x">' * 200_000 + "<rss/>").encode()
    with pytest.raises(PrologRefusedError):
        strip_dtd(data)
    feed = parse_feed(data, "application/rss+xml")
    assert feed.bozo and "feed refused" in (feed.error or "") and not feed.items


def test_html_to_text_is_linear_on_unclosed_tags():
    with hang_guard(10):  # quadratic before: ~tens of seconds for this
        assert html_to_text("<br " * 200_000).startswith("<br <br")
    assert html_to_text("a <b>bold</b> x<y <i>z</i>") == "a bold x<y z"
    assert html_to_text("one<br/>two</p>three") == "one\ntwo\nthree"


def test_fields_are_cut_before_they_are_cleaned(monkeypatch):
    seen: list[int] = []
    real = feedparse.html_to_text
    monkeypatch.setattr(feedparse, "html_to_text", lambda text: seen.append(len(text)) or real(text))
    data = _feed("", title="&lt;br " * 100_000, desc="ع" * (MAX_SUMMARY_CHARS * RAW_FACTOR + 1000))
    with hang_guard(30):
        feed = parse_feed(data, "application/rss+xml")
    title, summary, content = seen[:3]  # _item cleans title, summary, content in that order
    assert title <= MAX_TITLE_CHARS * RAW_FACTOR and summary <= MAX_SUMMARY_CHARS * RAW_FACTOR
    assert content <= MAX_CONTENT_CHARS * RAW_FACTOR
    item = feed.items[0]
    assert len(item.title) <= MAX_TITLE_CHARS and len(item.summary) <= MAX_SUMMARY_CHARS


def test_text_before_the_root_still_makes_the_feed_malformed():
    robots = b"User-agent: *\nDisallow: /private\n" * 50_000
    out, _ = strip_dtd(robots)
    assert out.startswith(b"User-agent: * Disallow: /private User-agent") and len(out) <= 64
    assert parse_feed(robots, None).bozo
    junk = _feed("junk \n" * 100_000)
    assert len(_prolog(junk)) < 200 and parse_feed(junk, None).bozo
