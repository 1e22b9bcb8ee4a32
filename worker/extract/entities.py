"""Named entities (PER/ORG/LOC/FAC) for one article: title and body, with offsets and canonical names.

How a mention is found:
1. the CRF (:mod:`worker.extract.ner`) tags each sentence in BIO;
2. curated gazetteer names and country names override or add spans (they know "قسد" is an ORG and
   that "قوات سوريا الديمقراطية" is one ORG, not a LOC inside words);
3. rules where rules win: "سجن/مخيم/مطار X" is a FAC, "حركة/وزارة/جماعة X" an ORG, "الجيش/الحكومة +
   nationality adjective" an ORG; titles are cut off persons, bare nationality adjectives and bare
   generic nouns are dropped, attached proclitics (و ف ب ل ك) are cut off the mention.
Then mentions are clustered per document: gazetteer aliases share the entry's canonical name, short
forms take the canonical of the longer mention they end ("مرسي" -> "محمد مرسي"), and an acronym in
brackets after a name is an alias of it ("قوات سوريا الديمقراطية (قسد)").

Offsets are into the original ``title``/``body`` strings: ``text == source[start:end]``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from worker.document import Entity, Place
from worker.extract.gazetteer import GazEntry, get_gazetteer
from worker.extract.ner.features import get_featurizer
from worker.extract.ner.tagger import get_tagger, spans_from_bio
from worker.extract.normalize import fold
from worker.extract.tokens import Token, sentences, tokenize

__all__ = ["extract_entities"]

_DROP_TOKENS = frozenset("_#")
# punctuation that ends a mention (a quote or bracket inside a name is cut off too)
_STOP_PUNCT = frozenset(".,،؛;:!?؟\"'«»“”()[]{}<>|/\\…-–—")
# Country names that are also common words: only taken when the CRF agrees.
_AMBIGUOUS_GAZ = frozenset(fold(w) for w in "مالي بنين النيجر جورجيا تشاد الجزيرة العربية الأمل".split())
_FAC_HEADS = frozenset(fold(w) for w in (
    "سجن معتقل مخيم مطار قاعدة مستشفى ميناء مرفأ معبر جسر قصر سد مسجد جامع كنيسة فندق ملعب استاد ستاد "
    "متحف مفاعل مصفاة محطة مبنى برج دوار ساحة ميدان").split())
_ORG_HEADS = frozenset(fold(w) for w in (
    "وزارة حركة جماعة حزب تنظيم منظمة هيئة جمعية شركة وكالة صحيفة قناة مؤسسة نقابة رابطة فصيل كتائب "
    "لواء جبهة جيش فيلق سرايا ميليشيا مليشيا تحالف ائتلاف مفوضية محكمة مجلس اتحاد جامعة مركز معهد بنك "
    "مصرف").split())
# head + name: the head stays in the mention; for these LOC heads too (a village, a neighbourhood)
_LOC_HEADS_KEEP = frozenset(fold(w) for w in "حي قرية محافظة".split())
_LOC_HEADS = frozenset(fold(w) for w in "مدينة بلدة قرية حي محافظة منطقة ناحية ولاية إقليم مخيمات قضاء".split())
# adjectives that belong to a facility/organisation name when they follow it
_NAME_ADJ = frozenset(fold(w) for w in (
    "الدولي الدولية المركزي المركزية العسكري العسكرية الجوي الجوية البحري البحرية الوطني الوطنية "
    "الكبير الكبرى العام العامة العليا الأعلى الاتحادية الإسلامي الإسلامية").split())
_BODIES = frozenset(fold(w) for w in (
    "الجيش الحكومة الشرطة السلطات القوات الخارجية الداخلية البرلمان المخابرات الاستخبارات البحرية "
    "الرئاسة النيابة الادعاء الدفاعات الأمن الحرس الدبلوماسية الأجهزة الحكومه").split())
_BODY_MIDDLE = frozenset(fold(w) for w in "العام العامة الداخلي العسكرية العسكري الجوية الأمنية الوطني".split())
_NOT_NATIONAL = frozenset(fold(w) for w in "الدولي الدولية الغربي الغربية العربي العربية".split())


@dataclass(slots=True)
class _Span:
    i: int  # first token index
    j: int  # end token index (exclusive)
    type: str
    source: str  # crf | gaz | rule
    entry: GazEntry | None = None


@dataclass(slots=True)
class _Mention:
    text: str
    type: str
    start: int
    end: int
    field: str
    key: str  # folded text
    entry: GazEntry | None
    canonical: str = ""


def extract_entities(title: str, body: str, published: datetime | None = None) -> list[Entity]:
    """Return the entity mentions found in ``title`` and ``body`` (offsets into the original strings).

    ``published`` is accepted for interface symmetry with the other stages; entities do not use it.
    """
    mentions: list[_Mention] = []
    for field, text in (("title", title), ("body", body)):
        if text and text.strip():
            mentions.extend(_field_mentions(text, field))
    _unify_types(mentions)
    _assign_canonicals(mentions)
    out = []
    for m in mentions:
        place = _place_for(m) if m.type in ("LOC", "FAC") else None
        out.append(Entity(text=m.text, type=m.type, canonical=m.canonical or m.text, start=m.start,
                          end=m.end, field=m.field, place=place))
    return out


# --- per field ------------------------------------------------------------------------------------


def _field_mentions(text: str, field: str) -> list[_Mention]:
    toks = [t for t in tokenize(text) if t.text not in _DROP_TOKENS]
    if not toks:
        return []
    keys = [t.norm.lower() if t.norm.isascii() else t.norm for t in toks]
    tagger = get_tagger()
    tags: list[str] = []
    # tag sentence by sentence (the CRF was trained on sentences)
    bounds = [e for _, e in sentences(text)]
    k = 0
    for end in bounds:
        a = k
        while k < len(toks) and toks[k].start < end:
            k += 1
        if k > a:
            tags.extend(tagger.tag_keys(keys[a:k]))
    if k < len(toks):
        tags.extend(tagger.tag_keys(keys[k:]))
    spans = [_Span(i, j, t, "crf") for i, j, t in spans_from_bio(tags)]
    spans = _apply_gazetteer(keys, spans)
    spans = _apply_rules(keys, spans)
    out = []
    for sp in spans:
        m = _finish(text, toks, keys, sp, field)
        if m is not None:
            out.append(m)
    return out


def _stem(key: str) -> tuple[str, str]:
    return get_featurizer().stem(key)


def _is_punct(key: str) -> bool:
    return not any(c.isalnum() for c in key)


def _apply_gazetteer(keys: list[str], spans: list[_Span]) -> list[_Span]:
    """Add curated/country gazetteer matches; on overlap the gazetteer span wins unless a CRF span
    strictly contains it."""
    gaz = get_gazetteer()
    n = len(keys)
    hits: list[_Span] = []
    i = 0
    while i < n:
        hit = gaz.match_at(keys, i) if keys[i] in gaz.phrases else None
        if hit is None:
            cl, rest = _stem(keys[i])
            if cl and rest in gaz.phrases:
                hit = gaz.match_at([rest, *keys[i + 1:i + gaz.max_len]], 0)
        if hit is not None:
            m, e = hit
            sp = _Span(i, i + m, e.type, "gaz", e)
            if e.source in ("curated", "country") and keys[i] not in _AMBIGUOUS_GAZ:
                hits.append(sp)
            elif i > 0 and _stem(keys[i - 1])[1] in _LOC_HEADS:
                hits.append(sp)  # "مدينة X" with X a GeoNames place
            else:
                # weaker: a GeoNames city or ambiguous word, only to type a CRF span with the same extent
                for c in spans:
                    if c.i == i and c.j == i + m and c.type in ("LOC", "FAC", "ORG"):
                        c.entry = e
            i += m
        else:
            i += 1
    if not hits:
        return spans
    kept: list[_Span] = []
    for c in spans:
        over = [h for h in hits if h.i < c.j and c.i < h.j]
        if not over:
            kept.append(c)
            continue
        if all(c.i <= h.i and h.j <= c.j and (h.j - h.i) < (c.j - c.i) for h in over) and c.type == over[0].type:
            # the CRF span is longer and agrees on type: "تنظيم داعش" keeps the head word
            c.entry = over[0].entry if len(over) == 1 else None
            kept.append(c)
            for h in over:
                h.type = ""  # consumed
    kept.extend(h for h in hits if h.type)
    kept.sort(key=lambda s: s.i)
    # drop overlaps left (the earlier/longer wins)
    out: list[_Span] = []
    for s in kept:
        if out and s.i < out[-1].j:
            if (s.j - s.i) > (out[-1].j - out[-1].i) and s.source == "gaz":
                out[-1] = s
            continue
        out.append(s)
    return out


def _name_after(keys: list[str], i: int, spans_at: dict[int, _Span]) -> int:
    """End index of the name that follows a head word at ``i - 1`` (0 tokens if none)."""
    n = len(keys)
    if i >= n or _is_punct(keys[i]):
        return i
    sp = spans_at.get(i)
    if sp is not None:
        j = sp.j
    else:
        k = keys[i]
        feat = get_featurizer()
        lex = get_gazetteer().lexicon
        if k in lex.get("nationality", ()) or k in _NAME_ADJ or feat.freq(k) > 3000:
            return i
        j = i + 1
    while j < n and keys[j] in _NAME_ADJ:
        j += 1
    return j


def _apply_rules(keys: list[str], spans: list[_Span]) -> list[_Span]:
    n = len(keys)
    lex = get_gazetteer().lexicon
    nationality = lex.get("nationality", frozenset())
    spans_at = {s.i: s for s in spans}
    covered = [None] * n
    for s in spans:
        for t in range(s.i, s.j):
            covered[t] = s
    new: list[_Span] = []
    i = 0
    while i < n:
        k = keys[i]
        head = _stem(k)[1] if k not in _FAC_HEADS and k not in _ORG_HEADS else k
        cur = covered[i]
        if head in _FAC_HEADS or head in _ORG_HEADS:
            typ = "FAC" if head in _FAC_HEADS else "ORG"
            if cur is not None and cur.i == i:
                # the CRF already starts a span at the head: make it the head's type
                if cur.source == "crf" and cur.type != typ and cur.j - cur.i >= 2:
                    cur.type = typ
                i = cur.j
                continue
            nxt = spans_at.get(i + 1)
            if cur is None and nxt is not None and nxt.source != "gaz" or (
                    cur is None and nxt is not None and nxt.type in ("LOC", "ORG") and typ == "FAC"):
                # "سجن [الصناعة]" / "مطار [دمشق]" / "حركة [حماس]": the head joins the name
                j = nxt.j
                while j < n and keys[j] in _NAME_ADJ:
                    j += 1
                if nxt.source == "gaz" and nxt.type == "ORG" and typ == "ORG":
                    i = nxt.j
                    continue
                new.append(_Span(i, j, typ, "rule"))
                nxt.type = ""  # replaced
                i = j
                continue
            if cur is None and typ == "FAC" and head == k:
                j = _name_after(keys, i + 1, spans_at)
                if j > i + 1 and all(covered[t] is None for t in range(i + 1, j)):
                    new.append(_Span(i, j, typ, "rule"))
                    i = j
                    continue
        elif head in _BODIES and cur is None and i + 1 < n:
            # "الجيش المصري", "الادعاء العام التركي", "السلطات المصرية"
            j = i + 1
            if keys[j] in _BODY_MIDDLE and j + 1 < n:
                j += 1
            if keys[j] in nationality and keys[j] not in _NOT_NATIONAL and covered[j] is None:
                new.append(_Span(i, j + 1, "ORG", "rule"))
                i = j + 1
                continue
        elif head in _LOC_HEADS_KEEP and cur is None and i + 1 < n:
            nxt = spans_at.get(i + 1)
            if nxt is not None and nxt.type in ("LOC", "FAC", "ORG") and nxt.source == "crf":
                new.append(_Span(i, nxt.j, "LOC", "rule"))
                nxt.type = ""
                i = nxt.j
                continue
        i = cur.j if cur is not None and cur.j > i else i + 1
    spans = [s for s in spans if s.type] + new
    spans.sort(key=lambda s: (s.i, -(s.j - s.i)))
    out: list[_Span] = []
    for s in spans:
        if out and s.i < out[-1].j:
            continue
        out.append(s)
    return out


def _orig_len(token_text: str, n_folded: int) -> int:
    """Number of original characters covering the first ``n_folded`` folded characters."""
    count = 0
    for idx, ch in enumerate(token_text):
        if count == n_folded:
            return idx
        if fold(ch):
            count += 1
    return len(token_text) if count == n_folded else -1


def _finish(text: str, toks: list[Token], keys: list[str], sp: _Span, field: str) -> _Mention | None:
    """Clean a token span into a mention: cut punctuation, titles, clitics; drop non-entities."""
    lex = get_gazetteer().lexicon
    i, j = sp.i, sp.j
    # cut at the first stop punctuation inside the span; trim edges
    while i < j and _is_punct(keys[i]):
        i += 1
    for t in range(i, j):
        if keys[t] in _STOP_PUNCT or (_is_punct(keys[t]) and keys[t] not in "&'"):
            j = t
            break
    if i >= j:
        return None
    titles = lex.get("titles", frozenset())
    nationality = lex.get("nationality", frozenset())
    if sp.type == "PER":
        while i < j - 1 and (keys[i] in titles or _stem(keys[i])[1] in titles):
            i += 1
        while j - 1 > i and keys[j - 1] in nationality:
            j -= 1
    span_keys = keys[i:j]
    if j - i == 1:
        k = span_keys[0]
        base = _stem(k)[1]
        if (k in nationality or base in nationality or k in titles or base in titles
                or (sp.source == "crf" and (base in _BODIES or base in _FAC_HEADS or base in _ORG_HEADS))):
            return None
        if len(base) < 2:
            return None
    first = toks[i]
    start = first.start
    cl, rest = _stem(keys[i])
    if cl:
        if rest.startswith("ال") and cl.endswith("ل") and not keys[i][len(cl):].startswith("ال"):
            cl = cl[:-1]  # "للأمم": keep the ل that carries the article ("لأمم" is no word)
        if cl:
            n = _orig_len(first.text, len(cl))
            if 0 < n < len(first.text):
                start += n
    end = toks[j - 1].end
    mtext = text[start:end]
    key = fold(mtext)
    if not key:
        return None
    return _Mention(mtext, sp.type, start, end, field, key, sp.entry)


# --- per document ---------------------------------------------------------------------------------


def _unify_types(mentions: list[_Mention]) -> None:
    """One type per surface form in a document (majority; gazetteer-typed forms keep their type)."""
    votes: dict[str, Counter] = {}
    for m in mentions:
        votes.setdefault(m.key, Counter())[m.type] += 3 if m.entry is not None else 1
    for m in mentions:
        if m.entry is None:
            m.type = votes[m.key].most_common(1)[0][0]


def _assign_canonicals(mentions: list[_Mention]) -> None:
    gaz = get_gazetteer()
    # 1. gazetteer entries (looked up now if the span did not carry one)
    for m in mentions:
        if m.entry is None:
            e = gaz.by_form.get(m.key)
            if e is not None and e.type == m.type:
                m.entry = e
        if m.entry is not None and m.entry.type == m.type:
            m.canonical = m.entry.canonical
    # 2. short forms: a mention that is the tail (PER: last tokens; ORG: after a head word) of a
    # longer mention of the same type in the document takes that mention's canonical
    by_type: dict[str, list[_Mention]] = {}
    for m in mentions:
        by_type.setdefault(m.type, []).append(m)
    for typ, ms in by_type.items():
        longest = sorted({m.key: m for m in ms}.values(), key=lambda m: -len(m.key))
        for m in ms:
            if m.canonical:
                continue
            for L in longest:
                if len(L.key) <= len(m.key):
                    break
                if L.key.endswith(" " + m.key) or (typ == "PER" and L.key.startswith(m.key + " ")
                                                     and len(m.key.split()) > 1):
                    m.canonical = L.canonical or _display(L.text)
                    break
    # 3. acronym in brackets right after a mention is its alias: "قوات سوريا الديمقراطية (قسد)"
    for a, b in zip(mentions, mentions[1:]):
        if a.field == b.field and b.type == a.type and 0 < b.start - a.end <= 3 and len(b.key.split()) == 1:
            if not b.canonical or b.entry is None:
                b.canonical = a.canonical or _display(a.text)
    # 4. the rest: the most complete written form among same-key mentions
    for m in mentions:
        if not m.canonical:
            m.canonical = _display(m.text)


def _display(text: str) -> str:
    """A canonical display form: the text without diacritics/tatweel/underscores and extra spaces."""
    from worker.extract.normalize import DIACRITICS_RE

    return " ".join(DIACRITICS_RE.sub("", text).replace("_", " ").split())


def _place_for(m: _Mention) -> Place | None:
    gaz = get_gazetteer()
    e = m.entry if m.entry is not None and m.entry.lat is not None else None
    if e is None:
        words = m.key.split()
        tries = [m.key, fold(m.canonical)]
        if len(words) > 1 and (words[0] in _LOC_HEADS or words[0] in _FAC_HEADS):
            tries.append(" ".join(w for w in words[1:] if w not in _NAME_ADJ))
        for t in tries:
            hit = gaz.by_form.get(t)
            if hit is not None and hit.lat is not None and hit.type in ("LOC", "FAC"):
                e = hit
                break
    if e is None:
        return None
    return Place(name_en=e.name_en or e.canonical, country=e.country, lat=e.lat, lon=e.lon, geonameid=e.geonameid)
