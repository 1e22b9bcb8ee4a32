"""The HTTP fetcher for feeds and article pages: one function owns the network.

``Fetcher.fetch`` returns an immutable ``FetchResult`` for every HTTP answer it got (including 304,
4xx and 5xx, because the poll policy needs status and headers) and raises a classed ``FetchError`` only
when there was no usable answer: refused by the SSRF guard, network failure, too large, wrong type.
``FetchResult.raise_for_status`` turns an error status into the matching class.

Redirects are followed by hand (at most ``max_redirects``) so every hop goes through the SSRF guard and
we can tell whether the whole chain was permanent (301/308), in which case a feed's stored URL moves.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Literal
from urllib.parse import urljoin, urlsplit

import httpx

from worker.ingest.errors import (
    BlockedURLError,
    FetchError,
    PermanentFetchError,
    RateLimitedError,
    TransientFetchError,
    classify_status,
)
from worker.ingest.politeness import TokenBucket
from worker.ingest.schedule import parse_retry_after
from worker.ingest.ssrf import check_url
from worker.settings import Settings, get_settings

Kind = Literal["feed", "page", "robots"]

_FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"
_PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
# Content types that can never be a feed or an article page.
_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip",
                    "application/octet-stream", "application/x-", "application/vnd.", "application/gzip",
                    "application/msword", "multipart/")
_PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/xml", "text/xml")


@dataclass(frozen=True)
class FetchResult:
    url: str  # what we asked for
    final_url: str  # where we ended after redirects
    status: int
    headers: Mapping[str, str]  # lower-case names, read-only
    body: bytes
    elapsed: float  # seconds, whole chain
    fetched_at: datetime
    redirects: tuple[tuple[int, str], ...] = ()  # (status, location) per hop
    truncated: bool = False
    timings: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def permanent_redirect(self) -> str | None:
        """The new URL when every hop was permanent (301/308): the caller should store it."""
        if self.redirects and all(code in (301, 308) for code, _ in self.redirects):
            return self.final_url
        return None

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()

    def raise_for_status(self) -> None:
        cls = classify_status(self.status)
        if cls is None:
            return
        msg = f"HTTP {self.status} from {self.final_url}"
        if cls is RateLimitedError:
            raise RateLimitedError(msg, retry_after=parse_retry_after(self.header("retry-after"), time.time()),
                                   url=self.final_url, status=self.status)
        raise cls(msg, url=self.final_url, status=self.status)


class Fetcher:
    """Synchronous fetcher; one per process is enough (it keeps an httpx connection pool)."""

    def __init__(self, settings: Settings | None = None, *, bucket: TokenBucket | None = None,
                 allow_private: bool | None = None, max_redirects: int = 5,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings or get_settings()
        self.bucket = bucket
        self.allow_private = self.settings.allow_private_addresses if allow_private is None else allow_private
        self.max_redirects = max_redirects
        timeout = httpx.Timeout(self.settings.http_timeout, connect=min(10.0, self.settings.http_timeout))
        self.client = httpx.Client(
            headers={"User-Agent": self.settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=timeout, follow_redirects=False, transport=transport,
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, url: str, *, kind: Kind = "page", etag: str | None = None,
              last_modified: str | None = None, max_bytes: int | None = None,
              bucket_wait: float = 10.0) -> FetchResult:
        """GET ``url``. Conditional headers are sent exactly as the server gave them."""
        if max_bytes is None:
            max_bytes = self.settings.max_feed_bytes if kind == "feed" else self.settings.max_page_bytes
        headers = {"Accept": _FEED_ACCEPT if kind == "feed" else _PAGE_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        start = time.monotonic()
        current = url
        hops: list[tuple[int, str]] = []
        while True:
            check_url(current, allow_private=self.allow_private)
            host = urlsplit(current).hostname or ""
            if self.bucket is not None:
                self.bucket.acquire(host, max_wait=bucket_wait)
            status, resp_headers, body, truncated = self._get(current, headers, max_bytes)
            if status in (301, 302, 303, 307, 308) and "location" in resp_headers:
                if len(hops) >= self.max_redirects:
                    raise PermanentFetchError(f"more than {self.max_redirects} redirects", url=url)
                nxt = urljoin(current, resp_headers["location"].strip())
                hops.append((status, nxt))
                if urlsplit(nxt).scheme.lower() not in ("http", "https"):
                    raise BlockedURLError(f"redirect to non-http URL {nxt!r}", url=url)
                current = nxt
                continue
            break
        result = FetchResult(
            url=url, final_url=current, status=status, headers=MappingProxyType(resp_headers), body=body,
            elapsed=time.monotonic() - start, fetched_at=datetime.now(UTC), redirects=tuple(hops),
            truncated=truncated,
        )
        if result.ok:
            self._check_type(result, kind)
        return result

    def _get(self, url: str, headers: dict[str, str], max_bytes: int) -> tuple[int, dict[str, str], bytes, bool]:
        try:
            with self.client.stream("GET", url, headers=headers) as resp:
                resp_headers = {k.lower(): v for k, v in resp.headers.items()}
                if resp.status_code in (301, 302, 303, 307, 308, 304) or resp.status_code >= 400:
                    # Error bodies are only kept for diagnostics; don't download a big one.
                    body = b""
                    if resp.status_code >= 400:
                        for chunk in resp.iter_bytes():
                            body += chunk
                            if len(body) > 4096:
                                break
                    return resp.status_code, resp_headers, body[:4096], False
                declared = resp_headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise PermanentFetchError(f"body of {declared} bytes exceeds cap {max_bytes}", url=url,
                                              status=resp.status_code)
                chunks: list[bytes] = []
                size = 0
                for chunk in resp.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise PermanentFetchError(f"body exceeds cap of {max_bytes} bytes", url=url,
                                                  status=resp.status_code)
                    chunks.append(chunk)
                return resp.status_code, resp_headers, b"".join(chunks), False
        except FetchError:
            raise
        except httpx.TimeoutException as err:
            raise TransientFetchError(f"timeout: {err!r}", url=url) from err
        except (httpx.TransportError, httpx.DecodingError) as err:
            raise TransientFetchError(f"network error: {type(err).__name__}: {err}", url=url) from err
        except httpx.InvalidURL as err:
            raise BlockedURLError(f"invalid URL: {err}", url=url) from err

    @staticmethod
    def _check_type(result: FetchResult, kind: Kind) -> None:
        ctype = result.content_type
        if not ctype or kind == "robots":
            return
        if ctype.startswith(_BINARY_PREFIXES) and not ctype.endswith("xml"):
            raise PermanentFetchError(f"unexpected content type {ctype!r} for a {kind}", url=result.final_url,
                                      status=result.status)
        if kind == "page" and not ctype.startswith(_PAGE_TYPES):
            raise PermanentFetchError(f"content type {ctype!r} is not a web page", url=result.final_url,
                                      status=result.status)
