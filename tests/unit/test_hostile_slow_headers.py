"""The fetch's total deadline covers the response headers: a server sending one header line every 0.2 s
never trips the per-read timeout, and the deadline was checked only between body chunks (hung 385 s).
Feeds, pages and robots.txt all go through ``Fetcher.fetch``; the deadline ends each with a
``TransientFetchError`` (a retry later), its message saying so."""

from __future__ import annotations

import time

import pytest

from tests.hostile_server import hostile_server
from tests.unit.test_hostile_feeds import hang_guard
from worker.ingest.errors import TransientFetchError
from worker.ingest.fetcher import Fetcher
from worker.settings import Settings

DEADLINE = 1.0


@pytest.fixture(scope="module")
def server():
    with hostile_server(bomb_mb=1) as url:
        yield url


@pytest.mark.parametrize("kind", ["page", "feed", "robots"])
def test_dripped_headers_end_at_the_total_deadline(server, kind):
    settings = Settings(http_timeout=5.0, http_total_deadline=DEADLINE, allow_private_addresses=True)
    with Fetcher(settings, allow_private=True) as fetcher, hang_guard(30):
        started = time.monotonic()
        with pytest.raises(TransientFetchError, match=f"longer than {DEADLINE:g}s"):
            fetcher.fetch(server + "/page/slow-headers", kind=kind)
        # Generous: the deadline is 1 s; without it the fetch runs as long as the server drips.
        assert time.monotonic() - started < DEADLINE + 5


def test_the_deadline_covers_the_redirect_chain_and_the_pool_stays_usable(server):
    settings = Settings(http_timeout=5.0, http_total_deadline=DEADLINE, allow_private_addresses=True)
    with Fetcher(settings, allow_private=True) as fetcher, hang_guard(30):
        ok = fetcher.fetch(server + "/page/ok", kind="page")  # the same pool still works afterwards
        assert ok.status == 200
        with pytest.raises(TransientFetchError, match="deadline passed"):
            fetcher.fetch(server + "/page/to-slow-headers", kind="page")
        assert fetcher.fetch(server + "/page/ok", kind="page").status == 200
