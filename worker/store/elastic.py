"""Elasticsearch index management and writes for enriched articles.

Layout: a composable index template (from the JSON file in ``worker/store/templates/``) matches
``<alias>-v*``; the live index ``<alias>-vN`` sits behind the alias that every reader and writer uses.
A mapping change is applied by :func:`reindex`: a new versioned index is filled client-side (scan + bulk,
because the core distribution has no ``_reindex``), the writes made meanwhile are replayed from the old
index by sequence number, and the alias is swapped in one atomic request. So is a change of the Python
analysis: an index's mapping ``_meta.analysis_version`` records the ``worker.query.analysis.ANALYSIS_VERSION``
its analysed fields were made with (absent: 1, made before it was recorded), :func:`ensure_index` reports an
index made with another one, and :func:`reindex` re-analyses every document into the current one.

Writes go through :func:`index_documents`: bulk with ``op_type=index`` and ``_id = doc.id`` (the hash of the
canonical URL), so a re-delivered document overwrites itself identically. No per-document refresh: the
template sets ``refresh_interval: 1s``, which keeps search fresh within about a second. Tests may pass
``refresh="wait_for"``.

Search lives in :mod:`worker.store.search` and is re-exported here.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from worker.document import EnrichedDocument
from worker.query.analysis import ANALYSIS_VERSION
from worker.query.fields import index_view
from worker.settings import get_settings
from worker.store import search as _search

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).parent / "templates"
ARTICLES_TEMPLATE_FILE = TEMPLATES_DIR / "news-articles.json"
DEFAULT_REFRESH_INTERVAL = "1s"
TEMPLATE_PRIORITY = 200
_VERSION_RE = re.compile(r"-v(\d+)$")


# --------------------------------------------------------------------------------------------- template


def load_template_body(path: Path = ARTICLES_TEMPLATE_FILE) -> dict[str, Any]:
    """The ``{"settings", "mappings"}`` part of the template file.

    The file may be a full composable template (``{"index_patterns", "template": {...}}``) or just the
    ``template`` part; index patterns are always set per alias by :func:`template_for_alias`, so tests can
    run against their own alias without editing the file.
    """
    raw = json.loads(path.read_text(encoding="utf-8"))
    body = raw.get("template", raw) if isinstance(raw, dict) else {}
    body = {k: v for k, v in body.items() if k in ("settings", "mappings")}
    settings = dict(body.get("settings") or {})
    # Accept both {"index": {"refresh_interval": ..}} and flat {"refresh_interval": ..} / "index.x" keys.
    index_settings = settings.get("index") if isinstance(settings.get("index"), dict) else None
    has_refresh = (
        "refresh_interval" in settings
        or "index.refresh_interval" in settings
        or (index_settings is not None and "refresh_interval" in index_settings)
    )
    if not has_refresh:
        settings["refresh_interval"] = DEFAULT_REFRESH_INTERVAL
    body["settings"] = settings
    mappings = body.setdefault("mappings", {})
    # the analysis version an index made from this template is analysed with (one definition: the code's)
    mappings["_meta"] = {**(mappings.get("_meta") or {}), "analysis_version": ANALYSIS_VERSION}
    return body


def template_name(alias: str) -> str:
    return f"{alias}-template"


def index_name(alias: str, version: int) -> str:
    return f"{alias}-v{version}"


def template_for_alias(alias: str, path: Path = ARTICLES_TEMPLATE_FILE) -> dict[str, Any]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    meta = dict(raw.get("_meta") or {}) if isinstance(raw, dict) else {}
    meta.update({"managed_by": "newsworker", "alias": alias, "source_file": path.name})
    return {
        "index_patterns": [f"{alias}-v*"],
        "priority": TEMPLATE_PRIORITY,
        "template": load_template_body(path),
        "_meta": meta,
    }


def put_template(es: Elasticsearch, alias: str) -> None:
    body = template_for_alias(alias)
    es.indices.put_index_template(
        name=template_name(alias),
        index_patterns=body["index_patterns"],
        priority=body["priority"],
        template=body["template"],
        meta=body["_meta"],
    )


# ------------------------------------------------------------------------------------------------ alias


def alias_indices(es: Elasticsearch, alias: str) -> list[str]:
    """Indices behind ``alias`` (empty when the alias does not exist)."""
    try:
        resp = es.indices.get_alias(name=alias)
    except NotFoundError:
        return []
    return sorted(resp.body.keys())


def current_index(es: Elasticsearch, alias: str) -> str | None:
    indices = alias_indices(es, alias)
    if len(indices) > 1:
        raise RuntimeError(f"alias {alias!r} points at several indices {indices}; fix it by hand")
    return indices[0] if indices else None


def index_version(name: str) -> int:
    m = _VERSION_RE.search(name)
    return int(m.group(1)) if m else 0


@dataclass
class EnsureResult:
    alias: str
    index: str
    created: bool
    mapping_updated: bool = False
    mapping_error: str | None = None
    # the analysis the index's analysed fields were made with (``ANALYSIS_VERSION`` when it is current)
    analysis_version: int = ANALYSIS_VERSION

    @property
    def analysis_stale(self) -> bool:
        return self.analysis_version != ANALYSIS_VERSION

    def analysis_message(self) -> str:
        return analysis_message(self.index, self.analysis_version)


def analysis_message(index: str, version: int) -> str:
    """What an operator reads about an index analysed by another version of the analysis."""
    return (
        f"index {index} was analysed with search analysis version {version}, this newsworker uses "
        f"{ANALYSIS_VERSION}: searches and the exact: field miss words whose keys changed (articles indexed "
        "since are analysed the new way) until `newsworker index reindex` re-analyses every article"
    )


def index_analysis_version(es: Elasticsearch, index: str) -> int:
    """The ``ANALYSIS_VERSION`` recorded in ``index``'s mapping (1 when none is: made before it was)."""
    meta = _index_meta(es, index)
    try:
        return int(meta.get("analysis_version", 1))
    except (TypeError, ValueError):
        return 1


