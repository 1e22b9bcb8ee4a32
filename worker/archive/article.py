"""One archived article -> the ``FetchedArticle`` record the extraction stage consumes, bounded exactly like
a fetched one (ingest's ``MAX_TITLE_CHARS``, ``MAX_BODY_CHARS``, ``MAX_SUMMARY_CHARS``, ``MAX_META_CHARS``).

Not ingest's ``build_article``: that one decides between a page and a feed item's own content/summary
(which of the two is the article), a choice an archive row does not pose; its text *is* the article. A
WARC page gets its main text from ingest's ``extract_page`` (trafilatura), the same call a fetched page
goes through.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from worker.controls import strip_controls
from worker.ingest.article import MAX_BODY_CHARS, MAX_META_CHARS, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS
from worker.records import FetchedArticle

SUMMARY_SAME_AS_BODY_CHARS = 500  # as ingest does: a summary that only repeats the body is cut to a lead


def _meta(value: str | None) -> str | None:
    return value if value and len(value) <= MAX_META_CHARS else None


def archived_article(*, doc_id: str, url: str, title: str | None, body: str | None, summary: str | None = None,
                     author: str | None = None, image: str | None = None, published: str | None = None,
                     fetched: datetime | None = None, source: str | None = None, tags: Sequence[str] = (),
                     language: str = "ar") -> FetchedArticle:
    """The record for the chain. With no body, the summary stands in (as for a feed item without content).
    Text fields lose their control characters and terminal sequences, as a feed's do (``strip_controls``)."""
    title = _plain(title)
    body = _plain(body) or _plain(summary)
    summary = _plain(summary) or None
    if summary and summary == body:
        summary = summary[:SUMMARY_SAME_AS_BODY_CHARS]
    return FetchedArticle(
        id=doc_id, url=url, source=_plain(source) or None, feed_id=None, title=title[:MAX_TITLE_CHARS], body=body[:MAX_BODY_CHARS],
        summary=summary[:MAX_SUMMARY_CHARS] if summary else None,
        author=_plain(author)[:MAX_META_CHARS] or None, image=_meta(image), published=published,
        fetched=(fetched or datetime.now(UTC)).isoformat(), tags=tuple(t for t in map(_plain, tags) if t),
        language=language,
    )


def _plain(text: str | None) -> str:
    return strip_controls(text or "").strip()
