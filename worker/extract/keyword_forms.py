"""Word forms for the keyword list, told apart by the corpus word table (keywords only).

Arabic news keywords should be nouns and names, shown as the article writes them. Two questions are
answered here, per word.

**Which form to show** (``display_options``): a proclitic (و ف ب ل ك, لل) is cut only where the rest is a
word of its own: attested in the article itself, or in the corpus word table at least as often as the
whole ("بدمشق" -> دمشق; but "كاليننغراد" stays whole, as اليننغراد is no word, and so do "بيونغ",
"بوست", "باليستيا", whose cut forms are rarer than the whole); "للواء" is ل + اللواء. The reverse holds
too: "لمونفس" is ل + مونفس when the article also writes مونفس alone, although the corpus is too small to
know the name. ف, which starts names (فيصل, فادي), is cut before the article only.

**Whether it names a topic** (``word_class``). Three kinds of word are weak evidence of a topic:

- verbs: an imperfect (ي/ت/ن/أ + stem, optional future س, optional subject suffix ون/ان/وا, optional
  object pronoun) whose other persons or tenses are attested in the corpus ("يهاجم": تهاجم, نهاجم); a
  perfect with a subject suffix (ت, وا, ن) whose other persons or imperfect are ("وصلت": وصلوا, يصل);
  the shapes يتفعل/تتفعل, يفعلون, يفعلن. A name that merely starts with ي/ت has no such siblings (تونس:
  يونس only; ترامب: none), a word that starts with أ or ن needs siblings more frequent than itself
  (أحمد, أكبر, نساء), and a form the corpus also writes with the article is a noun (التدخل, التقدم);
- forms with an attached pronoun (قراراتها, استخدامها, زوجته, باستطاعتنا): the base without the suffix is
  a common word of the corpus. Read on the written form, so taa marbuta (ة) is not taken for ه;
- function words and adverbs the shared stopword list misses (سيتم, إياها, نعم, هنا, رسميا, ...).

The tests read ``worker/extract/data/words.tsv.gz`` (document frequency of whole folded words in the ANT
corpus), which proclitic splitting loads anyway; without the table only function words are told apart.
Pure; ``word_class`` is memoised per form.
"""

from __future__ import annotations

from typing import NamedTuple

from worker.extract.memo import WORD_TYPES, memo
from worker.extract.normalize import DIACRITICS_RE, fold
from worker.extract.tokens import _ARTICLE_EXCEPTIONS, _vocab, split_proclitics

__all__ = ["Option", "display_options", "strip_article", "is_verb", "has_pronoun", "is_function_word",
           "word_class", "FUNCTION_WORDS", "FUNCTION", "VERB", "PHRASE_VERB", "PRONOUN"]

# Function words and adverbs that are not in the shared stopword list (which keyword ranking must not
# change: the story-link model reads the same term keys). Folded on load.
FUNCTION_WORDS = frozenset(fold(w) for w in """
سيتم ستتم يتم تتم تم سيكون ستكون سوف ربما إياه إياها إياهم إياهما إياهن إياي إيانا إياك إياكم نعم كلا
هنا هناك هنالك هكذا لكني لكنني لكننا لأنه لأنها لأنهم لأني لأننا إنني إننا إنهم إنهن بأنه بأنها بأنهم
بعضهم بعضها بعضهن معظم معظمهم معظمها كلهم كلها جميعا جميعهم جميعها نفسه نفسها أنفسهم ذاته ذاتها
بينما حينما حين لذا لذلك إذ كي لكي عدة عديد عديدة مختلف أيا أية أي شيء أشياء إنه إنها سيما أما إما
لعل كأن قرب باتجاه هم هو هي هن هما نحن أنا أنت أنتم قلت قلنا قالوا يقولون تقولون
يجب ينبغي يتعين يمكن يمكنك يمكنكم يمكنني يمكننا
سابقا لاحقا حاليا مجددا مؤخرا أحيانا جدا تماما خصوصا عموما فعلا بالفعل أولا ثانيا ثالثا أخيرا أبدا
رسميا عسكريا سياسيا نهائيا تقريبا فورا سرا علنا دوليا محليا يوميا أسبوعيا شهريا سنويا مهنيا جزئيا كليا
تدريجيا فعليا عمليا نسبيا شخصيا أساسا أصلا دائما غالبا كثيرا قليلا مثلا مسبقا
""".split())

