"""AST -> a Python predicate over ``index_view`` output, with the same semantics as ``to_es``.

``ViewContext`` wraps one view and lazily builds what predicates need (token sets, the padded token
string that phrases and prefixes are searched in, keyword sets, the parsed date). Build it once per article and pass it to every rule: that
is what keeps matching thousands of rules cheap.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from worker.query.ast import (
    WORD_SEPARATORS,
    And,
    DateRange,
    Exists,
    IntRange,
    Keyword,
    KeywordWords,
    MatchAll,
    MatchNone,
    Node,
    Not,
    Or,
    Prefix,
    Tokens,
)
from worker.query.fields import TOKEN_FIELDS

__all__ = ["ViewContext", "compile_matcher", "Predicate", "source_matches"]

Predicate = Callable[["ViewContext"], bool]
_TOKEN_FIELDS = frozenset(TOKEN_FIELDS)


class ViewContext:
    """One document view prepared for matching. Cheap to create; every index is built on first use."""

    __slots__ = ("view", "_padded", "_sets", "_kw", "_dates", "haystack_cache", "haystack_fields")

    def __init__(self, view: dict[str, Any]) -> None:
        self.view = view
        self._padded: dict[str, str] = {}
        self._sets: dict[str | tuple[str, ...], frozenset[str]] = {}
        self._kw: dict[str, frozenset[str]] = {}
        self._dates: dict[str, datetime | None] = {}
        self.haystack_cache: str | None = None  # used by the prefilter
        self.haystack_fields: frozenset[str] | None = None

    @classmethod
    def of(cls, view_or_ctx: dict[str, Any] | ViewContext) -> ViewContext:
        return view_or_ctx if isinstance(view_or_ctx, ViewContext) else cls(view_or_ctx)

    # -- token fields (analyzed, space-joined strings or lists of them) --

    def padded(self, field: str) -> str:
        """The field's tokens as ``" t1 t2 \\n t3 "``: one space between tokens, `` \\n `` between the values
        of an array field, a space at both ends. A phrase ``a b`` occurs iff ``" a b "`` is a substring
        (tokens never contain whitespace, so a phrase cannot span two values), a prefix ``p`` iff ``" p"``
        is. Substring search runs in C: no per-document position index is needed."""
        got = self._padded.get(field)
        if got is None:
            raw = self.view.get(field)
            if isinstance(raw, str):
                vals = [raw] if raw else []
            elif raw is None:
                vals = []
            else:
                vals = [v for v in raw if isinstance(v, str) and v]
            got = " " + " \n ".join(" ".join(v.split()) for v in vals) + " " if vals else ""
            self._padded[field] = got
        return got

    def tokens(self, field: str) -> frozenset[str]:
        got = self._sets.get(field)
        if got is None:
            got = frozenset(self.padded(field).split())
            self._sets[field] = got
        return got

    def tokens_in(self, fields: tuple[str, ...]) -> frozenset[str]:
        """Union of the token sets of ``fields`` (cached per tuple: the default title+body pair is common)."""
        got = self._sets.get(fields)
        if got is None:
            got = frozenset().union(*(self.tokens(f) for f in fields))
            self._sets[fields] = got
        return got

    # -- keyword, numeric and date fields --

    def keywords(self, field: str) -> frozenset[str]:
        got = self._kw.get(field)
        if got is None:
            raw = self.view.get(field)
            if raw is None:
                got = frozenset()
            elif isinstance(raw, str):
                got = frozenset((raw,))
            else:
                got = frozenset(str(v) for v in raw if v is not None)
            self._kw[field] = got
        return got

    def integer(self, field: str) -> int | None:
        raw = self.view.get(field)
        return raw if isinstance(raw, int) and not isinstance(raw, bool) else None

    def date(self, field: str) -> datetime | None:
        if field in self._dates:
            return self._dates[field]
        raw = self.view.get(field)
        dt: datetime | None = None
        if isinstance(raw, datetime):
            dt = raw
        elif isinstance(raw, str) and raw:
            try:
                dt = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                dt = None
        if dt is not None:
            dt = (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)
            dt = dt.replace(microsecond=dt.microsecond // 1000 * 1000)  # Elasticsearch keeps milliseconds
        self._dates[field] = dt
        return dt

    def exists(self, field: str) -> bool:
        raw = self.view.get(field)
        if raw is None:
            return False
        if isinstance(raw, list):
            return any(v is not None for v in raw)
        return True


_SEP = "[" + re.escape(WORD_SEPARATORS) + "]"


@lru_cache(maxsize=1024)
def _words_re(value: str) -> re.Pattern[str]:
    # cached: an alert's --source filter asks for the same few values on every article matched
    return re.compile(f"(?:^|{_SEP}){re.escape(value)}(?:{_SEP}|\\Z)")


def source_matches(value: str, source: str | None, feed_id: str | None = None) -> bool:
    """``source:value`` for one document's ``source`` and ``feed_id``, without a query: the value (any case,
    spacing collapsed) is the whole name, a run of whole words of it, or the feed id. For filters that take
    source names outside the query language (an alert's ``--source``), so they read "bbc" the same way."""
    val = " ".join(value.split()).lower()
    if not val:
        return False
    return bool(_words_re(val).search((source or "").lower())) or val == (feed_id or "").lower()


def compile_matcher(node: Node) -> Predicate:
    """A predicate ``f(ctx) -> bool`` equivalent to ``to_es(node)`` over the same view."""
    if isinstance(node, MatchAll):
        return lambda ctx: True
    if isinstance(node, MatchNone):
        return lambda ctx: False
    if isinstance(node, Tokens):
        fields, toks = node.fields, node.tokens
        if len(toks) == 1:
            tok = toks[0]
            if len(fields) == 1:
                only = fields[0]
                return lambda ctx: tok in ctx.tokens(only)
            return lambda ctx: tok in ctx.tokens_in(fields)
        needle = " " + " ".join(toks) + " "
        distinct = frozenset(toks)

        def phrase(ctx: ViewContext) -> bool:
            # cheap set test first; the substring search only when every token is there
            return distinct <= ctx.tokens_in(fields) and any(needle in ctx.padded(f) for f in fields)

        return phrase
    if isinstance(node, Prefix):
        fields, pre = node.fields, node.prefix
        token_fields = tuple(f for f in fields if f in _TOKEN_FIELDS)
        kw_fields = tuple(f for f in fields if f not in _TOKEN_FIELDS)
        needle = " " + pre

        def prefix(ctx: ViewContext) -> bool:
            return any(needle in ctx.padded(f) for f in token_fields) or any(
                v.startswith(pre) for f in kw_fields for v in ctx.keywords(f)
            )

        return prefix
    if isinstance(node, Keyword):
        field, value = node.field, node.value
        return lambda ctx: value in ctx.keywords(field)
    if isinstance(node, KeywordWords):
        field, words = node.field, _words_re(node.value)
        return lambda ctx: any(words.search(v) for v in ctx.keywords(field))
    if isinstance(node, IntRange):
        field, lo, hi = node.field, node.gte, node.lte

        def in_range(ctx: ViewContext) -> bool:
            v = ctx.integer(field)
            return v is not None and (lo is None or v >= lo) and (hi is None or v <= hi)

        return in_range
    if isinstance(node, DateRange):
        field, dlo, dhi = node.field, node.gte, node.lt

        def in_dates(ctx: ViewContext) -> bool:
            v = ctx.date(field)
            return v is not None and (dlo is None or v >= dlo) and (dhi is None or v < dhi)

        return in_dates
    if isinstance(node, Exists):
        field = node.field
        return lambda ctx: ctx.exists(field)
    if isinstance(node, Not):
        inner = compile_matcher(node.child)
        return lambda ctx: not inner(ctx)
    if isinstance(node, And | Or):
        # cheap clauses first (order never changes the result); small arities unrolled: this runs for
        # every candidate rule of every article
        kids = [compile_matcher(c) for c in node.children]
        ks = [k for _, k in sorted(zip(map(_cost, node.children), kids, strict=True), key=lambda p: p[0])]
        if isinstance(node, And):
            if len(ks) == 2:
                a, b = ks
                return lambda ctx: a(ctx) and b(ctx)
            if len(ks) == 3:
                a, b, c = ks
                return lambda ctx: a(ctx) and b(ctx) and c(ctx)
            return lambda ctx: all(k(ctx) for k in ks)
        if len(ks) == 2:
            a, b = ks
            return lambda ctx: a(ctx) or b(ctx)
        if len(ks) == 3:
            a, b, c = ks
            return lambda ctx: a(ctx) or b(ctx) or c(ctx)
        return lambda ctx: any(k(ctx) for k in ks)
    raise TypeError(f"no matcher for {type(node).__name__}")  # pragma: no cover


def _cost(node: Node) -> int:
    """Rough evaluation cost, to try cheap clauses first (order never changes the result)."""
    if isinstance(node, Keyword | IntRange | Exists | MatchAll | MatchNone):
        return 0
    if isinstance(node, KeywordWords):
        return 1
    if isinstance(node, DateRange):
        return 1
    if isinstance(node, Tokens):
        return 2 if len(node.tokens) == 1 else 5
    if isinstance(node, Prefix):
        return 4
    if isinstance(node, Not):
        return _cost(node.child) + 1
    if isinstance(node, And | Or):
        return 3 + sum(_cost(c) for c in node.children)
    return 10
