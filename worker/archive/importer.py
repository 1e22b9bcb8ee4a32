"""An archive through the live article path: the pipeline's own stage functions
(``worker.pipeline.article``), in micro-batches, with a checkpoint.

Per batch of ``batch`` rows (32, the ``extract`` row's batch in the stage table):

0. the articles already stored under the rows' ids (one search): a row that would replace one with less
   (no text or no title where it has one) is refused, the others get the metadata they lack from it
   (``worker.archive.stored``);
1. ``extract``: the pure chain's batch entry point (``extract_many``), plus the article's metadata;
2. ``story``: the story id, from the same near-duplicate log live articles use (so a syndicated copy in
   the archive joins its story, and a live copy arriving within the window joins the archived one);
3. ``index``: one bulk request for the batch, under each document's own id (hash of the canonical URL),
   so re-importing overwrites instead of duplicating;
4. ``match`` only with ``alerts=True``: an archive is history, and a rule should not fire for a 2018
   article today. With it, deliveries go to ``on_deliveries`` (the CLI queues them to ``deliver``); the
   alert history still sends one notification per (rule, story).

Then the checkpoint moves past the batch. What the runner would do with a failure is decided here for a
batch the operator is watching: a row the chain or the index refuses is reported with its line and the
import goes on; the index being unavailable is retried with backoff, and past ``INDEX_ATTEMPTS`` the
import stops with ``ImportAborted`` (a re-run resumes at the checkpoint). Dead letters are not used: the
report is the operator's terminal. Redis or Elasticsearch errors raised by a stage stop the import the
same way.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from worker import metrics
from worker.archive.checkpoint import Checkpoint, Progress, archive_identity
from worker.archive.errors import ImportAborted
from worker.archive.readers import open_archive, read_rows
from worker.archive.rows import BadRow, Item, Row
from worker.archive.stored import Stored, against_stored, stored_articles
from worker.document import EnrichedDocument
from worker.pipeline import article as stages
from worker.pipeline.context import AppContext, current
from worker.pipeline.stage import Hop
from worker.records import Delivery
from worker.store.elastic import ensure_index, refresh

log = logging.getLogger(__name__)

BATCH = 32
INDEX_ATTEMPTS = 6  # ~30 s of backoff (1, 2, 4, 8, 16 s) before giving up on the store
MAX_BAD_KEPT = 1000  # bad rows kept in the summary; all of them are counted and passed to ``on_bad``


@dataclass(frozen=True)
class BatchDone:
    """Handed to ``on_batch`` after each batch: the progress so far (for a progress bar)."""

    done: int  # ordinal of the batch's last row
    imported: int
    bad: int
    failed: int


@dataclass(frozen=True)
class ImportSummary:
    rows: int  # rows read in this run (after the resumed-over ones)
    imported: int  # documents indexed in this run
    bad: int  # rows refused while reading (schema, JSON, CSV, WARC)
    failed: int  # rows the chain or the index refused
    skipped: int  # rows done by an earlier, interrupted run
    deliveries: int
    seconds: float
    bad_rows: tuple[BadRow, ...] = ()  # the first ``MAX_BAD_KEPT`` bad and failed rows
    totals: Progress = field(default_factory=Progress)  # this run plus the interrupted runs before it
    interrupted: bool = False  # stopped before the end (Ctrl-C, a store gone): the checkpoint holds the rest

    @property
    def per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Tally:
    """What a run has done so far, moved once per batch, just after the batch's checkpoint is saved: so
    when the import stops half-way (Ctrl-C, Redis or Elasticsearch gone) its caller can still report the
    finished batches, which are exactly what a re-run skips. Rows of the batch under way are not in it."""

    before: Progress = field(default_factory=Progress)  # the earlier runs' progress, from the checkpoint
    rows: int = 0
    imported: int = 0
    bad: int = 0
    failed: int = 0
    skipped: int = 0
    deliveries: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)  # the first ``MAX_BAD_KEPT``
    started: float = field(default_factory=time.perf_counter)

    def summary(self, *, interrupted: bool = False) -> ImportSummary:
        b = self.before
        totals = Progress(b.done + self.rows, b.imported + self.imported, b.bad + self.bad, b.failed + self.failed)
        return ImportSummary(self.rows, self.imported, self.bad, self.failed, self.skipped, self.deliveries,
                             time.perf_counter() - self.started, tuple(self.bad_rows), totals, interrupted)


class _Collect:
    """A hop whose emitted records are kept (the stage functions ``emit`` their outputs)."""

    def __init__(self, ctx: AppContext) -> None:
        self.outputs: list[Any] = []
        self.hop = Hop(ctx, self.outputs.append)


def _batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _count(imported: int, bad: int, refused: int) -> None:
    """Imports show in ``/metrics`` beside live articles: ``articles_total{stage="import"}``."""
    for outcome, n in (("ok", imported), ("bad", bad), ("refused", refused)):
        if n:
            metrics.inc("articles_total", {"stage": "import", "outcome": outcome}, n)


@dataclass
class Importer:
    ctx: AppContext
    batch: int = BATCH
    alerts: bool = False
    on_deliveries: Callable[[list[Delivery]], None] | None = None
    on_bad: Callable[[BadRow], None] | None = None
    on_batch: Callable[[BatchDone], None] | None = None
    sleep: Callable[[float], None] = time.sleep

    def run(self, items: Iterable[Item], checkpoint: Checkpoint | None = None,
            tally: Tally | None = None) -> ImportSummary:
        """Import ``items``; ``tally`` (the caller's) follows the finished batches, for a report after an
        interruption (the exception propagates: the checkpoint is kept for a re-run)."""
        t = tally if tally is not None else Tally()
        t.started = time.perf_counter()
        t.before = before = checkpoint.load() if checkpoint else Progress()

        for chunk in _batches(items, self.batch):
            fresh = [i for i in chunk if i.ordinal > before.done]
            if not fresh:
                t.skipped += len(chunk)
                continue
            found: list[BadRow] = []  # this batch's bad and refused rows, reported as they are found
            for b in (i for i in fresh if isinstance(i, BadRow)):
                found.append(b)
                if self.on_bad:
                    self.on_bad(b)
            bad = len(found)
            good = [i for i in fresh if isinstance(i, Row)]
            n_ok, refused, sent = self._batch(good) if good else (0, [], [])
            found.extend(refused)
            if self.on_bad:
                for b in refused:
                    self.on_bad(b)
            if sent and self.on_deliveries:
                self.on_deliveries(sent)
            _count(n_ok, bad, len(refused))
            progress = Progress(fresh[-1].ordinal, before.imported + t.imported + n_ok, before.bad + t.bad + bad,
                                before.failed + t.failed + len(refused))
            if checkpoint:
                checkpoint.save(progress)
            # The batch is done (indexed, checkpointed): it enters the tally, in one step.
            t.skipped += len(chunk) - len(fresh)
            t.rows += len(fresh)
            t.imported += n_ok
            t.bad += bad
            t.failed += len(refused)
            t.deliveries += len(sent)
            t.bad_rows.extend(found[: MAX_BAD_KEPT - len(t.bad_rows)])
            if self.on_batch:
                self.on_batch(BatchDone(progress.done, progress.imported, progress.bad, progress.failed))
        if checkpoint:
            checkpoint.clear()  # finished: a later run imports the archive again
        return t.summary()

    # -- one micro-batch through the stages ------------------------------------------------------------
    def _batch(self, rows: Sequence[Row]) -> tuple[int, list[BadRow], list[Delivery]]:
        """(documents indexed, rows refused, deliveries) for one batch of good rows."""
        refused: list[BadRow] = []
        rows = self._against_stored(rows, refused)
        if not rows:
            return 0, refused, []
        by_id = {r.article.id: r for r in rows}

        def refuse(doc_id: str, why: str) -> None:
            row = by_id[doc_id]
            refused.append(BadRow(row.ordinal, row.line, why, row.unit))

        ex = _Collect(self.ctx)
        results = stages.extract(ex.hop, [r.article for r in rows])
        for row, res in zip(rows, results, strict=True):
            if isinstance(res, BaseException):
                refused.append(BadRow(row.ordinal, row.line, f"extraction failed: {res}", row.unit))
        storied: list[EnrichedDocument] = []
        for doc in ex.outputs:
            st = _Collect(self.ctx)
            stages.story(st.hop, doc)  # Redis errors propagate: the import stops, the checkpoint holds
            storied.extend(st.outputs)
        indexed = self._index(storied, refuse)
        sent: list[Delivery] = []
        if self.alerts:
            for doc in indexed:
                m = _Collect(self.ctx)
                stages.match(m.hop, doc)
                sent.extend(m.outputs)
        return len(indexed), refused, sent

    def _against_stored(self, rows: Sequence[Row], refused: list[BadRow]) -> list[Row]:
        """The rows that may replace what is stored under their ids, filled in from it; the others are
        refused with the reason (``worker.archive.stored``: an import never replaces an article with less)."""
        stored = stored_lookup(self.ctx, [r.article.id for r in rows])
        kept: list[Row] = []
        for row in rows:
            checked = against_stored(row, stored.get(row.article.id))
            if isinstance(checked, str):
                refused.append(BadRow(row.ordinal, row.line, checked, row.unit))
            else:
                kept.append(checked)
        return kept

    def _index(self, docs: list[EnrichedDocument], refuse: Callable[[str, str], None]) -> list[EnrichedDocument]:
        indexed: list[EnrichedDocument] = []
        pending = docs
        for attempt in range(1, INDEX_ATTEMPTS + 1):
            if not pending:
                break
            ix = _Collect(self.ctx)
            results = stages.index(ix.hop, pending)
            indexed.extend(ix.outputs)
            retry: list[EnrichedDocument] = []
            for doc, res in zip(pending, results, strict=True):
                if isinstance(res, stages.StoreUnavailable):
                    retry.append(doc)
                elif isinstance(res, BaseException):
                    refuse(doc.id, f"refused by the index: {res}")
            pending = retry
            if pending and attempt < INDEX_ATTEMPTS:
                delay = 2.0 ** (attempt - 1)
                log.warning("import: index unavailable for %d documents; retrying in %.0fs", len(pending), delay)
                self.sleep(delay)
        if pending:
            raise ImportAborted(f"the index stayed unavailable for {len(pending)} documents after "
                                f"{INDEX_ATTEMPTS} attempts; run the import again to resume")
        return indexed


def stored_lookup(ctx: AppContext, ids: Sequence[str]) -> Mapping[str, Stored]:
    """The articles already stored in the import's alias under ``ids``."""
    return stored_articles(ctx.es, ctx.settings.es_index, ids)


def context_for(alias: str | None) -> AppContext:
    """The process's application context, writing to ``alias`` instead of the configured one."""
    ctx = current()
    if not alias or alias == ctx.settings.es_index:
        return ctx
    # The same clients, key namespace and alert subsystem; only the alias the index stage writes differs.
    return dataclasses.replace(ctx, settings=ctx.settings.model_copy(update={"es_index": alias}))


def import_archive(ctx: AppContext, path: str, *, fmt: str | None = None, source: str | None = None,
                   restart: bool = False, on_open: Callable[[Any, Progress], None] | None = None,
                   tally: Tally | None = None, **importer: Any) -> ImportSummary:
    """Open ``path`` (``-``: stdin), make sure the target alias exists, and import it with its checkpoint
    (``restart``: ignore and drop an earlier run's). ``on_open(source, resumed_progress)`` is called once
    the archive is open (the CLI sizes its progress bar). ``tally``: filled as batches finish, so a caller
    can report what was done when this raises (Ctrl-C, ``ImportAborted``, a Redis or Elasticsearch error).
    ``importer``: ``Importer`` options. The alias is refreshed at the end, so the documents are searchable
    when this returns."""
    alias = ctx.settings.es_index
    src = open_archive(path, fmt)
    try:
        ensure_index(ctx.es, alias)
        checkpoint = Checkpoint(ctx.redis, ctx.keys, archive_identity(src.head, alias))
        if restart:
            checkpoint.clear()
        if on_open:
            on_open(src, checkpoint.load())
        summary = Importer(ctx, **importer).run(read_rows(src, source=source), checkpoint, tally)
    finally:
        src.close()
        try:
            refresh(ctx.es, alias)
        except Exception:  # noqa: BLE001 - the refresh interval makes them searchable within a second anyway
            log.info("import: refresh of %s failed", alias)
    return summary
