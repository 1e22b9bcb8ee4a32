"""A local HTTP server of hostile feeds and pages (issue 15), for the hostile-input tests and for
measuring a poll's peak memory by hand::

    python -m tests.hostile_server 8799        # then register http://127.0.0.1:8799/feed/<name>

Every attack is a path; ``PATHS`` lists them with what they do. Bombs inflate to ``bomb_mb`` MiB (1 GiB
by default, as in the issue; the tests use less to build faster).
"""

from __future__ import annotations

import gzip
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MB = 1024 * 1024


@lru_cache(maxsize=8)
def gzip_bomb(inflated_mb: int) -> bytes:
    """One gzip member inflating to ``inflated_mb`` MiB of zeros (about 1/1000 of that on the wire; 1 GiB
    takes ~8 s to build, so it is built once per process). One member, because a decoder that stops at
    the first member (httpx's) would make a concatenation of small members look harmless."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * MB
    parts = [comp.compress(zeros) for _ in range(inflated_mb)]
    parts.append(comp.flush())
    return b"".join(parts)


@lru_cache(maxsize=8)
def double_gzip_bomb(inflated_mb: int) -> bytes:
    """``Content-Encoding: gzip, gzip``: a gzip bomb gzipped again (1 GiB -> about 2 KB)."""
    return gzip.compress(gzip_bomb(inflated_mb), 9)


def rss(items: str, *, prolog: str = "", channel_extra: str = "", port: int = 0) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>{prolog}<rss version="2.0"><channel><title>hostile</title>'
            f"<link>http://127.0.0.1:{port}/</link>{channel_extra}{items}</channel></rss>").encode()


def item(n: int | str, port: int, title: str = "خبر", desc: str = "نص الخبر", path: str = "page/ok") -> str:
    return (f"<item><title>{title} {n}</title><link>http://127.0.0.1:{port}/{path}?n={n}</link>"
            f"<guid>http://127.0.0.1:{port}/{path}?n={n}</guid><description>{desc}</description></item>")


def entity_bomb(port: int, entity_kb: int = 10, uses: int = 30_000) -> bytes:
    """One ``entity_kb`` KB entity referenced ``uses`` times (the issue's 120 KB feed: 300 MB expanded)."""
    prolog = f'<!DOCTYPE rss [<!ENTITY big "{"ب" * (entity_kb * 512)}">]>'
    return rss(item(1, port, desc="&big;" * uses), prolog=prolog, port=port)


def billion_laughs(port: int) -> bytes:
    levels = ['<!ENTITY l0 "lol">'] + [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)]
    return rss(item(1, port, title="&l9;"), prolog=f"<!DOCTYPE rss [{''.join(levels)}]>", port=port)


