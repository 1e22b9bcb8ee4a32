"""Webhook delivery: one POST of the notification (JSON, or Slack's ``{"text": ...}``) with an
``Idempotency-Key`` header so a receiver can drop the duplicate an at-least-once retry may produce."""

from __future__ import annotations

import json
import ssl
from functools import lru_cache
from typing import Any

import httpx

from worker.alerts.delivery.errors import PermanentDeliveryError, TransientDeliveryError
from worker.alerts.payloads import slack_payload, webhook_payload
from worker.alerts.rules import alert_address_policy, check_webhook_url
from worker.ingest.errors import BlockedURLError
from worker.ingest.ssrf import guarded_transport

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_RETRYABLE = {408, 425, 429}


@lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """The TLS settings of every send, built once per process: building them (loading the CA bundle) costs
    ~30 ms of CPU, which was most of a delivery's cost. The client and its connections stay per send."""
    return httpx.create_ssl_context(trust_env=False)  # as the guarded transport builds it (no env CA paths)


def render(channel: dict[str, Any], n: dict[str, Any]) -> dict[str, Any]:
    return slack_payload(n) if channel.get("format") == "slack" else webhook_payload(n)


def send_webhook(channel: dict[str, Any], n: dict[str, Any], *, client: httpx.Client | None = None) -> int:
    """POST once; returns the 2xx status or raises a classed ``DeliveryError``. Redirects are not
    followed (a webhook that moved should be re-configured, not silently chased)."""
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
        raise PermanentDeliveryError(str(err)) from None
    try:
        if client is not None:
            resp = client.post(url, content=body, headers=headers)
        else:
            # The guarded transport connects only to addresses it checked itself (no DNS rebinding).
            with httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False,
                              transport=guarded_transport(alert_address_policy(), verify=_tls())) as c:
                resp = c.post(url, content=body, headers=headers)
    except BlockedURLError as err:
        raise PermanentDeliveryError(f"webhook url refused: {err}") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as err:  # URLs httpx will not send to
        raise PermanentDeliveryError(f"webhook url rejected: {type(err).__name__}: {err}") from None
    except httpx.TransportError as err:  # refused, reset, DNS, timeouts
        raise TransientDeliveryError(f"{type(err).__name__}: {err}") from err
    code = resp.status_code
    if 200 <= code < 300:
        return code
    msg = f"HTTP {code} from webhook"
    if code >= 500 or code in _RETRYABLE:
        raise TransientDeliveryError(msg, code)
    raise PermanentDeliveryError(msg, code)
