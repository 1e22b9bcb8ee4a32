"""The casualty stage: a learned scorer over candidate (number, kind) mentions.

Contract: ``score_casualties(title, body, tokens, sentence_spans, published, ..., event_types) -> list[Casualty]``;
pure. ``event_types`` are the event stage's types for the article (the chain runs that stage first).

Candidates: every count in the text (:func:`worker.extract.numbers.find_numbers`, digits and words, plus
dual nouns such as "قتيلين") paired with each casualty kind that has a cue (a casualty noun, a trigger
before, a verb after, a toll noun) in its clause. The rule reading of :mod:`worker.extract.casualties`
is one feature among many: the cue's kind, position and distance, a competing kind's cue nearer, the
words around the number, whether the clause recalls an older year, a war-wide total ("منذ"، "حصيلة"،
"إجمالي"), a subset ("بينهم"), a prison near an escape, how old the dates resolved in its sentence are
against the publication day (today, this week, months or years ago, none) and where it sits in the body
(lead ... tail). One logistic model scores each candidate; then the second step of
:mod:`worker.extract.casualty_keys` decides each (kind, count) from its mentions' scores and the article's other
counts and the article's event types, by the trigger rules and by the event stage (a model file without that
step reports a (kind, count) when its best mention passes the threshold chosen on held-out folds).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from importlib import resources

import numpy as np

from worker.document import CASUALTY_KINDS, Casualty, DateRef
from worker.extract import npz_vocab
from worker.extract.casualties import (
    AFTER_TRIGGERS,
    DUAL_NOUNS,
    DUAL_PEOPLE,
    KIND_NOUNS,
    NOT_PEOPLE,
    PEOPLE,
    SUBSET,
    TOLL_NOUNS,
    TRIGGERS,
    _classify,
    _clause_bounds,
    _LazyStems,
    _plausible,
    killed_or_injured,
    measures,
    stem_in,
    word_in,
)
from worker.extract.casualty_context import EXTRA_CUES, background_feats, date_feats, document_feats
from worker.extract.casualty_keys import best_kind_only, key_rows
from worker.extract.dates import find_dates
from worker.extract.event_model import detect_events_and_rules, split_units
from worker.extract.events import rule_signals
from worker.extract.events import rule_types as rule_types_of
from worker.extract.memo import WORD_TYPES
from worker.extract.normalize import fold, folded_words
from worker.extract.numbers import find_numbers
from worker.extract.tokens import Token, sentences, tokenize
from worker.extract.trees import TreeEnsemble

__all__ = ["Candidate", "FeatureSet", "SHIPPED", "candidates", "score_casualties", "CasualtyModel", "load_model",
           "best_kind_only", "best_mentions"]

_WINDOW_BEFORE = 12
_WINDOW_AFTER = 6
_YEAR_RE = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_TOTAL = folded_words("منذ حصيلة إجمالي اجمالي الإجمالية مجموع الحرب النزاع الصراع بدء اندلاع عام العام سنوات خلال")
_CUE_TABLES = (("noun", KIND_NOUNS), ("trig", TRIGGERS), ("after", AFTER_TRIGGERS), ("toll", TOLL_NOUNS))
_PRISON = folded_words("سجن السجن سجون سجناء سجينا سجين معتقل زنزانة نزلاء الإصلاحية")
# Illness and epidemics are no casualties (GUIDELINES.md), yet their counts sit next to the same verbs
# ("أصاب 49 شخصا"، "أودى بحياة 27 شخصا"); one feature for the whole family lets the scorer learn that from a
# few hundred health stories instead of word by word.
_ILLNESS = folded_words(
    "وباء الوباء أوبئة فيروس الفيروس فيروسات مرض المرض أمراض الأمراض مرضى المرضى إيبولا الإيبولا كوليرا "
    "الكوليرا الحصبة الملاريا سرطان السرطان الخرف جلطة جلطات عدوى العدوى إنفلونزا الإنفلونزا نيباه التهاب "
    "بكتيريا البكتيريا الطاعون الحمى لقاح اللقاح تطعيم التطعيم الزهايمر السكري الإيدز السل"
)
_MAX_CANDIDATES = 400
_KIND_ORDER = {k: n for n, k in enumerate(CASUALTY_KINDS)}


@dataclass(frozen=True, slots=True)
class FeatureSet:
    """Optional feature groups of :mod:`worker.extract.casualty_context` (issue #18 experiments).

    ``extra_cues``, ``dates``, ``position``, ``plain_duals``, ``sentence_bag``, ``illness``, ``sums``, ``far_after``,
    ``toll_span``, ``hospital``, ``captor`` and ``nominative_duals`` are on in the shipped model: the others did not
    raise the cross-validated F1 (see ``data/extraction/README.md`` and :mod:`worker.training.casualty_analysis`). Experiments switch them
    through ``worker.training.casualties.prepare(article, fs)``; a model trained so needs the same ``fs`` at
    run time.
    """

    extra_cues: bool = True  # more casualty verbs/nouns: more candidates (session 11: on, F1 +.005)
    background: bool = False  # pluperfect, "last", "before", older month in the clause
    document: bool = False  # repeated figure, in the title, largest/first of its kind
    dates: bool = True  # age of the dates resolved in the count's sentence (today ... years ago, none)
    position: bool = True  # where the count is in the body (lead, first half, second half, tail)
    plain_duals: bool = True  # no count of two from a definite ـين form ("اعتقال الصحفيين"); ـان: nominative_duals
    opener: bool = False  # the first word of the count's sentence after the lead ("وكان"، "يذكر"، "أعلنت")
    sentence_bag: bool = True  # every word and word pair of the count's sentence (session 12: on, F1 +.011)
    illness: bool = True  # an illness or epidemic word near the count (``_ILLNESS``; session 15: on)
    sums: bool = True  # a part, or the total, of a sum of the article's counts of its kind (session 16: on)
    hospital: bool = True  # a count taken to hospital is an injured candidate (session 17: on, F1 +.0005)
    toll_span: bool = True  # the cues between a rising-toll verb and "إلى N" (session 17: on, F1 +.0015)
    far_after: bool = True  # a casualty verb up to 13 words after a counted person noun (session 17: on, F1 +.003)
    captor: bool = True  # an arrest by an armed group is also a kidnapped candidate (session 18: on, F1 +.001)
    nominative_duals: bool = True  # a definite ـان form is a dual ("واعتقل المشتبهان"; session 21: on, F1 +.0007)


SHIPPED = FeatureSet()


# Features whose weight is under this in absolute value are left out of the saved model. Fitted on 8,239 articles
# (session 13) the scorer has 212k features, most with tiny L2-shrunk weights: 5e-3 drops 30% of them and changes
# no (kind, count) decision on those articles (1e-2 drops 41% and changes 2); load time and RSS shrink with them.
SAVE_PRUNE = 5e-3


@dataclass(frozen=True, slots=True)
class Candidate:
    kind: str
    count: int
    start: int  # character span of the mention in the text
    end: int
    feats: tuple[str, ...]
    approximate: bool = False  # "أكثر من 20", "نحو 100"


def _bucket(v: int) -> str:
    return "1" if v == 1 else "2" if v == 2 else "3-9" if v < 10 else "10-99" if v < 100 else "100-999" if v < 1000 else "1000+"


_SUFFIXES = ("تهم", "تهما", "هما", "هم", "ها", "وا", "ت", "ه", "ا", "ون", "ين")


@lru_cache(maxsize=WORD_TYPES)
def _trimmed(stem: str) -> str:
    """The stem without one inflectional suffix ("قبضت" -> "قبض", "اعتقلتهم" -> "اعتقل"), when 3+ letters stay."""
    for suf in _SUFFIXES:
        if stem.endswith(suf) and len(stem) - len(suf) >= 3:
            return stem[: -len(suf)]
    return stem


def _cue_index(tables: tuple[tuple[str, dict[str, frozenset[str]]], ...] = _CUE_TABLES,
               ) -> dict[str, tuple[tuple[str, str], ...]]:
    """Folded word -> the (cue type, kind) pairs it signals, over all cue tables (one lookup per word)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for name, table in tables:
        for kind, words in table.items():
            for w in words:
                out.setdefault(w, []).append((name, kind))
    return {w: tuple(dict.fromkeys(v)) for w, v in out.items()}


_CUE_INDEX = _cue_index()
_CUE_INDEX_EXTRA = _cue_index(_CUE_TABLES + (("extra", EXTRA_CUES),))
# the index the shipped feature set reads: the memos and the no-cue prefilter below are kept for it alone
_SHIPPED_INDEX = _CUE_INDEX_EXTRA if SHIPPED.extra_cues else _CUE_INDEX


_SHIPPED_CUES: dict[tuple[str, str, str], tuple[tuple[str, str], ...]] = {}  # _token_cues memo, _SHIPPED_INDEX
_MAX_SHIPPED_CUES = WORD_TYPES


def _token_cues(st: tuple[str, str, str], index: dict[str, tuple[tuple[str, str], ...]] = _SHIPPED_INDEX,
                ) -> tuple[tuple[str, str], ...]:
    """The (cue type, kind) pairs of one token's stems (whole, without clitics, without article, trimmed).

    Memoised per stems for the shipped cue index (a function of the word alone; words repeat)."""
    if index is _SHIPPED_INDEX:
        got = _SHIPPED_CUES.get(st)
        if got is None:
            if len(_SHIPPED_CUES) >= _MAX_SHIPPED_CUES:
                _SHIPPED_CUES.clear()
            got = _SHIPPED_CUES[st] = _lookup_cues(st, index)
        return got
    return _lookup_cues(st, index)


def _lookup_cues(st: tuple[str, str, str], index: dict[str, tuple[tuple[str, str], ...]],
                 ) -> tuple[tuple[str, str], ...]:
    get = index.get
    found = get(st[0], ()) + get(st[1], ()) + get(st[2], ()) + get(_trimmed(st[2]), ())
    return tuple(dict.fromkeys(found)) if found else ()


_NORM_CUES: dict[str, tuple[tuple[str, str], ...]] = {}  # folded word -> its cues (shipped index)
# The longest proclitic prefix ``split_proclitics`` takes off: conjunction + preposition + article.
_MAX_PREFIX = 4


def _cue_endings(index: dict[str, tuple[tuple[str, str], ...]]) -> frozenset[str]:
    """Every word ending that can yield a cue of ``index``: a key, a key after its article (the "لل"
    reading puts the article back on the stem) and a key plus one of ``_SUFFIXES`` (what ``_trimmed``
    takes off). A word's stems are all its endings after at most ``_MAX_PREFIX`` letters, so a word
    none of whose such endings is listed here has no cue (see :func:`_may_cue`)."""
    out = set(index)
    out.update(k[2:] for k in index if k.startswith("ال"))
    out.update(k + s for k in index for s in _SUFFIXES)
    return frozenset(out)


_SHIPPED_ENDINGS = _cue_endings(_SHIPPED_INDEX)


def _may_cue(norm: str, endings: frozenset[str] = _SHIPPED_ENDINGS) -> bool:
    """False when folded word ``norm`` surely has no cue; its stems need not be computed then.

    Why: most words of a text are no cue, and on a word never seen before its stems (two proclitic
    splits) were a fifth of the casualty stage; a few slices and set lookups say no first."""
    return any(norm[k:] in endings for k in range(_MAX_PREFIX + 1))


def _cue_tokens(toks: list[Token], stems: _LazyStems, index: dict[str, tuple[tuple[str, str], ...]],
                ) -> tuple[list[int], list[tuple[tuple[str, str], ...]]]:
    """(positions, cues) of the word tokens that carry casualty cues, in text order.

    Why: every number and dual noun looks for cues in a window around it; with the few cue tokens
    listed once per text, a window is a bisect instead of a walk over its ~18 tokens."""
    pos: list[int] = []
    vals: list[tuple[tuple[str, str], ...]] = []
    shipped = index is _SHIPPED_INDEX
    get = _NORM_CUES.get
    for k, t in enumerate(toks):
        if t.kind != "word":
            continue
        cues = get(t.norm) if shipped else None
        if cues is None:
            # a function of the folded word alone
            cues = _token_cues(stems[k], index) if not shipped or _may_cue(t.norm) else ()
            if shipped:
                if len(_NORM_CUES) >= _MAX_SHIPPED_CUES:
                    _NORM_CUES.clear()
                _NORM_CUES[t.norm] = cues
        if cues:
            pos.append(k)
            vals.append(cues)
    return pos, vals


def _cues(cue_tokens: tuple[list[int], list[tuple[tuple[str, str], ...]]], n_toks: int, sent_of: list[int],
          i: int, j: int) -> dict[str, list[tuple[str, int]]]:
    """kind -> [(cue type, signed distance)] for casualty cues around the number at tokens i..j
    (``cue_tokens``: :func:`_cue_tokens` of the text), in text order."""
    out: dict[str, list[tuple[str, int]]] = {}
    _add_cues(cue_tokens, sent_of, i, j, max(0, i - _WINDOW_BEFORE), min(n_toks, j + _WINDOW_AFTER), out)
    return out


def _add_cues(cue_tokens: tuple[list[int], list[tuple[tuple[str, str], ...]]], sent_of: list[int], i: int, j: int,
              lo: int, hi: int, out: dict[str, list[tuple[str, int]]], only: str | None = None,
              as_name: str | None = None) -> None:
    """Add to ``out`` the cues of tokens lo..hi in the sentence of the number at tokens i..j, with their signed
    distance to it: every cue type, or ``only`` that one, named as in the tables or ``as_name``."""
    sent = sent_of[i]
    pos, vals = cue_tokens
    for x in range(bisect_left(pos, lo), bisect_left(pos, hi)):
        k = pos[x]
        if i <= k < j or sent_of[k] != sent:
            continue
        d = k - i if k < i else k - j + 1
        for name, kind in vals[x]:
            if only is None or name == only:
                out.setdefault(kind, []).append((as_name or name, d))


_FAR_AFTER = 14
_TOLL_RISE = folded_words("بلغ بلغت وصل وصلت ارتفع ارتفعت يبلغ تبلغ ليبلغ لتبلغ يرتفع ترتفع ليرتفع لترتفع يصل ليصل")
_TO = fold("إلى")
_TOLL_SPAN = 30


def _toll_span(cue_tokens: tuple[list[int], list[tuple[tuple[str, str], ...]]], toks: list[Token],
               stems: _LazyStems, sent_of: list[int], i: int, j: int, cues: dict[str, list[tuple[str, int]]]) -> None:
    """``fs.toll_span``: "يرتفع عدد الفلسطينيين الذين قتلوا منذ ... إلى 45", "ارتفع إلى 15 عدد الذين قتلتهم": a
    number after "إلى" (a hedge between allowed) that a rising-toll verb governs takes the kind cues between the
    verb and the number, at any distance in the sentence, or, when the verb comes right before "إلى", the ones
    after the number."""
    sent = sent_of[i]
    k = i - 1
    while k >= 0 and k > i - 5 and sent_of[k] == sent and toks[k].norm != _TO:
        k -= 1
    if k < 0 or sent_of[k] != sent or toks[k].norm != _TO:
        return
    to = k
    verb = next((v for v in range(to - 1, max(-1, to - _TOLL_SPAN), -1)
                 if sent_of[v] == sent and word_in(stems[v], _TOLL_RISE)), None)
    if verb is None:
        return
    lo, hi = (verb + 1, to) if verb < to - 1 else (j, min(len(toks), j + 20))
    _add_cues(cue_tokens, sent_of, i, j, lo, hi, cues, as_name="toll_span")


_TRANSFER = folded_words("نقل نقلوا نقلت نقلهم ينقل أدخل أدخلوا أدخلت إدخال إدخالهم إسعاف إسعافهم")
_HOSPITAL = ("مستشف", "المستشف")


def _hospital_cue(toks: list[Token], stems: _LazyStems, sent_of: list[int], i: int, j: int) -> int | None:
    """``fs.hospital``: the signed distance of a transfer verb ("نقل"، "أدخل") near the number at tokens i..j
    when its clause names a hospital within a few words after the number, else None."""
    sent = sent_of[i]
    hi = min(len(toks), j + 8)
    if not any(sent_of[k] == sent and stems[k][2].startswith(_HOSPITAL) for k in range(j, hi)):
        return None
    for k in [*range(max(0, i - 6), i), *range(j, min(len(toks), j + 4))]:
        if sent_of[k] == sent and toks[k].kind == "word" and stem_in(stems[k], _TRANSFER):
            return k - i if k < i else k - j + 1
    return None


def _far_after(cue_tokens: tuple[list[int], list[tuple[tuple[str, str], ...]]], n_toks: int, sent_of: list[int],
               i: int, j: int, cues: dict[str, list[tuple[str, int]]]) -> None:
    """``fs.far_after``: add to ``cues`` the casualty verbs ("after" cues) of the number's sentence beyond the
    usual window, up to ``_FAR_AFTER`` tokens after it: the counted noun's modifiers ("من قوات النظام السوري
    والموالين له") push the verb out of the window."""
    _add_cues(cue_tokens, sent_of, i, j, j + _WINDOW_AFTER, min(n_toks, j + _FAR_AFTER), cues, only="after",
              as_name="after_far")


# Non-state captors: what they "arrest" or "hold" the guidelines count as kidnapped ("محتجزين لدى التنظيم").
_CAPTORS = folded_words(
    "الحوثي الحوثيين الحوثيون الحوثية ميليشيا ميليشيات الميليشيا الميليشيات مليشيا مليشيات المليشيا المليشيات "
    "المتمردين المتمردون متمردون متمردين داعش التنظيم بوكو فصيل الفصيل فصائل جماعة الجماعة خاطفين الخاطفين "
    "الخاطفون عصابة عصابات"
)
_CAPTOR_BACK = 12
_CAPTOR_AFTER = 10


def _captor_near(stems: _LazyStems, sent_of: list[int], i: int, j: int) -> bool:
    """``fs.captor``: whether a non-state captor word is near the number at tokens i..j in its sentence."""
    sent = sent_of[i]
    return any(sent_of[k] == sent and word_in(stems[k], _CAPTORS)
               for k in [*range(max(0, i - _CAPTOR_BACK), i), *range(j, min(len(sent_of), j + _CAPTOR_AFTER))])


def _opener_feats(words: list[str], lead: bool) -> list[str]:
    """``fs.opener``: the first word of a body sentence after the lead ("وكان"، "يذكر"، "أعلنت")."""
    return ["op1:" + words[0]] if words and not lead else []


def _dist(d: int) -> str:
    return "-1" if d == -1 else "-2..-3" if d >= -3 and d < 0 else "-4..-6" if d < 0 and d >= -6 else "-far" if d < 0 else \
        "+1" if d == 1 else "+2..+3" if d <= 3 else "+far"


def candidates(text: str, tokens: list[Token] | None = None, spans: list[tuple[int, int]] | None = None,
               pub_year: int | None = None, in_title: bool = False, pub_month: int | None = None,
               fs: FeatureSet = SHIPPED, dates: list[DateRef] | None = None,
               pub_date: date | None = None) -> list[Candidate]:
    """Every (count, kind) candidate of ``text`` with its features.

    ``dates`` are the date mentions of ``text`` (:func:`worker.extract.dates.find_dates` with
    ``unique=False``), ``pub_date`` the publication day they are aged against (``fs.dates``).
    """
    if not text:
        return []
    toks = tokens if tokens is not None else tokenize(text)
    spans = spans if spans is not None else sentences(text)
    if not toks:
        return []
    sent_of = _clause_bounds(toks, spans)
    stems = _LazyStems(toks)
    index = _CUE_INDEX_EXTRA if fs.extra_cues else _CUE_INDEX
    cue_tokens = _cue_tokens(toks, stems, index)
    out: list[Candidate] = []
    where = "title" if in_title else "body"

    def context(i: int, j: int) -> list[str]:
        sent = sent_of[i]
        f = [f"where:{where}", "sent:" + ("0" if sent == 0 else "1" if sent == 1 else "2-4" if sent < 5 else "5+")]
        if fs.position and not in_title:  # where in the body: the lead, ..., the tail (related stories, background)
            r = toks[i].start / len(text)
            f.append("at:" + ("lead" if r < 0.15 else "first_half" if r < 0.5 else "second_half" if r < 0.8 else "tail"))
        if i > 0:
            f.append("pv1:" + stems[i - 1][2])
            if word_in(stems[i - 1], SUBSET):
                f.append("subset")
        if i > 1:
            f.append("pv2:" + stems[i - 2][2])
        if j < len(toks):
            nx = stems[j]
            f.append("nx1:" + nx[2])
            if word_in(nx, PEOPLE):
                f.append("people_after")
            if word_in(nx, NOT_PEOPLE):
                f.append("thing_after")
        if j + 1 < len(toks):
            f.append("nx2:" + stems[j + 1][2])
        a, b = spans[sent] if sent < len(spans) else (0, len(text))
        clause = text[a:b]
        for y in _YEAR_RE.findall(clause):
            if pub_year is not None:
                f.append("year:old" if int(y) < pub_year else "year:now")
        lo, hi = max(0, i - 12), min(len(toks), j + 8)
        words = []
        for k in range(lo, hi):
            if sent_of[k] == sent and toks[k].kind == "word":
                st = stems[k]
                if fs.background:
                    words.append(st[1])
                if stem_in(st, _TOTAL):
                    f.append("total:" + st[2])
                if stem_in(st, _PRISON):
                    f.append("prison")
                if fs.illness and stem_in(st, _ILLNESS) and "illness" not in f:
                    f.append("illness")
        if fs.background:
            f += background_feats(words, pub_month)
        if fs.dates:
            f += date_feats([r.date for r in dates or () if a <= r.start < b], pub_date)
        if fs.opener:
            f += opener(sent, i)
        if fs.sentence_bag:
            f += sentence_bag(sent, i)
        return f

    bags: dict[int, tuple[str, ...]] = {}

    def sentence_bag(sent: int, i: int) -> tuple[str, ...]:
        """The words (3 letters or more) and adjacent word pairs of the count's sentence, cached per sentence.
        The window features see two words each side; what the sentence is about (a toll, a report, a trial,
        a list of past attacks) is often further away."""
        got = bags.get(sent)
        if got is None:
            k = sentence_start(i)
            words: set[str] = set()
            pairs: set[str] = set()
            prev = ""
            while k < len(toks) and sent_of[k] == sent:
                t = toks[k]
                if t.kind == "word":
                    if len(t.norm) > 2:
                        words.add(t.norm)
                    if prev:
                        pairs.add(prev + "_" + t.norm)
                    prev = t.norm
                else:
                    prev = ""
                k += 1
            got = bags[sent] = tuple(["sw:" + w for w in sorted(words)] + ["sb:" + p for p in sorted(pairs)])
        return got

    def sentence_start(i: int) -> int:
        """The first token of token ``i``'s sentence."""
        k = i
        while k > 0 and sent_of[k - 1] == sent_of[i]:
            k -= 1
        return k

    openers: dict[int, list[str]] = {}

    def opener(sent: int, i: int) -> list[str]:
        """The features of the sentence's first words (cached per sentence)."""
        got = openers.get(sent)
        if got is None:
            k = sentence_start(i)
            words = []
            while k < len(toks) and sent_of[k] == sent and not words:
                if toks[k].kind == "word":
                    words.append(toks[k].norm)
                k += 1
            got = openers[sent] = _opener_feats(words, sent == 0)
        return got

    for num in find_numbers(toks):
        if len(out) >= _MAX_CANDIDATES:
            break
        if num.value is None or num.vague or num.value <= 0:
            continue
        i, j = num.tok_start, num.tok_end
        if measures(toks, stems, j) or killed_or_injured(toks, i, j):
            continue
        cues = _cues(cue_tokens, len(toks), sent_of, i, j)
        if fs.far_after and j < len(toks) and word_in(stems[j], PEOPLE):
            _far_after(cue_tokens, len(toks), sent_of, i, j, cues)
        if fs.toll_span:
            _toll_span(cue_tokens, toks, stems, sent_of, i, j, cues)
        if fs.hospital:
            d = _hospital_cue(toks, stems, sent_of, i, j)
            if d is not None:
                cues.setdefault("injured", []).append(("hospital", d))
        rule_kind, _, _ = _classify(toks, stems, sent_of, sent_of[i], i, j)
        kinds = set(cues) | ({rule_kind} if rule_kind else set())
        if not kinds:
            continue
        captor = fs.captor and "arrested" in kinds and _captor_near(stems, sent_of, i, j)
        if captor:
            kinds.add("kidnapped")
        base = context(i, j)
        base += [
            "val:" + _bucket(num.value),
            "digits" if toks[i].kind == "number" else "words",
            "approx" if num.approximate else "exact",
            "plausible" if _plausible(num, toks, stems, i, j) else "implausible",
        ]
        nearest = {k: min(abs(d) for _, d in cs) for k, cs in cues.items()}
        for kind in sorted(kinds, key=_KIND_ORDER.__getitem__):  # one order in every process (a set's is not)
            f = list(base)
            f += [f"{kind}|{x}" for x in base if not x.startswith(("pv2:", "nx2:", "op1:"))]
            f.append("kind:" + kind)
            f.append("rule:self" if rule_kind == kind else "rule:other" if rule_kind else "rule:none")
            if captor:
                f += ["captor", f"{kind}|captor"]
            for name, d in cues.get(kind, ()):
                f.append(f"cue:{name}:{_dist(d)}")
                f.append(f"{kind}|cue:{name}:{_dist(d)}")
            mine = nearest.get(kind, 99)
            if any(v < mine for k, v in nearest.items() if k != kind):
                f.append("other_kind_nearer")
            out.append(Candidate(kind, num.value, toks[i].start, toks[j - 1].end, tuple(f), num.approximate))
    # dual nouns name their own count: "سقوط قتيلين"; a dual after a trigger counts two: "اعتقال ضابطين"
    for k, t in enumerate(toks):
        if t.kind != "word" or len(t.norm) < 5 or not t.norm.endswith(("ين", "ان")):
            continue
        st = stems[k]
        kind = next((kd for kd, words in DUAL_NOUNS.items() if stem_in(st, words)), None)
        if kind:
            ctx = context(k, k + 1)
            f = ctx + ["dual", f"{kind}|dual", "kind:" + kind] + [f"{kind}|{x}" for x in ctx if x.startswith("date:")]
            out.append(Candidate(kind, 2, t.start, t.end, tuple(f)))
            continue
        person = stem_in(st, DUAL_PEOPLE)
        # "اعتقال الصحفيين": a definite ـين form is a plural here, not a count of two. A definite ـان form is
        # a nominative dual ("قتل الطياران"): the sound plural's nominative ends in ـون. Broken plurals in ـان
        # ("السكان") are candidates too; the scorer learns them from the word.
        nominative = fs.nominative_duals and t.norm.endswith("ان")
        if fs.plain_duals and not person and not nominative and st[1] != st[2] and st[1].startswith("ال"):
            continue
        cues = _cues(cue_tokens, len(toks), sent_of, k, k + 1)
        near = {kd: min(abs(d) for _, d in cs) for kd, cs in cues.items()}
        for kd, dist in near.items():
            if dist <= 3:
                ctx = context(k, k + 1)
                f = ctx + ["dual_generic", f"{kd}|dual_generic", "kind:" + kd, "w:" + st[2]]
                f += [f"{kd}|{x}" for x in ctx if x.startswith("date:")]
                f += [f"{kd}|cue:{name}:{_dist(d)}" for name, d in cues[kd]]
                if person:
                    f.append("dual_person")
                out.append(Candidate(kd, 2, t.start, t.end, tuple(f)))
    return out


class CasualtyModel:
    """The mention scorer (a logistic model over each candidate's features) and, when fitted, the second step
    that decides each (kind, count) from its mentions' scores and the article's other counts
    (:mod:`worker.extract.casualty_keys`). Without the second step a (kind, count) is reported when its best
    mention scores ``threshold``; with it, when the step's probability reaches ``key_threshold``."""

    def __init__(self, vocab: list[str], weights: np.ndarray, bias: float, threshold: float,
                 keys: TreeEnsemble | None = None, key_threshold: float = 0.5) -> None:
        # plain str keys (a saved vocabulary loads as numpy str_, off CPython's fast string compare)
        self.index = {str(f): i for i, f in enumerate(vocab)}
        self.weights = weights.astype(np.float32)
        self.bias = float(bias)
        self.threshold = float(threshold)
        self.keys = keys
        self.key_threshold = float(key_threshold)

    def decide(self, cands: list[Candidate], mentions: list[tuple[str, int, int]], body_len: int,
               rule_types: Collection[str] = (), event_types: Collection[str] = (),
               ) -> list[tuple[tuple[str, int], int, float]]:
        """The (kind, count)s reported, each with its best mention's index and its score, best first.
        ``rule_types``, ``event_types``: the article's event types by the trigger rules and by the event stage
        (features of the second step).

        The one decision path of the run-time stage and of the training's out-of-fold decisions."""
        if not cands:
            return []
        s = self.scores(cands)
        if self.keys is None:
            best = best_mentions(cands, mentions, s, self.threshold)
            got = [(k, i, float(s[i])) for k, i in best.items()]
        else:
            rows = key_rows(cands, mentions, s, body_len, rule_types, event_types)
            if not rows:
                return []
            p = self.keys.proba(np.stack([x for _, _, x in rows]))
            got = [(k, i, float(q)) for (k, i, _), q in zip(rows, p, strict=True) if q >= self.key_threshold]
        return sorted(got, key=lambda g: -g[2])

    def scores(self, cands: list[Candidate]) -> np.ndarray:
        index, w = self.index, self.weights
        out = np.empty(len(cands), np.float32)
        for n, c in enumerate(cands):
            # ascending rows: the float32 sum is then the same in every process (a set of strings iterates in
            # an order that changes with the hash seed)
            rows = sorted({index[f] for f in c.feats if f in index})
            out[n] = self.bias + (float(w[rows].sum()) if rows else 0.0)
        return 1.0 / (1.0 + np.exp(-np.clip(out, -30, 30)))

    @staticmethod
    def from_npz(z) -> CasualtyModel:
        """A model from what :meth:`save` wrote (or a file of the older format, with a ``vocab`` str array)."""
        return CasualtyModel(npz_vocab.unpack(z), z["weights"], float(z["bias"]), float(z["threshold"]),
                             TreeEnsemble.from_arrays(z, "keys_"),
                             float(z["key_threshold"]) if "key_threshold" in z.files else 0.5)

    def save(self, path: str, prune: float = SAVE_PRUNE) -> None:
        """Write the model as ``.npz``, leaving out the features whose weight is under ``prune`` in absolute
        value: they cannot move a decision, and every feature costs load time and memory (``SAVE_PRUNE``)."""
        keep = np.abs(self.weights) >= prune
        vocab = [v for v, k in zip(sorted(self.index, key=self.index.get), keep, strict=True) if k]
        # ``npz_vocab``: as the event model; loading the older str array took 0.15 s here, this 0.10 s (session 15)
        second = {} if self.keys is None else {**self.keys.arrays("keys_"), "key_threshold": np.array(self.key_threshold)}
        np.savez_compressed(path, **npz_vocab.pack(vocab), weights=self.weights[keep], bias=np.array(self.bias),
                            threshold=np.array(self.threshold), **second)


@lru_cache(maxsize=1)
def load_model() -> CasualtyModel:
    """The shipped model (``worker/extract/data/casualties.npz``); built by ``newsworker train casualties``."""
    with resources.files("worker.extract.data").joinpath("casualties.npz").open("rb") as f:
        z = np.load(f, allow_pickle=False)
        return CasualtyModel.from_npz(z)


def all_candidates(title: str, body: str, tokens: tuple[list[Token], list[Token]] | None = None,
                   spans: tuple[list[tuple[int, int]] | None, list[tuple[int, int]] | None] | None = None,
                   published: datetime | None = None, fs: FeatureSet = SHIPPED,
                   dates: tuple[list[DateRef], list[DateRef]] | None = None) -> list[tuple[str, Candidate]]:
    """(field, candidate) over the title and the body.

    ``dates``: every date mention of the title and of the body (``find_dates(..., unique=False)``), when the
    caller has them; else they are found here (``fs.dates``).
    """
    year = published.year if published else None
    month = published.month if published else None
    pub_day = published.date() if published else None
    t_toks, b_toks = tokens if tokens is not None else (None, None)
    t_sp, b_sp = spans if spans is not None else (None, None)
    t_spans = t_sp or ([(0, len(title))] if title.strip() else [])
    t_dates: list[DateRef] | None = None
    b_dates: list[DateRef] | None = None
    if fs.dates and pub_day is not None:
        t_dates, b_dates = dates if dates is not None else (
            find_dates(title, published, "title", unique=False), find_dates(body, published, "body", unique=False))
    out = [("title", c) for c in candidates(title, t_toks, t_spans, year, True, month, fs, t_dates, pub_day)]
    out += [("body", c) for c in candidates(body, b_toks, b_sp, year, False, month, fs, b_dates, pub_day)]
    if fs.sums:
        out = _with_sum_feats(out)
    if not fs.document:
        return out
    # where a (kind, count) sits among all of the article's candidates (mention order: title, then body)
    docf = document_feats([(c.kind, c.count, field == "title", c.start + (0 if field == "title" else len(title) + 1))
                           for field, c in out])
    return [(field, replace(c, feats=c.feats + tuple(d))) for (field, c), d in zip(out, docf, strict=True)]


def _with_sum_feats(out: list[tuple[str, Candidate]]) -> list[tuple[str, Candidate]]:
    """Mark the parts and the total of every two-term sum among the article's counts of one kind.

    Breakdowns ("7 civilians and 4 fighters" beside "11 killed") were the largest group of false counts (a second,
    smaller figure of a kind the article has); a part is rarely its toll, and whether it is depends on the
    words around it, so this is a feature for the scorer to weigh, not a rule (as a rule it lost as much
    recall as it gained precision). Title and body counts are pooled; the 40 smallest counts of a kind bound
    the pairs.
    """
    counts: dict[str, set[int]] = {}
    for _, c in out:
        counts.setdefault(c.kind, set()).add(c.count)
    parts: set[tuple[str, int]] = set()
    totals: set[tuple[str, int]] = set()
    for kind, cs in counts.items():
        ordered = sorted(cs)[:40]
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                if a + b in cs:
                    parts |= {(kind, a), (kind, b)}
                    totals.add((kind, a + b))
    res = []
    for field, c in out:
        extra = (("sum:part",) if (c.kind, c.count) in parts else ()) + (("sum:total",) if (c.kind, c.count) in totals else ())
        res.append((field, replace(c, feats=c.feats + extra + tuple(f"{c.kind}|{x}" for x in extra)) if extra else c))
    return res


def best_mentions(cands: list[Candidate], mentions: list[tuple[str, int, int]], scores: np.ndarray,
                  threshold: float | None = None) -> dict[tuple[str, int], int]:
    """Per (kind, count): the index of its best-scored candidate among those that are their number's best kind
    (:func:`best_kind_only`) and, with ``threshold``, score at least that; on a tie the first mention wins.

    The one decision path of the run-time stage and of the training's out-of-fold decisions.
    """
    keep = best_kind_only(mentions, scores)
    best: dict[tuple[str, int], int] = {}
    for i, c in enumerate(cands):
        if not keep[i] or (threshold is not None and scores[i] < threshold):
            continue
        key = (c.kind, c.count)
        if key not in best or scores[i] > scores[best[key]]:
            best[key] = i
    return best


def article_rule_types(title: str, body: str, sentence_spans: list[tuple[int, int]] | None = None,
                       folded_body: tuple[str, list[int]] | None = None) -> frozenset[str]:
    """The event types the trigger rules find in the article: what the second step reads of the events. Read
    from the event stage's units, as the chain does (:func:`worker.extract.event_model.detect_events_and_rules`)."""
    return rule_types_of(rule_signals(split_units(title, body, sentence_spans, folded_body)[1]))


def score_casualties(title: str, body: str, tokens: tuple[list[Token], list[Token]] | None = None,
                     spans: tuple[list[tuple[int, int]] | None, list[tuple[int, int]] | None] | None = None,
                     published: datetime | None = None, model: CasualtyModel | None = None,
                     dates: tuple[list[DateRef], list[DateRef]] | None = None,
                     folded_body: tuple[str, list[int]] | None = None,
                     event_types: Collection[str] | None = None,
                     rule_types: Collection[str] | None = None) -> list[Casualty]:
    """Casualty counts of the events the article reports, best mention first per (kind, count).

    ``dates``: the title's and the body's date mentions (``find_dates(..., unique=False)``) when the caller
    has them (the pipeline does); else they are found here. ``folded_body``: ``fold_with_offsets(body)``, when
    the caller has it. ``event_types``: the types the event stage reports for the article (the pipeline runs it
    first), and ``rule_types`` the types its trigger rules find (:func:`~worker.extract.event_model.detect_events_and_rules`
    gives both); else the event stage is run here.
    """
    m = model or load_model()
    cands = all_candidates(title, body, tokens, spans, published, dates=dates)
    if not cands:
        return []
    rules: Collection[str] = ()
    if m.keys is not None:
        body_spans = spans[1] if spans else None
        if event_types is None:
            reading = detect_events_and_rules(title, body, body_spans, folded_body, published)
            event_types = {e.type for e in reading.events}
            rule_types = reading.rule_types if rule_types is None else rule_types
        rules = article_rule_types(title, body, body_spans, folded_body) if rule_types is None else rule_types
    out = []
    for (kind, count), i, _ in m.decide([c for _, c in cands], [(field, c.start, c.end) for field, c in cands],
                                        len(body), rules, event_types or ()):
        field, c = cands[i]
        text = title if field == "title" else body
        a, b = max(0, c.start - 40), min(len(text), c.end + 40)
        out.append(Casualty(kind=kind, count=count, text=text[a:b].strip(), approximate=c.approximate))  # type: ignore[arg-type]
    order = {k: n for n, k in enumerate(CASUALTY_KINDS)}
    out.sort(key=lambda x: order[x.kind])
    return out
