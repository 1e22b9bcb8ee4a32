"""Query text -> AST: luqum parses the Lucene syntax, this module gives it our meaning.

Syntax (see also ``worker/query/__init__.py``):

* words and ``"phrases"`` (also «...» and “...”), analyzed like the indexed text (so "وبالسجن" looks for "سجن");
* ``AND`` ``OR`` ``NOT`` (also ``&&`` ``||`` ``!``), ``-term`` / ``+term``, parentheses;
* juxtaposition means AND, with the *lowest* precedence: ``a OR b c`` = ``(a OR b) AND c``;
  explicit ``AND`` binds tighter than ``OR``: ``a AND b OR c`` = ``(a AND b) OR c``;
* trailing ``*`` for a prefix (``سج*``), ``field:*`` for "has a value" (refused on a field every article
  has: ``title:*``, ``story:*``...), a bare ``*`` refused;
* ``field:value`` / ``field:"phrase"`` / ``field:(a OR b)`` for the fields in ``worker.query.fields``;
* ranges on ``date`` and the casualty fields: ``a..b``, ``[a TO b]``, ``{a TO b}``, ``>a``, ``>=a``, ``<a``,
  ``<=a``, ``*`` for an open end. Dates are ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` (a whole period, UTC) or a
  quoted ISO datetime (:mod:`worker.query.dates`, which reads the API's ``from``/``to`` too);
  ``date:2022-01`` is the month, ``date:>2022-01-20`` starts on the 21st.
* boosts (``^2``) are accepted and ignored; fuzzy (``~``), proximity (``"a b"~3``) and regular expressions
  are refused with a message.

A blank query means "everything", and only it (a query that simplifies to everything is refused). A range
that ends before it starts is refused. A term that analyzes to nothing (a lone clitic "و", a single letter,
punctuation) is dropped when other terms remain and refused when nothing else does; an empty value
(``""``, ``place:""``) and an unpaired quote are refused. ``killed:*`` (any casualty field) means a count
above 0 was reported.
"""

from __future__ import annotations

import functools
import re
import threading

from luqum import tree as lt
from luqum.exceptions import IllegalCharacterError, ParseError, ParseSyntaxError
from luqum.parser import lexer
from luqum.parser import parser as _luqum_parser

from worker.query.aliases import names_for
from worker.query.analysis import analyze, analyze_exact, fold_text, prefix_form
from worker.query.ast import (
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
    simplify,
)
from worker.query.dates import DateSyntaxError, Period, parse_period, reversed_range
from worker.query.errors import QuerySyntaxError
from worker.query.fields import DEFAULT_TEXT_FIELDS, INT_MAX, QUERY_FIELDS, FieldSpec, resolve_field

__all__ = ["parse", "MAX_QUERY_CHARS", "MAX_DEPTH"]

MAX_QUERY_CHARS = 4000
MAX_DEPTH = 60
INT_MIN = -(2**31)

# ply's lexer is a module-level object with state: one parse at a time per process.
_PARSE_LOCK = threading.Lock()
# Typographic quotes (Arabic keyboards type « » and “ ”) delimit phrases like the ASCII quote.
_QUOTES = {ord(c): '"' for c in "«»“”„‟"}


def parse(q: str) -> Node:
    """Parse ``q`` into a simplified AST. Raises only :class:`QuerySyntaxError`."""
    try:
        return _parse(q)
    except QuerySyntaxError:
        raise
    except Exception as err:  # noqa: BLE001 - last guard so callers never see a 500; fuzzed without it
        raise QuerySyntaxError(f"could not understand the query ({type(err).__name__})", None, q) from err


