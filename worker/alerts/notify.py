"""From a matched article to notifications: one per (rule, story), follow-ups after that, digest lines for
digest rules.

``process_document`` is what the pipeline's ``match`` stage runs; it returns the deliveries (one per
channel) and never enqueues them: handing them to the ``deliver`` stage is the pipeline runner's job. The
(rule, story) idempotency key is a Redis ``SET NX`` whose value is the id of the article that won it; a
re-run for that article (a redelivered message) sees its own id there and redoes the idempotent steps
(history create, return the deliveries) instead of mistaking itself for a follow-up, so a crash between
the two cannot lose the notification.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from worker.alerts.context import AlertsDeps
from worker.alerts.engine import Engine
from worker.alerts.history import History
from worker.alerts.payloads import article_summary, digest_notification, instant_notification, notification_id
from worker.alerts.rules import AlertRule
from worker.alerts.stories import assign_story


@dataclass
class MatchResult:
    doc_id: str | None
    story_id: str
    notified: list[str] = field(default_factory=list)  # rule names with a new notification
    follow_ups: list[str] = field(default_factory=list)  # rule names where this was a follow-up
    digested: list[str] = field(default_factory=list)  # digest rules that queued a line
    deliveries: list[dict[str, Any]] = field(default_factory=list)  # for the deliver stage, one per channel


def channel_notifications(rule: AlertRule, n: dict[str, Any]) -> list[dict[str, Any]]:
    """One delivery per channel, each carrying its channel and stable channel key."""
    out = []
    for i, wh in enumerate(rule.channels.webhooks):
        out.append({**n, "channel": {"type": "webhook", "url": wh.url, "format": wh.format},
                    "channel_key": f"webhook:{i}"})
    for addr in rule.channels.emails:
        out.append({**n, "channel": {"type": "email", "to": addr}, "channel_key": f"email:{addr}"})
    return out


def history_record(rule: AlertRule, n: dict[str, Any], deliveries: list[dict[str, Any]]) -> dict[str, Any]:
    """The record keeps each channel's real target, as the rule does (two webhooks on one host must be
    told apart); readers without the write key get it redacted (``rules.redacted_record``)."""
    channels = []
    for d in deliveries:
        ch = d["channel"]
        target = ch["url"] if ch["type"] == "webhook" else ch.get("to")
        channels.append({"key": d["channel_key"], "type": ch["type"], "target": target,
                         "status": "pending", "attempts": 0})
    rec = {
        "id": n["id"], "kind": n["kind"], "rule": rule.name, "owner": rule.owner, "story_id": n.get("story_id"),
        "created": n["created"], "status": "pending" if channels else "recorded", "attempts": 0,
        "channels": channels, "follow_ups": [], "follow_up_count": 0,
    }
    if n["kind"] == "instant":
        rec["article"] = n["article"]
    else:
        rec["items"] = n["items"]
        rec["article_count"] = n.get("article_count")
    return rec


def record_notification(rule: AlertRule, n: dict[str, Any], ctx: AlertsDeps) -> list[dict[str, Any]]:
    """Record a notification in history (idempotent) and return its deliveries, one per channel."""
    deliveries = channel_notifications(rule, n)
    History(ctx).create(history_record(rule, n, deliveries))
    return deliveries


def process_document(doc: dict[str, Any], *, ctx: AlertsDeps, engine: Engine,
                     now: float | None = None, view: dict[str, Any] | None = None) -> MatchResult:
    view, rules = engine.match_doc(doc, view)
    story_id = doc.get("story_id") or assign_story(doc, ctx, now=now)
    doc = {**doc, "story_id": story_id}
    result = MatchResult(doc.get("id"), story_id)
    if not rules:
        return result
    r = ctx.redis
    history = History(ctx)
    art = article_summary(doc)
    doc_id = doc.get("id") or ""
    for rule in rules:
        nkey = ctx.keys.alert_notified(rule.name, story_id)
        won = bool(r.set(nkey, doc_id, nx=True, ex=ctx.settings.alert_story_window_seconds))
        first = won or (doc_id and r.get(nkey) == doc_id)
        if rule.mode == "digest":
            _queue_digest_line(ctx, rule, art, story_id, follow_up=not first, now=now)
            result.digested.append(rule.name)
        elif first:
            result.deliveries += record_notification(rule, instant_notification(rule, story_id, doc), ctx)
            result.notified.append(rule.name)
        else:
            # The story is still alive: keep it notified for another window after its latest article.
            r.expire(nkey, ctx.settings.alert_story_window_seconds)
            nid = notification_id(rule.name, story_id)
            if history.get(nid) is None:  # the first article's task has not written it yet: wait briefly
                for _ in range(20):
                    time.sleep(0.1)
                    if history.get(nid) is not None:
                        break
            history.add_follow_up(nid, art)
            result.follow_ups.append(rule.name)
    return result


# -- digests -------------------------------------------------------------------------------------------------
def _digest_keys(ctx: AlertsDeps, rule_name: str) -> tuple[str, str]:
    return ctx.keys.alert_digest_pending(rule_name), ctx.keys.alert_digest_due(rule_name)


def _queue_digest_line(ctx: AlertsDeps, rule: AlertRule, art: dict[str, Any], story_id: str, *,
                       follow_up: bool, now: float | None) -> None:
    """Add the article to the rule's pending digest (a hash keyed by article id: re-runs do not duplicate)
    and start the rule's clock: the batch is due ``digest_minutes`` after its first line."""
    now = time.time() if now is None else now
    pending, due = _digest_keys(ctx, rule.name)
    line = {"article": art, "story_id": story_id, "follow_up": follow_up,
            "matched_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1e6) % 1000000:06d}Z"}
    pipe = ctx.redis.pipeline(transaction=False)
    pipe.hsetnx(pending, art.get("id") or json.dumps(art, sort_keys=True), json.dumps(line, ensure_ascii=False))
    pipe.set(due, now + rule.digest_minutes * 60, nx=True)
    pipe.execute()


