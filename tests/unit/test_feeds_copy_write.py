"""The feed registry's copy is written without waiting for a refresh: `feeds load-replay` registers feeds one by
one, and refresh="wait_for" cost up to a refresh interval per feed (200 feeds: past the chaos stack's 120 s)."""

from __future__ import annotations

from typing import Any

from worker.store import feeds_copy


def test_a_copy_write_does_not_wait_for_a_refresh(monkeypatch) -> None:
    seen: list[dict[str, Any]] = []

    def bulk(_es: Any, actions: Any, **kw: Any) -> tuple[int, list]:
        seen.append(kw)
        return len(list(actions)), []

    monkeypatch.setattr(feeds_copy.helpers, "bulk", bulk)
    copy = feeds_copy.FeedCopy(es=type("ES", (), {"options": lambda self, **_: self})(), index="x")
    copy._ensured = True  # no index to create here
    for i in range(3):
        copy.write([(f"f{i}", {"id": f"f{i}"})])
    assert len(seen) == 3 and all(kw.get("refresh") in (None, False) for kw in seen)
