"""Readable highlights for Arabic search results, computed in Python.

The index matches on analysed copies of the text (``title_ar``/``body_ar``: folded, clitic-stripped,
stemmed tokens), so an Elasticsearch highlighter on those fields would return stems, not prose. Instead:

1. :func:`query_terms` collects what a compiled query looks for (skipping ``must_not`` branches: an
   excluded word is not what the user is looking at): analysed words, prefixes and phrases of the text
   fields, and analysed names of the entity/place fields;
2. :class:`Marker` tokenises the original ``title``/``body``, analyses each word the same way the index
   did and marks the words whose analysed form is a query term (phrases only where they occur in
   sequence), and the words whose folded surface form is an ``exact:`` term (only the forms the query
   matched: ``exact:سجون`` marks "سجون", not "السجن"); :func:`entity_spans` marks the mentions (by the chain's offsets) of entities whose names
   the query asked for, so ``entity:قسد`` lights up "قوات سوريا الديمقراطية";
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

from worker.query.analysis import analyze, analyze_exact

# Words (letters with Arabic marks/tatweel inside) and numbers, as the chain's tokenizer sees them.
_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d"
WORD_RE = re.compile(rf"[^\W\d_](?:[^\W\d_]|[{_MARKS}])*|\d+(?:[.,\u066b\u066c]\d+)*")

# Query clauses whose field/value pairs carry text to look for.
_TEXT_CLAUSES = ("match", "match_phrase", "match_phrase_prefix", "term", "terms", "match_bool_prefix")
_PREFIX_CLAUSES = ("prefix", "wildcard")


def is_text_field(name: str) -> bool:
    """Fields holding analysed tokens of the prose: ``title_ar``, ``body_ar`` (and their raw forms)."""
    base = name.split(".", 1)[0]
    return base.endswith("_ar") or base in ("title", "body", "text", "summary", "keyword_keys")


def is_exact_field(name: str) -> bool:
    """Folded surface forms of the prose (``title_exact``, ``body_exact``: the ``exact:`` query field)."""
    return name.split(".", 1)[0].endswith("_exact")


def is_name_field(name: str) -> bool:
    """Analysed entity/place names (``entity_keys``, ``place_keys``): matched against entity mentions."""
    return name.split(".", 1)[0] in ("entity_keys", "place_keys")


@dataclass
class QueryTerms:
    terms: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    # Multi-token phrases: marked only where the tokens occur in sequence, so "الأمم المتحدة" does not
    # light up "المتحدة" in "الولايات المتحدة".
    phrases: set[tuple[str, ...]] = field(default_factory=set)
    # Token sequences asked of entity/place names (``entity:"الجيش السوري"`` -> ("جيش", "سوري")).
    names: set[tuple[str, ...]] = field(default_factory=set)
    # ``exact:`` terms, prefixes and phrases: folded surface forms (``analyze_exact``), compared with a word's
    # surface form, so only what the query matched is marked
    exact_terms: set[str] = field(default_factory=set)
    exact_prefixes: set[str] = field(default_factory=set)
    exact_phrases: set[tuple[str, ...]] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(
            self.terms or self.prefixes or self.phrases or self.exact_terms or self.exact_prefixes
            or self.exact_phrases
        )


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
                    if is_name_field(fld):
                        out.names.update(tuple(t.split()) for t in _value_text(val) if t.strip())
                    elif is_exact_field(fld):
                        # ``exact:`` holds folded surface forms: compared with each word's surface form
                        for text in _value_text(val):
                            tokens = tuple(t for w in text.split() for t in _exact_terms(w))
                            if key.startswith("match_phrase") and len(tokens) > 1:
                                out.exact_phrases.add(tokens)
                            else:
                                out.exact_terms.update(tokens)
                    elif is_text_field(fld):
                        for text in _value_text(val):
                            tokens = tuple(text.split())
                            if key.startswith("match_phrase") and len(tokens) > 1:
                                out.phrases.add(tokens)
                            else:
                                out.terms.update(tokens)
            elif key in _PREFIX_CLAUSES and isinstance(value, dict):
                for fld, val in value.items():
                    if is_text_field(fld) or is_exact_field(fld):
                        for text in _value_text(val):
                            stem = text.rstrip("*?")
                            if stem and "*" not in stem and "?" not in stem:
                                (out.exact_prefixes if is_exact_field(fld) else out.prefixes).add(stem)
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


@lru_cache(maxsize=50_000)
def _exact_terms(word: str) -> tuple[str, ...]:
    return tuple(analyze_exact(word))


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

        # word -> (analysed terms, surface terms, is a hit): news text repeats its words, and one search
        # renders 20 hits x (title + body), so each distinct word is analysed and tested once per search.
        self._seen: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {}
        self._exact = bool(terms.exact_terms or terms.exact_prefixes or terms.exact_phrases)

    def _term_hit(self, term: str) -> bool:
        return term in self.terms.terms or any(term.startswith(p) for p in self.terms.prefixes)

    def _exact_hit(self, term: str) -> bool:
        return term in self.terms.exact_terms or any(term.startswith(p) for p in self.terms.exact_prefixes)

    def _word(self, word: str) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
        got = self._seen.get(word)
        if got is None:
            terms = self._analyze(word)
            surface = _exact_terms(word) if self._exact else ()
            hit = any(self._term_hit(t) for t in terms) or any(self._exact_hit(t) for t in surface)
            got = (terms, surface, hit)
            self._seen[word] = got
        return got

    def spans(self, text: str) -> list[Span]:
        if not self.terms or not text:
            return []
        lookup = self._word
        if not self.terms.phrases and not self.terms.exact_phrases:
            # the common case, and the hot loop of a search page (20 hits x title + body): no token stream
            # is needed, only the words that hit
            return [Span(m.start(), m.end()) for m in WORD_RE.finditer(text) if lookup(m.group())[2]]
        words = [(m.start(), m.end(), *lookup(m.group())) for m in WORD_RE.finditer(text)]
        hit = [w[4] for w in words]
        for column, phrases in ((2, self.terms.phrases), (3, self.terms.exact_phrases)):
            if not phrases:
                continue
            # The analysed (or surface) token stream with, for each token, the word it came from.
            stream: list[tuple[str, int]] = [(t, i) for i, w in enumerate(words) for t in w[column]]
            tokens = [t for t, _ in stream]
            for phrase in phrases:
                n, first = len(phrase), phrase[0]
                for k in range(len(tokens) - n + 1):
                    if tokens[k] == first and tuple(tokens[k : k + n]) == phrase:
                        for _, wi in stream[k : k + n]:
                            hit[wi] = True
        return [Span(w[0], w[1]) for w, h in zip(words, hit, strict=True) if h]


def _contains(seq: tuple[str, ...], sub: tuple[str, ...]) -> bool:
    n = len(sub)
    return any(seq[i : i + n] == sub for i in range(len(seq) - n + 1))


def entity_spans(
    entities: Iterable[dict[str, Any]], names: set[tuple[str, ...]], text_field: str
) -> list[Span]:
    """Mentions in ``text_field`` of entities whose canonical name, surface form or gazetteer name
    contains one of ``names`` as a token sequence (the test ``entity_keys``/``place_keys`` apply)."""
    if not names:
        return []
    out: list[Span] = []
    for ent in entities:
        if (ent.get("field") or "body") != text_field:
            continue
        start, end = ent.get("start"), ent.get("end")
        if not isinstance(start, int) or not isinstance(end, int) or end <= start:
            continue
        forms = [ent.get("canonical"), ent.get("text"), (ent.get("place") or {}).get("name_en")]
        analysed = [tuple(_word_terms_text(f)) for f in forms if f]
        if any(_contains(a, name) for a in analysed for name in names):
            out.append(Span(start, end))
    return out


def _word_terms_text(text: str) -> list[str]:
    return _as_terms(_default_analyzer()(text))


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sorted, non-overlapping spans (overlapping or touching ones joined)."""
    out: list[Span] = []
    for sp in sorted(spans, key=lambda x: (x.start, x.end)):
        if out and sp.start <= out[-1].end:
            if sp.end > out[-1].end:
                out[-1] = Span(out[-1].start, sp.end)
        else:
            out.append(sp)
    return out


