"""The query AST: small frozen nodes that both backends (Elasticsearch DSL and the Python matcher) walk.

Leaves already hold *normalised* values (analyzed tokens, lowercased keywords, parsed dates and numbers),
so the backends never re-interpret user text and cannot disagree about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class Node:
    """Base class of AST nodes."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class MatchAll(Node):
    def __str__(self) -> str:
        return "*"


@dataclass(frozen=True, slots=True)
class MatchNone(Node):
    def __str__(self) -> str:
        return "<nothing>"


@dataclass(frozen=True, slots=True)
class And(Node):
    children: tuple[Node, ...]

    def __str__(self) -> str:
        return "(" + " AND ".join(map(str, self.children)) + ")"


@dataclass(frozen=True, slots=True)
class Or(Node):
    children: tuple[Node, ...]

    def __str__(self) -> str:
        return "(" + " OR ".join(map(str, self.children)) + ")"


@dataclass(frozen=True, slots=True)
class Not(Node):
    child: Node

    def __str__(self) -> str:
        return f"NOT {self.child}"


@dataclass(frozen=True, slots=True)
class Tokens(Node):
    """Analyzed tokens in one of ``fields`` (token fields); one token is a term, several a phrase."""

    fields: tuple[str, ...]
    tokens: tuple[str, ...]

    def __str__(self) -> str:
        text = " ".join(self.tokens)
        return f'{"|".join(self.fields)}:"{text}"' if len(self.tokens) > 1 else f'{"|".join(self.fields)}:{text}'


@dataclass(frozen=True, slots=True)
class Prefix(Node):
    """A token (token fields) or value (keyword fields) starting with ``prefix`` in one of ``fields``."""

    fields: tuple[str, ...]
    prefix: str

    def __str__(self) -> str:
        return f'{"|".join(self.fields)}:{self.prefix}*'


@dataclass(frozen=True, slots=True)
class Keyword(Node):
    """An exact keyword value."""

    field: str
    value: str

    def __str__(self) -> str:
        return f"{self.field}={self.value}"


# What separates the words of a keyword value for ``KeywordWords`` ("bbc arabic", "asharq al-awsat").
WORD_SEPARATORS = " -._/"


@dataclass(frozen=True, slots=True)
class KeywordWords(Node):
    """A keyword value that is ``value`` or contains it as a run of whole words (``WORD_SEPARATORS``):
    ``bbc`` and ``bbc arabic`` are in "bbc arabic", ``bb`` and ``c arabic`` are not."""

    field: str
    value: str

    def __str__(self) -> str:
        return f"{self.field}~={self.value}"


@dataclass(frozen=True, slots=True)
class IntRange(Node):
    """``gte <= value <= lte`` on an integer field; None is unbounded."""

    field: str
    gte: int | None
    lte: int | None

    def __str__(self) -> str:
        return f"{self.field}:[{'*' if self.gte is None else self.gte} TO {'*' if self.lte is None else self.lte}]"


@dataclass(frozen=True, slots=True)
class DateRange(Node):
    """``gte <= value < lt`` on a date field (aware UTC datetimes, millisecond precision); None is open."""

    field: str
    gte: datetime | None
    lt: datetime | None

    def __str__(self) -> str:
        lo = self.gte.isoformat() if self.gte else "*"
        hi = self.lt.isoformat() if self.lt else "*"
        return f"{self.field}:[{lo} TO {hi})"


@dataclass(frozen=True, slots=True)
class Exists(Node):
    field: str

    def __str__(self) -> str:
        return f"{self.field}:*"


def simplify(node: Node) -> Node:
    """Flatten nested And/Or, drop neutral elements, fold constants (MatchAll/MatchNone), drop NOT NOT."""
    if isinstance(node, And | Or):
        kids: list[Node] = []
        for child in node.children:
            c = simplify(child)
            if type(c) is type(node):
                kids.extend(c.children)  # type: ignore[attr-defined]
            else:
                kids.append(c)
        absorbing, neutral = (MatchNone, MatchAll) if isinstance(node, And) else (MatchAll, MatchNone)
        if any(isinstance(k, absorbing) for k in kids):
            return absorbing()
        kids = [k for k in kids if not isinstance(k, neutral)]
        deduped = list(dict.fromkeys(kids))
        if not deduped:
            return neutral()
        if len(deduped) == 1:
            return deduped[0]
        return type(node)(tuple(deduped))
    if isinstance(node, Not):
        c = simplify(node.child)
        if isinstance(c, Not):
            return c.child
        if isinstance(c, MatchAll):
            return MatchNone()
        if isinstance(c, MatchNone):
            return MatchAll()
        return Not(c)
    return node
