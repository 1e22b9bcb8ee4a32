"""Query-layer matching cost per article with 10 / 1,000 / 10,000 generated rules (target: 10k < 5 ms).

Measures ``worker.query`` alone (no alert filters, no delivery): per article, build a ``ViewContext`` from
its ``index_view`` and run ``Prefilter.match`` (Aho-Corasick candidates, then the compiled matcher on the
candidates only). Also reports the prefilter build time, candidates and matches per article, and the cost
without the prefilter (every rule's matcher on every article) for comparison.

Articles: ANT corpus news items through the extraction chain (``--no-extract`` to skip it). Rules: generated
from the corpus vocabulary in the shapes alert users write (words, AND/OR groups, phrases, prefixes, NOTs,
event/place/source filters, casualty thresholds), using words of mid frequency (not stop words).

    python bench/query_bench.py [--articles 200] [--rules 10,1000,10000] [--no-extract] [--json]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import emit, iter_corpus, percentile, row  # noqa: E402
from worker.document import EVENT_TYPES  # noqa: E402
from worker.query import compile  # noqa: E402
from worker.query.fields import index_view  # noqa: E402
from worker.query.matcher import ViewContext  # noqa: E402
from worker.query.prefilter import Prefilter  # noqa: E402


def load_views(n: int, extract: bool) -> tuple[list[dict], float]:
    raw = []
    for d in iter_corpus():
        if d.get("category") in ("middleEast", "internationalNews") and len(d.get("text") or "") > 300:
            raw.append({"url": d.get("url"), "title": d.get("title") or "", "text": d["text"],
                        "time": d.get("time"), "source": d.get("source")})
        if len(raw) >= n:
            break
    if extract:
        from worker.extract.pipeline import extract_many

        docs = [doc.model_copy(update={"source": r["source"]}) for doc, r in zip(extract_many(raw), raw, strict=True)]
    else:
        docs = [{"id": str(i), "title": r["title"], "body": r["text"], "source": r["source"]} for i, r in enumerate(raw)]
    t0 = time.perf_counter()
    views = [index_view(d) for d in docs]
    return views, (time.perf_counter() - t0) * 1000 / max(len(views), 1)


def make_rules(views: list[dict], n: int, rng: random.Random) -> dict[str, str]:
    df: Counter[str] = Counter()
    for v in views:
        df.update(set(v.get("body_ar", "").split()))
    # mid-frequency content words: in at most 5 % of the articles, at least 2 characters
    words = [w for w, c in df.items() if c <= max(2, len(views) // 20) and len(w) >= 2 and not w.isdigit()]
    words.sort()
    places = sorted({p for v in views for p in v.get("place_names", [])}) or ["سوريا"]
    entities = sorted({p for v in views for p in v.get("entity_names", [])}) or ["قسد"]
    bodies = [v["body_ar"].split() for v in views if v.get("body_ar")]
    sources = sorted({v["source"] for v in views if v.get("source")}) or ["bbc"]

    def w() -> str:
        return rng.choice(words)

    def phrase() -> str:
        toks = rng.choice(bodies)
        i = rng.randrange(max(len(toks) - 2, 1))
        return '"' + " ".join(toks[i : i + 2]) + '"'

    shapes = [
        lambda: w(),
        lambda: f"{w()} {w()}",
        lambda: f"({w()} OR {w()} OR {w()}) {w()}",
        lambda: phrase(),
        lambda: f"{phrase()} OR {phrase()}",
        lambda: f"{w()[:3]}* {w()}",
        lambda: f"{w()} -{w()}",
        lambda: f'event:{rng.choice(EVENT_TYPES)} place:"{rng.choice(places)}"',
        lambda: f'entity:"{rng.choice(entities)}" {w()}',
        lambda: f"{w()} killed:>{rng.choice([1, 5, 10])}",
        lambda: f"source:{rng.choice(sources)} {w()}",
        lambda: f"({w()} OR {phrase()}) date:>=2018-03-01",
    ]
    return {f"r{i}": rng.choice(shapes)() for i in range(n)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--rules", default="10,1000,10000")
    ap.add_argument("--no-extract", action="store_true")
    ap.add_argument("--baseline-articles", type=int, default=30, help="articles for the no-prefilter run")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    views, view_ms = load_views(args.articles, not args.no_extract)
    rows = [row("query", "index_view per article", view_ms, "ms")]
    rng = random.Random(8)
    for n in (int(x) for x in args.rules.split(",")):
        rules = make_rules(views, n, rng)
        t0 = time.perf_counter()
        compiled = {rid: compile(q) for rid, q in rules.items()}
        pf = Prefilter(compiled)
        pf.candidates({})  # builds the automaton
        build_ms = (time.perf_counter() - t0) * 1000
        times, cands, matches = [], 0, 0
        for v in views:
            t = time.perf_counter()
            ctx = ViewContext(v)
            got = pf.match(ctx)
            times.append((time.perf_counter() - t) * 1000)
            cands += len(pf.candidates(ctx))
            matches += len(got)
        mean = sum(times) / len(times)
        target = "< 5 ms" if n >= 10_000 else ""
        rows += [
            row("query", f"{n:,} rules: match per article (mean)", mean, "ms", target,
                mean < 5 if n >= 10_000 else None),
            row("query", f"{n:,} rules: match per article (p95)", percentile(times, 95), "ms"),
            row("query", f"{n:,} rules: candidates / matches per article",
                round(cands / len(views), 1), f"/ {matches / len(views):.1f}"),
            row("query", f"{n:,} rules: compile + prefilter build", build_ms, "ms"),
        ]
        base = views[: args.baseline_articles]
        t = time.perf_counter()
        for v in base:
            ctx = ViewContext(v)
            full = {rid for rid, cq in compiled.items() if cq.matches(ctx)}
            assert full == pf.match(ctx), "prefilter lost a match"
        rows.append(row("query", f"{n:,} rules: without prefilter (mean)",
                        (time.perf_counter() - t) * 1000 / len(base), "ms"))
    emit(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