PATHS = {
    "/feed/double-gzip": "feed, Content-Encoding: gzip, gzip, 1 GiB inflated",
    "/feed/gzip-bomb": "feed, one gzip layer, 1 GiB inflated from 1 MB",
    "/feed/entity-bomb": "feed with a 10 KB entity used 30,000 times",
    "/feed/billion-laughs": "the classic nested-entity bomb",
    "/feed/ttl-inf": "<ttl>inf</ttl>",
    "/feed/ttl-huge": "<ttl>1e309</ttl>, Cache-Control max-age of 10,000 digits",
    "/feed/retry-after": "429 with Retry-After: 99999999999999",
    "/feed/error-bomb": "500 with a gzip bomb as the error body",
    "/feed/drip": "200, then one byte every 0.2 s, forever",
    "/page/slow-headers": "a status line, then one header line every 0.2 s, the headers never ending",
    "/page/to-slow-headers": "302 to /page/slow-headers",
    "/feed/punycode": "640 KB feed declaring charset=punycode",
    "/feed/many-items": "40,000 items (7 MB)",
    "/feed/600-items": "600 ordinary items: more new ones than one poll takes",
    "/feed/huge-fields": "a 2 MB title and a 3 MB link",
    "/feed/inline-pages": "an ordinary feed whose item pages are double-gzip bombs",
    "/feed/ok": "an ordinary feed",
    "/page/double-gzip": "article page, Content-Encoding: gzip, gzip",
    "/page/punycode": "640 KB page declaring charset=punycode",
    "/robots.txt": "robots.txt, a double-gzip bomb",
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    bomb_mb = 1024

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, ctype: str = "application/rss+xml; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self) -> None:  # noqa: N802, C901 - one branch per attack reads best here
        port = self.server.server_address[1]
        path = self.path.split("?", 1)[0]
        mb = type(self).bomb_mb
        if path == "/feed/double-gzip":
            self._send(200, double_gzip_bomb(mb), headers={"Content-Encoding": "gzip, gzip"})
        elif path == "/feed/gzip-bomb":
            self._send(200, gzip_bomb(mb), headers={"Content-Encoding": "gzip"})
        elif path == "/feed/entity-bomb":
            self._send(200, entity_bomb(port))
        elif path == "/feed/billion-laughs":
            self._send(200, billion_laughs(port))
        elif path == "/feed/ttl-inf":
            self._send(200, rss(item(1, port), channel_extra="<ttl>inf</ttl>", port=port))
        elif path == "/feed/ttl-huge":
            self._send(200, rss(item(1, port), channel_extra="<ttl>1e309</ttl>", port=port),
                       headers={"Cache-Control": "max-age=" + "9" * 10_000})
        elif path == "/feed/retry-after":
            self._send(429, b"slow down", "text/plain", headers={"Retry-After": "99999999999999"})
        elif path == "/feed/error-bomb":
            self._send(500, gzip_bomb(mb), "text/html", headers={"Content-Encoding": "gzip"})
        elif path == "/feed/drip":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            try:
                for _ in range(100_000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.2)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
        elif path == "/page/to-slow-headers":
            self._send(302, b"", "text/plain", headers={"Location": "/page/slow-headers"})
        elif path == "/page/slow-headers":
            # Never trips a per-read timeout: something arrives every 0.2 s, and the headers never end.
            try:
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for n in range(100_000):
                    self.wfile.write(b"X-Slow-%d: x\r\n" % n)
                    self.wfile.flush()
                    time.sleep(0.2)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
        elif path == "/feed/punycode":
            body = rss(item(1, port, desc="a" * 640_000), port=port).replace(b'encoding="utf-8"',
                                                                             b'encoding="punycode"')
            self._send(200, body, "application/rss+xml; charset=punycode")
        elif path == "/feed/many-items":
            self._send(200, rss("".join(item(n, port) for n in range(40_000)), port=port))
        elif path == "/feed/600-items":
            self._send(200, rss("".join(item(n, port) for n in range(600)), port=port))
        elif path == "/feed/huge-fields":
            big = "ع" * MB
            self._send(200, rss(item("huge", port, title=big) + item(2, port, path="x" * (3 * MB)), port=port))
        elif path == "/feed/inline-pages":
            self._send(200, rss(item(1, port, path="page/double-gzip"), port=port))
        elif path == "/feed/ok":
            self._send(200, rss("".join(item(n, port) for n in range(3)), port=port))
        elif path == "/page/double-gzip":
            self._send(200, double_gzip_bomb(mb), "text/html; charset=utf-8",
                       headers={"Content-Encoding": "gzip, gzip"})
        elif path == "/page/punycode":
            self._send(200, b"<html><body><p>" + b"a" * 640_000 + b"</p></body></html>",
                       "text/html; charset=punycode")
        elif path == "/robots.txt":
            self._send(200, double_gzip_bomb(mb), "text/plain", headers={"Content-Encoding": "gzip, gzip"})
        elif path == "/page/ok":
            body = ("<html><head><meta charset=utf-8><title>خبر</title></head><body><article><p>"
                    + "شن مسلحون هجوما على سجن في مدينة الحسكة. " * 20 + "</p></article></body></html>")
            self._send(200, body.encode("utf-8"), "text/html; charset=utf-8")
        else:
            self._send(404, b"not found", "text/plain")


@contextmanager
def hostile_server(bomb_mb: int = 1024) -> Iterator[str]:
    """Serve the attacks on 127.0.0.1 (a free port); yields the base URL."""
    # Build the bombs before serving: built on the first request, they took longer than the client's
    # read timeout on a loaded machine, and the test saw a timeout instead of the attack it meant.
    double_gzip_bomb(bomb_mb)
    handler = type("BoundHandler", (Handler,), {"bomb_mb": bomb_mb})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8799
    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    for p, what in PATHS.items():
        print(f"http://127.0.0.1:{port}{p}  {what}")
    srv.serve_forever()
