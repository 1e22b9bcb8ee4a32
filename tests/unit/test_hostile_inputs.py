"""Issue 15, the guards one function at a time: decompression by hand (``Inflater``), the DTD removal
(``strip_dtd``), numbers from outside (TTL, max-age, Retry-After), WHATWG-only charsets, field and item
caps, the SSRF address policy and its connect-time check. The same attacks through a real poll on real
Redis are in tests/integration/test_hostile_poll.py.
"""

from __future__ import annotations

import gzip
import socket
import time
import zlib

import httpcore
import pytest

from tests.hostile_server import billion_laughs, double_gzip_bomb, entity_bomb, gzip_bomb
from tests.unit.test_hostile_feeds import hang_guard
from worker.ingest.encoding import decode_html, normalize_charset, prepare_feed_bytes
from worker.ingest.errors import BlockedURLError, PermanentFetchError
from worker.ingest.feedparse import MAX_TITLE_CHARS, parse_feed, parse_feed_new
from worker.ingest.inflate import BodyTooLargeError, Inflater
from worker.ingest.schedule import (
    MAX_SERVER_SECONDS,
    backoff_delay,
    parse_max_age,
    parse_retry_after,
    parse_ttl_minutes,
)
from worker.ingest.ssrf import AddressPolicy, GuardedBackend, check_url
from worker.ingest.xmlguard import strip_dtd

MB = 1024 * 1024


# -- decompression ---------------------------------------------------------------------------------------

def inflate_all(data: bytes, coding: str | None, cap: int, *, truncate: bool = False, chunk: int = 65536) -> bytes:
    inf = Inflater(coding, cap, truncate=truncate)
    out = [inf.feed(data[i:i + chunk]) for i in range(0, len(data), chunk)]
    out.append(inf.flush())
    return b"".join(out)


def test_stacked_encodings_are_refused_before_any_inflation():
    for header in ("gzip, gzip", "gzip,deflate", "deflate, gzip", "x-gzip, gzip"):
        with pytest.raises(PermanentFetchError, match="stacked content encodings"):
            Inflater(header, MB)
    with pytest.raises(PermanentFetchError, match="unsupported content encoding"):
        Inflater("br", MB)
    assert Inflater("identity", MB).coding is None and Inflater("identity, gzip", MB).coding == "gzip"
    assert Inflater("UTF-8", MB).coding is None  # a misconfigured server's nonsense: taken as is, capped


def test_a_gzip_bomb_stops_at_the_cap_without_inflating_the_rest():
    bomb = gzip_bomb(256)  # 256 MiB of zeros in ~260 KB
    with pytest.raises(BodyTooLargeError):
        inflate_all(bomb, "gzip", 10 * MB)
    # In truncate mode (error bodies) the same bomb gives exactly the cap and stops reading.
    assert len(inflate_all(bomb, "gzip", 4096, truncate=True)) == 4096


def test_the_outer_layer_of_a_double_gzip_is_held_to_the_cap_too():
    # If a server hid the stacking (one "gzip" header on a gzip of a gzip) the cap still holds: the outer
    # layer inflates to the inner bomb's compressed size, which is under the cap, and is then just bytes.
    assert len(inflate_all(double_gzip_bomb(64), "gzip", 10 * MB)) == len(gzip_bomb(64))


def test_ordinary_codings_round_trip():
    data = ("نص عربي " * 5000).encode()
    assert inflate_all(gzip.compress(data), "gzip", MB) == data
    assert inflate_all(zlib.compress(data), "deflate", MB) == data
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    assert inflate_all(raw.compress(data) + raw.flush(), "deflate", MB) == data  # raw deflate
    assert inflate_all(gzip.compress(data[:100]) + gzip.compress(data[100:]), "gzip", MB) == data  # 2 members
    assert inflate_all(data, None, MB) == data
    with pytest.raises(BodyTooLargeError):
        inflate_all(data, None, 100)


def test_corrupt_gzip_is_a_permanent_error():
    with pytest.raises(PermanentFetchError, match="corrupt gzip"):
        inflate_all(b"\x1f\x8b\x08\x00garbage-garbage-garbage", "gzip", MB)


# -- XML -------------------------------------------------------------------------------------------------

def test_entity_bomb_is_not_expanded():
    with hang_guard(20):
        feed = parse_feed(entity_bomb(80), "application/rss+xml")
    assert feed.extra.get("dtd_removed") and "DTD internal subset removed" in (feed.error or "")
    text = " ".join(i.summary + i.title for i in feed.items)
    assert "ببببببببببببببببببببببببببببب" not in text and len(text) < 400_000


def test_billion_laughs_on_both_parse_paths():
    data = billion_laughs(80)
    for run in (lambda: parse_feed(data, None), lambda: parse_feed_new(data, None, None, lambda g: [True] * len(g))):
        with hang_guard(20):
            feed = run()
        assert "lollollol" not in " ".join(i.title for i in feed.items)
        assert "DTD internal subset removed" in (feed.error or "")


