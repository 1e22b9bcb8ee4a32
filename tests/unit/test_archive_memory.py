"""An import's memory: the story log's per-process copy (``worker.alerts.stories._Mirror``) is what grew
with an archive's rows (the window is wall-clock time, so every imported row stays in it). QA: 559 MB at
6.5k rows to 822 MB at 43k rows of a 50k-row CSV. It is bounded now: compact entries, at most
``max_entries`` of them."""

from __future__ import annotations

import gc
import json
import random
import tracemalloc

from worker.alerts.stories import MAX_ENTRIES, TITLE_BANDS, _Mirror, title_bands

_VOCAB = [f"كلمة{i}" for i in range(3000)]
_NAMES = [f"اسم {i}" for i in range(5000)]


def _entry(rng: random.Random, i: int) -> str:
    """A log entry shaped like a real one (ANT import: ~7 title tokens, ~25 entity tokens, 8 bands, the
    cross-outlet link's part: three signatures, places, events, figures, and the guards: title figures, a
    headline town, the article's towns, ~15 entity names)."""
    toks = sorted(set(rng.sample(_VOCAB, 7)))
    ents = sorted(set(rng.sample(_VOCAB, 25)))
    groups = [sorted(rng.sample(ents, 2)) for _ in range(2)]
    def sig(n: int) -> list[list[float]]:  # a signature as the log carries it (story_vectors.Signature.to_json)
        terms = sorted(rng.sample(range(2**32), n))
        return [terms, [round(rng.random(), 4) for _ in terms]]

    link = {"src": rng.choice(["bbc", "cnn", "skynews"]), "ts": 1000.0 + i, "sigs": [sig(32), sig(8), sig(16)],
            "places": [str(rng.randrange(10**6)) for _ in range(3)], "events": ["airstrike"],
            "cas": [["killed", rng.randrange(100)]], "nums": [rng.randrange(1000) for _ in range(2)]}
    # guards as the chain gives them over the corpus's world articles: a figure in 12 % of titles, a headline
    # town in 7 %, 1.7 towns and 12 entity names an article
    towns = [[f"town {t}", 30.0 + t / 100, 40.0 + t / 100] for t in rng.sample(range(2000), rng.choice([0, 1, 2, 2, 3]))]
    guards = [[rng.randrange(100)] if rng.random() < 0.12 else [], towns[:1] if rng.random() < 0.07 else [], towns,
              sorted(rng.sample(_NAMES, 12)), sorted(rng.sample(["IQ", "SY", "US", "TR", "IR", "SA"], 2))]
    return json.dumps([1000.0 + i, f"{rng.getrandbits(64) | 1:016x}", f"{rng.getrandbits(160):040x}", toks,
                       ents, groups, title_bands(toks), link, guards], ensure_ascii=False)


def test_the_mirror_keeps_at_most_max_entries_and_the_newest_still_match() -> None:
    rng = random.Random(3)
    m = _Mirror(max_entries=400)
    raws = [_entry(rng, i) for i in range(3000)]
    sizes = []
    for i, raw in enumerate(raws):
        m.add(f"{10_000 + i}-0", raw)
        sizes.append(len(m.entries))
    assert max(sizes) <= 400 and min(sizes[400:]) >= 300  # between 3/4 of the cap and the cap
    assert len(m.fps) <= 1024 and len(m.bands) <= 1024  # the arrays are rebuilt, not only the list
    newest = json.loads(raws[-1])
    assert m.best_fp(int(newest[1], 16), since=0.0) == newest[2]
    assert m.best_title(newest[6], frozenset(newest[3]), (frozenset(), []), since=0.0) == newest[2]
    oldest = json.loads(raws[0])
    assert m.best_fp(int(oldest[1], 16), since=0.0) is None  # dropped: a later copy starts a new story
    assert m.last_id == f"{10_000 + 2999}-0"


def test_an_entry_costs_under_2_25_kb_so_the_cap_is_under_100_mb() -> None:
    rng = random.Random(5)
    raws = [_entry(rng, i) for i in range(2000)]

    def measure() -> tuple[float, _Mirror]:
        m = _Mirror()
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for i, raw in enumerate(raws):
                m.add(f"{10_000 + i}-0", raw)
            gc.collect()
            return (tracemalloc.get_traced_memory()[0] - before) / len(raws), m
        finally:
            tracemalloc.stop()

    # tracemalloc counts every thread's allocations: in the whole suite, threads left by earlier tests
    # (clients, servers) allocate during a run, so the least of three runs is the mirror's own cost
    runs = [measure() for _ in range(3)]
    per_entry, m = min(runs, key=lambda r: r[0])
    print(f"{per_entry:.0f} bytes per entry")
    # was ~6.5 KB (parsed JSON strings and frozensets per entry); ~1.9 KB before the guards
    # (``story_guards``: title figures, towns, entity names), ~2.1 KB with them
    assert per_entry < 2304, per_entry
    assert per_entry * MAX_ENTRIES < 100 * 2**20
    assert len(m.bands[0]) == TITLE_BANDS