_WS_RE = re.compile(r"\s+")


def render(text: str, spans: list[Span], start: int = 0, end: int | None = None, flat: bool = False) -> str:
    """``text[start:end]`` as HTML: escaped, with ``<mark>`` around each span inside the range.

    ``spans`` must be sorted and non-overlapping (see :func:`merge`). ``flat`` collapses whitespace runs
    (newlines read badly in a one-line snippet) after escaping, which cannot create markup.
    """
    end = len(text) if end is None else end

    def esc(piece: str) -> str:
        out = html.escape(piece)
        return _WS_RE.sub(" ", out) if flat else out

    out: list[str] = []
    pos = start
    for sp in spans:
        if sp.end <= start or sp.start >= end:
            continue
        s, e = max(sp.start, start), min(sp.end, end)
        out.append(esc(text[pos:s]))
        out.append("<mark>" + esc(text[s:e]) + "</mark>")
        pos = e
    out.append(esc(text[pos:end]))
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


def snippet(text: str, marker: Marker, width: int = 240, extra: Iterable[Span] = ()) -> str:
    """An HTML snippet of ``text`` around its best-matching passage, ellipsised at cut edges.

    ``extra`` spans (entity mentions, by offsets into ``text``) count as marks like matched words.
    """
    if not text:
        return ""
    spans = merge([*marker.spans(text), *extra])
    start, end = best_window(text, spans, width)
    body = render(text, spans, start, end, flat=True).strip()
    return ("… " if start > 0 else "") + body + (" …" if end < len(text) else "")


def highlight_title(title: str, marker: Marker, extra: Iterable[Span] = ()) -> str:
    return render(title, merge([*marker.spans(title), *extra]))