_IMPERFECT = "يتنا"  # folded prefixes of the imperfect persons (أ folds to ا)
_SUBJECT_SUFFIXES = ("ون", "ان", "وا")  # not ين: تحسين, تعيين, تشرين are nouns
_OBJECT_SUFFIXES = ("هما", "هم", "ها", "نا", "ه")
# attached pronouns, longest first; "ه" only when written ه (a final ة is the feminine ending). The
# second persons (كم, كما) are rare in news and end nouns (حاكم, محاكم)
_PRONOUNS = ("هما", "هم", "هن", "ها", "نا", "ه")


def _df(word: str) -> int:
    return _vocab().get(word, 0)


def is_function_word(folded: str) -> bool:
    """A function word or adverb, also behind a conjunction ("وهم")."""
    return folded in FUNCTION_WORDS or (folded[:1] in ("و", "ف") and folded[1:] in FUNCTION_WORDS)


def _noun(f: str) -> bool:
    """The form takes the article in the corpus (التدخل, التقدم, النساء), so it is (also) a noun; a verb
    never does. Without this, تدخل/تقدم/تغير read as "she enters/advances/changes"."""
    return _df("ال" + f) >= 5


def is_verb(written: str, strict: bool = False) -> bool:
    """A verb form (written form, diacritics removed), by its other persons and tenses in the corpus.
    ``strict`` (used for phrase boundaries, where a wrong verb breaks a name) leaves out the bare perfect
    of the forms that double as nouns: فعل (قصف, قتل, رفض: the verbal noun) and فاعل (طالب, حاكم: the
    participle)."""
    return _verb_kind(written) >= (2 if strict else 1)


def _verb_kind(written: str) -> int:
    """0: no verb; 1: a verb unless strict (a bare perfect of a derived form); 2: a verb."""
    if len(written) < 3 or written.endswith("ة") or written.startswith("آ") or not _vocab():
        return 0  # a verb never ends in taa marbuta; آثار, آمال are plurals
    folded = fold(written)
    if folded.startswith("ال") and _df(folded[2:]) >= 3:
        return 0  # the article (البيت is no perfect of "البى"; التقى is lost, a rare keyword)
    forms = [folded]
    if folded[0] == "و" and _df(folded[1:]) >= max(3, 5 * _df(folded)):
        forms.append(folded[1:])  # a conjunction the display kept; not ف, which starts names (فيصل)
    for f in list(forms):
        if f[0] == "س" and len(f) >= 5 and f[1] in "يتن" and _df(f[1:]) >= 3:
            forms.append(f[1:])  # future سي/ست/سن + an attested imperfect
    for f in list(forms):
        for suf in _OBJECT_SUFFIXES:  # يفجرونه -> يفجرون; سألوه -> سألوا (the plural's alef returns)
            rest = f[: -len(suf)]
            if f.endswith(suf) and len(rest) >= 3:
                if _df(rest) >= 3:
                    forms.append(rest)
                    break
                if rest.endswith("و") and _df(rest + "ا") >= 3:
                    forms.append(rest + "ا")
                    break
    for f in list(forms):
        for suf in _SUBJECT_SUFFIXES:  # يرفضون -> يرفض, تحملان -> تحمل (the bare form attested)
            if f.endswith(suf) and len(f) - len(suf) >= 3 and _df(f[: -len(suf)]) >= 3:
                forms.append(f[: -len(suf)])
    kind = 0
    for f in forms:
        if _noun(f):
            continue
        if _imperfect(f, f is not folded) or _perfect(f, True):
            return 2
        if not kind and _perfect(f, False):
            kind = 1
    f = folded
    if len(f) >= 5 and not _noun(f):
        if f[0] == "ي" and f.endswith(("ون", "وا")) and not f.endswith(("يون", "يوا")):
            return 2  # يفعلون / يفعلوا: a third person plural (يهللون, يبكون); not يمنيون
        if f[0] in "يت" and f[1] == "ت":
            return 2  # يتفعل / تتفعل (تتزين); the nouns (تتويج, يتيم) take the article
        if f[0] == "ي" and f.endswith("ن") and not f.endswith(("ين", "ون", "ان")):
            return 2  # يفعلن: a feminine plural (يجتحن)
    return kind