def _parse(q: str) -> Node:
    """``parse`` without the last-resort guard (the hypothesis test calls this to find real bugs)."""
    if not isinstance(q, str):
        raise QuerySyntaxError("the query must be text")
    if len(q) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"query too long ({len(q)} characters, limit {MAX_QUERY_CHARS})", None, q)
    if not q.strip():
        return MatchAll()
    text, origin = _translate_operators(q.translate(_QUOTES), q)
    depth = _max_paren_depth(text)
    if depth > MAX_DEPTH:
        raise QuerySyntaxError(f"too many nested parentheses (limit {MAX_DEPTH})", None, q)
    with _PARSE_LOCK:
        try:
            luq = _luqum_parser.parse(text, lexer=_lexer())
        except IllegalCharacterError as err:
            raise _illegal_char(err, q, origin) from None
        except ParseSyntaxError as err:
            raise _syntax_error(err, q, origin) from None
        except ParseError as err:
            raise QuerySyntaxError(f"syntax error: {err}", None, q) from None
        except ArithmeticError:  # luqum reads "^x" boosts as decimals: "a^." raises InvalidOperation
            raise QuerySyntaxError("a boost (^) must be followed by a number", None, q) from None
    tr = _Transformer(q, origin)
    node = tr.build(luq, None, 0)
    if node is None:
        # every term analyzed to nothing: matching everything would be the worst reading (an alert on "و"
        # fires on every article), so the query is refused at its first empty term
        text, item = tr.dropped[0] if tr.dropped else (q, None)
        raise tr.error(_no_word_message(text), item)
    node = simplify(node)
    if isinstance(node, MatchAll):  # e.g. killed:[* TO *], or OR-ed with one: only "" means everything
        raise QuerySyntaxError(f"this query matches every article; {_BLANK_HINT}", None, q)
    return node


_BLANK_HINT = "leave the query blank to search everything"


def _no_word_message(text: str) -> str:
    return (f"«{text.strip()}» has no searchable word (a lone clitic such as و or ب, a single letter, or "
            "only punctuation)")


@functools.cache
def _lexer():  # noqa: ANN202
    """A private clone of luqum's lexer (ply lexers keep position state between calls)."""
    return lexer.clone()


# --- pre-lexing: &&, ||, ! ----------------------------------------------------------------------------


def _translate_operators(q: str, original: str) -> tuple[str, list[int]]:
    """Rewrite ``&&``/``||``/leading ``!`` (outside quotes) into AND/OR/NOT, keeping a position map."""
    out: list[str] = []
    origin: list[int] = []
    i, n = 0, len(q)
    in_quote = False
    quote_at = -1  # where the open phrase started
    # True where a term may start: a "!" there is NOT, elsewhere ("a!b") it is punctuation of the word.
    # A prefix operator (!, -, +) leaves the next character at a term start, so "!!x" is NOT NOT x like
    # "--x" and "NOT NOT x", and "-!x" is -(NOT x), as "-NOT x" is; "!" only after a space/(/: read "!!x"
    # as NOT "!x" = NOT x (qa6s-2).
    term_start = True

    def emit(s: str, pos: int) -> None:
        out.append(s)
        origin.extend([pos] * len(s))

    while i < n:
        ch = q[i]
        at_start, term_start = term_start, False
        if ch == "\\" and i + 1 < n:
            emit(q[i : i + 2], i)
            i += 2
            continue
        if ch == '"':
            in_quote = not in_quote
            quote_at = i
        elif not in_quote:
            pair = q[i : i + 2]
            if pair in ("&&", "||"):
                emit(" AND " if pair == "&&" else " OR ", i)
                i += 2
                term_start = True
                continue
            if ch == "!" and at_start and not q[i + 1 : i + 2] == "=":
                emit("NOT ", i)
                i += 1
                term_start = True
                continue
            term_start = ch.isspace() or ch in "(:" or (at_start and ch in "-+")
        emit(ch, i)
        i += 1
    if in_quote:
        # luqum only notices an unclosed opening quote; a stray closing one ('سجن"') would be read as
        # punctuation of the word, so an odd count is refused either way, at the unpaired quote
        typed = original[quote_at] if 0 <= quote_at < len(original) else '"'
        raise QuerySyntaxError(f'unbalanced quote: a {typed} has no partner (escape it as \\" to search for it)'
                               if typed == '"' else f"unbalanced quote: a {typed} has no partner",
                               quote_at, original)
    origin.append(n)
    return "".join(out), origin


