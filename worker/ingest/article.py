"""From a feed item (and maybe its page) to the article the extraction stage consumes.

trafilatura finds the main text, title, author, date and lead image in the page. When the page could
not be fetched, or its main text is too short to be the article (paywall stub, consent wall, video
page), the feed's own content or description is used instead. The feed's date wins over a page date:
trafilatura guesses dates from page furniture (sidebars, "most read" boxes), the feed states it.
"""

from __future__ import annotations

import email.utils
import logging
from datetime import UTC, datetime
from typing import Any

import trafilatura

from worker.records import FeedItem, FetchedArticle

log = logging.getLogger(__name__)

MIN_BODY_CHARS = 200  # shorter page text is not an article body
MAX_HTML_CHARS = 3_000_000  # beyond this lxml trees get slow; real articles are far smaller
# What enters extraction is bounded whatever the page or feed said: the longest real articles are ~100k
# characters; extraction and indexing cost grows with the text.
MAX_TITLE_CHARS = 1000
MAX_BODY_CHARS = 300_000
MAX_SUMMARY_CHARS = 20_000
MAX_META_CHARS = 2048  # author, image URL


def extract_page(html: str, url: str | None = None) -> dict[str, Any]:
    """trafilatura's main text + metadata; empty dict if it finds nothing. Never raises."""
    if not html or not html.strip():
        return {}
    html = html[:MAX_HTML_CHARS]
    # trafilatura's own extractor alone first: on an article page it finds the body, and the backup
    # algorithms it would also run and compare (readability, jusText) cost ~40% of the extraction's CPU.
    # Only when that finds no article-sized body are they asked (paywall stubs, unusual layouts).
    data = _bare(html, url, fast=True)
    if len((data.get("text") or "").strip()) < MIN_BODY_CHARS:
        data = _bare(html, url, fast=False) or data
    return {k: data.get(k) for k in ("title", "author", "date", "image", "text", "description")} if data else {}


def warm_up() -> None:
    """Load what trafilatura loads lazily on first use, once, before the worker forks its pool: jusText's
    stop lists of every language (~0.2 s of CPU) are read on the first page that needs the backup
    algorithms, and a fetch message's 8 threads reaching that point together each read them again."""
    from trafilatura import external

    if external.JT_STOPLIST is None:
        external.jt_stoplist_init()
    _bare("<html><body><article><p>" + "نص " * 80 + "</p></article></body></html>", None, fast=False)


def _bare(html: str, url: str | None, *, fast: bool) -> dict[str, Any]:
    """One ``bare_extraction`` as a dict; empty if it finds nothing or fails. Never raises."""
    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=False,
            include_images=False, favor_precision=True, deduplicate=False, fast=fast,
        )
    except Exception as err:  # noqa: BLE001 - hostile or broken HTML must not crash the worker
        log.info("trafilatura failed on %s: %r", url, err)
        return {}
    if doc is None:
        return {}
    return doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)


def _iso(value: str | datetime | None) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        # ISO 8601 from our feed items and from trafilatura ("2018-02-26"); RFC 822 just in case.
        try:
            dt = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            try:
                dt = email.utils.parsedate_to_datetime(str(value))
            except (TypeError, ValueError, IndexError):
                return None
            if dt is None:
                return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.isoformat()


def build_article(item: FeedItem, *, html: str | None, doc_id: str, url: str,
                  fetched: datetime | None = None) -> tuple[FetchedArticle, str]:
    """The article the extraction stage consumes, and where its body came from (``page``,
    ``feed_content``, ``feed_summary`` or ``none``)."""
    page = extract_page(html, url) if html else {}
    page_text = (page.get("text") or "").strip()
    feed_text = (item.content or "").strip()
    feed_summary = (item.summary or "").strip()
    if len(page_text) >= MIN_BODY_CHARS and len(page_text) >= 0.5 * len(feed_text):
        body, body_from = page_text, "page"
    elif len(feed_text) >= len(feed_summary) and feed_text:
        body, body_from = feed_text, "feed_content"
    elif feed_summary:
        body, body_from = feed_summary, "feed_summary"
    else:
        body, body_from = page_text, "page" if page_text else "none"
    summary = feed_summary or (page.get("description") or "").strip() or None
    if summary and summary == body:
        summary = summary[:500]
    published = _iso(item.published) or _iso(page.get("date"))
    title = (item.title or "").strip() or (page.get("title") or "").strip()
    author = (item.author or "").strip() or (page.get("author") or None)
    image = item.image or page.get("image") or None
    article = FetchedArticle(
        id=doc_id,
        url=url,
        source=item.source,
        feed_id=item.feed_id,
        title=title[:MAX_TITLE_CHARS],
        body=body[:MAX_BODY_CHARS],
        summary=summary[:MAX_SUMMARY_CHARS] if summary else summary,
        author=author[:MAX_META_CHARS] if author else None,
        image=image if image and len(image) <= MAX_META_CHARS else None,
        published=published,
        fetched=(fetched or datetime.now(UTC)).isoformat(),
        tags=tuple(item.tags),
        language=item.language or "ar",
    )
    return article, body_from