def test_strip_dtd_keeps_the_external_doctype_and_everything_after_the_prolog():
    # The prolog is rebuilt (comments, PIs and whitespace dropped); the root element on is left as it is.
    plain = b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "x.dtd"><rss>&amp;</rss>'
    assert strip_dtd(plain) == (plain, False)
    data = b'<?xml version="1.0"?><!-- c --><!DOCTYPE rss SYSTEM "a" [<!ENTITY e "]>">]><rss><![CDATA[<!ENTITY>]]></rss>'
    out, changed = strip_dtd(data)
    assert changed and out == b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "a"><rss><![CDATA[<!ENTITY>]]></rss>'
    assert b"ENTITY" not in strip_dtd(b'<!DOCTYPE rss [<!ENTITY e "x"')[0]  # unterminated: no subset survives
    assert strip_dtd(b"<rss><title>&lt;!DOCTYPE</title></rss>")[1] is False


def test_field_caps():
    doc = (f'<rss version="2.0"><channel><title>{"ع" * 50_000}</title><item><title>{"ت" * 50_000}</title>'
           f'<link>http://x.test/a</link></item><item><title>b</title><link>http://x.test/{"p" * 5000}</link>'
           "</item></channel></rss>").encode()
    feed = parse_feed(doc, "application/rss+xml")
    assert len(feed.title) == MAX_TITLE_CHARS and [len(i.title) for i in feed.items] == [MAX_TITLE_CHARS]
    assert feed.skipped == 1  # the 5 KB link


# -- numbers ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["inf", "-inf", "nan", "1e309", "-5", "", "abc", "9" * 5000, " 1e400 "])
def test_ttl_garbage_is_ignored(raw):
    assert parse_ttl_minutes(raw) is None


def test_ttl_is_clamped():
    assert parse_ttl_minutes("99999999999999") == MAX_SERVER_SECONDS
    assert parse_ttl_minutes(" 30 ") == 1800 and parse_ttl_minutes("0.5") == 30


def test_ttl_inf_in_a_feed_is_harmless_on_both_paths():
    doc = b'<rss version="2.0"><channel><ttl>inf</ttl><item><link>http://x.test/a</link></item></channel></rss>'
    assert parse_feed(doc, None).ttl_seconds is None
    assert parse_feed_new(doc, None, None, lambda g: [False] * len(g)).ttl_seconds is None
    assert parse_feed(doc.replace(b"inf", b"1e309"), None).ttl_seconds is None


@pytest.mark.parametrize("raw", ["inf", "1e309", "-5", "nan", "²", "9" * 5000, "Wed, 21 Oct 99999 07:28:00 GMT"])
def test_retry_after_garbage_is_ignored(raw):
    assert parse_retry_after(raw, time.time()) is None


def test_retry_after_is_clamped_and_backoff_stays_finite():
    now = time.time()
    assert parse_retry_after("99999999999999", now) == MAX_SERVER_SECONDS
    assert parse_retry_after("Wed, 21 Oct 9999 07:28:00 GMT", now) == MAX_SERVER_SECONDS
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == 0.0
    assert backoff_delay(3, cap=3600, retry_after=parse_retry_after("99999999999999", now)) == 3600


@pytest.mark.parametrize("raw,expected", [("max-age=" + "9" * 5000, None), ("max-age=99999999999", None),
                                          ("max-age=9999999999", MAX_SERVER_SECONDS), ("max-age=-5", None),
                                          ("s-maxage=60, max-age=1e309", 60), ("no-store", 0)])
def test_max_age(raw, expected):
    assert parse_max_age(raw) == expected


# -- charsets --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["punycode", "utf-7", "rot13", "cp037", "zlib", "base64", "idna", "hex",
                                  "utf-32", "raw-unicode-escape", "unicode_escape", "x" * 100])
def test_only_whatwg_charsets(name):
    assert normalize_charset(name) is None


def test_whatwg_labels_map_to_codecs():
    assert normalize_charset("windows-1256") == "cp1256" and normalize_charset("ARABIC") == "iso8859-6"
    assert normalize_charset("latin1") == "cp1252"  # WHATWG: iso-8859-1 means windows-1252


def test_punycode_page_and_feed_are_fast_and_decoded_as_utf8():
    page = b"<html><body><p>" + b"a" * 640_000 + b"</p></body></html>"
    with hang_guard(5):
        text, enc = decode_html(page, "text/html; charset=punycode")
    assert enc == "utf-8" and len(text) == len(page)
    feed = (b'<?xml version="1.0" encoding="punycode"?><rss version="2.0"><channel><item><link>http://x.test/a'
            b"</link><description>" + b"a" * 640_000 + b"</description></item></channel></rss>")
    with hang_guard(5):
        body, ctype = prepare_feed_bytes(feed, "application/rss+xml; charset=punycode")
        parsed = parse_feed(feed, "application/rss+xml; charset=punycode")
    assert b'encoding="utf-8"' in body[:60] and ctype == "application/xml; charset=utf-8"
    assert len(parsed.items) == 1 and parsed.encoding == "utf-8"