def _index_meta(es: Elasticsearch, index: str) -> dict[str, Any]:
    body = es.indices.get_mapping(index=index).body
    return (body.get(index, {}).get("mappings") or {}).get("_meta") or {}


def index_warnings(es: Elasticsearch, alias: str | None = None) -> list[str]:
    """What the worker logs at its start about the index behind ``alias``: made by another search analysis
    (:func:`analysis_message`), or with an older mapping than the template's; empty when neither, or when
    there is no index yet. Reads only: it must not put templates or mappings, which ``index setup`` and
    ``run`` do through :func:`ensure_index`."""
    alias = alias or get_settings().es_index
    index = current_index(es, alias)
    if not index:
        return []
    meta = _index_meta(es, index)
    out = []
    try:
        analysis = int(meta.get("analysis_version", 1))
    except (TypeError, ValueError):
        analysis = 1
    if analysis != ANALYSIS_VERSION:
        out.append(analysis_message(index, analysis))
    made, current = meta.get("mapping_version"), load_template_body()["mappings"]["_meta"]["mapping_version"]
    if isinstance(made, int) and made < current:
        out.append(f"index {index} was made with mapping version {made}, the template is version {current}: it "
                   f"keeps working as it is until `newsworker index reindex` moves it to version {current}")
    return out


def ensure_index(es: Elasticsearch, alias: str | None = None) -> EnsureResult:
    """Put the template and make sure ``alias`` points at a versioned index. Re-runnable.

    On an existing index the template's mappings are applied with ``put_mapping`` (additive changes such as
    a new field succeed); a conflicting change is reported in ``mapping_error`` and needs :func:`reindex`.
    An index analysed by another version of the analysis is reported (``analysis_stale``, and logged) and
    keeps its recorded version: only :func:`reindex` re-analyses its documents.
    """
    alias = alias or get_settings().es_index
    put_template(es, alias)
    existing = current_index(es, alias)
    if existing:
        mappings = load_template_body()["mappings"]
        analysis = index_analysis_version(es, existing)
        if analysis != ANALYSIS_VERSION:
            # Not logged here: the callers say it (``index setup`` and ``run`` on the console, the worker in
            # its log at start, ``index_warnings``); a log here too printed it twice on run's console (qa7r-9).
            # put_mapping replaces _meta: it must not claim an analysis the documents were not made with
            mappings["_meta"] = {**mappings["_meta"], "analysis_version": analysis}
        try:
            if mappings:
                es.indices.put_mapping(index=existing, **mappings)
            return EnsureResult(alias, existing, created=False, mapping_updated=bool(mappings),
                                analysis_version=analysis)
        except ApiError as err:
            log.warning("mapping of %s differs from the template; run `newsworker index reindex`", existing)
            return EnsureResult(alias, existing, created=False, mapping_error=str(err), analysis_version=analysis)
    if es.indices.exists(index=alias):
        raise RuntimeError(f"{alias!r} is a concrete index, not an alias; reindex it into {alias}-v1 by hand")
    name = index_name(alias, 1)
    try:
        es.indices.create(index=name, aliases={alias: {"is_write_index": True}})
        created = True
    except ApiError as err:
        if getattr(err, "error", "") != "resource_already_exists_exception":
            raise
        created = False  # another process won the race; attach the alias if it is still missing
        es.indices.put_alias(index=name, name=alias, is_write_index=True)
    es.cluster.health(index=name, wait_for_status="yellow", timeout="30s")
    return EnsureResult(alias, name, created=created)


