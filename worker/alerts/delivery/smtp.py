"""Email delivery over SMTP (``settings.smtp_host``/``smtp_port``), one message per recipient."""

from __future__ import annotations

import smtplib
from typing import Any

from worker.alerts.delivery.errors import PermanentDeliveryError, TransientDeliveryError
from worker.alerts.payloads import email_message
from worker.settings import get_settings


def send_email(channel: dict[str, Any], n: dict[str, Any], *, host: str | None = None,
               port: int | None = None) -> int:
    s = get_settings()
    msg = email_message(n, channel["to"], s.smtp_from)
    try:
        with smtplib.SMTP(host or s.smtp_host, port or s.smtp_port, timeout=10) as smtp:
            smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as err:
        codes = [c for c, _ in err.recipients.values()]
        if codes and all(400 <= c < 500 for c in codes):
            raise TransientDeliveryError(f"recipient deferred: {err.recipients}", codes[0]) from err
        raise PermanentDeliveryError(f"recipient refused: {err.recipients}", codes[0] if codes else None) from err
    except smtplib.SMTPResponseException as err:
        cls = TransientDeliveryError if 400 <= err.smtp_code < 500 else PermanentDeliveryError
        raise cls(f"SMTP {err.smtp_code} {err.smtp_error!r}", err.smtp_code) from err
    except (OSError, smtplib.SMTPException) as err:  # refused, timeout, disconnected
        raise TransientDeliveryError(f"{type(err).__name__}: {err}") from err
    return 250
