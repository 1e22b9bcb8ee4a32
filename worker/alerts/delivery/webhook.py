"""Webhook delivery: one POST of the notification (JSON, or Slack's ``{"text": ...}``) with an
``Idempotency-Key`` header so a receiver can drop the duplicate an at-least-once retry may produce."""

from __future__ import annotations

import json
from typing import Any

import httpx

from worker.alerts.delivery.errors import PermanentDeliveryError, TransientDeliveryError
from worker.alerts.payloads import slack_payload, webhook_payload

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_RETRYABLE = {408, 425, 429}


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
    try:
        if client is not None:
            resp = client.post(channel["url"], content=body, headers=headers)
        else:
            with httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False) as c:
                resp = c.post(channel["url"], content=body, headers=headers)
    except httpx.TransportError as err:  # refused, reset, DNS, timeouts
        raise TransientDeliveryError(f"{type(err).__name__}: {err}") from err
    code = resp.status_code
    if 200 <= code < 300:
        return code
    msg = f"HTTP {code} from webhook"
    if code >= 500 or code in _RETRYABLE:
        raise TransientDeliveryError(msg, code)
    raise PermanentDeliveryError(msg, code)
