"""The receiver a send is limited by (QA5 qa5r2-2), its slot's lease, and the short wait of a send refused
for its receiver: pure, no Redis (the slots themselves: tests/integration/test_alerts_receivers.py)."""

from __future__ import annotations

import random

import pytest

from worker.alerts.delivery import Outcome, raise_for
from worker.alerts.delivery.receivers import (
    RECEIVER_BUSY_SPREAD,
    RECEIVER_BUSY_WAIT,
    lease_seconds,
    receiver_key,
)
from worker.pipeline.errors import classify
from worker.pipeline.retry import CHANNEL, decide
from worker.settings import Settings

S = Settings(smtp_host="Mail.Internal", smtp_port=2525, webhook_total_deadline=30, smtp_total_deadline=60)


def _hook(url: str, **extra: str) -> dict[str, str]:
    return {"type": "webhook", "url": url, **extra}


@pytest.mark.parametrize(("url", "key"), [
    ("https://hooks.example.com/a/b?x=1", "https://hooks.example.com:443"),
    ("HTTPS://Hooks.Example.COM./other", "https://hooks.example.com:443"),  # case, trailing dot
    ("https://hooks.example.com:443/a", "https://hooks.example.com:443"),  # the default port written out
    ("http://hooks.example.com/a", "http://hooks.example.com:80"),  # another scheme is another receiver
    ("https://hooks.example.com:8443/a", "https://hooks.example.com:8443"),  # and another port
    ("https://user:secret@hooks.example.com/a", "https://hooks.example.com:443"),  # no credentials in a key
    ("http://127.0.0.1:8192/slow", "http://127.0.0.1:8192"),
    ("http://[::1]:8080/x", "http://[::1]:8080"),
    ("https://bücher.example/x", "https://xn--bcher-kva.example:443"),  # one spelling of a name
])
def test_a_webhooks_receiver_is_its_scheme_host_and_port(url: str, key: str) -> None:
    assert receiver_key(_hook(url), S) == key


def test_every_path_of_one_host_is_one_receiver_slack_included() -> None:
    slack = [_hook(f"https://hooks.slack.com/services/T0/B{i}/x", format="slack") for i in range(3)]
    assert {receiver_key(ch, S) for ch in slack} == {"https://hooks.slack.com:443"}
    assert receiver_key(_hook("http://127.0.0.1:8192/slow"), S) != receiver_key(_hook("http://127.0.0.1:8193/oil"), S)


def test_every_email_is_one_receiver_the_smtp_server() -> None:
    a = receiver_key({"type": "email", "to": "desk@example.com"}, S)
    b = receiver_key({"type": "email", "to": "other@example.org"}, S)
    assert a == b == "smtp://mail.internal:2525"


@pytest.mark.parametrize("channel", [
    _hook(""), _hook("not a url"), _hook("ftp://files.example.com/x"), _hook("https:///nohost"),
    {"type": "pigeon", "url": "https://example.com/"},
])
def test_a_target_no_slot_could_name_has_no_receiver(channel: dict[str, str]) -> None:
    # the send itself refuses these (a permanent error); a slot would only be in its way
    assert receiver_key(channel, S) is None


def test_a_slot_outlives_the_channels_total_deadline() -> None:
    assert lease_seconds(_hook("https://h.example/x"), S) > S.webhook_total_deadline
    assert lease_seconds({"type": "email", "to": "a@b.example"}, S) > S.smtp_total_deadline
    longer = Settings(webhook_total_deadline=300)
    assert lease_seconds(_hook("https://h.example/x"), longer) > 300


def test_a_full_receiver_is_a_short_wait_and_not_an_attempt() -> None:
    out = Outcome("receiver_busy", "http://127.0.0.1:8192 has 2 sends in flight", retry_after=RECEIVER_BUSY_WAIT)
    with pytest.raises(Exception) as caught:
        raise_for(out)
    failure = classify(caught.value)
    assert failure.kind == "rate_limited" and not failure.counts_as_attempt
    rng = random.Random(7)
    # the last of the channel's attempts too: waiting for a slot never dead-letters a delivery
    decisions = [decide(CHANNEL, failure, CHANNEL.max_attempts, rng) for _ in range(200)]
    assert {d.action for d in decisions} == {"defer"}
    assert all(RECEIVER_BUSY_WAIT <= d.delay <= RECEIVER_BUSY_WAIT + RECEIVER_BUSY_SPREAD for d in decisions)
    # the channel's own rate limit (a receiver's Retry-After) keeps the policy's spread
    assert CHANNEL.rate_limit_spread > RECEIVER_BUSY_SPREAD
