"""What of an article page's tree is the article: lists of links to other articles, the headline, boilerplate.

trafilatura reads the main text, but on a page whose article is short it can take the sidebar instead: on a
JawharaFM page with a 269-character weather report both its passes returned the "most read" box, six dated
headlines. Such lists are recognised by their structure, not by any site's class names: an item (an ``<li>``,
or one of three or more siblings with the same tag and class) whose text is mostly links, one of them a
headline (four words or more). ``drop_link_lists`` removes them before the text and the date are looked
for. Every walk here is one pass over the elements, so a page at the tag bound (``article.MAX_TAGS``)
costs linear time whatever its nesting.
"""

from __future__ import annotations

import re
from collections import Counter

import ahocorasick
from lxml.html import HtmlElement

from worker.extract.normalize import fold

__all__ = ["drop_link_lists", "headline", "link_share", "strip_boilerplate", "title_from_headline", "visible"]

HEADLINE_WORDS = 4  # a link with this many words is a headline (category, author and menu links are shorter)
MOSTLY_LINKS = 0.5  # share of an item's (or a text's) characters inside headline links that makes it a list
_REPEATS = 3  # siblings with the same tag and class that make a list
_MAX_LINKS = 5000  # links weighed at most (real pages: a few hundred)
_ITEM_DEPTH = 8  # a headline link's item is its parent's parent or so (li > p > a; div.card > h3 > a)
_QUOTES = "\"'«»“”„‘’"
_UNQUOTE = str.maketrans("", "", _QUOTES)
_SPACE = re.compile(r"\s+")
_HORIZONTAL = re.compile(r"[^\S\n]+")


def visible(el: HtmlElement) -> bool:
    """An element (not a comment or processing instruction) whose text a reader sees."""
    return isinstance(el.tag, str) and el.tag not in ("script", "style", "noscript", "template")


def _chars(s: str | None) -> int:
    """Characters of ``s`` without whitespace: what a reader sees of it."""
    return len("".join(s.split())) if s else 0


def _words(s: str) -> int:
    return len(s.split())


def _headline_link(a: HtmlElement) -> bool:
    href = (a.get("href") or "").strip().lower()
    return bool(href) and not href.startswith(("#", "javascript:")) and _words(a.text_content()) >= HEADLINE_WORDS


def link_lists(root: HtmlElement) -> list[HtmlElement]:
    """The items of lists of links to other articles (see the module docstring), in the order their first
    headline link comes. Found from the headline links up (a few hundred on a page), not by walking every
    element: each link looks at most ``_ITEM_DEPTH`` ancestors for its item, each item is weighed once."""
    found: list[HtmlElement] = []
    weighed: set[HtmlElement] = set()
    groups: dict[HtmlElement, Counter[tuple[str, str | None]]] = {}
    for n, a in enumerate(root.iter("a")):
        if n >= _MAX_LINKS:
            break
        if not _headline_link(a):
            continue
        item = _item_of(a, groups)
        if item is None or item in weighed:
            continue
        weighed.add(item)
        if _mostly_links(item):
            found.append(item)
    return found


def _item_of(a: HtmlElement, groups: dict[HtmlElement, Counter[tuple[str, str | None]]]) -> HtmlElement | None:
    """The nearest of ``a`` and its ancestors that is an item of a list: an ``<li>``, or one of ``_REPEATS`` or
    more siblings with its tag and class (counted once per parent)."""
    el: HtmlElement | None = a
    for _ in range(_ITEM_DEPTH):
        if el is None or el.tag in ("body", "html"):
            return None
        if el.tag == "li":
            return el
        parent = el.getparent()
        if parent is None:
            return None
        if parent not in groups:
            groups[parent] = Counter((s.tag, s.get("class")) for s in parent if isinstance(s.tag, str))
        if groups[parent][(el.tag, el.get("class"))] >= _REPEATS:
            return el
        el = parent
    return None


def _mostly_links(item: HtmlElement) -> bool:
    text = _chars(item.text_content())
    links = sum(_chars(a.text_content()) for a in item.iter("a"))
    return text > 0 and links >= MOSTLY_LINKS * text


def drop_link_lists(root: HtmlElement) -> int:
    """Remove the items of lists of links to other articles from ``root`` (in place; text after them is
    kept). Returns how many were removed."""
    found = link_lists(root)
    for el in found:
        if el.getparent() is not None:
            el.drop_tree()
    return len(found)


def _words_of(s: str) -> set[str]:
    return set(fold(s.translate(_UNQUOTE)).split())


