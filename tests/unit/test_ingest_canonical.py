from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worker.document import doc_id_for_url
from worker.ingest.canonical import canonical_for_page, canonicalize_url, find_rel_canonical, same_site


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://WWW.Example.COM:80/a/b?utm_source=rss&utm_medium=feed", "http://www.example.com/a/b"),
        ("https://example.com:443/x#section-2", "https://example.com/x"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("https://example.com/x?b=2&a=1&fbclid=abc&gclid=zz", "https://example.com/x?a=1&b=2"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com//a///b", "https://example.com/a/b"),
        ("https://example.com/news?id=5&utm_campaign=x&mc_cid=1&_ga=2", "https://example.com/news?id=5"),
    ],
)
def test_canonicalize_examples(raw: str, expected: str) -> None:
    assert canonicalize_url(raw) == expected


def test_raw_and_escaped_arabic_paths_collapse() -> None:
    raw = "http://www.alarabiya.net/ar/culture-and-art/2018/02/18/هكذا-تحالفت.html"
    escaped = "http://www.alarabiya.net/ar/culture-and-art/2018/02/18/%D9%87%D9%83%D8%B0%D8%A7-%D8%AA%D8%AD%D8%A7%D9%84%D9%81%D8%AA.html"
    lower_hex = escaped.lower().replace("http://www.alarabiya.net", "http://www.alarabiya.net")
    assert canonicalize_url(raw) == canonicalize_url(escaped) == canonicalize_url(lower_hex)
    assert canonicalize_url(raw).isascii()


def test_idn_host_and_trailing_dot() -> None:
    assert canonicalize_url("https://مثال.إختبار./a") == canonicalize_url("https://xn--mgbh0fb.xn--kgbechtv/a")


def test_content_parameters_are_kept() -> None:
    assert canonicalize_url("https://x.com/article.php?id=123&page=2") == "https://x.com/article.php?id=123&page=2"


def test_non_http_is_left_alone() -> None:
    assert canonicalize_url(" mailto:a@b.c ") == "mailto:a@b.c"


def test_doc_id_is_stable_across_tracking_variants() -> None:
    a = canonicalize_url("https://Example.com/a?utm_source=twitter")
    b = canonicalize_url("https://example.com/a?utm_source=rss&fbclid=1#top")
    assert doc_id_for_url(a) == doc_id_for_url(b)


def test_rel_canonical_same_site_is_honoured() -> None:
    html = '<html><head><link rel="canonical" href="/ar/story-1.html?utm_source=x"></head><body></body></html>'
    assert canonical_for_page("https://www.site.com/amp/story-1", html) == "https://www.site.com/ar/story-1.html"


def test_rel_canonical_other_site_is_ignored() -> None:
    html = '<head><link href="https://evil.example/steal" rel="canonical"></head>'
    assert canonical_for_page("https://news.site.com/a?utm_medium=x", html) == "https://news.site.com/a"


def test_rel_canonical_in_body_is_ignored() -> None:
    html = '<head></head><body><link rel="canonical" href="https://site.com/other"></body>'
    assert find_rel_canonical(html) is None


def test_same_site() -> None:
    assert same_site("https://www.cnn.com/a", "https://arabic.cnn.com/b")
    assert same_site("https://m.bbc.co.uk/a", "https://bbc.co.uk/b")
    assert not same_site("https://cnn.com/a", "https://notcnn.com/b")


_segment = st.text(alphabet=st.sampled_from("abcXYZ019-_.~%/ مقتلبغداد"), max_size=30)


@settings(max_examples=300, deadline=None)
@given(host=st.sampled_from(["Example.COM", "news.site.com:80", "xn--mgbh0fb.com", "مثال.com", "[::1]:8080"]),
       path=_segment, query=st.lists(st.tuples(st.sampled_from(["id", "utm_source", "page", "fbclid", "q"]),
                                              _segment), max_size=4))
def test_canonicalize_is_idempotent_and_strips_tracking(host: str, path: str, query: list) -> None:
    from urllib.parse import urlencode

    url = f"https://{host}/{path}?{urlencode(query)}#frag"
    once = canonicalize_url(url)
    assert canonicalize_url(once) == once
    assert "utm_source=" not in once.split("?", 1)[-1] and "fbclid=" not in once
    assert "#" not in once
