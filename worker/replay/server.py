"""The replay feed server: real ANT articles served as live RSS/Atom feeds with article pages.

Paths:
  GET  /feeds.json                   every feed with its RSS and Atom URL (and a ready feeds list)
  GET  /feeds/<key>.rss|.atom        one feed: <key> is a source slug (bbc, cnn, ...) or, with
                                     ``split=N``, <slug>-<k> for k in 0..N-1
  GET  /articles/<slug>/<docno>.html the article page (real text in realistic boilerplate)
  GET  /robots.txt
  POST /admin/publish                {source, title, body, summary?, author?, published?, feed?} -> new
                                     item now (in the source feed, and with split in split feed ``feed``)
  POST /admin/release                {n} release the next n corpus items now
  POST /admin/faults                 {feed, fault} (fault null clears); feed is a key or "page:<slug>"
  GET  /admin/stats                  released/published counts, requests, 200s/304s

Clock: ``start_released`` items (oldest first) are out at start; then ``rate`` items per second are
released in publication order. Feeds show their newest ``window`` items with the real pubDates.

Faults (``--faults key=spec,...``), optionally ``*N`` to apply to the next N requests only:
  slow:S, 500, 503 (Retry-After: 1), 429:S (Retry-After: S), 410, broken (malformed XML),
  cp1256 (windows-1256, declared), cp1256-undeclared, iso-8859-6, utf16 (BOM), utf16-nobom,
  nocache (ignores validators: no ETag/Last-Modified, never 304), moved:<key> (301 to another feed).
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from worker.replay.corpus import SOURCES, CorpusItem, display_name, load_corpus
from worker.replay.render import Entry, article_html, atom, rss


@dataclass
class _Released:
    item: CorpusItem
    at: float  # server time of release
    feed_keys: tuple[str, ...]


@dataclass
class ReplayState:
    items: list[CorpusItem]
    rate: float = 0.0
    start_released: int | None = None
    split: int = 1
    window: int = 30
    faults: dict[str, str] = field(default_factory=dict)
    base_url: str = ""

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.t0 = time.time()
        self.manual = 0
        self.released: list[_Released] = []
        self.by_key: dict[str, list[_Released]] = defaultdict(list)
        self.by_docno: dict[str, _Released] = {}
        self.published_count = 0
        self.stats: Counter[str] = Counter()
        self._fault_left: dict[str, int] = {}
        self.sources = sorted({i.source for i in self.items} | {s for s, _ in SOURCES.values()})
        if self.start_released is None:
            self.start_released = min(len(self.items), 10 * len(self.sources))
        self._index_in_source: dict[str, int] = {}
        counters: Counter[str] = Counter()
        for item in self.items:
            self._index_in_source[item.docno] = counters[item.source]
            counters[item.source] += 1
        for fkey, spec in list(self.faults.items()):
            self.set_fault(fkey, spec)
        self._tick()

    # feeds ---------------------------------------------------------------------------------------
    def feed_keys(self) -> list[str]:
        if self.split <= 1:
            return list(self.sources)
        return [f"{s}-{k}" for s in self.sources for k in range(self.split)]

    def _keys_for(self, item: CorpusItem) -> tuple[str, ...]:
        if self.split <= 1:
            return (item.source,)
        k = self._index_in_source.get(item.docno, 0) % self.split
        return (item.source, f"{item.source}-{k}")

    def _add(self, item: CorpusItem, now: float) -> _Released:
        rel = _Released(item, now, self._keys_for(item))
        self.released.append(rel)
        self.by_docno[item.docno] = rel
        for key in rel.feed_keys:
            self.by_key[key].append(rel)
        return rel

    def _tick(self) -> None:
        """Release whatever the clock says should be out by now."""
        with self.lock:
            now = time.time()
            target = self.start_released + self.manual + int((now - self.t0) * self.rate)
            target = min(target, len(self.items))
            corpus_out = len(self.released) - self.published_count
            for item in self.items[corpus_out:target]:
                self._add(item, now)

    def release(self, n: int) -> int:
        with self.lock:
            self.manual += n
            self._tick()
            return len(self.released)

    def publish(self, source: str, title: str, body: str, summary: str | None = None,
                author: str = "", published: str | None = None, category: str = "breaking",
                feed: str | None = None) -> _Released:
        with self.lock:
            self.published_count += 1
            if published:
                pub = datetime.fromisoformat(published.replace("Z", "+00:00"))
                pub = pub if pub.tzinfo else pub.replace(tzinfo=UTC)
            else:
                pub = datetime.now(UTC).replace(microsecond=0)
            item = CorpusItem(
                docno=f"pub-{source}-{self.published_count}-{int(time.time() * 1000)}", source=source,
                category=category, title=title, author=author,
                abstract=summary if summary is not None else body[:300], text=body, published=pub,
                original_url="",
            )
            # published items go to the source feed and to one split feed (``feed``, default <source>-0)
            keys = (source, feed or f"{source}-0") if self.split > 1 else (source,)
            rel = _Released(item, time.time(), keys)
            self.released.append(rel)
            self.by_docno[item.docno] = rel
            for key in rel.feed_keys:
                self.by_key[key].append(rel)
            self.stats["published"] += 1
            return rel

    def set_fault(self, key: str, spec: str | None) -> None:
        with self.lock:
            if not spec:
                self.faults.pop(key, None)
                self._fault_left.pop(key, None)
                return
            count = None
            if "*" in spec:
                spec, _, n = spec.partition("*")
                count = int(n)
            self.faults[key] = spec
            if count is not None:
                self._fault_left[key] = count
            else:
                self._fault_left.pop(key, None)

    def take_fault(self, key: str) -> str | None:
        with self.lock:
            spec = self.faults.get(key)
            if spec is None:
                return None
            if key in self._fault_left:
                self._fault_left[key] -= 1
                if self._fault_left[key] <= 0:
                    self.faults.pop(key, None)
                    self._fault_left.pop(key, None)
            return spec

    def entries(self, key: str) -> tuple[list[Entry], float | None]:
        with self.lock:
            self._tick()
            rels = self.by_key.get(key, [])[-self.window:]
            latest = max((r.at for r in rels), default=None)
            entries = [self.entry(r.item) for r in reversed(rels)]
        return entries, latest

    def entry(self, item: CorpusItem) -> Entry:
        canonical = f"{self.base_url}/articles/{item.source}/{item.docno}.html"
        return Entry(
            docno=item.docno, source=item.source, title=item.title, summary=item.abstract or item.text[:300],
            text=item.text, author=item.author, category=item.category, published=item.published,
            link=canonical + "?utm_source=rss&utm_medium=feed&utm_campaign=replay", canonical=canonical,
        )

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            self._tick()
            return {
                "released": len(self.released), "corpus_items": len(self.items),
                "published": self.published_count, "rate": self.rate, "split": self.split,
                "feeds": len(self.feed_keys()), "faults": dict(self.faults), "requests": dict(self.stats),
                "released_by_source": dict(Counter(r.item.source for r in self.released)),
            }


class _Handler(BaseHTTPRequestHandler):
    server: ReplayServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by default
        if self.server.verbose:
            super().log_message(format, *args)

    # plumbing -------------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes = b"", ctype: str = "text/plain; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if status != 304 else 0))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if status != 304 and self.command != "HEAD":
            self.wfile.write(body)
        self.server.state.stats[f"status_{status}"] += 1

    def _json(self, obj: Any, status: int = 200) -> None:
        self._send(status, json.dumps(obj, ensure_ascii=False, default=str).encode("utf-8"),
                   "application/json; charset=utf-8")

    def _read_json(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        return json.loads(raw or b"{}")

    # routes ---------------------------------------------------------------------------------------
    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        st = self.server.state
        path = urlsplit(self.path).path
        st.stats["requests"] += 1
        if path == "/robots.txt":
            return self._send(200, b"User-agent: *\nDisallow: /admin/\nDisallow: /private/\n")
        if path == "/feeds.json":
            return self._json(self._feeds_listing())
        if path == "/admin/stats":
            return self._json(st.snapshot())
        m = re.fullmatch(r"/feeds/([A-Za-z0-9_-]+)\.(rss|atom|xml)", path)
        if m:
            return self._feed(m.group(1), m.group(2))
        m = re.fullmatch(r"/articles/([A-Za-z0-9_-]+)/([A-Za-z0-9_.-]+)\.html", path)
        if m:
            return self._article(m.group(1), m.group(2))
        if path in ("/", "/index.html"):
            return self._json({"service": "newsworker replay server", "feeds": "/feeds.json",
                                "stats": "/admin/stats"})
        self._send(404, b"not found")

    def do_POST(self) -> None:  # noqa: N802
        st = self.server.state
        path = urlsplit(self.path).path
        try:
            data = self._read_json()
        except (ValueError, json.JSONDecodeError):
            return self._send(400, b"bad json")
        if path == "/admin/publish":
            source = str(data.get("source") or "").lower()
            if not source or not data.get("title"):
                return self._send(400, b"source and title are required")
            rel = st.publish(source, data["title"], data.get("body") or "", data.get("summary"),
                             data.get("author") or "", data.get("published"), data.get("category") or "breaking",
                             data.get("feed"))
            e = st.entry(rel.item)
            return self._json({"docno": rel.item.docno, "url": e.canonical, "link": e.link,
                               "feeds": list(rel.feed_keys)}, 201)
        if path == "/admin/release":
            return self._json({"released": st.release(int(data.get("n", 1)))})
        if path == "/admin/faults":
            if "feed" not in data:
                return self._send(400, b"feed is required")
            st.set_fault(str(data["feed"]), data.get("fault"))
            return self._json({"faults": dict(st.faults)})
        self._send(404, b"not found")

    def _feeds_listing(self) -> dict[str, Any]:
        st = self.server.state
        base = self.server.url
        feeds = [{"id": f"replay-{k}", "name": f"{display_name(k.rsplit('-', 1)[0] if st.split > 1 else k)} ({k})",
                  "url": f"{base}/feeds/{k}.rss", "atom": f"{base}/feeds/{k}.atom",
                  "source": k.rsplit("-", 1)[0] if st.split > 1 else k, "language": "ar", "tags": ["replay"]}
                 for k in st.feed_keys()]
        return {"feeds": feeds}

    def _feed(self, key: str, fmt: str) -> None:
        st = self.server.state
        fault = st.take_fault(key)
        if fault is not None:
            handled = self._apply_fault(fault)
            if handled:
                return
        if key not in st.feed_keys() and key not in st.sources:
            return self._send(404, b"no such feed")
        entries, latest = st.entries(key)
        last_mod = email.utils.formatdate(latest or st.t0, usegmt=True)
        # t0 in the digest: a restarted server (or a second one) never reuses an ETag for other content
        digest = hashlib.sha1(f"{st.t0}|{key}|{fmt}|{len(st.by_key.get(key, []))}|{fault}".encode()).hexdigest()[:16]
        etag = f'W/"{digest}"'
        validators = fault != "nocache"
        if validators:
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            if (inm and inm == etag) or (not inm and ims and ims == last_mod):
                st.stats["feed_304"] += 1
                return self._send(304, headers={"ETag": etag, "Last-Modified": last_mod})
        st.stats["feed_200"] += 1
        self_url = f"{self.server.url}/feeds/{key}.{fmt}"
        site = f"{self.server.url}/"
        title = f"{display_name(key.rsplit('-', 1)[0] if st.split > 1 and '-' in key else key)} - {key}"
        headers = {"ETag": etag, "Last-Modified": last_mod, "Cache-Control": "max-age=0"} if validators else {}
        if fmt == "atom":
            updated = datetime.fromtimestamp(latest or st.t0, tz=UTC)
            return self._send(200, atom(title, site, self_url, entries, updated).encode("utf-8"),
                              "application/atom+xml; charset=utf-8", headers)
        build = datetime.fromtimestamp(latest or st.t0, tz=UTC)
        encoding, http_charset, bom = "utf-8", "utf-8", b""
        if fault == "cp1256":
            encoding = http_charset = "windows-1256"
        elif fault == "iso-8859-6":
            encoding = http_charset = "iso-8859-6"
        text = rss(title, site, self_url, entries, encoding=encoding, last_build=build)
        if fault == "cp1256-undeclared":
            text = text.replace(' encoding="utf-8"', "")
            body, ctype = text.encode("windows-1256", errors="replace"), "application/rss+xml"
        elif fault in ("cp1256", "iso-8859-6"):
            body, ctype = text.encode(encoding, errors="replace"), f"application/rss+xml; charset={http_charset}"
        elif fault == "utf16":
            body, ctype = text.replace(' encoding="utf-8"', ' encoding="utf-16"').encode("utf-16"), "application/rss+xml"
        elif fault == "utf16-nobom":
            body, ctype = text.replace(' encoding="utf-8"', "").encode("utf-16-le"), "application/rss+xml"
        elif fault == "broken":
            # unescaped ampersand, an unclosed element and a truncated tail: a real-world bozo feed
            broken = text.replace("<channel>", "<channel><copyright>A & B</copyright>", 1)
            cut = broken.rfind("</item>")
            body, ctype = (broken[:cut] + "<item><title>unterminated").encode("utf-8"), "application/rss+xml"
        else:
            body, ctype = bom + text.encode("utf-8"), "application/rss+xml; charset=utf-8"
        self._send(200, body, ctype, headers)

    def _apply_fault(self, fault: str) -> bool:
        """Serve an error for ``fault`` and return True, or return False to let rendering apply it."""
        st = self.server.state
        st.stats[f"fault_{fault.split(':')[0]}"] += 1
        if fault.startswith("slow:"):
            time.sleep(float(fault.split(":", 1)[1]))
            return False
        if fault == "500":
            self._send(500, b"internal server error")
            return True
        if fault == "503":
            self._send(503, b"service unavailable", headers={"Retry-After": "1"})
            return True
        if fault.startswith("429"):
            secs = fault.split(":", 1)[1] if ":" in fault else "5"
            self._send(429, b"too many requests", headers={"Retry-After": secs})
            return True
        if fault == "410":
            self._send(410, b"gone")
            return True
        if fault == "404":
            self._send(404, b"not found")
            return True
        if fault.startswith("moved:"):
            target = fault.split(":", 1)[1]
            self._send(301, b"", headers={"Location": f"{self.server.url}/feeds/{target}.rss"})
            return True
        return False

    def _article(self, source: str, docno: str) -> None:
        st = self.server.state
        fault = st.take_fault(f"page:{source}")
        if fault is not None and self._apply_fault(fault):
            return
        rel = st.by_docno.get(docno)
        if rel is None or rel.item.source != source:
            return self._send(404, b"no such article")
        st.stats["article_200"] += 1
        e = st.entry(rel.item)
        related = [st.entry(r.item) for r in st.by_key.get(source, [])[-6:] if r.item.docno != docno][:5]
        charset = "windows-1256" if fault == "cp1256" else "utf-8"
        page = article_html(e, display_name(source), related, charset=charset)
        self._send(200, page.encode(charset, errors="replace"), f"text/html; charset={charset}",
                   {"Last-Modified": email.utils.formatdate(rel.at, usegmt=True)})


class ReplayServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, state: ReplayState, host: str = "127.0.0.1", port: int = 8765, verbose: bool = False) -> None:
        super().__init__((host, port), _Handler)
        self.state = state
        self.verbose = verbose
        self.url = f"http://{host}:{self.server_address[1]}"
        state.base_url = self.url


def make_server(*, host: str = "127.0.0.1", port: int = 8765, corpus: str | Path | None = None,
                rate: float = 0.0, start_released: int | None = None, split: int = 1,
                faults: dict[str, str] | None = None, window: int = 30, verbose: bool = False) -> ReplayServer:
    state = ReplayState(load_corpus(corpus), rate=rate, start_released=start_released, split=split,
                        window=window, faults=dict(faults or {}))
    return ReplayServer(state, host, port, verbose)


@contextmanager
def start_replay_server(port: int = 0, **kwargs: Any) -> Iterator[tuple[str, ReplayServer]]:
    """Run the server in a background thread (tests, benchmarks): ``with start_replay_server() as (url, srv)``."""
    server = make_server(port=port, **kwargs)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield server.url, server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def parse_faults(spec: str | None) -> dict[str, str]:
    """``"bbc=500,cnn=cp1256,page:bbc=slow:2"`` -> dict."""
    out: dict[str, str] = {}
    for part in (spec or "").split(","):
        if "=" in part:
            key, _, value = part.partition("=")
            out[key.strip()] = value.strip()
    return out
