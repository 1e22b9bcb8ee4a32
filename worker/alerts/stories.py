"""Story grouping: link syndicated / near-duplicate articles to the first article of their story.

Two keys, both as locality-sensitive hashing (LSH) buckets in Redis sorted sets scored by time, so each
lookup is a handful of bucket reads however many articles the window holds:

* the body's 64-bit SimHash ``fingerprint`` (``worker.extract.fingerprint``) split into ``MAX_HAMMING + 1``
  bands: two fingerprints within ``MAX_HAMMING`` bits agree exactly on at least one band (pigeonhole), so
  every near-copy within the chain's ``NEAR_DISTANCE`` is found; candidates are then verified by their full
  Hamming distance (closest wins, then earliest);
* the folded title's token set, MinHashed into ``TITLE_BANDS`` bands of ``TITLE_ROWS`` rows: short wire
  copies re-titled lightly ("مقتل 5 في هجوم على سجن في الحسكة" / "مقتل خمسة بهجوم على سجن الحسكة") whose bodies
  differ too much for SimHash; candidates are verified by token Jaccard >= ``TITLE_JACCARD`` and need at
  least ``TITLE_MIN_TOKENS`` content tokens, so two short generic titles do not merge unrelated stories.
  When the chain found entities, a title link is also refused if *each* title names an entity that the
  other article does not mention at all (no analyzed token in common with any of its entities):
  "ترامب يلتقي ماكرون" / "ترامب يلتقي ميركل" share most words but are two stories. Checked on 418
  cross-source ANT title pairs at Jaccard >= 0.5: this refuses 2 of them (both arguably other stories),
  where exact canonical-name comparison would refuse 50 (spelling variants: بوتين/بوتن).

Entries expire after the window (``alert_story_window_hours``): a copy arriving later starts a new story.
``assign_story`` is idempotent per document id (a retried task gets the same story back).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from typing import Any

from worker.alerts.context import AlertsContext, default_context
from worker.query.analysis import analyze

try:  # the chain's threshold, measured on syndicated ANT pairs against random pairs
    from worker.extract.fingerprint import NEAR_DISTANCE as MAX_HAMMING
except ImportError:  # pragma: no cover - only while the chain module is missing
    MAX_HAMMING = 10
# MAX_HAMMING + 1 bands (5-6 bits each): any pair within MAX_HAMMING bits agrees exactly on one band.
SIMHASH_BANDS = MAX_HAMMING + 1
_EMPTY_FP = 0  # simhash of a text without words
TITLE_BANDS = 8
TITLE_ROWS = 2
TITLE_JACCARD = 0.5
TITLE_MIN_TOKENS = 4
LOCK_TIMEOUT = 5.0  # seconds a crashed holder can block others
LOCK_WAIT = 2.0

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


_SEP = "\x1f"  # fields of a title-bucket member
_GROUP = "\x1e"  # entity groups inside a field


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


def _band_bounds(bands: int) -> list[tuple[int, int]]:
    """Split 64 bits into ``bands`` contiguous slices as even as possible: [(shift, width), ...]."""
    base, extra = divmod(64, bands)
    out, shift = [], 0
    for i in range(bands):
        width = base + (1 if i < extra else 0)
        out.append((shift, width))
        shift += width
    return out


_BOUNDS = _band_bounds(SIMHASH_BANDS)


def simhash_bands(fp: int) -> list[str]:
    return [format((fp >> shift) & ((1 << width) - 1), "x") for shift, width in _BOUNDS]


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _parse_fp(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        fp = int(str(value), 16)
    except ValueError:
        return None
    return None if fp == _EMPTY_FP else fp


class StoryIndex:
    """The Redis side of story grouping (one per context)."""

    def __init__(self, ctx: AlertsContext | None = None) -> None:
        self.ctx = ctx or default_context()

    def _doc_key(self, doc_id: str) -> str:
        return self.ctx.key("story", "doc", doc_id)

    def _fp_key(self, band: int, value: str) -> str:
        return self.ctx.key("story", "fp", band, value)

    def _title_key(self, band: int, value: str) -> str:
        return self.ctx.key("story", "title", band, value)

    def assign(self, doc: dict[str, Any], now: float | None = None) -> str:
        """Return the story id for ``doc`` (the id of the first article of its story in the window) and
        record the doc so later copies find it.

        Lookup and insert run under one short Redis lock: two copies of a wire story indexed at the same
        moment by two workers would otherwise both miss each other and open two stories (two notifications).
        The critical section is two pipelined round trips; if the lock cannot be had within
        ``LOCK_WAIT`` seconds (a stuck holder), we proceed without it rather than stall ingestion."""
        doc_id = str(doc.get("id") or "")
        r = self.ctx.redis
        if doc_id:
            known = r.get(self._doc_key(doc_id))
            if known:
                return known
        # redis-py polls a held lock every 100 ms by default: far longer than the critical section.
        lock = r.lock(self.ctx.key("story", "lock"), timeout=LOCK_TIMEOUT, blocking_timeout=LOCK_WAIT,
                      sleep=0.002)
        locked = False
        try:
            locked = bool(lock.acquire())
        except Exception:  # noqa: BLE001 - a lock problem must not stop ingestion
            locked = False
        try:
            if doc_id and locked:
                known = r.get(self._doc_key(doc_id))  # a concurrent retry of the same doc got there first
                if known:
                    return known
            return self._assign_locked(doc, doc_id, now)
        finally:
            if locked:
                try:
                    lock.release()
                except Exception:  # noqa: BLE001 - expired: harmless
                    pass

    def _assign_locked(self, doc: dict[str, Any], doc_id: str, now: float | None) -> str:
        r = self.ctx.redis
        now = time.time() if now is None else now
        window = self.ctx.story_window_seconds
        since = now - window

        fp = _parse_fp(doc.get("fingerprint"))
        fp_bands = simhash_bands(fp) if fp is not None else []
        toks = title_tokens(doc.get("title") or "")
        use_title = len(toks) >= TITLE_MIN_TOKENS
        t_bands = title_bands(toks) if use_title else []

        pipe = r.pipeline(transaction=False)
        for i, b in enumerate(fp_bands):
            pipe.zrangebyscore(self._fp_key(i, b), since, "+inf", withscores=True)
        for i, b in enumerate(t_bands):
            pipe.zrangebyscore(self._title_key(i, b), since, "+inf", withscores=True)
        results = pipe.execute() if (fp_bands or t_bands) else []

        story = self._best_fp(results[: len(fp_bands)], fp) if fp is not None else None
        if story is None and use_title:
            story = self._best_title(results[len(fp_bands):], toks, entity_signature(doc))
        story_id = story or doc_id or hashlib.sha1(f"{doc.get('title')}|{now}".encode()).hexdigest()

        pipe = r.pipeline(transaction=False)
        ttl = window + 3600
        for i, b in enumerate(fp_bands):
            k = self._fp_key(i, b)
            pipe.zadd(k, {f"{fp:016x}|{story_id}": now})
            pipe.zremrangebyscore(k, "-inf", since)
            pipe.expire(k, ttl)
        ent_all, ent_title = entity_signature(doc) if t_bands else (frozenset(), [])
        members = _SEP.join([" ".join(sorted(toks)), " ".join(sorted(ent_all)),
                             _GROUP.join(" ".join(sorted(g)) for g in ent_title)])
        for i, b in enumerate(t_bands):
            k = self._title_key(i, b)
            pipe.zadd(k, {f"{story_id}{_SEP}{members}": now})
            pipe.zremrangebyscore(k, "-inf", since)
            pipe.expire(k, ttl)
        if doc_id:
            pipe.set(self._doc_key(doc_id), story_id, ex=ttl)
        pipe.execute()
        return story_id

    @staticmethod
    def _best_fp(bucket_lists: list[list[tuple[str, float]]], fp: int | None) -> str | None:
        best: tuple[int, float, str] | None = None
        for entries in bucket_lists:
            for member, ts in entries:
                fp_hex, _, story = member.partition("|")
                d = hamming(int(fp_hex, 16), fp or 0)
                if d <= MAX_HAMMING and (best is None or (d, ts) < best[:2]):
                    best = (d, ts, story)
        return best[2] if best else None

    @staticmethod
    def _best_title(bucket_lists: list[list[tuple[str, float]]], toks: frozenset[str],
                    ents: tuple[frozenset[str], list[frozenset[str]]]) -> str | None:
        best: tuple[float, float, str] | None = None
        for entries in bucket_lists:
            for member, ts in entries:
                parts = member.split(_SEP)
                if len(parts) != 4:
                    continue
                story, words, other_all, other_title = parts
                j = jaccard(toks, frozenset(words.split()))
                if j < TITLE_JACCARD or (best is not None and (-j, ts) >= best[:2]):
                    continue
                other = (frozenset(other_all.split()),
                         [frozenset(g.split()) for g in other_title.split(_GROUP) if g])
                if entities_conflict(ents, other):
                    continue
                best = (-j, ts, story)
        return best[2] if best else None


def assign_story(doc: dict[str, Any] | Any, ctx: AlertsContext | None = None, now: float | None = None) -> str:
    """Story id for an enriched document (dict or ``EnrichedDocument``); see the module docstring."""
    if not isinstance(doc, dict):
        doc = doc.model_dump(mode="json")
    return StoryIndex(ctx).assign(doc, now=now)
