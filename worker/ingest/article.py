"""From a feed item (and maybe its page) to the article the extraction stage consumes.

trafilatura finds the main text, title, author and lead image in the page, once the lists of links to
other articles are out of it (``pagetext``); the page's date is the one a reader sees as the article's
(``pagedate``). When the page could not be fetched, or its main text is too short to be the article
(paywall stub, consent wall, video page), the feed's own content or description is used instead. The
feed's date wins over a page date: the feed states it, the page's is read from its markup and layout.
"""

from __future__ import annotations

import email.utils
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import trafilatura
from lxml.html import HtmlElement
from trafilatura.metadata import examine_meta, extract_meta_json
from trafilatura.settings import Document
from trafilatura.utils import load_html

from worker.controls import strip_controls
from worker.ingest.markup import count_tags, plain_text
from worker.ingest.pagedate import page_date
from worker.ingest.pagetext import (
    MOSTLY_LINKS,
    drop_link_lists,
    headline,
    link_share,
    strip_boilerplate,
    title_from_headline,
)
from worker.records import FeedItem, FetchedArticle

log = logging.getLogger(__name__)

MIN_BODY_CHARS = 200  # shorter page text is not an article body
MAX_HTML_CHARS = 3_000_000  # beyond this lxml trees get slow; real articles are far smaller
# trafilatura's CPU and memory grow with the elements, and faster than linearly with the elements inside one
# paragraph (20,000 <span>s in a <p>: 4.5 s; 49,000: 39 s; a million <p>: 76 s and 1.1 GB). Real article
# pages hold under 1,000 tags (every page of the project's sample set: 300 to 900); past this bound the
# page's text is taken by a linear tag strip (``markup.plain_text``) and no tree is built.
MAX_TAGS = 20_000
_BODY_TAG = re.compile(r"<body\b", re.IGNORECASE)
_KEYS = ("title", "author", "date", "image", "text", "description", "url")
# What enters extraction is bounded whatever the page or feed said: the longest real articles are ~100k
# characters; extraction and indexing cost grows with the text.
MAX_TITLE_CHARS = 1000
MAX_BODY_CHARS = 300_000
MAX_SUMMARY_CHARS = 20_000
MAX_META_CHARS = 2048  # author, image URL


def extract_page(html: str, url: str | None = None, *, metadata: bool = True) -> dict[str, Any]:
    """trafilatura's main text + metadata; empty dict if it finds nothing. Never raises.

    Lists of links to other articles are removed from the tree first (``pagetext.drop_link_lists``): a short
    article's page otherwise gave the sidebar's headlines as its text and one of their dates as its date. The
    date is the one a reader sees as the article's (``pagedate.page_date``: metadata, then the date next to
    the headline), as ISO 8601 with a zone; the title keeps the quotation marks of the headline.

    ``metadata=False``: the main text and the lead image only. trafilatura's metadata pass (title, author,
    and above all the date search through the whole page) is ~40% of the page's extraction CPU, wasted
    when the feed item already states them (see :func:`build_article`); the image is read from the same
    meta tags and JSON-LD trafilatura's pass reads it from, and only those."""
    if not html or not html.strip():
        return {}
    tags = count_tags(html, MAX_TAGS)
    if tags > MAX_TAGS:
        # No tree at all: building one is already most of the cost (a million elements, over 1 GB).
        log.warning("page %s has over %d tags: main text by tag stripping, no page metadata", url, MAX_TAGS)
        text = plain_text(html, MAX_BODY_CHARS)
        return dict.fromkeys(_KEYS) | {"text": text} if text else {}
    tree = _parse(_within_cap(html))
    if tree is None:
        return {}
    image = None if metadata else _meta_image(tree, url)
    drop_link_lists(tree)
    data = _main_text(tree, url, metadata)
    if not data:
        return {}
    if metadata:
        head = headline(tree, data.get("title"))
        data["date"] = page_date(tree, title=data.get("title"), fallback=data.get("date"), head=head)
        data["title"] = title_from_headline(data.get("title"), head)
    else:
        data["image"] = image
    return {k: data.get(k) for k in _KEYS}


def _main_text(tree: HtmlElement, url: str | None, metadata: bool) -> dict[str, Any]:
    """trafilatura's own extractor alone first: on an article page it finds the body, and the backup
    algorithms it would also run and compare (readability, jusText) cost ~40% of the extraction's CPU. Only
    when that finds no article-sized body are they asked (paywall stubs, unusual layouts), and their text
    is taken on evidence, not length alone: a text that is mostly other articles' headlines (links of the
    page) is no article, whichever pass found it. The text comes back tidied (``strip_boilerplate``)."""
    data = _bare(tree, url, fast=True, metadata=metadata)
    fast = _body_text(data, tree)
    if len(fast) >= MIN_BODY_CHARS:
        return data
    full = _bare(tree, url, fast=False, metadata=metadata)
    slow = _body_text(full, tree)
    if len(slow) > len(fast):
        data = full or data
        fast = slow
    if data:
        data["text"] = fast
    return data


