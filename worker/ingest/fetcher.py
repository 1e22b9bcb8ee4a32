"""The HTTP fetcher for feeds and article pages: one function owns the network.

``Fetcher.fetch`` returns an immutable ``FetchResult`` for every HTTP answer it got (including 304,
4xx and 5xx, because the poll policy needs status and headers) and raises a classed ``FetchError`` only
when there was no usable answer: refused by the SSRF guard, network failure, too large, wrong type.
``FetchResult.raise_for_status`` turns an error status into the matching class.

Redirects are followed by hand (at most ``max_redirects``) so every hop goes through the SSRF guard and
we can tell whether the whole chain was permanent (301/308), in which case a feed's stored URL moves.

Everything the server controls is bounded: the body after decompression (``Inflater``, which also refuses
stacked encodings), error bodies (4 KB), the number of hops, and the wall time of the whole chain
(``http_total_deadline``, headers included: a server dripping a byte every few seconds never trips the
per-read timeout; see ``deadline``).
Connections go through the SSRF guard's ``GuardedBackend``, which connects only to addresses it checked.
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

from worker.ingest.deadline import deadline_passed, request_deadline
from worker.ingest.encoding import sniff_bom, sniff_utf16_without_bom
from worker.ingest.errors import (
    BlockedURLError,
    FetchError,
    FetchTimeoutError,
    PermanentFetchError,
    RateLimitedError,
    TransientFetchError,
    classify_status,
)
from worker.ingest.inflate import Inflater
from worker.ingest.politeness import TokenBucket
from worker.ingest.schedule import parse_retry_after
from worker.ingest.ssrf import OPEN, AddressPolicy, check_url, guarded_transport
from worker.settings import Settings, get_settings

Kind = Literal["feed", "page", "robots"]

_FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"
_PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
# Content types that can never be a feed or an article page.
_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip",
                    "application/octet-stream", "application/x-", "application/vnd.", "application/gzip",
                    "application/msword", "multipart/")
_PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/xml", "text/xml")
# What a page's body starts with when it is a file, whatever its Content-Type says (a PDF or an image
# served as text/html became an article with an empty body).
_BINARY_MAGIC = (
    (b"%PDF-", "PDF"), (b"\x89PNG\r\n\x1a\n", "PNG"), (b"GIF87a", "GIF"), (b"GIF89a", "GIF"),
    (b"\xff\xd8\xff", "JPEG"), (b"PK\x03\x04", "ZIP"), (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf\x27\x1c", "7z"), (b"Rar!", "RAR"), (b"OggS", "Ogg"), (b"ID3\x03", "MP3"), (b"ID3\x04", "MP3"),
    (b"wOFF", "WOFF"), (b"wOF2", "WOFF2"), (b"\x00asm", "WebAssembly"), (b"\x7fELF", "ELF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "MS Office"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"),
)
# Control bytes no text page carries (NUL is left out: UTF-16 text is half NULs).
_CONTROL = bytes(b for b in range(32) if b not in (0, 9, 10, 12, 13, 27))
ERROR_BODY_BYTES = 4096  # error bodies are kept for diagnostics only


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


def binary_body(body: bytes) -> str | None:
    """What kind of file ``body`` is when it is evidently not text (a signature, or more than 5% of its
    first 4 KB control bytes), else None."""
    head = body[:4096].lstrip()
    for magic, name in _BINARY_MAGIC:
        if head.startswith(magic):
            return name
    if sniff_bom(head) or sniff_utf16_without_bom(head):  # UTF-16/32 Arabic is full of 0x06 bytes
        return None
    if head and len(head.translate(None, _CONTROL)) < 0.95 * len(head):
        return "binary"
    return None


class Fetcher:
    """Synchronous fetcher; one per process is enough (it keeps an httpx connection pool)."""

    def __init__(self, settings: Settings | None = None, *, bucket: TokenBucket | None = None,
                 allow_private: bool | None = None, max_redirects: int = 5,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings or get_settings()
        self.bucket = bucket
        self.allow_private = self.settings.allow_private_addresses if allow_private is None else allow_private
        self.policy = OPEN if self.allow_private else AddressPolicy.from_entries(self.settings.private_hosts)
        self.max_redirects = max_redirects
        self._transport = transport  # tests hand in a MockTransport; otherwise the guarded one
        self.client = self._client(self.policy)
        self._open_client: httpx.Client | None = None

    def _client(self, policy: AddressPolicy) -> httpx.Client:
        timeout = httpx.Timeout(self.settings.http_timeout, connect=min(10.0, self.settings.http_timeout))
        limits = httpx.Limits(max_connections=50, max_keepalive_connections=20)
        transport = self._transport or guarded_transport(policy, limits=limits)
        return httpx.Client(
            headers={"User-Agent": self.settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=timeout, follow_redirects=False, transport=transport, trust_env=False, limits=limits,
        )

    def _client_for(self, allow_private: bool) -> httpx.Client:
        """The guarded client, or for a feed allowed private addresses one whose guard lets them through
        (created on first use: most deployments never need it)."""
        if not allow_private or self.policy.open:
            return self.client
        if self._open_client is None:
            self._open_client = self._client(OPEN)
        return self._open_client

    def close(self) -> None:
        self.client.close()
        if self._open_client is not None:
            self._open_client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, url: str, *, kind: Kind = "page", etag: str | None = None,
              last_modified: str | None = None, max_bytes: int | None = None,
              bucket_wait: float = 10.0, allow_private: bool = False) -> FetchResult:
        """GET ``url``. Conditional headers are sent exactly as the server gave them. ``allow_private``
        lets this one request (a feed configured so) reach private addresses."""
        if max_bytes is None:
            max_bytes = self.settings.max_feed_bytes if kind == "feed" else self.settings.max_page_bytes
        headers = {"Accept": _FEED_ACCEPT if kind == "feed" else _PAGE_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        start = time.monotonic()
        deadline = start + self.settings.http_total_deadline
        client = self._client_for(allow_private)
        policy = OPEN if allow_private else self.policy
        # Every socket read and write of the chain gets at most what is left of the deadline: response
        # headers dripped a line a second never tripped the per-read timeout (hung 385 s).
        with request_deadline(deadline):
            status, resp_headers, body, truncated, current, hops = self._follow(
                client, url, headers, max_bytes, deadline, policy, bucket_wait)
        result = FetchResult(
            url=url, final_url=current, status=status, headers=MappingProxyType(resp_headers), body=body,
            elapsed=time.monotonic() - start, fetched_at=datetime.now(UTC), redirects=tuple(hops),
            truncated=truncated,
        )
        if result.ok:
            self._check_type(result, kind)
        return result

    def _follow(self, client: httpx.Client, url: str, headers: dict[str, str], max_bytes: int, deadline: float,
                policy: AddressPolicy, bucket_wait: float,
                ) -> tuple[int, dict[str, str], bytes, bool, str, list[tuple[int, str]]]:
        """The redirect chain from ``url``: the last answer, where it came from, and the hops."""
        current = url
        hops: list[tuple[int, str]] = []
        while True:
            check_url(current, policy=policy)
            host = urlsplit(current).hostname or ""
            if self.bucket is not None:
                self.bucket.acquire(host, max_wait=min(bucket_wait, max(0.0, deadline - time.monotonic())))
            status, resp_headers, body, truncated = self._get(client, current, headers, max_bytes, deadline)
            if status in (301, 302, 303, 307, 308) and "location" in resp_headers:
                if len(hops) >= self.max_redirects:
                    raise PermanentFetchError(f"more than {self.max_redirects} redirects", url=url)
                try:
                    nxt = urljoin(current, resp_headers["location"].strip())
                except ValueError as err:
                    raise PermanentFetchError(f"unusable redirect location: {err}", url=url) from err
                hops.append((status, nxt))
                if urlsplit(nxt).scheme.lower() not in ("http", "https"):
                    raise BlockedURLError(f"redirect to non-http URL {nxt[:200]!r}", url=url)
                current = nxt
                continue
            return status, resp_headers, body, truncated, current, hops

    def _get(self, client: httpx.Client, url: str, headers: dict[str, str], max_bytes: int,
             deadline: float) -> tuple[int, dict[str, str], bytes, bool]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchTimeoutError(f"download deadline of {self.settings.http_total_deadline:g}s passed", url=url)
        # No single wait may outlast the deadline; between reads the loop below checks it too.
        per_read = min(self.settings.http_timeout, remaining)
        timeout = httpx.Timeout(per_read, connect=min(10.0, per_read))
        try:
            with client.stream("GET", url, headers=headers, timeout=timeout) as resp:
                resp_headers = {k.lower(): v for k, v in resp.headers.items()}
                code = resp.status_code
                if code in (301, 302, 303, 307, 308, 304):
                    return code, resp_headers, b"", False
                error = code >= 400
                if not error:
                    declared = resp_headers.get("content-length", "")
                    if declared.isdigit() and len(declared) < 20 and int(declared) > max_bytes:
                        raise PermanentFetchError(f"body of {declared} bytes exceeds cap {max_bytes}", url=url,
                                                  status=code)
                cap = ERROR_BODY_BYTES if error else max_bytes
                # A response built in memory (httpx's MockTransport in tests) is already read and decoded.
                preread = resp.is_stream_consumed
                encoding = None if preread else resp_headers.get("content-encoding")
                inflater = Inflater(encoding, cap, truncate=error, url=url)
                chunks: list[bytes] = []
                raw = 0
                for chunk in ([resp.content] if preread else resp.iter_raw()):
                    raw += len(chunk)
                    if raw > max_bytes and not error:  # compressed bytes count too (a body that never ends)
                        raise PermanentFetchError(f"body exceeds cap of {max_bytes} bytes", url=url, status=code)
                    chunks.append(inflater.feed(chunk))
                    if inflater.full or raw > max_bytes:
                        break
                    if time.monotonic() > deadline:
                        raise FetchTimeoutError(
                            f"download took longer than {self.settings.http_total_deadline:g}s "
                            f"({raw} bytes received)", url=url, status=code)
                chunks.append(inflater.flush())
                return code, resp_headers, b"".join(chunks), inflater.full
        except FetchError as err:
            if err.status is None and err.url is None:
                err.url = url
            raise
        except httpx.TimeoutException as err:
            if deadline_passed():  # the whole fetch's budget, not one read's (see ``deadline``)
                raise FetchTimeoutError(
                    f"download took longer than {self.settings.http_total_deadline:g}s (deadline passed during "
                    f"{'connect' if isinstance(err, httpx.ConnectTimeout) else 'the response'})", url=url) from err
            raise FetchTimeoutError(f"timeout: {type(err).__name__}", url=url) from err
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as err:  # before TransportError, its parent
            raise BlockedURLError(f"invalid URL: {err}", url=url) from err
        except (httpx.TransportError, httpx.DecodingError) as err:
            raise TransientFetchError(f"network error: {type(err).__name__}: {err}", url=url) from err

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
        if kind == "page":
            what = binary_body(result.body)
            if what:
                raise PermanentFetchError(f"body is a {what} file, not a web page (served as {ctype!r})",
                                          url=result.final_url, status=result.status)