def headline(root: HtmlElement, title: str | None) -> HtmlElement | None:
    """The page's headline element: the ``<h1>``/``<h2>``/``itemprop=headline`` whose words best match the title
    (at least half shared), or without a title the first ``<h1>`` with text. None when none fits: a logo's
    ``<h1>`` is no headline."""
    candidates = [e for e in root.iter("h1", "h2") if e.text_content().strip()]
    candidates += [e for e in root.xpath('//*[@itemprop="headline"]') if e.tag != "meta" and e.text_content().strip()]
    if not title or not title.strip():
        return next((e for e in candidates if e.tag == "h1"), None)
    want = _words_of(title)
    best, score = None, 0.5
    for e in candidates:
        got = _words_of(e.text_content())
        s = len(want & got) / len(want | got) if want | got else 0.0
        if s > score or (s == score and best is None):
            best, score = e, s
    return best


def title_from_headline(title: str | None, head: HtmlElement | None) -> str | None:
    """The headline's own text when it is the title with quotation marks the title lost (``<title>`` and
    og:title often drop them: ``لـالخُطًّابْ على الباب`` for the headline's ``لـ"الخُطًّابْ على الباب"``)."""
    if not title or head is None:
        return title
    text = _SPACE.sub(" ", head.text_content()).strip()
    if text != title and _SPACE.sub("", text.translate(_UNQUOTE)) == _SPACE.sub("", title.translate(_UNQUOTE)):
        return text
    return title


def link_share(text: str, root: HtmlElement) -> float:
    """The share of ``text``'s characters that are the text of headline links of the page: near 1 for a list
    of other articles' headlines, near 0 for an article."""
    if not text:
        return 0.0
    auto = ahocorasick.Automaton()
    n = 0
    for a in root.iter("a"):
        if n >= _MAX_LINKS:
            break
        if _headline_link(a):
            words = _SPACE.sub(" ", a.text_content()).strip()
            auto.add_word(words, len(words))
            n += 1
    if not n:
        return 0.0
    auto.make_automaton()
    flat = _SPACE.sub(" ", text)
    covered = [False] * len(flat)
    for end, size in auto.iter(flat):  # matches come by increasing end
        for i in range(end, end - size, -1):
            if covered[i]:
                break  # the rest was marked by an earlier match that overlaps this one's start
            covered[i] = True
    return sum(covered) / len(flat)


# A paragraph that only speaks about the page, not the news: the site's disclaimer on the opinions below or
# above ("الآراء الواردة أدناه لا تعبر عن رأي الموقع، بل تعكس وجهات نظر أصحابها فقط") and its comment policy
# (comments, the terms of use, the privacy policy). Matched on whole paragraphs at the ends of the text only:
# a sentence of the news that says someone's words "لا تعبر عن رأي الحكومة" stays.
_DISCLAIMER = re.compile(
    r"^(?:ال)?(?:اراء|تعليقات|مقالات|مشاركات|مواد|مقال|تعليق|محتوي)\b[^.\n]{0,60}?"
    r"\b(?:لا|ليست|ليس)\s+(?:بالضروره\s+)?(?:تعبر|يعبر|تعكس|يعكس|تمثل|يمثل)\b"
    r"|^[^.\n]{0,80}\b(?:تعبر|يعبر|تعكس|يعكس)\s+(?:عن\s+)?(?:راي|اراء|وجهه\s+نظر|وجهات\s+نظر)\s+"
    r"(?:كاتبها|كاتبه|كتابها|اصحابها|صاحبها|اصحابه|صاحبه)\s+(?:فقط|وحده|وحدهم)?"
)
_POLICY_TOPIC = re.compile(r"\b(?:ال)?(?:تعليقات|تعليق|تعليقك|تعليقاتكم|مشاركاتك|مشاركاتكم)\b")
_POLICY_RULES = re.compile(r"(?:ارشادات|شروط|سياسه\s+الخصوصيه|قواعد|ميثاق)\b")
# ... and the site speaking to its reader about them ("ننصحك بمراجعة"، "مشاركاتك")
_POLICY_VOICE = re.compile(r"\b(?:ننصحك|ننصحكم|نرجو|يرجي|الرجاء|نحتفظ|نضطر|تعليقك|تعليقاتك|تعليقاتكم|مشاركتك|مشاركاتك|"
                           r"مشاركاتكم)\b")
_BOILERPLATE_CHARS = 600  # a paragraph longer than this is content


def _boilerplate(line: str) -> bool:
    if len(line) > _BOILERPLATE_CHARS:
        return False
    f = fold(line)
    return bool(_DISCLAIMER.search(f)) or all(p.search(f) for p in (_POLICY_TOPIC, _POLICY_RULES, _POLICY_VOICE))


def strip_boilerplate(text: str) -> str:
    """``text`` with whitespace tidied (each paragraph on one line, no blank lines) and the site's disclaimer
    and comment-policy paragraphs removed from its start and end."""
    lines = [ln for ln in (_HORIZONTAL.sub(" ", x).strip() for x in text.splitlines()) if ln]
    while lines and _boilerplate(lines[-1]):
        lines.pop()
    start = 0
    while start < len(lines) and _boilerplate(lines[start]):
        start += 1
    return "\n".join(lines[start:])
