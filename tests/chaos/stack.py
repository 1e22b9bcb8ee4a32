"""An isolated newsworker stack on real services, for the chaos scenarios and the end-to-end benchmark.

Pieces, each owned by the caller and torn down by it:

* ``PrivateRedis``: a redis-server of our own (random port, AOF in a temp dir) that a test may stop and
  restart at will; the shared Redis on 6379 is never touched.
* ``PrivateES``: a second Elasticsearch node started by ``scripts/services.sh`` on other ports with its
  own data dir (the shared node on 9200/9300 is never touched).
* ``Stack``: the replay feed server (in a thread, counting every feed request), the storage setup, the
  replay feeds registered, and any number of Celery worker / beat processes, all on one Redis DB and one
  set of Elasticsearch index names.
* ``Ledger``: what the replay server published against what Elasticsearch holds: indexed, missing,
  duplicates (two documents for one published article) and re-writes (``_version`` > 1).

The corpus the replay server releases is written by ``write_corpus``: the full ANT corpus when present,
else the packaged sample repeated with unique doc numbers (and a per-copy title suffix, so copies are
distinct articles, not near-duplicates).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.integration.alert_receivers import free_port
from tests.integration.procs import all_queues, wait_for
from worker.devdata import CORPUS

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "worker" / "replay" / "data" / "ant-sample.jsonl.gz"
FULL = Path(os.environ.get("NEWSWORKER_CORPUS", CORPUS))
DOCNO_RE = re.compile(r"/articles/[A-Za-z0-9_-]+/([A-Za-z0-9_.-]+)\.html")


def wait_until(predicate: Callable[[], Any], timeout: float, interval: float = 0.5, what: str = "condition") -> Any:
    return wait_for(predicate, timeout, interval, what)


# corpus -----------------------------------------------------------------------------------------

def write_corpus(dest: Path, n: int, *, prefer_full: bool = True,
                 mark: Callable[[int, dict], dict] | None = None) -> dict[str, Any]:
    """Write ``n`` corpus lines to ``dest`` (gzip JSONL, the replay server's format).

    Uses the full corpus when present (its first ``n`` items with a title and text), else the sample
    repeated with unique doc numbers, in the order the replay server releases them (publication time).
    ``mark(i, row)`` may rewrite the i-th released row (the benchmark marks a known fraction for its alert
    rule). Returns where the items came from.
    """
    src = FULL if prefer_full and FULL.is_file() else SAMPLE
    base: list[dict] = []
    with gzip.open(src, "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            if d.get("title") and d.get("text"):
                base.append(d)
            if len(base) >= n:
                break
    if not base:
        raise RuntimeError(f"no usable items in {src}")
    rows = []
    for i in range(n):
        d = dict(base[i % len(base)])
        copy = i // len(base)
        if copy:
            d["docno"] = f"{d['docno']}-r{copy}"
            d["title"] = f"{d['title']} ({copy})"
            d["text"] = f"{d['text']}\nنسخة رقم {copy} {d['docno']}"
        rows.append(d)
    # the replay server releases items in publication order: put them in that order, so that ``mark(i)``
    # and "the first k items" mean the i-th / first k released
    from worker.replay.corpus import _parse_time

    rows.sort(key=lambda d: (_parse_time(d.get("time")), d["docno"]))
    if mark is not None:
        rows = [mark(i, d) for i, d in enumerate(rows)]
    with gzip.open(dest, "wt", encoding="utf-8") as fh:
        for d in rows:
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    return {"source": str(src), "items": n, "distinct_base_items": len(base), "repeated": n > len(base)}


# private services -------------------------------------------------------------------------------

class PrivateRedis:
    """A redis-server we own: AOF (fsync every second) in ``root``, on a free port."""

    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root = root
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        root.mkdir(parents=True, exist_ok=True)

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> PrivateRedis:
        exe = shutil.which("redis-server")
        if not exe:
            raise RuntimeError("redis-server not installed (scripts/services.sh redis-up installs it)")
        self.proc = subprocess.Popen(
            [exe, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.root), "--appendonly", "yes",
             "--appendfsync", "everysec", "--save", "", "--protected-mode", "yes", "--logfile",
             str(self.root / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self.ping, 15, 0.1, f"private redis on {self.port}")
        return self

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except Exception:  # noqa: BLE001
            return False

    def stop(self, hard: bool = False) -> None:
        """SIGTERM: Redis flushes the AOF and exits (a clean restart); ``hard``: SIGKILL (the last second of
        writes may be lost, as with a crash)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
            self.proc.wait(30)
        self.proc = None

    def restart(self, downtime: float = 0.0, hard: bool = False) -> None:
        self.stop(hard=hard)
        time.sleep(downtime)
        self.start()


class PrivateES:
    """A second Elasticsearch node via ``scripts/services.sh es-up/es-down`` with private ports and data."""

    def __init__(self, root: Path, http_port: int | None = None, transport_port: int | None = None) -> None:
        self.root = root
        self.http_port = http_port or free_port()
        self.transport_port = transport_port or free_port()
        root.mkdir(parents=True, exist_ok=True)
        os.chmod(root, 0o755)  # the unprivileged Elasticsearch user must reach its data dir
        self.log = root / "services.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(NEWSWORKER_DATA=str(self.root), NEWSWORKER_ES_URL=self.url, NEWSWORKER_NO_DOCKER="1",
                   NEWSWORKER_ES_TRANSPORT_PORT=str(self.transport_port), NEWSWORKER_ES_HEAP="384m")
        return env

    def _run(self, verb: str, timeout: float) -> None:
        with open(self.log, "ab") as out:
            subprocess.run([str(REPO / "scripts" / "services.sh"), verb], env=self._env(), stdout=out,
                           stderr=subprocess.STDOUT, timeout=timeout, check=True)

    def start(self) -> PrivateES:
        self._run("es-up", 240)
        return self

    def stop(self) -> None:
        self._run("es-down", 60)

    def healthy(self) -> bool:
        import httpx

        try:
            return httpx.get(self.url + "/_cluster/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False


# the stack ---------------------------------------------------------------------------------------

def _celery(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "worker.celery_app", *args]


@dataclass
class Ledger:
    published: int
    indexed_docs: int
    distinct_indexed: int
    missing: list[str]
    duplicates: int
    rewrites: int
    unexpected: int

    def line(self, name: str) -> str:
        return (f"CHAOS {name}: published={self.published} indexed={self.distinct_indexed} "
                f"(docs={self.indexed_docs}) missing={len(self.missing)} duplicates={self.duplicates} "
                f"rewrites={self.rewrites}")


@dataclass
class Stack:
    """Replay server + newsworker processes on ``redis_url``/``es_url`` with index names under ``tag``."""

    redis_url: str
    es_url: str
    workdir: Path
    corpus: Path | None = None
    split: int = 1
    window: int = 500
    rate: float = 0.0
    start_released: int = 0
    feed_interval: int = 1
    env_overrides: dict[str, str] = field(default_factory=dict)
    tag: str = field(default_factory=lambda: "nw-chaos-" + uuid.uuid4().hex[:8])
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    feed_requests: list[tuple[float, str]] = field(default_factory=list)
    restarts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._exit = ExitStack()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.env = dict(os.environ)
        self.env.update(
            PYTHONPATH=str(REPO),
            NEWSWORKER_REDIS_URL=self.redis_url, NEWSWORKER_ES_URL=self.es_url,
            NEWSWORKER_ES_INDEX=self.tag, NEWSWORKER_ES_ALERTS_INDEX=self.tag + "-alerts",
            NEWSWORKER_ES_ALERT_HISTORY_INDEX=self.tag + "-alert-history",
            NEWSWORKER_ES_FEEDS_INDEX=self.tag + "-feeds",
            NEWSWORKER_ALLOW_PRIVATE_ADDRESSES="true", NEWSWORKER_PER_HOST_RATE="2000",
            NEWSWORKER_PER_HOST_BURST="2000", NEWSWORKER_POLL_MIN_INTERVAL="1", NEWSWORKER_BEAT_TICK_SECONDS="1",
            NEWSWORKER_DATA_DIR=str(self.workdir / "data"),
            # The outbox sweep re-sends what a broker lost; in production after 600 s of silence, here
            # within the scenarios' time.
            NEWSWORKER_OUTBOX_MAX_AGE="20", NEWSWORKER_OUTBOX_SWEEP_SECONDS="5",
        )
        self.env.update(self.env_overrides)

    # lifecycle -----------------------------------------------------------------------------------
    def __enter__(self) -> Stack:
        from worker.replay import start_replay_server

        self.replay_url, self.server = self._exit.enter_context(start_replay_server(
            port=0, corpus=self.corpus, rate=self.rate, start_released=self.start_released, split=self.split,
            window=self.window))
        self._count_feed_requests()
        self.nw("setup")
        self.nw("feeds", "load-replay", self.replay_url, "--interval", str(self.feed_interval))
        return self

    def __exit__(self, *exc: object) -> None:
        for name in list(self.procs):
            self.stop(name)
        self._exit.close()
        self.cleanup_storage()

    def _count_feed_requests(self) -> None:
        """Record (time, feed key) for every feed request: ``take_fault`` is the first call of each."""
        state = self.server.state
        original = state.take_fault
        lock = threading.Lock()

        def counting(key: str) -> str | None:
            if not key.startswith("page:"):
                with lock:
                    self.feed_requests.append((time.time(), key))
            return original(key)

        state.take_fault = counting  # type: ignore[method-assign]

    def cleanup_storage(self) -> None:
        import redis
        from elasticsearch import Elasticsearch

        try:
            es = Elasticsearch(self.es_url, request_timeout=30)
            es.indices.delete(index=self.tag + "*", ignore_unavailable=True, allow_no_indices=True,
                              expand_wildcards="all")
            es.options(ignore_status=404).indices.delete_index_template(name=self.tag + "*")
        except Exception:  # noqa: BLE001 - the private node may be gone already
            pass
        try:
            redis.Redis.from_url(self.redis_url, socket_timeout=5).flushdb()
        except Exception:  # noqa: BLE001
            pass

    def nw(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "worker.cli.main", *args], env=self.env, cwd=REPO,
                              capture_output=True, text=True, timeout=timeout, check=check)

    def spawn(self, name: str, cmd: list[str], env: dict[str, str] | None = None,
              supervise: bool = False) -> subprocess.Popen:
        """Start a process logging to ``<workdir>/<name>.log``. ``supervise``: restart it when it exits
        (2 s later), as docker-compose's ``restart: unless-stopped`` or systemd's ``Restart=always`` do;
        ``self.restarts[name]`` counts the restarts."""
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        p = subprocess.Popen(cmd, env={**self.env, **(env or {})}, cwd=REPO, stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True)
        p._nw_log = log  # type: ignore[attr-defined]
        self.procs[name] = p
        if supervise:
            self.restarts.setdefault(name, 0)

            def watch() -> None:
                p.wait()
                time.sleep(2.0)
                if self.procs.get(name) is p:  # exited on its own, not stopped by us
                    log.close()
                    self.restarts[name] += 1
                    self.spawn(name, cmd, env, supervise=True)

            threading.Thread(target=watch, daemon=True).start()
        return p

    def start_worker(self, name: str = "w1", concurrency: int = 2, queues: str | None = None,
                     env: dict[str, str] | None = None, extra: tuple[str, ...] = (),
                     supervise: bool = False) -> subprocess.Popen:
        # every queue of the stage table by default, as `newsworker worker` consumes
        cmd = _celery("worker", "-Q", queues or all_queues(), "-c", str(concurrency), "-n", f"{name}-{self.tag}@%h",
                      "--loglevel", "INFO", "--without-gossip", "--without-mingle", "-O", "fair", *extra)
        return self.spawn(name, cmd, env, supervise=supervise)

    def start_beat(self, name: str = "beat", supervise: bool = False) -> subprocess.Popen:
        return self.spawn(name, _celery("beat", "-S", "redbeat.RedBeatScheduler", "--loglevel", "INFO"),
                          supervise=supervise)

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        p = self.procs.pop(name, None)
        if p is None:
            return
        if p.poll() is None:
            try:
                os.killpg(p.pid, sig)
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            except ProcessLookupError:
                pass
        p._nw_log.close()  # type: ignore[attr-defined]

    def kill(self, name: str) -> None:
        """SIGKILL the whole process group (main process and pool children), as a crash would."""
        self.stop(name, sig=signal.SIGKILL)

    def log_tail(self, name: str, chars: int = 4000) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def resent_by_sweep(self) -> int:
        """Records the outbox sweep re-sent, from the workers' logs."""
        import re

        total = 0
        for path in self.workdir.glob("*.log"):
            total += sum(int(m) for m in re.findall(r"re-sent (\d+) records", path.read_text(errors="replace")))
        return total

    # what was published / indexed ------------------------------------------------------------------
    def release(self, n: int) -> None:
        self.server.state.release(n)

    def published_docnos(self) -> dict[str, float]:
        """docno -> the server time it was released (published)."""
        with self.server.state.lock:
            self.server.state._tick()
            return {r.item.docno: r.at for r in self.server.state.released}

    def es(self) -> Any:
        from elasticsearch import Elasticsearch

        return Elasticsearch(self.es_url, request_timeout=30)

    def indexed(self, fields: tuple[str, ...] = ("url",)) -> list[dict[str, Any]]:
        """Every document in the stack's index: ``{"docno", "version", **fields}``."""
        from elasticsearch import NotFoundError
        from elasticsearch.helpers import scan

        es = self.es()
        try:
            es.indices.refresh(index=self.tag)
            hits = list(scan(es, index=self.tag, query={"query": {"match_all": {}}, "version": True},
                             _source=list(fields), size=1000))
        except NotFoundError:
            return []
        out = []
        for h in hits:
            m = DOCNO_RE.search(h["_source"].get("url") or "")
            out.append({"docno": m.group(1) if m else None, "version": h.get("_version", 1), **h["_source"]})
        return out

    def indexed_count(self) -> int:
        try:
            es = self.es()
            es.indices.refresh(index=self.tag)
            return int(es.count(index=self.tag)["count"])
        except Exception:  # noqa: BLE001 - not created yet / node down
            return 0

    def ledger(self) -> Ledger:
        published = self.published_docnos()
        docs = self.indexed()
        per_docno = Counter(d["docno"] for d in docs)
        return Ledger(
            published=len(published), indexed_docs=len(docs),
            distinct_indexed=sum(1 for d in per_docno if d in published),
            missing=sorted(set(published) - set(per_docno)),
            duplicates=sum(c - 1 for c in per_docno.values() if c > 1),
            rewrites=sum(1 for d in docs if d["version"] > 1),
            unexpected=sum(c for d, c in per_docno.items() if d not in published),
        )

    def diagnose(self, docnos: list[str]) -> dict[str, Any]:
        """Where did these items stop? Their ingestion marks in Redis, queue depths, unacked messages."""
        import redis

        from worker.ingest.canonical import canonicalize_url, doc_id

        r = redis.Redis.from_url(self.redis_url, decode_responses=True)
        prefix = self.env.get("NEWSWORKER_REDIS_PREFIX", "nw:")
        out: dict[str, Any] = {"queues": {q: r.llen(q) for q in all_queues().split(",")},
                               "outbox": r.zcard(prefix + "outbox:since"),
                               "unacked": [json.loads(v)[0].get("headers", {}).get("task")
                                           for v in r.hvals("unacked")],
                               "dead_letters": r.zcard(prefix + "dl:index")}
        for docno in docnos[:5]:
            rel = self.server.state.by_docno.get(docno)
            if rel is None:
                continue
            url = self.server.state.entry(rel.item).canonical
            did = doc_id(canonicalize_url(url))
            out[docno] = {"feeds": rel.feed_keys, "released_at": rel.at, "id": did,
                          "seen": r.get(f"{prefix}seen:{did}"), "seen_ttl": r.ttl(f"{prefix}seen:{did}"),
                          "handed": r.get(f"{prefix}handed:{did}")}
        return out

    def wait_all_indexed(self, timeout: float) -> Ledger:
        """Wait until every published item is in the index (or time out), then return the ledger."""
        want = len(self.published_docnos())
        end = time.time() + timeout
        while time.time() < end and self.indexed_count() < want:
            time.sleep(1.0)
        time.sleep(1.0)  # let stragglers (a redelivered duplicate, if any) land before counting
        return self.ledger()

    def polls_per_feed(self, since: float = 0.0, until: float | None = None) -> dict[str, list[float]]:
        out: dict[str, list[float]] = defaultdict(list)
        for t, key in list(self.feed_requests):
            if t >= since and (until is None or t <= until):
                out[key].append(t)
        return dict(out)


def children_rss_mb(pid: int) -> dict[int, float]:
    """RSS (MiB) of the direct children of ``pid`` (a Celery worker's pool processes), from /proc."""
    out: dict[int, float] = {}
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return out
    for k in kids:
        try:
            for line in Path(f"/proc/{k}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out[int(k)] = int(line.split()[1]) / 1024.0
        except OSError:
            continue
    return out


@contextmanager
def tmpdir(prefix: str) -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)