@dataclass
class DigestRun:
    sent: list[dict[str, Any]] = field(default_factory=list)  # the digest notifications recorded
    deliveries: list[dict[str, Any]] = field(default_factory=list)  # for the deliver stage


def send_due_digests(rules: list[AlertRule], *, ctx: AlertsDeps, now: float | None = None,
                     force: bool = False) -> DigestRun:
    """Record every digest rule's pending lines whose batch is due as a digest notification; returns them
    with their deliveries (the ``digests`` stage hands those to ``deliver``).

    The pending hash is atomically renamed to a per-batch key before it is read, so lines that arrive while
    a digest is being built go to the next batch; a batch key left behind by a crash is sent on the next
    run (same batch name, so the same idempotency key)."""
    now = time.time() if now is None else now
    r = ctx.redis
    run = DigestRun()
    for rule in rules:
        if rule.mode != "digest" or not rule.enabled:
            continue
        pending, due = _digest_keys(ctx, rule.name)
        batches = sorted(r.scan_iter(match=ctx.keys.alert_digest_batch(rule.name, "*"), count=100))
        due_at = r.get(due)
        if (force or (due_at is not None and float(due_at) <= now)) and r.exists(pending):
            batch_key = ctx.keys.alert_digest_batch(rule.name, f"{now:.6f}")
            try:
                r.rename(pending, batch_key)
            except Exception:  # noqa: BLE001 - pending vanished (another beat run took it)
                batch_key = None
            r.delete(due)
            if batch_key:
                batches.append(batch_key)
        for batch_key in batches:
            raw = r.hgetall(batch_key)
            if raw:
                lines = [json.loads(v) for v in raw.values()]
                batch = batch_key.rsplit(":", 1)[-1]
                n = digest_notification(rule, batch, lines)
                run.deliveries += record_notification(rule, n, ctx)
                run.sent.append(n)
            r.delete(batch_key)
    return run
