"""QA5 re-test (qa5c-12 partly fixed): an alert's delivery errors reached the Arabic page as the server's
English text only. Each failure now carries a code from a small fixed set, set where it is raised, so the
page can say in its language what went wrong and what to do (the text stays the exact detail). No services:
the webhook through httpx's mock transport, the mail server a closed local port."""

from __future__ import annotations

import smtplib
import socket

import httpx
import pytest

from tests.unit.test_alerts_engine import PRISON
from worker.alerts.delivery import Outcome, raise_for
from worker.alerts.delivery.errors import (
    ERROR_CODES,
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
    http_error_code,
    smtp_error_code,
)
from worker.alerts.delivery.smtp import send_email
from worker.alerts.delivery.webhook import send_webhook
from worker.alerts.payloads import instant_notification
from worker.alerts.rules import build_rule
from worker.pipeline.errors import classify
from worker.settings import Settings

N = instant_notification(build_rule({"name": "prison", "query": "سجن"}), "story-1", PRISON)
HOOK = {"type": "webhook", "url": "http://hook.test/x"}


def _failure(handler) -> DeliveryError:  # noqa: ANN001
    with pytest.raises(DeliveryError) as caught:
        send_webhook(HOOK, N, client=httpx.Client(transport=httpx.MockTransport(handler)),
                     settings=Settings(webhook_timeout=10))
    return caught.value


@pytest.mark.parametrize(("status", "code"), [
    (404, "client_error"), (401, "client_error"), (410, "client_error"), (301, "redirect"), (308, "redirect"),
    (500, "server_error"), (502, "server_error"), (503, "server_error"), (408, "server_error"),
    (429, "rate_limited"),
])
def test_a_webhook_answer_is_coded_by_its_status(status: int, code: str) -> None:
    assert http_error_code(status) == code
    err = _failure(lambda request: httpx.Response(status, headers={"location": "/moved"}))
    assert err.error_code == code and str(status) in str(err)


def test_a_retry_after_is_rate_limited() -> None:
    err = _failure(lambda request: httpx.Response(503, headers={"retry-after": "30"}))
    assert err.error_code == "rate_limited"


def test_a_webhook_that_does_not_answer_in_time_is_a_timeout_and_one_that_refuses_is_unreachable() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    timeout = _failure(slow)
    assert timeout.error_code == "timeout" and "no answer within 10 s" in str(timeout)
    assert _failure(refused).error_code == "unreachable"


def test_a_webhook_url_our_guard_refuses_is_a_bad_url() -> None:
    for url in ("http://169.254.169.254/latest", "not a url"):
        with pytest.raises(PermanentDeliveryError) as caught:
            send_webhook({"type": "webhook", "url": url}, N)
        assert caught.value.error_code == "bad_url"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed when the block ends: a connection is refused


def test_e_mail_failures_name_the_address_or_the_mail_server() -> None:
    with pytest.raises(PermanentDeliveryError) as caught:
        send_email({"type": "email", "to": "not-an-address"}, N)
    assert caught.value.error_code == "bad_address"
    with pytest.raises(TransientDeliveryError) as caught:
        send_email({"type": "email", "to": "desk@example.org"}, N,
                   settings=Settings(smtp_host="127.0.0.1", smtp_port=_closed_port(), smtp_timeout=2))
    assert caught.value.error_code == "unreachable"
    assert smtp_error_code(550) == "smtp_refused" and smtp_error_code(451) == "smtp_deferred"
    assert smtp_error_code(None) == "smtp_refused"


def test_the_smtp_server_refusing_is_coded_by_its_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self, msg, to_addrs=None):  # noqa: ANN001, ANN202
        raise smtplib.SMTPRecipientsRefused({"desk@example.org": (550, b"no such user")})

    monkeypatch.setattr(smtplib.SMTP, "connect", lambda self, host, port: (220, b"hi"))
    monkeypatch.setattr(smtplib.SMTP, "send_message", refuse)
    monkeypatch.setattr(smtplib.SMTP, "quit", lambda self: (221, b"bye"))
    with pytest.raises(PermanentDeliveryError) as caught:
        send_email({"type": "email", "to": "desk@example.org"}, N)
    assert caught.value.error_code == "smtp_refused"


def test_the_code_survives_the_outcome_and_the_runner_s_classification() -> None:
    """The delivery task returns an Outcome and re-raises it for the runner (``raise_for``), which classes
    it (``classify``) before the dead letter: the code must come out the other end."""
    for outcome, code in [(Outcome("retry", "ReadTimeout: no answer within 10 s", error_code="timeout"), "timeout"),
                          (Outcome("retry", "HTTP 429", 429, retry_after=5.0, error_code="rate_limited"), "rate_limited"),
                          (Outcome("failed", "HTTP 404 from webhook", 404, error_code="client_error"), "client_error")]:
        with pytest.raises(DeliveryError) as caught:
            raise_for(outcome)
        assert classify(caught.value).error_code == code
    assert classify(ValueError("a bug")).error_code is None


def test_the_codes_are_a_small_fixed_set() -> None:
    assert len(ERROR_CODES) == len(set(ERROR_CODES)) <= 12
    assert DeliveryError("x").error_code == "other" and DeliveryError("x", 404).error_code == "client_error"
