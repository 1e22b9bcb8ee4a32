"""QA round 4, H1: terminal control sequences in a feed's text reached the operator's terminal raw.

A feed item title ``ESC ] 0 ; PWNED BEL ESC [ 2 J ESC [ 8 m hidden ...`` was indexed as it was and printed
as it was by ``newsworker search``, ``alerts history`` and ``alerts test``: it set the window title, cleared
the screen, hid text, and with ``ESC ] 52`` wrote the clipboard. Two layers now: ingest strips control
characters and sequences from every text field before the chain takes its offsets, and every CLI printer
shows the controls of text stored before (or of an error message) written out, never obeyed.

These tests use only the commands and functions that existed before the fix (``worker.controls`` has its
own tests in ``test_controls.py``), so each fails on the code before it.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from worker.archive.article import archived_article
from worker.cli.main import app
from worker.extract.pipeline import extract_one
from worker.ingest.article import build_article
from worker.ingest.feedparse import parse_feed
from worker.records import FeedItem
from worker.store.search import SearchHit, SearchResult

OSC52 = "\x1b]52;c;cHduZWQ=\x07"  # write "pwned" to the clipboard
HOSTILE = f"{OSC52}\x1b]0;PWNED-TITLE\x07\x1b[2J\x1b[8mhidden\x1b[0m \x9b31mred عنوان هجوم سجن"
# What the analyst's terminal obeys: ESC, BEL, the C1 CSI and the other C0/C1 controls.
OBEYED = ("\x1b", "\x07", "\x9b", "\x9d", "\x08", "\r")
# Arabic as it is written: diacritics, tatweel, RLM, ALM, LRM, ZWNJ, ZWJ, and an RLE ... PDF embedding
ARABIC = "قُتِلَ عشـــرة أشخاص\u200f في حلب\u061c، قال \u202bمصدر\u202c \u200eAFP\u200e نقل\u200cها ب\u200dـ"
BODY = ("أعلنت وزارة الداخلية العراقية مقتل خمسة أشخاص وإصابة عشرة آخرين في انفجار سيارة مفخخة في بغداد. "
        "وقال المتحدث باسم الوزارة إن الانفجار وقع في سوق شعبي مزدحم صباح اليوم الاثنين. ") * 3


def _clean(text: str | None) -> bool:
    return text is not None and not any(c in text for c in OBEYED)


# -- layer 1: ingest ----------------------------------------------------------------------------------------


def _item(**kw: object) -> FeedItem:
    base = {"id": "i1", "url": "http://site.example/a", "title": "t", "summary": BODY, "content": "",
            "source": "Test", "feed_id": "f1", "published": "2018-02-26T02:20:10+00:00", "language": "ar"}
    return FeedItem(**(base | kw))  # type: ignore[arg-type]


def test_a_feed_items_text_fields_lose_control_sequences() -> None:
    item = _item(title=HOSTILE, summary=f"{BODY}\x1b[2J\x9b8m", author="\x1b]0;x\x07مراسل",
                 tags=("\x1b[31mسوريا",))
    article, _ = build_article(item, html=None, doc_id="d1", url="http://site.example/a")
    assert article.title == "hidden red عنوان هجوم سجن"  # whole sequences go, not only their ESC
    for value in (article.title, article.body, article.summary, article.author, *article.tags):
        assert _clean(value), repr(value)
    assert article.author == "مراسل" and article.tags == ("سوريا",)


def test_a_feed_with_raw_escapes_in_its_title_parses_to_plain_text() -> None:
    # the tester's feed: raw ESC and BEL bytes inside <title> (feedparser's loose parser reads them)
    rss = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>k</title>'
           f"<item><title>{HOSTILE}</title><link>http://127.0.0.1:8831/page?esc=1</link>"
           f"<description>{BODY}</description></item></channel></rss>").encode()
    feed = parse_feed(rss, "application/rss+xml")
    assert len(feed.items) == 1
    parsed = feed.items[0]
    item = _item(title=parsed.title, summary=parsed.summary)
    article, _ = build_article(item, html=None, doc_id="d1", url=parsed.url)
    assert _clean(article.title) and "عنوان هجوم سجن" in article.title


def test_an_archive_rows_text_fields_lose_control_sequences() -> None:
    art = archived_article(doc_id="d", url="http://x.test/a", title=HOSTILE, body=f"{BODY}{OSC52}",
                           summary="\x1b[8mملخص", author="\x9b2J", source="\x1b]0;src\x07مصدر", tags=["\x07وسم"])
    for value in (art.title, art.body, art.summary, art.source, *art.tags):
        assert _clean(value), repr(value)
    assert art.author is None and art.source == "مصدر" and art.tags == ("وسم",)


def test_the_chain_strips_before_it_takes_offsets() -> None:
    title = f"\x1b[31mمقتل خمسة في بغداد\x1b[0m{OSC52}"
    doc = extract_one({"title": title, "body": "\x9b2J" + BODY + "\x1b]0;x\x07 قال وزير الداخلية"})
    assert doc.title == "مقتل خمسة في بغداد"
    assert _clean(doc.body) and doc.body.startswith("أعلنت")
    assert doc.entities, "the text still reads as news"
    for ent in doc.entities:  # document.py's invariant: offsets index the stored text
        assert getattr(doc, ent.field)[ent.start:ent.end] == ent.text
    for d in doc.dates:
        if d.end:
            assert getattr(doc, d.field)[d.start:d.end] == d.text


def test_arabic_marks_diacritics_and_tatweel_survive_ingest() -> None:
    article, _ = build_article(_item(title=ARABIC, summary=BODY + ARABIC), html=None, doc_id="d1",
                               url="http://site.example/a")
    assert article.title == ARABIC
    assert article.body.endswith(ARABIC)
    doc = extract_one({"title": ARABIC, "body": BODY})
    assert doc.title == ARABIC


# -- layer 2: the CLI's printers --------------------------------------------------------------------------


def _hit(title: str) -> SearchHit:
    return SearchHit(id="d1", title=title, title_html=title.replace("PWNED", "<mark>PWNED</mark>"), url=None,
                     source="h-esc\x1b[2J", published="2026-01-01T10:00:00", snippet="نص \x1b[8mالخبر",
                     score=1.0, events=["prison_attack"])


@pytest.fixture
def stored_search(monkeypatch):
    """``newsworker search`` over one document stored before the fix, title and all."""
    hit = _hit(HOSTILE.replace("hidden", "PWNED hidden [/] [bold]x"))
    monkeypatch.setattr("worker.cli.search._es_and_alias", lambda alias: (None, "articles"))
    monkeypatch.setattr("worker.store.search.search",
                        lambda *a, **kw: SearchResult(total=1, took_ms=1, page=1, size=1, hits=[hit]))
    return hit


def test_search_shows_a_stored_titles_controls_instead_of_obeying_them(stored_search) -> None:
    r = CliRunner().invoke(app, ["search", "PWNED", "--limit", "1"])
    assert r.exit_code == 0, r.output
    assert _clean(r.output), repr(r.output)
    assert "\\x1b]52;c;cHduZWQ=\\x07" in r.output  # written out: the analyst sees what the feed tried
    assert "[/] [bold]x" in r.output  # a title's brackets are text, not rich markup
    assert "عنوان هجوم سجن" in r.output


def test_search_json_escapes_c1_and_reads_back_the_same(stored_search) -> None:
    r = CliRunner().invoke(app, ["search", "PWNED", "--limit", "1", "--json"])
    assert r.exit_code == 0, r.output
    assert _clean(r.output), repr(r.output)
    assert json.loads(r.output)["hits"][0]["title"] == stored_search.title  # lossless


def test_alerts_history_and_test_show_controls_written_out(monkeypatch) -> None:
    record = {"created": "2026-01-01T10:00:00", "rule": "r1", "kind": "instant", "status": "delivered",
              "attempts": 1, "follow_up_count": 0, "article": {"title": "\x1b[31mred\x1b[0m " + HOSTILE}}
    monkeypatch.setattr("worker.cli.alerts._alerts", lambda: None)
    monkeypatch.setattr("worker.alerts.history.History.search", lambda self, **kw: (1, [record]))
    r = CliRunner().invoke(app, ["alerts", "history"])
    assert r.exit_code == 0, r.output
    assert _clean(r.output) and "\\x1b[31mred" in r.output, repr(r.output)

    rule = SimpleNamespace(name="r1")
    monkeypatch.setattr("worker.cli.alerts._store", lambda: SimpleNamespace(get=lambda name: rule))
    story = {"story_id": "s1", "follow_ups": [],
             "article": {"title": HOSTILE, "source": "\x1b]0;src\x07", "published": "2026-01-01"}}
    monkeypatch.setattr("worker.alerts.preview.preview", lambda *a, **kw: {
        "total_hits": 1, "examined": 1, "matched": 1, "notifications": 1, "stories": [story]})
    r = CliRunner().invoke(app, ["alerts", "test", "r1"])
    assert r.exit_code == 0, r.output
    assert _clean(r.output) and "\\x1b]52;c;" in r.output, repr(r.output)
    r = CliRunner().invoke(app, ["alerts", "test", "r1", "--json"])
    assert _clean(r.output) and json.loads(r.output)["stories"][0]["article"]["title"] == HOSTILE


def test_feeds_list_shows_a_remote_servers_error_written_out(monkeypatch) -> None:
    row = {"id": "h-esc", "enabled": True, "status": "failing", "last_success": None, "consecutive_failures": 1,
           "next_due": None, "next_poll": None, "current_interval": 300.0, "items_new": 0,
           "last_error": "HTTP 500 \x1b]0;PWNED\x07\x1b[2J\x9b8m [/]"}
    monkeypatch.setattr("worker.cli.feeds._ctx", lambda: SimpleNamespace(redis=None, keys=None))
    monkeypatch.setattr("worker.ingest.registry.list_feeds", lambda *_a: [row])
    r = CliRunner().invoke(app, ["feeds", "list"])
    assert r.exit_code == 0, r.output
    assert _clean(r.output) and "\\x1b]0;PWNED\\x07" in r.output and "[/]" in r.output, repr(r.output)
    r = CliRunner().invoke(app, ["feeds", "list", "--json"])
    assert _clean(r.output) and json.loads(r.output)[0]["last_error"] == row["last_error"]


def test_arabic_marks_survive_the_printers(monkeypatch) -> None:
    monkeypatch.setattr("worker.cli.search._es_and_alias", lambda alias: (None, "articles"))
    monkeypatch.setattr("worker.store.search.search", lambda *a, **kw: SearchResult(
        total=1, took_ms=1, page=1, size=1, hits=[_hit(ARABIC)]))
    r = CliRunner().invoke(app, ["search", "حلب"])
    assert r.exit_code == 0, r.output
    # the marks, ZWJ/ZWNJ, diacritics and tatweel print as they are; only the embedding (RLE...PDF), which
    # could reorder the rest of a terminal's table row, is not printed
    assert ARABIC.replace("\u202b", "").replace("\u202c", "") in r.output