def _imperfect(f: str, derived: bool) -> bool:
    """ي/ت/ن/أ + stem whose other persons or tenses are attested (two forms at least)."""
    if len(f) < 3 or f[0] not in _IMPERFECT:
        return False
    stem = f[1:]
    own = _df(f)
    sibs = [_df(p + stem) for p in _IMPERFECT if p != f[0]]
    more = [_df(x) for x in ("سي" + stem, "ست" + stem, "ي" + stem + "ون", "ت" + stem + "ون",
                             "ي" + stem + "ان", "ت" + stem + "ان", "ي" + stem + "وا") if x != f]
    found = sum(1 for n in sibs + more if n >= 3)
    # sibs[0] is the ي/ت twin of a ت/ي form, sibs[2] the perfect "ا" + stem
    twin = f[0] in "يت" and (sibs[0] >= 3 or (f[0] == "ي" and sibs[2] >= 3))
    if found < 2 and not (found == 1 and len(stem) >= 4 and twin):
        return False  # one other form is enough for a long stem with its ي/ت twin (تبتلع: يبتلع) or its
        # perfect (يعتدي: اعتدى)
    total = sum(sibs) + sum(more)
    if f[0] in "ان":  # أفعل is also an elative, a name or a Form IV noun (أكبر, أحمد, أشرف), نفعل a noun
        # (نساء, نصيب), and the first persons are rare in news: the other forms must outnumber it
        return total >= max(own, 3) and not derived
    if len(stem) == 2:  # يرد, يفر: short stems collide with nouns more often
        return total >= max(own, 10)
    return total >= max(own // 10, 3)


def _perfect(f: str, strict: bool) -> bool:
    """A perfect with a subject suffix whose other persons are attested, or a bare perfect of a derived
    form (أرسل, استبق; not strict: also غادر, شارك) whose suffixed persons are common next to it."""
    if f.endswith("وا") and len(f) >= 5:
        base = f[:-2]  # بايعوا: بايع, بايعت or the imperfect يبايع
        imperfect = "ي" + (base[1:] if base[0] == "ا" else base)
        return _df(base) >= 3 and (_df(base + "ت") >= 3 or _df(imperfect) >= 3)
    if f.endswith("ت") and len(f) >= 4 and not f.endswith("ات"):
        base = f[:-1]  # بدأت: بدأ, بدأوا or the imperfect يبدأ (أرسلت: يرسل)
        imperfect = "ي" + (base[1:] if base[0] == "ا" else base)
        return _df(base) >= 3 and (_df(base + "وا") >= 3 or _df(imperfect) >= 3)
    if f.endswith("ن") and len(f) >= 4 and not f.endswith(("ان", "ين", "ون")):
        base = f[:-1]
        return _df(base + "وا") >= 3 and _df(base + "ت") >= 3 and _df(base) >= 3
    if len(f) < 4 or f[0] == "ت" or (strict and f[0] != "ا"):
        return False  # تفاعل/تفعّل are as often the noun (تراجع, تعهد)
    evidence = _df(f + "ت") + _df(f + "وا") + (_df("ي" + f[1:]) if f[0] == "ا" else 0)
    attested = (_df(f + "وا") >= 3 and _df(f + "ت") >= 3) or (f[0] == "ا" and _df("ي" + f[1:]) >= 3)
    return attested and evidence * 3 >= _df(f)


def has_pronoun(written: str) -> bool:
    """An attached pronoun (written form, diacritics removed): the base is a commoner corpus word; also
    behind one proclitic the display kept ("لتخويفه")."""
    if not _vocab():
        return False
    return _pronoun(written) or (written[:1] in ("و", "ف", "ب", "ل", "ك") and len(written) > 5
                                 and _pronoun(written[1:]))


def _pronoun(written: str) -> bool:
    if written.startswith("ال"):  # the article and a pronoun never go together (الأهم)
        return False
    for suf in _PRONOUNS:
        if not written.endswith(suf) or len(written) - len(suf) < 3:
            continue
        base = written[: -len(suf)]
        bases = [base]
        if base.endswith("ت"):  # زوجته -> زوجة
            bases.append(base[:-1] + "ة")
        if base.endswith("ا"):  # تخشاه -> تخشى
            bases.append(base[:-1] + "ى")
        if base.endswith(("ؤ", "ئ")):  # أبناؤه -> أبناء
            bases.append(base[:-1] + "ء")
        own = _df(fold(written))
        # a commoner base, or a quarter as common (بلادها: بلاد); a name that ends like a pronoun
        # (مارينا) rarely has a base word that common
        if any(_df(b) >= max(own // 4, 10) for b in {fold(b) for b in bases}):
            return True
    return False


FUNCTION, VERB, PHRASE_VERB, PRONOUN = 1, 2, 4, 8  # word_class bits


@memo(WORD_TYPES)
def word_class(written: str) -> int:
    """What a shown form is, as bits: FUNCTION word, VERB (any reading), PHRASE_VERB (a verb by the
    strict reading, which ends a phrase), PRONOUN attached; 0 for a noun or a name."""
    written = DIACRITICS_RE.sub("", written)  # a word the keyword list reads as written may carry some
    bits = 0
    if is_function_word(fold(written)):
        bits |= FUNCTION
    kind = _verb_kind(written)
    if kind == 2:
        bits |= VERB | PHRASE_VERB
    elif kind == 1:
        bits |= VERB
    if has_pronoun(written):
        bits |= PRONOUN
    return bits


class Option(NamedTuple):
    """One way to show a written word: ``display`` (diacritics removed), its grouping ``key`` (folded,
    without the article), whether the corpus table vouches for it (else it needs the article to write
    ``folded`` alone), whether the word opens with a conjunction (cut off, or kept as written) and
    whether a preposition was cut off to get it."""

    display: str
    key: str
    folded: str
    corpus_ok: bool
    conj: bool
    prep: bool


def strip_article(folded: str) -> str:
    """Folded form -> grouping key: the article off ("الحسكه" and "حسكه" are one term)."""
    if folded.startswith("ال") and len(folded) >= 4 and folded not in _ARTICLE_EXCEPTIONS:
        return folded[2:]
    return folded


def display_options(text: str, folded: str | None = None) -> tuple[Option, ...]:
    """The forms a written word may be shown in, most clitics cut first; the last is the word itself
    (always allowed). The caller takes the first that is ``corpus_ok`` or attested in its article.
    ``folded`` is ``fold(text)`` when the caller has it (a token's ``norm``): the proclitic split is then
    the one the shared term key made of it, read from the splitter's cache."""
    w = DIACRITICS_RE.sub("", text)
    whole = folded if folded is not None else fold(w)
    if len(whole) != len(w):  # NFKC changed the length: fold the pieces of the written form instead
        whole = w
    if w[0] not in "وفبلك":  # no proclitic can start it: the word as written
        return (Option(w, strip_article(whole), whole, True, False, False),)
    get = _vocab().get
    own = get(whole, 0)
    # the split of the folded word (the same decisions: folding changes no clitic letter), read with
    # the article kept: "بالحسكه" -> ب | الحسكه, "للواء" -> ل | ال + واء
    n = len(split_proclitics(whole)[0])
    cands: list[tuple[str, str, bool, bool]] = []  # (display, folded, conjunction cut, preposition cut)
    if whole[n - 2:n] == "لل" and n >= 2:
        pre = n - 1
        cands.append(("ال" + w[n:], "ال" + whole[n:], False, True))
        cands.append(("ال" + w[pre:], "ال" + whole[pre:], False, True))  # للواء: ل + اللواء
    elif whole[n - 2:n] == "ال" and n >= 2:
        pre = n - 2
        if pre:
            cands.append((w[pre:], whole[pre:], False, True))
    else:
        pre = n
        if pre:
            cands.append((w[pre:], whole[pre:], False, True))
    conj = pre > 0 and w[0] in "وف" and len(w) > 3
    if conj:
        cut_prep = pre > 1
        cands = [(d, f, True, cut_prep) for d, f, _, _ in cands]
        if cut_prep:
            cands.append((w[1:], whole[1:], True, False))  # only the conjunction: وكاليننغراد
    opts = []
    for d, f, cj, pp in cands:
        # a preposition is cut when the rest is at least as common as the whole (بيونغ, بوست stay); the
        # conjunction و, far more productive, when the rest is a fifth as common ("وتضيف" -> تضيف); ف,
        # which starts names (فيصل, فادي, فراس), before the article only ("فالحكومة")
        ok = get(f, 0) >= max(3, own if pp else own // 5)
        if cj and not pp and w[0] == "ف" and not f.startswith("ال"):
            ok = False
        opts.append(Option(d, strip_article(f), f, ok, cj, pp))
    if not pre:  # split refused (the stem unknown to the corpus, or a word like وحدة): cut only if the
        # article itself writes the rest alone ("لمونفس" beside "مونفس")
        c = 1 if w[:1] in ("و", "ف") and len(w) > 3 else 0
        if w[c:c + 1] in ("ب", "ل", "ك") and len(w) - c - 1 >= 3:
            f = whole[c + 1:]
            opts.append(Option(w[c + 1:], strip_article(f), f, False, bool(c), True))
        if c:
            f = whole[1:]
            opts.append(Option(w[1:], strip_article(f), f, False, True, False))
    # the word as written; it may still open with a conjunction the corpus cannot vouch for ("وأمميين")
    leading = w[:1] in ("و", "ف") and len(w) > 3 and get(whole[1:], 0) >= 3
    opts.append(Option(w, strip_article(whole), whole, True, leading, False))
    return tuple(opts)
