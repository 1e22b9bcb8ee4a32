"""How much markup a page carries, counted before any tree is built, and the page's text by a linear scan.

trafilatura's cost grows with the number of elements, not the page's size: 300,000 unclosed
``<p><b><i>x`` (3 MB, 900,000 elements) took 363 s of CPU and 658 MB; the lxml tree alone of a million
``<p>`` is over 1 GB. Real article pages are far smaller (under 1,000 elements in every page of
/work/shared/data/html; very large documentation pages reach ~20,000 per MB). ``count_tags`` counts
what looks like a start tag with a regex scan that stops past its limit, so a page can be judged before
lxml allocates its tree; past the bound, ``plain_text`` gives the page's words without any tree (a
browser-like tag strip: scripts, styles and comments dropped), in one pass over the string.
"""

from __future__ import annotations

import html as htmllib
import re

# Anything a tokenizer could open an element with: ``<`` and a letter. Counts a little more than the tree
# will hold (``<`` in scripts, tags inside comments, ``<link <link`` parsed as one element), never less.
_START_TAG = re.compile(r"<[A-Za-z]")
_RAW_TEXT = ("script", "style", "template", "textarea", "title", "noscript", "iframe", "xmp", "noembed",
             "noframes")
_SKIPPED = frozenset(("script", "style", "template", "noscript", "iframe", "noembed", "noframes"))
_END_TAGS = {name: re.compile("</" + name, re.IGNORECASE) for name in _RAW_TEXT}
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9:-]*)")
_BODY = re.compile(r"<body\b", re.IGNORECASE)
_BLOCK = frozenset(("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "article", "section",
                    "blockquote", "td", "th", "dd", "dt", "pre", "table", "ul", "ol", "header", "footer"))
_SPACES = re.compile(r"[ \t\r\f\v]+")
_LINES = re.compile(r"\s*\n\s*")


def count_tags(html: str, limit: int) -> int:
    """The number of start tags in ``html``, counted up to ``limit + 1`` (the scan stops there)."""
    n = 0
    for _ in _START_TAG.finditer(html):
        n += 1
        if n > limit:
            break
    return n


def plain_text(html: str, max_chars: int) -> str:
    """The text of ``html``'s body with every tag removed: no tree, one pass, at most ``max_chars`` out.

    As a browser tokenizes: a tag runs to the next ``>`` (an unclosed ``<link rel=x <link ...`` head is
    one tag), a comment to ``-->``, a script or style (or any raw-text element) to its end tag; what is
    never closed swallows the rest of the page. Block tags become line breaks, entities are decoded."""
    start = 0
    body = _BODY.search(html)
    if body:
        start = body.start()
    out: list[str] = []
    size = 0
    pos, end = start, len(html)
    while pos < end and size < max_chars:
        lt = html.find("<", pos)
        if lt < 0:
            lt = end
        if lt > pos:
            piece = html[pos:lt]
            if piece.strip():
                out.append(piece)
                size += len(piece)
            else:  # whitespace between tags: one separator, so a million of them cannot fill the quota
                _separate(out, " ")
        if lt >= end:
            break
        if html.startswith("<!--", lt):
            close = html.find("-->", lt + 4)
            pos = end if close < 0 else close + 3
            continue
        gt = html.find(">", lt + 1)
        if gt < 0:
            break
        m = _TAG_NAME.match(html, lt, gt)
        pos = gt + 1
        if not m:
            continue  # <!doctype>, <?xml?>, a stray "<" in the text: dropped
        name = m.group(1).lower()
        closing = html[lt + 1] == "/"
        if not closing and name in _RAW_TEXT:
            close = _find_end_tag(html, name, pos)
            if name not in _SKIPPED and close > pos:  # <title>, <textarea>: their text is text
                out.append(html[pos:close])
            pos = end if close < 0 else html.find(">", close) + 1 or end
            continue
        if name in _BLOCK:
            _separate(out, "\n")
    text = htmllib.unescape("".join(out)[:max_chars * 2])
    text = _LINES.sub("\n", _SPACES.sub(" ", text)).strip()
    return text[:max_chars]


def _separate(out: list[str], sep: str) -> None:
    """Append a separator unless one ends ``out`` already (a run of block tags is one line break)."""
    if out and out[-1] in (" ", "\n"):
        if sep == "\n":
            out[-1] = sep
        return
    out.append(sep)


def _find_end_tag(html: str, name: str, pos: int) -> int:
    """Where ``</name`` starts after ``pos`` (any case), or -1. A raw-text element ends only there."""
    # A literal-prefix regex looks forward once, as far as the match: with the caller moving past it, the
    # whole scan stays linear however many scripts the page opens.
    m = _END_TAGS[name].search(html, pos)
    return m.start() if m else -1
