"""Story grouping: link syndicated / near-duplicate articles to the first article of their story.

Every assigned article appends one entry (time, SimHash, story id, title tokens, entity names) to a log
shared by all workers (a Redis stream trimmed to the window); each worker process keeps a copy of the log
in memory (``_Mirror``) and reads only what was appended since its last look. Matching is local, on two keys:

* the body's 64-bit SimHash ``fingerprint`` (``worker.extract.fingerprint``): every entry within
  ``MAX_HAMMING`` bits (the chain's ``NEAR_DISTANCE``) is found by an exact scan of the window (a numpy XOR
  and popcount, ~0.1 ms for 10,000 entries); closest wins, then earliest. (It used to be Redis sorted-set
  buckets per 5-bit band; a band of 5 bits holds 1/32 of the window, so each lookup read and parsed ~40 %
  of the window and cost grew with it: ~10 ms per article at 10,000 articles.)
* the folded title's token set, MinHashed into ``TITLE_BANDS`` bands of ``TITLE_ROWS`` rows: short wire
  copies re-titled lightly ("مقتل 5 في هجوم على سجن في الحسكة" / "مقتل خمسة بهجوم على سجن الحسكة") whose bodies
  differ too much for SimHash; candidates are verified by token Jaccard >= ``TITLE_JACCARD`` and need at
  least ``TITLE_MIN_TOKENS`` content tokens, so two short generic titles do not merge unrelated stories.
  When the chain found entities, a title link is also refused if *each* title names an entity that the
  other article does not mention at all (no analyzed token in common with any of its entities):
  "ترامب يلتقي ماكرون" / "ترامب يلتقي ميركل" share most words but are two stories. Checked on 418
  cross-source ANT title pairs at Jaccard >= 0.5: this refuses 2 of them (both arguably other stories),
  where exact canonical-name comparison would refuse 50 (spelling variants: بوتين/بوتن).

No rule links what a veto refuses (``story_guards``): headlines stating other figures ("مقتل 5 جنود في هجوم
انتحاري" / "مقتل 7 ..."), headlines putting the event in other towns ("بكركوك" / "في الموصل"), articles naming
no entity in common, one wire template filled in for other towns. A candidate refused for its towns
refuses its whole story, for every rule tried after it (``_vetted``); and a story one of whose reports in the
window puts the event in another town than the article's headline is refused whichever report the article
would join it through (``_Mirror.located_elsewhere``): a Kirkuk report does not join the Mosul story through
a report whose headline names no town (a near-copy of the Kirkuk text), also when the Mosul report itself is
no candidate of any rule (its text too far for SimHash, its headline for the title rule).

Entries count for the window (``alert_story_window_hours``) by the articles' own times (publication, else
the moment of assignment), on either side: a copy published more than the window after (or before) an
article starts a story of its own, also when an import assigns months of archive within minutes. The log
itself is trimmed by the clock (what was appended within the window).
``assign_story`` is idempotent per document id (a retried task gets the same story back).

Memory: a process holds the window's entries, about 2.1 KB each (token strings shared through
``sys.intern``, title bands in one numpy array), and at most ``MAX_ENTRIES`` of them (~86 MB): past the
cap the oldest quarter is dropped. The log is kept by wall-clock time, so an import puts all of an
archive's rows in it at once; a 50,000-row import used to keep all 50,000 (~6.5 KB each as parsed JSON:
320 MB).
The cap's effect: when more than ``MAX_ENTRIES`` articles arrive within the window, a copy of an article
older than the newest 30,000-40,000 entries starts a new story instead of joining it (the Redis log, trimmed
by time, still holds them; only this process's copy forgets).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import numpy as np

from worker.alerts.context import AlertsDeps
from worker.alerts.story_guards import (
    NO_GUARDS,
    PLACE_VETOES,
    Guards,
    Place,
    copy_veto,
    guards_of,
    link_veto,
    places_conflict,
    title_veto,
)
from worker.alerts.story_link import (
    LinkModel,
    LinkView,
    PackedView,
    jaccard,
    load_model,
    view_of,
    view_to_json,
)
from worker.alerts.story_vectors import GATE_TERMS, top_terms
from worker.extract.dates import parse_published
from worker.extract.fingerprint import NEAR_DISTANCE as MAX_HAMMING
from worker.query.analysis import analyze

log = logging.getLogger(__name__)

# MAX_HAMMING: the chain's threshold, measured on syndicated ANT pairs against random pairs.
_EMPTY_FP = 0  # simhash of a text without words
TITLE_BANDS = 8
TITLE_ROWS = 2
TITLE_JACCARD = 0.5
TITLE_MIN_TOKENS = 4
# Entries a process keeps (the newest of the window): see the module docstring for the effect.
MAX_ENTRIES = 40_000
# Cross-outlet link candidates compared in full per article, those sharing most heavy terms first.
MAX_LINK_CANDIDATES = 24
# Reports of one story a process keeps for the story's place check (``_Mirror.located_elsewhere``): those
# whose headline puts the event in a town, one per set of towns, the newest; past this the oldest goes.
MAX_LOCATED = 8
# A publication time this far ahead of the clock is a feed's typo: the article counts as published now.
FUTURE_SLACK = 86_400

# Function words that say nothing about which story a title is about (analysed like the titles).
_STOP_WORDS = (
    "في من على الى إلى عن مع بعد قبل خلال حول ان أن إن او أو و ثم لا لم لن ما هو هي هم التي الذي الذين "
    "هذا هذه ذلك تلك كان كانت يكون عند منذ بين ضد قد كل غير بعض امام أمام عبر وسط"
)
_STOP = frozenset(analyze(_STOP_WORDS))


def title_tokens(title: str) -> frozenset[str]:
    """Content tokens of a title: the search analysis (fold + light stem, so "بالحسكة" and "الحسكة" agree)
    minus function words and one-letter tokens."""
    return frozenset(t for t in analyze(title or "") if len(t) >= 2 and t not in _STOP)


def _h64(s: str, seed: int) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8, salt=seed.to_bytes(8, "little")).digest(), "little")


def _name_tokens(name: str) -> frozenset[str]:
    return frozenset(t for t in analyze(name) if len(t) >= 2)


def entity_signature(doc: dict[str, Any]) -> tuple[frozenset[str], list[frozenset[str]]]:
    """(tokens of every entity name in the doc, token sets of the entities named in its title)."""
    all_toks: set[str] = set()
    title_groups: list[frozenset[str]] = []
    for ent in doc.get("entities") or []:
        names = [ent.get("canonical") or "", ent.get("text") or ""]
        group = frozenset().union(*(_name_tokens(n) for n in names))
        all_toks |= group
        if ent.get("field") == "title" and group and group not in title_groups:
            title_groups.append(group)
    return frozenset(all_toks), title_groups


def _lonely(title_groups: list[frozenset[str]], other_entity_tokens: frozenset[str]) -> bool:
    return any(not (g & other_entity_tokens) for g in title_groups)


def entities_conflict(a: tuple[frozenset[str], list[frozenset[str]]],
                      b: tuple[frozenset[str], list[frozenset[str]]]) -> bool:
    """Each title names an entity absent from the other article: two different stories."""
    return _lonely(a[1], b[0]) and _lonely(b[1], a[0])


def title_bands(tokens: Iterable[str]) -> list[str]:
    toks = list(tokens)
    if not toks:
        return []
    mins = [min(_h64(t, i) for t in toks) for i in range(TITLE_BANDS * TITLE_ROWS)]
    bands = []
    for b in range(TITLE_BANDS):
        rows = mins[b * TITLE_ROWS:(b + 1) * TITLE_ROWS]
        bands.append(hashlib.blake2b(repr(rows).encode(), digest_size=6).hexdigest())
    return bands


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def _parse_fp(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        fp = int(str(value), 16)
    except ValueError:
        return None
    return None if fp == _EMPTY_FP else fp


# Compare-and-append: add the entry only if the log still ends where the caller's copy ends, so two workers
# deciding at the same moment cannot both miss each other (the loser re-reads and decides again). Also records
# the doc -> story key and trims entries older than the window (by Redis's clock, so worker clocks don't matter).
# KEYS: log, doc key. ARGV: expected last id ("" = append regardless), entry, story id, ttl seconds,
# "1" when the document has an id (else the doc key is not used). Returns {"known", story} | {"stale", last
# id} | {"ok", new id}.
_APPEND_LUA = """
if ARGV[5] == '1' then
  local known = redis.call('GET', KEYS[2])
  if known then return {'known', known} end
