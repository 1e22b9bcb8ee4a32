"""Benchmark the extraction chain on ANT corpus articles (one core, after warm-up).

Usage: python bench/extract_bench.py [--n 1000] [--corpus PATH] [--stages]

Prints load time (imports + shipped tables/models), articles/s after warm-up (``--warmup`` other
articles first, so word caches are filled), p50/p99 ms per article, mean words per article and peak RSS. Falls back to the committed sample ``worker/replay/data/ant-sample.jsonl.gz`` when
the full corpus is absent. ``--stages`` also times each stage separately.

``--stream N`` is the long-run figure instead: N articles read one at a time from the corpus (so the
bench's own article list holds no memory), RSS printed every 2,000, and the rows are the RSS and the
articles/s over the whole run. A worker runs for days on a stream of new words, and every per-word cache
of the chain fills towards its bound (``worker.extract.memo.WORD_TYPES``): the 1,000-article figure is
taken before most of them are full, this one after.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import itertools
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from worker.devdata import CORPUS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "worker" / "replay" / "data" / "ant-sample.jsonl.gz"


def load_articles(path: Path, n: int) -> list[dict]:
    """First ``n`` articles with a body, mapped to the chain's input shape."""
    return list(itertools.islice(iter_articles(path), n))


def iter_articles(path: Path) -> Iterator[dict]:
    """Corpus articles with a body, one at a time, in the chain's input shape."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            body = d.get("text") or d.get("body") or ""
            if body:
                yield {"id": d.get("docno") or d.get("id"), "url": d.get("url"), "title": d.get("title") or "",
                       "body": body, "published": d.get("time") or d.get("published")}


def tagger_rows() -> tuple[str, Callable[[str, bool], tuple[str, bool | None]]]:
    """The rows' area for the tagger in use, and how a target is shown: the bars hold for the default tagger;
    the hybrid's figures are what choosing it costs."""
    tagger = os.environ.get("NEWSWORKER_NER") or "crf"

    def bar(target: str, ok: bool) -> tuple[str, bool | None]:
        return (target, ok) if tagger == "crf" else ("", None)

    return ("extraction" if tagger == "crf" else f"extract-{tagger[:2]}"), bar


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--warmup", type=int, default=300, help="articles processed before measuring")
    ap.add_argument("--stages", action="store_true", help="time each stage separately too")
    ap.add_argument("--json", action="store_true", help="end with a bench/common rows line (make bench)")
    ap.add_argument("--stream", type=int, default=0, metavar="N",
                    help="long run: N corpus articles streamed, RSS at the end (steady state)")
    ap.add_argument("--tagger", choices=("crf", "hybrid"), default=None,
                    help="NER tagger (NEWSWORKER_NER); the targets apply to the default, crf")
    a = ap.parse_args()
    if a.tagger:
        os.environ["NEWSWORKER_NER"] = a.tagger
    path = a.corpus or (CORPUS if CORPUS.exists() else SAMPLE)
    if not path.exists():
        print(f"no corpus at {CORPUS} and no sample at {SAMPLE}", file=sys.stderr)
        return 2
    if a.stream:
        return stream_run(path, a.stream, a.json)
    # --stages times each stage on articles of their own, as unseen as the measured ones: on articles the
    # chain has just processed, its word caches (token folds, NER rows, proclitic splits) are all warm and
    # the stage times summed to ~3 ms/article less than the chain's own (the misses were in no stage).
    loaded = load_articles(path, a.n + a.warmup + (a.n if a.stages else 0))
    articles, warm = loaded[: a.n], loaded[a.n : a.n + a.warmup] or loaded[: a.warmup]
    staged = loaded[a.n + a.warmup :] or articles

    sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    from worker.extract.pipeline import extract_one, warm_up

    warm_up()
    load_s = time.perf_counter() - t0

    for art in warm:  # warm-up on other articles: word caches fill, then steady state is measured
        extract_one(art)
    times: list[float] = []
    t_all = time.perf_counter()
    c_all = time.process_time()
    for art in articles:
        t = time.perf_counter()
        extract_one(art)
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - t_all
    cpu = time.process_time() - c_all
    times.sort()
    words = statistics.mean(len((x["title"] + " " + x["body"]).split()) for x in articles)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"corpus: {path} ({len(articles)} articles, mean {words:.0f} words)")
    print(f"load: {load_s:.2f} s")
    print(f"throughput: {len(articles) / total:.1f} articles/s wall, {len(articles) / cpu:.1f} articles/s per CPU-second"
          " (the second is what one dedicated core gives when the machine is shared)")
    print(f"latency: p50 {1000 * times[len(times) // 2]:.2f} ms, p99 {1000 * times[int(len(times) * 0.99) - 1]:.2f} ms")
    print(f"peak RSS: {rss_mb:.0f} MB")

    if a.stages:
        from worker.extract import casualty_model, dates, event_model, fingerprint, keywords, quotes, tokens
        from worker.extract.dates import parse_published
        from worker.extract.normalize import fold_with_offsets
        from worker.extract.pipeline import _state

        ent = _state.entities()
        stage_t: dict[str, float] = {}

        def clock(name: str, fn, *args, **kwargs):  # noqa: ANN001, ANN003, ANN202
            t = time.process_time()
            r = fn(*args, **kwargs)
            stage_t[name] = stage_t.get(name, 0.0) + time.process_time() - t
            return r

        from worker.document import EnrichedDocument
        from worker.extract.pipeline import _coerce

        for art in staged:
            doc_in = clock("document", _coerce, art)
            title, body = art["title"], art["body"]
            pub = parse_published(art["published"])
            tt = clock("tokens", tokens.tokenize, title)
            bt = clock("tokens", tokens.tokenize, body)
            bs = clock("sentences", tokens.sentences, body)
            tf = clock("fold", fold_with_offsets, title)
            bf = clock("fold", fold_with_offsets, body)
            ents = clock("entities", functools.partial(ent, tokens=(tt, bt), sentences=(None, bs)), title, body, pub)
            td = clock("dates", dates.find_dates, title, pub, "title", tf, False)
            bd = clock("dates", dates.find_dates, body, pub, "body", bf, False)
            seen: set[str] = set()
            ds = [d for d in td + bd if not (d.date in seen or seen.add(d.date))]  # each date once, first mention
            evs, rts = clock("events", event_model.detect_events_and_rules, title, body, bs, bf, pub, dates=(td, bd))
            cas = clock("casualties", functools.partial(casualty_model.score_casualties, dates=(td, bd), folded_body=bf,
                                                        event_types={e.type for e in evs}, rule_types=rts),
                        title, body, (tt, bt), (None, bs), pub)
            qs = clock("quotes", quotes.find_quotes, body, bs, bf)
            kws = clock("keywords", keywords.find_keywords, title, body, tt, bt)
            fp = clock("fingerprint", lambda f: fingerprint.simhash("", folded=f), f"{tf[0]} {bf[0]}")
            clock("document", EnrichedDocument,
                  id=doc_in.id or "x", url=doc_in.url, title=title, body=body, published=pub, entities=ents,
                  dates=ds, casualties=cas, events=evs, quotes=qs, keywords=kws, fingerprint=fp)
        for name, secs in sorted(stage_t.items(), key=lambda kv: -kv[1]):
            print(f"  {name:12} {1000 * secs / len(staged):7.2f} ms CPU/article")
        print(f"  {'sum':12} {1000 * sum(stage_t.values()) / len(staged):7.2f} ms CPU/article"
              f" (the chain: {1000 * cpu / len(articles):.2f})")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import emit, row

    per_cpu = len(articles) / cpu
    area, bar = tagger_rows()
    emit([
        row(area, "articles/s on one core (per CPU-second)", per_cpu, "art/s", *bar(">= 100", per_cpu >= 100)),
        row(area, "articles/s wall", len(articles) / total, "art/s"),
        row(area, "p50 per article", 1000 * times[len(times) // 2], "ms"),
        row(area, "p99 per article", 1000 * times[int(len(times) * 0.99) - 1], "ms"),
        row(area, "model load", load_s, "s", *bar("< 2", load_s < 2)),
        row(area, "peak RSS", rss_mb, "MB", *bar("< 500", rss_mb < 500)),
    ], a.json)
    return 0


def current_rss_mb() -> float:
    """Resident memory now (the peak, ``ru_maxrss``, is reported beside it)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def stream_run(path: Path, n: int, as_json: bool) -> int:
    """The long-run figures (see the module doc)."""
    sys.path.insert(0, str(ROOT))
    from worker.extract.memo import WORD_TYPES
    from worker.extract.pipeline import extract_one, warm_up

    warm_up()
    print(f"corpus: {path}; word-type caches bounded at {WORD_TYPES:,}")
    print(f"after load: RSS {current_rss_mb():.0f} MB")
    done = 0
    c0 = time.process_time()
    for art in iter_articles(path):
        extract_one(art)
        done += 1
        if done % 2000 == 0:
            print(f"  {done:6,} articles: RSS {current_rss_mb():.0f} MB")
        if done >= n:
            break
    cpu = time.process_time() - c0
    if done < n:
        print(f"the corpus has only {done:,} articles with a body; the figures are for those")
    rss_now, rss_peak = current_rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"after {done:,} articles: RSS {rss_now:.0f} MB (peak {rss_peak:.0f}), {done / cpu:.1f} articles per CPU-second")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import emit, row

    area, bar = tagger_rows()
    emit([
        row(area, f"peak RSS over {done:,} articles (long run)", rss_peak, "MB", *bar("< 500", rss_peak < 500)),
        row(area, f"articles/s on one core over {done:,} articles", done / cpu, "art/s"),
    ], as_json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
