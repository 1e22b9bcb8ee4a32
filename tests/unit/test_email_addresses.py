"""QA4 H6: an e-mail channel ``x;y@evil.example`` was accepted (the API pattern only refused whitespace,
control characters and a second ``@``); the mail went to recipient ``x`` (``email.utils`` reads ``;`` and
``,`` as list separators) while history said "delivered" to ``x;y@evil.example``. An address is now saved
only if a mail library reads it back as that one address, and a rule stored before the check fails its
delivery permanently, naming what the address would have been read as, without connecting."""

from __future__ import annotations

import smtplib

import pytest

from worker.alerts.delivery.errors import PermanentDeliveryError
from worker.alerts.delivery.smtp import send_email
from worker.alerts.rules import RuleError, build_rule, email_problem, from_store
from worker.pipeline.errors import classify
from worker.pipeline.retry import CHANNEL, decide
from worker.settings import Settings

REFUSED = {
    "x;y@evil.example": "'x'",
    "a,b@example.org": "'a'",
    "ops@example.org,": "'ops@example.org'",
    "<ops@example.org>": "'ops@example.org'",
    "ops@example.org>": "'ops@example.org'",
    "desk:ops@example.org": "'ops@example.org'",
    "a(comment)@example.org": "'a@example.org'",
    "x@example.org;y": "'x@example.org'",
}
ACCEPTED = ["ops.desk@example.test", "a+tag@example.org", "o'brien@example.ie", '"x;y"@example.org',
            "user@مثال.مصر", "مكتب@مثال.مصر", "ops@[192.0.2.1]"]
N = {"id": "n1", "kind": "instant", "rule": {"name": "r"}, "story_id": "s", "created": "2024-01-01T00:00:00Z",
     "article": {"title": "t", "url": "https://example.org/a"}}


def _rule(addr: str) -> dict:
    return {"name": "r", "query": "سجن", "channels": {"emails": [addr]}}


@pytest.mark.parametrize("addr", list(REFUSED))
def test_an_address_read_as_another_is_refused_when_saved(addr):
    with pytest.raises(RuleError, match="not one email address") as err:
        build_rule(_rule(addr))
    assert REFUSED[addr] in str(err.value)  # says what a mail system would have sent to


@pytest.mark.parametrize("addr", ["ops..desk@example.org", ".ops@example.org", "ops@example..org", "ops.@x.org"])
def test_a_malformed_address_is_refused_when_saved(addr):
    with pytest.raises(RuleError, match="not an email address"):
        build_rule(_rule(addr))


@pytest.mark.parametrize(("addr", "code"), [
    ("a@exa\u202emple.org", "U+202E"), ("a\u202e@example.org", "U+202E"), ("ops@exa\u200bmple.org", "U+200B"),
    ("ops@example.org\u2066", "U+2066"), ("\ufeffops@example.org", "U+FEFF"), ("ops\u200d@example.org", "U+200D"),
    ("مكتب\u200f@مثال.مصر", "U+200F"),
])
def test_an_address_with_an_invisible_format_character_is_refused_when_saved(addr, code):
    """QA6 qa6s-6: a right-to-left override in the domain was saved and mailed (the page shows it reordered)."""
    with pytest.raises(RuleError, match="not an email address") as err:
        build_rule(_rule(addr))
    assert code in str(err.value)
    assert email_problem(addr) is not None  # and a rule stored before the check is not sent (send_email)


@pytest.mark.parametrize("addr", ACCEPTED)
def test_ordinary_addresses_are_accepted(addr):
    assert email_problem(addr) is None
    assert build_rule(_rule(addr)).channels.emails == [addr]


def test_a_rule_stored_before_the_check_loads_but_is_not_sent(monkeypatch):
    stored = from_store(_rule("x;y@evil.example"))  # loading never fails: the other channels still work
    assert stored.channels.emails == ["x;y@evil.example"]

    def no_connect(*a, **k):
        raise AssertionError("must not connect")
    monkeypatch.setattr(smtplib.SMTP, "connect", no_connect)
    with pytest.raises(PermanentDeliveryError, match="not sent") as caught:
        send_email({"type": "email", "to": "x;y@evil.example"}, N, settings=Settings())
    assert "'x'" in str(caught.value) and "save the rule again" in str(caught.value)
    assert decide(CHANNEL, classify(caught.value), 1).action == "dead"


def test_the_envelope_recipient_is_the_address_saved(monkeypatch):
    """The SMTP envelope names the channel's address itself, not what the To header parses to."""
    sent: list = []

    class FakeSMTP:
        def __init__(self, *a, **k):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def connect(self, host, port):
            return 220, b"ok"

        def send_message(self, msg, from_addr=None, to_addrs=None, **k):
            sent.append((msg["To"], to_addrs))
            return {}
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    assert send_email({"type": "email", "to": '"x;y"@example.org'}, N, settings=Settings()) == 250
    assert sent == [('"x;y"@example.org', ['"x;y"@example.org'])]
