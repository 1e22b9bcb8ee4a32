"""Neutralising a feed's prolog (everything before the root element) before any XML parser sees the bytes.

Feeds have no use for entity declarations, and they are the whole of the "billion laughs" family: a 10 KB
entity referenced 30,000 times is 120 KB on the wire and 300 MB once expanded. expat refuses the worst of
it, but feedparser then retries with its loose parser, re-declaring every "safe" (plain text) entity from
the internal subset, and that parser expands them all (946 MB, 7.7 s in the issue's measurement).

So the prolog is rebuilt, whatever its length (an earlier version looked at the first 64 KB only, and 70 KB
of spaces before the DTD walked past it): the XML declaration stays if it is a plain one, the DOCTYPE keeps
only its name and a plain external identifier (feedparser tells Netscape RSS 0.91 by it; no parser here
loads an external DTD), and everything else goes: the internal subset, stray ``<!ENTITY``/``<!ELEMENT``
declarations, comments, processing instructions and whitespace; text (which makes the document malformed)
is cut to a short sample. References to entities that are no
longer declared are then errors (expat) or literal text (the loose parser), never expansions.

Dropping the whitespace and comments matters on its own: feedparser's ``replace_doctype`` runs
``^\\s*<!ENTITY`` in multiline mode over everything before the first element, which is quadratic in the
number of lines there (300 KB of newlines, 503 bytes gzipped, parsed for 579 s).
"""

from __future__ import annotations

import re
from html.entities import html5
from xml.parsers import expat

# Whatever may sit in a prolog and is dropped whole: whitespace and text, comments, processing
# instructions, and a ``<`` that starts none of them nor an element. One C-level match however long the
# run; an unterminated comment or PI ends the match (and is dealt with below).
_JUNK_RE = re.compile(rb"(?:[^<]+|<!--.*?-->|<\?.*?\?>|<(?![!?\w]))*+", re.DOTALL)
_COMMENT_PI_RE = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.DOTALL)
_TEXT_SAMPLE = 64
_NON_WS_RE = re.compile(rb"[^ \t\r\n]")
_XML_DECL_RE = re.compile(
    rb"""<\?xml\s+version\s*=\s*(["'])1\.[0-9]\1"""
    rb"""(?:\s+encoding\s*=\s*(["'])[A-Za-z][A-Za-z0-9._-]{0,39}\2)?"""
    rb"""(?:\s+standalone\s*=\s*(["'])(?:yes|no)\3)?\s*\?>""")
_LITERAL = rb"""(?:"[^"<>&\r\n]{0,512}"|'[^'<>&\r\n]{0,512}')"""
_DOCTYPE_RE = re.compile(
    rb"<!DOCTYPE\s+([A-Za-z_][\w.:-]{0,100})"
    rb"(?:\s+(?:PUBLIC\s+" + _LITERAL + rb"(?:\s+" + _LITERAL + rb")?|SYSTEM\s+" + _LITERAL + rb"))?\s*>",
    re.IGNORECASE)
_DECL_TOKEN_RE = re.compile(rb"""["'\[\]>]|<!--""")
_LEADING_WS_RE = re.compile(rb"[ \t\r\n]*")
_STANDARD_DECL = b'<?xml version="1.0" encoding="utf-8"?>'
# Declarations and their tokens (quotes, brackets) are walked in Python; real DTDs have hundreds of
# tokens. Past this the prolog is refused rather than walked for seconds.
MAX_PROLOG_TOKENS = 100_000


class PrologRefusedError(ValueError):
    """The feed's prolog is too convoluted to neutralise cheaply (a hostile feed: no real one comes near)."""


def _declaration_end(data: bytes, pos: int, budget: list[int]) -> tuple[int, int | None]:
    """End (exclusive) of the ``<!...>`` declaration starting at ``pos``, and where its ``[`` subset
    opens if it has one. Quotes and comments inside are honoured, so ``]>`` in a string does not end it.
    An unterminated declaration runs to the end of the data. ``budget[0]`` counts tokens down."""
    i, n = pos + 2, len(data)
    depth = 0
    subset: int | None = None
    while i < n:
        m = _DECL_TOKEN_RE.search(data, i)
        if m is None:
            return n, subset
        budget[0] -= 1
        if budget[0] < 0:
            raise PrologRefusedError(f"feed prolog has more than {MAX_PROLOG_TOKENS} declaration tokens")
        i = m.start()
        c = data[i]
        if c in (0x22, 0x27):  # " or '
            close = data.find(bytes([c]), i + 1)
            i = n if close < 0 else close + 1
        elif c == 0x3C:  # <!-- inside the subset
            close = data.find(b"-->", i + 4)
            i = n if close < 0 else close + 3
        elif c == 0x5B:  # [
            if subset is None:
                subset = i
            depth += 1
            i += 1
        elif c == 0x5D:  # ]
            depth -= 1
            i += 1
        elif depth <= 0:  # >
            return i + 1, subset
        else:
            i += 1
    return n, subset