def create_index_once(es: Any, index: str, mappings: dict[str, Any]) -> bool:
    """Create a small single-shard index if it is absent; a concurrent creator winning the race is fine.
    True if this call created it."""
    if es.indices.exists(index=index):
        return False
    try:
        es.indices.create(index=index, mappings=mappings,
                          settings={"number_of_shards": 1, "number_of_replicas": 0})
    except Exception as err:  # noqa: BLE001
        if "resource_already_exists" not in str(err):
            raise
        return False
    return True


def drop_alias_and_indices(es: Elasticsearch, alias: str) -> None:
    """Delete every ``<alias>-v*`` index and the template (tests and benchmarks clean up with this)."""
    es.indices.delete(index=f"{alias}-v*", ignore_unavailable=True, allow_no_indices=True)
    try:
        es.indices.delete_index_template(name=template_name(alias))
    except NotFoundError:
        pass


# ------------------------------------------------------------------------------------------------ views


def to_source(doc: EnrichedDocument | dict[str, Any]) -> dict[str, Any]:
    """The ``_source`` stored for a document: the query helper's index view (document + derived fields)."""
    return index_view(doc)


def _doc_id(doc: EnrichedDocument | dict[str, Any]) -> str:
    doc_id = doc.id if isinstance(doc, EnrichedDocument) else doc.get("id")
    if not doc_id:
        raise ValueError("document has no id")
    return str(doc_id)


# ------------------------------------------------------------------------------------------------- bulk


@dataclass
class DocOutcome:
    id: str
    ok: bool
    status: int | None = None
    error: str | None = None
    attempts: int = 1


