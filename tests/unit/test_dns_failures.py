"""QA4 H5: a resolver failure is not a refusal. ``ssrf.resolve`` turned every ``socket.gaierror`` into
``BlockedURLError`` (permanent), so one DNS blip (EAI_AGAIN: a resolver timeout or SERVFAIL) made an
article page fall back to the feed's summary for good and dead-lettered a webhook notification on its
first attempt. A lookup that fails, whatever the resolver's reason, is now a ``DNSLookupError``
(transient): pages are retried on the fetch policy (feed text only on the last attempt) and webhooks on
the channel's (~7 h). A name that resolves to a blocked address stays a permanent refusal."""

from __future__ import annotations

import random
import socket
from types import SimpleNamespace

import httpx
import pytest

from tests.open_hosts import OpenHosts
from worker.alerts.delivery.errors import PermanentDeliveryError, TransientDeliveryError
from worker.alerts.delivery.webhook import send_webhook
from worker.ingest.articles import fetch_item
from worker.ingest.errors import BlockedURLError, DNSLookupError, PermanentFetchError, TransientFetchError
from worker.ingest.fetcher import Fetcher
from worker.ingest.ssrf import check_url
from worker.pipeline.errors import classify
from worker.pipeline.retry import CHANNEL, HTTP, decide
from worker.records import FeedItem
from worker.settings import Settings, get_settings

HOST = "news.example.org"
URL = f"https://{HOST}/a"
FAILURES = {
    "eai_again": socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
    "eai_noname": socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
    "eai_fail": socket.gaierror(socket.EAI_FAIL, "Non-recoverable failure in name resolution"),
    "timeout": TimeoutError("resolver timed out"),
}
N = {"id": "n1", "kind": "instant", "rule": {"name": "r"}, "story_id": "s", "created": "x", "article": {"title": "t"}}


def _resolver(monkeypatch: pytest.MonkeyPatch, answer: BaseException | str) -> None:
    """``HOST`` fails with ``answer`` (an exception) or resolves to it (an address); no real DNS is asked."""
    def fake(host, port, *a, **k):
        if host != HOST:
            raise AssertionError(f"unexpected lookup of {host!r}")
        if isinstance(answer, BaseException):
            raise answer
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, port))]
    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.fixture(autouse=True)
def closed(monkeypatch):
    monkeypatch.setattr(get_settings(), "allow_private_addresses", False)
    monkeypatch.setattr(get_settings(), "private_hosts", [])


@pytest.mark.parametrize("why", list(FAILURES))
def test_a_failed_lookup_is_transient_and_retried_on_both_policies(monkeypatch, why):
    _resolver(monkeypatch, FAILURES[why])
    with pytest.raises(DNSLookupError) as caught:
        check_url(URL)
    err = caught.value
    assert isinstance(err, TransientFetchError) and not isinstance(err, PermanentFetchError)
    assert err.kind == "dns" and err.url == URL and f"cannot resolve {HOST!r}" in str(err)
    failure = classify(err)
    assert failure.kind == "transient"
    assert decide(HTTP, failure, 1, random.Random(1)).action == "retry"  # page fetch: attempt 1 of 7
    assert decide(HTTP, failure, HTTP.max_attempts).action == "dead"
    assert decide(CHANNEL, failure, 1, random.Random(1)).action == "retry"  # webhook: attempt 1 of 49


def test_a_name_resolving_to_a_blocked_address_stays_permanent(monkeypatch):
    _resolver(monkeypatch, "127.0.0.1")
    with pytest.raises(BlockedURLError, match="non-public address 127.0.0.1"):
        check_url(URL)
    try:
        check_url(URL)
    except BlockedURLError as err:
        assert decide(CHANNEL, classify(err), 1).action == "dead"


@pytest.mark.parametrize("host", ["a" * 64 + ".example.org",  # a label over 63 characters: IDNA refuses it
                                  "exa%20mple.com", "a..b.example.org"])
def test_a_name_that_cannot_be_a_host_name_stays_permanent(host):
    with pytest.raises(BlockedURLError, match="cannot resolve"):
        check_url(f"https://{host}/")


# -- article pages ------------------------------------------------------------------------------------

class _Seen:
    def was_handed(self, _id: str) -> bool:
        return False

    def claim_alias(self, _id: str, owner: str) -> bool:
        return True


def _page_ctx() -> SimpleNamespace:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may be made without an address")
    fetcher = Fetcher(Settings(), transport=httpx.MockTransport(handler))
    return SimpleNamespace(settings=Settings(respect_robots=False), seen=_Seen(), fetcher=fetcher,
                           hosts=OpenHosts())


def _item() -> FeedItem:
    return FeedItem(id="i1", url=URL, link=URL, title="خبر", summary="ملخص الخبر من الموجز", source="s",
                    feed_id="f")


def test_a_page_whose_host_does_not_resolve_is_retried_not_replaced_by_feed_text(monkeypatch):
    _resolver(monkeypatch, FAILURES["eai_again"])
    got: list = []
    with pytest.raises(DNSLookupError) as caught:
        fetch_item(_page_ctx(), _item(), got.append, commit=False)
    assert got == []  # nothing handed on: the next attempt fetches the page
    assert decide(HTTP, classify(caught.value), 1, random.Random(1)).action == "retry"


def test_on_the_last_attempt_the_page_falls_back_to_feed_text(monkeypatch):
    _resolver(monkeypatch, FAILURES["eai_again"])
    got: list = []
    out = fetch_item(_page_ctx(), _item(), got.append, last_attempt=True, commit=False)
    assert out.result == "handed" and out.body_from == "feed_summary"
    assert (out.page_error or "").startswith("dns: cannot resolve")


# -- webhooks -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("why", list(FAILURES))
def test_a_webhook_whose_host_does_not_resolve_is_retried(monkeypatch, why):
    _resolver(monkeypatch, FAILURES[why])
    with pytest.raises(TransientDeliveryError, match=f"cannot resolve {HOST!r}") as caught:
        send_webhook({"url": f"https://{HOST}/hook"}, N)
    assert decide(CHANNEL, classify(caught.value), 1, random.Random(1)).action == "retry"


def test_a_webhook_host_resolving_to_loopback_is_dead_lettered(monkeypatch):
    _resolver(monkeypatch, "127.0.0.1")
    with pytest.raises(PermanentDeliveryError, match="webhook url refused") as caught:
        send_webhook({"url": f"https://{HOST}/hook"}, N)
    assert decide(CHANNEL, classify(caught.value), 1).action == "dead"
