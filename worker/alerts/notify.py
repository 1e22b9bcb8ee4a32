"""From a matched article to notifications: one per (rule, story), follow-ups after that, digest lines for
digest rules.

``process_document`` is what the pipeline's ``match`` stage runs; it returns the deliveries (one per
channel) and never enqueues them: handing them to the ``deliver`` stage is the pipeline runner's job. The
(rule, story) idempotency key is a Redis ``SET NX`` whose value is the id of the article that won it; a
re-run for that article (a redelivered message) sees its own id there and redoes the idempotent steps
(history create, return the deliveries) instead of mistaking itself for a follow-up, so a crash between
the two cannot lose the notification.

A rule's mode can change while a story is open, so a follow-up goes where the story was told: the rule's
instant record, the digest batch still waiting with the story in it, or the digest record that listed it.
A story marked notified with none of those (the marker outlived its record) is notified again, under the
instant notification's id, so a late record of the first article is the same notification.

Digest lines wait in Redis per rule name. ``send_due_digests`` (the ``digests`` stage) finds every name
with lines waiting, whatever its rule's mode and state now: a digest rule's batch goes out when due
(disabled or not: its lines were matched while it was enabled), a rule switched to instant sends its
lines at the next tick, and a deleted rule's lines are recorded unsent (see ``_retire``).
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
from worker.alerts.rules import AlertRule, from_store
from worker.alerts.store import RuleStore
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


def redelivery(payload: dict[str, Any], store: RuleStore) -> dict[str, Any]:
    """A dead delivery to send again, with its channel as its rule has it now: the user fixed the webhook's
    URL (or format) in the rule, then replays what failed (README, Alerts). The channel is found by its key
    (``channel_notifications``: ``webhook:<n>``, ``email:<address>``), which also keys the delivered flag,
    so a channel already delivered is still never sent twice. A rule deleted since, or one that no longer
    has that channel, leaves the delivery as it was recorded."""
    rule_name = (payload.get("rule") or {}).get("name")
    rule = store.get(rule_name) if rule_name else None
    if rule is None:
        return payload
    for now in channel_notifications(rule, {}):
        if now["channel_key"] == payload.get("channel_key"):
            return {**payload, "channel": now["channel"]}
    return payload


def history_record(rule: AlertRule, n: dict[str, Any], deliveries: list[dict[str, Any]]) -> dict[str, Any]:
    """The record keeps each channel's real target, as the rule does (two webhooks on one host must be
    told apart); readers without the write key get it redacted (``rules.redacted_record``)."""
    channels = []
    for d in deliveries:
        ch = d["channel"]
        target = ch["url"] if ch["type"] == "webhook" else ch.get("to")
        channel = {"key": d["channel_key"], "type": ch["type"], "target": target, "status": "pending", "attempts": 0}
        if ch["type"] == "webhook":
            channel["format"] = ch.get("format") or "json"  # the page names a Slack channel Slack (qa5c-12)
        channels.append(channel)
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
        rec["story_ids"] = [item["story_id"] for item in n["items"]]  # history by story finds the digest
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
    public_url = ctx.settings.api_public_url
    art = article_summary(doc, public_url)
    doc_id = doc.get("id") or ""
    for rule in rules:
        nkey = ctx.keys.alert_notified(rule.name, story_id)
        won = bool(r.set(nkey, doc_id, nx=True, ex=ctx.settings.alert_story_window_seconds))
        first = won or (doc_id and r.get(nkey) == doc_id)
        if rule.mode == "digest":
            _queue_digest_line(ctx, rule, art, story_id, follow_up=not first, now=now)
            result.digested.append(rule.name)
        elif first:
            result.deliveries += record_notification(rule, instant_notification(rule, story_id, doc, public_url), ctx)
            result.notified.append(rule.name)
        else:
            # The story is still alive: keep it notified for another window after its latest article.
            r.expire(nkey, ctx.settings.alert_story_window_seconds)
            where = _follow_up(ctx, history, rule, story_id, art, now)
            if where == "digest":
                result.digested.append(rule.name)
            elif where == "lost":
                # This article takes the marker over, so a re-run of its task is the first again (above).
                r.set(nkey, doc_id, ex=ctx.settings.alert_story_window_seconds)
                result.deliveries += record_notification(rule, instant_notification(rule, story_id, doc, public_url), ctx)
                result.notified.append(rule.name)
            else:
                result.follow_ups.append(rule.name)
    return result


def _follow_up(ctx: AlertsDeps, history: History, rule: AlertRule, story_id: str, art: dict[str, Any],
               now: float | None) -> str:
    """File a later article of a story the instant ``rule`` already has: ``follow_up`` (added to the
    record that told the subscriber), ``digest`` (a line of the digest still waiting with the story in
    it: the rule was a digest rule until lately), or ``lost`` (no record anywhere: notify it)."""
    nid = notification_id(rule.name, story_id)
    if history.get(nid) is None:
        if _story_waiting(ctx, rule.name, story_id):
            _queue_digest_line(ctx, rule, art, story_id, follow_up=True, now=now)
            return "digest"
        rec = history.latest_for_story(rule.name, story_id)
        if rec is None:  # the first article's task has not written its record yet: wait briefly
            for _ in range(20):
                time.sleep(0.1)
                if history.get(nid) is not None:
                    break
            else:
                rec = history.latest_for_story(rule.name, story_id, refresh=True)  # a digest just recorded?
                if rec is None:
                    return "lost"
        if rec is not None:
            nid = rec["id"]
    history.add_follow_up(nid, art)
    return "follow_up"


def _story_waiting(ctx: AlertsDeps, rule_name: str, story_id: str) -> bool:
    """Whether the rule's waiting digest lines include the story (read only on the rare path above)."""
    pending, _ = _digest_keys(ctx, rule_name)
    return any(json.loads(v).get("story_id") == story_id for v in ctx.redis.hvals(pending))


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
    retired: list[dict[str, Any]] = field(default_factory=list)  # deleted rules' lines, recorded unsent