@dataclass
class BulkResult:
    outcomes: list[DocOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def indexed(self) -> int:
        return sum(1 for o in self.outcomes if o.ok)

    @property
    def failed(self) -> list[DocOutcome]:
        return [o for o in self.outcomes if not o.ok]


def _retryable(status: Any) -> bool:
    return not isinstance(status, int) or status == 429 or status >= 500


# A write block (``index.blocks.write``, set by :func:`reindex` for its last catch-up, or by the disk
# watermark) answers 403 but passes: the write belongs on the index the alias points to next.
_BLOCK_ERRORS = frozenset({"cluster_block_exception"})
_BLOCKED_STATUS = 503


def _blocked(info: dict[str, Any]) -> bool:
    err = info.get("error")
    return isinstance(err, dict) and err.get("type") in _BLOCK_ERRORS


def _error_text(info: dict[str, Any]) -> str:
    err = info.get("error")
    if isinstance(err, dict):
        return f"{err.get('type')}: {err.get('reason')}"
    return str(err)


def index_documents(
    es: Elasticsearch,
    docs: Iterable[EnrichedDocument | dict[str, Any]],
    *,
    alias: str | None = None,
    chunk_size: int = 500,
    max_retries: int = 5,
    initial_backoff: float = 0.5,
    max_backoff: float = 30.0,
    refresh: bool | str = False,
    view: Callable[[EnrichedDocument | dict[str, Any]], dict[str, Any]] | None = None,
) -> BulkResult:
    """Bulk-index documents under their own ids; return one outcome per distinct id.

    Items rejected with 429 or 5xx (and whole requests lost to a transport error) are re-sent up to
    ``max_retries`` times with exponential backoff; other errors (e.g. a mapping conflict) fail at once so
    the caller can dead-letter them. A document whose view cannot be built fails without being sent.
    A write block (a reindex swapping the alias) is retried like a 503, and reported as 503 if it outlasts
    the retries, so callers treat it as transient.
    """
    alias = alias or get_settings().es_index
    view = view or to_source
    started = time.perf_counter()
    outcomes: dict[str, DocOutcome] = {}
    pending: dict[str, dict[str, Any]] = {}
    for doc in docs:
        try:
            doc_id = _doc_id(doc)
        except ValueError as err:
            outcomes[f"<missing id #{len(outcomes)}>"] = DocOutcome("", False, None, str(err), 0)
            continue
        try:
            pending[doc_id] = view(doc)
        except Exception as err:  # noqa: BLE001 - a bad document must not sink the batch
            outcomes[doc_id] = DocOutcome(doc_id, False, None, f"view: {err!r}", 0)

    attempt = 0
    while pending:
        attempt += 1
        retry: dict[str, dict[str, Any]] = {}
        actions = (
            {"_op_type": "index", "_index": alias, "_id": doc_id, "_source": src}
            for doc_id, src in pending.items()
        )
        seen: set[str] = set()
        try:
            for ok, item in helpers.streaming_bulk(
                es,
                actions,
                chunk_size=chunk_size,
                max_retries=0,
                raise_on_error=False,
                raise_on_exception=False,
                refresh=refresh,
            ):
                info = next(iter(item.values()))
                doc_id = str(info.get("_id"))
                seen.add(doc_id)
                status = info.get("status")
                if not ok and _blocked(info):
                    status = _BLOCKED_STATUS
                if ok:
                    outcomes[doc_id] = DocOutcome(doc_id, True, status, None, attempt)
                elif _retryable(status) and attempt <= max_retries:
                    retry[doc_id] = pending[doc_id]
                else:
                    outcomes[doc_id] = DocOutcome(doc_id, False, status, _error_text(info), attempt)
        except TransportError as err:  # connection lost mid-stream: everything unseen is retried
            for doc_id, src in pending.items():
                if doc_id in seen:
                    continue
                if attempt <= max_retries:
                    retry[doc_id] = src
                else:
                    outcomes[doc_id] = DocOutcome(doc_id, False, None, f"transport: {err}", attempt)
        pending = retry
        if pending:
            delay = min(max_backoff, initial_backoff * 2 ** (attempt - 1))
            log.info("bulk: retrying %d documents in %.1fs (attempt %d)", len(pending), delay, attempt + 1)
            time.sleep(delay)
    return BulkResult(list(outcomes.values()), time.perf_counter() - started)


def refresh(es: Elasticsearch, alias: str | None = None) -> None:
    es.indices.refresh(index=alias or get_settings().es_index)


# ------------------------------------------------------------------------------------------------- read


_DERIVED_PREFIXES = ("title_ar", "body_ar", "title_exact", "body_exact")


def get_document(es: Elasticsearch, doc_id: str, *, alias: str | None = None) -> dict[str, Any] | None:
    """The stored enriched document (``_source``) or ``None``."""
    alias = alias or get_settings().es_index
    try:
        resp = es.get(index=alias, id=doc_id)
    except NotFoundError:
        return None
    return resp.body.get("_source")


def public_document(source: dict[str, Any]) -> dict[str, Any]:
    """An API view of a stored document: the enriched-document fields, plus the derived keyword fields that
    are readable (event types, places...), minus the analysed text copies that only the index needs."""
    return {k: v for k, v in source.items() if not k.startswith(_DERIVED_PREFIXES)}


# ---------------------------------------------------------------------------------------------- reindex


@dataclass
class ReindexResult:
    alias: str
    old_index: str | None
    new_index: str
    copied: int
    failed: list[DocOutcome]
    seconds: float
    swapped: bool = True
    caught_up: int = 0  # documents written to the old index during the copy and replayed into the new one
    rounds: int = 0  # catch-up rounds, the last one under a write block


def _rederive(source: dict[str, Any]) -> dict[str, Any]:
    """Rebuild derived fields from a stored document so a changed analysis reaches old documents too."""
    try:
        return to_source(source)
    except Exception:  # noqa: BLE001 - keep the stored view if it no longer validates
        return source


def _scan_sources(es: Elasticsearch, index: str, batch: int) -> Iterator[tuple[str, dict[str, Any]]]:
    for hit in helpers.scan(es, index=index, query={"query": {"match_all": {}}}, size=batch, scroll="5m"):
        yield hit["_id"], hit["_source"]


def _local_checkpoints(es: Elasticsearch, index: str) -> dict[int, int]:
    """Per primary shard, the local checkpoint: every operation with a sequence number up to it is done
    (the highest *assigned* number may belong to a write still in flight, which a refresh would miss)."""
    stats = es.indices.stats(index=index, level="shards", metric="docs").body
    out: dict[int, int] = {}
    for shard, copies in stats["indices"][index]["shards"].items():
        for copy in copies:
            if copy.get("routing", {}).get("primary", True):
                out[int(shard)] = int(copy.get("seq_no", {}).get("local_checkpoint", -1))
    return out


def _changed_since(
    es: Elasticsearch, index: str, checkpoints: dict[int, int], batch: int
) -> Iterator[tuple[int, int, str, dict[str, Any]]]:
    """(shard, seq_no, id, source) of every document whose last write came after its shard's checkpoint.

    Every index operation takes a new per-shard sequence number and ``_seq_no`` is searchable, so the
    writes made since a checkpoint are a range query (the index is refreshed first, to see them all).
    """
    es.indices.refresh(index=index)
    for shard, checkpoint in checkpoints.items():
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "query": {"range": {"_seq_no": {"gt": checkpoint}}},
                "sort": [{"_seq_no": "asc"}],
                "size": batch,
                "seq_no_primary_term": True,
            }
            if after is not None:
                body["search_after"] = after
            hits = es.search(index=index, preference=f"_shards:{shard}", **body)["hits"]["hits"]
            for hit in hits:
                yield shard, int(hit["_seq_no"]), hit["_id"], hit["_source"]
            if len(hits) < batch:
                break
            after = hits[-1]["sort"]


