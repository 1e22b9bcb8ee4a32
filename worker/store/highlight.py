"""Readable highlights for Arabic search results, computed in Python.

The index matches on analysed copies of the text (``title_ar``/``body_ar``: folded, clitic-stripped,
stemmed tokens), so an Elasticsearch highlighter on those fields would return stems, not prose. Instead:

1. :func:`query_terms` collects the analysed terms that a compiled query looks for in the text fields
   (skipping ``must_not`` branches: an excluded word is not what the user is looking at);
2. :func:`mark_text` tokenises the original ``title``/``body``, analyses each word the same way the index
   did, and marks the words whose analysed form is a query term;
3. :func:`snippet` picks the window with the most marks and renders it as HTML in which *everything* is
   escaped and the only markup is ``<mark>``/``</mark>``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# Words (letters with Arabic marks/tatweel inside) and numbers, as the chain's tokenizer sees them.
_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d"
WORD_RE = re.compile(rf"[^\W\d_](?:[^\W\d_]|[{_MARKS}])*|\d+(?:[.,\u066b\u066c]\d+)*")

# Query clauses whose field/value pairs carry text to look for.
_TEXT_CLAUSES = ("match", "match_phrase", "match_phrase_prefix", "term", "terms", "match_bool_prefix")
_PREFIX_CLAUSES = ("prefix", "wildcard")


def is_text_field(name: str) -> bool:
    """Fields holding analysed tokens that can appear in the prose: the text copies (``title_ar``,
    ``body_ar``) and the analysed names (``entity_keys``, ``place_keys``, ``keyword_keys``), so that
    ``entity:قسد`` also lights up the name where the article mentions it."""
    base = name.split(".", 1)[0]
    return base.endswith(("_ar", "_keys")) or base in ("title", "body", "text", "summary")


@dataclass
class QueryTerms:
    terms: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.terms or self.prefixes)


def _value_text(value: Any) -> list[str]:
    if isinstance(value, dict):
        value = value.get("query", value.get("value", value.get("wildcard")))
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value is not None else []


def query_terms(dsl: Any) -> QueryTerms:
    """Analysed terms (and prefixes) the query looks for in text fields, outside ``must_not``."""
    out = QueryTerms()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key == "must_not":
                continue
            if key in _TEXT_CLAUSES and isinstance(value, dict):
                for fld, val in value.items():
                    if is_text_field(fld):
                        for text in _value_text(val):
                            out.terms.update(text.split())
            elif key in _PREFIX_CLAUSES and isinstance(value, dict):
                for fld, val in value.items():
                    if is_text_field(fld):
                        for text in _value_text(val):
                            stem = text.rstrip("*?")
                            if stem and "*" not in stem and "?" not in stem:
                                out.prefixes.add(stem)
            elif key in ("multi_match", "query_string", "simple_query_string", "combined_fields"):
                if isinstance(value, dict):
                    fields = value.get("fields") or [value.get("default_field", "")]
                    if any(is_text_field(f.split("^")[0]) for f in fields if f):
                        words = re.findall(r"[^\s\"()+\-|*~^]+", str(value.get("query", "")))
                        out.terms.update(w for w in words if w not in ("AND", "OR", "NOT"))
            else:
                walk(value)

    walk(dsl)
    return out


def _default_analyzer() -> Callable[[str], list[str]]:
    from worker.query.analysis import analyze

    return analyze


def _as_terms(tokens: Iterable[Any]) -> list[str]:
    """``analyze`` may return plain strings or token objects; keep only the term text."""
    out: list[str] = []
    for tok in tokens:
        if isinstance(tok, str):
            out.append(tok)
        elif isinstance(tok, tuple | list) and tok:
            out.append(str(tok[0]))
        else:
            out.append(str(getattr(tok, "term", getattr(tok, "text", tok))))
    return out


@lru_cache(maxsize=50_000)
def _word_terms(word: str) -> tuple[str, ...]:
    return tuple(_as_terms(_default_analyzer()(word)))


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


class Marker:
    """Finds the words of a text that match a set of query terms, analysed like the index."""

    def __init__(self, terms: QueryTerms, analyzer: Callable[[str], Iterable[Any]] | None = None):
        self.terms = terms
        if analyzer is None:
            self._analyze: Callable[[str], tuple[str, ...]] = _word_terms
        else:
            self._analyze = lambda w: tuple(_as_terms(analyzer(w)))

    def _hit(self, word: str) -> bool:
        for term in self._analyze(word):
            if term in self.terms.terms:
                return True
            if any(term.startswith(p) for p in self.terms.prefixes):
                return True
        return False

    def spans(self, text: str) -> list[Span]:
        if not self.terms or not text:
            return []
        return [Span(m.start(), m.end()) for m in WORD_RE.finditer(text) if self._hit(m.group())]


def render(text: str, spans: list[Span], start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` as HTML: escaped, with ``<mark>`` around each span inside the range."""
    end = len(text) if end is None else end
    out: list[str] = []
    pos = start
    for sp in spans:
        if sp.end <= start or sp.start >= end:
            continue
        s, e = max(sp.start, start), min(sp.end, end)
        out.append(html.escape(text[pos:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    return "".join(out)


def _snap_left(text: str, i: int) -> int:
    """Move ``i`` left to the start of the word it falls in."""
    while i > 0 and not text[i - 1].isspace():
        i -= 1
    return i


def _snap_right(text: str, i: int) -> int:
    while i < len(text) and not text[i].isspace():
        i += 1
    return i


def best_window(text: str, spans: list[Span], width: int) -> tuple[int, int]:
    """The ``width``-character window (snapped to word edges) that covers the most marked words."""
    if len(text) <= width:
        return 0, len(text)
    if not spans:
        return 0, _snap_right(text, width)
    best_i, best_count, j = 0, 0, 0
    for i, sp in enumerate(spans):
        j = max(j, i)
        while j + 1 < len(spans) and spans[j + 1].end - sp.start <= width:
            j += 1
        if j - i + 1 > best_count:
            best_i, best_count = i, j - i + 1
    first, last = spans[best_i], spans[best_i + best_count - 1]
    slack = max(0, width - (last.end - first.start))
    start = max(0, first.start - slack // 3)  # a little left context, more to the right
    end = min(len(text), start + width)
    return _snap_left(text, start), _snap_right(text, end)


def snippet(text: str, marker: Marker, width: int = 240) -> str:
    """An HTML snippet of ``text`` around its best-matching passage, ellipsised at cut edges."""
    if not text:
        return ""
    flat = " ".join(text.split())  # newlines and runs of spaces read badly in a one-line snippet
    spans = marker.spans(flat)
    start, end = best_window(flat, spans, width)
    body = render(flat, spans, start, end).strip()
    return ("… " if start > 0 else "") + body + (" …" if end < len(flat) else "")


def highlight_title(title: str, marker: Marker) -> str:
    return render(title, marker.spans(title))
