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
published  ``published``, ``date``, ``time``, ``pubdate``   ISO 8601, RFC 822 or Unix seconds;
                                                           a value that is none of them is a bad row
source     ``source``                                       default: ``--source``, else the URL's host
lang       ``lang``, ``language``                           default ``ar``
summary    ``summary``, ``abstract``, ``description``
author     ``author``
tags       ``tags``, ``category``                           a list, or one string split on commas
image      ``image``
=========  ==============================================  =========================================

Other columns are ignored (the ANT corpus's ``docno``). Values of the wrong type (a list as a title) make
the row bad, with a message naming the column.

Lone surrogates (``"\\ud800"``: valid JSON escapes, but no character, so no UTF-8 can carry them): in the
url the row is bad (the url is the document's identity; a repaired one would be another page, and a feed
item with such a link is dropped too); in any other text each becomes U+FFFD, one for one, as the
extraction chain already repairs a title or body (a body whose emoji was cut in half keeps its article).
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from worker.archive.article import archived_article
from worker.ingest.canonical import canonicalize_url, doc_id
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


def parse_published(value: Any) -> str | None:
    """ISO 8601 (``Z`` allowed), RFC 822 (the ANT corpus, RSS) or Unix seconds -> ISO 8601 with a zone
    (UTC when none is given). Raises ``RowError`` for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RowError(f"unreadable date {value!r}")
    # Unix seconds: a number, or text of 9-10 digits (1973-2286; shorter digit strings would be years or
    # typos, and 11 digits already reach the year 5138)
    if isinstance(value, int | float) or (isinstance(value, str) and re.fullmatch(r"\d{9,10}(\.\d+)?", value.strip())):
        try:
            return datetime.fromtimestamp(float(value), UTC).isoformat()
        except (OverflowError, OSError, ValueError) as err:
            raise RowError(f"unreadable date {value!r}") from err
    if not isinstance(value, str):
        raise RowError(f"unreadable date: expected text or a number, got {type(value).__name__}")
    text = value.strip()
    dt: datetime | None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            dt = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            dt = None
    if dt is None:
        raise RowError(f"unreadable date {text[:60]!r}: expected ISO 8601, RFC 822 or Unix seconds "
                       "(a number, or 9-10 digits as text)")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.isoformat()


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


def source_from_url(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


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
    return archived_article(
        doc_id=doc_id(url), url=url, title=title, body=text, summary=_text(row, SUMMARY),
        author=_text(row, AUTHOR), image=_text(row, IMAGE), published=parse_published(_pick(row, PUBLISHED)[1]),
        fetched=fetched, source=_text(row, SOURCE) or source or source_from_url(url), tags=_tags(row),
        language=lang.lower(),
    )
