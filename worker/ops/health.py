"""Health checks shared by ``newsworker status``, the API's /health and /ready, and metrics.

"Alive" is not enough: a worker can hold its connection yet consume nothing. The canary stage, sent by
beat every ``canary_interval`` s and executed by any worker, stamps a Redis key; its age says that the
whole loop beat -> broker -> worker works. Every periodic row of the stage table stamps its last run, so
``status`` shows each schedule (digests, the outbox sweep...) actually running. Queue depth and the age of
the oldest waiting message (from the ``sent_at`` header stamped at publish time) say whether workers keep
up.

Every check answers within seconds whatever the stores do: Redis is read through ``probe_redis`` (3 s to
connect and to answer, no retry) and Elasticsearch through ``probing``, the worker ping uses a broker
connection with the same bound, and when Redis does not answer the checks that need it are not asked at all
(each would wait its own 3 s): ``status`` and /ready say "redis DOWN" in about ``PROBE_SECONDS``, where a
frozen Redis used to hold them for minutes (QA5 qa5b-12).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import redis
from elastic_transport import ConnectionTimeout

from worker.celery_app import QUEUES, app
from worker.ingest.registry import FeedRegistry
from worker.keys import Keys
from worker.pipeline.context import current
from worker.pipeline.deadletters import DeadLetters
from worker.pipeline.outbox import Outbox
from worker.pipeline.table import STAGES, only_deliveries
from worker.settings import get_settings
from worker.store.clients import PROBE_SECONDS, es_version, probe_redis, probing


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    data: dict[str, Any] = field(default_factory=dict)


def _store() -> tuple[redis.Redis, Keys]:
    """The Redis client and key names the checks read with: the probe client on the context's Redis."""
    ctx = current()
    return probe_redis(ctx.redis), ctx.keys


def check_redis() -> Check:
    try:
        r = probe_redis()
        r.ping()
        info = r.info("server")
        # No URL: it may carry a password, and /ready is open to anyone.
        return Check("redis", True, f"redis {info.get('redis_version')}")
    except redis.TimeoutError:  # accepts connections, answers nothing (or too late): not "refused"
        return Check("redis", False, f"unreachable: no answer within {PROBE_SECONDS:g} s")
    except Exception as err:  # noqa: BLE001
        return Check("redis", False, f"unreachable: {err}")


def check_es(seconds: float = PROBE_SECONDS) -> Check:
    """Elasticsearch answers, within ``seconds`` for both questions and with no retry: a node that accepts
    connections but never answers is reported down at once, not after the client's 30 s x 4 tries."""
    try:
        with probing(seconds=seconds) as es:
            health = es.cluster.health(timeout=f"{seconds:g}s").body
            version = es_version(es)
        ok = health.get("status") in ("green", "yellow")
        return Check("elasticsearch", ok, f"Elasticsearch {version}, cluster {health.get('status')}",
                     {"version": version, "status": health.get("status")})
    except ConnectionTimeout:  # accepts connections, answers nothing (or too late): not "refused"
        return Check("elasticsearch", False, f"unreachable: no answer within {seconds:g} s")
    except Exception as err:  # noqa: BLE001
        return Check("elasticsearch", False, f"unreachable: {err}")


def check_workers(timeout: float = 2.0) -> Check:
    """Workers answer, and every queue of the stage table has one consuming it. A queue nobody consumes
    fills without a word while everything else is green: e.g. the deliveries' queue with only a worker
    started with `--role pipeline`, or one of an older version's queue list (QA5 qa5a-1)."""
    # A broker connection of its own with the probe's bounds: the app's (no socket timeout, reconnecting
    # forever, as a worker's should) waited without end on a Redis that accepts and never answers (qa5b-12).
    bounds = {"socket_timeout": PROBE_SECONDS, "socket_connect_timeout": PROBE_SECONDS, "retry_on_timeout": False}
    try:
        with app.connection_for_write(transport_options=bounds, connect_timeout=PROBE_SECONDS) as conn:
            replies = app.control.inspect(timeout=timeout, connection=conn).active_queues() or {}
    except Exception as err:  # noqa: BLE001
        return Check("workers", False, f"cannot ask workers: {err}")
    names = sorted(replies)
    if not names:
        return Check("workers", False, "no worker answered ping")
    consumers = queue_consumers(replies)
    idle = [q for q in QUEUES if not consumers[q]]
    data = {"workers": names, "queues": consumers, "unconsumed": idle}
    detail = f"{len(names)} worker(s): {', '.join(names)}"
    if idle:
        start = "--role deliver" if only_deliveries(idle) else f"-Q {','.join(idle)}"
        return Check("workers", False, f"{detail}; no worker consumes the queue(s) {', '.join(idle)}: their work "
                     f"waits (start one: newsworker worker {start})", data)
    return Check("workers", True, detail, data)


