"""Retention: delete the articles and alert-history records older than the configured number of days.

**By which time.** An article's age is counted from when newsworker stored it: the later of ``indexed`` (the
index stage's clock, re-stamped whenever the article is written again) and ``fetched`` (the fetcher's clock,
for a document that has no ``indexed``). ``published`` is the feed's word, not ours: a feed that dates its
items 1970 would have fresh articles deleted at their first prune, and one that dates them 2099 would keep
them for ever, which is the unbounded growth retention exists to stop. So an archive imported today is kept
for the retention period from today, whatever its articles' dates. A document with neither time (none is
written that way) cannot be aged, and is kept. An alert-history record's age is the later of ``created`` and
``updated``: a notification still being retried or given follow-ups is recent whatever its creation date.

**How.** Core Elasticsearch has no ``_delete_by_query`` (it lives in the reindex module), so the matching ids
are read page by page under a point in time (``search_after`` on ``_shard_doc``), and deleted with the bulk
API, a page at a time, through the concrete index each hit names: every index behind the alias, not only its
write index. Each delete carries the ``_seq_no``/``_primary_term`` the search saw, so an article written
again meanwhile (a redelivered batch, a re-fetch: a fresh ``indexed``) is not deleted (a version conflict,
counted as ``kept``). One call deletes at most ``limit`` documents, so a periodic run never holds a worker for
long; what is left goes at the next call. Deleting is idempotent: a crash leaves documents that the next call
finds again, and two runs at once only find the other's deletes already done (404, not an error).

Deleted documents stop counting at once: a call that deleted something refreshes the index before it returns,
so a prune followed by a search or an export no longer finds them (qa7b-7); their disk space comes
back as Elasticsearch merges segments. Under the flood-stage disk watermark's ``read_only_allow_delete``
block Elasticsearch refuses document deletes as well (only a whole index may go then), so retention has to
be on before the disk fills; a refused batch stops the call, and the periodic run is retried.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError

from worker.settings import MAX_RETENTION_DAYS, Settings
from worker.store.search import close_pit

ARTICLE_TIME_FIELDS = ("indexed", "fetched")
HISTORY_TIME_FIELDS = ("created", "updated")

# Per call: documents deleted at most, and per search page and bulk request.
RUN_LIMIT = 10_000
BATCH = 1_000
_PIT_KEEP_ALIVE = "2m"


@dataclass(frozen=True)
class Target:
    """What one retention setting prunes: ``kind`` names it in metrics and messages."""

    kind: str  # articles | alert_history
    index: str  # an alias (articles) or an index (alert history)
    fields: tuple[str, ...]  # the document's age is the latest of these times
    days: int  # 0: keep everything
    setting: str  # the variable that sets ``days``, for messages


def targets(settings: Settings) -> tuple[Target, Target]:
    return (
        Target("articles", settings.es_index, ARTICLE_TIME_FIELDS, settings.retention_days,
               "NEWSWORKER_RETENTION_DAYS"),
        Target("alert_history", settings.es_alert_history_index, HISTORY_TIME_FIELDS,
               settings.alert_history_retention_days, "NEWSWORKER_ALERT_HISTORY_RETENTION_DAYS"),
    )


# ------------------------------------------------------------------------------------------ the policy (pure)


def cutoff(days: int, now: datetime) -> datetime | None:
    """Documents whose time is before this are expired; None when ``days`` is 0 (keep everything)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_RETENTION_DAYS:
        raise ValueError(f"retention days must be a whole number from 0 to {MAX_RETENTION_DAYS}, not {days!r}")
    if now.tzinfo is None:
        raise ValueError("now must carry its time zone")
    return None if days == 0 else now - timedelta(days=days)


def age_time(source: dict[str, Any], fields: Sequence[str]) -> datetime | None:
    """The time a document's age counts from: the latest of ``fields`` it has (ISO strings or epoch ms, as
    the index stores them); None when it has none (such a document is never expired)."""
    times = [t for t in (_as_time(source.get(f)) for f in fields) if t is not None]
    return max(times) if times else None


def expired(source: dict[str, Any], fields: Sequence[str], before: datetime | None) -> bool:
    """The rule :func:`expired_query` asks Elasticsearch, for one document in hand."""
    t = age_time(source, fields)
    return before is not None and t is not None and t < before


