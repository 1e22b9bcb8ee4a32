"""The replay server's items: real Arabic news articles from the ANT corpus.

Data: ANT Corpus v2.1 (multi-source, Feb-Oct 2018: Al Arabiya, BBC Arabic, CNN Arabic, France24,
Sky News Arabia), https://antcorpus.github.io. Citation licence: any material using it must cite
A. Chouigui, O. Ben Khiroun, B. Elayeb, "An Arabic Multi-source News Corpus: Experimenting on
Single-document Extractive Summarization", Arabian Journal for Science and Engineering 46(8), 2021,
doi:10.1007/s13369-020-05258-z (see ``worker/replay/data/README.md``).

The full corpus (``worker.devdata.CORPUS``, ``../shared/data/corpora/ant-multisource-2018.jsonl.gz``) is used when given; the
package ships a small deterministic sample (``data/ant-sample.jsonl.gz``) for the demo, tests and CI.
"""

from __future__ import annotations

import email.utils
import gzip
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from worker.devdata import CORPUS

SAMPLE_PATH = Path(__file__).parent / "data" / "ant-sample.jsonl.gz"

# corpus "source" field -> (feed slug, outlet display name, real site used for flavour only)
SOURCES: dict[str, tuple[str, str]] = {
    "alarabia": ("alarabiya", "العربية نت"),
    "BBC": ("bbc", "بي بي سي عربي"),
    "CNN": ("cnn", "سي إن إن بالعربية"),
    "france24": ("france24", "فرانس 24"),
    "skynews": ("skynews", "سكاي نيوز عربية"),
}


@dataclass(frozen=True)
class CorpusItem:
    docno: str
    source: str  # feed slug (alarabiya, bbc, ...)
    category: str
    title: str
    author: str
    abstract: str
    text: str
    published: datetime
    original_url: str

    @property
    def pubdate_rfc822(self) -> str:
        return email.utils.format_datetime(self.published)


def _parse_time(value: str | None) -> datetime:
    try:
        dt = email.utils.parsedate_to_datetime(value or "")
    except (TypeError, ValueError, IndexError):
        dt = None
    if dt is None:
        return datetime(2018, 1, 1, tzinfo=UTC)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def slug_for(source: str) -> str:
    return SOURCES.get(source, (source.lower(), source))[0]


def display_name(slug: str) -> str:
    for s, name in SOURCES.values():
        if s == slug:
            return name
    return slug


def load_corpus(path: str | Path | None = None, limit: int | None = None) -> list[CorpusItem]:
    """Items sorted by publication time (the order the clock releases them)."""
    path = Path(path) if path else SAMPLE_PATH
    items: list[CorpusItem] = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            d = json.loads(line)
            items.append(CorpusItem(
                docno=d["docno"], source=slug_for(d.get("source", "")), category=d.get("category") or "",
                title=(d.get("title") or "").strip(), author=(d.get("author") or "").strip(),
                abstract=(d.get("abstract") or "").strip(), text=(d.get("text") or "").strip(),
                published=_parse_time(d.get("time")), original_url=d.get("url") or "",
            ))
            if limit and len(items) >= limit:
                break
    items.sort(key=lambda i: (i.published, i.docno))
    return items


def write_sample(src: str | Path = CORPUS, dest: str | Path = SAMPLE_PATH, per_source: int = 60,
                 max_text_chars: int = 4000) -> int:
    """Deterministic sample: per source, items spread evenly over the corpus order (every k-th line),
    skipping items without a title or text. Returns the number written."""
    by_source: dict[str, list[dict]] = defaultdict(list)
    with gzip.open(src, "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            if d.get("title") and d.get("text") and len(d["text"]) <= max_text_chars:
                by_source[d["source"]].append(d)
    out = []
    for source in sorted(by_source):
        rows = by_source[source]
        step = max(1, len(rows) // per_source)
        out.extend(rows[::step][:per_source])
    with gzip.GzipFile(dest, "wb", mtime=0) as fh:  # mtime=0: byte-identical on every run
        for d in out:
            fh.write((json.dumps(d, ensure_ascii=False) + "\n").encode("utf-8"))
    return len(out)