def _plain_doctype(decl: bytes) -> bytes:
    """The DOCTYPE reduced to its name and a plain external identifier (no markup characters in the
    literals: feedparser's own regexes read entity declarations out of anything that looks like one)."""
    m = _DOCTYPE_RE.fullmatch(decl)
    if m:
        return decl
    name = re.match(rb"<!DOCTYPE\s+([A-Za-z_][\w.:-]{0,100})", decl, re.IGNORECASE)
    return b"<!DOCTYPE " + name.group(1) + b">" if name else b""


def strip_dtd(data: bytes) -> tuple[bytes, bool]:
    """``data`` with its prolog rebuilt (see the module doc); the flag says whether a declaration other
    than a plain DOCTYPE (an internal subset, ``<!ENTITY``...) was removed. Only the prolog is touched,
    and the work is linear in its length. Raises ``PrologRefusedError`` on a prolog of absurdly many
    declaration tokens.

    ``data`` must be in an ASCII-compatible encoding (``prepare_feed_bytes`` output is UTF-8)."""
    n = len(data)
    out: list[bytes] = []
    pos = _LEADING_WS_RE.match(data).end()  # type: ignore[union-attr]
    if data.startswith(b"<?xml", pos):
        end = data.find(b"?>", pos)
        end = n if end < 0 else end + 2
        decl = data[pos:end]
        out.append(decl if _XML_DECL_RE.fullmatch(decl) else _STANDARD_DECL)
        pos = end
    changed = False
    doctype: bytes | None = None
    budget = [MAX_PROLOG_TOKENS]
    text_kept = False
    while pos < n:
        start, pos = pos, _JUNK_RE.match(data, pos).end()  # type: ignore[union-attr]
        if not text_kept and pos > start:
            # Text before the root makes the document malformed, and feedparser must still say so
            # (a robots.txt or an error page is not a feed): a short sample of it stays, on one line.
            cleaned = _COMMENT_PI_RE.sub(b"", data[start:pos])
            first = _NON_WS_RE.search(cleaned)
            if first:
                sample = b" ".join(cleaned[first.start():first.start() + _TEXT_SAMPLE].split())
                out.append(sample.decode("utf-8", "ignore").encode("utf-8"))
                text_kept = True
        if pos >= n:
            break
        if data.startswith(b"<!--", pos) or data.startswith(b"<?", pos):
            pos = n  # unterminated comment or PI: it runs to the end, there is no root
            break
        if data.startswith(b"<!", pos):
            end, subset = _declaration_end(data, pos, budget)
            head = data[pos:pos + 9].lower()
            if head == b"<!doctype" and doctype is None:
                original = data[pos:end] if subset is None else data[pos:subset].rstrip() + b">"
                doctype = _plain_doctype(original)
                changed = changed or subset is not None or doctype != original
                if doctype:
                    out.append(doctype)
            else:
                changed = True
            pos = end
            continue
        break  # ``<`` + a name character: the root element
    out.append(data[pos:])
    return b"".join(out), changed


# -- entity references -------------------------------------------------------------------------------------
# With the DTD gone, only XML's five entities are declared: a feed using ``&nbsp;`` (common) or any other
# name is malformed for expat, and feedparser re-parses it with its loose parser, in Python (``&a;`` x 3.5M:
# 13 s, 735 MB). Each such reference is rewritten to what the loose parser made of it: an HTML entity to its
# character references, any other name to its own text (``&amp;name;``); a bare ``&`` (``AT&T``) to
# ``&amp;``. CDATA sections and comments are left alone (no references there).
_REF_RE = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);|#[0-9]{1,10};|#x[0-9A-Fa-f]{1,8};)([^\s&;<>\"'#]{1,64};)?")
_OPAQUE_RE = re.compile(rb"<!\[CDATA\[|<!--")