def _body_text(data: dict[str, Any], tree: HtmlElement) -> str:
    """A pass's text, tidied, or "" when it is mostly the headlines of links on the page."""
    text = strip_boilerplate(data.get("text") or "") if data else ""
    if text and link_share(text, tree) >= MOSTLY_LINKS:
        log.info("main text candidate is a list of links (%d characters): not the article", len(text))
        return ""
    if data:
        data["text"] = text
    return text


def _within_cap(html: str) -> str:
    """The first ``MAX_HTML_CHARS`` of the page; from its ``<body>`` on when the head alone fills them (a
    4.8 MB head of unclosed ``<link`` tags left the body out, and the article with it)."""
    if len(html) <= MAX_HTML_CHARS:
        return html
    head = html[:MAX_HTML_CHARS]
    if _BODY_TAG.search(head):
        return head
    body = _BODY_TAG.search(html, MAX_HTML_CHARS - 16)  # a tag cut by the cap is found again
    return html[body.start():body.start() + MAX_HTML_CHARS] if body else head


def _parse(html: str) -> HtmlElement | None:
    try:
        return load_html(html)
    except Exception as err:  # noqa: BLE001 - hostile or broken HTML must not crash the worker
        log.info("HTML unreadable: %r", err)
        return None


def _meta_image(tree: HtmlElement, url: str | None) -> str | None:
    """The lead image as trafilatura's metadata pass finds it: meta tags, then JSON-LD, then trimmed."""
    try:
        doc: Document = extract_meta_json(tree, examine_meta(tree))
        doc.clean_and_trim()
    except Exception as err:  # noqa: BLE001 - as in trafilatura, bad JSON-LD must not lose the article
        log.info("page metadata unreadable on %s: %r", url, err)
        return None
    return doc.image or None


def _needs_page_metadata(item: FeedItem) -> bool:
    """Whether the page must supply title, date, author or description: the feed's win when present."""
    return not ((item.title or "").strip() and _iso(item.published) and (item.author or "").strip()
                and (item.summary or "").strip())


def warm_up() -> None:
    """Load what trafilatura loads lazily on first use, once, before the worker forks its pool: jusText's
    stop lists of every language (~0.2 s of CPU) are read on the first page that needs the backup
    algorithms, and a fetch message's 8 threads reaching that point together each read them again."""
    from trafilatura import external

    if external.JT_STOPLIST is None:
        external.jt_stoplist_init()
    _bare("<html><body><article><p>" + "نص " * 80 + "</p></article></body></html>", None, fast=False)


def _bare(html: str | HtmlElement, url: str | None, *, fast: bool,
          metadata: bool = True) -> dict[str, Any]:
    """One ``bare_extraction`` as a dict; empty if it finds nothing or fails. Never raises."""
    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=metadata, include_comments=False, include_tables=False,
            include_images=False, favor_precision=True, deduplicate=False, fast=fast,
            date_extraction_params=_date_params(),
        )
    except Exception as err:  # noqa: BLE001 - hostile or broken HTML must not crash the worker
        log.info("trafilatura failed on %s: %r", url, err)
        return {}
    if doc is None:
        return {}
    return doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)


def _date_params() -> dict[str, Any]:
    """htmldate's options for trafilatura's metadata pass: its fast mode (markup and precise patterns; the
    extensive search's last resorts are the copyright year as a 1 January and any year in the text), the
    original date rather than the last update, nothing later than today. Its date is only the last of
    ``page_date``'s sources."""
    return {"extensive_search": False, "original_date": True,
            "max_date": (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d")}


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
    page = extract_page(html, url, metadata=_needs_page_metadata(item)) if html else {}
    page_text = _plain(page.get("text"))
    feed_text = _plain(item.content)
    feed_summary = _plain(item.summary)
    if len(page_text) >= MIN_BODY_CHARS and len(page_text) >= 0.5 * len(feed_text):
        body, body_from = page_text, "page"
    elif len(feed_text) >= len(feed_summary) and feed_text:
        body, body_from = feed_text, "feed_content"
    elif feed_summary:
        body, body_from = feed_summary, "feed_summary"
    else:
        body, body_from = page_text, "page" if page_text else "none"
    summary = feed_summary or _plain(page.get("description")) or None
    if summary and summary == body:
        summary = summary[:500]
    published = _iso(item.published) or _iso(page.get("date"))
    title = _plain(item.title) or _plain(page.get("title"))
    author = _plain(item.author) or _plain(page.get("author")) or None
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
        tags=tuple(t for t in (_plain(tag) for tag in item.tags) if t),
        language=item.language or "ar",
    )
    return article, body_from


def _plain(text: str | None) -> str:
    """A feed's or page's text as plain text: stripped, without control characters or terminal sequences
    (a feed title that clears the analyst's screen when ``newsworker search`` prints it)."""
    return strip_controls(text or "").strip()
