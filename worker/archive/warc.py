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

A damaged archive gives bad rows, never a cut article (warcio itself reads whatever is there): a record
whose content is shorter than its ``Content-Length`` (a crawl or download interrupted, a gzip member that
ends early) or whose header has no ``Content-Length`` is a bad row whatever its type, so a half page never
replaces the whole one stored under its URL; so is a page record (``response``, ``resource``) without a
``WARC-Target-URI``. A file whose first record is not a WARC record (or is unreadable) is no WARC at all:
``ArchiveFormatError``, before any row.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader
from warcio.recordloader import ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeadersParserException

from worker.archive.article import archived_article
from worker.archive.columns import FUTURE_SLACK, RowError, checked_url, parse_published
from worker.archive.errors import ArchiveFormatError
from worker.archive.rows import BadRow, Item, Row
from worker.ingest.article import MIN_BODY_CHARS, extract_page
from worker.ingest.canonical import canonical_for_page, doc_id, source_from_url
from worker.ingest.encoding import decode_html
from worker.records import FetchedArticle
from worker.settings import get_settings

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_PAGE_TYPES = ("response", "resource")  # the record types that can hold an article page
# What warcio raises for bytes it cannot parse as a record: the reading stops there (nothing after a record
# whose length is unknown can be found reliably).
_UNREADABLE = (ArchiveLoadFailed, StatusAndHeadersParserException)


class _Loader(ArcWarcRecordLoader):
    """warcio's record loader, made to hand a damaged record over instead of crashing or dropping it."""

    def load_http_headers(self, rec_type: Any, uri: Any, stream: Any, length: Any) -> Any:
        if uri is None:
            # warcio calls ``uri.startswith``: a record without WARC-Target-URI crashed the import (QA
            # qa7b-2). Its block is left unparsed; ``read_warc`` reports a page record without one.
            return None
        try:
            return super().load_http_headers(rec_type, uri, stream, length)
        except EOFError:
            # The archive ends where the HTTP headers start (an interrupted download): warcio would take
            # this EOFError for the archive's clean end and drop the record without a word. Handed over
            # without headers, its unread ``Content-Length`` shows it truncated (``_damage``).
            return None


def _records(stream: BinaryIO) -> ArchiveIterator:
    records = ArchiveIterator(stream)
    # The iterator's own loader with the same options (no HTTP verification, no ARC conversion); it is
    # used only from the first ``next``, so replacing it here is safe.
    records.loader = _Loader(verify_http=False, arc2warc=False)
    return records


def _damage(record: Any) -> str | None:
    """Why a record read to its end is damaged, or None. Call after the record was drained (warcio does it
    for ``get_record_offset``)."""
    raw = record.raw_stream
    if not isinstance(raw, LimitReader):  # warcio limits every record whose header gives a length
        return "truncated or malformed record: its header has no Content-Length"
    declared = record.rec_headers.get_header("Content-Length")
    if not (declared or "").strip().isdigit():
        return f"malformed record: Content-Length {declared!r} is not a number of bytes"
    if raw.limit > 0:  # the stream ended before the declared length: warcio does not say so itself
        return (f"truncated record: the archive ends {raw.tell()} bytes into its {declared.strip()}-byte "
                "content (an interrupted crawl or download)")
    return None


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
    """The article pages of a WARC (plain or gzip per record). ``line`` is the record's number. Raises
    ``ArchiveFormatError`` when the first record is no WARC record (the file is not a WARC)."""
    max_bytes = get_settings().max_page_bytes
    records = _records(stream)
    number = ordinal = 0
    try:
        for record in records:
            number += 1
            if number == 1 and record.format != "warc":
                # warcio also reads ARC, and takes any line of five words for an ARC header: plain text
                # was "imported" as 0 rows, exit 0 (QA qa7b-3).
                raise ArchiveFormatError("not a WARC file: no WARC/1.x record at its start")
            uri, content_type = _page(record)
            page = uri is not None or content_type is not None
            unnamed = record.rec_type in _PAGE_TYPES and not record.rec_headers.get_header("WARC-Target-URI")
            body = record.content_stream().read(max_bytes + 1) if page else b""
            offset = records.get_record_offset()  # reads the record to its end: ``_damage`` needs that
            where = f"(byte offset {offset}, {uri})" if uri else f"(byte offset {offset})"
            damage = _damage(record) or (f"{record.rec_type} record without WARC-Target-URI" if unnamed else None)
            if damage is None and not page:
                continue
            ordinal += 1
            if damage is not None:
                yield BadRow(ordinal, number, f"{damage} {where}", "record")
                continue
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
    except _UNREADABLE as err:
        if number == 0:  # not even a first record: the file is no WARC
            raise ArchiveFormatError(f"not a WARC file: {_first_line(err)}") from err
        # A corrupt record: nothing after it can be found reliably. Report it and stop this archive.
        yield BadRow(ordinal + 1, number + 1, f"unreadable WARC record, stopped reading: {_first_line(err)}",
                     "record")


def _first_line(err: Exception) -> str:
    """warcio's messages can run over several lines (and its parser errors carry the line they stopped at)."""
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0]
