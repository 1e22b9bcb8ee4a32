"""Content-Encoding decoded by hand, with a running cap on the inflated bytes.

httpx decodes gzip for us, but only hands the size check the *decoded* chunks: a 2 KB body that inflates
to 1 GiB is inflated chunk by chunk into memory faster than a byte counter between chunks can stop it when
the encodings are stacked (``Content-Encoding: gzip, gzip`` decodes the inner layer whole). Here each
``decompress`` call is given ``max_length`` so no call produces more than the bytes still allowed, and
stacked or unknown encodings are refused outright: no feed needs two layers of compression, and we only
advertise gzip and deflate.
"""

from __future__ import annotations

import zlib

from worker.ingest.errors import PermanentFetchError

SUPPORTED = frozenset({"gzip", "x-gzip", "deflate"})
# Real compressions we do not decode (and do not advertise). Any other token ("utf-8", "none", "binary"
# from misconfigured servers) is ignored as httpx does: the body is taken as is, under the same cap.
UNSUPPORTED = frozenset({"br", "zstd", "compress", "x-compress"})


class BodyTooLargeError(PermanentFetchError):
    """The body (after decompression) is larger than the cap for its kind."""


def content_codings(header: str | None) -> list[str]:
    """The compressions named by a Content-Encoding header, outermost last (``identity`` and unknown
    tokens dropped)."""
    tokens = (c.strip().lower() for c in (header or "").split(","))
    return [c for c in tokens if c in SUPPORTED or c in UNSUPPORTED]


class Inflater:
    """Feed raw body chunks, get decoded bytes; raises ``BodyTooLargeError`` past ``cap`` decoded bytes
    (or, with ``truncate``, silently stops at ``cap``: error bodies are only kept for diagnostics)."""

    def __init__(self, content_encoding: str | None, cap: int, *, truncate: bool = False,
                 url: str | None = None) -> None:
        codings = content_codings(content_encoding)
        if len(codings) > 1:
            raise PermanentFetchError(f"stacked content encodings refused: {', '.join(codings)}", url=url)
        if codings and codings[0] not in SUPPORTED:
            raise PermanentFetchError(f"unsupported content encoding {codings[0]!r}", url=url)
        self.coding = codings[0] if codings else None
        self.cap = cap
        self.truncate = truncate
        self.url = url
        self.size = 0
        self.full = False  # truncate mode: the cap was reached, further input is ignored
        self._obj: zlib._Decompress | None = None  # type: ignore[name-defined]
        self._first = True

    def _new_obj(self) -> zlib._Decompress:  # type: ignore[name-defined]
        # 47 = 32 + 15: zlib detects a gzip or zlib header; deflate falls back to raw below.
        return zlib.decompressobj(47 if self.coding in ("gzip", "x-gzip") else 15)

    def _take(self, out: bytes) -> bytes:
        room = self.cap - self.size
        if len(out) > room:
            if not self.truncate:
                raise BodyTooLargeError(f"body exceeds cap of {self.cap} bytes after decompression", url=self.url)
            out = out[:room]
            self.full = True
        self.size += len(out)
        return out

    def feed(self, chunk: bytes) -> bytes:
        if self.full or not chunk:
            return b""
        if self.coding is None:
            return self._take(chunk)
        parts: list[bytes] = []
        data = chunk
        while data and not self.full:
            if self._obj is None:
                self._obj = self._new_obj()
            try:
                # At most one byte more than allowed: enough to know the cap was crossed.
                out = self._obj.decompress(data, self.cap - self.size + 1)
            except zlib.error as err:
                if self.coding == "deflate" and self._first:  # servers that send raw deflate
                    self._first = False
                    self._obj = zlib.decompressobj(-15)
                    continue
                raise PermanentFetchError(f"corrupt {self.coding} body: {err}", url=self.url) from err
            self._first = False
            parts.append(self._take(out))
            if self._obj.unconsumed_tail:
                data = self._obj.unconsumed_tail
            elif self._obj.eof and self._obj.unused_data:
                data = self._obj.unused_data  # another gzip member follows (legal, rare)
                self._obj = None
            else:
                data = b""
        return b"".join(parts)

    def flush(self) -> bytes:
        if self._obj is None or self.full:
            return b""
        return self._take(self._obj.flush(self.cap - self.size + 1))
