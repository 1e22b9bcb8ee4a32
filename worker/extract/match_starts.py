"""Start positions a regex match can begin at: a cheap test on the next letters before ``pattern.match``.

Why: Python's ``re`` tries a pattern at every position it scans. The dates stage's pattern is one long
alternation of words (months, weekdays, ordinals, year cues, each behind optional proclitics), and an
attempt at a word start costs ~2 us even though nearly every word fails on its first letters: that was
~4 % of the chain. The letters a match can begin with are written in the pattern itself, so
:class:`StartFilter` reads the parsed pattern once and collects every string of ``k`` letters a match
can start with; a position whose next ``k`` characters are letters outside that set is skipped.

Why the result is the same as ``pattern.finditer``: the collected set is a superset (assertions are
ignored, a character class that may hold letters and is not a short explicit list stands for every
letter, a path shorter than ``k`` letters admits any continuation); a position whose next ``k``
characters are not all letters is always tried; every tried position runs the pattern itself; and
positions are tried left to right, the next one after a match at its end, as ``finditer`` does (the
pattern may not match the empty string). ``tests/unit/test_match_starts.py`` compares both on text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import product
from re import _constants as sre_c  # type: ignore[attr-defined]  # re.compile's own parser (3.11+)
from re import _parser as sre_p  # type: ignore[attr-defined]
from typing import NamedTuple

__all__ = ["StartFilter", "NOT_AFTER_LETTER"]

NOT_AFTER_LETTER = r"(?<![^\W\d_])"  # the assertion a filtered pattern starts with

_LETTER = re.compile(r"[^\W\d_]")  # what the patterns of the chain call a letter
_ANY = None  # a letter atom that may be any letter


class _NonLetter(NamedTuple):
    r"""A position holding a non-letter: the listed characters, a decimal digit (``\d``), white space
    (``\s``), or (``anything``) any non-letter. It ends a path: what follows is not analysed."""

    chars: frozenset[str] = frozenset()
    digit: bool = False
    space: bool = False
    anything: bool = False


LetterAtom = frozenset | None  # the letters one position may hold (None: any letter)
Atom = LetterAtom | _NonLetter
Path = tuple  # of Atom: letters, possibly ended by one _NonLetter
_MAX_EXPANSION = 50_000  # letter strings one path may expand to before it is cut shorter (more permissive)
_ANY_NON_LETTER = _NonLetter(anything=True)


def _class_atoms(items: list) -> set[Atom]:  # noqa: ANN001
    """The atoms an ``IN`` class (a list of sre items) stands for: its letters and its non-letters."""
    chars: set[str] = set()
    out: set[Atom] = set()
    for op, av in items:
        if op is sre_c.LITERAL:
            chars.add(chr(av))
        elif op is sre_c.RANGE and av[1] - av[0] <= 512:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        elif op is sre_c.CATEGORY and av is sre_c.CATEGORY_DIGIT:
            out.add(_NonLetter(digit=True))
        elif op is sre_c.CATEGORY and av is sre_c.CATEGORY_SPACE:
            out.add(_NonLetter(space=True))
        elif op is sre_c.CATEGORY and av is sre_c.CATEGORY_NOT_WORD:
            out.add(_ANY_NON_LETTER)
        else:  # NEGATE, a wide range, a category holding letters: any letter or non-letter
            return {_ANY, _ANY_NON_LETTER}
    letters = frozenset(c for c in chars if _LETTER.fullmatch(c))
    if letters:
        out.add(letters)
    if len(letters) < len(chars):
        out.add(_NonLetter(chars=frozenset(chars - letters)))
    return out


def _complete(p: Path, k: int) -> bool:
    return len(p) >= k or (bool(p) and isinstance(p[-1], _NonLetter))


def _seq(items: list, k: int) -> set[Path]:  # noqa: ANN001
    """Paths (up to ``k`` atoms) a match of the item sequence ``items`` may start with; a path shorter
    than ``k`` without a non-letter at its end means the sequence may end there."""
    paths: set[Path] = {()}
    for item in items:
        done = {p for p in paths if _complete(p, k)}
        short = paths - done
        if short:
            tails = _item(item, k)
            for p in short:
                for t in tails:
                    done.add((p + t)[:k])
        paths = done
    return paths


def _item(item: tuple, k: int) -> set[Path]:
    op, av = item
    if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
        return {()}  # zero width: ignoring the condition only admits more
    if op is sre_c.LITERAL:
        c = chr(av)
        return {(frozenset(c),)} if _LETTER.fullmatch(c) else {(_NonLetter(chars=frozenset(c)),)}
    if op is sre_c.IN:
        return {(a,) for a in _class_atoms(av)}
    if op is sre_c.SUBPATTERN:
        _, add_flags, _, sub = av
        if add_flags & sre_c.SRE_FLAG_IGNORECASE:
            raise ValueError("case-insensitive groups are not analysed")
        return _seq(list(sub), k)
    if op is sre_c.BRANCH:
        return set().union(*(_seq(list(alt), k) for alt in av[1]))
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", object())):
        lo, hi, sub = av
        out: set[Path] = set()
        for n in range(min(lo, k), min(hi, k) + 1):  # more than k copies start as k copies do
            out |= _seq(list(sub) * n, k)
        return out
    if op is getattr(sre_c, "ATOMIC_GROUP", object()):
        return _seq(list(av), k)
    # anything else (ANY, NOT_LITERAL, a group reference, ...): anything, any length
    return {(_ANY,) * j for j in range(k + 1)} | {(_ANY,) * j + (_ANY_NON_LETTER,) for j in range(k)}


class StartFilter:
    """``finditer`` of ``pattern`` that tries only the positions where a match may start.

    ``pattern`` must start with :data:`NOT_AFTER_LETTER` (no match starts inside a run of letters, which
    the scan for candidates relies on); ``k`` is how many letters are tested.
    """

    def __init__(self, pattern: re.Pattern[str], k: int = 3) -> None:
        if pattern.flags & re.IGNORECASE:
            raise ValueError("case-insensitive patterns are not analysed")
        if not pattern.pattern.startswith(NOT_AFTER_LETTER):
            raise ValueError("the pattern must start with NOT_AFTER_LETTER")
        self.pattern = pattern
        self.k = k
        paths = _seq(list(sre_p.parse(pattern.pattern, pattern.flags)), k)
        if () in paths or (_ANY,) in {p[:1] for p in paths}:
            raise ValueError("the pattern may start with any letter (or match the empty string)")
        exact: set[str] = set()  # k letters a match may start with
        prefixes: dict[int, set[str]] = {}  # n < k letters a match may start with, whatever follows
        before_other: dict[int, set[str]] = {}  # n < k letters a match may start with when a non-letter follows
        first = _NonLetter()  # the non-letters a match may start with
        for p in paths:
            if isinstance(p[0], _NonLetter):
                nl = p[0]
                first = _NonLetter(first.chars | nl.chars, first.digit or nl.digit, first.space or nl.space,
                                   first.anything or nl.anything)
                continue
            ends_other = isinstance(p[-1], _NonLetter)
            letters = p[:-1] if ends_other else p
            # letters up to the first "any letter" position; cut shorter where the expansion is too big
            n = next((i for i, a in enumerate(letters) if a is _ANY), len(letters))
            while n > 1 and _expansion(letters[:n]) > _MAX_EXPANSION:
                n -= 1
            words = {"".join(w) for w in product(*letters[:n])}
            if n == k:
                exact |= words
            elif ends_other and n == len(letters):
                before_other.setdefault(n, set()).update(words)
            else:
                prefixes.setdefault(n, set()).update(words)
        self.exact = frozenset(exact)
        self.prefixes = tuple((n, frozenset(ws)) for n, ws in sorted(prefixes.items()))
        self.before_other = {n: frozenset(ws) for n, ws in before_other.items()}
        self.first = first
        if first.space or first.anything or any(c.isspace() for c in first.chars):
            raise ValueError("the pattern may start with white space")  # the candidates skip it
        # Candidates: a whole run of letters (no match starts at its inner letters, which follow a letter)
        # or one other non-space character, not after a letter. One C loop; a run is cut at endpos.
        self._candidates = re.compile(NOT_AFTER_LETTER + r"(?:[^\W\d_]+|\S)")

    def may_start(self, letters: str) -> bool:
        """Whether a match may start with ``letters`` (1 to k letters; fewer than k only when a non-letter
        follows them)."""
        n = len(letters)
        if n == self.k and letters in self.exact:
            return True
        if n < self.k and letters in self.before_other.get(n, ()):
            return True
        return any(letters[:j] in words for j, words in self.prefixes if j <= n)

    def may_start_other(self, ch: str) -> bool:
        """Whether a match may start with the non-letter ``ch``."""
        f = self.first
        return f.anything or ch in f.chars or (f.digit and ch.isdecimal()) or (f.space and ch.isspace())

    def finditer(self, text: str, pos: int, endpos: int) -> Iterator[re.Match[str]]:
        """The matches ``pattern.finditer(text, pos, endpos)`` gives."""
        match = self.pattern.match
        exact = self.exact
        k = self.k
        nxt = pos
        for c in self._candidates.finditer(text, pos, endpos):
            p, e = c.span()
            if p < nxt:
                continue
            ch = text[p]
            if e - p == 1 and not _LETTER.match(ch):
                if not self.may_start_other(ch):
                    continue
            else:
                w = text[p:p + k] if e - p >= k else c[0]
                if w not in exact and not (e == endpos and e - p < k) and not self.may_start(w):
                    continue
            m = match(text, p, endpos)
            if m is not None:
                end = m.end()
                if end == p:
                    raise ValueError("empty match")  # excluded at construction; kept as a guard
                nxt = end
                yield m


def _expansion(path: Path) -> int:
    n = 1
    for a in path:
        n *= len(a)
    return n
