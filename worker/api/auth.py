"""API-key guards. Write endpoints always need the key when one is configured; read endpoints are open
unless ``NEWSWORKER_API_READ_OPEN=false``. With no key configured, or a placeholder one (the
``change-me`` a compose file might carry), write endpoints are refused outright: a service reachable by
others must not accept alert/feed changes from anyone who read the same example.

The same checks run twice: in ``worker.api.limits.GuardMiddleware`` before the request body is read
(a caller without the key cannot make us parse 64 KB of JSON), and as route dependencies, so each route
declares its 401/403 in the OpenAPI document.
"""

from __future__ import annotations

import hmac

from fastapi import Header, HTTPException, status

from worker.settings import get_settings

# Keys that are examples, not secrets. Compared case-insensitively.
PLACEHOLDER_KEYS = frozenset({"change-me", "changeme", "change_me", "secret", "password", "api-key", "apikey",
                              "your-api-key", "xxx", "key", "default", "please-change-me"})


class AuthError(Exception):
    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


def configured_key() -> str | None:
    """The write key, or None when writes are disabled (unset, empty or a placeholder)."""
    key = (get_settings().api_key or "").strip()
    if not key or key.lower() in PLACEHOLDER_KEYS:
        return None
    return key


def is_writer(key: str | None) -> bool:
    """Whether ``key`` is the configured write key. Never raises: a header value with non-ASCII characters
    (``hmac.compare_digest`` refuses non-ASCII str) is compared as bytes."""
    expected = configured_key()
    if not expected or not key:
        return False
    return hmac.compare_digest(key.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape"))


def check_key(key: str | None) -> None:
    """Raise ``AuthError`` (403 writes disabled, 401 missing/wrong key) unless ``key`` is the write key."""
    if configured_key() is None:
        placeholder = bool((get_settings().api_key or "").strip())
        raise AuthError(status.HTTP_403_FORBIDDEN, "write endpoints are disabled: NEWSWORKER_API_KEY is a "
                        "placeholder; set a real secret" if placeholder else
                        "write endpoints are disabled: set NEWSWORKER_API_KEY")
    if not is_writer(key):
        raise AuthError(status.HTTP_401_UNAUTHORIZED, "missing or wrong X-API-Key")


def reads_open() -> bool:
    return get_settings().api_read_open


def _check(key: str | None) -> None:
    try:
        check_key(key)
    except AuthError as err:
        raise HTTPException(err.status_code, err.detail) from None


def require_write(x_api_key: str | None = Header(default=None, alias="X-API-Key")) -> None:
    """Dependency for POST/PUT/PATCH/DELETE routes."""
    _check(x_api_key)


def require_read(x_api_key: str | None = Header(default=None, alias="X-API-Key")) -> None:
    """Dependency for GET routes: a no-op unless reads are closed by configuration."""
    if not reads_open():
        _check(x_api_key)
