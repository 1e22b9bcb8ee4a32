"""The index stage's views are reused by the match stage only for the very record they were built from."""

from __future__ import annotations

from worker.document import EnrichedDocument
from worker.pipeline.article import _ViewMemo
from worker.store.elastic import to_source


def test_match_reuses_the_view_built_for_the_same_record() -> None:
    memo = _ViewMemo()
    doc = EnrichedDocument(id="d1", title="قصف على حلب", body="قتل ثلاثة أشخاص في حلب.")
    view = memo.build(doc)
    assert view == to_source(doc)
    assert memo.take(doc) is view
    assert memo.take(doc) is None  # taken once


def test_an_equal_but_different_record_builds_its_own() -> None:
    memo = _ViewMemo()
    doc = EnrichedDocument(id="d1", title="عنوان")
    memo.build(doc)
    assert memo.take(doc.model_copy(update={"story_id": "s"})) is None


def test_the_memo_is_bounded() -> None:
    memo = _ViewMemo()
    docs = [EnrichedDocument(id=f"d{i}") for i in range(_ViewMemo.MAX + 10)]
    for d in docs:
        memo.build(d)
    assert len(memo._views) <= _ViewMemo.MAX  # noqa: SLF001
    assert memo.take(docs[-1]) is not None
