"""WARC archives (web crawls: Heritrix, wget --warc-file, Browsertrix...) -> rows, with warcio.

Only pages are articles: ``response`` records with a 2xx HTTP status and an HTML content type, and
``resource`` records of HTML (what some crawlers store for a page without its HTTP exchange). Requests,
metadata, redirects, errors, images and scripts are passed over without a word; they are not rows.

A page goes through the same steps as a fetched one: its bytes are decoded like a fetched page
(``worker.ingest.encoding.decode_html``: BOM, HTTP charset, ``<meta>``, Arabic fallbacks), its canonical
URL is the page's same-site ``rel=canonical`` or the record's target URI
(``worker.ingest.canonical.canonical_for_page``), and its main text, title, author, date and image come from
trafilatura (``worker.ingest.article.extract_page``, the call a fetched page goes through). The record's ``WARC-Date`` is the
fetch time. A page whose main text is shorter than ingest's ``MIN_BODY_CHARS`` (200 characters: a section
front, a video page, a consent wall) is not an article: a bad row.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from worker.archive.article import archived_article
from worker.archive.columns import FUTURE_SLACK, RowError, checked_url, parse_published
from worker.archive.rows import BadRow, Item, Row
from worker.ingest.article import MIN_BODY_CHARS, extract_page
from worker.ingest.canonical import canonical_for_page, doc_id, source_from_url
from worker.ingest.encoding import decode_html
from worker.records import FetchedArticle
from worker.settings import get_settings

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _is_html(content_type: str | None) -> bool:
    return bool(content_type) and content_type.split(";")[0].strip().lower() in _HTML_TYPES  # type: ignore[union-attr]


def _warc_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _page(record: Any) -> tuple[str | None, str | None]:
    """(target URI, content type) when the record is an HTML page worth reading, else (None, None)."""
    uri = record.rec_headers.get_header("WARC-Target-URI")
    if record.rec_type == "response":
        http = record.http_headers
        if http is None:
            return None, None
        status = http.get_statuscode() or ""
        content_type = http.get_header("Content-Type")
        return (uri, content_type) if status.startswith("2") and _is_html(content_type) else (None, None)
    if record.rec_type == "resource":
        content_type = record.rec_headers.get_header("Content-Type")
        return (uri, content_type) if _is_html(content_type) else (None, None)
    return None, None


def article_from_page(uri: str | None, body: bytes, content_type: str | None, *,
                      fetched: datetime | None, source: str | None) -> FetchedArticle:
    """One archived page -> the article for the chain (see the module docstring). Raises ``RowError``."""
    url = checked_url(uri)
    html, _encoding = decode_html(body, content_type)
    canonical = canonical_for_page(url, html)
    page = extract_page(html, canonical)
    text = (page.get("text") or "").strip()
    if len(text) < MIN_BODY_CHARS:
        raise RowError(f"no main text found in the page (under {MIN_BODY_CHARS} characters)")
    try:  # a page dated more than a day after its capture is dated wrongly
        published = parse_published(page.get("date"), not_after=(fetched or datetime.now(UTC)) + FUTURE_SLACK)
    except RowError:  # a date trafilatura guessed but cannot be read (or believed) is no date, not a bad page
        published = None
    return archived_article(
        doc_id=doc_id(canonical), url=canonical, title=page.get("title"), body=text,
        summary=page.get("description"), author=page.get("author"), image=page.get("image"),
        published=published, fetched=fetched, source=source or source_from_url(canonical),
    )


def read_warc(stream: BinaryIO, *, source: str | None = None) -> Iterator[Item]:
    """The article pages of a WARC (plain or gzip per record). ``line`` is the record's number."""
    max_bytes = get_settings().max_page_bytes
    records = ArchiveIterator(stream)
    number = ordinal = 0
    try:
        for record in records:
            number += 1
            uri, content_type = _page(record)
            if uri is None and content_type is None:
                continue
            ordinal += 1
            body = record.content_stream().read(max_bytes + 1)
            where = f"(byte offset {records.get_record_offset()}, {uri})"
            if len(body) > max_bytes:
                yield BadRow(ordinal, number, f"page larger than {max_bytes} bytes {where}", "record")
                continue
            try:
                article = article_from_page(uri, body, content_type, source=source,
                                            fetched=_warc_date(record.rec_headers.get_header("WARC-Date")))
            except RowError as err:
                yield BadRow(ordinal, number, f"{err} {where}", "record")
                continue
            yield Row(ordinal, number, article, "record")
    except ArchiveLoadFailed as err:
        # A corrupt record: nothing after it can be found reliably. Report it and stop this archive.
        yield BadRow(ordinal + 1, number + 1, f"unreadable WARC record, stopped reading: {err}", "record")
