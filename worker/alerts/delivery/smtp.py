"""Email delivery over SMTP (``settings.smtp_host``/``smtp_port``), one message per recipient.

smtplib's timeout applies to each socket operation, so a server that drips its greeting or its replies a
byte at a time never trips it and holds the worker for as long as it drips. A timer shuts the socket down
at ``settings.smtp_total_deadline`` (the blocked read returns at once) and the attempt is retried like any
other transient failure.
"""

from __future__ import annotations

import smtplib
import socket
import threading
from typing import Any

from worker.alerts.delivery.errors import PermanentDeliveryError, TransientDeliveryError, smtp_error_code
from worker.alerts.payloads import email_message
from worker.alerts.rules import email_problem
from worker.settings import Settings, get_settings


class _Cutoff:
    """Shuts ``smtp``'s socket down after ``seconds`` unless the block ends first; ``fired`` says it did."""

    def __init__(self, smtp: smtplib.SMTP, seconds: float) -> None:
        self._smtp = smtp
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True
        self.fired = False

    def _cut(self) -> None:
        self.fired = True
        sock = getattr(self._smtp, "sock", None)
        if sock is not None:
            try:
                # shutdown, not close: it wakes a recv blocked in another thread
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> _Cutoff:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


def send_email(channel: dict[str, Any], n: dict[str, Any], *, settings: Settings | None = None) -> int:
    s = settings or get_settings()
    to = str(channel["to"])
    problem = email_problem(to)  # a rule saved before addresses were checked in full
    if problem:
        raise PermanentDeliveryError(f"{problem}: not sent; save the rule again with a corrected address",
                                     error_code="bad_address")
    msg = email_message(n, to, s.smtp_from)
    smtp = smtplib.SMTP(timeout=s.smtp_timeout)  # no host: connecting (and the greeting) is inside the cutoff
    cutoff = _Cutoff(smtp, s.smtp_total_deadline)
    try:
        with cutoff, smtp:
            smtp.connect(s.smtp_host, s.smtp_port)
            # The envelope names the channel's address itself, not what the To header parses back to.
            smtp.send_message(msg, to_addrs=[to])
    except smtplib.SMTPRecipientsRefused as err:
        codes = [c for c, _ in err.recipients.values()]
        if codes and all(400 <= c < 500 for c in codes):
            raise TransientDeliveryError(f"recipient deferred: {err.recipients}", codes[0],
                                         error_code="smtp_deferred") from err
        raise PermanentDeliveryError(f"recipient refused: {err.recipients}", codes[0] if codes else None,
                                     error_code="smtp_refused") from err
    except smtplib.SMTPResponseException as err:
        cls = TransientDeliveryError if 400 <= err.smtp_code < 500 else PermanentDeliveryError
        raise cls(f"SMTP {err.smtp_code} {err.smtp_error!r}", err.smtp_code,
                  error_code=smtp_error_code(err.smtp_code)) from err
    except (OSError, smtplib.SMTPException) as err:  # refused, timeout, disconnected, cut off
        if cutoff.fired:
            raise TransientDeliveryError(
                f"{type(err).__name__}: the SMTP exchange did not end within the total deadline of "
                f"{s.smtp_total_deadline:g} s (NEWSWORKER_SMTP_TOTAL_DEADLINE)", error_code="timeout") from err
        # a connection refused or dropped, a name that did not resolve: the mail server could not be reached
        raise TransientDeliveryError(f"{type(err).__name__}: {err}",
                                     error_code="timeout" if isinstance(err, TimeoutError) else "unreachable") from err
    return 250
