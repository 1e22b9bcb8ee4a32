"""Shared by the archive integration tests: 30 real ANT articles as JSONL, a throw-away alias and key
prefix for the process's application context."""

from __future__ import annotations

import collections
import gzip
import json
from collections.abc import Iterator
from pathlib import Path

from worker.replay.corpus import SAMPLE_PATH


def ant_articles(n_per_source: int = 6) -> list[dict]:
    """Full news articles of the shipped ANT sample: ``n_per_source`` from each of its five sources, news
    categories (middleEast, internationalNews), bodies of at least 500 characters (the sample also holds
    one-line video teasers, which are not what an archive import is about). Deterministic: file order."""
    per: dict[str, list[dict]] = collections.defaultdict(list)
    with gzip.open(SAMPLE_PATH, "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if (row["category"] in ("middleEast", "internationalNews") and len(row["text"]) >= 500
                    and len(per[row["source"]]) < n_per_source):
                per[row["source"]].append(row)
    return [r for rows in per.values() for r in rows]


def write_jsonl(path: Path, rows: list[dict | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def isolated_archive(es_client, redis_client, unique_name: str, monkeypatch) -> Iterator[tuple[str, str]]:  # noqa: ANN001
    """The body of each archive test file's fixture: (alias, prefix). The process's context writes under a
    throw-away Redis prefix; the alias is dropped and the keys deleted afterwards."""
    from worker.settings import get_settings
    from worker.store import elastic
    from worker.store.fields import forget

    prefix = f"test:{unique_name}:"
    alias = f"{unique_name}-archive"
    monkeypatch.setattr(get_settings(), "redis_prefix", prefix)
    yield alias, prefix
    from worker import metrics

    metrics.flush()  # counts buffered under the test's prefix, written now so they are deleted below
    elastic.drop_alias_and_indices(es_client, alias)
    forget(alias)
    keys = list(redis_client.scan_iter(f"{prefix}*", count=1000))
    if keys:
        redis_client.delete(*keys)
