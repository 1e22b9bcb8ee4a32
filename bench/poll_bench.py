"""Polling benchmark: 1,000 feeds on the replay server, ~90% answering 304 Not Modified.

Starts ``newsworker replay-server --split 200`` in a subprocess (5 sources x 200 = 1,000 feeds),
registers the feeds under a throw-away Redis prefix, runs a cold round (every feed 200 + parse), then
publishes one new item into 10% of the feeds and times a warm round (90% 304, 10% 200 with 1 new item)
with N concurrent pollers (threads standing in for Celery worker slots). The per-host token bucket is
opened wide: every feed is on 127.0.0.1 here, which real deployments never see.

    python bench/poll_bench.py [--feeds-per-source 200] [--workers 1 8] [--corpus PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from worker.devdata import CORPUS
from worker.ingest.poller import PollOutcome, poll_feed_once
from worker.ingest.registry import Feed
from worker.pipeline.context import AppContext
from worker.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import emit, row  # noqa: E402

from worker.store.clients import get_redis


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, split: int, corpus: Path | None) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "worker.cli.main", "replay-server", "--port", str(port), "--split", str(split),
           "--rate", "0", "--start-released", "1000000", "--window", "30"]
    if corpus:
        cmd += ["--corpus", str(corpus)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(600):
        try:
            httpx.get(f"http://127.0.0.1:{port}/admin/stats", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("replay server did not start: " + proc.stderr.read().decode())


def poll_round(ctx: AppContext, ids: list[str], workers: int) -> tuple[float, list[PollOutcome]]:
    counter = {"new": 0}

    def emit(_payload: dict) -> None:
        counter["new"] += 1  # hand-off cost is the broker's, measured elsewhere

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(lambda fid: poll_feed_once(ctx, fid, emit), ids))
    return time.perf_counter() - t0, outcomes


def summarise(label: str, wall: float, outcomes: list[PollOutcome]) -> dict:
    by: dict[str, int] = {}
    for o in outcomes:
        by[o.result] = by.get(o.result, 0) + 1
    lat = sorted(o.elapsed * 1000 for o in outcomes)
    row = {
        "round": label, "feeds": len(outcomes), "wall_s": round(wall, 2),
        "feeds_per_s": round(len(outcomes) / wall, 1), "results": by,
        "new_items": sum(o.new_items for o in outcomes),
        "p50_ms": round(statistics.median(lat), 1), "p95_ms": round(lat[int(0.95 * (len(lat) - 1))], 1),
    }
    print(json.dumps(row, ensure_ascii=False))
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--feeds-per-source", type=int, default=200)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--changed", type=float, default=0.10, help="share of feeds given a new item")
    ap.add_argument("--corpus", type=Path, default=CORPUS if CORPUS.exists() else None)
    ap.add_argument("--json", action="store_true", help="end with a bench/common rows line (make bench)")
    args = ap.parse_args()

    port = free_port()
    proc = start_server(port, args.feeds_per_source, args.corpus)
    base = f"http://127.0.0.1:{port}"
    prefix = f"bench:{uuid.uuid4().hex[:8]}:"
    redis = get_redis()
    settings = Settings(allow_private_addresses=True, per_host_rate=1e6, per_host_burst=1_000_000,
                        http_timeout=10.0, poll_force_full_every=10**9)
    try:
        listing = httpx.get(f"{base}/feeds.json", timeout=30).json()["feeds"]
        print(f"replay server {base}: {len(listing)} feeds, corpus {args.corpus or 'sample'}", file=sys.stderr)
        rows = []
        for workers in args.workers:
            ctx = AppContext.create(settings, redis_client=redis, prefix=prefix + f"w{workers}:")
            for f in listing:
                ctx.registry.add(Feed(id=f["id"], url=f["url"], source=f["source"]))
            ids = [f["id"] for f in listing]
            rows.append(summarise(f"cold (all 200), {workers} pollers", *poll_round(ctx, ids, workers)))
            rows.append(summarise(f"all 304, {workers} pollers", *poll_round(ctx, ids, workers)))
            changed = random.Random(workers).sample(listing, int(len(listing) * args.changed))
            with httpx.Client(timeout=10) as client:
                for f in changed:
                    key = f["url"].rsplit("/", 1)[1].removesuffix(".rss")
                    client.post(f"{base}/admin/publish", json={
                        "source": f["source"], "feed": key, "title": f"خبر عاجل {key}", "body": "نص الخبر"})
            rows.append(summarise(f"90% 304 / 10% new, {workers} pollers", *poll_round(ctx, ids, workers)))
            ctx.close()
        print(json.dumps({"summary": rows}, ensure_ascii=False, indent=1), file=sys.stderr if args.json else sys.stdout)
        out = []
        for r in rows:
            if r["round"].startswith("90%"):
                out.append(row("polling", f"1,000 feeds, 90% 304: round ({r['round'].split(', ')[1]})",
                               r["wall_s"], "s", "report"))
                out.append(row("polling", f"  feeds/s ({r['round'].split(', ')[1]})", r["feeds_per_s"], "feeds/s"))
        emit(out, args.json)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        keys = list(redis.scan_iter(f"{prefix}*", count=5000))
        for i in range(0, len(keys), 1000):
            redis.delete(*keys[i:i + 1000])


if __name__ == "__main__":
    os.environ.setdefault("NEWSWORKER_ALLOW_PRIVATE_ADDRESSES", "true")
    main()
