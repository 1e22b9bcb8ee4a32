"""The alert history index: one record per notification (a rule x story, or a digest batch), with its
delivery state per channel, attempt counts and the follow-up articles of the same story. A digest record
lists the stories it carried in ``story_ids``, so history by story finds digests as well as instant
notifications (records written before that field existed do not have it).

Writes do not force a refresh (that would put an index refresh on the notification path): reads by id are
real-time in Elasticsearch, and ``search`` (history listings) is fresh within the 1 s refresh interval.

The record's ``status`` sums its channels up (``overall_status``: pending while any channel is still being
tried); ``channel_states`` (``"email:pending"``, one per channel, rewritten with every write and left out
of what readers get) lets a filter on a channel type and a status find the records where a channel of
that type has that status, which the object array ``channels`` cannot say (its fields are flattened).

Core Elasticsearch has no painless, so updates are read-modify-write with optimistic concurrency
(``if_seq_no``/``if_primary_term``) and a retry on conflict: the match task (adding follow-ups) and the
delivery tasks (marking attempts) can touch the same record at the same time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from elasticsearch import ConflictError, NotFoundError

from worker.alerts.context import AlertsDeps
from worker.alerts.rules import now_utc
from worker.store.elastic import create_index_once

STATUSES = ("pending", "delivered", "failed", "recorded")  # recorded: rule has no channel

_ARTICLE = {
    "properties": {
        "id": {"type": "keyword"},
        "title": {"type": "text"},
        "url": {"type": "keyword", "index": False},
        "source": {"type": "keyword"},
        "published": {"type": "date", "ignore_malformed": True},
    }
}

HISTORY_MAPPING: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "id": {"type": "keyword"},
        "kind": {"type": "keyword"},
        "rule": {"type": "keyword"},
        "owner": {"type": "keyword"},
        "story_id": {"type": "keyword"},
        "story_ids": {"type": "keyword"},  # a digest's stories
        "channel_states": {"type": "keyword"},  # "<type>:<status>" per channel, for the channel+status filter
        "status": {"type": "keyword"},
        "attempts": {"type": "integer"},
        "follow_up_count": {"type": "integer"},
        "created": {"type": "date"},
        "updated": {"type": "date"},
        "delivered_at": {"type": "date"},
        "article": _ARTICLE,
        "channels": {
            "properties": {
                "key": {"type": "keyword"},
                "type": {"type": "keyword"},
                "status": {"type": "keyword"},
                "attempts": {"type": "integer"},
            }
        },
    },
}


# Indices whose mapping this process has brought up to date (fields added since they were created).
_MAPPED: set[str] = set()


class History:
    def __init__(self, ctx: AlertsDeps) -> None:
        self.ctx = ctx
        self._ensured = False

    def ensure_index(self) -> None:
        if self._ensured:
            return
        index = self.ctx.settings.es_alert_history_index
        create_index_once(self.ctx.es, index, HISTORY_MAPPING)
        if index not in _MAPPED:
            # An index created by an earlier version lacks the newer fields (story_ids); adding a field to
            # a mapping is allowed, and the ones it has are unchanged. Once per process.
            self.ctx.es.indices.put_mapping(index=index, properties=HISTORY_MAPPING["properties"])
            _MAPPED.add(index)
        self._ensured = True

    def create(self, record: dict[str, Any]) -> bool:
        """Insert a new record; False if it already exists (a re-run of the same match task)."""
        self.ensure_index()
        record = {**record, "updated": now_utc().isoformat(), "channel_states": channel_states(record)}
        try:
            self.ctx.es.create(index=self.ctx.settings.es_alert_history_index, id=record["id"], document=record)
        except ConflictError:
            return False
        return True

    def get(self, notif_id: str) -> dict[str, Any] | None:
        self.ensure_index()
        try:
            return _public(self.ctx.es.get(index=self.ctx.settings.es_alert_history_index, id=notif_id)["_source"])
        except NotFoundError:
            return None

    def update(self, notif_id: str, fn: Callable[[dict[str, Any]], bool | None], tries: int = 20) -> dict[str, Any] | None:
        """Apply ``fn`` (mutates the record; returns False to skip the write) with optimistic concurrency."""
        self.ensure_index()
        es = self.ctx.es
        for _ in range(tries):
            try:
                res = es.get(index=self.ctx.settings.es_alert_history_index, id=notif_id)
            except NotFoundError:
                return None
            src = res["_source"]
            if fn(src) is False:
                return _public(src)
            src["updated"] = now_utc().isoformat()
            src["channel_states"] = channel_states(src)
            try:
                es.index(
                    index=self.ctx.settings.es_alert_history_index, id=notif_id, document=src,
                    if_seq_no=res["_seq_no"], if_primary_term=res["_primary_term"],
                )
                return _public(src)
            except ConflictError:
                continue
        raise RuntimeError(f"history record {notif_id}: too many concurrent updates")

    def add_follow_up(self, notif_id: str, article: dict[str, Any]) -> bool:
        """Append a later article of the same story (once per article id). False if already there."""
        added = False

        def fn(rec: dict[str, Any]) -> bool:
            nonlocal added
            ids = {a.get("id") for a in rec.get("follow_ups", [])} | {(rec.get("article") or {}).get("id")}
            if article.get("id") in ids:
                return False
            rec.setdefault("follow_ups", []).append({**article, "matched_at": now_utc().isoformat()})
            rec["follow_up_count"] = len(rec["follow_ups"])
            added = True
            return True

        self.update(notif_id, fn)
        return added

    def mark_attempt(self, notif_id: str, channel_key: str, status: str, error: str | None = None, *,
                     counted: bool = True, error_code: str | None = None) -> None:
        """Record one delivery attempt on one channel and recompute the record's overall status
        (``overall_status``). ``error_code`` (``worker.alerts.delivery.errors.ERROR_CODES``) is kept as the
        channel's ``last_error_code`` beside its ``last_error``, so a reader is told what went wrong in
        their language; records written before it have none.
        ``counted=False`` records a state without an attempt (giving up after the last one)."""
        def fn(rec: dict[str, Any]) -> bool:
            now = now_utc().isoformat()
            for ch in rec.get("channels", []):
                if ch["key"] != channel_key:
                    continue
                if ch.get("status") == "delivered":
                    return False  # never regress a confirmed delivery
                ch["attempts"] = int(ch.get("attempts", 0)) + (1 if counted else 0)
                ch["status"] = status
                ch["last_error"] = error
                ch["last_error_code"] = error_code if error else None
                ch["last_attempt"] = now
                if status == "delivered":
                    ch["delivered_at"] = now
            rec["attempts"] = sum(int(c.get("attempts", 0)) for c in rec.get("channels", []))
            rec["status"] = overall_status(rec.get("channels", []))
            if rec["status"] == "delivered":
                rec["delivered_at"] = now
            return True

        self.update(notif_id, fn)

    def latest_for_story(self, rule: str, story_id: str, *, refresh: bool = False) -> dict[str, Any] | None:
        """The newest record of ``rule`` that told its subscriber about ``story_id`` (instant or digest).
        ``refresh`` first makes records written in the last second searchable (a rare path's retry)."""
        self.ensure_index()
        if refresh:
            self.ctx.es.indices.refresh(index=self.ctx.settings.es_alert_history_index)
        _, records = self.search(rule=rule, story_id=story_id, limit=1)
        return records[0] if records else None

    def search(self, *, rule: str | None = None, status: str | None = None, story_id: str | None = None,
               channel: str | None = None, limit: int = 50, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        """Newest first. Returns (total, records). ``channel`` keeps records with a channel of that type
        (``webhook``, Slack included, or ``email``); with ``status`` too, a channel of that type in that
        status (a record whose e-mail is still retrying is ``status=pending&channel=email`` whatever its
        webhook did). ``status`` alone is the record's overall status."""
        self.ensure_index()
        filters: list[dict[str, Any]] = []
        if rule:
            filters.append({"term": {"rule": rule}})
        if status and channel:
            filters.append({"bool": {"should": [
                {"term": {"channel_states": f"{channel}:{status}"}},
                # records written before channel_states: by the record's status, as before
                {"bool": {"must_not": {"exists": {"field": "channel_states"}},
                          "filter": [{"term": {"status": status}}]}},
            ], "minimum_should_match": 1}})
        elif status:
            filters.append({"term": {"status": status}})
        if story_id:  # an instant notification of the story, or a digest that listed it
            filters.append({"bool": {"should": [{"term": {"story_id": story_id}}, {"term": {"story_ids": story_id}}],
                                     "minimum_should_match": 1}})
        if channel:
            filters.append({"term": {"channels.type": channel}})
        res = self.ctx.es.search(
            index=self.ctx.settings.es_alert_history_index,
            query={"bool": {"filter": filters}} if filters else {"match_all": {}},
            sort=[{"created": "desc"}], size=limit, from_=offset, track_total_hits=True,
        )
        hits = res["hits"]
        return int(hits["total"]["value"]), [_public(h["_source"]) for h in hits["hits"]]


def overall_status(channels: list[dict[str, Any]]) -> str:
    """A record's status from its channels': delivered when every channel is, pending while any is still
    being tried (a channel that gave up does not hide one that may yet deliver), failed when none is
    pending and one gave up; recorded when there is no channel."""
    states = [c.get("status") for c in channels]
    if not states:
        return "recorded"
    if all(s == "delivered" for s in states):
        return "delivered"
    if "failed" in states and "pending" not in states:
        return "failed"
    return "pending"


def channel_states(record: dict[str, Any]) -> list[str]:
    """``<type>:<status>`` of each channel (``email:pending``), for the channel-and-status filter."""
    return sorted({f"{c.get('type')}:{c.get('status')}" for c in record.get("channels") or []})


def _public(record: dict[str, Any]) -> dict[str, Any]:
    """A record as readers get it: without the filter's helper field."""
    record.pop("channel_states", None)
    return record
