"""Neutralising a feed's DTD before any XML parser sees the bytes.

Feeds have no use for entity declarations, and they are the whole of the "billion laughs" family: a 10 KB
entity referenced 30,000 times is 120 KB on the wire and 300 MB once expanded. expat refuses the worst of
it, but feedparser then retries with its loose parser, re-declaring every "safe" (plain text) entity from
the internal subset, and that parser expands them all (946 MB, 7.7 s in the issue's measurement).

So the internal subset (``<!DOCTYPE rss [ ... ]>``) is cut out before parsing, and stray ``<!ENTITY``
declarations in the prolog go too. The DOCTYPE's name and external identifier stay: feedparser tells
Netscape RSS 0.91 by it, and no parser here loads an external DTD. References to entities that are no
longer declared are then errors (expat) or literal text (the loose parser), never expansions.
"""

from __future__ import annotations

import re

_DOCTYPE_RE = re.compile(rb"<!doctype", re.IGNORECASE)
_WS = b" \t\r\n"


def _skip_to(data: bytes, pos: int, marker: bytes) -> int:
    end = data.find(marker, pos)
    return len(data) if end < 0 else end + len(marker)


def _declaration_end(data: bytes, pos: int) -> tuple[int, int | None]:
    """End (exclusive) of the ``<!...>`` declaration starting at ``pos``, and where its ``[`` subset
    opens if it has one. Quotes and comments inside are honoured, so ``]>`` in a string does not end it.
    An unterminated declaration runs to the end of the data."""
    i, n = pos + 2, len(data)
    depth = 0
    subset: int | None = None
    while i < n:
        c = data[i]
        if c in (0x22, 0x27):  # " or '
            close = data.find(bytes([c]), i + 1)
            i = n if close < 0 else close + 1
            continue
        if data.startswith(b"<!--", i):
            i = _skip_to(data, i + 4, b"-->")
            continue
        if c == 0x5B:  # [
            if subset is None:
                subset = i
            depth += 1
        elif c == 0x5D:  # ]
            depth -= 1
        elif c == 0x3E and depth <= 0:  # >
            return i + 1, subset
        i += 1
    return n, subset


def strip_dtd(data: bytes) -> tuple[bytes, bool]:
    """``data`` with the DOCTYPE's internal subset and any prolog ``<!ENTITY``/``<!ELEMENT``... removed;
    the flag says whether anything was. Only the prolog (before the root element) is touched.

    ``data`` must be in an ASCII-compatible encoding (``prepare_feed_bytes`` output is UTF-8)."""
    if b"<!" not in data[:65536] and not _DOCTYPE_RE.search(data[:65536]):
        return data, False  # the common case: no declaration at all near the top
    out: list[bytes] = []
    pos, n, changed = 0, len(data), False
    while pos < n:
        start = pos
        while pos < n and data[pos] in _WS:
            pos += 1
        if data.startswith(b"<?", pos):
            pos = _skip_to(data, pos + 2, b"?>")
        elif data.startswith(b"<!--", pos):
            pos = _skip_to(data, pos + 4, b"-->")
        elif data.startswith(b"<!", pos):
            end, subset = _declaration_end(data, pos)
            out.append(data[start:pos])
            if data[pos:pos + 9].lower() == b"<!doctype" and subset is None:
                out.append(data[pos:end])  # a plain DOCTYPE (name + external id) is harmless
            else:
                changed = True
                if data[pos:pos + 9].lower() == b"<!doctype" and subset is not None:
                    out.append(data[pos:subset].rstrip() + b">")
            pos = end
            continue
        else:
            break  # the root element (or text): the prolog is over
        out.append(data[start:pos])
    if not changed:
        return data, False
    out.append(data[pos:])
    return b"".join(out), True
