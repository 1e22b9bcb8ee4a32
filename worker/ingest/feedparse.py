"""Feed bytes -> items, with feedparser doing the parsing.

Malformed feeds (feedparser's ``bozo``) still yield whatever could be read; the error is kept on the
result so the poller can record it. Nothing in here raises on bad input: a parse that blows up inside
feedparser becomes an empty ``ParsedFeed`` with ``error`` set.

Everything from the feed is bounded before it goes further: the DTD is neutralised before any parser
sees the bytes (``xmlguard``), at most ``MAX_ITEMS`` entries are taken, and every text field is cut to
its cap (a 10 MB title would otherwise travel through every stage and into the index).
"""

from __future__ import annotations

import calendar
import codecs
import html
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import feedparser
from feedparser.urls import _urljoin, make_safe_absolute_uri
from lxml import etree

from worker.ingest.encoding import charset_from_content_type, declared_xml_encoding, prepare_feed_bytes
from worker.ingest.schedule import parse_ttl_minutes
from worker.ingest.xmlguard import (
    PrologRefusedError,
    TooManyBadReferencesError,
    neutralise_references,
    strip_dtd,
    xml_error,
)

# A tag is ``<`` up to the next ``>`` with no ``<`` in between: ``<[^>]+>`` rescanned to the end of the text
# from every ``<`` that has no ``>`` (a title of 100,000 ``<br `` took 54 s); this cannot.
_TAG_RE = re.compile(r"<[^<>]*>")
_BREAK_RE = re.compile(r"(?i)<\s*(?:br|/p|/div|/li|/h[1-6])\b[^<>]*>")
# What feedparser's sanitiser dropped with its content (we no longer run it: its Python parser rescanned
# to the end of the text from every unterminated ``<!--``, quadratic). ``[^<>]*`` stops at the next ``<``,
# so a run of ``<script `` without ``>`` costs one pass, like ``_TAG_RE``.
_HIDDEN_OPEN_RE = re.compile(r"(?i)<!--|<(script|style|applet)\b[^<>]*>")
_HIDDEN_CLOSE_RE = {name: re.compile(rf"(?i)</{name}\s*>") for name in ("script", "style", "applet")}
# Caps on what one feed may hand on. Real feeds carry 10-100 items with titles under 300 characters and
# descriptions of a few KB; full-content feeds rarely exceed 100 KB per item.
MAX_ITEMS = 500
MAX_URL_CHARS = 2048
MAX_TITLE_CHARS = 1000
MAX_SUMMARY_CHARS = 20_000
MAX_CONTENT_CHARS = 300_000
MAX_AUTHOR_CHARS = 200
MAX_TAGS = 50
MAX_TAG_CHARS = 100
# Entries looked at per poll when skipping known ones to find the new: a feed listing more than this many
# items before its new ones is an archive, not a feed (real feeds carry 10-100 items). Bounds the
# canonicalisation and the Redis look-ups of a 100,000-item feed to what 10,000 cost (~0.2 s).
MAX_SCANNED_ITEMS = 20 * MAX_ITEMS
DTD_STRIPPED = "DTD internal subset removed (entity declarations are not accepted)"
# Malformed XML is re-parsed by feedparser's loose parser, in Python: ~5 s and ~35 MB per MB of dense markup
# (10 MB of ``<p>x</p>`` and one stray tag: 48 s CPU, 370 MB; through ``poll --once`` 258 s, 619 MB before
# the sanitiser went). Real feeds are tens to hundreds of KB (the largest in the shared corpus: 160 KB), so
# a malformed one past this is refused instead: ~10 s and ~100 MB at most for the loose parser.
MAX_LOOSE_BYTES = 2 * 1024 * 1024
# Past MAX_LOOSE_BYTES a well-formed feed is also held to these: lxml and feedparser cost per element (10 MB
# of ``<p>x</p>`` in one item: 2.6 million elements, 20 s and 620 MB). A real item has tens of elements (inline
# XHTML content a few thousand at most), and a 10 MB feed of 100,000 small items about 300,000 in all.
MAX_ELEMENTS = 1_000_000
MAX_ITEM_ELEMENTS = 10_000
# Per item, its candidate links -> whether the caller has it already (see ``parse_feed_new``).
KnownFn = Callable[[list[list[str]]], list[bool]]
_WS_RE = re.compile(r"[ \t\r\f\v]+")