def _waiting(ctx: AlertsDeps) -> dict[str, list[str]]:
    """Every rule name with digest keys (lines waiting, a due time, a batch left by a crash) and its batch
    keys: one SCAN per tick, whatever the number of rules (it was one per digest rule)."""
    head = ctx.keys.alert_digest_pending("*").split("*", 1)[0]  # "<prefix>alerts:digest:"
    names: dict[str, list[str]] = {}
    for key in ctx.redis.scan_iter(match=head + "*", count=1000):
        key = key.decode() if isinstance(key, bytes) else key
        name, _, rest = key[len(head):].partition(":")
        batches = names.setdefault(name, [])
        if rest.startswith("batch:"):
            batches.append(key)
    return names


def send_due_digests(rules: list[AlertRule] | None = None, *, ctx: AlertsDeps, now: float | None = None,
                     force: bool = False) -> DigestRun:
    """Record the waiting digest lines that are due as one digest notification per batch; returns them
    with their deliveries (the ``digests`` stage hands those to ``deliver``).

    ``rules=None`` (the stage): every name with lines waiting is looked up in the rule store, and a name
    without a rule is a deleted rule whose lines are retired. A list: only those rules (tests, tools).
    A digest rule's batch is due ``digest_minutes`` after its first line, enabled or not; any other mode
    (the rule was switched to instant) sends at once, as does ``force``.

    The pending hash is atomically renamed to a per-batch key before it is read, so lines that arrive while
    a digest is being built go to the next batch; a batch key left behind by a crash is sent on the next
    run (same batch name, so the same idempotency key)."""
    now = time.time() if now is None else now
    run = DigestRun()
    given = None if rules is None else {r.name: r for r in rules}
    store = RuleStore(ctx) if rules is None else None
    for name, batches in sorted(_waiting(ctx).items()):
        if given is not None:
            rule = given.get(name)
            if rule is None:
                continue
        else:
            assert store is not None
            rule = store.get(name)
            if rule is None:
                _retire(ctx, name, batches, now, run)
                continue
        _take_batch(ctx, rule, batches, now, wait=rule.mode == "digest" and not force)
        for batch_key in batches:
            raw = ctx.redis.hgetall(batch_key)
            if raw:
                lines = [json.loads(v) for v in raw.values()]
                n = digest_notification(rule, batch_key.rsplit(":", 1)[-1], lines)
                run.deliveries += record_notification(rule, n, ctx)
                run.sent.append(n)
            ctx.redis.delete(batch_key)
    return run


def _take_batch(ctx: AlertsDeps, rule: AlertRule, batches: list[str], now: float, *, wait: bool) -> None:
    """Move the rule's waiting lines to a new batch key (appended to ``batches``) if they are due."""
    r = ctx.redis
    pending, due = _digest_keys(ctx, rule.name)
    if not r.exists(pending):
        return
    due_at = r.get(due)
    if due_at is None:
        # A line that arrived between an earlier batch's rename and its due-key delete: start its clock.
        r.set(due, now + rule.digest_minutes * 60, nx=True)
        due_at = r.get(due)
    if wait and due_at is not None and float(due_at) > now:
        return
    batch_key = ctx.keys.alert_digest_batch(rule.name, f"{now:.6f}")
    try:
        r.rename(pending, batch_key)
    except Exception:  # noqa: BLE001 - pending vanished (another beat run took it)
        return
    finally:
        r.delete(due)
    batches.append(batch_key)


RETIRED_NOTE = "not sent: the rule was deleted before its digest was due"


def _retire(ctx: AlertsDeps, name: str, batches: list[str], now: float, run: DigestRun) -> None:
    """A deleted rule's waiting lines: nothing more is sent (the rule and its channels are gone, and
    deleting a rule means no more of its notifications). They are recorded in history as a digest with no
    channel (status ``recorded``) and a note, so what was matched stays visible; and their stories stop
    counting as notified under that name, so a rule re-added under it notifies them instead of filing
    their next articles as follow-ups of something never sent."""
    r = ctx.redis
    pending, due = _digest_keys(ctx, name)
    batch_key = ctx.keys.alert_digest_batch(name, f"{now:.6f}")
    try:
        r.rename(pending, batch_key)
        batches.append(batch_key)
    except Exception:  # noqa: BLE001 - nothing pending (only a due time or a crash's batch was left)
        pass
    r.delete(due)
    # The rule is gone: a stand-in with its name and no channel (its query is not recorded anywhere).
    gone = from_store({"name": name, "query": "-", "mode": "digest", "enabled": False})
    history = History(ctx)
    for key in batches:
        raw = r.hgetall(key)
        if raw:
            n = digest_notification(gone, key.rsplit(":", 1)[-1], [json.loads(v) for v in raw.values()])
            history.create({**history_record(gone, n, []), "note": RETIRED_NOTE})
            for item in n["items"]:
                if not item["already_notified"]:  # its marker is this rule's digest line's, never sent
                    r.delete(ctx.keys.alert_notified(name, item["story_id"]))
            run.retired.append(n)
        r.delete(key)
