"""The JSONL / CSV row schema: a mapping of column names to values -> the ``FetchedArticle`` that the
extraction chain consumes (``worker.archive.article``: the same bounds on titles, bodies and metadata as a
fetched article).

Columns (names are case-insensitive; the first present, non-empty column of each group wins):

=========  ==============================================  =========================================
field      accepted columns                                 notes
=========  ==============================================  =========================================
url        ``url``, ``link``                               required, http(s); the document id is the
                                                           hash of its canonical form
title      ``title``, ``headline``                          a title or a text is required
text       ``text``, ``body``, ``content``                  the article's main text (plain text)
published  ``published``, ``date``, ``time``, ``pubdate``   ISO 8601, RFC 822, Unix seconds or
                                                           milliseconds, in Western or Arabic-Indic
                                                           digits; a value that is none of them, or
                                                           more than a day ahead of the import's
                                                           clock, is a bad row
source     ``source``                                       default: ``--source``, else the URL's host
lang       ``lang``, ``language``                           default ``ar``
summary    ``summary``, ``abstract``, ``description``
author     ``author``
tags       ``tags``, ``category``                           a list, or one string split on commas
image      ``image``
feed_id    ``feed_id``                                     the feed that delivered it (the JSONL
                                                           export's key): ``source:<feed id>`` finds it
=========  ==============================================  =========================================

Other columns are ignored (the ANT corpus's ``docno``). Values of the wrong type (a list as a title) make
the row bad, with a message naming the column.

Lone surrogates (``"\\ud800"``: valid JSON escapes, but no character, so no UTF-8 can carry them): in the
url the row is bad (the url is the document's identity; a repaired one would be another page, and a feed
item with such a link is dropped too); in any other text each becomes U+FFFD, one for one, as the
extraction chain already repairs a title or body (a body whose emoji was cut in half keeps its article).
"""

from __future__ import annotations

import dataclasses
import email.utils
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from worker.archive.article import archived_article
from worker.extract.normalize import ascii_digits
from worker.ingest.canonical import canonicalize_url, doc_id, source_from_url
from worker.records import FetchedArticle

URL = ("url", "link")
TITLE = ("title", "headline")
TEXT = ("text", "body", "content")
PUBLISHED = ("published", "date", "time", "pubdate")
SOURCE = ("source",)
LANG = ("lang", "language")
SUMMARY = ("summary", "abstract", "description")
AUTHOR = ("author",)
TAGS = ("tags", "category")
IMAGE = ("image",)
FEED_ID = ("feed_id",)
_FEED_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")  # a feed id, as the feed registry allows it
_EPOCH_S_RE = re.compile(r"\d{9,10}(\.\d+)?")
_EPOCH_MS_RE = re.compile(r"\d{12,13}")
EPOCH_MS_FROM = 1e11  # a Unix time from here on is milliseconds (as seconds: past the year 5138)
FUTURE_SLACK = timedelta(days=1)  # as the story log's: a zone's "tomorrow" is not a wrong date

MAX_URL_CHARS = 4096
MAX_TAGS = 50
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


class RowError(ValueError):
    """This row cannot be imported; the message says which column and why."""


def _pick(row: Mapping[str, Any], names: tuple[str, ...]) -> tuple[str, Any]:
    for name in names:
        value = row.get(name)
        if value is not None and value != "":
            return name, value
    return names[0], None


def _text(row: Mapping[str, Any], names: tuple[str, ...], *, repair: bool = True) -> str | None:
    """The group's text; ``repair``: lone surrogates become U+FFFD (not for the url: ``checked_url``)."""
    name, value = _pick(row, names)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RowError(f"column {name!r}: expected text, got {type(value).__name__}")
    text = str(value)
    return (_repaired(text) if repair else text).strip() or None


