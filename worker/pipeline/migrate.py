"""``newsworker migrate-keys``: move Redis state written under the older, scattered names into the one key
namespace (``worker.keys``). Re-runnable: a key already moved is not there any more, and a new key is
never overwritten (RENAMENX). Run it once after upgrading, with the workers stopped.

  newsworker:inflight:{payloads,since}  -> the outbox, as ``extract`` entries (what it held)
  newsworker:canary:last                -> <prefix>canary:last
  newsworker:metrics:*                  -> <prefix>metrics:*
  alerts:*                              -> <prefix>alerts:*
  redbeat:*                             -> deleted (beat writes its schedule under <prefix>redbeat:)
  dead letters of stage "alert"         -> stage "match" or "deliver" (from the task they named), and
                                           "poll" ones keep the feed id as their payload
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from worker.pipeline.context import AppContext
from worker.pipeline.outbox import Outbox

OLD_INFLIGHT_PAYLOADS = "newsworker:inflight:payloads"
OLD_INFLIGHT_SINCE = "newsworker:inflight:since"
OLD_CANARY = "newsworker:canary:last"
OLD_METRICS = "newsworker:metrics"
OLD_ALERTS = "alerts"
OLD_REDBEAT = "redbeat:"


@dataclass
class Report:
    moved: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # the new name exists already
    deleted: list[str] = field(default_factory=list)
    outbox: int = 0
    dead_letters: int = 0

    def lines(self) -> list[str]:
        return [f"moved {len(self.moved)} keys, {len(self.skipped)} left (new name taken), "
                f"deleted {len(self.deleted)}, {self.outbox} in-flight articles into the outbox, "
                f"{self.dead_letters} dead letters renamed"] + [f"  {a} -> {b}" for a, b in self.moved[:50]]


def _rename_all(ctx: AppContext, old_prefix: str, new_prefix: str, report: Report, dry_run: bool) -> None:
    r = ctx.redis
    for old in r.scan_iter(match=f"{old_prefix}*", count=1000):
        if old.startswith(new_prefix):
            continue  # already under the new namespace (the new prefix may extend the old one)
        new = new_prefix + old[len(old_prefix):]
        if dry_run or r.renamenx(old, new):
            report.moved.append((old, new))
        else:
            report.skipped.append(old)


def _dead_letter_stage(entry: dict) -> str | None:
    task = entry.get("task") or ""
    if entry.get("stage") == "alert":
        return "deliver" if task.endswith(".deliver") else "match"
    return None


def migrate(ctx: AppContext, *, dry_run: bool = False) -> Report:
    r, keys = ctx.redis, ctx.keys
    report = Report()
    # in-flight articles: the extract stage's input, now outbox entries
    payloads = r.hgetall(OLD_INFLIGHT_PAYLOADS)
    since = dict(r.zrange(OLD_INFLIGHT_SINCE, 0, -1, withscores=True))
    if payloads and not dry_run:
        outbox = Outbox(r, keys)
        for doc_id, raw in payloads.items():
            outbox.remember([("extract", doc_id, json.loads(raw))], at=since.get(doc_id))
        r.delete(OLD_INFLIGHT_PAYLOADS, OLD_INFLIGHT_SINCE)
    report.outbox = len(payloads)
    for old, new in ((OLD_CANARY, keys.canary),):
        if r.exists(old) and (dry_run or r.renamenx(old, new)):
            report.moved.append((old, new))
    _rename_all(ctx, OLD_METRICS + ":", keys.metrics + ":", report, dry_run)
    _rename_all(ctx, OLD_ALERTS + ":", keys.alerts + ":", report, dry_run)
    for old in r.scan_iter(match=f"{OLD_REDBEAT}*", count=1000):
        if not old.startswith(keys.redbeat):
            report.deleted.append(old)
            if not dry_run:
                r.delete(old)
    # dead letters: the stage names of the table, and payloads in the stage's record shape
    for dl_id in r.zrange(keys.deadletters, 0, -1):
        raw = r.get(keys.deadletter(dl_id))
        if not raw:
            continue
        entry = json.loads(raw)
        if "task" not in entry and "args" not in entry:
            continue  # written by this version
        stage = _dead_letter_stage(entry) or entry["stage"]
        payload = entry.get("payload")
        if stage == "poll" and isinstance(payload, dict):
            payload = payload.get("feed_id") or (entry.get("args") or [None])[0]
        new = {k: v for k, v in entry.items() if k not in ("task", "args")} | {"stage": stage, "payload": payload}
        report.dead_letters += 1
        if not dry_run:
            r.set(keys.deadletter(dl_id), json.dumps(new, ensure_ascii=False, default=str))
    return report
