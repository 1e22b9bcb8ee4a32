"""QA round 3 (alerts), the parts that need no services: a webhook's response body is never read into memory
(D4), a 429's Retry-After reaches the runner as a rate limit (D8), a redirect is a permanent failure that
names where the webhook moved, redacted (D8), the webhook timeouts come from the settings (D5), and an
Arabic e-mail subject keeps its spaces when its header is folded (D6)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.header import decode_header, make_header

import httpx
import pytest

from tests.unit.test_alerts_engine import PRISON
from worker.alerts.delivery.errors import PermanentDeliveryError, TransientDeliveryError
from worker.alerts.delivery.webhook import send_webhook
from worker.alerts.payloads import email_message, instant_notification
from worker.alerts.rules import build_rule
from worker.pipeline.errors import classify
from worker.pipeline.retry import CHANNEL, decide
from worker.settings import Settings

RULE = build_rule({"name": "prison", "query": "سجن"})
N = instant_notification(RULE, "story-1", PRISON)
HOOK = {"type": "webhook", "url": "http://hook.test/x"}


def _client(handler) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


# -- D4: the response body -------------------------------------------------------------------------------------
def test_a_huge_response_body_is_not_read() -> None:
    """QA: a 300 MB answer was read whole (worker RSS +300 MB). Only the status is used."""
    pulled = []
    chunk = b"x" * 65536

    def body() -> Iterator[bytes]:
        for i in range(800):  # 50 MB, the same chunk object each time (the test itself stays small)
            pulled.append(i)
            yield chunk

    def huge(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": str(800 * 65536)}, content=body())

    assert send_webhook(HOOK, N, client=_client(huge)) == 200
    assert len(pulled) <= 1  # at most a first chunk, never the body

    def huge_error(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, content=body())

    pulled.clear()
    with pytest.raises(TransientDeliveryError, match="HTTP 500"):
        send_webhook(HOOK, N, client=_client(huge_error))
    assert len(pulled) <= 1


# -- D8: 429 Retry-After and redirects -------------------------------------------------------------------------
def test_a_429_retry_after_is_a_rate_limit_the_runner_waits_for() -> None:
    def limited(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "120"})

    with pytest.raises(TransientDeliveryError) as info:
        send_webhook(HOOK, N, client=_client(limited))
    assert info.value.status == 429 and "Retry-After 120" in str(info.value)
    failure = classify(info.value)
    assert failure.kind == "rate_limited" and failure.retry_after == 120 and failure.counts_as_attempt
    decision = decide(CHANNEL, failure, 1, random.Random(1))
    assert decision.action == "retry" and 120 <= decision.delay <= 120 + CHANNEL.rate_limit_spread

    # bounded: a Retry-After of a week waits the channel policy's cap, not a week
    def week(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": str(30 * 24 * 3600)})

    with pytest.raises(TransientDeliveryError) as info:
        send_webhook(HOOK, N, client=_client(week))
    decision = decide(CHANNEL, classify(info.value), 1, random.Random(1))
    assert decision.delay <= CHANNEL.cap + CHANNEL.rate_limit_spread

    # without (or with garbage in) Retry-After it stays a plain transient error: the channel's backoff
    for headers in ({}, {"Retry-After": "soon"}):
        with pytest.raises(TransientDeliveryError) as info:
            send_webhook(HOOK, N, client=_client(lambda r, h=headers: httpx.Response(429, headers=h)))
        assert classify(info.value).kind == "transient"


def test_a_redirect_is_permanent_and_names_where_the_webhook_moved_redacted() -> None:
    """Redirects are not followed (a POST turned into a GET by 301/302, or a payload sent to a host the rule
    never named): the failure is permanent and says where the receiver moved, without its secret path."""
    posts = []

    def moved(code: int):
        def handler(request: httpx.Request) -> httpx.Response:
            posts.append(request)
            return httpx.Response(code, headers={"Location": "https://new.example.org/T000/B000/s3cret"})
        return handler

    for code in (301, 302, 307, 308):
        with pytest.raises(PermanentDeliveryError) as info:
            send_webhook(HOOK, N, client=_client(moved(code)))
        msg = str(info.value)
        assert info.value.status == code and "redirect" in msg and "not followed" in msg
        assert "https://new.example.org/…" in msg and "s3cret" not in msg
    assert len(posts) == 4  # one POST each, the Location never requested


# -- D5: the timeouts are settings -----------------------------------------------------------------------------
def test_webhook_timeouts_come_from_the_settings() -> None:
    from worker.alerts.delivery.webhook import webhook_timeout

    s = Settings(webhook_timeout=3.5, webhook_total_deadline=12.0)
    t = webhook_timeout(s)
    assert t.read == 3.5 and t.write == 3.5 and t.connect == 3.5
    defaults = Settings()
    assert webhook_timeout(defaults).read == defaults.webhook_timeout == 10.0
    assert defaults.webhook_total_deadline == 30.0
    with pytest.raises(ValueError):
        Settings(webhook_total_deadline=0)


def test_smtp_bounds_are_settings() -> None:
    defaults = Settings()
    assert (defaults.smtp_timeout, defaults.smtp_total_deadline) == (10.0, 60.0)
    for bad in ({"smtp_timeout": 0}, {"smtp_total_deadline": -1}):
        with pytest.raises(ValueError):
            Settings(**bad)


# -- D6: Arabic subjects ---------------------------------------------------------------------------------------
TITLES = [
    "مسلحون يهاجمون سجن الحسكة ومقتل سبعة حراس",  # QA's: "يهاجمونسجن" after folding
    "مقتل 5 جنود في هجوم انتحاري على قاعدة عسكرية في منطقة شبيلي السفلى جنوبي الصومال وحركة الشباب تتبنى",
    "عاجل: " + " ".join(["انفجار سيارة مفخخة"] * 12),
]


@pytest.mark.parametrize("title", TITLES)
def test_a_folded_arabic_subject_keeps_its_spaces(title: str) -> None:
    n = instant_notification(RULE, "story-1", {**PRISON, "title": title})
    msg = email_message(n, "ops@example.test", "nw@example.test")
    wire = msg.as_bytes()
    expected = f"[newsworker] prison: {title}"[:200]
    head = wire.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in wire else wire.split(b"\n\n", 1)[0]
    assert all(len(line) <= 78 for line in head.splitlines())  # still folded to the line limit
    raw = message_from_bytes(wire)
    assert str(make_header(decode_header(raw["Subject"]))) == expected  # RFC 2047 decoding
    assert message_from_bytes(wire, policy=policy.default)["Subject"] == expected  # a modern reader
    assert message_from_bytes(wire, policy=policy.default).get_content().startswith(expected)