def _repaired(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (see the module docstring)."""
    return _SURROGATE_RE.sub("\ufffd", text)


def parse_published(value: Any, *, not_after: datetime | None = None) -> str | None:
    """ISO 8601 (``Z`` allowed), RFC 822 (the ANT corpus, RSS), Unix seconds or milliseconds, in Western,
    Arabic-Indic or Persian digits -> ISO 8601 with a zone (UTC when none is given), the zone kept as given
    (the chain reads relative dates, "اليوم الأربعاء", in the publication's own calendar day). Raises
    ``RowError`` for anything else, and for a date after ``not_after``: a wrong future date would top every
    date-sorted search and Atom feed for as long as it stays in the index."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RowError(f"unreadable date {value!r}")
    if isinstance(value, str):
        value = ascii_digits(value.strip())  # ٢٠١٨-٠٥-٠٣ as search's date: reads it
    dt = _epoch(value)
    if dt is None:
        if not isinstance(value, str):
            raise RowError(f"unreadable date: expected text or a number, got {type(value).__name__}")
        dt = _calendar(value)
    if not_after is not None and dt > not_after:
        raise RowError(f"published {dt.isoformat()} is in the future (more than a day ahead of the import's "
                       "clock): a wrong date would stay first in every date-sorted search and Atom feed; "
                       "correct it, or leave the date out")
    return dt.isoformat()


def _epoch(value: Any) -> datetime | None:
    """Unix time, or None when ``value`` is not written as one. Seconds: a number under ``EPOCH_MS_FROM``,
    or text of 9-10 digits (1973-2286; shorter digit strings would be years or typos). Milliseconds (JSON
    dumps, JavaScript): a number from ``EPOCH_MS_FROM`` on (as seconds it would be past the year 5138), or
    text of 12-13 digits (1973-2286). 11 digits of text are either the year 5138 in seconds or 1973-1976
    in milliseconds, and refused."""
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= EPOCH_MS_FROM else float(value)
    elif isinstance(value, str) and _EPOCH_S_RE.fullmatch(value):
        seconds = float(value)
    elif isinstance(value, str) and _EPOCH_MS_RE.fullmatch(value):
        seconds = int(value) / 1000
    else:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as err:
        raise RowError(f"unreadable date {value!r}") from err


def _calendar(text: str) -> datetime:
    dt: datetime | None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            dt = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            dt = None
    if dt is None:
        raise RowError(f"unreadable date {text[:60]!r}: expected ISO 8601, RFC 822 or Unix time (a number, "
                       "or 9-10 digits of seconds or 12-13 of milliseconds as text)")
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _tags(row: Mapping[str, Any]) -> list[str]:
    name, value = _pick(row, TAGS)
    if value is None:
        return []
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, list):
        items = value
    else:
        raise RowError(f"column {name!r}: expected a list or text, got {type(value).__name__}")
    tags = [_repaired(str(t)).strip() for t in items if isinstance(t, str | int) and str(t).strip()]
    return list(dict.fromkeys(tags))[:MAX_TAGS]


def checked_url(raw: str | None) -> str:
    """The canonical form of an archive row's URL; ``RowError`` if there is none or it is not http(s)."""
    if not raw:
        raise RowError("no url: the document id is the hash of the canonical URL (column 'url' or 'link')")
    if len(raw) > MAX_URL_CHARS:
        raise RowError(f"url longer than {MAX_URL_CHARS} characters")
    if lone := _SURROGATE_RE.search(raw):
        # The canonicaliser percent-encodes the url's UTF-8, which has no form for it (UnicodeEncodeError).
        raise RowError(f"url is not valid Unicode: a lone surrogate ({ascii(lone.group())[1:-1]}) "
                       f"at character {lone.start() + 1}")
    parts = urlsplit(raw)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise RowError(f"url {raw[:80]!r} is not an http(s) URL")
    return canonicalize_url(raw)


def article_from_columns(row: Mapping[str, Any], *, source: str | None = None,
                         fetched: datetime | None = None) -> FetchedArticle:
    """One archive row (column names already lower-cased) -> the article for the chain. ``source`` is
    the import's default source (``--source``). Raises ``RowError``."""
    url = checked_url(_text(row, URL, repair=False))
    title, text = _text(row, TITLE), _text(row, TEXT)
    if not title and not text:
        raise RowError("no title and no text (columns 'title', 'text'/'body'/'content')")
    lang = _text(row, LANG) or "ar"
    if not _LANG_RE.match(lang):
        raise RowError(f"column 'lang': {lang[:20]!r} is not a language code")
    feed_id = _text(row, FEED_ID)
    if feed_id and not _FEED_ID_RE.fullmatch(feed_id):
        raise RowError(f"column 'feed_id': {feed_id[:40]!r} is not a feed id (1-100 of [A-Za-z0-9_.-])")
    clock = fetched or datetime.now(UTC)
    published = parse_published(_pick(row, PUBLISHED)[1], not_after=clock + FUTURE_SLACK)
    article = archived_article(
        doc_id=doc_id(url), url=url, title=title, body=text, summary=_text(row, SUMMARY),
        author=_text(row, AUTHOR), image=_text(row, IMAGE), published=published,
        fetched=clock, source=_text(row, SOURCE) or source or source_from_url(url), tags=_tags(row),
        language=lang.lower(),
    )
    # The feed that delivered it (a JSONL export of live articles carries it): source:<feed id> finds it.
    return dataclasses.replace(article, feed_id=feed_id) if feed_id else article


def gives_text(row: Mapping[str, Any]) -> bool:
    """Whether the row has a text of its own (not only a summary, which stands in for a missing text): a
    row without one never replaces a stored article that has one (``worker.archive.stored``)."""
    value = _pick(row, TEXT)[1]
    return isinstance(value, str | int | float) and not isinstance(value, bool) and bool(str(value).strip())
