"""Named entities (PER/ORG/LOC/FAC) for one article: title and body, with offsets and canonical names.

How a mention is found:
1. the CRF (:mod:`worker.extract.ner`) tags all sentences of the article in BIO, then names it found
   once are propagated to their other mentions in the article (:func:`propagate`);
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
from worker.extract.ner.tagger import get_tagger, propagate, spans_from_bio
from worker.extract.normalize import fold
from worker.extract.tokens import TOKEN_RE, Token, sentences

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
    "مصرف مكتب شعبة مديرية دائرة").split())
# head + name: the head stays in the mention; for these LOC heads too (a village, a neighbourhood)
_LOC_HEADS_KEEP = frozenset(fold(w) for w in "حي قرية محافظة".split())
_LOC_HEADS = frozenset(fold(w) for w in "مدينة بلدة قرية حي محافظة منطقة ناحية ولاية إقليم مخيمات قضاء".split())
# adjectives that belong to a facility/organisation name when they follow it
_NAME_ADJ = frozenset(fold(w) for w in (
    "الدولي الدولية المركزي المركزية العسكري العسكرية الجوي الجوية البحري البحرية الوطني الوطنية "
    "الكبير الكبرى العام العامة العليا الأعلى الاتحادية الاتحادي الفيدرالي الفدرالي الإسلامي الإسلامية "
    "المدني المدنية الرسمي الرسمية الحكومي الحكومية").split())
# single words that are not names on their own
_GENERIC = frozenset(fold(w) for w in (
    "المملكة الدولة البلاد العاصمة المنطقة الجمهورية الإمارة المدينة الولاية المحافظة الإقليم القرية").split())
_BODIES = frozenset(fold(w) for w in (
    "الجيش الحكومة الشرطة السلطات القوات الخارجية الداخلية البرلمان المخابرات الاستخبارات البحرية "
    "الرئاسة النيابة الادعاء الدفاعات الأمن الحرس الدبلوماسية الأجهزة الحكومه").split())
_BODY_MIDDLE = frozenset(fold(w) for w in "العام العامة الداخلي العسكرية العسكري الجوية الأمنية الوطني".split())
_NOT_NATIONAL = frozenset(fold(w) for w in "الدولي الدولية الغربي الغربية العربي العربية".split())
# heads that form an ORG with the definite noun phrase after them ("وزارة الدفاع", "محكمة النقض")
_ORG_HEADS_STRICT = frozenset(fold(w) for w in "وزارة محكمة هيئة مكتب شعبة مديرية دائرة".split())
# definite ORG heads whose name may continue with "لل..." ("المرصد السوري لحقوق الإنسان")
_ORG_HEADS_DEF = frozenset(fold(w) for w in (
    "المجلس الشبكة المرصد اللجنة الهيئة المنظمة المركز الجمعية الاتحاد المفوضية المؤسسة الرابطة النقابة "
    "مجلس شبكة مرصد لجنة هيئة منظمة مركز جمعية اتحاد مفوضية مؤسسة رابطة نقابة").split())
# function words and other words that never start or end a name
_STOP = frozenset(fold(w) for w in (
    "في من على عن إلى الى مع ذي ذات ذو هذا هذه ذلك تلك التي الذي الذين اللذين ما لا لم لن قد ثم أو أم بل "
    "كل بعض أي غير بين بعد قبل عند منذ حتى خلال حول ضد نحو لدى أمام وراء فوق تحت أن إن كان كانت الآن "
    "أيضا أيضاً فقط هو هي هم هن نحن أنا أنت وقد كما حيث إذ إذا لكن لكنه لأن").split())
_SPLIT_WORDS = frozenset(fold(w) for w in (
    "أن إن ان أنه إنه انه لكن الذي التي الذين حيث كما بعد قبل عند منذ حتى خلال إلى الى على عن مع قال قالت "
    "وقال وقالت هو هي ثم أو لا لم لن قد").split())
_CONSTRUCT_NOUNS = frozenset(fold(w) for w in (
    "وادي أبو ابو أم ام بيت برج عين تل جبل دير رأس راس باب كفر بئر بني سيدي مرج جسر خان قصر سوق ساحة").split())


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
    mentions = _document_mentions([(f, t) for f, t in (("title", title), ("body", body)) if t and t.strip()])
    _unify_types(mentions)
    _assign_canonicals(mentions)
    countries: dict[str, int] = {}
    for m in mentions:
        e = m.entry
        if e is not None and e.country and e.source == "country":
            countries[e.country] = countries.get(e.country, 0) + 1
    out = []
    for m in mentions:
        place = _place_for(m, countries) if m.type in ("LOC", "FAC") else None
        out.append(Entity(text=m.text, type=m.type, canonical=m.canonical or m.text, start=m.start,
                          end=m.end, field=m.field, place=place))
    return out


# --- per field ------------------------------------------------------------------------------------


_FOLDS: dict[str, str] = {}


def _tokenize(text: str) -> list[Token]:
    """:func:`worker.extract.tokens.tokenize` with the folding cached per word type."""
    out = []
    folds = _FOLDS
    if len(folds) > 300000:
        folds.clear()
    for m in TOKEN_RE.finditer(text):
        w = m.group()
        kind = "word" if m.lastindex == 1 else "number" if m.lastindex == 2 else "punct"
        if kind == "punct":
            norm = w
        else:
            norm = folds.get(w)
            if norm is None:
                norm = folds[w] = fold(w) or w
        out.append(Token(w, m.start(), m.end(), kind, norm))
    return out


def _tokens(text: str) -> tuple[list[Token], set[int]]:
    """Tokens for tagging: "_" and "#" dropped (hashtags read as words), "كاي-غوان" kept whole.

    Also returns the indexes of tokens that directly follow a "#" (a hashtag starts a new name).
    """
    toks: list[Token] = []
    after_hash: set[int] = set()
    raw = _tokenize(text)
    k = 0
    while k < len(raw):
        t = raw[k]
        if t.text in _DROP_TOKENS:
            if t.text == "#":
                after_hash.add(len(toks))
            k += 1
            continue
        if (t.kind == "word" and k + 2 < len(raw) and raw[k + 1].text == "-" and raw[k + 2].kind == "word"
                and raw[k + 1].start == t.end and raw[k + 2].start == raw[k + 1].end):
            end = raw[k + 2].end
            toks.append(Token(text[t.start:end], t.start, end, "word"))
            k += 3
            continue
        toks.append(t)
        k += 1
    return toks, after_hash


def _field_sentences(text: str, toks: list[Token]) -> list[tuple[int, int]]:
    """Token index ranges of the sentences of ``text``."""
    out = []
    k = 0
    for _, end in sentences(text):
        a = k
        while k < len(toks) and toks[k].start < end:
            k += 1
        if k > a:
            out.append((a, k))
    if k < len(toks):
        out.append((k, len(toks)))
    return out


def _document_mentions(fields: list[tuple[str, str]]) -> list[_Mention]:
    """Tag all sentences of the document in one batch, propagate names found, then apply rules."""
    prepared = []
    batch: list[list[str]] = []
    for field, text in fields:
        toks, after_hash = _tokens(text)
        keys = [t.norm.lower() if t.norm.isascii() else t.norm for t in toks]
        ranges = _field_sentences(text, toks)
        prepared.append((field, text, toks, after_hash, keys, ranges, len(batch)))
        batch.extend(keys[a:b] for a, b in ranges)
    if not batch:
        return []
    tagger = get_tagger()
    tagged = tagger.tag_many(batch)
    propagate(batch, tagged, tagger.featurizer)
    out: list[_Mention] = []
    for field, text, toks, after_hash, keys, ranges, first in prepared:
        tags = [t for r in range(len(ranges)) for t in tagged[first + r]]
        out.extend(_field_mentions(text, field, toks, after_hash, keys, tags))
    return out


def _field_mentions(text: str, field: str, toks: list[Token], after_hash: set[int], keys: list[str],
                    tags: list[str]) -> list[_Mention]:
    spans = _split_spans(keys, [_Span(i, j, t, "crf") for i, j, t in spans_from_bio(tags)])
    spans = _apply_gazetteer(keys, spans)
    spans = _apply_rules(keys, spans)
    out = []
    for sp in spans:
        for h in sorted(after_hash):
            if sp.i < h < sp.j:
                sp.i = h  # "تنظيم #داعش" -> "داعش"
        m = _finish(text, toks, keys, sp, field)
        if m is not None:
            out.append(m)
    return out


def _split_spans(keys: list[str], spans: list[_Span]) -> list[_Span]:
    """Split CRF spans at words that cannot be inside a name ("الجيش المصري أن الحكومة التركية")."""
    out: list[_Span] = []
    for s in spans:
        a = s.i
        for t in range(s.i, s.j):
            if keys[t] in _SPLIT_WORDS or _is_punct(keys[t]) and keys[t] in _STOP_PUNCT:
                if t > a:
                    out.append(_Span(a, t, s.type, s.source))
                a = t + 1
        if a < s.j:
            out.append(_Span(a, s.j, s.type, s.source) if a > s.i else s)
    return out


def _stem(key: str) -> tuple[str, str]:
    return get_featurizer().stem(key)


def _clitic_readings(key: str) -> list[str]:
    """The word without its proclitics, by corpus evidence first, then any one- or two-letter
    reading ("وتل" -> "تل" where the corpus-based split refuses a two-letter stem)."""
    out = []
    cl, rest = _stem(key)
    if cl:
        out.append(rest)
    if len(key) > 2 and key[0] in "وفبلك":
        out.append(key[1:])
        if len(key) > 3 and key[0] in "وف" and key[1] in "بلك":
            out.append(key[2:])
    return out


_GAZ_READINGS: dict[str, tuple[str, ...]] = {}


def _gaz_readings(key: str) -> tuple[str, ...]:
    """The clitic-less readings of ``key`` that start a gazetteer name (cached per word type)."""
    got = _GAZ_READINGS.get(key)
    if got is None:
        if len(_GAZ_READINGS) > 300000:
            _GAZ_READINGS.clear()
        phrases = get_gazetteer().phrases
        got = _GAZ_READINGS[key] = tuple(r for r in _clitic_readings(key) if r in phrases)
    return got


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
            for rest in _gaz_readings(keys[i]):
                hit = gaz.match_at([rest, *keys[i + 1:i + gaz.max_len]], 0)
                if hit is not None:
                    break
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
        if (len(over) == 1 and c.i <= over[0].i and over[0].j <= c.j and c.type == over[0].type
                and (c.j - c.i) - (over[0].j - over[0].i) == 1):
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


def _ok_name_word(k: str) -> bool:
    """A token that can be part of a name: letters of one script, not a function word."""
    if not k or k in _STOP or _is_punct(k):
        return False
    return k.isalpha() and (k.isascii() or not any(c.isascii() for c in k))


def _chain_after(keys: list[str], i: int, covered: list) -> int:
    """End of the name after a head word: an idafa chain of up to two indefinite nouns closed by a
    definite one ("وادي النطرون", "جنايات الإسماعيلية", "الصناعة") or a single rare word ("طره",
    "أرلندا"), then name adjectives ("الدولي") and a nationality adjective. ``i`` if there is none."""
    n = len(keys)
    lex = get_gazetteer().lexicon
    nationality = lex.get("nationality", frozenset())
    feat = get_featurizer()
    j = i
    closed = False
    while j < n and j - i < 3 and covered[j] is None and _ok_name_word(keys[j]):
        k = keys[j]
        if k in nationality or k in _NAME_ADJ:
            break
        if k.startswith("ال"):
            j += 1
            closed = True
            break
        nxt_def = j + 1 < n and keys[j + 1].startswith("ال") and covered[j + 1] is None
        if k in _CONSTRUCT_NOUNS or (nxt_def and feat.freq(k) > 300):
            j += 1  # construct state: the name goes on
            continue
        if feat.freq(k) <= 500:
            j += 1
            closed = True
        break
    if not closed:
        return i
    while j < n and (keys[j] in _NAME_ADJ or keys[j] in nationality) and keys[j] not in _NOT_NATIONAL:
        j += 1
    return j


def _agrees(body: str, adj: str) -> bool:
    """Gender agreement of a body noun and its adjective ("الجيش المصري", "السلطات المصرية") – it
    rejects "وزير الداخلية المصري" where the adjective belongs to the minister."""
    fem = body.endswith("ه") or body.endswith("ات")
    return fem == adj.endswith("ه")


def _apply_rules(keys: list[str], spans: list[_Span]) -> list[_Span]:
    n = len(keys)
    nationality = get_gazetteer().lexicon.get("nationality", frozenset())
    spans_at = {s.i: s for s in spans}
    covered: list[_Span | None] = [None] * n
    for s in spans:
        for t in range(s.i, s.j):
            covered[t] = s
    new: list[_Span] = []
    i = 0
    while i < n:
        k = keys[i]
        cur = covered[i]
        if cur is not None and cur.i < i:
            i = cur.j
            continue
        head = k if (k in _FAC_HEADS or k in _ORG_HEADS) else _stem(k)[1]
        if head in _FAC_HEADS or head in _ORG_HEADS:
            typ = "FAC" if head in _FAC_HEADS else "ORG"
            if cur is not None:
                # a span starts at the head: the CRF agrees there is a name; the head decides its type
                if cur.source == "crf" and cur.j - cur.i >= 2:
                    cur.type = typ
                i = cur.j
                continue
            nxt = spans_at.get(i + 1)
            if nxt is not None and nxt.type and (
                    (typ == "FAC" and nxt.source != "gaz") or (typ == "FAC" and nxt.type == "LOC")
                    or (typ == "ORG" and nxt.source == "crf" and nxt.type in ("ORG", "LOC"))):
                # "سجن [الصناعة]" / "مطار [دمشق]" / "حركة [حماس]": the head joins the name
                j = nxt.j
                while j < n and keys[j] in _NAME_ADJ:
                    j += 1
                new.append(_Span(i, j, typ, "rule"))
                nxt.type = ""  # replaced
                i = j
                continue
            if nxt is not None and nxt.type and nxt.source == "crf" and k in _ORG_HEADS_STRICT:
                # "محكمة [أولد بايلي]": a named court/ministry whatever the CRF thought the name was
                new.append(_Span(i, nxt.j, typ, "rule"))
                nxt.type = ""
                i = nxt.j
                continue
            if head == k and (typ == "FAC" or (k in _ORG_HEADS_STRICT and keys[i + 1:i + 2] != []
                                               and (keys[i + 1].startswith("ال") or not keys[i + 1].isascii()))):
                j = _chain_after(keys, i + 1, covered)
                if j > i + 1 and (typ == "FAC" or keys[j - 1].startswith("ال") or j - i > 2):
                    new.append(_Span(i, j, typ, "rule"))
                    i = j
                    continue
        elif head in _BODIES and cur is None and i + 1 < n and not (
                k == head and i > 0 and _stem(keys[i - 1])[1].startswith("ال")):
            # (right after a definite noun the body word is its adjective: "الشؤون الداخلية اللبنانية";
            # with a preposition attached it starts a new phrase: "الروس للمخابرات البريطانية")
            # "الجيش المصري", "الادعاء العام التركي", "السلطات المصرية"
            j = i + 1
            if keys[j] in _BODY_MIDDLE and j + 1 < n:
                j += 1
            adj = keys[j]
            c = covered[j]
            free = c is None or (c.source == "gaz" and c.i == j and c.j == j + 1)
            if (adj in nationality and adj.startswith("ال") and adj not in _NOT_NATIONAL
                    and free and _agrees(head, adj)):
                if c is not None:
                    c.type = ""  # "القوات السعودية": the adjective, not the country
                new.append(_Span(i, j + 1, "ORG", "rule"))
                i = j + 1
                continue
        elif head in _LOC_HEADS_KEEP and cur is None and i + 1 < n:
            nxt = spans_at.get(i + 1)
            if (nxt is not None and nxt.type in ("LOC", "FAC", "ORG") and nxt.source == "crf"
                    and (nxt.j - nxt.i > 1 or get_featurizer().freq(keys[nxt.i]) <= 3000)):
                # "حي غويران", "قرية الواصفية" (not "حي سكني")
                new.append(_Span(i, nxt.j, "LOC", "rule"))
                nxt.type = ""
                i = nxt.j
                continue
        i = cur.j if cur is not None else i + 1
    spans = [s for s in spans if s.type] + new
    spans.sort(key=lambda s: (s.i, -(s.j - s.i)))
    out: list[_Span] = []
    for s in spans:
        if out and s.i < out[-1].j:
            continue
        out.append(s)
    merged: list[_Span] = []
    feat = get_featurizer()
    for s in out:
        if merged and merged[-1].j == s.i:
            p = merged[-1]
            last = keys[p.j - 1]
            if (p.type == s.type == "PER" and p.source == s.source == "crf") or (
                    p.type in ("ORG", "FAC") and s.source == "crf" and not last.startswith("ال")
                    and feat.freq(last) > 300 and last not in _STOP):
                p.j = s.j  # "عبد ربه" + "منصور هادي"; "محكمة جنايات" + "الإسماعيلية"
                p.source = "rule"
                continue
        merged.append(s)
    out = merged
    # ORG names that go on: "المرصد السوري [لحقوق الإنسان]", "+ nationality adjective"
    for s in out:
        if s.type != "ORG" or s.source == "gaz":
            continue
        nxt_start = [o.i for o in out if o.i >= s.j]
        limit = min(nxt_start) if nxt_start else n
        j = s.j
        if _stem(keys[s.i])[1] in _ORG_HEADS_DEF and j < limit and keys[j].startswith("ل") and len(keys[j]) > 3:
            if keys[j].startswith("لل"):
                j += 1
            elif j + 1 < limit and keys[j + 1].startswith("ال") and _ok_name_word(keys[j + 1]):
                j += 2
        if j < limit and keys[j] in nationality and keys[j].startswith("ال") and keys[j] not in _NOT_NATIONAL:
            j += 1
        s.j = j
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


def _trim(keys: list[str], sp: _Span, raw_last: str = "") -> tuple[int, int] | None:
    """Token-level clean-up of a span: cut punctuation, stop words, titles (persons), trailing
    nationality adjectives; ``None`` for spans that are no entity (a bare title, nationality
    adjective or generic noun). ``raw_last`` is the original text of a one-token span."""
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
    while i < j - 1 and keys[i] in _STOP:
        i += 1
    while j - 1 > i and keys[j - 1] in _STOP:
        j -= 1
    if sp.type == "PER":
        while i < j - 1 and (keys[i] in titles or _stem(keys[i])[1] in titles):
            i += 1
        while j - 1 > i and (keys[j - 1] in nationality or _stem(keys[j - 1])[0]):
            j -= 1  # "ترامب الأمريكي", "سيرغي للتسميم"
    if sp.type == "LOC" and sp.source == "crf" and j - i == 2 and keys[j - 1] in nationality:
        if get_featurizer().freq(keys[i]) < 3000:
            j -= 1  # "هينان الصينية" -> "هينان" but "الأراضي الفلسطينية" stays
    if j - i == 1:
        if raw_last.endswith(("ً", "اً")):
            return None  # "روسياً", "دولياً": an adverb/adjective with tanween is never a name
        k = keys[i]
        base = _stem(k)[1]
        if sp.entry is not None and sp.source == "gaz":
            pass  # a gazetteer name ("السعودية" is a country even if it looks like an adjective)
        elif (k in nationality or base in nationality or k in titles or base in titles or base in _GENERIC
                or (sp.source == "crf" and (base in _BODIES or base in _FAC_HEADS or base in _ORG_HEADS))):
            return None
        if len(base) < 2:
            return None
    return i, j


def refine_bio(keys: list[str], tags: list[str]) -> list[str]:
    """The CRF's BIO tags for one sentence of folded keys after the gazetteer, the rules and the span
    clean-up of :func:`extract_entities` (for token-level output such as ``newsworker ner --conll``)."""
    spans = _split_spans(keys, [_Span(i, j, t, "crf") for i, j, t in spans_from_bio(tags)])
    spans = _apply_rules(keys, _apply_gazetteer(keys, spans))
    out = ["O"] * len(keys)
    for sp in spans:
        got = _trim(keys, sp)
        if got is None:
            continue
        i, j = got
        out[i] = "B-" + sp.type
        for t in range(i + 1, j):
            out[t] = "I-" + sp.type
    return out


def _finish(text: str, toks: list[Token], keys: list[str], sp: _Span, field: str) -> _Mention | None:
    """Clean a token span into a mention: :func:`_trim`, then cut attached clitics off its start."""
    got = _trim(keys, sp, toks[sp.i].text if sp.j - sp.i == 1 else "")
    if got is None:
        return None
    i, j = got
    first = toks[i]
    start = first.start
    cl, rest = _stem(keys[i])
    if sp.source == "gaz" and keys[i] not in get_gazetteer().phrases:
        for r in _clitic_readings(keys[i]):
            if r in get_gazetteer().phrases:
                cl, rest = keys[i][: len(keys[i]) - len(r)], r
                break
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
        if m.entry is not None and m.entry.type == m.type and m.entry.source != "city":
            m.canonical = m.entry.canonical  # GeoNames spellings vary: a city keeps the text's form
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
    for a, b in zip(mentions, mentions[1:], strict=False):
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


def _place_for(m: _Mention, countries: dict[str, int]) -> Place | None:
    gaz = get_gazetteer()
    e = m.entry if m.entry is not None and m.entry.lat is not None else None
    if e is not None and e.type == "LOC":
        e = gaz.place(m.key, countries) or e
    if e is None:
        words = m.key.split()
        tries = [m.key, fold(m.canonical)]
        if len(words) > 1 and (words[0] in _LOC_HEADS or words[0] in _FAC_HEADS):
            tries.append(" ".join(w for w in words[1:] if w not in _NAME_ADJ))
        for t in tries:
            hit = gaz.place(t, countries)
            if hit is not None and hit.lat is not None and hit.type in ("LOC", "FAC"):
                e = hit
                break
    if e is None:
        return None
    return Place(name_en=e.name_en or e.canonical, country=e.country, lat=e.lat, lon=e.lon, geonameid=e.geonameid)
