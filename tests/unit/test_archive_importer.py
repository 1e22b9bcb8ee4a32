"""The importer's decisions, with the store stages faked (no services): micro-batches, the checkpoint
skipping done rows, rows the chain or the index refuses reported with their lines, the index being
unavailable retried then stopping the import with the checkpoint intact, alerts only on request."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from worker.archive import importer as imp
from worker.archive.checkpoint import Progress
from worker.archive.errors import ImportAborted
from worker.archive.rows import BadRow, Row
from worker.pipeline import article as stages
from worker.records import Delivery, FetchedArticle


def _rows(n: int, bad_at: tuple[int, ...] = ()) -> list[Row | BadRow]:
    out: list[Row | BadRow] = []
    for i in range(1, n + 1):
        if i in bad_at:
            out.append(BadRow(i, i + 1, "invalid JSON"))
        else:
            out.append(Row(i, i + 1, FetchedArticle(id=f"d{i}", url=f"https://e.org/{i}", title=f"عنوان {i}",
                                                    body="قتل خمسة أشخاص في هجوم على سجن في الحسكة.")))
    return out


@dataclass
class FakeCheckpoint:
    progress: Progress = field(default_factory=Progress)
    saved: list[int] = field(default_factory=list)
    cleared: bool = False

    def load(self) -> Progress:
        return self.progress

    def save(self, p: Progress) -> None:
        self.progress = p
        self.saved.append(p.done)

    def clear(self) -> None:
        self.cleared = True


@pytest.fixture
def store(monkeypatch):
    """Fake story/index/match stages: record what reaches the index, refuse or fail ids on demand."""
    state = {"indexed": [], "bulks": 0, "refuse": set(), "unavailable": 0, "matched": []}

    def story(hop, doc):  # noqa: ANN001
        hop.emit(doc.model_copy(update={"story_id": doc.id}))

    def index(hop, docs):  # noqa: ANN001
        state["bulks"] += 1
        out = []
        for d in docs:
            if state["unavailable"]:
                out.append(stages.StoreUnavailable("503: busy"))
            elif d.id in state["refuse"]:
                out.append(stages.StoreRefused("400: mapper_parsing_exception"))
            else:
                state["indexed"].append(d.id)
                hop.emit(d)
                out.append(None)
        if state["unavailable"]:
            state["unavailable"] -= 1
        return out

    def match(hop, doc):  # noqa: ANN001
        state["matched"].append(doc.id)
        hop.emit(Delivery(id=f"n-{doc.id}", channel_key="c", channel={"type": "webhook"}, notification={}))

    counted: list[tuple[str, float]] = []  # no Redis here: what would go to /metrics
    monkeypatch.setattr(imp.metrics, "inc", lambda name, labels, n: counted.append((labels["outcome"], n)))
    state["counted"] = counted
    monkeypatch.setattr(stages, "story", story)
    monkeypatch.setattr(stages, "index", index)
    monkeypatch.setattr(stages, "match", match)
    state["stored"] = {}  # id -> worker.archive.stored.Stored: what the index already holds
    monkeypatch.setattr(imp, "stored_lookup", lambda ctx, ids: {i: state["stored"][i] for i in ids
                                                                if i in state["stored"]})
    return state


def test_batches_checkpoint_and_bad_rows(store):
    cp = FakeCheckpoint()
    bad: list[BadRow] = []
    store["refuse"] = {"d7"}
    summary = imp.Importer(None, batch=4, on_bad=bad.append).run(_rows(10, bad_at=(3,)), cp)  # type: ignore[arg-type]
    assert cp.saved == [4, 8, 10] and cp.cleared
    assert store["bulks"] == 3  # one bulk request per micro-batch
    assert (summary.rows, summary.imported, summary.bad, summary.failed) == (10, 8, 1, 1)
    assert [(b.line, b.error.split(":")[0]) for b in bad] == [(4, "invalid JSON"), (8, "refused by the index")]
    assert store["matched"] == [] and summary.deliveries == 0  # alerts are off by default
    assert store["counted"] == [("ok", 3), ("bad", 1), ("ok", 3), ("refused", 1), ("ok", 2)]


def test_resume_skips_rows_up_to_the_checkpoint(store):
    cp = FakeCheckpoint(Progress(done=8, imported=7, bad=1))
    summary = imp.Importer(None, batch=4).run(_rows(10, bad_at=(3,)), cp)  # type: ignore[arg-type]
    assert store["indexed"] == ["d9", "d10"] and summary.skipped == 8 and summary.bad == 0
    assert summary.totals == Progress(done=10, imported=9, bad=1, failed=0)


def test_index_unavailable_is_retried_then_stops_with_the_checkpoint_kept(store):
    cp = FakeCheckpoint()
    sleeps: list[float] = []
    store["unavailable"] = 2  # two failed bulk requests, then the store is back
    summary = imp.Importer(None, batch=5, sleep=sleeps.append).run(_rows(5), cp)  # type: ignore[arg-type]
    assert summary.imported == 5 and sleeps == [1.0, 2.0]

    cp2 = FakeCheckpoint()
    store["unavailable"] = 99
    with pytest.raises(ImportAborted, match="run the import again"):
        imp.Importer(None, batch=5, sleep=sleeps.append).run(_rows(10), cp2)  # type: ignore[arg-type]
    assert cp2.saved == [] and not cp2.cleared  # nothing marked done that is not in the index


def test_alerts_on_request_hand_deliveries_over(store):
    sent: list[Delivery] = []
    summary = imp.Importer(None, batch=3, alerts=True, on_deliveries=sent.extend).run(_rows(4))  # type: ignore[arg-type]
    assert store["matched"] == ["d1", "d2", "d3", "d4"] and [d.id for d in sent] == ["n-d1", "n-d2", "n-d3", "n-d4"]
    assert summary.deliveries == 4


def test_tally_of_an_interrupted_run_is_its_finished_batches(store):
    """After Ctrl-C (or a store error) the caller's tally holds what the checkpoint holds, bad rows
    included, and not the rows of the batch under way; the summary says it was interrupted."""
    cp = FakeCheckpoint(Progress(done=4, imported=4))
    tally = imp.Tally()
    store["refuse"] = {"d7"}
    seen: list[BadRow] = []

    def stop_in_the_third(done: imp.BatchDone) -> None:
        if done.done == 12:
            store["unavailable"] = 99  # the batch after it never reaches the index

    with pytest.raises(ImportAborted):
        imp.Importer(None, batch=4, on_bad=seen.append, on_batch=stop_in_the_third,  # type: ignore[arg-type]
                     sleep=lambda s: None).run(_rows(16, bad_at=(6, 14)), cp, tally)
    summary = tally.summary(interrupted=True)
    assert cp.saved == [8, 12] and not cp.cleared
    assert (summary.skipped, summary.rows, summary.imported, summary.bad, summary.failed) == (4, 8, 6, 1, 1)
    assert [b.line for b in summary.bad_rows] == [7, 8]  # the bad row of line 15 is in the unfinished batch
    assert [b.line for b in seen] == [7, 8, 15]  # though it was reported as it was read
    assert summary.totals == Progress(done=12, imported=10, bad=1, failed=1) and summary.interrupted

    def ctrl_c(done: imp.BatchDone) -> None:
        raise KeyboardInterrupt

    store["unavailable"] = 0
    tally = imp.Tally()
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C after the first batch: the same
        imp.Importer(None, batch=4, on_batch=ctrl_c).run(_rows(8), FakeCheckpoint(), tally)  # type: ignore[arg-type]
    assert (tally.rows, tally.imported, tally.summary().totals.done) == (4, 4, 4)