def _catch_up(
    es: Elasticsearch, old: str, new: str, checkpoints: dict[int, int], batch: int, rederive: bool
) -> tuple[int, list[DocOutcome]]:
    """Copy what was written to ``old`` after ``checkpoints`` into ``new``; advance the checkpoints.

    They advance to the local checkpoints read *before* the refresh, not to the highest number seen: a
    write numbered below that one may still have been in flight, and must be found by the next round.
    Documents seen above them are copied again next round (harmless: the latest version wins)."""
    done = _local_checkpoints(es, old)
    docs = [{**src, "id": src.get("id") or _id} for _, _, _id, src in _changed_since(es, old, checkpoints, batch)]
    for shard, seq_no in done.items():
        checkpoints[shard] = max(checkpoints.get(shard, -1), seq_no)
    if not docs:
        return 0, []
    result = index_documents(es, docs, alias=new, chunk_size=batch, view=_rederive if rederive else (lambda d: d))
    return result.indexed, result.failed


def _set_write_block(es: Elasticsearch, index: str, blocked: bool) -> None:
    if blocked:
        # the add-block API, unlike a settings update, returns only once in-flight writes have finished
        es.indices.add_block(index=index, block="write")
    else:
        es.indices.put_settings(index=index, settings={"index": {"blocks": {"write": False}}})


