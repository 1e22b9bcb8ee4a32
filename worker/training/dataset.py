"""The annotated extraction set (``data/extraction``): one record per article, labels per layer.

An article carries event labels always, and casualty, date, entity and speaker labels only when that layer
was annotated for it (``has``): a missing layer is "not annotated", never "none".
"""

from __future__ import annotations

import json
import pathlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from worker.extract.normalize import fold

__all__ = ["Article", "load", "data_dir", "duplicate_key", "batch_ids"]


def data_dir() -> pathlib.Path:
    """``data/extraction`` of the source checkout (the set is development data, not shipped)."""
    return pathlib.Path(__file__).resolve().parents[2] / "data" / "extraction"


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    body: str
    published: str
    category: str = ""
    stratum: str = ""
    source_set: str = ""
    has: frozenset[str] = frozenset()
    events: tuple[tuple[str, str], ...] = ()  # (type, evidence)
    casualties: tuple[tuple[str, int, str], ...] = ()  # (kind, count, text)
    dates: tuple[tuple[str, str], ...] = ()  # (text, date)
    entities: tuple[dict, ...] = ()  # {"type", "canonical", "mentions"}
    quotes: tuple[tuple[str | None, str], ...] = ()  # (speaker, text)
    extra: dict = field(default_factory=dict, compare=False)
    # The id that decides the article's cross-validation fold: its own, or, for a near-duplicate (the same
    # story filed twice, or by two outlets from one wire text), the smallest id of its group, so a story's
    # copies never sit on both sides of a split (``duplicate_key``; set by ``load``).
    group: str = ""

    @property
    def fold_key(self) -> str:
        return self.group or self.id

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(t for t, _ in self.events)

    @property
    def casualty_set(self) -> frozenset[tuple[str, int]]:
        return frozenset((k, c) for k, c, _ in self.casualties)


def _article(d: dict, source_set: str) -> Article:
    has = set(d.get("has") or ())
    if not has:  # the shared train-events file: events and casualties on every article
        has = {"events", "casualties"}
    return Article(
        id=d["id"],
        title=d.get("title", ""),
        body=d.get("body", ""),
        published=d.get("published", ""),
        category=d.get("category", ""),
        stratum=d.get("stratum", ""),
        source_set=d.get("source_set", source_set),
        has=frozenset(has),
        events=tuple((e["type"], e.get("evidence", "")) for e in d.get("events") or ()),
        casualties=tuple((c["kind"], int(c["count"]), c.get("text", "")) for c in d.get("casualties") or ()),
        dates=tuple((x.get("text", ""), x["date"]) for x in d.get("dates") or ()),
        entities=tuple(d.get("entities") or ()),
        quotes=tuple((q.get("speaker"), q.get("text", "")) for q in d.get("quotes") or ()),
    )


def batch_ids(names: Iterable[str], root: pathlib.Path | None = None) -> frozenset[str]:
    """The articles of the drawn batches ``names`` (``batches/<name>.src.jsonl``): how a held-out draw is named."""
    batches = (root or data_dir()) / "batches"
    return frozenset(json.loads(line)["id"] for name in names
                     for line in (batches / f"{name}.src.jsonl").open(encoding="utf-8") if line.strip())


def duplicate_key(body: str) -> str:
    """What two copies of one story share: the first 400 characters of the folded body, punctuation and
    spacing collapsed (outlets re-file wire copy with a new title or a changed last paragraph)."""
    return _PUNCT_RE.sub(" ", fold(body)).strip()[:400]


_PUNCT_RE = re.compile(r"\W+")
_MIN_DUPLICATE = 100
_LAYERS = ("events", "casualties", "dates", "entities", "quotes")


def _lines(path: pathlib.Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def _rulings(root: pathlib.Path) -> dict[str, dict]:
    """The adjudicator's final lists per article (``passes/adjudication.jsonl``), the last line winning."""
    path = root / "passes" / "adjudication.jsonl"
    return {d["id"]: d for d in _lines(path)} if path.exists() else {}


def load(layer: str = "events", root: pathlib.Path | None = None) -> list[Article]:
    """Every article annotated for ``layer`` (events, casualties, dates, entities, quotes), in file order.

    The shared ``train-events.jsonl`` is kept as it was given; a ruling on one of its articles in
    ``passes/adjudication.jsonl`` replaces that layer here, as ``merge.py`` does for ``articles.jsonl``.
    """
    root = root or data_dir()
    out: dict[str, Article] = {}
    rulings = _rulings(root)
    groups: dict[str, list[str]] = {}
    files = [("train-events.jsonl", "train-events"), ("articles.jsonl", "extraction-2026")]
    for name, tag in files:
        path = root / name
        if path.exists():
            for d in _lines(path):
                if tag == "train-events" and d["id"] in rulings:
                    d = {**d, **{k: v for k, v in rulings[d["id"]].items() if k in _LAYERS}}
                a = _article(d, tag)
                key = duplicate_key(a.body)
                if len(key) >= _MIN_DUPLICATE:  # short or empty bodies (title-only items) say nothing
                    groups.setdefault(key, []).append(a.id)
                if layer in a.has:
                    out[a.id] = a
    first = {i: min(ids) for ids in groups.values() if len(ids) > 1 for i in ids}
    return [replace(a, group=first[a.id]) if a.id in first else a for a in out.values()]