@dataclass(frozen=True)
class FeedItem:
    """One entry as the feed describes it (before the article page is fetched)."""

    url: str
    title: str = ""
    summary: str = ""
    content: str = ""
    author: str | None = None
    published: datetime | None = None
    guid: str | None = None
    image: str | None = None
    tags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url, "title": self.title, "summary": self.summary, "content": self.content,
            "author": self.author, "published": self.published.isoformat() if self.published else None,
            "guid": self.guid, "image": self.image, "tags": list(self.tags),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeedItem:
        published = d.get("published")
        return cls(
            url=d["url"], title=d.get("title") or "", summary=d.get("summary") or "",
            content=d.get("content") or "", author=d.get("author"),
            published=datetime.fromisoformat(published) if published else None,
            guid=d.get("guid"), image=d.get("image"), tags=tuple(d.get("tags") or ()),
        )


@dataclass(frozen=True)
class ParsedFeed:
    items: tuple[FeedItem, ...] = ()
    title: str = ""
    bozo: bool = False
    error: str | None = None  # bozo exception or crash, as text
    encoding: str | None = None
    ttl_seconds: int | None = None  # RSS <ttl> (minutes in the feed) in seconds
    version: str = ""
    skipped: int = 0  # entries without a usable link
    known: int = 0  # entries not parsed because the caller had them already (``parse_feed_new``)
    extra: dict[str, Any] = field(default_factory=dict)


def _drop_hidden(fragment: str) -> str:
    """``fragment`` without comments and script/style elements, content included. An unclosed one runs to
    the end (as in a browser, and as feedparser's sanitiser had it). Linear: every search starts where the
    previous one ended, and an opener without its closer ends the walk."""
    if "<" not in fragment:
        return fragment
    kept: list[str] = []
    pos = 0
    while (m := _HIDDEN_OPEN_RE.search(fragment, pos)) is not None:
        kept.append(fragment[pos:m.start()])
        if m.group(1) is None:
            end = fragment.find("-->", m.end())
            pos = -1 if end < 0 else end + 3
        else:
            close = _HIDDEN_CLOSE_RE[m.group(1).lower()].search(fragment, m.end())
            pos = -1 if close is None else close.end()
        if pos < 0:
            return "".join(kept)
    kept.append(fragment[pos:])
    return "".join(kept)