def _max_paren_depth(text: str) -> int:
    depth = best = 0
    in_quote = False
    prev = ""
    for ch in text:
        if ch == '"' and prev != "\\":
            in_quote = not in_quote
        elif not in_quote and prev != "\\":
            if ch in "([{":
                depth += 1
                best = max(best, depth)
            elif ch in ")]}":
                depth -= 1
        prev = ch
    return best


def _orig_pos(origin: list[int], pos: int | None) -> int | None:
    if pos is None:
        return None
    return origin[min(max(pos, 0), len(origin) - 1)]


def _illegal_char(err: IllegalCharacterError, q: str, origin: list[int]) -> QuerySyntaxError:
    m = re.search(r"Illegal character '(.*)' at position (\d+)", str(err), re.S)
    pos = _orig_pos(origin, int(m.group(2))) if m else None
    bad = m.group(1)[:1] if m else ""
    if bad == '"':
        return QuerySyntaxError("unbalanced quote: a phrase is missing its closing \"", pos, q)
    if bad == "\\":
        return QuerySyntaxError("a backslash must escape a character", pos, q)
    return QuerySyntaxError(f"illegal character {bad!r}", pos, q)


def _syntax_error(err: ParseSyntaxError, q: str, origin: list[int]) -> QuerySyntaxError:
    msg = str(err)
    m = re.search(r"unexpected\s+'(.*)' at position (\d+)", msg, re.S)
    if m:
        token = m.group(1)
        pos = _orig_pos(origin, int(m.group(2)))
        if token == ")":
            return QuerySyntaxError("unexpected ')': no matching '('", pos, q)
        if token in ("AND", "OR", "&&", "||"):
            return QuerySyntaxError(f"'{token}' needs a term on each side", pos, q)
        return QuerySyntaxError(f"unexpected {token!r}" if token else "unexpected character", pos, q)
    if "end of expression" in msg:
        return QuerySyntaxError(
            "unexpected end of query: an unclosed '(' or '[', or an operator/field without a term", len(q), q
        )
    return QuerySyntaxError(f"syntax error: {msg}", None, q)


# --- luqum tree -> AST ---------------------------------------------------------------------------------


def _unescape(value: str) -> tuple[str, list[bool]]:
    """Drop backslash escapes; also return, per kept character, whether it was escaped."""
    chars: list[str] = []
    escaped: list[bool] = []
    i = 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            chars.append(value[i + 1])
            escaped.append(True)
            i += 2
        else:
            chars.append(value[i])
            escaped.append(False)
            i += 1
    return "".join(chars), escaped


def _split_wildcard(value: str) -> tuple[str, bool, bool]:
    """``(text, trailing_star, other_wildcards)`` for a raw Word value."""
    text, escaped = _unescape(value)
    k = len(text)
    while k > 0 and text[k - 1] == "*" and not escaped[k - 1]:
        k -= 1
    trailing = k < len(text)
    other = any(c in "*?" and not e for c, e in zip(text[:k], escaped[:k], strict=True))
    return text[:k], trailing, other


_INT_RE = re.compile(r"^-?\d+$")