def reindex(
    es: Elasticsearch,
    new_version: int | None = None,
    *,
    alias: str | None = None,
    rederive: bool = True,
    delete_old: bool = False,
    batch: int = 500,
    swap_on_failure: bool = False,
    settle: int = 200,
    max_rounds: int = 10,
) -> ReindexResult:
    """Copy the alias's index into ``<alias>-v<new_version>`` (current template) and swap the alias, without
    losing the writes made while it copies.

    Scan + bulk on the client, since the core distribution has no ``_reindex``. With ``rederive`` each
    document's derived fields are recomputed by the current analysis. Writers keep writing to the old
    index through the alias; the per-shard sequence numbers taken before the scan mark where the copy
    stands, and catch-up rounds replay every document written after them (an overwrite is a new write,
    so the latest version wins). Once a round replays fewer than ``settle`` documents (or after
    ``max_rounds``), the old index is write-blocked, one last round runs, and the alias is swapped in one
    ``_aliases`` request (remove old + add new), so readers never see an empty alias. Writes refused by
    the block are retried by :func:`index_documents` (and reported as transient) and land in the new
    index. The old index stays write-blocked afterwards (or is deleted with ``delete_old``). Deletes are
    not replayed: the only deletes are retention's (``worker.store.retention``), and an article it deletes
    from the old index after the copy read it is found expired in the new one by its next run (during the
    last round the write block refuses its deletes, and its tick is retried).
    If any document fails to copy the alias stays on the old index (unless ``swap_on_failure``), the old
    index is unblocked, and the new one is left for inspection.
    """
    alias = alias or get_settings().es_index
    started = time.perf_counter()
    put_template(es, alias)
    old = current_index(es, alias)
    if new_version is None:
        new_version = (index_version(old) if old else 0) + 1
    new = index_name(alias, new_version)
    if new == old:
        raise ValueError(f"{new} is already the live index")
    if es.indices.exists(index=new):
        raise ValueError(f"{new} already exists; pick another version or delete it")
    # Fast load: no refresh, no replicas while copying; restored from the template afterwards.
    es.indices.create(index=new, settings={"index": {"refresh_interval": "-1", "number_of_replicas": 0}})
    copied = caught_up = rounds = 0
    failed: list[DocOutcome] = []
    blocked = False
    try:
        if old:
            # checkpoints first, then refresh, then scan: all writes up to them are in the snapshot
            checkpoints = _local_checkpoints(es, old)
            es.indices.refresh(index=old)
            docs = ({**src, "id": src.get("id") or _id} for _id, src in _scan_sources(es, old, batch))
            result = index_documents(
                es, docs, alias=new, chunk_size=batch, view=_rederive if rederive else (lambda d: d)
            )
            copied, failed = result.indexed, list(result.failed)
            while not failed:
                rounds += 1
                last = blocked
                if rounds >= max_rounds and not blocked:
                    _set_write_block(es, old, True)
                    blocked = True
                n, more = _catch_up(es, old, new, checkpoints, batch, rederive)
                caught_up += n
                failed += more
                if last:
                    break
                if n < settle and not blocked:
                    _set_write_block(es, old, True)
                    blocked = True
        settings = load_template_body()["settings"]
        index_settings = settings.get("index") if isinstance(settings.get("index"), dict) else {}
        refresh_interval = (
            settings.get("refresh_interval")
            or settings.get("index.refresh_interval")
            or index_settings.get("refresh_interval")
            or DEFAULT_REFRESH_INTERVAL
        )
        replicas = settings.get("number_of_replicas", index_settings.get("number_of_replicas"))
        # ``None`` resets the replica count to the cluster default when the template does not set one.
        es.indices.put_settings(
            index=new, settings={"index": {"refresh_interval": refresh_interval, "number_of_replicas": replicas}}
        )
        es.indices.refresh(index=new)
        if failed and old and not swap_on_failure:
            if blocked:
                _set_write_block(es, old, False)
                blocked = False
            return ReindexResult(
                alias, old, new, copied, failed, time.perf_counter() - started, False, caught_up, rounds
            )
        actions: list[dict[str, Any]] = [{"add": {"index": new, "alias": alias, "is_write_index": True}}]
        if old:
            actions.insert(0, {"remove": {"index": old, "alias": alias}})
        es.indices.update_aliases(actions=actions)
    except BaseException:
        if blocked and old:  # writers must not stay locked out of the live index
            _set_write_block(es, old, False)
        raise
    if old and delete_old:
        es.indices.delete(index=old)
    return ReindexResult(alias, old, new, copied, failed, time.perf_counter() - started, True, caught_up, rounds)


# ------------------------------------------------------------------------------------------------ stats


def stats(es: Elasticsearch, alias: str | None = None) -> dict[str, Any]:
    """Document count, size and versions behind the alias (for ``newsworker index stats``)."""
    alias = alias or get_settings().es_index
    indices = alias_indices(es, alias)
    out: dict[str, Any] = {"alias": alias, "indices": {}}
    if not indices:
        return out
    resp = es.indices.stats(index=",".join(indices), metric="docs,store,indexing,search").body
    for name, st in resp.get("indices", {}).items():
        prim = st.get("primaries", {})
        out["indices"][name] = {
            # _count, not docs.count: index stats count nested casualty entries as Lucene documents
            "docs": es.count(index=name)["count"],
            "deleted": prim.get("docs", {}).get("deleted", 0),
            "size_bytes": prim.get("store", {}).get("size_in_bytes", 0),
            "index_total": prim.get("indexing", {}).get("index_total", 0),
            "query_total": prim.get("search", {}).get("query_total", 0),
            "analysis_version": index_analysis_version(es, name),
        }
    out["docs"] = sum(v["docs"] for v in out["indices"].values())
    out["analysis_version"] = ANALYSIS_VERSION
    out["other_versions"] = sorted(
        set(es.indices.get(index=f"{alias}-v*", ignore_unavailable=True, allow_no_indices=True).body)
        - set(indices)
    )
    return out


def __getattr__(name: str) -> Any:
    # Re-export search without an import cycle at module load (search imports this module).
    if name in ("search", "SearchResult", "SearchHit", "facets"):
        return getattr(_search, name)
    raise AttributeError(name)
