"""Webhook delivery: one POST of the notification (JSON, or Slack's ``{"text": ...}``) with an
``Idempotency-Key`` header so a receiver can drop the duplicate an at-least-once retry may produce.

What comes back from outside is bounded: only the status line and headers are read (the body is never
read, so a receiver answering with a 300 MB file costs nothing), every socket operation has
``settings.webhook_timeout`` and the whole POST ``settings.webhook_total_deadline`` (the fetcher's
deadline mechanism, ``worker.ingest.deadline``: a receiver dripping one byte a second is cut off at the
deadline, not held for as long as it drips).
"""

from __future__ import annotations

import json
import ssl
import time
from functools import lru_cache
from typing import Any

import httpx

from worker.alerts.delivery.errors import (
    PermanentDeliveryError,
    RateLimitedDeliveryError,
    TransientDeliveryError,
)
from worker.alerts.payloads import slack_payload, webhook_payload
from worker.alerts.rules import alert_address_policy, check_webhook_url, redact_url
from worker.ingest.deadline import request_deadline
from worker.ingest.errors import BlockedURLError, DNSLookupError
from worker.ingest.schedule import parse_retry_after
from worker.ingest.ssrf import guarded_transport
from worker.settings import Settings, get_settings

_RETRYABLE = {408, 425, 429}
_RETRY_AFTER = {429, 503}  # answers whose Retry-After says when to come back


@lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """The TLS settings of every send, built once per process: building them (loading the CA bundle) costs
    ~30 ms of CPU, which was most of a delivery's cost. The client and its connections stay per send."""
    return httpx.create_ssl_context(trust_env=False)  # as the guarded transport builds it (no env CA paths)


def webhook_timeout(settings: Settings) -> httpx.Timeout:
    """Per socket operation (connect, write, read); the total deadline bounds their sum."""
    return httpx.Timeout(settings.webhook_timeout)


def render(channel: dict[str, Any], n: dict[str, Any]) -> dict[str, Any]:
    return slack_payload(n) if channel.get("format") == "slack" else webhook_payload(n)


def _post(client: httpx.Client, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, httpx.Headers]:
    """The status and headers of one POST. The response is closed unread: only its status matters, and a
    body left unread makes httpcore drop the connection rather than drain it."""
    with client.stream("POST", url, content=body, headers=headers) as resp:
        return resp.status_code, resp.headers


def send_webhook(channel: dict[str, Any], n: dict[str, Any], *, client: httpx.Client | None = None,
                 settings: Settings | None = None) -> int:
    """POST once; returns the 2xx status or raises a classed ``DeliveryError``. Redirects are not
    followed: a 301/302 would turn the POST into a GET without its body, and a Location may point
    anywhere; a webhook that moved is a permanent failure whose message says where to (redacted), and
    the rule is saved again with the new URL (``deadletter replay`` re-sends what failed meanwhile)."""
    s = settings or get_settings()
    body = json.dumps(render(channel, n), ensure_ascii=False).encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Idempotency-Key": n["id"],
        "User-Agent": "newsworker-alerts/0.1",
    }

    url = str(channel.get("url") or "")
    try:
        check_webhook_url(url)  # a rule saved before the guard existed, or a policy tightened since
    except ValueError as err:
        raise PermanentDeliveryError(str(err), error_code="bad_url") from None
    deadline = time.monotonic() + s.webhook_total_deadline
    try:
        # Every socket operation gets at most what is left of the deadline (connect, TLS, write, read).
        with request_deadline(deadline):
            if client is not None:
                code, resp_headers = _post(client, url, body, headers)
            else:
                # The guarded transport connects only to addresses it checked itself (no DNS rebinding).
                with httpx.Client(timeout=webhook_timeout(s), follow_redirects=False, trust_env=False,
                                  transport=guarded_transport(alert_address_policy(), verify=_tls())) as c:
                    code, resp_headers = _post(c, url, body, headers)
    except DNSLookupError as err:  # a resolver blip, or a name not published (yet): the retries decide
        raise TransientDeliveryError(f"webhook host did not resolve: {err}", error_code="unreachable") from None
    except BlockedURLError as err:
        raise PermanentDeliveryError(f"webhook url refused: {err}", error_code="bad_url") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as err:  # URLs httpx will not send to
        raise PermanentDeliveryError(f"webhook url rejected: {type(err).__name__}: {err}",
                                     error_code="bad_url") from None
    except httpx.TimeoutException as err:
        if time.monotonic() >= deadline:
            raise TransientDeliveryError(
                f"{type(err).__name__}: no answer within the total deadline of {s.webhook_total_deadline:g} s "
                "(NEWSWORKER_WEBHOOK_TOTAL_DEADLINE)", error_code="timeout") from err
        raise TransientDeliveryError(f"{type(err).__name__}: no answer within {s.webhook_timeout:g} s "
                                     "(NEWSWORKER_WEBHOOK_TIMEOUT)", error_code="timeout") from err
    except httpx.TransportError as err:  # refused, reset, DNS
        raise TransientDeliveryError(f"{type(err).__name__}: {err}", error_code="unreachable") from err
    return _classify(code, resp_headers, url)


def _classify(code: int, headers: httpx.Headers, url: str) -> int:
    if 200 <= code < 300:
        return code
    msg = f"HTTP {code} from webhook"
    if 300 <= code < 400:
        location = headers.get("location") or ""
        try:
            target = redact_url(str(httpx.URL(url).join(location))) if location else "nowhere"
        except (httpx.InvalidURL, ValueError):
            target = "an invalid Location"
        raise PermanentDeliveryError(f"{msg}: a redirect, not followed (it points to {target}); save the rule "
                                     "with the receiver's new URL", code)
    if code in _RETRY_AFTER:
        wait = parse_retry_after(headers.get("retry-after"), time.time())
        if wait is not None:  # bounded by the channel's retry policy (its cap) when the runner waits
            raise RateLimitedDeliveryError(f"{msg} (Retry-After {wait:g} s)", code, retry_after=wait)
    if code >= 500 or code in _RETRYABLE:
        raise TransientDeliveryError(msg, code)
    raise PermanentDeliveryError(msg, code)