def queue_consumers(replies: dict[str, Any]) -> dict[str, list[str]]:
    """Per queue of the stage table, the workers consuming it, from ``inspect().active_queues()``'s replies
    (worker name -> the queues it consumes, as kombu declarations)."""
    out: dict[str, list[str]] = {q: [] for q in QUEUES}
    for worker, queues in sorted(replies.items()):
        for q in queues or []:
            name = q.get("name") if isinstance(q, dict) else None
            if name in out:
                out[name].append(worker)
    return out


def read_canary() -> float | None:
    """When a worker last executed the canary (Unix seconds), None if it never did. Raises when Redis cannot
    be read: "never ran" and "cannot tell" are different answers."""
    r, keys = _store()
    raw = r.get(keys.canary)
    return None if raw is None else float(raw)


def canary_age() -> float | None:
    """Seconds since the canary ran; None when it never ran or Redis cannot be read."""
    try:
        at = read_canary()
    except Exception:  # noqa: BLE001
        return None
    return None if at is None else max(0.0, time.time() - at)


def check_consuming(since: float | None = None) -> Check:
    """The canary ran within ``canary_max_age``; with ``since`` (a ``run``'s start), also after it: the
    previous run's canary says nothing about this run's worker."""
    try:
        at = read_canary()
    except Exception as err:  # noqa: BLE001
        return Check("consuming", False, f"cannot read the canary: {err}")
    if at is None:
        return Check("consuming", False, "the canary task has never run (beat or workers not running)")
    age = max(0.0, time.time() - at)
    if since is not None and at < since:
        return Check("consuming", False, f"the canary has not run since this run started (last {age:.0f}s ago)",
                     {"age": age})
    ok = age < get_settings().canary_max_age
    return Check("consuming", ok, f"canary executed {age:.0f}s ago" + ("" if ok else " (stale)"), {"age": age})


def check_feeds() -> Check:
    """Something is registered to poll: with no enabled feed everything else can be green while nothing comes
    in (a fresh install before `feeds load`, or a Redis that lost its data and no copy to restore from)."""
    try:
        feeds = FeedRegistry(*_store()).list()
    except Exception as err:  # noqa: BLE001
        return Check("feeds", False, f"cannot read the feed registry: {err}")
    enabled = sum(1 for f in feeds if f.enabled)
    if not enabled:
        what = "no feed registered" if not feeds else f"all {len(feeds)} feeds disabled"
        return Check("feeds", False, f"{what}: nothing is polled (newsworker feeds load config/feeds.yaml)",
                     {"feeds": len(feeds), "enabled": 0})
    return Check("feeds", True, f"{enabled} of {len(feeds)} feeds enabled", {"feeds": len(feeds), "enabled": enabled})


def schedule_stats() -> list[dict[str, Any]]:
    """Per periodic row of the stage table: its period and how long ago it last ran (None: never)."""
    ctx = current()
    rows = STAGES.periodic
    raws = probe_redis(ctx.redis).mget([ctx.keys.periodic_last(s.name) for s in rows])
    now = time.time()
    out = []
    for stage, raw in zip(rows, raws, strict=True):
        every = stage.every(ctx.settings) if stage.every else 0.0
        out.append({"stage": stage.name, "task": stage.task_name, "every": every,
                    "last_age": None if raw is None else max(0.0, now - float(raw))})
    return out


def check_schedule() -> Check:
    """Every periodic row that has run did so within three of its periods (plus a minute's grace). A row
    that never ran is shown as such but is not an error: a fresh deployment's beat has not sent it yet."""
    try:
        rows = schedule_stats()
    except Exception as err:  # noqa: BLE001
        return Check("schedule", False, f"cannot read the schedule: {err}")
    late = [r["stage"] for r in rows if r["last_age"] is not None and r["last_age"] > 3 * r["every"] + 60]
    detail = ", ".join(f"{r['stage']} every {r['every']:g}s " +
                       ("(not run yet)" if r["last_age"] is None else f"(ran {r['last_age']:.0f}s ago)")
                       for r in rows)
    return Check("schedule", not late, detail, {"rows": rows, "late": late})


def beat_lock_timing() -> tuple[float, float]:
    """RedBeat's lock timeout and the longest a live beat sleeps between ticks (each tick renews the lock to
    the full timeout), as ``worker.celery_app`` configures them."""
    return float(app.conf.redbeat_lock_timeout), float(app.conf.beat_max_loop_interval)