def expired_query(fields: Sequence[str], before: datetime) -> dict[str, Any]:
    """Documents that have at least one of ``fields`` and none of them at or after ``before``: the latest of
    their times is before it. A field that is missing does not make a document young or old."""
    stamp = before.isoformat()
    return {"bool": {
        "filter": [{"bool": {"should": [{"exists": {"field": f}} for f in fields], "minimum_should_match": 1}}],
        "must_not": [{"range": {f: {"gte": stamp}}} for f in fields],
    }}


def _as_time(value: Any) -> datetime | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            t = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return t if t.tzinfo else t.replace(tzinfo=UTC)
    return None


# ------------------------------------------------------------------------------------------- Elasticsearch


@dataclass
class PruneResult:
    kind: str
    index: str
    before: datetime | None
    deleted: int = 0
    kept: int = 0  # written again since the search saw them (a version conflict): not expired any more
    gone: int = 0  # already deleted by another run
    errors: list[str] = field(default_factory=list)
    more: bool = False  # stopped at the limit: expired documents may remain for the next call


def count_expired(es: Elasticsearch, index: str, fields: Sequence[str], before: datetime | None) -> int:
    """How many documents a prune would delete now (the dry run); 0 when retention is off or no index."""
    if before is None or not es.indices.exists(index=index):
        return 0
    return int(es.count(index=index, query=expired_query(fields, before))["count"])


def prune(es: Elasticsearch, target: Target, before: datetime | None, *, limit: int = RUN_LIMIT,
          batch: int = BATCH) -> PruneResult:
    """Delete up to ``limit`` documents of ``target`` whose time is before ``before`` (None: nothing); when
    some were deleted, refresh ``target.index`` so that they have left search and counts on return."""
    if limit < 1 or batch < 1:
        raise ValueError("limit and batch must be positive")
    result = PruneResult(target.kind, target.index, before)
    if before is None or not es.indices.exists(index=target.index):
        return result
    query = expired_query(target.fields, before)
    pit = es.open_point_in_time(index=target.index, keep_alive=_PIT_KEEP_ALIVE)["id"]
    after: list[Any] | None = None
    seen = 0
    try:
        while seen < limit:
            size = min(batch, limit - seen)
            body: dict[str, Any] = {"pit": {"id": pit, "keep_alive": _PIT_KEEP_ALIVE}, "query": query,
                                    "sort": ["_shard_doc"], "size": size, "_source": False,
                                    "seq_no_primary_term": True, "track_total_hits": False}
            if after is not None:
                body["search_after"] = after
            resp = es.search(**body)
            pit = resp.get("pit_id", pit)
            hits = resp["hits"]["hits"]
            if not hits:
                break
            seen += len(hits)
            _delete(es, hits, result)
            if result.errors:  # a write block or a node away: stop, the next call resumes
                break
            if len(hits) < size:
                break
            after = hits[-1]["sort"]
        else:
            result.more = True
    finally:
        close_pit(es, pit)
    if result.deleted:
        _refresh(es, target.index)
    return result


def _refresh(es: Elasticsearch, index: str) -> None:
    """One refresh per call, not per bulk (a refresh makes a segment per shard). Every index behind the
    alias: the deletes went to the concrete index of each hit."""
    try:
        es.indices.refresh(index=index)
    except (ApiError, TransportError):  # the deletes are done; they show within the refresh interval anyway
        pass


def _delete(es: Elasticsearch, hits: list[dict[str, Any]], result: PruneResult) -> None:
    ops = [{"delete": {"_index": h["_index"], "_id": h["_id"], "if_seq_no": h["_seq_no"],
                       "if_primary_term": h["_primary_term"]}} for h in hits]
    resp = es.bulk(operations=ops)
    for item in resp["items"]:
        info = item.get("delete") or {}
        status = info.get("status")
        if info.get("result") == "deleted":
            result.deleted += 1
        elif status == 404:
            result.gone += 1
        elif status == 409:
            result.kept += 1
        else:
            err = info.get("error")
            reason = f"{err.get('type')}: {err.get('reason')}" if isinstance(err, dict) else str(err)
            if len(result.errors) < 5:  # the first few say what is wrong; the rest is the same
                result.errors.append(f"{info.get('_index')}/{info.get('_id')}: {status} {reason}")