end
if ARGV[1] ~= '' then
  local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
  local last_id = '0-0'
  if #last > 0 then last_id = last[1][1] end
  if last_id ~= ARGV[1] then return {'stale', last_id} end
end
local t = redis.call('TIME')
local ttl = tonumber(ARGV[4])
local minid = tostring((tonumber(t[1]) - ttl) * 1000) .. '-0'
local id = redis.call('XADD', KEYS[1], 'MINID', '~', minid, '*', 'e', ARGV[2])
redis.call('EXPIRE', KEYS[1], ttl)
if ARGV[5] == '1' then redis.call('SET', KEYS[2], ARGV[3], 'EX', ttl) end
return {'ok', id}
"""
MAX_APPEND_ATTEMPTS = 50


def _id_key(stream_id: str) -> tuple[int, int]:
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)


@dataclass(slots=True)
class _Entry:
    ms: int  # when it was appended, by Redis's clock (stream id): pruning
    ts: float  # the article's time (publication, else ``now`` of its assignment): the window
    fp: int | None
    story: str
    # Title tokens, entity tokens and title entity groups as tuples: a frozenset costs 216-730 bytes even
    # for a few words, a tuple 40 + 8 per word; sets are built only for the few band candidates compared.
    toks: tuple[str, ...]
    ents: tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]
    bands: bytes  # title MinHash bands, TITLE_BANDS uint64 (computed once, by the writer); b'' without
    link: PackedView | None = None  # what the cross-outlet link compares (``story_link``); None without
    guards: Guards = NO_GUARDS  # title figures, towns, names: what a link may not contradict (``story_guards``)

    def entity_signature(self) -> tuple[frozenset[str], list[frozenset[str]]]:
        return frozenset(self.ents[0]), [frozenset(g) for g in self.ents[1]]


def _words(values: Iterable[Any]) -> tuple[str, ...]:
    # Interned: the same few thousand tokens recur in every entry, and a string object per token per entry
    # was half of an entry's memory.
    return tuple(sorted({sys.intern(str(v)) for v in values}))


def _band_ints(bands: Iterable[str]) -> np.ndarray:
    return np.array([int(b, 16) for b in bands], dtype=np.uint64)


class _Mirror:
    """One process's copy of a story log: the newest ``max_entries`` entries of the window, with the
    SimHash values and the title bands in numpy arrays (a scan over 10,000 entries is ~0.1 ms). Kept
    current by reading only what was appended since the last call, so a lookup costs a round trip with a
    few small entries, not the thousands of bucket members a SimHash band of a few bits holds."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.lock = threading.Lock()
        self.max_entries = max_entries
        self.reset()

    def reset(self) -> None:
        self.last_id = "0-0"
        self.entries: list[_Entry] = []
        self.fps = np.zeros(0, dtype=np.uint64)
        self.has_fp = np.zeros(0, dtype=bool)
        self.bands = np.zeros((0, TITLE_BANDS), dtype=np.uint64)
        self.has_bands = np.zeros(0, dtype=bool)
        self.tops = np.zeros((0, GATE_TERMS), dtype=np.uint32)  # each entry's heaviest terms: link candidates
        self.has_link = np.zeros(0, dtype=bool)
        self.link_src = np.zeros(0, dtype=np.int32)  # the entry's source as a small id (``source_ids``)
        self.source_ids: dict[str, int] = {}
        # story -> its entries whose headline puts the event in a town (7 % of entries), at most MAX_LOCATED
        self.located: dict[str, list[_Entry]] = {}

    def add(self, stream_id: str, raw: str) -> None:
        """Append one log entry (see ``StoryIndex._decide`` for its fields). An entry this code cannot
        read (another version's format, damage) is skipped with a warning: one unreadable entry must not
        stop every later story assignment. Past ``max_entries`` the oldest quarter is dropped."""
        try:
            ts, fp_hex, story, words, ent_all, ent_title, *rest = json.loads(raw)
            toks = _words(words)
            bands = rest[0] if rest else (title_bands(toks) if len(toks) >= TITLE_MIN_TOKENS else [])
            if len(bands) not in (0, TITLE_BANDS):
                raise ValueError(f"{len(bands)} title bands")
            entry = _Entry(_id_key(stream_id)[0], float(ts), _parse_fp(fp_hex), str(story), toks,
                           (_words(ent_all), tuple(_words(g) for g in ent_title)), _band_ints(bands).tobytes(),
                           _packed_link(stream_id, rest[1] if len(rest) > 1 else None),
                           _guards(stream_id, rest[2] if len(rest) > 2 else None))
        except (ValueError, TypeError, OverflowError) as err:  # OverflowError: a band past 64 bits
            log.warning("story log entry %s unreadable, skipped: %s", stream_id, err)
        else:
            self._append(entry)
            if len(self.entries) > self.max_entries:
                self._keep(self.entries[len(self.entries) - self.max_entries * 3 // 4:])
        self.last_id = stream_id

    def prune(self, keep_ms: int) -> None:
        """Drop entries appended before ``keep_ms`` (Redis trims them from the log too); rebuild when at
        least a quarter of the copy is stale, so the cost is amortised."""
        stale = 0
        for e in self.entries:
            if e.ms >= keep_ms:
                break
            stale += 1
        if stale and stale * 4 >= len(self.entries):
            self._keep(self.entries[stale:])

    def _keep(self, kept: list[_Entry]) -> None:
        last = self.last_id
        self.reset()
        for e in kept:
            self._append(e)
        self.last_id = last

    def _append(self, e: _Entry) -> None:
        pos = len(self.entries)
        self.entries.append(e)
        if pos >= len(self.fps):  # grow by doubling: appends stay amortised O(1)
            size = max(1024, 2 * len(self.fps))
            self.fps = np.resize(self.fps, size)
            self.has_fp = np.resize(self.has_fp, size)
            grown = np.zeros((size, TITLE_BANDS), dtype=np.uint64)
            grown[:pos] = self.bands[:pos]
            self.bands = grown
            self.has_bands = np.resize(self.has_bands, size)
            tops = np.zeros((size, GATE_TERMS), dtype=np.uint32)
            tops[:pos] = self.tops[:pos]
            self.tops = tops
            self.has_link = np.resize(self.has_link, size)
            self.link_src = np.resize(self.link_src, size)
        self.fps[pos] = e.fp or 0
        self.has_fp[pos] = e.fp is not None
        self.has_bands[pos] = bool(e.bands)
        if e.bands:
            self.bands[pos] = np.frombuffer(e.bands, dtype=np.uint64)
        self.has_link[pos] = e.link is not None
        if e.link is not None:
            self.tops[pos] = top_terms(e.link.top_sig())
            self.link_src[pos] = self.source_ids.setdefault(e.link.source, len(self.source_ids))
        if e.guards.events:
            # one report per set of towns (the newest: most likely within a later article's window); a story
            # told from more than MAX_LOCATED sets of towns forgets its oldest
            kept = [m for m in self.located.get(e.story, ()) if m.guards.events != e.guards.events]
            kept.append(e)
            self.located[e.story] = kept[-MAX_LOCATED:]

    def located_elsewhere(self, story: str, events: tuple[Place, ...], since: float, until: float) -> bool:
        """Does a report of ``story`` within the window put its event in another town than ``events`` (the
        article's headline towns; ``story_guards.places_conflict``)? Then the article tells another happening
        than that story, whichever of its reports the article resembles: vetoes compare two articles, and a
        report whose headline names no town agrees with every town."""
        if not events:
            return False
        return any(since <= m.ts <= until and places_conflict(events, m.guards.events)
                   for m in self.located.get(story, ()))

    def _refused(self, guards: Guards, since: float, until: float) -> Callable[[str], bool]:
        return lambda story: self.located_elsewhere(story, guards.events, since, until)

    def best_fp(self, fp: int, since: float, until: float = math.inf,
                guards: Guards = NO_GUARDS, excluded: set[str] | None = None) -> str | None:
        """Closest fingerprint within ``MAX_HAMMING`` bits in the window, then the earliest; none that
        ``story_guards.copy_veto`` refuses (a templated wire text naming other towns, headlines putting the
        event in other towns, no entity in common), nor any of a story ``excluded`` (see ``_vetted``)."""
        n = len(self.entries)
        if not n:
            return None
        dist = _popcount(self.fps[:n] ^ np.uint64(fp))
        found = [(int(dist[pos]), self.entries[pos]) for pos in np.flatnonzero((dist <= MAX_HAMMING) & self.has_fp[:n])]
        best: tuple[int, float, str] | None = None
        for d, e in _vetted([(d, e) for d, e in found if since <= e.ts <= until],
                            lambda d, e: copy_veto(guards, e.guards, d), excluded,
                            self._refused(guards, since, until)):
            if best is None or (d, e.ts) < best[:2]:
                best = (d, e.ts, e.story)
        return best[2] if best else None

    def best_title(self, bands: list[str], toks: frozenset[str],
                   ents: tuple[frozenset[str], list[frozenset[str]]], since: float,
                   until: float = math.inf, guards: Guards = NO_GUARDS, fp: int | None = None,
                   excluded: set[str] | None = None) -> str | None:
        """Highest title Jaccard (>= ``TITLE_JACCARD``) among band candidates (an entry sharing at least
        one band, same position) without an entity conflict or a veto (``story_guards.title_veto``: other
        figures, "مقتل 5 جنود في هجوم انتحاري" / "مقتل 7 ..."; other event places; no entity in common; the
        same template naming other towns, ``fp`` the article's SimHash; nor a story ``excluded``), then the
        earliest."""
        n = len(self.entries)
        if not n or len(bands) != TITLE_BANDS:
            return None
        query = _band_ints(bands)
        found = []
        for pos in np.flatnonzero((self.bands[:n] == query).any(axis=1) & self.has_bands[:n]):
            e = self.entries[pos]
            if since <= e.ts <= until:
                j = jaccard(toks, frozenset(e.toks))
                if j >= TITLE_JACCARD and not entities_conflict(ents, e.entity_signature()):
                    found.append((j, e))
        best: tuple[float, float, str] | None = None
        for j, e in _vetted(found, lambda _j, e: title_veto(guards, e.guards, _bits(fp, e)), excluded,
                            self._refused(guards, since, until)):
            if best is None or (-j, e.ts) < best[:2]:
                best = (-j, e.ts, e.story)
        return best[2] if best else None


    def best_link(self, view: LinkView, model: LinkModel, since: float, until: float = math.inf,
                  guards: Guards = NO_GUARDS, fp: int | None = None, excluded: set[str] | None = None) -> str | None:
        """The story of the most probable same-event report from another outlet (probability at least the
        model's threshold), then the earliest. Candidates share one of their heaviest terms with ``view``.
        None that ``story_guards.link_veto`` refuses, however probable (a headline putting its event in
        another town: a car bomb in Kirkuk and one in Mosul share toll, words and country; no entity in
        common), nor any of a story ``excluded``."""
        n = len(self.entries)
        if not n or not view.source or not len(view.sig.terms):
            return None
        query = top_terms(view.sig)
        shared = np.isin(self.tops[:n], query[query != 0]).sum(axis=1)  # ~1 ms for 40,000 entries
        own = self.source_ids.get(view.source, -1)
        candidates = np.flatnonzero((shared > 0) & self.has_link[:n] & (self.link_src[:n] != own))
        if len(candidates) > MAX_LINK_CANDIDATES:
            # the entries sharing most heavy terms: a same-event report shares several (the comparison costs
            # ~50 us each, and a common word such as a country's name is among thousands of entries' terms)
            candidates = candidates[np.argsort(-shared[candidates], kind="stable")[:MAX_LINK_CANDIDATES]]
        found = [(e.link, e) for e in (self.entries[pos] for pos in candidates)
                 if since <= e.ts <= until and e.link is not None and e.link.source]
        best: tuple[float, float, str] | None = None
        for link, e in _vetted(found, lambda _link, e: link_veto(guards, e.guards, _bits(fp, e)), excluded,
                               self._refused(guards, since, until)):
            other = link.view(frozenset(e.toks), frozenset(e.ents[0]), e.guards.places)
            p = model.probability(view, other)
            if p >= model.threshold and (best is None or (-p, e.ts) < best[:2]):
                best = (-p, e.ts, e.story)
        return best[2] if best else None


_T = TypeVar("_T")


def _vetted(found: list[tuple[_T, _Entry]], veto: Callable[[_T, _Entry], str | None],
            excluded: set[str] | None, refused: Callable[[str], bool] | None = None) -> list[tuple[_T, _Entry]]:
    """The candidates no veto refuses and whose story is not excluded. A candidate refused for its places
    (``story_guards.PLACE_VETOES``) excludes its whole story, here and for the rules tried after this one
    (``excluded`` is updated): a story located in Mosul by one report does not take a Kirkuk report through
    another of its reports whose headline names no town. So does a story ``refused`` (another of its reports,
    candidate or not, puts the event in another town: ``_Mirror.located_elsewhere``), asked once per story."""
    excluded = set() if excluded is None else excluded
    kept = []
    for key, e in found:
        reason = veto(key, e)
        if reason in PLACE_VETOES:
            excluded.add(e.story)
        elif reason is None:
            kept.append((key, e))
    if refused is not None:
        for story in dict.fromkeys(e.story for _, e in kept):
            if story not in excluded and refused(story):
                excluded.add(story)
    return [(key, e) for key, e in kept if e.story not in excluded]


def _bits(fp: int | None, e: _Entry) -> int:
    """SimHash distance of an article to an entry: 64 (unrelated) when either has none."""
    return 64 if fp is None or e.fp is None else hamming(fp, e.fp)


def _packed_link(stream_id: str, value: Any) -> PackedView | None:
    """An entry's link part; one this code cannot read leaves the entry usable for copies."""
    if value is None:
        return None
    try:
        return PackedView.from_json(value)
    except (ValueError, TypeError, KeyError, OverflowError) as err:
        log.warning("story log entry %s: link part unreadable, ignored: %s", stream_id, err)
        return None


def _guards(stream_id: str, value: Any) -> Guards:
    """An entry's guard part; an entry without one (written before it existed) or unreadable has none."""
    if value is None:
        return NO_GUARDS
    try:
        return Guards.from_json(value)
    except (ValueError, TypeError, IndexError, OverflowError) as err:
        log.warning("story log entry %s: guard part unreadable, ignored: %s", stream_id, err)
        return NO_GUARDS


def _article_time(doc: dict[str, Any], now: float) -> float:
    """When the article appeared: its publication time (an import assigns months of articles within minutes,
    so the assignment time would put them all in one window), else now; a date more than a day ahead of now
    (a feed's typo) is not believed."""
    value = doc.get("published")
    published = parse_published(value if isinstance(value, str | datetime) else None)
    if published is None:
        return now
    try:
        t = (published if published.tzinfo else published.replace(tzinfo=UTC)).timestamp()
    except (OverflowError, OSError, ValueError):
        return now
    return t if t <= now + FUTURE_SLACK else now


def _popcount(values: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0
        return np.bitwise_count(values)
    return np.array([int(v).bit_count() for v in values.tolist()], dtype=np.uint8)


_mirrors: dict[tuple[int, str], _Mirror] = {}
_mirrors_lock = threading.Lock()


def _mirror_for(key: str) -> _Mirror:
    # Per process (a forked pool child starts empty: its parent's copy would be stale) and per log key.
    with _mirrors_lock:
        return _mirrors.setdefault((os.getpid(), key), _Mirror())


class StoryIndex:
    """The shared side of story grouping (one per context): an append-only log in a Redis stream, of
    which each process keeps a copy (``_Mirror``)."""

    def __init__(self, ctx: AlertsDeps) -> None:
        self.ctx = ctx

    def _doc_key(self, doc_id: str) -> str:
        return self.ctx.keys.alert_story_doc(doc_id)

    @property
    def log_key(self) -> str:
        return self.ctx.keys.alert_story_log

    def assign(self, doc: dict[str, Any], now: float | None = None) -> str:
        """Return the story id for ``doc`` (the id of the first article of its story in the window) and
        record the doc so later copies find it.

        Decide-then-append is optimistic: the entry is appended only if nobody appended since this process
        last read the log (``_APPEND_LUA``), otherwise the new entries are read and the decision made again.
        So two copies of a wire story indexed at the same moment by two workers never both open a story,
        without a lock to wait on. Common case: two round trips (read what is new, append)."""
        doc_id = str(doc.get("id") or "")
        r = self.ctx.redis
        window = self.ctx.settings.alert_story_window_seconds
        ttl = window + 3600
        doc_key = self._doc_key(doc_id) if doc_id else self.log_key  # the log key is never read as a doc key
        mirror = _mirror_for(self.log_key)
        with mirror.lock:
            for attempt in range(MAX_APPEND_ATTEMPTS + 1):
                pipe = r.pipeline(transaction=False)
                if doc_id:
                    pipe.get(doc_key)
                pipe.xrange(self.log_key, min=f"({mirror.last_id}", max="+")
                *known, fresh = pipe.execute()
                if known and known[0]:
                    return known[0]
                for stream_id, fields in fresh:
                    mirror.add(stream_id, fields["e"])
                if fresh:
                    mirror.prune(_id_key(mirror.last_id)[0] - ttl * 1000)
                story_id, entry = self._decide(mirror, doc, doc_id, now, window, self._link_model())
                expected = mirror.last_id if attempt < MAX_APPEND_ATTEMPTS else ""  # give up waiting: append
                status, value = r.register_script(_APPEND_LUA)(
                    keys=[self.log_key, doc_key], args=[expected, entry, story_id, ttl, "1" if doc_id else "0"])
                if status == "known":
                    return value
                if status == "ok":
                    mirror.add(value, entry)
                    return story_id
                if _id_key(value) < _id_key(mirror.last_id):
                    mirror.reset()  # the log is behind our copy (Redis lost data or was flushed): re-read it
        return story_id  # pragma: no cover - the last attempt appends unconditionally

    def _link_model(self) -> LinkModel | None:
        return load_model() if self.ctx.settings.alert_story_link else None

    @staticmethod
    def _decide(mirror: _Mirror, doc: dict[str, Any], doc_id: str, now: float | None,
                window: int, model: LinkModel | None = None, *, vetoes: bool = True) -> tuple[str, str]:
        """(story id, log entry) for ``doc`` against the mirror as it stands: a copy (SimHash), a lightly
        re-titled copy (title overlap), then, with a link model, another outlet's report of the same event;
        none that a veto refuses (``story_guards``; ``vetoes=False``: the decision without them, which
        ``worker.training.story_links`` measures against)."""
        now = time.time() if now is None else now
        t = _article_time(doc, now)
        since, until = t - window, t + window  # either side: an archive may come in any order
        fp = _parse_fp(doc.get("fingerprint"))
        toks = title_tokens(doc.get("title") or "")
        use_title = len(toks) >= TITLE_MIN_TOKENS
        ents = entity_signature(doc) if use_title or model is not None else (frozenset(), [])
        bands = title_bands(toks) if use_title else []
        guards = guards_of(doc)
        veto = guards if vetoes else NO_GUARDS  # one side without guards: no veto fires
        excluded: set[str] = set()  # stories refused for their places by one rule are refused by the next
        story = mirror.best_fp(fp, since, until, veto, excluded) if fp is not None else None
        if story is None and use_title:
            story = mirror.best_title(bands, toks, ents, since, until, veto, fp, excluded)
        view = view_of(doc, t, toks, ents[0], guards.places) if model is not None else None
        if story is None and view is not None and model is not None:
            story = mirror.best_link(view, model, since, until, veto, fp, excluded)
        story_id = story or doc_id or hashlib.sha1(f"{doc.get('title')}|{now}".encode()).hexdigest()
        # [time, simhash hex, story, title tokens, entity tokens, title entity groups, title bands, link or
        # null, guards]
        fields: list[Any] = [t, f"{fp:016x}" if fp is not None else "", story_id, sorted(toks) if use_title else [],
                             sorted(ents[0]), [sorted(g) for g in ents[1]], bands,
                             view_to_json(view) if view is not None else None, guards.to_json()]
        return story_id, json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def assign_story(doc: dict[str, Any] | Any, ctx: AlertsDeps, now: float | None = None) -> str:
    """Story id for an enriched document (dict or ``EnrichedDocument``); see the module docstring."""
    if not isinstance(doc, dict):
        doc = doc.model_dump(mode="json")
    return StoryIndex(ctx).assign(doc, now=now)
