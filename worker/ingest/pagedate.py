"""The date a reader sees as an article page's date, as ISO 8601 with a time zone.

trafilatura leaves the date to htmldate, which on the project's sample pages took it from the related-articles
list (7 of 9 JawharaFM pages: 2017-02-28 for articles of 2 March 2017 and of 26 May 2014) or made the copyright
year a 1 January (both CNN pages: 2013-01-01 for 4 and 28 August 2013). Here, in order:

1. explicit metadata: ``<meta>`` publication dates (article:published_time, itemprop/name datePublished,
   Dublin Core, ...), JSON-LD ``datePublished``, then elements marked as the publication date in the body
   (``itemprop``/RDFa ``property``, ``<time datetime>``), the nearest to the headline first;
2. a date written near the headline (a short line within ``WINDOW`` characters of it: "2017/03/02 07:33",
   "الأربعاء، 28 آب/اغسطس 2013، آخر تحديث 14:00 (GMT+0400)"), with its time and zone when stated;
3. htmldate's date (trafilatura's metadata pass, asked for its fast mode), unless it is a 1 January: htmldate
   writes a year alone (a copyright line) so, and a year is not a day.

The caller removes lists of links to other articles first (``pagetext.drop_link_lists``): no date is taken from
them. Only whole days count; a year or a month alone gives no date. A date without a zone is read as UTC, as
every date the product stores (feeds, JSON lines and archives alike). Dates before ``OLDEST`` or more than a day
after now are not a publication date.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from lxml.html import HtmlElement

from worker.extract.dates import HIJRI_MONTHS, find_dates
from worker.extract.normalize import ascii_digits, fold
from worker.ingest.pagetext import headline, visible

log = logging.getLogger(__name__)

__all__ = ["page_date", "text_date", "machine_date", "WINDOW"]

WINDOW = 400  # visible characters between the headline and a date line written next to it
_LINE_CHARS = 120  # a dateline is short; a date inside a longer paragraph is the news's, not the page's
_LINE_WORDS = 10  # ... and mostly the date: "كتب: فلان - الخميس 2 مارس 2017 - 10:30 بتوقيت مكة" has 9 words
_LETTER_WORD = re.compile(r"[^\W\d_]{2,}")
OLDEST = date(1990, 1, 1)
_MAX_JSON_CHARS = 200_000  # one JSON-LD script; real ones are a few kB
_MAX_JSON_SCRIPTS = 20
_MAX_MARKED = 100  # date-marked elements weighed at most (a page's own: a handful; each costs its subtree's text)
_MAX_ANCESTORS = 30  # how far up a comment section is looked for

# <meta> names/properties/itemprops of the publication date, most specific first (lower case)
PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "og:published_time", "article:published",
    "datepublished", "schema:datepublished", "rnews:datepublished", "published_time", "date_published",
    "publishdate", "publish-date", "publish_date", "publication_date", "publication-date", "publicationdate",
    "pubdate", "dc.date.issued", "dcterms.issued", "dc.date.created", "dcterms.created", "dc:created",
    "dc.date", "dcterms.date", "dc:date", "sailthru.date", "parsely-pub-date", "article.published",
    "originalpublicationdate", "article_date_original", "datecreated", "date",
)
_RANK = {name: n for n, name in enumerate(PUBLISHED_META)}
_BLOCKS = frozenset(("p", "div", "li", "dd", "dt", "td", "th", "tr", "table", "ul", "ol", "header", "footer",
                     "section", "article", "aside", "main", "body", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
                     "figure", "figcaption", "time", "address", "form", "nav", "pre"))
_SKIP = frozenset(("script", "style", "noscript", "template", "nav", "select", "option", "button"))

_NUMERIC = re.compile(
    r"(?<!\d)(?:(?P<y>(?:19|20)\d\d)[/.-](?P<m>[01]?\d)[/.-](?P<d>[0-3]?\d)"
    r"|(?P<d2>[0-3]?\d)[/.-](?P<m2>[01]?\d)[/.-](?P<y2>(?:19|20)\d\d))(?!\d)")
_TIME = re.compile(r"(?<![\d:])(?P<h>[01]?\d|2[0-3]):(?P<mi>[0-5]\d)(?::(?P<s>[0-5]\d))?(?![\d:])"
                   r"(?:\s*(?P<ampm>ص|م|am|pm|AM|PM)(?![^\W\d_]))?")
_ZONE = re.compile(r"(?:GMT|UTC|غرينتش|جرينتش|غرينيتش|جرينيتش)\s*(?:(?P<sign>[+-])\s*(?P<zh>\d{1,2})(?::?(?P<zm>\d\d))?)?"
                   r"|(?<=\d)\s?(?P<isign>[+-])(?P<ih>\d\d):?(?P<im>\d\d)(?!\d)")
_HIJRI = tuple(HIJRI_MONTHS)


def page_date(root: HtmlElement, *, title: str | None = None, fallback: str | None = None,
              head: HtmlElement | None = None, now: datetime | None = None) -> str | None:
    """The article's date on the page ``root`` (see the module docstring); ``fallback`` is htmldate's date,
    ``head`` the headline element when the caller has it (else found from ``title``). Never raises on what
    the page holds."""
    now = now or datetime.now(UTC)
    head = head if head is not None else headline(root, title)
    finders = (lambda: _meta(root), lambda: _json_ld(root, title), lambda: _marked(root, head),
               lambda: _near_headline(root, head, now))
    for find in finders:
        try:
            found = find()
        except Exception as err:  # noqa: BLE001 - a hostile page must not lose the article, only this date
            log.info("page date search failed: %r", err)
            continue
        if found is not None and _plausible(found, now):
            return found.isoformat()
    dt = machine_date(fallback) if fallback else None
    if dt is not None and (dt.month, dt.day) != (1, 1) and _plausible(dt, now):
        return dt.isoformat()
    return None


def _plausible(dt: datetime, now: datetime) -> bool:
    return OLDEST <= dt.date() and dt <= now + timedelta(days=1)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def machine_date(value: str | None) -> datetime | None:
    """A date as markup states it: ISO 8601 ("2017-03-02T07:33:00+01:00", "2017-03-02"), RFC 822, or failing
    those a date written for readers (:func:`text_date`). A year or a month alone is no date."""
    if not value:
        return None
    s = value.strip()[:200]
    if re.match(r"\d{4}-?\d\d-?\d\d", s):
        try:
            return _aware(datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00")))
        except ValueError:
            pass
    try:
        return _aware(parsedate_to_datetime(s))
    except (TypeError, ValueError, IndexError):
        pass
    return text_date(s)


def text_date(line: str) -> datetime | None:
    """The first whole Gregorian date written in ``line`` (numeric "2017/03/02", "26/05/2014", or with a month
    name in any of the Arabic series: "الجمعة 8 فيفري 2019", "28 آب/اغسطس 2013"), with the line's time of day
    ("07:33", "10:19 م") and zone ("GMT+0400", "+01:00") when it states them; UTC when it states none."""
    s = ascii_digits(line)
    day = _numeric_day(s) or _named_day(s)
    if day is None:
        return None
    at, after = day
    hour = minute = second = 0
    tm = _TIME.search(s, after) or _TIME.search(s)
    if tm:
        hour, minute, second = int(tm["h"]), int(tm["mi"]), int(tm["s"] or 0)
        if tm["ampm"] in ("م", "pm", "PM") and hour < 12:
            hour += 12
        elif tm["ampm"] in ("ص", "am", "AM") and hour == 12:
            hour = 0
    zone_from = min(after, tm.start()) if tm else after  # the zone follows the date or its time
    try:
        return datetime(at.year, at.month, at.day, hour, minute, second, tzinfo=_zone(s, zone_from))
    except ValueError:
        return None


def _numeric_day(s: str) -> tuple[date, int] | None:
    for m in _NUMERIC.finditer(s):
        y, mo, d = (m["y"], m["m"], m["d"]) if m["y"] else (m["y2"], m["m2"], m["d2"])
        try:
            return date(int(y), int(mo), int(d)), m.end()
        except ValueError:
            continue
    return None


def _named_day(s: str) -> tuple[date, int] | None:
    for ref in find_dates(s, None, unique=False):
        if len(ref.date) == 10 and not any(h in fold(ref.text) for h in _HIJRI):
            return date.fromisoformat(ref.date), ref.end
    return None


def _zone(s: str, pos: int) -> timezone:
    m = _ZONE.search(s, pos)
    if not m:
        return UTC
    sign, hours, minutes = (m["sign"], m["zh"], m["zm"]) if not m["isign"] else (m["isign"], m["ih"], m["im"])
    if not sign:
        return UTC
    hh, mm = int(hours), int(minutes or 0)
    if hh > 14 or mm > 59:
        return UTC
    delta = timedelta(hours=hh, minutes=mm)
    return timezone(-delta if sign == "-" else delta)


def _meta(root: HtmlElement) -> datetime | None:
    best: tuple[int, datetime] | None = None
    for el in root.iter("meta"):
        names = " ".join(el.get(k) or "" for k in ("property", "name", "itemprop")).lower().split()
        ranks = [_RANK[n] for n in names if n in _RANK]
        if not ranks or (best is not None and min(ranks) >= best[0]):
            continue
        dt = machine_date(el.get("content"))
        if dt is not None:
            best = (min(ranks), dt)
    return best[1] if best else None


def _json_ld(root: HtmlElement, title: str | None) -> datetime | None:
    found: list[tuple[bool, bool, datetime]] = []  # (headline matches the title, is an article, date)
    want = set(fold(title or "").split())
    for n, script in enumerate(root.xpath('//script[@type="application/ld+json"]')):
        raw = script.text or ""
        if n >= _MAX_JSON_SCRIPTS or len(raw) > _MAX_JSON_CHARS:
            break
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        for obj in _objects(data):
            value = obj.get("datePublished") or obj.get("dateCreated")
            dt = machine_date(value) if isinstance(value, str) else None
            if dt is None:
                continue
            words = set(fold(str(obj.get("headline") or obj.get("name") or "")).split())
            matches = bool(want) and len(want & words) >= 0.5 * len(want | words)
            kind = obj.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            article = any(isinstance(k, str) and ("Article" in k or k in ("BlogPosting", "Report")) for k in kinds)
            found.append((matches, article, dt))
    if not found:
        return None
    return max(found, key=lambda f: (f[0], f[1]))[2]  # max() keeps the first of equals


def _objects(data: Any, depth: int = 0) -> list[dict[str, Any]]:
    """The JSON-LD objects that may describe the page: top level, ``@graph`` members and main entities (not
    the items of a list of other articles)."""
    if depth > 4:
        return []
    if isinstance(data, list):
        return [o for x in data[:50] for o in _objects(x, depth + 1)]
    if not isinstance(data, dict):
        return []
    out = [data]
    for key in ("@graph", "mainEntity", "mainEntityOfPage"):
        if key in data:
            out += _objects(data[key], depth + 1)
    return out


_MARKED = frozenset(("datepublished", "schema:datepublished", "rnews:datepublished", "dc:date", "dc:created",
                     "dcterms:created", "dcterms:issued", "article:published_time"))


def _marked(root: HtmlElement, head: HtmlElement | None) -> datetime | None:
    """An element of the body marked as the publication date (``itemprop``/``property``, ``<time>``): those
    marked as published first, then the nearest to the headline. Not in a comment section."""
    ranked: list[tuple[int, HtmlElement]] = []
    for el in root.xpath("//*[@itemprop or @property or @datetime or @pubdate] | //time"):
        if el.tag == "meta":
            continue
        names = " ".join(el.get(k) or "" for k in ("itemprop", "property", "class")).lower()
        marked = bool(set(names.split()) & _MARKED) or el.get("pubdate") is not None
        if not marked and (el.tag != "time" or "modif" in names or "updat" in names):
            continue
        if _in_comments(el):
            continue
        ranked.append((0 if marked else 1, el))
        if len(ranked) >= _MAX_MARKED:
            break
    if len(ranked) > 1:  # the document order, to weigh nearness to the headline (one walk, only when needed)
        order = {el: n for n, el in enumerate(root.iter())}
        at = order.get(head, 0) if head is not None else 0
        ranked.sort(key=lambda r: (r[0], abs(order.get(r[1], 0) - at)))
    for _, el in ranked:
        dt = machine_date(el.get("datetime") or el.get("content") or el.text_content())
        if dt is not None:
            return dt
    return None


def _in_comments(el: HtmlElement) -> bool:
    for n, a in enumerate(el.iterancestors()):
        if n >= _MAX_ANCESTORS:
            break
        if "comment" in ((a.get("class") or "") + " " + (a.get("id") or "")).lower():
            return True
    return False


def _near_headline(root: HtmlElement, head: HtmlElement | None, now: datetime) -> datetime | None:
    """The date of the nearest date line within ``WINDOW`` visible characters before or after the headline: a
    short line of few words (a subtitle naming an event's date is longer), with a plausible date."""
    if head is None:
        return None
    lines = _lines(root, head)
    h_start = next((ln[1] for ln in lines if ln[3]), None)
    h_end = max((ln[2] for ln in lines if ln[3]), default=None)
    if h_start is None or h_end is None:
        return None
    near: list[tuple[int, str]] = []
    for _block, start, end, in_head, text in lines:
        if in_head or len(text) > _LINE_CHARS or len(_LETTER_WORD.findall(text)) > _LINE_WORDS:
            continue
        gap = h_start - end if end <= h_start else start - h_end
        if gap <= WINDOW:
            near.append((gap, text))
    for _, text in sorted(near, key=lambda x: x[0]):
        dt = text_date(text)
        if dt is not None and _plausible(dt, now):
            return dt
    return None


def _lines(root: HtmlElement, head: HtmlElement) -> list[tuple[HtmlElement, int, int, bool, str]]:
    """The page's visible text as lines (the text of one block element between its child blocks), each with
    its start and end in visible characters and whether it is the headline's. One pass, no recursion."""
    lines: list[list[Any]] = []
    block: dict[HtmlElement, HtmlElement] = {}
    pos = 0
    skip = 0
    in_head = 0
    head_end: int | None = None

    def add(text: str | None, owner: HtmlElement) -> None:
        nonlocal pos
        text = " ".join((text or "").split())
        if not text or skip:
            return
        blk = block.get(owner, root)
        if lines and lines[-1][0] is blk and lines[-1][3] == bool(in_head):
            lines[-1][4] += " " + text
            lines[-1][2] = pos + len(text)
        else:
            lines.append([blk, pos, pos + len(text), bool(in_head), text])
        pos += len(text) + 1

    # a depth-first walk with its own stack (lxml's iterwalk passes over comments, and their tails with them)
    stack: list[tuple[HtmlElement, bool]] = [(root, False)]
    while stack:
        if head_end is not None and pos > head_end + WINDOW:
            break  # the rest of the page is beyond the window
        el, ended = stack.pop()
        shown = visible(el) and el.tag not in _SKIP
        if not ended:
            parent = el.getparent()
            block[el] = el if isinstance(el.tag, str) and el.tag in _BLOCKS else block.get(parent, root)
            if el is head:
                in_head += 1
            if shown:
                add(el.text, el)
            else:
                skip += 1
            stack.append((el, True))
            stack.extend((ch, False) for ch in reversed(el))
            continue
        if not shown:
            skip -= 1
        if el is head:
            in_head -= 1
            head_end = pos
        parent = el.getparent()
        if parent is not None and el is not root:
            add(el.tail, parent)
    return [tuple(ln) for ln in lines]  # type: ignore[misc]
