"""AST -> Elasticsearch query DSL over the fields of ``worker.query.fields.index_view``.

Token fields hold pre-analyzed tokens (``whitespace`` analyzer), so a single token is a ``term`` query and
several are a ``match_phrase`` with the whitespace analyzer (positions must be consecutive; values of an
array field are 100 positions apart, so a phrase never spans two entity names).
"""

from __future__ import annotations

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
from worker.query.dates import ES_DATE_FORMAT, iso_ms

__all__ = ["to_es", "words_regexp"]


_SEP_CLASS = "[" + "".join("\\" + c for c in WORD_SEPARATORS) + "]"


def _escape_regexp(text: str) -> str:
    """Every character but letters and digits escaped: Lucene reads a backslash-escaped character literally."""
    return "".join(c if c.isalnum() else "\\" + c for c in text)


def words_regexp(value: str) -> str:
    """The Lucene regular expression (anchored, like all of them) for ``KeywordWords``: ``value`` alone, or
    with a separator and anything on either side."""
    return f"(.*{_SEP_CLASS})?{_escape_regexp(value)}({_SEP_CLASS}.*)?"


def _any(queries: list[dict[str, Any]]) -> dict[str, Any]:
    if len(queries) == 1:
        return queries[0]
    return {"bool": {"should": queries, "minimum_should_match": 1}}


def source_filter(values: list[str]) -> dict[str, Any]:
    """The clause ``source:v1 OR source:v2 ...`` compiles to, for source names given outside the query
    language (an alert's ``--source``): the same reading as :func:`worker.query.matcher.source_matches`."""
    vals = [" ".join(v.split()).lower() for v in values]
    return _any([to_es(Or((KeywordWords("source_key", v), Keyword("feed_id", v)))) for v in vals if v]
                or [{"match_none": {}}])


def to_es(node: Node) -> dict[str, Any]:
    """The query DSL for ``node`` (scores come from the text clauses; filters are in filter context)."""
    if isinstance(node, MatchAll):
        return {"match_all": {}}
    if isinstance(node, MatchNone):
        return {"match_none": {}}
    if isinstance(node, Tokens):
        if len(node.tokens) == 1:
            return _any([{"term": {f: {"value": node.tokens[0]}}} for f in node.fields])
        phrase = " ".join(node.tokens)
        return _any([{"match_phrase": {f: {"query": phrase, "analyzer": "whitespace"}}} for f in node.fields])
    if isinstance(node, Prefix):
        return _any([{"prefix": {f: {"value": node.prefix}}} for f in node.fields])
    if isinstance(node, Keyword):
        return {"term": {node.field: {"value": node.value}}}
    if isinstance(node, KeywordWords):
        return {"regexp": {node.field: {"value": words_regexp(node.value), "flags": "NONE"}}}
    if isinstance(node, IntRange):
        rng: dict[str, Any] = {}
        if node.gte is not None:
            rng["gte"] = node.gte
        if node.lte is not None:
            rng["lte"] = node.lte
        return {"range": {node.field: rng}}
    if isinstance(node, DateRange):
        rng = {"format": ES_DATE_FORMAT}
        if node.gte is not None:
            rng["gte"] = iso_ms(node.gte)
        if node.lt is not None:
            rng["lt"] = iso_ms(node.lt)
        return {"range": {node.field: rng}}
    if isinstance(node, Exists):
        return {"exists": {"field": node.field}}
    if isinstance(node, Not):
        return {"bool": {"must_not": [to_es(node.child)]}}
    if isinstance(node, And):
        must: list[dict[str, Any]] = []
        filt: list[dict[str, Any]] = []
        must_not: list[dict[str, Any]] = []
        for child in node.children:
            if isinstance(child, Not):
                must_not.append(to_es(child.child))
            elif isinstance(child, Keyword | KeywordWords | IntRange | DateRange | Exists):
                filt.append(to_es(child))
            else:
                must.append(to_es(child))
        body: dict[str, Any] = {}
        if must:
            body["must"] = must
        if filt:
            body["filter"] = filt
        if must_not:
            body["must_not"] = must_not
        return {"bool": body}
    if isinstance(node, Or):
        return {"bool": {"should": [to_es(c) for c in node.children], "minimum_should_match": 1}}
    raise TypeError(f"no Elasticsearch translation for {type(node).__name__}")  # pragma: no cover