# -- SSRF policy and the connect-time check ---------------------------------------------------------------

def test_policy_allows_listed_hosts_and_networks_only():
    policy = AddressPolicy.from_entries(["127.0.0.1:8765", "receiver.internal", "10.1.0.0/16"])
    assert policy.permits("127.0.0.1", 8765, "127.0.0.1")
    assert not policy.permits("127.0.0.1", 6379, "127.0.0.1")
    assert policy.permits("receiver.internal", 80, "192.168.3.4")
    assert policy.permits("x", 80, "10.1.2.3") and not policy.permits("x", 80, "10.2.0.1")
    assert policy.permits("x", 80, "93.184.216.34")
    check_url("http://127.0.0.1:8765/feed", policy=policy)
    with pytest.raises(BlockedURLError):
        check_url("http://127.0.0.1:6379/", policy=policy)
    with pytest.raises(BlockedURLError):
        check_url("http://169.254.169.254/latest/meta-data/", policy=policy)


def test_guarded_backend_checks_what_it_connects_to(monkeypatch):
    """DNS rebinding: the name is public when check_url looks and loopback when httpx connects. The backend
    resolves once itself and refuses; it never hands the name to the socket layer."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    monkeypatch.setattr("worker.ingest.ssrf.resolve", lambda host, port: next(answers))
    connected: list[tuple] = []
    monkeypatch.setattr(socket, "create_connection", lambda addr, *a, **k: connected.append(addr))
    check_url("http://rebind.test/feed")  # first answer: public
    with pytest.raises(BlockedURLError, match="127.0.0.1"):
        GuardedBackend(AddressPolicy()).connect_tcp("rebind.test", 80, timeout=1)
    assert connected == []


def test_guarded_backend_connects_to_the_checked_address(monkeypatch):
    monkeypatch.setattr("worker.ingest.ssrf.resolve", lambda host, port: ["93.184.216.34"])
    seen: list[tuple] = []

    def fake_connect(addr, *a, **k):
        seen.append(addr)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "create_connection", fake_connect)
    with pytest.raises(httpcore.ConnectError):
        GuardedBackend(AddressPolicy()).connect_tcp("public.test", 443, timeout=1)
    assert seen == [("93.184.216.34", 443)]


def test_a_countdown_never_exceeds_the_visibility_timeout():
    import random

    from worker.pipeline.errors import Failure
    from worker.pipeline.retry import decide
    from worker.pipeline.table import STAGES
    from worker.settings import get_settings

    visibility = get_settings().visibility_timeout
    retry_after = parse_retry_after("99999999999999", time.time())
    for stage in STAGES:
        for attempt in (1, 2, 10):
            d = decide(stage.retry, Failure("rate_limited", "429", retry_after=retry_after), attempt, random.Random(1))
            assert d.delay < visibility, (stage.name, d)
            d = decide(stage.retry, Failure("transient", "down"), attempt, random.Random(1))
            assert d.delay < visibility, (stage.name, d)


def test_demo_opens_only_its_own_hosts():
    """``run --demo`` used to set NEWSWORKER_ALLOW_PRIVATE_ADDRESSES for the whole deployment."""
    import json

    from worker.cli.ops import demo_env

    env = demo_env({"NEWSWORKER_PRIVATE_HOSTS": '["10.1.0.0/16"]'}, 8765)
    assert "NEWSWORKER_ALLOW_PRIVATE_ADDRESSES" not in env
    hosts = json.loads(env["NEWSWORKER_PRIVATE_HOSTS"])
    assert hosts == ["10.1.0.0/16", "127.0.0.1:8765", "127.0.0.1:8099"]
    policy = AddressPolicy.from_entries(hosts)
    check_url("http://127.0.0.1:8765/feeds/bbc.rss", policy=policy)
    for url in ("http://127.0.0.1:6379/", "http://127.0.0.1:9200/", "http://169.254.169.254/"):
        with pytest.raises(BlockedURLError):
            check_url(url, policy=policy)


def test_what_enters_extraction_is_bounded():
    from worker.ingest.article import MAX_BODY_CHARS, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS, build_article
    from worker.records import FeedItem

    item = FeedItem(id="x", url="http://x.test/a", title="ع" * 50_000, summary="ملخص " * 20_000,
                    content="نص " * 500_000, author="a" * 10_000, image="http://x.test/" + "i" * 10_000)
    payload, body_from = build_article(item, html=None, doc_id="d", url="http://x.test/a")
    assert body_from == "feed_content"
    assert len(payload.title) == MAX_TITLE_CHARS and len(payload.body) == MAX_BODY_CHARS
    assert len(payload.summary) <= MAX_SUMMARY_CHARS and payload.image is None
    assert len(payload.author) <= 2048
