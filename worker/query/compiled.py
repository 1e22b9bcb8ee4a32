"""``compile(q)``: one parse, two backends (Elasticsearch DSL and a Python predicate) and prefilter anchors."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from worker.query.analysis import analyze
from worker.query.ast import (
    And,
    DateRange,
    Exists,
    IntRange,
    Keyword,
    MatchAll,
    MatchNone,
    Node,
    Not,
    Or,
    Prefix,
    Tokens,
)
from worker.query.matcher import Predicate, ViewContext, compile_matcher
from worker.query.parser import parse
from worker.query.to_es import to_es

__all__ = ["Anchor", "CompiledQuery", "compile", "compile_node", "required_terms"]


@dataclass(frozen=True, slots=True)
class Anchor:
    """A term whose presence in a document is necessary for a rule (one of a rule's anchors must hit).

    mode ``exact``: ``value`` is a token of a token field or a value of a keyword field;
    ``prefix``: some token/value starts with ``value``; ``present``: the field has a value (for the
    integer casualty fields: a value > 0).
    """

    field: str
    value: str
    mode: str = "exact"

    def cost(self) -> float:
        """Rough share of articles containing this anchor (lower = more selective); see ``_cost``."""
        if self.mode == "present":
            return _PRESENT_COST.get(self.field, 1.0)
        if self.field in _KEYWORD_COST:
            return _KEYWORD_COST[self.field]
        if self.mode == "prefix":
            return min(1.0, 2.0 / (1 + len(self.value)))
        if self.value in _FUNCTION_TOKENS:
            return 0.95
        return 1.0 / (1 + len(self.value))


# Without corpus statistics, a field-level guess of how many articles carry a value: a source or a language
# is shared by a large slice of the stream, an event type or a casualty count by few, an id by one.
_KEYWORD_COST = {
    "language": 0.9, "entity_types": 0.6, "source_key": 0.4, "countries": 0.3, "event_types": 0.05,
    "story_id": 0.001, "id": 0.001,
}
# Function words are in nearly every article: a phrase such as "في الحسكة" must anchor on its content word.
_FUNCTION_TOKENS = frozenset(
    t
    for w in """في من على إلى أن إن عن التي الذي الذين مع ما لا لم لن قد كان كانت هذا هذه ذلك تلك بين بعد قبل
    حتى كل أي هو هي هم منذ عند خلال أو ثم إذا كما أنه أنها إلا غير لكن وفي وقد وقال قال قالت أيضا فيه فيها
    عليه عليها منه منها به بها له لها يوم عام اليوم the of and in to a on for is""".split()
    for t in analyze(w)
)
_PRESENT_COST = {k: 0.1 for k in ("killed", "injured", "arrested", "kidnapped", "missing", "escaped")}
_PRESENT_COST["casualties_max"] = 0.2


Anchors = frozenset[Anchor] | None  # None: no necessary term known -> always a candidate


def _cost(anchors: frozenset[Anchor]) -> float:
    """Estimated candidate share of an anchor set: the same token in several fields counts once."""
    best: dict[tuple[str, str], float] = {}
    for a in anchors:
        key = (a.mode, a.value) if a.field not in _KEYWORD_COST and a.mode != "present" else (a.field, a.value)
        best[key] = max(best.get(key, 0.0), a.cost())
    return sum(best.values())


def required_terms(node: Node) -> Anchors:
    """Anchors of which at least one is present in every matching document (None = no such set).

    An empty frozenset means the rule can never match.
    """
    if isinstance(node, MatchAll | Not):
        return None
    if isinstance(node, MatchNone):
        return frozenset()
    if isinstance(node, Tokens):
        # every token of a phrase must be present: anchor on the rarest-looking one
        best = min(node.tokens, key=lambda t: Anchor(node.fields[0], t).cost())
        return frozenset(Anchor(f, best) for f in node.fields)
    if isinstance(node, Prefix):
        return frozenset(Anchor(f, node.prefix, "prefix") for f in node.fields)
    if isinstance(node, Keyword):
        return frozenset((Anchor(node.field, node.value),))
    if isinstance(node, IntRange):
        if node.lte is not None and node.lte < 0:
            return frozenset()
        if node.gte is not None and node.gte >= 1:
            return frozenset((Anchor(node.field, "", "present"),))
        return None
    if isinstance(node, DateRange | Exists):
        return frozenset((Anchor(node.field, "", "present"),))
    if isinstance(node, And):
        options = [required_terms(c) for c in node.children]
        if any(o is not None and not o for o in options):
            return frozenset()
        known = [o for o in options if o is not None]
        return min(known, key=_cost) if known else None
    if isinstance(node, Or):
        out: set[Anchor] = set()
        for c in node.children:
            o = required_terms(c)
            if o is None:
                return None
            out |= o
        return frozenset(out)
    return None


@dataclass(frozen=True)
class CompiledQuery:
    """A parsed query ready for both backends.

    ``ast``: the simplified AST; ``es``: Elasticsearch query DSL; ``required_terms``: prefilter anchors
    (None = always a candidate); ``matches(view)``: the Python predicate over ``index_view`` output (or a
    ``ViewContext`` built from it, to share per-article work across many rules).
    """

    source: str
    ast: Node
    _es_json: str = field(repr=False)
    required_terms: Anchors
    _predicate: Predicate = field(repr=False, compare=False)

    @property
    def es(self) -> dict[str, Any]:
        """The Elasticsearch query DSL; a fresh dict on every access, so callers may wrap or edit it
        (compiled queries are cached and shared)."""
        return json.loads(self._es_json)

    def matches(self, view: dict[str, Any] | ViewContext) -> bool:
        return self._predicate(ViewContext.of(view))


def compile_node(node: Node, source: str = "") -> CompiledQuery:
    es_json = json.dumps(to_es(node), ensure_ascii=False)
    return CompiledQuery(source or str(node), node, es_json, required_terms(node), compile_matcher(node))


@lru_cache(maxsize=4096)
def compile(q: str) -> CompiledQuery:  # noqa: A001 - the contract's name
    """Parse and compile ``q``; raises :class:`QuerySyntaxError` only. Cached (the result is immutable;
    ``.es`` returns a fresh dict each time)."""
    return compile_node(parse(q), q)
