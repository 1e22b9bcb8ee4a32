"""API-key guards. Write endpoints always need the key when one is configured; read endpoints are open
unless ``NEWSWORKER_API_READ_OPEN=false``. With no key configured, write endpoints are refused outright
(a service reachable by others must not accept alert/feed changes from anyone)."""

from __future__ import annotations

import hmac

from fastapi import Header, HTTPException, status

from worker.settings import get_settings


def _check(key: str | None) -> None:
    expected = get_settings().api_key
    if not expected:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "write endpoints are disabled: set NEWSWORKER_API_KEY")
    if not key or not hmac.compare_digest(key, expected):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or wrong X-API-Key")


def require_write(x_api_key: str | None = Header(default=None)) -> None:
    """Dependency for POST/PUT/PATCH/DELETE routes."""
    _check(x_api_key)


def require_read(x_api_key: str | None = Header(default=None)) -> None:
    """Dependency for GET routes: a no-op unless reads are closed by configuration."""
    if not get_settings().api_read_open:
        _check(x_api_key)