def check_beat() -> Check:
    """A beat holds the RedBeat lock *and renews it*. A killed beat's lock outlives it until it expires, and
    meanwhile the beat that replaces it waits and nothing is scheduled: a lock not renewed for three ticks is
    a holder that is gone (or frozen)."""
    try:
        r, keys = _store()
        ttl_ms = r.pttl(f"{keys.redbeat}:lock")
    except Exception as err:  # noqa: BLE001
        return Check("beat", False, f"cannot read beat lock: {err}")
    if ttl_ms is None or ttl_ms < 0:
        return Check("beat", False, "no beat holds the RedBeat lock")
    timeout, tick = beat_lock_timing()
    left = ttl_ms / 1000
    renewed_ago = max(0.0, timeout - left)
    data = {"lock_renewed_ago": renewed_ago, "lock_expires_in": left}
    if renewed_ago > 3 * tick + 5:
        return Check("beat", False, f"the RedBeat lock was last renewed {renewed_ago:.0f}s ago (a running beat "
                     f"renews it every {tick:g}s): its holder stopped; nothing is scheduled until the lock "
                     f"expires in {left:.0f}s and a waiting beat takes it", data)
    return Check("beat", True, f"beat holds the RedBeat lock (renewed {renewed_ago:.0f}s ago)", data)


def queue_stats() -> list[dict[str, Any]]:
    r = probe_redis()
    out = []
    now = time.time()
    for q in QUEUES:
        try:
            depth = int(r.llen(q))
            oldest = r.lindex(q, -1) if depth else None  # kombu LPUSHes and BRPOPs: the tail is oldest
        except Exception:  # noqa: BLE001
            depth, oldest = -1, None
        age = None
        if oldest:
            try:
                sent = json.loads(oldest).get("headers", {}).get("sent_at")
                age = max(0.0, now - float(sent)) if sent else None
            except (ValueError, TypeError):
                age = None
        out.append({"queue": q, "depth": depth, "oldest_age": age})
    return out


def dead_letter_count() -> int | None:
    try:
        return DeadLetters(*_store()).count()
    except Exception:  # noqa: BLE001
        return None


PIPELINE_CHECKS = ("workers", "beat", "consuming", "schedule", "feeds")


def pipeline_checks(consuming: Check | None = None) -> list[Check]:
    """The checks of a running pipeline, in ``status``'s order (``PIPELINE_CHECKS``): what ``status`` and the
    console of ``run`` both judge by (``consuming`` replaces the canary's check when the caller knows better)."""
    return [check_workers(), check_beat(), consuming or check_consuming(), check_schedule(), check_feeds()]


def redis_ok(checks: list[Check]) -> bool:
    """The Redis check among ``checks`` passed (True when there is none)."""
    return all(c.ok for c in checks if c.name == "redis")


def gather(include_workers: bool = True) -> list[Check]:
    checks = [check_redis(), check_es()]
    if include_workers and not redis_ok(checks):
        # every pipeline check reads Redis (the worker ping goes through it): each would wait its own
        # PROBE_SECONDS on a Redis that does not answer, and none could tell more than the Redis row
        return checks + [Check(name, False, "not checked: Redis is down") for name in PIPELINE_CHECKS]
    if include_workers:
        checks += pipeline_checks()
    return checks


def service_checks(worker_timeout: float = 1.0) -> list[Check]:
    """What a page user needs to know (``GET /status``): Redis, Elasticsearch, a worker answering, beat
    alive and the canary recent. Bounded in time: Elasticsearch ``PROBE_SECONDS``, the ping
    ``worker_timeout``, the rest one Redis read each. With Redis down the pipeline's checks are not tried
    (the broker is Redis: asking workers would wait on its reconnects) and count as down."""
    redis_check = check_redis()
    checks = [redis_check, check_es()]
    if not redis_check.ok:
        return checks + [Check(n, False, "cannot tell: Redis is unreachable") for n in ("workers", "beat", "consuming")]
    return checks + [check_workers(timeout=worker_timeout), check_beat(), check_consuming()]


def service_state(checks: list[Check]) -> dict[str, Any]:
    """``service_checks`` summed up for a user: are feeds polled, are alerts sent."""
    ok = {c.name: c.ok for c in checks}
    polling = all(ok.get(n, False) for n in ("redis", "workers", "beat", "consuming"))
    return {
        "ok": all(ok.values()), "checked_at": time.time(), "polling": polling,
        "alerting": polling and ok.get("elasticsearch", False),
        "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks],
    }


def as_json(checks: list[Check]) -> dict[str, Any]:
    up = redis_ok(checks)  # the figures below live in Redis: not asked of one that did not answer
    queues = queue_stats() if up else []
    consumers = next((c.data.get("queues") for c in checks if c.name == "workers"), None)
    if consumers is not None:  # the workers were asked: who consumes each queue
        for q in queues:
            q["workers"] = consumers.get(q["queue"], [])
    return {
        "ok": all(c.ok for c in checks),
        "checks": [asdict(c) for c in checks],
        "queues": queues,
        "dead_letters": dead_letter_count() if up else None,
        "schedule": _schedule() if up else None,
        "in_flight": _in_flight() if up else None,
    }


def _schedule() -> list[dict[str, Any]] | None:
    try:
        return schedule_stats()
    except Exception:  # noqa: BLE001
        return None


def _in_flight() -> int | None:
    try:
        return Outbox(*_store()).count()
    except Exception:  # noqa: BLE001
        return None

