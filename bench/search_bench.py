"""Search benchmark: bulk-index the ANT corpus into a throw-away alias on the local node, then time searches.

Reports
  * analysis docs/s: ``index_view`` (Python Arabic analysis + derived fields) over raw articles;
  * bulk docs/s: ``index_documents`` (streaming bulk, chunks of 500) of the prepared views;
  * end-to-end docs/s of the two together;
  * search latency p50/p95 over realistic queries (words, phrases, boolean, prefix, field filters, date
    ranges), with facets and Python highlights, as the API runs them: wall time in the client and the
    ``took`` reported by Elasticsearch.

The corpus is indexed as text + metadata by default (the chain's speed is measured by extract_bench.py);
``--enrich N`` runs ``extract_many`` over the first N articles so entity/event filters have data.

Usage: python bench/search_bench.py [--limit N] [--enrich N] [--rounds R] [--keep] [--json]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import corpus_path, emit, percentile, row  # noqa: E402

QUERIES = [
    "سوريا",
    "وبالسجن",
    '"الأمم المتحدة"',
    '"كوريا الشمالية" AND واشنطن',
    "إيران AND النووي",
    "(غزة OR القدس) AND إسرائيل",
    "النفط NOT أسعار",
    "سج*",
    "ترامب",
    "الانتخابات العراقية",
    "اليمن الحوثي",
    "كرة القدم",
    "date:2018-05 AND مصر",
    "source:skynews AND الاقتصاد",
    "روسيا OR تركيا OR فرنسا",
    "اللاجئين",
    "event:airstrike",
    "killed:>10",
    "place:دمشق",
    'entity:حماس OR entity:"حزب الله"',
    # issue 16: the searches of its table (clitic and broken-plural forms now match) and exact-form search
    "إيران",
    "قتيل",
    "أطفال",
    "مدينة",
    "exact:لبنان",
    'exact:"السجون السرية"',
]
P95_TARGET_MS = 50


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="articles to index (default: the whole corpus)")
    ap.add_argument("--enrich", type=int, default=0, help="run the extraction chain over the first N")
    ap.add_argument("--rounds", type=int, default=5, help="timed passes over the query set")
    ap.add_argument("--chunk-size", type=int, default=500)
    ap.add_argument("--alias", default=None, help="alias to create (default: a unique bench-... name)")
    ap.add_argument("--keep", action="store_true", help="keep the index afterwards")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON on the last line")
    args = ap.parse_args()

    from elasticsearch import Elasticsearch

    from worker.store import elastic
    from worker.store.clients import es_version
    from worker.store.sample import enrich, iter_raw, to_document
    from worker.store.search import search

    es = Elasticsearch(os.environ.get("NEWSWORKER_ES_URL", "http://127.0.0.1:9200"), request_timeout=120)
    alias = args.alias or f"bench-articles-{uuid.uuid4().hex[:6]}"
    path = corpus_path()
    print(f"search bench: Elasticsearch {es_version(es)}, corpus {path.name}, alias {alias}", flush=True)

    docs = [to_document(r) for r in iter_raw(path, args.limit)]
    if args.enrich:
        t0 = time.perf_counter()
        docs[: args.enrich] = enrich(docs[: args.enrich])
        print(
            f"  enriched {min(args.enrich, len(docs))} articles in {time.perf_counter() - t0:.1f}s",
            flush=True,
        )

    rows: list[dict] = []
    try:
        elastic.ensure_index(es, alias)
        t0 = time.perf_counter()
        views = [elastic.to_source(d) for d in docs]
        t_view = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = elastic.index_documents(es, views, alias=alias, chunk_size=args.chunk_size, view=lambda v: v)
        t_bulk = time.perf_counter() - t0
        es.indices.refresh(index=alias)
        n = res.indexed
        print(
            f"  indexed {n} ({len(res.failed)} failed): views {t_view:.1f}s, bulk {t_bulk:.1f}s", flush=True
        )
        size_mb = elastic.stats(es, alias)["indices"]
        size_mb = sum(v["size_bytes"] for v in size_mb.values()) / 1e6
        rows += [
            row("search", "indexed documents", n, "docs"),
            row("search", "analysis (index_view) throughput", len(views) / t_view, "docs/s"),
            row("search", "bulk indexing throughput", n / t_bulk, "docs/s"),
            row("search", "analysis + bulk throughput", n / (t_view + t_bulk), "docs/s"),
            row("search", "index size", size_mb, "MB"),
        ]

        for q in QUERIES:  # warm-up: caches, JIT of the query paths, mapping cache
            search(es, q, alias=alias, size=20)
        wall: list[float] = []
        took: list[float] = []
        per_query: dict[str, list[float]] = {q: [] for q in QUERIES}
        totals: dict[str, int] = {}
        for _ in range(args.rounds):
            for q in QUERIES:
                t0 = time.perf_counter()
                r = search(es, q, alias=alias, size=20, facets=True)
                ms = (time.perf_counter() - t0) * 1000
                wall.append(ms)
                took.append(r.took_ms)
                per_query[q].append(ms)
                totals[q] = r.total
        for q in QUERIES:
            print(f"    {statistics.median(per_query[q]):7.1f} ms  {totals[q]:6d} hits  {q}")
        rows += [
            row("search", "search latency p50 (client, facets+highlights)", percentile(wall, 50), "ms"),
            row("search", "search latency p95 (client, facets+highlights)", percentile(wall, 95), "ms",
                f"< {P95_TARGET_MS}", percentile(wall, 95) < P95_TARGET_MS),
            row("search", "search latency p50 (Elasticsearch took)", percentile(took, 50), "ms"),
            row("search", "search latency p95 (Elasticsearch took)", percentile(took, 95), "ms"),
        ]
    finally:
        if not args.keep:
            elastic.drop_alias_and_indices(es, alias)
    emit(rows, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
