"""Span rules of the entity stage: where rules win over the CRF.

Working on folded token keys and :class:`Span` lists (token index ranges with a type):
- :func:`split_spans` cuts CRF spans at words that cannot be inside a name;
- :func:`apply_gazetteer` adds curated/country names and lets them override overlapping CRF spans;
- :func:`apply_rules` makes "سجن/مخيم/مطار X" a FAC, "حركة/وزارة/محكمة X" an ORG, "الجيش/الحكومة +
  nationality adjective" an ORG (also النظام/السفارة/القنصلية/الإدارة/القضاء + adjective), keeps "حي"
  with its place, leaves "مديرية/دائرة/جبهة + place" to the place, merges split names;
- :func:`trim_span` cuts punctuation, stop words, titles, trailing nationality adjectives, descriptors
  (ميليشيا، صحيفة، شركة), place-type words and directions around a known place, and rejects spans that
  are no entity;
- :func:`refine_bio` runs all of them over one tagged sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from worker.extract.gazetteer import GazEntry, get_gazetteer
from worker.extract.memo import WORD_TYPES
from worker.extract.ner.features import get_featurizer
from worker.extract.ner.tagger import spans_from_bio
from worker.extract.normalize import folded_words

__all__ = ["Span", "split_spans", "apply_gazetteer", "apply_rules", "trim_span", "refine_bio", "stem",
           "clitic_readings", "LOC_HEADS", "FAC_HEADS", "NAME_ADJ"]

# punctuation that ends a mention (a quote or bracket inside a name is cut off too)
_STOP_PUNCT = frozenset(".,،؛;:!?؟\"'«»“”()[]{}<>|/\\…-–—")
# Country names that are also common words: only taken when the CRF agrees.
_AMBIGUOUS_GAZ = folded_words("مالي بنين النيجر جورجيا تشاد الجزيرة العربية الأمل")
FAC_HEADS = folded_words(
    "سجن معتقل مخيم مطار قاعدة مستشفى ميناء مرفأ معبر جسر قصر سد مسجد جامع كنيسة فندق ملعب استاد ستاد "
    "متحف مفاعل مصفاة محطة مبنى برج دوار ساحة ميدان")
_ORG_HEADS = folded_words(
    "وزارة حركة جماعة حزب تنظيم منظمة هيئة جمعية شركة وكالة صحيفة قناة مؤسسة نقابة رابطة فصيل كتائب "
    "لواء جبهة جيش فيلق سرايا ميليشيا مليشيا تحالف ائتلاف مفوضية محكمة مجلس اتحاد جامعة مركز معهد بنك "
    "مصرف مكتب شعبة مديرية دائرة")
# head + name: the head stays in the mention for these LOC heads (a neighbourhood: "حي غويران"); other
# administrative-unit words are not part of a mention (guidelines: "محافظة البصرة" -> "البصرة")
_LOC_HEADS_KEEP = folded_words("حي")
_MILITIA = folded_words("ميليشيا ميليشيات مليشيا مليشيات الميليشيا الميليشيات")
# words before a place that are not part of it, and adjectives after it ("ريف حلب الغربي" is masculine:
# the countryside's direction, not the city's name)
_DIRECTIONS = folded_words("شمال جنوب شرق غرب شمالي جنوبي شرقي غربي")
_PLACE_ADJ = folded_words("الشمالي الجنوبي الشرقي الغربي المحتل المحتلة")
# function words that start names ("ذي قار")
_NAME_START = folded_words("ذي ذو ذات")
_ALI = next(iter(folded_words("علي")))
_AYA = folded_words("آية اية")
_ALLAH = next(iter(folded_words("الله")))
# descriptors before a name that the mention leaves out ("صحيفة لوموند" -> "لوموند", "شركة توتال" -> "توتال")
_DESCRIPTORS = _MILITIA | folded_words("صحيفة شركة مجلة")
# administrative-unit words cut off the start of a LOC mention (not "حي", not "المنطقة الخضراء")
_ADMIN_HEADS = folded_words("مدينة بلدة قرية محافظة ولاية إقليم مقاطعة منطقة ناحية العاصمة مديرية دائرة جبهة")
# ORG heads that name a place when a place follows: a district ("مديرية التحيتا", "دائرة بعلبك") or a
# battle front ("جبهة الساحل الغربي"); the mention is the place ("مديرية الصحة", "جبهة النصرة" stay ORG)
_PLACE_ORG_HEADS = folded_words("مديرية دائرة جبهة")
LOC_HEADS = folded_words("مدينة بلدة قرية حي محافظة منطقة ناحية ولاية إقليم مخيمات قضاء")
# adjectives that belong to a facility/organisation name when they follow it
NAME_ADJ = folded_words(
    "الدولي الدولية المركزي المركزية العسكري العسكرية الجوي الجوية البحري البحرية الوطني الوطنية "
    "الكبير الكبرى العام العامة العليا الأعلى الاتحادية الاتحادي الفيدرالي الفدرالي الإسلامي الإسلامية "
    "المدني المدنية الرسمي الرسمية الحكومي الحكومية")
# single words that are not names on their own
_GENERIC = folded_words(
    "المملكة الدولة البلاد العاصمة المنطقة الجمهورية الإمارة المدينة الولاية المحافظة الإقليم القرية")
_BODIES = folded_words(
    "الجيش الحكومة الشرطة السلطات القوات الخارجية الداخلية البرلمان المخابرات الاستخبارات البحرية "
    "الرئاسة النيابة الادعاء الدفاعات الأمن الحرس الدبلوماسية الأجهزة الحكومه النظام السفارة القنصلية "
    "الإدارة القضاء")
_BODY_MIDDLE = folded_words("العام العامة الداخلي العسكرية العسكري الجوية الأمنية الوطني")
_NOT_NATIONAL = folded_words("الدولي الدولية الغربي الغربية العربي العربية")
# heads that form an ORG with the definite noun phrase after them ("وزارة الدفاع", "محكمة النقض")
_ORG_HEADS_STRICT = folded_words("وزارة محكمة هيئة مكتب شعبة مديرية دائرة")
# definite ORG heads whose name may continue with "لل..." ("المرصد السوري لحقوق الإنسان")
_ORG_HEADS_DEF = folded_words(
    "المجلس الشبكة المرصد اللجنة الهيئة المنظمة المركز الجمعية الاتحاد المفوضية المؤسسة الرابطة النقابة "
    "مجلس شبكة مرصد لجنة هيئة منظمة مركز جمعية اتحاد مفوضية مؤسسة رابطة نقابة")
# function words and other words that never start or end a name
_STOP = folded_words(
    "في من على عن إلى الى مع ذي ذات ذو هذا هذه ذلك تلك التي الذي الذين اللذين ما لا لم لن قد ثم أو أم بل "
    "كل بعض أي غير بين بعد قبل عند منذ حتى خلال حول ضد نحو لدى أمام وراء فوق تحت أن إن كان كانت الآن "
    "أيضا أيضاً فقط هو هي هم هن نحن أنا أنت وقد كما حيث إذ إذا لكن لكنه لأن")
_SPLIT_WORDS = folded_words(
    "أن إن ان أنه إنه انه لكن الذي التي الذين حيث كما بعد قبل عند منذ حتى خلال إلى الى على عن مع قال قالت "
    "وقال وقالت هو هي ثم أو لا لم لن قد")
_CONSTRUCT_NOUNS = folded_words(
    "وادي أبو ابو أم ام بيت برج عين تل جبل دير رأس راس باب كفر بئر بني سيدي مرج جسر خان قصر سوق ساحة")



@dataclass(slots=True)
class Span:
    i: int  # first token index
    j: int  # end token index (exclusive)
    type: str
    source: str  # crf | gaz | rule
    entry: GazEntry | None = None


def split_spans(keys: list[str], spans: list[Span]) -> list[Span]:
    """Split CRF spans at words that cannot be inside a name ("الجيش المصري أن الحكومة التركية")."""
    out: list[Span] = []
    for s in spans:
        a = s.i
        for t in range(s.i, s.j):
            if (s.type == "PER" and t > a and s.j - s.i >= 3 and stem(keys[t])[0] == "و"
                    and keys[t] not in _SPLIT_WORDS):
                out.append(Span(a, t, s.type, s.source))  # two people: "كاثرين واليكس بوفير"
                a = t
                continue
            if (keys[t] in _SPLIT_WORDS and not (keys[t] == _ALI and s.type == "PER")
                    or _is_punct(keys[t]) and keys[t] in _STOP_PUNCT):
                if t > a:
                    out.append(Span(a, t, s.type, s.source))
                a = t + 1
        if a < s.j:
            out.append(Span(a, s.j, s.type, s.source) if a > s.i else s)
    return out


def stem(key: str) -> tuple[str, str]:
    """:meth:`Featurizer.stem` of the shared featurizer (its cache is read here directly: hot path)."""
    feat = get_featurizer()
    got = feat._stems.get(key)
    return got if got is not None else feat.stem(key)


def clitic_readings(key: str) -> list[str]:
    """The word without its proclitics, by corpus evidence first, then any one- or two-letter
    reading ("وتل" -> "تل" where the corpus-based split refuses a two-letter stem)."""
    out = []
    cl, rest = stem(key)
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
        if len(_GAZ_READINGS) > WORD_TYPES:
            _GAZ_READINGS.clear()
        phrases = get_gazetteer().phrases
        got = _GAZ_READINGS[key] = tuple(r for r in clitic_readings(key) if r in phrases)
    return got


def _is_punct(key: str) -> bool:
    return not any(c.isalnum() for c in key)


def apply_gazetteer(keys: list[str], spans: list[Span]) -> list[Span]:
    """Add curated/country gazetteer matches; on overlap the gazetteer span wins unless a CRF span
    strictly contains it."""
    gaz = get_gazetteer()
    phrases = gaz.phrases
    readings_get = _GAZ_READINGS.get
    hits: list[Span] = []
    nxt = 0  # the token after the last hit (a hit's tokens start no other)
    # The tokens that may start a name: a listed first word, or a word whose clitic-less readings hold one
    # (not yet read: None). Most tokens are neither; they were one Python step each, now skipped in C.
    starts = [i for i, k in enumerate(keys) if k in phrases or readings_get(k) != ()]
    for i in starts:
        if i < nxt:
            continue
        k = keys[i]
        hit = gaz.match_at(keys, i) if k in phrases else None
        if hit is None:
            readings = readings_get(k)
            if readings is None:
                readings = _gaz_readings(k)
            for rest in readings:
                hit = gaz.match_at([rest, *keys[i + 1:i + gaz.max_len]], 0)
                if hit is not None:
                    break
        if hit is not None:
            m, e = hit
            sp = Span(i, i + m, e.type, "gaz", e)
            if e.source in ("curated", "country") and keys[i] not in _AMBIGUOUS_GAZ:
                hits.append(sp)
            elif i > 0 and stem(keys[i - 1])[1] in LOC_HEADS:
                hits.append(sp)  # "مدينة X" with X a GeoNames place
            else:
                # weaker: a GeoNames city or ambiguous word, only to type a CRF span with the same extent
                for c in spans:
                    if c.i == i and c.j == i + m and c.type in ("LOC", "FAC", "ORG"):
                        c.entry = e
            nxt = i + m
    if not hits:
        return spans
    kept: list[Span] = []
    for c in spans:
        over = [h for h in hits if h.i < c.j and c.i < h.j]
        if not over:
            kept.append(c)
            continue
        if (len(over) == 1 and c.i <= over[0].i and over[0].j <= c.j and c.type == over[0].type
                and ((c.j - c.i) - (over[0].j - over[0].i) == 1 or c.type == "PER")):
            # the CRF span is longer and agrees on type: "تنظيم داعش" keeps the head word, a person
            # keeps the rest of the name ("سلمان بن عبد العزيز آل سعود")
            c.entry = over[0].entry if len(over) == 1 else None
            kept.append(c)
            for h in over:
                h.type = ""  # consumed
    kept.extend(h for h in hits if h.type)
    kept.sort(key=lambda s: s.i)
    # drop overlaps left (the earlier/longer wins)
    out: list[Span] = []
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
        if k in nationality or k in NAME_ADJ or (stem(k)[0] and k not in _CONSTRUCT_NOUNS):
            break  # (a word with a proclitic starts a new phrase: "مستشفى بمقاطعة", "محطة لتوليد")
        if k.startswith("ال"):
            j += 1
            closed = True
            break
        if k.endswith("ي") and feat.freq("ال" + k) > 100:
            break  # an indefinite adjective: "سجن سري", "مبنى حكومي" ("الحكومي" is a word)
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
    while j < n and (keys[j] in NAME_ADJ or keys[j] in nationality) and keys[j] not in _NOT_NATIONAL:
        j += 1
    return j


def _agrees(body: str, adj: str) -> bool:
    """Gender agreement of a body noun and its adjective ("الجيش المصري", "السلطات المصرية") – it
    rejects "وزير الداخلية المصري" where the adjective belongs to the minister."""
    fem = body.endswith("ه") or body.endswith("ات")
    return fem == adj.endswith("ه")


_HEADS: dict[str, str] = {}


def _head(k: str) -> str:
    """The word a head-word rule looks at: ``k`` itself when it is a FAC/ORG head, else ``k``
    without its proclitics (cached per word type: the rules visit every token)."""
    if len(_HEADS) > WORD_TYPES:
        _HEADS.clear()
    head = _HEADS[k] = k if (k in FAC_HEADS or k in _ORG_HEADS) else stem(k)[1]
    return head


def apply_rules(keys: list[str], spans: list[Span]) -> list[Span]:
    n = len(keys)
    nationality = get_gazetteer().lexicon.get("nationality", frozenset())
    spans_at = {s.i: s for s in spans}
    covered: list[Span | None] = [None] * n
    for s in spans:
        for t in range(s.i, s.j):
            covered[t] = s
    new: list[Span] = []
    heads_get = _HEADS.get
    i = 0
    while i < n:
        k = keys[i]
        cur = covered[i]
        if cur is not None and cur.i < i:
            i = cur.j
            continue
        head = heads_get(k)
        if head is None:
            head = _head(k)
        if head in FAC_HEADS or head in _ORG_HEADS:
            typ = "FAC" if head in FAC_HEADS else "ORG"
            if cur is not None:
                # a span starts at the head: the CRF agrees there is a name; the head decides its type
                if cur.source == "crf" and cur.j - cur.i >= 2 and not (head in _PLACE_ORG_HEADS
                                                                        and cur.type == "LOC"):
                    cur.type = typ
                i = cur.j
                continue
            nxt = spans_at.get(i + 1)
            if nxt is not None and nxt.type == "LOC" and head in _PLACE_ORG_HEADS:
                i = nxt.j  # "مديرية [التحيتا]": the place
                continue
            if nxt is not None and nxt.type and (
                    (typ == "FAC" and nxt.source != "gaz") or (typ == "FAC" and nxt.type == "LOC")
                    or (typ == "ORG" and nxt.source == "crf" and nxt.type in ("ORG", "LOC"))):
                # "سجن [الصناعة]" / "مطار [دمشق]" / "حركة [حماس]": the head joins the name
                j = nxt.j
                while j < n and keys[j] in NAME_ADJ:
                    j += 1
                new.append(Span(i, j, typ, "rule"))
                nxt.type = ""  # replaced
                i = j
                continue
            if nxt is not None and nxt.type and nxt.source == "crf" and k in _ORG_HEADS_STRICT:
                # "محكمة [أولد بايلي]": a named court/ministry whatever the CRF thought the name was
                new.append(Span(i, nxt.j, typ, "rule"))
                nxt.type = ""
                i = nxt.j
                continue
            if head == k and (typ == "FAC" or (k in _ORG_HEADS_STRICT and keys[i + 1:i + 2] != []
                                               and (keys[i + 1].startswith("ال") or not keys[i + 1].isascii()))):
                j = _chain_after(keys, i + 1, covered)
                if j > i + 1 and (typ == "FAC" or keys[j - 1].startswith("ال") or j - i > 2):
                    new.append(Span(i, j, typ, "rule"))
                    i = j
                    continue
        elif head in _BODIES and cur is None and i + 1 < n and not (
                k == head and i > 0 and stem(keys[i - 1])[1].startswith("ال")):
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
                new.append(Span(i, j + 1, "ORG", "rule"))
                i = j + 1
                continue
        elif head in _LOC_HEADS_KEEP and cur is None and i + 1 < n:
            nxt = spans_at.get(i + 1)
            if (nxt is not None and nxt.type in ("LOC", "FAC", "ORG") and nxt.source == "crf"
                    and (nxt.j - nxt.i > 1 or get_featurizer().freq(keys[nxt.i]) <= 3000)):
                # "حي غويران", "قرية الواصفية" (not "حي سكني")
                new.append(Span(i, nxt.j, "LOC", "rule"))
                nxt.type = ""
                i = nxt.j
                continue
        i = cur.j if cur is not None else i + 1
    spans = [s for s in spans if s.type] + new
    spans.sort(key=lambda s: (s.i, -(s.j - s.i)))
    out: list[Span] = []
    for s in spans:
        if out and s.i < out[-1].j:
            continue
        out.append(s)
    merged: list[Span] = []
    feat = get_featurizer()
    for s in out:
        if merged and merged[-1].j == s.i:
            p = merged[-1]
            last = keys[p.j - 1]
            # ... but not two people joined by "و" ("خليفة حفتر" + "وفايز السراج"): the tagger split them
            if (p.type == s.type == "PER" and p.source == s.source == "crf"
                    and not feat.stem(keys[s.i])[0].startswith("و")) or (
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
        if stem(keys[s.i])[1] in _ORG_HEADS_DEF and j < limit and keys[j].startswith("ل") and len(keys[j]) > 3:
            if keys[j].startswith("لل"):
                j += 1
            elif j + 1 < limit and keys[j + 1].startswith("ال") and _ok_name_word(keys[j + 1]):
                j += 2
        if j < limit and keys[j] in nationality and keys[j].startswith("ال") and keys[j] not in _NOT_NATIONAL:
            j += 1
        s.j = j
    return out


def trim_span(keys: list[str], sp: Span, raw_last: str = "") -> tuple[int, int] | None:
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
    gaz_forms = get_gazetteer().by_form
    while i < j - 1 and keys[i] in _STOP and not (keys[i] in _NAME_START and sp.type in ("LOC", "FAC")
                                                   or keys[i] == _ALI and sp.type == "PER"):
        i += 1  # ("علي السيستاني": the name علي folds like the preposition على)
    while j - 1 > i and keys[j - 1] in _STOP and not (keys[j - 1] == _ALI and sp.type == "PER"):
        j -= 1
    if sp.type == "PER":
        if j - i == 2 and keys[i] in _AYA and keys[i + 1] == _ALLAH:
            return None  # a bare "آية الله"
        while i < j - 1 and (keys[i] in titles or stem(keys[i])[1] in titles
                             or keys[i] in _AYA and keys[i + 1] == _ALLAH and i + 2 < j):
            i += 2 if keys[i] in _AYA else 1  # "الرئيس", "آية الله" (a two-word title)
        while j - 1 > i and (keys[j - 1] in nationality or stem(keys[j - 1])[0]):
            j -= 1  # "ترامب الأمريكي", "سيرغي للتسميم"
    if sp.type == "ORG" and j - i > 1 and stem(keys[i])[1] in _DESCRIPTORS:
        i += 1  # "ميليشيا بدر" -> "بدر" (guidelines: a descriptor, not part of the name)
        if j - i > 1 and keys[j - 1] in nationality:
            j -= 1  # "ميليشيات الحوثي الإيرانية" -> "الحوثي": the adjective describes, as the head did
    elif (sp.type == "ORG" and j - i > 1 and i > 0 and stem(keys[i - 1])[1] in _MILITIA
          and keys[j - 1] in nationality):
        j -= 1  # the same when the militia word was left outside the span
    if sp.type == "LOC" and sp.source != "gaz" and j - i > 1 and " ".join(keys[i:j]) not in gaz_forms:
        # "شمال سوريا" -> "سوريا", "حلب الغربي" -> "حلب": a direction describes a known place (not "جنوب
        # السودان", "كوريا الشمالية": gazetteer names; not "الساحل الغربي": a definite noun's adjective)
        if stem(keys[i])[1] in _DIRECTIONS and " ".join(keys[i + 1:j]) in gaz_forms:
            i += 1
        elif keys[j - 1] in _PLACE_ADJ and j - i == 2 and not keys[i].startswith("ال") and keys[i] in gaz_forms:
            j -= 1
    if sp.type == "LOC" and j - i > 1 and stem(keys[i])[1] in _ADMIN_HEADS:
        i += 1  # "محافظة البصرة", "العاصمة بغداد" -> "البصرة", "بغداد" (guidelines: place-type words)
    if sp.type == "LOC" and sp.source == "crf" and j - i == 2 and keys[j - 1] in nationality:
        if get_featurizer().freq(keys[i]) < 3000:
            j -= 1  # "هينان الصينية" -> "هينان" but "الأراضي الفلسطينية" stays
    if j - i == 1:
        if raw_last.endswith(("ً", "اً")):
            return None  # "روسياً", "دولياً": an adverb/adjective with tanween is never a name
        k = keys[i]
        base = stem(k)[1]
        if sp.entry is not None and sp.source == "gaz":
            pass  # a gazetteer name ("السعودية" is a country even if it looks like an adjective)
        elif (k in nationality or base in nationality or k in titles or base in titles or base in _GENERIC
                or (sp.source == "crf" and (base in _BODIES or base in FAC_HEADS or base in _ORG_HEADS))):
            return None
        if len(base) < 2 or (sp.type == "ORG" and sp.source == "crf" and len(k) == 2 and not k.isascii()):
            return None  # (a two-letter organisation is a piece of a spelled-out acronym: "سي" of "سي إن إن")
    return i, j


def refine_bio(keys: list[str], tags: list[str]) -> list[str]:
    """The CRF's BIO tags for one sentence of folded keys after the gazetteer, the rules and the span
    clean-up of :func:`extract_entities` (for token-level output such as ``newsworker ner --conll``)."""
    spans = split_spans(keys, [Span(i, j, t, "crf") for i, j, t in spans_from_bio(tags)])
    spans = apply_rules(keys, apply_gazetteer(keys, spans))
    out = ["O"] * len(keys)
    for sp in spans:
        got = trim_span(keys, sp)
        if got is None:
            continue
        i, j = got
        out[i] = "B-" + sp.type
        for t in range(i + 1, j):
            out[t] = "I-" + sp.type
    return out
