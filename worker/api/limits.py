"""Limits applied to every request before a route runs (a pure ASGI middleware, so nothing is parsed
first):

* the API key of a write request (POST/PUT/PATCH/DELETE) is checked *before its body is read*: a caller
  without the key costs us a header lookup, not a JSON parse;
* request bodies are capped (``api_max_body_bytes``): a declared Content-Length over the cap is answered
  413 at once, a chunked body is counted as it arrives and cut off at the cap;
* a per-client token bucket (``api_rate_per_second``/``api_rate_burst``) answers 429 with Retry-After;
  clients are told apart by address, the table is bounded (least recently seen dropped first);
* ``/docs``, ``/redoc``, ``/openapi.json`` and ``/metrics`` follow the read rule: when reads are closed
  they need the key like any other read.

``PitBudget`` bounds the point-in-time searches that requests without the write key may open.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.routing import Match

from worker.api.auth import AuthError, check_key, reads_open
from worker.settings import get_settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
READ_RULE_PATHS = ("/docs", "/redoc", "/openapi.json", "/metrics")
MAX_CLIENTS = 10_000


class RateLimiter:
    """Token bucket per client key, in this process. Bounded: at most ``max_clients`` buckets."""

    def __init__(self, rate: float, burst: int, max_clients: int = MAX_CLIENTS) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> float:
        """0.0 if the request may go ahead, else seconds until it may."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, ts = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - ts) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[client] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return wait


class PitBudget:
    """At most ``limit`` point-in-time opens per ``window`` seconds for requests without the write key,
    all clients together: each open PIT holds a search context on every shard until it expires."""

    def __init__(self, limit: int, window: float = 120.0) -> None:
        self.limit = limit
        self.window = window
        self._opened: list[float] = []
        self._lock = threading.Lock()

    def take(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._opened = [t for t in self._opened if now - t < self.window]
            if len(self._opened) >= self.limit:
                return False
            self._opened.append(now)
            return True


async def _json(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers") or ():
        if k.lower() == name:
            # Header bytes are Latin-1 on the wire; a UTF-8 key arrives as mojibake, which simply mismatches.
            return v.decode("latin-1")
    return None


class GuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        s = get_settings()
        self.max_body = s.api_max_body_bytes
        self.limiter = RateLimiter(s.api_rate_per_second, s.api_rate_burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("?", 0))[0]
        wait = self.limiter.take(str(client))
        if wait > 0:
            await _json(send, 429, "too many requests", {"Retry-After": str(max(1, math.ceil(wait)))})
            return
        method = scope.get("method", "GET").upper()
        path = scope.get("path", "")
        needs_key = method in WRITE_METHODS or (path.startswith(READ_RULE_PATHS) and not reads_open())
        if needs_key and _routed(scope):
            try:
                check_key(_header(scope, b"x-api-key"))
            except AuthError as err:
                await _json(send, err.status_code, err.detail)
                return
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await _json(send, 400, "invalid Content-Length")
                return
            if int(declared.strip()[:20]) > self.max_body:
                await _json(send, 413, f"request body larger than {self.max_body} bytes")
                return
        received = 0
        started = False  # the app (or we) began a response
        refused = False  # we answered 413 mid-body: whatever the app does next is dropped

        async def limited_receive() -> Message:
            nonlocal received, refused, started
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body and not started:
                    # Answer now: the app's own body reader would turn an exception into a 400.
                    refused = started = True
                    await _json(send, 413, f"request body larger than {self.max_body} bytes")
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not refused:
                raise


def _routed(scope: Scope) -> bool:
    """Whether a write to this path reaches a route at all: an unknown path or method stays a 404/405
    (the key is checked by the route's own dependency anyway)."""
    app = scope.get("app")
    router = getattr(app, "router", None)
    if router is None:
        return True

    for route in router.routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return True
    return False