class _Transformer:
    def __init__(self, query: str, origin: list[int]) -> None:
        self.query = query
        self.origin = origin
        # terms that analyzed to nothing, in query order: dropped while something else is left to search
        self.dropped: list[tuple[str, lt.Item]] = []

    def error(self, message: str, item: lt.Item | None = None) -> QuerySyntaxError:
        pos = getattr(item, "pos", None) if item is not None else None
        return QuerySyntaxError(message, _orig_pos(self.origin, pos), self.query)

    # Returns None for a term with nothing searchable in it (dropped by the parent).
    def build(self, item: lt.Item, spec: FieldSpec | None, depth: int) -> Node | None:
        if depth > MAX_DEPTH * 3:
            raise self.error("query nested too deeply", item)
        d = depth + 1
        if isinstance(item, lt.SearchField):
            if spec is not None:
                raise self.error(f"a field inside a field ({spec.name}:{item.name}:...) is not allowed", item)
            inner = resolve_field(item.name)
            if inner is None:
                known = ", ".join(sorted(QUERY_FIELDS))
                raise self.error(
                    f"unknown field {item.name!r}; known fields: {known} "
                    "(put text in quotes to search for a colon literally)",
                    item,
                )
            return self.build(item.expr, inner, d)
        if isinstance(item, lt.Group | lt.FieldGroup):
            return self.build(item.expr, spec, d)
        if isinstance(item, lt.AndOperation | lt.UnknownOperation):
            kids = [self.build(c, spec, d) for c in item.children]
            kept = [k for k in kids if k is not None]
            return And(tuple(kept)) if kept else None
        if isinstance(item, lt.OrOperation):
            kids = [self.build(c, spec, d) for c in item.children]
            kept = [k for k in kids if k is not None]
            return Or(tuple(kept)) if kept else None
        if isinstance(item, lt.Not | lt.Prohibit):
            inner = self.build(item.a, spec, d)
            return Not(inner) if inner is not None else None
        if isinstance(item, lt.Plus):
            return self.build(item.a, spec, d)
        if isinstance(item, lt.Boost):
            return self.build(item.expr, spec, d)
        if isinstance(item, lt.Proximity):
            raise self.error('proximity search ("a b"~N) is not supported; use a phrase or AND', item)
        if isinstance(item, lt.Fuzzy):
            raise self.error("fuzzy search (word~) is not supported; Arabic variants are already folded", item)
        if isinstance(item, lt.Regex):
            raise self.error("regular expressions (/.../) are not supported", item)
        if isinstance(item, lt.Range | lt.From | lt.To):
            return self.range(item, spec)
        if isinstance(item, lt.Phrase):
            text, _ = _unescape(item.value[1:-1])
            return self.value(text, item, spec, phrase=True)
        if isinstance(item, lt.Word):
            return self.word(item, spec)
        raise self.error(f"unsupported construct {type(item).__name__}", item)

    # -- words and phrases --

    def word(self, item: lt.Word, spec: FieldSpec | None) -> Node | None:
        text, trailing, other = _split_wildcard(item.value)
        if other:
            raise self.error("wildcards are only supported at the end of a word (سج*)", item)
        if trailing:
            if not text:
                return self.exists(spec, item)
            return self.prefix(text, item, spec)
        return self.value(text, item, spec, phrase=False)

    def exists(self, spec: FieldSpec | None, item: lt.Item) -> Node:
        if spec is None:
            # a bare * would mean every article: an alert on it fires on each one (QA4 #6)
            raise self.error(f"a lone * matches every article; {_BLANK_HINT}, or put a word (سج*) or a "
                             "field (place:*) before the *", item)
        if spec.everywhere:
            raise self.error(f"every article has {spec.everywhere}, so {spec.name}:* matches every article; "
                             f"{_BLANK_HINT}", item)
        if spec.kind == "int":
            # every document has the count (0 when none), so "has a value" reads as "a count was reported"
            return IntRange(spec.targets[0], 1, None)
        if len(spec.targets) == 1:
            return Exists(spec.targets[0])
        return Or(tuple(Exists(t) for t in spec.targets))

    def prefix(self, text: str, item: lt.Item, spec: FieldSpec | None) -> Node | None:
        if spec is None or spec.kind == "text":
            pre = _exact_prefix(text) if spec is not None and spec.exact else prefix_form(text)
            if not pre:
                raise self.error(f"cannot use {text!r}* as a prefix: give one word before the *", item)
            return Prefix(spec.targets if spec else DEFAULT_TEXT_FIELDS, pre)
        if spec.kind == "keyword":
            return Prefix(spec.targets, self.keyword_value(text, spec))
        raise self.error(f"field {spec.name!r} takes numbers or dates, not a prefix*", item)

    def empty(self, text: str, item: lt.Item, spec: FieldSpec | None) -> None:
        """A term with nothing searchable: an explicit empty value is an error, a lone clitic is dropped."""
        if not text.strip():
            where = f"{spec.name}:" if spec is not None else ""
            raise self.error(f'{where}"" is an empty value: give a word to search for', item)
        self.dropped.append((text, item))

    def value(self, text: str, item: lt.Item, spec: FieldSpec | None, *, phrase: bool) -> Node | None:
        if spec is None or spec.kind == "text":
            toks = tuple(analyze_exact(text) if spec is not None and spec.exact else analyze(text))
            if not toks:
                self.empty(text, item, spec)
                return None
            node = Tokens(spec.targets if spec else DEFAULT_TEXT_FIELDS, toks)
            if spec is not None and spec.aliases:
                return self.with_aliases(node, text, spec)
            return node
        if spec.kind == "keyword":
            val = self.keyword_value(text, spec)
            if not val:
                self.empty(text, item, spec)
                return None
            if spec.allowed and val not in spec.allowed:
                raise self.error(
                    f"unknown {spec.name} {text!r}; expected one of: {', '.join(spec.allowed)}", item
                )
            if spec.pattern and not re.fullmatch(spec.pattern, val):
                raise self.error(f"{spec.pattern_error} (not {text!r})", item)
            nodes = tuple(KeywordWords(t, val) if t in spec.words else Keyword(t, val) for t in spec.targets)
            return nodes[0] if len(nodes) == 1 else Or(nodes)
        if spec.kind == "int":
            if ".." in text:
                lo, hi = self.split_dots(text, item)
                return self.int_range(spec, lo, True, hi, True, item)
            n = self.parse_int(text, spec, item)
            if n is None:
                raise self.error(f"field {spec.name!r} needs a number", item)
            return self.int_range(spec, text, True, text, True, item)
        if spec.kind == "date":
            if ".." in text:
                lo, hi = self.split_dots(text, item)
                return self.date_range(spec, lo, True, hi, True, item)
            return self.date_range(spec, text, True, text, True, item)
        raise self.error(f"field {spec.name!r} cannot be searched this way", item)  # pragma: no cover

    @staticmethod
    def with_aliases(node: Tokens, text: str, spec: FieldSpec) -> Node:
        """``node`` OR the other names the gazetteer entry called ``text`` is indexed under."""
        alts = [node]
        for name in names_for(text, places_only=spec.aliases == "place"):
            toks = tuple(analyze(name))
            if toks:
                alts.append(Tokens(spec.targets, toks))
        return Or(tuple(alts)) if len(alts) > 1 else node

    @staticmethod
    def keyword_value(text: str, spec: FieldSpec) -> str:
        val = " ".join(text.split()) if spec.words else text.strip()
        if spec.case == "lower":
            return val.lower()
        if spec.case == "upper":
            return val.upper()
        return val

    def split_dots(self, text: str, item: lt.Item) -> tuple[str, str]:
        parts = text.split("..")
        if len(parts) != 2:
            raise self.error(f"a range is written a..b, not {text!r}", item)
        return parts[0].strip() or "*", parts[1].strip() or "*"

    # -- ranges --

    def range(self, item: lt.Range | lt.From | lt.To, spec: FieldSpec | None) -> Node:
        if spec is None or spec.kind not in ("int", "date"):
            what = "a field" if spec is None else f"field {spec.name!r}"
            raise self.error(
                f"ranges need a date or number field (date:, killed:, casualties: ...), not {what}", item
            )
        if isinstance(item, lt.Range):
            lo, hi = self.bound_text(item.low), self.bound_text(item.high)
            inc_lo, inc_hi = item.include_low, item.include_high
        elif isinstance(item, lt.From):
            lo, hi, inc_lo, inc_hi = self.bound_text(item.a), "*", item.include, True
        else:
            lo, hi, inc_lo, inc_hi = "*", self.bound_text(item.a), True, item.include
        if spec.kind == "int":
            return self.int_range(spec, lo, inc_lo, hi, inc_hi, item)
        return self.date_range(spec, lo, inc_lo, hi, inc_hi, item)

    def bound_text(self, item: lt.Item) -> str:
        if isinstance(item, lt.Word):
            return _unescape(item.value)[0]
        if isinstance(item, lt.Phrase):
            return _unescape(item.value[1:-1])[0]
        raise self.error("a range bound must be a single value", item)

    def parse_int(self, text: str, spec: FieldSpec, item: lt.Item) -> int | None:
        t = fold_text(text).strip()
        if t == "*":
            return None
        if not _INT_RE.match(t):
            raise self.error(f"field {spec.name!r} needs a whole number, got {text!r}", item)
        return int(t)

    def int_range(
        self, spec: FieldSpec, lo: str, inc_lo: bool, hi: str, inc_hi: bool, item: lt.Item
    ) -> Node:
        a = self.parse_int(lo, spec, item)
        b = self.parse_int(hi, spec, item)
        if a is not None and b is not None and a > b:
            raise self.error(_reversed_message(spec, lo, hi, "number"), item)
        if a is not None and not inc_lo:
            a += 1
        if b is not None and not inc_hi:
            b -= 1
        if a is not None and b is not None and a > b:
            return MatchNone()
        if a is not None and a > INT_MAX or b is not None and b < INT_MIN:
            return MatchNone()  # beyond the integer type: nothing can match
        # Every int field is a count (casualties): never negative, so a lower bound of 0 or less bounds
        # nothing, and killed:>=0 is every article (refused like killed:[* TO *]).
        a = None if a is None or a <= 0 else a
        b = None if b is None or b >= INT_MAX else b
        if a is None and b is None:
            return MatchAll()
        return IntRange(spec.targets[0], a, b)

    def parse_period(self, text: str, item: lt.Item) -> Period | None:
        """``[start, end)`` of a date/month/year or an instant (1 ms wide); None for ``*``.

        The reader of the API's ``from``/``to`` too (:mod:`worker.query.dates`): one set of accepted forms.
        """
        try:
            return parse_period(text)
        except DateSyntaxError as err:
            raise self.error(str(err), item) from None

    def date_range(
        self, spec: FieldSpec, lo: str, inc_lo: bool, hi: str, inc_hi: bool, item: lt.Item
    ) -> Node:
        a = self.parse_period(lo, item)
        b = self.parse_period(hi, item)
        if reversed_range(a, b):
            raise self.error(_reversed_message(spec, lo, hi, "date"), item)
        gte = None if a is None else (a[0] if inc_lo else a[1])
        lt_ = None if b is None else (b[1] if inc_hi else b[0])
        if gte is None and lt_ is None:
            return Exists(spec.targets[0])
        if gte is not None and lt_ is not None and gte >= lt_:
            return MatchNone()
        return DateRange(spec.targets[0], gte, lt_)


def _reversed_message(spec: FieldSpec, lo: str, hi: str, what: str) -> str:
    # a range that silently matches nothing would be a search with no results and an alert that never fires
    return (f"the range {spec.name}:{lo.strip()}..{hi.strip()} ends before it starts: "
            f"write the earlier {what} first")


def _exact_prefix(text: str) -> str:
    """The folded prefix of ``exact:سج*`` (one word, nothing stripped), or ""."""
    toks = analyze_exact(text)
    return toks[0] if len(toks) == 1 else ""