def html_to_text(fragment: str) -> str:
    """Strip tags and entities from a feed's HTML description, keeping paragraph breaks. Comments and
    script/style elements go with their content."""
    if not fragment:
        return ""
    text = _BREAK_RE.sub("\n", _drop_hidden(fragment))
    text = html.unescape(_TAG_RE.sub("", text))
    lines = [_WS_RE.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _struct_to_dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _image(entry: Any) -> str | None:
    for key in ("media_content", "media_thumbnail"):
        for media in entry.get(key) or ():
            url = media.get("url")
            if url and (media.get("medium") in (None, "image") or key == "media_thumbnail"):
                return url
    for enc in entry.get("enclosures") or ():
        if str(enc.get("type", "")).startswith("image/") and enc.get("href"):
            return enc["href"]
    image = entry.get("image")
    if isinstance(image, dict) and image.get("href"):
        return image["href"]
    return None


def _entry_link(entry: Any) -> str | None:
    link = entry.get("link")
    if not link:
        for candidate in entry.get("links") or ():
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    if not link:
        guid = entry.get("id") or ""
        if entry.get("guidislink") or guid.startswith(("http://", "https://")):
            link = guid
    if not isinstance(link, str):
        return None
    link = link.strip()
    return link if link.lower().startswith(("http://", "https://")) else None


def _cut(text: str, cap: int) -> str:
    return text if len(text) <= cap else text[:cap]


# Markup and entities take room: a field is cut to this many times its cap *before* it is cleaned, so the
# cleaning's cost is bounded by the cap, not by what the feed sent, and is cut to the cap after.
RAW_FACTOR = 10


def _clean(raw: str, cap: int) -> str:
    return _cut(html_to_text(_cut(raw, cap * RAW_FACTOR)), cap)


def _item(entry: Any) -> FeedItem | None:
    url = _entry_link(entry)
    if not url or len(url) > MAX_URL_CHARS:
        return None
    content = ""
    for part in entry.get("content") or ():
        value = part.get("value") or ""
        if len(value) > len(content):
            content = value
    published = _struct_to_dt(entry.get("published_parsed")) or _struct_to_dt(entry.get("updated_parsed"))
    tags = tuple(_cut(t.get("term", "").strip(), MAX_TAG_CHARS)
                 for t in list(entry.get("tags") or ())[:MAX_TAGS] if t.get("term"))
    image = _image(entry)
    guid = entry.get("id") or None
    return FeedItem(
        url=url,
        title=_clean(entry.get("title") or "", MAX_TITLE_CHARS),
        summary=_clean(entry.get("summary") or "", MAX_SUMMARY_CHARS),
        content=_clean(content, MAX_CONTENT_CHARS),
        author=_cut(entry.get("author") or "", MAX_AUTHOR_CHARS) or None,
        published=published,
        guid=_cut(guid, MAX_URL_CHARS) if guid else None,
        image=image if image and len(image) <= MAX_URL_CHARS else None,
        tags=tags,
    )


@dataclass(frozen=True)
class _Prepared:
    body: bytes  # UTF-8, prolog rebuilt, entity references expat would refuse rewritten
    ctype: str | None
    stripped: bool  # a DTD subset (or another declaration) was removed
    refs_as_text: int  # references that are not HTML entities (or bare ``&``), kept as their text


def _feedparser_input(data: bytes, content_type: str | None) -> _Prepared:
    """UTF-8 bytes with the DTD and undeclared entity references neutralised, and their content type."""
    body, ctype = prepare_feed_bytes(data, content_type)
    body, stripped = strip_dtd(body)
    try:
        body, refs = neutralise_references(body)
    except TooManyBadReferencesError as err:
        if stripped:  # the references were to the entities it declared: say so
            raise TooManyBadReferencesError(f"{err} ({DTD_STRIPPED})") from err
        raise
    return _Prepared(body, ctype, stripped, refs)


class LooseParseRefusedError(ValueError):
    """Malformed XML too large for feedparser's loose (pure Python) parser, or a large feed too dense."""


def _check_loose_budget(body: bytes) -> None:
    """Raise ``LooseParseRefusedError`` if ``body`` would go to the loose parser and is past its budget.
    expat is what feedparser's strict parser runs, so its verdict is feedparser's."""
    if len(body) > MAX_LOOSE_BYTES and (err := xml_error(body, MAX_ELEMENTS, MAX_ITEM_ELEMENTS)) is not None:
        what = err if err.startswith(("more than", "an item of")) else f"malformed XML ({err})"
        raise LooseParseRefusedError(
            f"{what} in {len(body):,} bytes; past {MAX_LOOSE_BYTES:,} bytes a feed must be well-formed XML "
            f"of at most {MAX_ELEMENTS:,} elements, {MAX_ITEM_ELEMENTS:,} in an item")


def _refused(err: Exception) -> ParsedFeed:
    """The result for a feed refused before any parser ran (``PrologRefusedError`` and its kin)."""
    extra = {"dtd_removed": True} if DTD_STRIPPED in str(err) else {}
    return ParsedFeed(bozo=True, error=f"feed refused: {err}"[:500], extra=extra)


def parse_feed(data: bytes, content_type: str | None = None, base_url: str | None = None,
               known: KnownFn | None = None) -> ParsedFeed:
    """Parse RSS/Atom/RDF bytes. Never raises; ``error`` says what went wrong if anything did.

    With ``known`` (see ``parse_feed_new``), a feed of more than ``MAX_ITEMS`` entries has the known ones
    skipped *before* the cut, so the cut never drops a new item behind old ones."""
    try:
        prep = _feedparser_input(data, content_type)
        _check_loose_budget(prep.body)
    except (PrologRefusedError, LooseParseRefusedError, TooManyBadReferencesError) as err:
        return _refused(err)
    except Exception as err:  # noqa: BLE001 - hostile input must never crash the worker
        return ParsedFeed(bozo=True, error=f"parser crashed: {type(err).__name__}: {err}"[:500])
    try:
        return _parse_prepared(prep.body, prep.ctype, base_url, prep.stripped, known, prep.refs_as_text)
    except Exception as err:  # noqa: BLE001 - hostile input must never crash the worker
        return ParsedFeed(bozo=True, error=f"parser crashed: {type(err).__name__}: {err}"[:500])


def _batches(it: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(it)
    while batch := list(islice(iterator, size)):
        yield batch


def _take_entries(entries: list[Any], known: KnownFn | None) -> tuple[list[FeedItem], int, int, int]:
    """Items of up to ``MAX_ITEMS`` entries, known ones skipped first when there are more than that;
    returns ``(items, skipped, known, dropped)``. At most ``MAX_SCANNED_ITEMS`` entries are asked about."""
    items: list[FeedItem] = []
    skipped = n_known = examined = 0
    check = known is not None and len(entries) > MAX_ITEMS
    for batch in _batches(entries[:MAX_SCANNED_ITEMS] if check else entries[:MAX_ITEMS], MAX_ITEMS):
        is_known: set[int] = set()
        if check and known is not None:
            links = [_safe_link(entry) for entry in batch]
            asked = [i for i, link in enumerate(links) if link]
            answers = known([[links[i]] for i in asked]) if asked else []
            is_known = {i for i, k in zip(asked, answers, strict=True) if k}
        for i, entry in enumerate(batch):
            if len(items) >= MAX_ITEMS:
                break
            examined += 1
            if i in is_known:
                n_known += 1
                continue
            try:
                item = _item(entry)
            except Exception:  # noqa: BLE001
                item = None
            if item is None:
                skipped += 1
            else:
                items.append(item)
        if len(items) >= MAX_ITEMS:
            break
    return items, skipped, n_known, len(entries) - examined


def _safe_link(entry: Any) -> str | None:
    try:
        return _entry_link(entry)
    except Exception:  # noqa: BLE001 - _item decides what to do with such an entry
        return None


def _parse_prepared(body: bytes, ctype: str | None, base_url: str | None, stripped: bool,
                    known: KnownFn | None = None, refs_as_text: int = 0) -> ParsedFeed:
    headers = {"content-type": ctype} if ctype else {}
    if base_url:
        headers["content-location"] = base_url
    # No sanitising nor URI rewriting of embedded HTML: every field becomes plain text (``html_to_text``)
    # and nothing renders feed HTML, while both passes run feedparser's Python HTML parser over every
    # field (the sanitiser is quadratic on unterminated ``<!--``: 64k of them took 5.3 s, 10 MB ~2,900 s;
    # the URI rewriter took 3.7 s of a 9 MB field of ``<b>``). Item links are still resolved against the
    # base: that is another step, ``resolve_uri``.
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False,
                              resolve_relative_uris=False)
    entries = list(parsed.get("entries") or ())
    items, skipped, n_known, dropped = _take_entries(entries, known)
    feed = parsed.get("feed") or {}
    ttl = parse_ttl_minutes(feed.get("ttl"))
    exc = parsed.get("bozo_exception")
    error = f"{type(exc).__name__}: {exc}"[:500] if exc else None
    bozo = bool(parsed.get("bozo"))
    extra: dict[str, Any] = {}
    if refs_as_text:
        extra["refs_as_text"] = refs_as_text
    if stripped:
        # Said on the error only when the feed is broken anyway (an entity it used is now undefined, and
        # left as its text): a DTD that declared entities nobody uses costs nothing once removed.
        extra["dtd_removed"] = True
        if refs_as_text and not error:
            bozo, error = True, f"{refs_as_text} undefined entity references kept as text"
        if error:
            error = f"{error} ({DTD_STRIPPED})"
    if dropped:
        extra["items_dropped"] = dropped
    return ParsedFeed(
        items=tuple(items),
        title=_clean(feed.get("title") or "", MAX_TITLE_CHARS),
        bozo=bozo,
        error=error,
        encoding=parsed.get("encoding"),
        ttl_seconds=ttl,
        version=parsed.get("version") or "",
        skipped=skipped,
        known=n_known,
        extra=extra,
    )


# -- parsing only what is new -----------------------------------------------------------------------------
# feedparser costs ~0.4 ms per item (its SAX handlers, sanitiser and URI resolution, in Python); a busy feed
# polled often is mostly items handed on before, so re-parsing all of them was most of a poll's CPU. The
# items' links are read with lxml first (C, ~1 ms for 50 items); items the caller already knows are cut
# from the tree and feedparser sees only the rest.

_ATOM = "{http://www.w3.org/2005/Atom}"
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


def _element_base(base: str, el: Any) -> str:
    """The base URI inside ``el``, from the one around it: feedparser's ``unknown_starttag`` step (its
    ``xml:base`` or plain ``base`` attribute, kept only if the result has an acceptable scheme)."""
    given = el.get(_XML_BASE) or el.get("base") or base
    if base:
        return make_safe_absolute_uri(base, given) or base
    return _urljoin(base, given)


def _link_candidates(item: Any, base: str) -> list[str] | None:
    """Every URL feedparser could take as this item's link (alternate links' hrefs, link texts; the guid
    when there is no link), resolved as feedparser resolves them against ``base`` (the item's base URI)
    and the link's own ``xml:base``; None when one of them is not then an http(s) URL."""
    out: list[str] = []
    for el in item:
        if not isinstance(el.tag, str):
            continue
        local = etree.QName(el).localname
        if local != "link":
            continue
        if len(el):  # markup or an unexpanded entity inside: not a plain URL we can read back
            return None
        link_base = _element_base(base, el)
        href = el.get("href")
        if href is not None:
            if el.get("rel", "alternate").lower() == "alternate":
                out.append(_urljoin(link_base, href).strip())
        elif el.text and el.text.strip():
            out.append(_urljoin(link_base, el.text.strip()).strip())
    if not out:
        guid = item.find("guid")
        guid = item.find(f"{_ATOM}id") if guid is None else guid
        if guid is not None and len(guid):
            return None
        if guid is not None and guid.text and guid.text.strip():
            out.append(guid.text.strip())  # feedparser resolves a guid only as a permalink: left as is
    if not out or not all(u.lower().startswith(("http://", "https://")) for u in out):
        return None
    return out


def parse_feed_new(data: bytes, content_type: str | None, base_url: str | None, known: KnownFn) -> ParsedFeed:
    """``parse_feed`` for the items ``known`` does not recognise; the others are counted in ``known``.

    ``known`` gets each item's candidate links (see ``_link_candidates``) and says, per item, whether it
    was handed on before; it must answer True only when *every* candidate was (so whichever one feedparser
    would pick, the item is not new). Only RSS 2.0 and Atom in UTF-8 that lxml reads without error take
    this path; anything else (other encodings, malformed XML, RDF) is parsed whole by ``parse_feed``, and
    so is an item whose links are missing or not http(s) once resolved. Relative links are resolved against
    the feed's base (``base_url``, ``xml:base``) as feedparser resolves them, so such items are recognised
    too (they counted as new on every poll, and a feed of more than ``MAX_ITEMS`` of them never handed
    the rest). The items returned are what ``parse_feed`` returns
    for them: feedparser parses the same elements under the same channel.

    Known items are skipped *before* the cut to ``MAX_ITEMS``: the first ``MAX_ITEMS`` new ones in document
    order are taken, looking at no more than ``MAX_SCANNED_ITEMS`` items; any item left over is counted in
    ``extra["items_dropped"]`` (the poller keeps its old validators then, so the next poll sees them)."""
    fallback = lambda: parse_feed(data, content_type, base_url, known)  # noqa: E731
    try:
        # The same guarded bytes as the full parse: the DTD is gone before lxml sees them too.
        prep = _feedparser_input(data, content_type)
        body, ctype = prep.body, prep.ctype
        if prep.stripped:
            return fallback()  # keeps the refusal on the result
        # Before lxml, which would build the tree up to the error first (10 MB of ``<p>x</p>``: 300 MB), or
        # the whole tree of a dense feed; expat keeps none. Refused here as ``parse_feed`` would refuse it,
        # without preparing the bytes and running expat over them a second time.
        _check_loose_budget(body)
        declared = charset_from_content_type(ctype) or declared_xml_encoding(body)
        if declared not in (None, "utf-8") or body.startswith(codecs.BOM_UTF8):
            return fallback()
        body.decode("utf-8")
        root = etree.fromstring(body, _SAFE_XML)
    except (PrologRefusedError, LooseParseRefusedError, TooManyBadReferencesError) as err:
        return _refused(err)
    except (ValueError, etree.XMLSyntaxError):  # UnicodeDecodeError is a ValueError
        return fallback()
    except Exception:  # noqa: BLE001 - parse_feed reports what went wrong
        return fallback()
    if root.tag == "rss" and root.find("channel") is not None:
        channel = root.find("channel")
        tag, ttl_text = "item", channel.findtext("ttl")
    elif root.tag == f"{_ATOM}feed":
        channel, tag, ttl_text = root, f"{_ATOM}entry", None
    else:
        return fallback()
    base = base_url or ""  # feedparser's starting base: the Content-Location we hand it
    for el in (root,) if channel is root else (root, channel):
        base = _element_base(base, el)
    new, remove, n_known, dropped = _select_new(channel, tag, known, base)
    extra: dict[str, Any] = {"items_dropped": dropped} if dropped else {}
    if prep.refs_as_text:
        extra["refs_as_text"] = prep.refs_as_text
    if not remove and not dropped:
        return parse_feed(data, content_type, base_url)
    ttl = parse_ttl_minutes(ttl_text)
    if not new:
        return ParsedFeed(ttl_seconds=ttl, version="atom10" if channel is root else "rss20", known=n_known,
                          extra=extra)
    for el in remove:
        channel.remove(el)
    trimmed = etree.tostring(root.getroottree(), encoding="utf-8",
                             xml_declaration=body.lstrip().startswith(b"<?xml"))
    try:
        parsed = _parse_prepared(trimmed, ctype, base_url, False)
    except Exception as err:  # noqa: BLE001 - as in parse_feed
        parsed = ParsedFeed(bozo=True, error=f"parser crashed: {type(err).__name__}: {err}"[:500])
    return ParsedFeed(items=parsed.items, title=parsed.title, bozo=parsed.bozo, error=parsed.error,
                      encoding=parsed.encoding, ttl_seconds=parsed.ttl_seconds, version=parsed.version,
                      skipped=parsed.skipped, known=n_known, extra={**parsed.extra, **extra})


def _select_new(channel: Any, tag: str, known: KnownFn, base: str) -> tuple[list[Any], list[Any], int, int]:
    """The first ``MAX_ITEMS`` item elements ``known`` does not recognise (an item whose links cannot be
    read counts as new), the elements still to cut from the tree (the known ones and new ones past the
    cap), how many were known, and how many were dropped (new past the cap, or never looked at). Items are looked at in batches, so a
    100,000-item feed costs what its first batches cost, not a look-up per item."""
    new: list[Any] = []
    remove: list[Any] = []
    n_known = dropped = examined = 0
    last = None
    for batch in _batches(channel.iterchildren(tag), MAX_ITEMS):
        candidates = [_link_candidates(el, _element_base(base, el)) for el in batch]
        checkable = [i for i, c in enumerate(candidates) if c is not None]
        answers = known([candidates[i] for i in checkable]) if checkable else []
        is_known = {i for i, k in zip(checkable, answers, strict=True) if k}
        for i, el in enumerate(batch):
            if i in is_known:
                remove.append(el)
                n_known += 1
            elif len(new) < MAX_ITEMS:
                new.append(el)
            else:
                remove.append(el)
                dropped += 1
        examined += len(batch)
        if len(new) >= MAX_ITEMS or examined >= MAX_SCANNED_ITEMS:
            last = batch[-1]
            break
    # What is left was not looked at: cut from the tree here, without a list of it.
    el = last.getnext() if last is not None else None
    while el is not None:
        nxt = el.getnext()
        if el.tag == tag:
            channel.remove(el)
            dropped += 1
        el = nxt
    return new, remove, n_known, dropped


# -- an HTML page where a feed was expected ---------------------------------------------------------------
# Sniffed on the first bytes only (a page is recognised by its start), and the <link> tags looked for in a
# bounded head: a hostile 10 MB page costs one pass over HTML_HEAD_BYTES.
HTML_SNIFF_BYTES = 4096
HTML_HEAD_BYTES = 256 * 1024
MAX_FEED_LINKS = 3
_HTML_START_RE = re.compile(rb"(?is)\A(?:\s|<\?xml[^<>]*\?>|<!--(?:(?!-->).){0,2000}-->)*<(?:!doctype\s+html\b|html\b)")
_LINK_TAG_RE = re.compile(r"(?i)<link\b[^<>]{0,2000}>")
_ATTR_RE = re.compile(r"""([a-zA-Z_:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
                         "text/xml"})


def html_page_feed_links(data: bytes, base_url: str | None) -> list[str] | None:
    """``None`` if ``data`` is not an HTML page; else the RSS/Atom feeds the page names in its
    ``<link rel="alternate" type="application/rss+xml" href=...>`` tags (resolved, http(s) only, at most
    ``MAX_FEED_LINKS``): a feed URL that is an outlet's home page is a common mistake, and the page usually
    says where its feed is."""
    start = data[:HTML_SNIFF_BYTES].removeprefix(codecs.BOM_UTF8)
    if not _HTML_START_RE.match(start):
        return None
    head = data[:HTML_HEAD_BYTES].decode("utf-8", "replace")
    found: list[str] = []
    for tag in _LINK_TAG_RE.finditer(head):
        attrs = {m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
                 for m in _ATTR_RE.finditer(tag.group(0))}
        rels = attrs.get("rel", "").lower().split()
        kind = attrs.get("type", "").lower().split(";")[0].strip()
        href = attrs.get("href", "").strip()
        if "alternate" not in rels or kind not in _FEED_TYPES or not href:
            continue
        url = _urljoin(base_url or "", href) if base_url else href
        if url.lower().startswith(("http://", "https://")) and url not in found:
            found.append(url[:MAX_URL_CHARS])
        if len(found) >= MAX_FEED_LINKS:
            break
    return found


def not_a_feed_message(links: list[str]) -> str:
    """The poll error of an HTML page (``html_page_feed_links``)."""
    if not links:
        return "not a feed (HTML page; look for its RSS/Atom link)"
    return (f"not a feed (HTML page; look for its RSS/Atom link): the page links the feed {links[0]}"
            + (f" (also {', '.join(links[1:])})" if len(links) > 1 else ""))
