"""Real Arabic articles for search tests and the benchmark: the ANT corpus as enriched documents.

ANT Corpus v2.1 (Al Arabiya, BBC Arabic, CNN Arabic, France24, Sky News Arabia, Feb-Oct 2018),
https://antcorpus.github.io; citation licence in ``worker/replay/data/README.md``. The full corpus is read
from the shared data directory when present, otherwise the packaged sample of the replay server.

Enrichment uses the chain's ``extract_many`` when it is importable; ``enrich=False`` (or a chain that is
not there yet) gives documents with text and metadata only.
"""

from __future__ import annotations

import email.utils
import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from worker.devdata import CORPUS
from worker.document import ArticleIn, EnrichedDocument, doc_id_for_url
from worker.extract.pipeline import extract_many

PACKAGED_SAMPLE = Path(__file__).resolve().parent.parent / "replay" / "data" / "ant-sample.jsonl.gz"
SOURCE_SLUGS = {
    "alarabia": "alarabiya",
    "BBC": "bbc",
    "CNN": "cnn",
    "france24": "france24",
    "skynews": "skynews",
}


def corpus_path(prefer_full: bool = True) -> Path:
    if prefer_full and CORPUS.is_file():
        return CORPUS
    if PACKAGED_SAMPLE.is_file():
        return PACKAGED_SAMPLE
    raise FileNotFoundError(f"neither {CORPUS} nor {PACKAGED_SAMPLE} exists")


def _published(value: str | None) -> datetime | None:
    try:
        dt = email.utils.parsedate_to_datetime(value or "")
    except (TypeError, ValueError, IndexError):
        return None
    if dt is None:
        return None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)


def iter_raw(path: Path | None = None, limit: int | None = None, every: int = 1) -> Iterator[dict]:
    """Raw corpus lines; ``every=k`` keeps one line in k (a spread-out sample across sources/months).

    The packaged sample (used where the full corpus is absent, as in CI) is already spread out, so
    thinning it again would leave a handful of articles: there ``every`` is ignored.
    """
    path = path or corpus_path()
    if path == PACKAGED_SAMPLE:
        every = 1
    kept = 0
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if not line.strip() or i % every:
                continue
            yield json.loads(line)
            kept += 1
            if limit is not None and kept >= limit:
                return


def to_document(raw: dict) -> EnrichedDocument:
    url = raw.get("url") or f"ant:{raw.get('docno')}"
    return EnrichedDocument(
        id=doc_id_for_url(url),
        url=url,
        source=SOURCE_SLUGS.get(raw.get("source", ""), str(raw.get("source", "")).lower()),
        title=raw.get("title") or "",
        body=raw.get("text") or raw.get("abstract") or "",
        summary=raw.get("abstract") or None,
        author=raw.get("author") or None,
        published=_published(raw.get("time")),
        tags=[raw["category"]] if raw.get("category") else [],
    )


def enrich(docs: list[EnrichedDocument]) -> list[EnrichedDocument]:
    """Run the extraction chain over ``docs`` (keeps metadata the chain does not set)."""
    articles = [
        ArticleIn(
            id=d.id,
            url=d.url,
            title=d.title,
            body=d.body,
            published=d.published.isoformat() if d.published else None,
        )
        for d in docs
    ]
    out: list[EnrichedDocument] = []
    for doc, enriched in zip(docs, extract_many(articles), strict=True):
        if not isinstance(enriched, EnrichedDocument):
            enriched = EnrichedDocument.model_validate(enriched)
        keep = {k: getattr(doc, k) for k in ("id", "url", "source", "summary", "author", "published", "tags")}
        out.append(enriched.model_copy(update=keep))
    return out


def load_documents(
    limit: int | None = None, *, every: int = 1, enrich_docs: bool = True, path: Path | None = None
) -> list[EnrichedDocument]:
    docs = [to_document(r) for r in iter_raw(path, limit, every)]
    return enrich(docs) if enrich_docs else docs
