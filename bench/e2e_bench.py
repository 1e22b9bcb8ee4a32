"""End to end: the replay server publishes N articles across F feeds and the running service (one Celery
worker with 2 pool processes + beat, as ``newsworker run`` starts them) polls, fetches, extracts, indexes
them and fires alerts. Measures, through the whole system:

* articles/s sustained: N / (last article searchable - first article published), target 10,000 in 5 min;
* publish -> searchable p50/p95: replay-server release time to the first search that returns the document
  (a sampler queries Elasticsearch every 0.5 s, so +-0.5 s);
* publish -> webhook and poll -> webhook p50/p95: an alert rule matches a known fraction of the articles
  (every ``--mark-every``-th carries a marker word); "poll" is the first request for the item's feed after
  its release (target: p95 < 2 s after the feed is polled);
* where the time goes: the ``stage_seconds`` histograms the stages record in Redis (fetch: the page download
  and trafilatura; extract: the chain; story: story assignment; index: the Elasticsearch write; alert:
  matching; the fetch task runs the later ones in-process but records only its own time), the worker
  processes' CPU time against their wall-clock capacity, and the CPU the bench process (replay server)
  and Elasticsearch used meanwhile.

Isolation: a private redis-server (falls back to DB 13 of the shared Redis) and unique index names on the
shared Elasticsearch; everything is removed afterwards. Articles come from the full ANT corpus when
present, else the packaged sample repeated with unique ids.

    python bench/e2e_bench.py [--n 10000] [--feeds 200] [--rate 40] [--json]
    python bench/e2e_bench.py --n 500 --rate 20     # a quick run (~1 min)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from common import emit, percentile, row  # noqa: E402

from tests.chaos.stack import DOCNO_RE, PrivateRedis, Stack, wait_until, write_corpus  # noqa: E402

MARKER = "زنبقستان"  # a made-up word: the alert rule matches exactly the marked articles
LIGHT_MARK_EVERY = 4  # in the light-load phase one article in 4 matches (enough webhooks for a p95)
TARGET_N, TARGET_SECONDS = 10_000, 300.0
SHARED_REDIS = os.environ.get("NEWSWORKER_REDIS_URL", "redis://127.0.0.1:6379/0")
ES_URL = os.environ.get("NEWSWORKER_ES_URL", "http://127.0.0.1:9200")


def _proc_cpu(pid: int) -> float:
    """utime+stime of ``pid`` plus its reaped children (recycled pool processes), and live children."""
    tick = os.sysconf("SC_CLK_TCK")

    def stat(p: int | str) -> list[str]:
        raw = Path(f"/proc/{p}/stat").read_text()
        return raw[raw.rfind(")") + 2:].split()

    try:
        f = stat(pid)
        total = sum(int(x) for x in f[11:15]) / tick  # utime stime cutime cstime
        for kid in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            try:
                total += sum(int(x) for x in stat(kid)[11:13]) / tick
            except OSError:
                pass
        return total
    except OSError:
        return 0.0


def _own_cpu(pid: int) -> float:
    """utime+stime of ``pid`` alone (the Celery main process: consumer, dispatch, events, acks)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
        f = raw[raw.rfind(")") + 2:].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine from /proc/stat (other helpers' processes included)."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = f[3] + f[4]
    return (sum(f) - idle) / tick, sum(f) / tick


def _es_cpu_seconds(es) -> float | None:  # noqa: ANN001
    try:
        nodes = es.nodes.stats(metric="process")["nodes"]
        return sum(n["process"]["cpu"]["total_in_millis"] for n in nodes.values()) / 1000.0
    except Exception:  # noqa: BLE001
        return None


def _stage_profile(redis_url: str) -> dict[str, dict[str, float]]:
    """stage -> count, total seconds, mean, p50/p95 (upper bucket bound) from the Redis histogram."""
    import redis

    from worker.metrics import BUCKETS, prefix

    raw = redis.Redis.from_url(redis_url, decode_responses=True).hgetall(f"{prefix()}:h:stage_seconds")
    series: dict[str, dict[str, float]] = {}
    for fld, v in raw.items():
        lk, _, b = fld.rpartition("|")
        stage = json.loads(lk).get("stage", "?")
        series.setdefault(stage, {})[b] = float(v)
    out = {}
    for stage, vals in series.items():
        count = vals.get("+Inf", 0.0)
        if not count:
            continue

        def q(p: float, vals: dict[str, float] = vals, count: float = count) -> float:
            for b in BUCKETS:
                if vals.get(str(b), 0.0) >= p * count:
                    return b
            return float("inf")

        out[stage] = {"count": count, "total": vals.get("sum", 0.0), "mean": vals.get("sum", 0.0) / count,
                      "p50": q(0.5), "p95": q(0.95)}
    return out


def _stage_cpu(redis_url: str) -> dict[str, float]:
    """stage -> worker CPU seconds spent in it (the runner's ``stage_cpu_seconds_total`` counter)."""
    import redis

    from worker.metrics import prefix

    raw = redis.Redis.from_url(redis_url, decode_responses=True).hgetall(f"{prefix()}:c:stage_cpu_seconds_total")
    return {json.loads(k).get("stage", "?"): float(v) for k, v in raw.items()}


def _task_profile(log: Path) -> dict[str, tuple[int, float]]:
    """task name -> (runs, seconds inside the task) from the worker's "succeeded in" log lines."""
    import re

    pat = re.compile(r"Task newsworker\.([a-z_]+)\[[^\]]+\] succeeded in ([0-9.e-]+)s")
    out: dict[str, list[float]] = {}
    for line in log.read_text(errors="replace").splitlines():
        m = pat.search(line)
        if m:
            acc = out.setdefault(m.group(1), [0, 0.0])
            acc[0] += 1
            acc[1] += float(m.group(2))
    return {k: (int(v[0]), v[1]) for k, v in out.items()}


class Searchable:
    """Samples Elasticsearch every ``interval`` s and records when each docno first shows up in a search."""

    LOOKBACK = 30.0

    def __init__(self, stack: Stack, interval: float = 0.5) -> None:
        self.stack, self.interval = stack, interval
        self.first_seen: dict[str, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        es = self.stack.es()
        since = "1970-01-01T00:00:00Z"
        while not self.stop.is_set():
            now = time.time()
            try:
                hits = es.search(index=self.stack.tag, size=5000, source_includes=["url", "indexed"],
                                 query={"range": {"indexed": {"gte": since}}},
                                 sort=[{"indexed": "asc"}])["hits"]["hits"]
            except Exception:  # noqa: BLE001 - index not there yet
                hits = []
            for h in hits:
                m = DOCNO_RE.search(h["_source"].get("url") or "")
                if m and m.group(1) not in self.first_seen:
                    self.first_seen[m.group(1)] = now
            if len(hits) >= 5000:  # page on: the next query starts at the last one we saw
                since = hits[-1]["_source"]["indexed"]
            elif hits:
                # Only re-read the last LOOKBACK s: ``indexed`` is stamped just before each write attempt and
                # a write is searchable within the 1 s refresh, so nothing older can still appear. (Reading
                # every document on every sample made the sampler a growing share of Elasticsearch's CPU.)
                latest = datetime.fromisoformat(hits[-1]["_source"]["indexed"]).timestamp()
                since = max(since, datetime.fromtimestamp(latest - self.LOOKBACK, UTC).isoformat())
            self.stop.wait(self.interval)

    def __enter__(self) -> Searchable:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)


def _release_clock(stack: Stack, n: int, rate: float, stop: threading.Event) -> None:
    """Release ``n`` items at ``rate``/s through the replay server (its own clock is off: rate=0)."""
    t0, done = time.time(), 0
    while done < n and not stop.is_set():
        due = min(n, int((time.time() - t0) * rate) + 1)
        if due > done:
            stack.release(due - done)
            done = due
        stop.wait(0.05)


def html_rows(n: int) -> list[dict]:
    """Main-text extraction alone, one core: ``n`` corpus articles rendered as the replay server's pages
    (real text in site furniture), then ``build_article`` (trafilatura + feed fallback) on each, against
    the extraction chain on the same articles: pages/s and trafilatura's share of the two."""
    from common import iter_corpus

    from worker.extract.pipeline import extract_one, warm_up
    from worker.ingest.article import build_article
    from worker.records import FeedItem
    from worker.replay.corpus import display_name, slug_for
    from worker.replay.render import Entry, article_html

    docs = [d for d in iter_corpus(limit=3 * n) if d.get("title") and d.get("text")][:n]
    pages = []
    for d in docs:
        src = slug_for(d.get("source", ""))
        url = f"http://replay.local/articles/{src}/{d['docno']}.html"
        e = Entry(docno=d["docno"], source=src, title=d["title"], summary=d.get("abstract") or "", text=d["text"],
                  author=d.get("author") or "", category=d.get("category") or "", published=datetime.now(UTC),
                  link=url, canonical=url)
        pages.append((url, article_html(e, display_name(src), [])))
    build_article(FeedItem(id="w", url=pages[0][0], title="x"), html=pages[0][1], doc_id="w", url=pages[0][0])  # warm-up
    warm_up()
    t0 = time.process_time()
    bodies = []
    for url, page in pages:
        article, _ = build_article(FeedItem(id="x", url=url, title="", source="x"), html=page, doc_id="x", url=url)
        bodies.append(article)
    t_html = time.process_time() - t0
    t0 = time.process_time()
    for b in bodies:
        extract_one({"id": b.id, "title": b.title, "body": b.body})
    t_chain = time.process_time() - t0
    return [
        row("html", f"main-text extraction (trafilatura), {len(pages)} pages", len(pages) / t_html, "pages/s"),
        row("html", "main-text extraction per page", 1000 * t_html / len(pages), "ms"),
        row("html", "share of (main text + extraction chain) CPU", 100 * t_html / (t_html + t_chain), "%"),
    ]


def run(args: argparse.Namespace) -> list[dict]:
    from tests.integration.alert_receivers import WebhookReceiver, free_port

    work = Path(args.workdir or f"/tmp/nw-e2e-bench-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    def is_marked(i: int) -> bool:
        every = args.mark_every if i < args.n else LIGHT_MARK_EVERY
        return i % every == every - 1

    def mark(i: int, d: dict) -> dict:
        return dict(d, title=f"{d['title']} {MARKER}") if is_marked(i) else d

    total = args.n + args.light
    origin = write_corpus(work / "corpus.jsonl.gz", total, mark=mark)
    marked = sum(1 for i in range(args.n) if is_marked(i))
    sources = 5
    split = max(1, round(args.feeds / sources))
    private = PrivateRedis(work / "redis").start() if shutil.which("redis-server") else None
    redis_url = private.url(0) if private else SHARED_REDIS.rsplit("/", 1)[0] + "/13"
    receiver = WebhookReceiver(port=free_port()).start()
    hook = f"http://{receiver.host}:{receiver.port}/hooks/bench"
    rows: list[dict] = []
    try:
        with Stack(redis_url, ES_URL, work / "stack", corpus=work / "corpus.jsonl.gz", split=split,
                   window=args.window, feed_interval=args.poll_interval,
                   env_overrides={"NEWSWORKER_POLL_MIN_INTERVAL": str(args.poll_interval)}) as st:
            st.nw("alerts", "add", "bench-marker", "-q", MARKER, "--webhook", hook, "--replace")
            feeds = st.server.state.feed_keys()
            print(f"corpus: {origin['source']} ({args.n} items{', repeated' if origin['repeated'] else ''}); "
                  f"{len(feeds)} feeds; release {args.rate}/s; {marked} marked for the alert", flush=True)
            extra = ("--prefetch-multiplier", str(args.prefetch)) if args.prefetch else ()
            worker = st.start_worker("w1", concurrency=args.concurrency, extra=extra)
            st.start_beat()
            # warm-up: every feed polled once (registry, robots, connection pools, models loaded)
            wait_until(lambda: len(st.polls_per_feed()) >= len(feeds), 120, 0.5, "every feed polled once")
            time.sleep(2)
            es = st.es()
            cpu0, es0, self0 = _proc_cpu(worker.pid), _es_cpu_seconds(es), time.process_time()
            main0, mach0 = _own_cpu(worker.pid), _machine_cpu()
            stage_cpu0 = _stage_cpu(redis_url)
            stop = threading.Event()
            t_start = time.time()
            with Searchable(st) as seen:
                clock = threading.Thread(target=_release_clock, args=(st, args.n, args.rate, stop), daemon=True)
                clock.start()
                deadline = t_start + args.timeout
                while time.time() < deadline and len(seen.first_seen) < args.n:
                    time.sleep(1.0)
                    if args.progress:
                        print(f"  t={time.time() - t_start:5.0f}s released={len(st.published_docnos())} "
                              f"searchable={len(seen.first_seen)}", flush=True)
                stop.set()
                time.sleep(1.0)
                t_end = time.time()
                cpu1, es1, self1 = _proc_cpu(worker.pid), _es_cpu_seconds(es), time.process_time()
                main1, mach1 = _own_cpu(worker.pid), _machine_cpu()
                profile = _stage_profile(redis_url)
                stage_cpu = {k: v - stage_cpu0.get(k, 0.0) for k, v in _stage_cpu(redis_url).items()}
                tasks = _task_profile(st.workdir / "w1.log")
                heavy = set(st.published_docnos())
                if args.light:  # light load: what one article costs when nothing is queued
                    time.sleep(5)
                    stop = threading.Event()
                    _release_clock(st, args.light, args.light_rate, stop)
                    try:
                        wait_until(lambda: len(seen.first_seen) >= args.n + args.light, 180, 1.0,
                                   "the light-load articles searchable")
                    except AssertionError as err:  # reported through the rows (fewer latencies)
                        print(f"  light phase: {err}", flush=True)
            time.sleep(3)  # webhooks in flight
            published = st.published_docnos()
            ledger = st.ledger()
            polls = st.polls_per_feed()
            feed_of = {r.item.docno: r.feed_keys[-1] for r in st.server.state.released}
            hooks = {}
            for q in receiver.accepted:
                m = DOCNO_RE.search(json.dumps(q.json, ensure_ascii=False))
                if m and m.group(1) not in hooks:
                    hooks[m.group(1)] = q.received_at
            first_seen = dict(seen.first_seen)
    finally:
        receiver.stop()
        if private:
            private.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    def polled_at(docno: str) -> float | None:
        rel = published.get(docno)
        times = polls.get(feed_of.get(docno, ""), [])
        return next((t for t in times if rel is not None and t >= rel), None)

    def latencies(docnos: set[str]) -> tuple[list[float], list[float], list[float]]:
        searchable = [first_seen[d] - published[d] for d in first_seen if d in docnos]
        hook_lat = [hooks[d] - published[d] for d in hooks if d in docnos]
        poll_hook = [hooks[d] - p for d in hooks if d in docnos and (p := polled_at(d)) is not None]
        return searchable, hook_lat, poll_hook

    light = set(published) - heavy
    searchable, hook_lat, poll_hook = latencies(heavy)
    l_search, l_hook, l_poll = latencies(light)
    done = len([d for d in first_seen if d in heavy])
    hooks_heavy = len([d for d in hooks if d in heavy])
    last = max((first_seen[d] for d in first_seen if d in heavy), default=t_end)
    first = min((published[d] for d in heavy), default=t_start)
    span = max(1e-9, last - first)
    rate = done / span
    projected = TARGET_N / rate if rate else float("inf")
    wall = t_end - t_start
    capacity = wall * args.concurrency
    rows += [
        row("e2e", f"articles indexed of {args.n} published", done, "articles", f"= {args.n}", done == args.n),
        row("e2e", "duplicates (docs for one article)", ledger.duplicates, "docs", "0", ledger.duplicates == 0),
        row("e2e", f"articles/s sustained ({args.concurrency} worker processes)", rate, "art/s",
            f">= {TARGET_N / TARGET_SECONDS:.1f}", rate >= TARGET_N / TARGET_SECONDS),
        row("e2e", f"time for {TARGET_N:,} articles (projected)" if args.n != TARGET_N else
            f"time for {TARGET_N:,} articles", projected, "s", f"< {TARGET_SECONDS:.0f}",
            projected < TARGET_SECONDS),
        row("e2e", "publish -> searchable p50 (full load)", percentile(searchable, 50), "s"),
        row("e2e", "publish -> searchable p95 (full load)", percentile(searchable, 95), "s"),
        row("alerts", f"webhooks received of {marked} marked articles", hooks_heavy, "posts", f"= {marked}",
            hooks_heavy == marked),
        row("alerts", "publish -> webhook p50 (full load)", percentile(hook_lat, 50), "s"),
        row("alerts", "publish -> webhook p95 (full load)", percentile(hook_lat, 95), "s"),
        row("alerts", "poll -> webhook p50 (full load)", percentile(poll_hook, 50), "s"),
        row("alerts", "poll -> webhook p95 (full load)", percentile(poll_hook, 95), "s", "< 2",
            bool(poll_hook) and percentile(poll_hook, 95) < 2.0),
    ]
    if light:
        rows += [
            row("e2e", f"publish -> searchable p50 (light, {args.light_rate:g}/s)", percentile(l_search, 50), "s"),
            row("e2e", f"publish -> searchable p95 (light, {args.light_rate:g}/s)", percentile(l_search, 95), "s"),
            row("alerts", f"publish -> webhook p95 (light, {len(l_hook)} posts)", percentile(l_hook, 95), "s"),
            row("alerts", "poll -> webhook p50 (light)", percentile(l_poll, 50), "s"),
            row("alerts", "poll -> webhook p95 (light)", percentile(l_poll, 95), "s", "< 2",
                bool(l_poll) and percentile(l_poll, 95) < 2.0),
        ]
    for stage in ("poll", "fetch", "extract", "story", "index", "match", "deliver"):
        p = profile.get(stage)
        if p:
            rows.append(row("e2e-stage", f"{stage}: mean per article (p95 bucket <= {p['p95']}s)",
                            p["mean"] * 1000, "ms"))
            rows.append(row("e2e-stage", f"{stage}: share of worker capacity", 100 * p["total"] / capacity, "%"))
    staged = sum(p["total"] for p in profile.values())
    worker_cpu = cpu1 - cpu0
    per_article = max(1, done)
    for stage, cpu in sorted(stage_cpu.items(), key=lambda kv: -kv[1]):
        rows.append(row("e2e-cpu", f"{stage}: worker CPU per article", 1000 * cpu / per_article, "ms"))
    rows += [
        row("e2e-cpu", "stages: worker CPU per article (sum)", 1000 * sum(stage_cpu.values()) / per_article, "ms",
            "<= 30", 1000 * sum(stage_cpu.values()) / per_article <= 30),
        row("e2e-cpu", "worker process CPU per article (main + pool, all)", 1000 * worker_cpu / per_article, "ms"),
    ]
    in_tasks = sum(t[1] for t in tasks.values())
    for name, (count, secs) in sorted(tasks.items(), key=lambda kv: -kv[1][1]):
        rows.append(row("e2e-task", f"{name}: {count} runs, mean", 1000 * secs / max(1, count), "ms"))
    machine_busy = (mach1[0] - mach0[0]) / max(1e-9, mach1[1] - mach0[1])
    rows += [
        row("e2e-stage", "pool time inside tasks (all task types)", 100 * in_tasks / capacity, "% cap"),
        row("e2e-stage", "pool time in timed stages", 100 * staged / capacity, "% cap"),
        row("e2e-stage", "worker CPU (main + pool) / wall capacity", 100 * worker_cpu / capacity, "%"),
        row("e2e-stage", "Celery main process CPU (dispatch, acks, events)", main1 - main0, "cpu-s"),
        row("e2e-stage", "machine CPU busy (all processes, all users)", 100 * machine_busy, "%"),
        row("e2e-stage", "bench process CPU (replay server, sampler)", self1 - self0, "cpu-s"),
        row("e2e-stage", "Elasticsearch CPU during the run", (es1 - es0) if es0 is not None and es1 else None,
            "cpu-s"),
        row("e2e-stage", "wall time of the run", wall, "s"),
    ]
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=TARGET_N, help="articles to publish (default 10,000)")
    ap.add_argument("--feeds", type=int, default=200, help="feeds to spread them over (5 outlets x split)")
    ap.add_argument("--rate", type=float, default=TARGET_N / TARGET_SECONDS,
                    help="articles released per second (default: the target pace, 33.3/s)")
    ap.add_argument("--light", type=int, default=120, help="then this many more at light load (0: skip)")
    ap.add_argument("--light-rate", type=float, default=2.0, help="release rate of the light-load phase")
    ap.add_argument("--window", type=int, default=50, help="items each feed shows")
    ap.add_argument("--concurrency", type=int, default=2, help="worker pool processes")
    ap.add_argument("--prefetch", type=int, default=0,
                    help="worker --prefetch-multiplier (0: the app's setting, 1)")
    ap.add_argument("--poll-interval", type=int, default=5, help="feed polling interval (s)")
    ap.add_argument("--mark-every", type=int, default=50, help="every k-th article matches the alert rule")
    ap.add_argument("--timeout", type=float, default=None, help="give up after this many seconds")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--keep", action="store_true", help="keep logs and corpus in --workdir")
    ap.add_argument("--progress", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--html-pages", type=int, default=300, help="pages for the main-text figure (0: skip)")
    args = ap.parse_args()
    if args.timeout is None:
        args.timeout = max(300.0, args.n / 5.0)  # room down to 5 articles/s
    rows = html_rows(args.html_pages) if args.html_pages else []
    rows += run(args)
    emit(rows, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
