"""One query length limit for alerts and search (QA: an alert saved a 2,644-character query that /search,
/search.atom and /export refused with a raw pydantic 422 "at most 2000 characters"). The limit is
``worker.query.parser.MAX_QUERY_CHARS``; a query at the limit (an analyst's long OR-list of phrases) runs on
the real Elasticsearch, a longer one is the 400 of any query error."""

from __future__ import annotations

import itertools

import pytest

from tests.integration.test_search_api import api  # noqa: F401 - the module's index and client
from worker.query.parser import MAX_QUERY_CHARS

pytestmark = pytest.mark.integration

WORDS = ["سجن", "هجوم", "فرار", "سجناء", "الحسكة", "غويران", "حلب", "بغداد", "انفجار", "قصف", "مقتل", "اشتباك"]
ENDPOINTS = ["/search", "/facets", "/export", "/search.atom"]


def long_or_list(limit: int) -> str:
    """Distinct three-word phrases joined by OR, as long as possible within ``limit`` characters."""
    out = ""
    for a, b, c in itertools.permutations(WORDS, 3):
        nxt = f'{out} OR "{a} {b} {c}"' if out else f'"{a} {b} {c}"'
        if len(nxt) > limit:
            return out
        out = nxt
    raise AssertionError("not enough phrases")


def test_alerts_and_search_share_the_limit() -> None:
    from worker.api.routes.alerts import RuleIn

    lengths = [m.max_length for m in RuleIn.model_fields["query"].metadata if hasattr(m, "max_length")]
    assert lengths == [MAX_QUERY_CHARS]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_query_at_the_limit_runs_on_elasticsearch(api, path) -> None:  # noqa: F811
    client, _ = api
    q = long_or_list(MAX_QUERY_CHARS - len(' OR "سجن المدينة"')) + ' OR "سجن المدينة"'  # one that hits
    assert MAX_QUERY_CHARS - 30 < len(q) <= MAX_QUERY_CHARS
    r = client.get(path, params={"q": q})
    assert r.status_code == 200, r.text[:500]
    if path in ("/search", "/facets"):
        assert r.json()["total"] >= 1


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_longer_query_is_a_query_error_not_a_422(api, path) -> None:  # noqa: F811
    client, _ = api
    q = long_or_list(MAX_QUERY_CHARS) + " OR سجن" * 5
    assert len(q) > MAX_QUERY_CHARS
    r = client.get(path, params={"q": q})
    assert r.status_code == 400, r.text[:500]
    body = r.json()
    assert body["error"] == "query_syntax" and f"limit {MAX_QUERY_CHARS}" in body["detail"]


def test_the_api_server_accepts_a_request_line_of_such_a_query(monkeypatch) -> None:
    """uvicorn's h11 refuses a request head over 16 KiB by default: a GET of this query is ~24 KB."""
    from urllib.parse import urlencode

    import uvicorn

    from worker.cli import ops

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    ops.serve_api("127.0.0.1", 0)
    worst = "/search?" + urlencode({"q": "“" * MAX_QUERY_CHARS})  # 9 bytes a character, percent-encoded
    assert len(urlencode({"q": long_or_list(MAX_QUERY_CHARS)})) > 16 * 1024
    assert seen["h11_max_incomplete_event_size"] >= len(worst) + 8 * 1024  # room for the headers