def _html5_refs() -> dict[bytes, bytes]:
    return {name[:-1].encode(): "".join(f"&#{ord(c)};" for c in text).encode()
            for name, text in html5.items() if name.endswith(";")}


_HTML5_REFS = _html5_refs()
_AMP = b"&amp;"
# Each rewritten reference reaches feedparser as two text events (``&`` and the name), kept as separate
# Python strings until the field ends: ``&a;`` x 3.5M (10 MB) held ~500 MB. No real feed has more than a
# handful of such mistakes; a document with more than this many is refused.
MAX_REFS_AS_TEXT = 20_000


class TooManyBadReferencesError(ValueError):
    """More undeclared entity references (or bare ``&``) than a feed written by mistake would have."""


def neutralise_references(data: bytes) -> tuple[bytes, int]:
    """``data`` with every entity reference expat would refuse rewritten (see above); returns the bytes and
    how many were rewritten that are not HTML entities (text the feed got wrong). Raises
    ``TooManyBadReferencesError`` past ``MAX_REFS_AS_TEXT`` of those. Linear: one C-level
    substitution per stretch between CDATA sections/comments, and those are skipped with ``find``."""
    if b"&" not in data:
        return data, 0
    unknown = 0

    def fix(m: re.Match[bytes]) -> bytes:
        nonlocal unknown
        name = m.group(1)
        if name is not None and (refs := _HTML5_REFS.get(name[:-1])) is not None:
            return refs
        unknown += 1
        if unknown > MAX_REFS_AS_TEXT:
            raise TooManyBadReferencesError(
                f"more than {MAX_REFS_AS_TEXT:,} undeclared entity references or bare '&'")
        return _AMP + name if name else _AMP

    out: list[bytes] = []
    pos, n = 0, len(data)
    while pos < n:
        m = _OPAQUE_RE.search(data, pos)
        stop = n if m is None else m.start()
        out.append(_REF_RE.sub(fix, data[pos:stop]))
        if m is None:
            break
        close = data.find(b"]]>" if m.group() == b"<![CDATA[" else b"-->", m.end())
        pos = n if close < 0 else close + 3
        out.append(data[stop:pos])
    return b"".join(out), unknown


class _TooManyElements(Exception):
    pass


_ITEM_NAMES = frozenset({"item", "entry"})  # RSS and RDF items, Atom entries (local names)


def xml_error(data: bytes, max_elements: int | None = None, max_item_elements: int | None = None) -> str | None:
    """Why expat (the strict parser feedparser tries first, namespaces on) refuses ``data``, or None if it
    reads it. C speed and no tree: ~0.1 s and no memory to speak of for 10 MB.

    With the bounds, a document of more than ``max_elements`` elements, or with an item (entry) of more
    than ``max_item_elements``, is refused too: the parsers after this one build a tree and then feedparser
    walks each item in Python (10 MB of ``<p>x</p>`` in one item: 2.6 million elements, 20 s and 620 MB),
    while a real item holds tens of elements. Counting costs a callback per element, up to the bound."""
    parser = expat.ParserCreate(None, " ")
    if max_elements is not None or max_item_elements is not None:
        total_cap = max_elements if max_elements is not None else float("inf")
        item_cap = max_item_elements if max_item_elements is not None else float("inf")
        depth = [0, 0, 0, 0]  # depth now, elements so far, depth of the open item (0: none), its elements

        def start(name: str, _attrs: object) -> None:
            depth[0] += 1
            depth[1] += 1
            if depth[1] > total_cap:
                raise _TooManyElements(f"more than {max_elements:,} elements")
            if depth[2]:
                depth[3] += 1
                if depth[3] > item_cap:
                    raise _TooManyElements(f"an item of more than {max_item_elements:,} elements")
            elif name.rsplit(" ", 1)[-1] in _ITEM_NAMES:
                depth[2], depth[3] = depth[0], 0

        def end(_name: str) -> None:
            if depth[2] == depth[0]:
                depth[2] = 0
            depth[0] -= 1

        parser.StartElementHandler = start
        parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as err:
        return str(err)
    except _TooManyElements as err:
        return str(err)
    return None
