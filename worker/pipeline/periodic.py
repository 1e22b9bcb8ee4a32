"""The periodic stages (beat sends them on the table's schedule) and dead-letter replay."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from worker import errors
from worker.alerts.notify import redelivery, send_due_digests
from worker.alerts.store import RuleStore
from worker.metrics import inc
from worker.pipeline.deadletters import DeadLetters
from worker.pipeline.outbox import Entry, Outbox
from worker.pipeline.stage import Hop
from worker.records import Delivery
from worker.store import retention as _retention

log = logging.getLogger(__name__)


def schedule_polls(hop: Hop) -> int:
    """Every feed whose next due time has passed -> its FeedId. Due feeds are pushed ahead atomically
    while queued, so overlapping ticks never double-poll."""
    ctx = hop.ctx
    ids = ctx.registry.claim_due(hold=max(300.0, ctx.settings.http_timeout * 10))
    for feed_id in ids:
        hop.emit(feed_id)
    return len(ids)


def digests(hop: Hop) -> int:
    """Rules with digest lines waiting -> one digest notification per due batch -> its Deliveries. Every
    rule name with lines waiting is looked at, whatever its rule's mode and state now (a rule switched to
    instant sends them at once, a deleted one's are recorded unsent): waiting lines are never stranded."""
    run = send_due_digests(None, ctx=hop.ctx)
    for d in run.deliveries:
        hop.emit(Delivery.from_payload(d))
    if run.sent:
        log.info("sent %d digest(s)", len(run.sent))
    if run.retired:
        log.info("recorded %d digest(s) of deleted rules, unsent", len(run.retired))
    return len(run.sent)


def sweep_outbox(hop: Hop, *, queues: tuple[str, ...]) -> int:
    """Outbox entries older than ``settings.outbox_max_age`` -> re-sent to their stage, but only while
    ``queues`` (those of the outboxed stages) are idle: a backlog is not a loss."""
    ctx = hop.ctx
    r = ctx.redis
    if any(r.llen(q) for q in queues):
        return 0
    entries = Outbox(r, ctx.keys).take_due(ctx.settings.outbox_max_age)
    for entry in entries:
        hop.emit(entry)
    if entries:
        log.warning("re-sent %d records that were handed on but never finished", len(entries))
    return len(entries)


def canary(hop: Hop) -> int:
    """Stamp the time a worker last consumed a beat-sent message (``newsworker status``: consuming)."""
    hop.ctx.redis.set(hop.ctx.keys.canary, repr(time.time()), ex=3600)
    return 1


def retention(hop: Hop) -> int:
    """Delete the articles and alert-history records past their retention (``worker.store.retention``): a
    setting of 0 (the default) deletes nothing. At most ``RUN_LIMIT`` documents of each per tick, so a tick
    holds its worker for seconds; a backlog (retention just turned on) goes over the following ticks, or at
    once with ``newsworker index prune``. A delete refused (a write block, a node away) fails the tick after
    what was deleted is counted: the row's retries and the next tick resume it."""
    ctx = hop.ctx
    now = datetime.now(UTC)
    done: list[str] = []
    failed: list[str] = []
    deleted = 0
    for target in _retention.targets(ctx.settings):
        res = _retention.prune(ctx.es, target, _retention.cutoff(target.days, now))
        deleted += res.deleted
        if res.deleted:
            inc("retention_deleted_total", {"index": target.kind}, res.deleted)
            done.append(f"{res.deleted} {target.kind.replace('_', '-')} older than {target.days} days from "
                        f"{target.index}" + (" (more left for the next run)" if res.more else ""))
        if res.errors:
            failed.append(f"{target.index}: {'; '.join(res.errors)}")
    if done:
        log.info("retention: deleted %s", ", ".join(done), extra={"stage": "retention"})
    if failed:
        raise errors.TransientError(f"retention: deletes refused: {' | '.join(failed)}")
    return deleted


def replay(hop: Hop, dl_id: str) -> str:
    """A dead letter's id -> its payload, back to the stage it died in; the record is removed. The record
    is claimed first: a second replay of it meanwhile hands nothing on (``busy``). A delivery goes to its
    channel as the rule has it now (``redelivery``): the rule was fixed, then the failures replayed."""
    ctx = hop.ctx
    dead = DeadLetters(ctx.redis, ctx.keys)
    if not dead.claim_replay(dl_id):
        return "busy"
    try:
        entry = dead.get(dl_id)
        if entry is None:
            return "missing"
        payload = entry["payload"]
        if entry["stage"] == "deliver" and isinstance(payload, dict):
            payload = redelivery(payload, RuleStore(ctx))
        hop.emit(Entry(entry["stage"], payload))
        dead.delete(dl_id)
        return "replayed"
    finally:
        dead.release_replay(dl_id)
