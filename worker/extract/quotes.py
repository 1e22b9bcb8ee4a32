"""Quotes with their speakers.

Contract: ``find_quotes(text, sentence_spans=None) -> list[Quote]``; pure.

Per sentence: a speech verb (قال، أكد، أعلن، أشار، أضاف، صرح، ذكر، أوضح، تابع، شدد ...; with و/ف) followed by
the speaker (up to "إن/أن", a colon, a quote mark, a comma or "في بيان") and the quoted text: «...», "..."
or reported speech introduced by "إن"/"أن" to the end of the sentence. When the verb is followed
directly by the quote or "إن" ("وأضاف: ..."، "وتابع أن ..."), the speaker of the previous quote is carried,
or the subject the entity stage names in the last sentence that names one. A speaker that is only a
pronoun-like word is dropped (``speaker=None``).

Not quotes: a negated verb ("لم تذكر")، "يذكر أن" (background), a quoted name or term inside the sentence
('بقضية "الجاسوس الروسي"'، 'بحسب وكالة "رويترز"'، 'أعلنت "أرض الصومال" موافقتها'), a quotation after a
preposition ('أشار إلى "..."'). A quotation mark right after the verb opens the content even when an إن/أن is
inside it ('وتضيف "مازلت أشعر أنها ..."'); a verb in a relative clause of the speaker phrase is part of it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from worker.document import Quote
from worker.extract.dates import WEEKDAYS
from worker.extract.normalize import fold_with_offsets
from worker.extract.tokens import sentences

__all__ = ["find_quotes", "SPEECH_VERBS", "PARTICIPLES"]

SPEECH_VERBS = (
    "قال قالت قالوا أكد أكدت أكدوا أعلن أعلنت أشار أشارت أضاف أضافت صرح صرحت ذكر ذكرت أوضح أوضحت تابع تابعت "
    "شدد شددت اعتبر اعتبرت لفت لفتت كشف كشفت أفاد أفادت نقل نقلت نقلوا أردف أردفت زعم زعمت رأى رأت أورد أوردت "
    # the guidelines count a verb of saying "in any tense or person"
    "يقول تقول يقولون يؤكد تؤكد يضيف تضيف يشير تشير يوضح توضح يعتبر تعتبر يرى ترى يذكر تذكر يكشف تكشف "
    "يفيد تفيد يزعم تزعم "
    # verbs of telling and writing with a quote's content (the speaker batches' annotators count them)
    "نوه نوهت روى روت يروي تروي ادعى ادعت يدعي تدعي كتب كتبت يكتب تكتب اختتم اختتمت ختم ختمت تساءل تساءلت "
    # "جاء في بيان للجيش أنه ...": the statement's author is the speaker (see _STATEMENT_OF)
    "جاء ورد"
)
# Participles and verbal nouns of saying open a quote of their own ("مضيفا أن" after a quote starts a new one)
# whose speaker is the sentence's (or the text's) current one.
PARTICIPLES = "قائلا قائلة مضيفا مضيفة مشيرا مشيرة مؤكدا مؤكدة مشددا مشددة لافتا لافتة موضحا موضحة معتبرا معتبرة بالقول"
_VERBS_F = sorted({fold_with_offsets(v)[0] for v in SPEECH_VERBS.split()}, key=len, reverse=True)
_PARTS_F = sorted({fold_with_offsets(v)[0] for v in PARTICIPLES.split()}, key=len, reverse=True)
_VERB_RE = re.compile(rf"(?<![^\s\"'«(،,.:])[وف]?(?:(?P<verb>{'|'.join(_VERBS_F)})|(?P<part>{'|'.join(_PARTS_F)}))"
                      r"(?![^\W\d_])")
# "مصدر لم يكشف هويته": the formula of an anonymous source, not a verb of saying.
_ANONYMITY = re.compile(r"\s+(?:عن\s+)?(?:هويته|هويتها|هويتهم|هويتيهما|اسمه|اسمها|اسماءهم|اسمائهم)(?![^\W\d_])")
# "كما يقول"، "وفق ما ذكر": an attribution after the content, not a quote.
# "كما" at the head of a sentence is "also" ("كما أعلنت الوزارة أن ..."): only after other words is it one.
_ATTRIBUTION = re.compile(r"\S\s+(?:ك?ما|حسبما|بحسب ما|وفق ما|وفقا لما)\s*$")
_PARTICLE = r"(?<![^\s\"«“])(?:ان|انه|انها|انهم|انهما|انني|اننا|بان|بانه|بانها|بانهم|بانهما)(?![^\W\d_])"
# The speaker phrase ends at the reported-speech particle, a colon or an opening quote after text.
_SPEAKER_STOP = re.compile(rf"{_PARTICLE}|:|(?<=\S)\s*[«“]|$")
# Where a participle's content starts: "قائلا إن"، "مشيرا إلى أن"، "مضيفا: «...»".
_PART_CONTENT = re.compile(rf"\s*(?:الي\s+)?(?:(?P<particle>{_PARTICLE})|:|(?=[«“\"]))")
# The weekdays, folded ("الاثنين"، "الجمعه"): a time before or after the speaker, never part of it.
_DAYS = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
# Statement and time nouns after "في": an adverbial ("في بيان"، "في وقت سابق"), not the speaker's place
# ("مصدر في وزارة الصحة" keeps it, as the guidelines' whole subject noun phrase).
_FI_ADVERBIAL = (
    # a month or a year ("في أيار/مايو 2017") and a statement of the speaker's own ("في التماسه"، "في رسالتها")
    r"في\s+(?:كانون|شباط|اذار|نيسان|ايار|حزيران|تموز|اب|ايلول|تشرين|يناير|فبراير|مارس|ابريل|مايو|يونيو|يوليو|"
    r"اغسطس|سبتمبر|اكتوبر|نوفمبر|ديسمبر|عام|العام|سنه|\S+(?:ها|هم|هما)|التماسه|رسالته|مقابلته|تغريدته|تصريحاته|"
    r"شهادته|مداخلته|افادته|اعترافاته|تعليقه|لقائه|زيارته|مؤتمره|جولته|كتابه|مقاله|مقالته|مذكراته|منشوره|تدوينته|"
    r"(?:ال)?(?:اخر|بيان|بيانه|بيانها|تصريح|تصريحات|تصريحه|تصريحها|مؤتمر|حديث|حديثه|حديثها|كلمه|كلمته|كلمتها|"
    r"مقابله|رساله|تغريده|تغريدات|خطاب|خطابه|اتصال|لقاء|منشور|تقرير|تقريره|تقريرها|وقت|ساعه|ساعات|مطلع|"
    r"ختام|اعقاب|معرض|سياق|رد|رده|ردها|حوار|تعليق|تعليقات|اجتماع|جلسه|مقال|شهاده|تسجيل|فيديو|مقطع|صفحته|"
    r"صفحتها|حسابه|حسابها|موقعه|موقعها|نهايه|بدايه|اليوم|الوقت|الساعات|المؤتمر|البيان|الاجتماع|الجلسه|عددها|"
    r"عدده|ذلك|هذا|هذه))"
)
# News outlets and media (folded) that are addressed, not speaking, after لـ.
_OUTLETS = ("فرانس|سكاي|العربيه|رويترز|بي|الشرق الاوسط|ايسنا|ارنا|تسنيم|سانا|الجزيره|الاناضول|سبوتنيك|يورونيوز|فوكس|"
            "اسوشيتد|اسوشييتد|بلومبرغ|وكاله|صحيفه|قناه|موقع|شبكه|اذاعه|راديو|تلفزيون|مجله|CNN|BBC")
# Inside the speaker phrase, cut at a comma or a circumstantial phrase ("في بيان"، "لوكالة ...").
_SPEAKER_CUT = re.compile(
    rf"\s*(?:[،,()]|(?<=\s)[-–—](?=\s)|(?<![^\s])(?:{_FI_ADVERBIAL}|خلال|عبر|امام|علي|لوكاله|لوكالات|لقناه|لصحيفه|لموقع|لشبكه|"
    r"لشبكتنا|لمراسل|لمراسلنا|"
    r"لرويترز|لفرانس|لمحكمه|لمجله|لتلفزيون|لاذاعه|الي|عن|يوم|اليوم|امس|صباح|مساء|"
    rf"{_DAYS}|ايضا|كذلك|التي|الذي|الذين|اللذين|اللتين|تحت|"
    r"بدوره|بدورها|حينها|انذاك|بعد|عقب|قبل|اثر|حين|حينما|عندما|منذ|كما|ومقره|ومقرها|وهو|وهي|"
    r"والتي|والذي|والذين|بحسب|حسب|وفق|وفقا|للكونغرس|لسكان|ل(?=[A-Za-z])\S+|حيث|اثناء|حينذاك|حينئذ|وقتها|"
    r"من\s+(?:جهته|جهتها|جهتهم)|مبدئيا|سابقا|لاحقا|لاسوشيتد|لاسوشييتد|لبلومبرغ|مره|مرارا|مجددا|(?:الشهر|الاسبوع|العام)\s+(?:الماضي|المنصرم|الفائت|المقبل|القادم|الجاري|الحالي)|لهذه|لهذا|"
    r"مطلع|منتصف|اواخر|اوائل|فجر|ظهر|عصر|ليل|ليله|البدايه|النهايه|"
    # adverbs of the saying ("ذكرت مؤخرا أن"): never the subject
    r"مؤخرا|اخيرا|رسميا|علنا|صراحه|"
    # an anonymous source's clause ("مصدر لم يكشف هويته"، "مسؤول طلب عدم نشر اسمه") is no part of the speaker
    r"لم|لن|طلب|طلبت|رفض|رفضت|فضل|فضلت|اشترط|اشترطت|"
    # the audience or medium addressed ("جونسون لنواب البرلمان"، "مصادر لبي بي سي") is not the speaker
    r"لاعضاء|لنواب|للنواب|لبرنامج|للصحفيين|للصحافيين|لصحفيين|للصحافه|لوسائل|للمراسلين|لسكاي|لبي|للبي|"
    r"للجزيره|للعربيه|للتلفزيون|للاذاعه|لراديو|لفوكس|للشرق|"
    # a manner or the statement it was said in ("بشكل منفصل"، "بتغريدة أخرى"، "بالتأكيد على أن")
    r"بشكل|بتغريده|ببيان|بتصريح|بتصريحات|برساله|بكلمه|بالتاكيد)(?=[\s،,.:؛/]|$)"
    # the same with the outlet's name in quotation marks ('مصادر لـ"سكاي نيوز عربية"'); a quoted name after
    # لـ that is no outlet stays part of the speaker ('المكتب الإعلامي لـ"قسد"')
    rf"|(?<![^\s])ل\"\s*(?:{_OUTLETS})"
    r")"
)
# Relayed speech goes to the source: "قالت الوكالة نقلا عن مصادر"، "قالت الوكالة على لسان الوزير"، and after a
# verb of relaying, "نقلت الوكالة عن الوزير قوله". After another verb "عن" is "about" ("قال ترامب عن كيم إنه"):
# the subject before it is the speaker.
_RELAY_TAIL = r"(?P<source>.+?)(?:\s+(?:قوله|قولها|قولهم|تاكيده|تاكيدها|تاكيدهم))?\s*$"  # "... عن الوزير قوله"
_RELAYED = re.compile(rf"(?:^|\s)(?:نقلا\s+عن|علي\s+لسان)\s+{_RELAY_TAIL}")
_RELAYED_BY_VERB = re.compile(rf"(?:^|\s)عن\s+{_RELAY_TAIL}")
_RELAYING_VERBS = frozenset({"نقل", "نقلت", "نقلوا"})
# An apposition after the first comma is part of the speaker, a name after a title or a title after a name
# ("وزير الطاقة الإسرائيلي، يوفال شتاينتز، السبت، إن"، "بشرى الرويسي، محامية الناشطين لوكالة رويترز إن"):
# kept when it is at most 8 words and ends at the phrase's end, a second comma or an adverbial (a time, the
# medium or audience, "في بيان"), not at a preposition that continues a description ("المسؤول عن ...").
_APPOSITION_MAX_WORDS = 8
_APPOSITION_ENDS = re.compile(rf"[،,(]|{_FI_ADVERBIAL}|خلال|عبر|امام|يوم|اليوم|امس|صباح|مساء|{_DAYS}|"
                              r"ايضا|كذلك|بعد|عقب|اثر|حين|عندما|ل\S+")
# An apposition that opens with a verb or a negation is a clause ("مسؤول، طلب عدم نشر اسمه، إن"), not a name.
_NOT_APPOSITION_START = frozenset({"طلب", "طلبت", "رفض", "رفضت", "فضل", "فضلت", "لم", "لا", "اشترط", "اشترطت",
                                   "مفضلا", "مفضله", "رافضا", "رافضه", "وهو", "وهي", "الذي", "التي", "الذين"})
# A speaker phrase never starts with a pronoun object or a participle of saying.
_NOT_SPEAKER_START = re.compile(r"^(?:به|له|لها|لهم|بالقول|قائلا|قائله|متحدثا|متحدثه|مضيفا|مضيفه|مشيرا|مشيره|موضحا|مؤكدا|مؤكده|معتبرا|لافتا)(?:\s|$)")
_TRAILING_PARTICIPLE = re.compile(
    r"\s+(?:قوله|قولها|قولهم|تاكيده|تاكيدها|تاكيدهم|متحدثا|متحدثه|طالبا|طالبه|واضعا|واضعه|قائلا|قائله|مازحا|ساخرا|مضيفا|مضيفه|مشيرا|مشيره|موضحا|مؤكدا|مؤكده|معتبرا|لافتا|محذرا|متسائلا)(?:\s|$)")
_CONTINUATION = {"اضاف", "اضافت", "تابع", "تابعت", "اردف", "اردفت", "يضيف", "تضيف"}
_PRONOUNS = {"", "انه", "انها", "ايضا", "هو", "هي", "في", "ان", "ذلك", "كذلك"}
# A speaker phrase never starts with a preposition+pronoun, a particle or a bare preposition: such a
# phrase is a fragment of the verb's complement ("عنها"، "نقلا عن"), and the verb has no stated subject.
_NOT_SPEAKER_WORD = {"في", "عنها", "عنه", "عنهم", "علي", "منها", "منه", "لها", "له", "لهم", "فيها", "فيه",
                     "الي", "من", "مع", "بان", "بانه", "بانها", "ما", "ان", "انه", "انها", "الذي", "التي"}
_QUOTE_MARKS = re.compile("[\"«»“”]")
_QUOTE_RE = re.compile(r"«([^»]{3,})»|\"([^\"]{3,})\"|“([^”]{3,})”")
_OPEN_QUOTE = re.compile(r"\s*[«“\"]\s*(?P<rest>\S.{2,})$", re.S)
_PARTICLE_RE = re.compile(_PARTICLE)
_QUOTED_SPAN = re.compile(r"«[^»]*»|“[^”]*”|\"[^\"]*\"")
# Where a quote's text ends when a participle opens the next one in the same sentence.
_TEXT_TAIL = re.compile(r"[\s،,؛]+(?:و)?$")


def find_quotes(
    text: str,
    sentence_spans: list[tuple[int, int]] | None = None,
    folded: tuple[str, list[int]] | None = None,
    names: Sequence[tuple[int, int]] = (),
) -> list[Quote]:
    """Quotes in ``text`` (see module docstring); ``folded`` = ``fold_with_offsets(text)`` if at hand.

    ``names``: character spans in ``text`` of the person, organisation and place names the entity stage
    found. With them, a speech verb without a stated subject in a sentence that opens with another verb and
    its subject ("وفرّ بلحاج من بلده ... وقال إن") gets that subject, not the previous quote's speaker.
    """
    if not text:
        return []
    spans = sentence_spans if sentence_spans is not None else sentences(text)
    out: list[Quote] = []
    last_speaker: str | None = None
    whole, whole_offs = folded if folded is not None else fold_with_offsets(text)
    verb_at = [m.start() for m in _VERB_RE.finditer(whole)]
    if not verb_at:
        return []
    name_spans = sorted(names)
    seen: set[tuple[str | None, str]] = set()
    for a, b in spans:
        fa, fb = bisect_left(whole_offs, a), bisect_left(whole_offs, b)
        k = bisect_left(verb_at, fa)
        has_verb = k < len(verb_at) and verb_at[k] < fb
        in_sent = [(bisect_left(whole_offs, s) - fa, bisect_left(whole_offs, e) - fa) for s, e in name_spans
                   if a <= s and e <= b]
        if not has_verb and not in_sent:
            continue
        sent = text[a:b]
        fsent = whole[fa:fb]
        offs = [o - a for o in whole_offs[fa:fb]]
        subject = _sentence_subject(fsent, in_sent, (sent, offs))
        if not has_verb and subject is None:
            continue
        if not has_verb:
            # a sentence without a quote whose subject is named ("واتهم عبداللطيف جماعة ...") is who a later
            # "وأضاف أن" goes on about, as a pronoun refers to the last one named
            last_speaker = _original(sent, offs, *subject)
            continue
        found = _sentence_quotes(sent, fsent, offs, last_speaker, subject, in_sent)
        if not found and subject is not None:
            # a sentence whose verb of saying gave no quote ("وأشار رئيس البعثة إلى \"زيادة مقلقة\"") still names
            # who a later "وقال إن" goes on about
            last_speaker = _original(sent, offs, *subject)
        for speaker, qtext in found:
            if speaker:
                last_speaker = speaker
            if (speaker, qtext) not in seen:  # a paragraph the page repeats gives its quotes once
                seen.add((speaker, qtext))
                out.append(Quote(speaker=speaker, text=qtext))
    return out


# Words before a sentence's first verb that do not change who acts ("وكان ... قد"، "كما"، "ثم").
_LEAD_SKIP = frozenset({"كما", "ثم", "قد", "لقد", "بدوره", "بدورها", "ايضا"})
_WAS = frozenset({"كان", "كانت", "كانوا"})  # "وكان الرئيس ... قد صعد": the subject follows at once
# A sentence that opens with one of these does not open with a verb, so it names no subject there.
_NOT_VERB = frozenset({"بماذا", "ماذا", "لماذا", "كيف", "متي", "هل", "اين", "بعدما", "حينما", "كلما", "مثلما", "طالما",
                       "في", "من", "علي", "الي", "عن", "مع", "بعد", "قبل", "خلال", "منذ", "لكن", "ولكن", "ان", "لان",
                       "اذا", "حيث", "بينما", "فيما", "وفق", "وفقا", "بحسب", "حسب", "عقب", "اثر", "رغم", "هذا",
                       "هذه", "ذلك", "تلك", "هو", "هي", "هم", "لم", "لا", "لن", "ما", "كل", "بين", "عند", "امام",
                       "حين", "عندما", "لدي", "نحو", "حوالي", "اكثر", "اما", "او", "اي", "الا", "غير", "ضد", "تحت"})
_SUBJECT_MAX_WORDS = 8


def _sentence_subject(folded: str, names: list[tuple[int, int]],
                      raw: tuple[str, list[int]] | None = None) -> tuple[int, int] | None:
    """The folded span of the subject of the sentence's opening verb, when a found name ends it within a few
    words ("ودانت نقابة الصحافيين اليمنيين ..."، "وكان الرئيس التركي رجب طيب أردوغان قد ..."); else None.
    ``raw``: the original sentence and the offsets of ``folded`` in it, to tell a noun from a verb."""
    if not names or folded.rstrip(" .").endswith("؟"):
        return None  # a question ("بماذا يرد مونفس؟") states no one's act
    dateline = _DATELINE.match(folded)
    base = dateline.end() if dateline else 0  # "دبي، الإمارات العربية المتحدة (CNN)— وصفت ..."
    words = [(w.start(), w.end()) for w in re.finditer(r"\S+", folded[:base + 200]) if w.start() >= base]
    i = 0
    while i < len(words) and _bare(folded, words[i]) in _LEAD_SKIP:
        i += 1
    if i < len(words) and (_bare(folded, words[i]) in _NOT_VERB or _bare(folded, words[i]).rstrip("،,") in _TIME_LEAD):
        # a leading adverbial up to a comma ("وفي الأول من آذار، حذر الرئيس ..."، "من جانبها، حثت ..."، "ويوم
        # الأحد، طالب ..."): the clause after it opens with the verb
        comma = next((k for k in range(i, min(len(words), i + 8)) if folded[words[k][1] - 1] in "،,"), None)
        if comma is not None:
            i = comma + 1
    if i >= len(words):
        return None
    first = _bare(folded, words[i])
    if first in _WAS:
        start_word = i + 1
    elif first.startswith("ال") or first in _NOT_VERB or not first.isalpha() or len(first) < 2:
        return None
    elif raw is not None and _NOMINAL_END.search(raw[0], 0, raw[1][words[i][1] - 1] + 1):
        return None  # "جريمة إنسانية جديدة ارتكبها الحوثيون": a noun opens the sentence, not a verb
    else:
        start_word = i + 1
    while start_word < len(words) - 1 and (_LEADING_TIME.fullmatch(" " + folded[words[start_word][0]:words[start_word][1]])
                                           or folded[words[start_word][0]:words[start_word][1]] in _AFTER_VERB):
        start_word += 1  # "أعلنت الاثنين مجموعة ليما"، "خرج بعدها الشيخ": the subject follows the day or adverb
    if start_word >= len(words):
        return None
    start = words[start_word][0]
    return _subject_span(folded, start, names)


# A word ending in ة or with tanween is a noun, never the verb a sentence opens with.
_NOMINAL_END = re.compile("(?:ة|ة?[\u064b-\u064d])[\u064b-\u0652]*$")
# Adverbs between a verb and its subject.
_AFTER_VERB = frozenset({"بعدها", "حينها", "وقتها", "عندها", "يومها", "بدوره", "بدورها", "ايضا", "مجددا", "اليوم", "امس"})
# Words of time that open a sentence before its verb ("ويوم الأحد، طالب ...").
_TIME_LEAD = frozenset({"يوم", "امس", "اليوم", "صباح", "مساء", "ليل", "ليله", "فجر", "ظهر", "عصر"}) | frozenset(_DAYS.split("|"))


# "دبي، الإمارات العربية المتحدة (CNN)— ": the place and agency that open an article's first sentence.
_DATELINE = re.compile(r"^[^()\n]{2,60}\(\s*[A-Za-z][A-Za-z .]{1,20}\)\s*(?:—|–|-{1,2})\s*")
# Title and relation nouns whose complement is a name inside a longer title ("رئيس نيكاراغوا دانيال أورتيغا"،
# "زعيم الحوثيين عبد الملك الحوثي"): the subject runs on to the person's name after it.
_TITLE_NOUNS = frozenset({"رئيس", "رئيسه", "زعيم", "زعيمه", "وزير", "وزيره", "امير", "ملك", "مبعوث", "مبعوثه",
                          "سفير", "سفيره", "عمده", "محافظ", "قائد", "مدير", "مديره", "نائب", "نائبه", "مندوب",
                          "مندوبه", "ممثل", "ممثله", "حاكم", "باسم", "خارجيه", "داخليه", "دفاع", "مستشار",
                          "مستشاره", "مفوض", "مفوضه", "منسق", "امين", "بلده", "مدينه", "محافظه", "ولايه"})
_EXTEND_MAX_WORDS = 3  # words between a name in a title and the name after it ("المنتهية ولايته"، "في أفغانستان،")


def _subject_span(folded: str, start: int, names: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The subject from ``start`` (right after its verb) to the end of the first name within a few words: a
    title with the name after it in apposition ("رئيس الوزراء الصيني، لي كه تشيانغ") and a person's name after
    a name inside the title ("رئيس مجلس النواب سليم الجبوري") are kept whole; a name after a preposition
    ("لترامب"، "جاء ذلك في تغريدات لعمرو موسى") is no subject."""
    following = sorted(n for n in names if n[0] >= start)
    if not following:
        return None
    ns, ne = following[0]
    between = folded[start:ne]
    if ns - start > 40 or len(between.split()) > _SUBJECT_MAX_WORDS or any(c in between for c in ":؛\"«»“”"):
        return None
    commas = [k for k, c in enumerate(between) if c in "،,"]
    if commas:
        # one comma, after a title and before the name and at most a rank ("، الجنرال جون نيكولسون"), not
        # after a time or before an adverbial ("ورد الأحد، عبر تويتر")
        rank = between[commas[0] + 1 : ns - start].split()
        if (len(commas) > 1 or len(rank) > 1 or (rank and _SPEAKER_CUT.match(" " + rank[0]))
                or _LEADING_TIME.fullmatch(" " + between[: commas[0]].strip())):
            return None
    lead = [w[1:] if len(w) > 2 and w[0] in "وف" else w for w in folded[start:ns].split()]
    if any(w in _NOT_VERB or w in _LEAD_SKIP for w in lead):
        return None  # "جاء ذلك في سلسلة من التغريدات لعمرو موسى"، "سبق وأن تعرض": the name is not the subject
    if any(c.group().strip(" ،,") for c in _SPEAKER_CUT.finditer(folded, start, ns)):
        return None  # "وحمل وزير الدفاع مرة أخرى إسرائيل": an adverbial before the name, which is the object
    word_start = max(start, folded.rfind(" ", 0, ns) + 1)
    prefix, words_before = folded[word_start:ns], folded[start:word_start].split()
    if not words_before and any(c in "لبك" for c in prefix):
        return None  # "وكان لترامب تغريدة": a name after a preposition is not the subject
    in_title = bool(words_before) and (prefix.endswith("ل") or (not prefix and words_before[-1] in _TITLE_NOUNS))
    if in_title and not commas:
        for ns2, ne2 in following[1:]:
            gap = folded[ne:ns2]
            if len(gap.split()) > _EXTEND_MAX_WORDS or any(c in gap for c in ":؛\"«»“”") or \
                    sum(c in "،," for c in gap) > 1 or any(w.strip("،,") in _NOT_VERB for w in gap.split()) or \
                    any(_LEADING_TIME.match(" " + w) for w in gap.split()):
                break
            ne = ne2
            break
    return (start, ne)


# A subject put before its verb after these ("لكن المسؤولين قالوا إن"، "إلا أن المرصد السوري أوضح أن").
_FRONTING = re.compile(r"(?:^|\s)(?:(?:و?لكن|الا\s+ان|فان|غير\s+ان|و?يذكر\s+ان|في\s+حين\s+ان|بيد\s+ان|اذ\s+ان|و?بينما|و?فيما|و?كان|و?كانت|"
                       # a quoted name may be in it: 'وكانت صحيفة "ذا تايمز" قد ذكرت'
                       r"و?كانوا)\s+(?P<np>[^\s،,:؛«»“”]+(?:\s+[^\s،,:؛«»“”]+){0,6}?)"
                       # after أما the subject may hold an apposition: "أما رئيس الوزراء الياباني، آبي فقال"
                       r"|و?اما\s+(?P<np2>[^\s:؛\"«»“”]+(?:\s+[^\s:؛\"«»“”]+){0,6}?))\s+(?:ف?قد\s+)?$")
_NOT_IN_FRONTED = frozenset({"الذي", "التي", "الذين", "ما", "من", "عن", "علي", "الي", "لم", "لا", "قد", "كان", "كانت", "هو", "هي",
                             "هم", "انه", "انها", "انهم", "ذلك", "هذا", "هذه"})


def _fronted_subject(folded: str, verb_at: int) -> tuple[int, int] | None:
    """The folded span of a subject that stands right before its speech verb after "لكن"، "إلا أن"، "فإن" ..."""
    fm = _FRONTING.search(folded, max(0, verb_at - 90), verb_at)
    if fm is None:
        return None
    g = "np" if fm.group("np") else "np2"
    words = fm.group(g).split()
    if any(w in _NOT_IN_FRONTED for w in words):
        return None
    return (fm.start(g), fm.end(g))


def _original(sent: str, offs: list[int], start: int, end: int) -> str:
    """The original text of a folded span, quotation marks dropped and spaces collapsed."""
    return " ".join(_QUOTE_MARKS.sub(" ", sent[offs[start]:offs[end - 1] + 1]).split())


def _bare(folded: str, span: tuple[int, int]) -> str:
    """A word without its conjunction ("وفر" -> "فر"; "وقال" -> "قال")."""
    w = folded[span[0]:span[1]]
    return w[1:] if len(w) > 2 and w[0] in "وف" else w


def _sentence_quotes(sent: str, folded: str, offs: list[int], last_speaker: str | None,
                     subject: tuple[int, int] | None = None,
                     names: list[tuple[int, int]] | None = None) -> list[tuple[str | None, str]]:
    """(speaker, text) of each quote in one sentence: every speech verb or participle outside quotation
    marks and outside an earlier quote's reported speech opens one. ``subject``: the folded span of the
    subject of the verb the sentence opens with, the speaker of a later speech verb that states none;
    ``names``: the folded spans of the names in the sentence."""
    quoted = [(q.start(), q.end()) for q in _QUOTED_SPAN.finditer(folded)]
    verbs = [m for m in _VERB_RE.finditer(folded)
             if not any(s < m.start() < e for s, e in quoted) and not _ATTRIBUTION.search(folded, max(0, m.start() - 14), m.start())
             and not _ANONYMITY.match(folded, m.end())
             and (m.group("verb") not in _STATEMENT_VERBS or folded.startswith(" في ", m.end()))
             and not (m.group("verb") and _NEGATION.search(folded, max(0, m.start() - 6), m.start()))
             and not (m.group("verb") == "يذكر" and _IMPERSONAL.match(folded, m.end()))]
    verbs = [m for k, m in enumerate(verbs) if not _in_speaker_relative(folded, verbs[:k], m)]
    found: list[tuple[str | None, int, int]] = []  # speaker, text start and end in the sentence (folded)
    content_from = len(folded) + 1  # where the first quote's content starts: finite verbs after it are inside
    for i, m in enumerate(verbs):
        limit = verbs[i + 1].start() if i + 1 < len(verbs) else len(folded)
        current = found[-1][0] if found else last_speaker
        if not found and subject is not None and subject[1] <= m.start():
            current = _original(sent, offs, *subject)
        if m.group("part"):
            if not found and names and (clause := _clause_subject(folded, m.start(), names)) is not None:
                current = _original(sent, offs, *clause).rstrip("،,")
            q = _participle_quote(folded, m, current)
        elif m.start() > content_from:
            continue  # a verb inside reported speech ("قال إن الوزير أكد أن ...") gives no second quote
        else:
            q = _verb_quote(sent, folded, offs, m, limit, current)
        if q is None:
            continue
        speaker, start, end = q
        if found and found[-1][2] > m.start():  # the previous quote's text ends where this one's verb is
            prev = found[-1]
            tail = _TEXT_TAIL.search(folded, 0, m.start())
            found[-1] = (prev[0], prev[1], tail.start() if tail else m.start())
        content_from = min(content_from, start)
        found.append((speaker, start, end))
    quotes: list[tuple[str | None, str]] = []
    for speaker, start, end in found:
        if end - start < 3:
            continue
        qtext = sent[offs[start] : offs[end - 1] + 1] if end <= len(offs) else sent[offs[start] :]
        qtext = _unwrap(qtext.strip())
        if qtext:
            quotes.append((speaker, qtext))
    return quotes


_NAME_MAX_WORDS = 3  # a closed quotation of at most this many words in a speaker phrase is a name or term
# A phrase that ends with a preposition (or its proclitic) before a quotation mark: the quotation is its object
# (على is left out: "أكد على \"...\"" is "أكد \"...\"").
_PREPOSITION_END = re.compile(r"(?:(?<![^\s])(?:الي|عن|في|من|مع|حول|بشان)\s*|(?<![^\s])[بل])$")
# A longer phrase after the verb is a clause, not its subject: a title and a name in apposition can be long
# ("المتحدث الرسمي باسم تحالف دعم الشرعية في اليمن، العقيد الركن تركي المالكي").
# Head nouns of a quoted name ('وكالة "رويترز"'، 'موقع "ويبو"'), and على/عبر before a medium ('على "تويتر"').
_NAME_HEAD_END = re.compile(r"(?<![^\s])[وفبل]?(?:ال)?(?:وكاله|صحيفه|قناه|موقع|محطه|شبكه|مجله|اذاعه|برنامج|حركه|جماعه|"
                            r"تنظيم|عمليه|شركه|منظمه|حزب|مجموعه|فصيل|ائتلاف|تحالف|كتله|قائمه|حمله|مبادره|"
                            r"مؤسسه|مركز|جمعيه|حساب|صفحه|وسم|هاشتاغ|علي|عبر)\s*$")
_SPEAKER_MAX_WORDS = 14
_TERM_LEAD_WORDS = 10  # words before a short quotation that make it a term of a clause
_TERM_MAX_WORDS = 2  # ... and one of at most this many after words that are no speaker is a term


def _pair_words(folded: str, at: int) -> int:
    """How many words the quotation opened by the mark at ``at`` holds (to its closing mark or the end)."""
    close = folded.find('"', at + 1)
    return len(folded[at + 1 : close if close > 0 else len(folded)].split())


def _first_long_pair(phrase: str, marks: list[int]) -> int:
    """The opening mark of the first closed pair longer than a term; of the last pair if none is."""
    for k in range(0, len(marks) - 1, 2):
        if len(phrase[marks[k] + 1 : marks[k + 1]].split()) > _TERM_MAX_WORDS:
            return marks[k]
    return marks[-2]


_PRONOUN_PARTICLE = re.compile(r"\s*(?:الي\s+)?ب?ان(?:ه|ها|هم|هما)(?![^\W\d_])")
_RELATIVE_END = re.compile(r"(?:^|\s)(?:الذي|التي|الذين)\s+$")
_NOT_IN_ANTECEDENT = frozenset({"في", "من", "عن", "علي", "الي", "مع", "بحسب", "حسب", "وفق", "وفقا", "بين", "ان", "هو",
                                "هي", "و", "او", "ما", "بعد", "قبل", "خلال", "منذ", "حتي", "لدي", "عند"})


def _antecedent(folded: str, at: int) -> tuple[int, int, bool] | None:
    """The noun phrase before a relative pronoun right before the verb at ``at`` ("للوكالة التي أشارت"): its
    folded span (a ل/ب proclitic on its first word left out) and whether the article's alif is to be restored
    ("للوكالة" -> "الوكالة"); None when no relative pronoun stands there or the phrase is no noun phrase."""
    rel = _RELATIVE_END.search(folded, max(0, at - 10), at)
    if rel is None:
        return None
    end = rel.start()
    words = list(re.finditer(r"[^\s]+", folded[max(0, end - 60):end]))
    base = max(0, end - 60)
    chosen: list[tuple[int, int]] = []
    for w in reversed(words[-4:]):
        text = w.group()
        if text in _NOT_IN_ANTECEDENT or not text.isalpha() or (len(text) > 2 and text[0] == "و" and chosen):
            break
        chosen.insert(0, (base + w.start(), base + w.end()))
        if text[0] in "لب" and len(text) > 3:
            break  # "للوكالة": the preposition opens the phrase
    if not chosen:
        return None
    a, b = chosen[0][0], chosen[-1][1]
    first = folded[a:chosen[0][1]]
    if first.startswith("لل") or first.startswith("بال"):
        return (a + 1 if first.startswith("لل") else a + 1, b, first.startswith("لل"))
    if first[0] in "لب" and len(first) > 3 and not first.startswith("ال"):
        return (a + 1, b, False)
    if not first.startswith("ال") and len(chosen) == 1:
        return None  # a lone word without the article is no named antecedent
    return (a, b, False)


def _opens_quotation(folded: str, after: int, stop_at: int, at_particle: bool) -> bool:
    """Whether a quotation mark right after the verb opens its content ('وتضيف "مازلت أشعر أنها ..."'), not
    a quoted name as its subject ('وقالت "قسد" إن ...'): it does when the quotation runs past the phrase's stop
    (an إن/أن inside the quoted words), or closes at the sentence's end with nothing after it."""
    lead = len(folded[after:stop_at]) - len(folded[after:stop_at].lstrip())
    mark = folded[after + lead : after + lead + 1]
    if mark not in _CLOSE:
        return False
    close_at = folded.find(_CLOSE[mark], after + lead + 1)
    if close_at < 0 or close_at >= stop_at:
        return True
    if at_particle:
        return False
    # narration may follow the closing mark ('وتابعت "الرئيس تحدث ..." حول ...'); a short quoted name
    # followed by more words is the subject ('أعلنت "أرض الصومال" موافقتها على ...')
    quoted = folded[after + lead + 1 : close_at].split()
    return not folded[close_at + 1 : stop_at].strip(" .،,؛!؟") or len(quoted) > _NAME_MAX_WORDS


# "يذكر أن ...": "it is recalled that", the writer's background, nobody's speech.
_IMPERSONAL = re.compile(r"\s+(?:ان|بان)(?![^\W\d_])")
# "ولم تذكر الحكومة أي شيء عن ...": a negated verb reports no speech.
_NEGATION = re.compile(r"(?:^|\s)[وف]?(?:لم|لن|لا)\s+$")
# "قال أحد المحررين في صحيفة ... التي يكتب بها فلان:": a verb with a pronoun back to the noun before it, in
# a relative clause of the speaker phrase ("التي تزعم مصادر أنها ..." is a verb of saying of its own)
_RELATIVE_BEFORE = re.compile(r"(?:^|\s)و?(?:الذي|التي|الذين|اللذين|اللتين|اللواتي|اللاتي)\s+$")
_RESUMPTIVE = re.compile(r"\s+(?:خلاله|خلالها|فيه|فيها|فيهم|به|بها|بهم|عنه|عنها|عنهم|عليه|عليها|عليهم|له|لها|لهم|منه|منها|منهم)(?=\s)")


def _in_speaker_relative(folded: str, earlier: list[re.Match[str]], m: re.Match[str]) -> bool:
    """Whether the verb ``m`` opens a relative clause inside the speaker phrase of the last finite verb before
    it: the phrase runs from that verb to ``m`` without reaching its stop (an إن/أن, a colon, a quote)."""
    if (not m.group("verb") or not _RELATIVE_BEFORE.search(folded, max(0, m.start() - 12), m.start())
            or not _RESUMPTIVE.match(folded, m.end())):
        return False
    prev = next((e for e in reversed(earlier) if e.group("verb")), None)
    if prev is None:
        return False
    stop = _SPEAKER_STOP.search(folded, prev.end())
    # (and outside a quotation opened between them)
    return stop is not None and stop.start() > m.start() and folded[prev.end():m.start()].count('"') % 2 == 0


_CLAUSE_WINDOW = 160  # characters before a participle searched for its clause
# Where a clause of its own starts inside a sentence: after a comma or a relative pronoun.
_CLAUSE_START = re.compile(r"(?:[،,]|(?<![^\s])(?:الذي|التي|الذين))\s+(?=\S)")


def _clause_subject(folded: str, at: int, names: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The named subject of the clause whose verb a participle at ``at`` goes with, when the name ends right
    before it ("الأمر الذي ردت عليه ميركل مؤكدة أن"، "فرد الرئيس المكسيكي، إنريكي بينيا نييتو، قائلا إن"):
    the participle says what that subject said, not the sentence's first subject or the last speaker."""
    lo = max(0, at - _CLAUSE_WINDOW)  # a clause's verb and named subject stand close before the participle
    near = [n for n in names if lo <= n[0] and n[1] <= at]
    if not near:
        return None
    for cm in reversed(list(_CLAUSE_START.finditer(folded, lo, at))):
        c = cm.end()
        verb = re.match(r"\S+", folded[c:at])
        if verb is None or (cm.group()[0] in "،," and verb.group()[0] not in "وف"):
            continue  # after a comma, a clause of its own opens with و/ف and its verb ("، فرد الرئيس")
        bare = _bare(folded, (c, c + verb.end()))
        if bare.startswith("ال") or bare in _NOT_VERB or not bare.isalpha() or len(bare) < 2:
            continue
        start = _skip_spaces(folded, c + verb.end())
        resumptive = _RESUMPTIVE.match(folded, start - 1) if start > 0 else None
        if resumptive is not None:
            start = _skip_spaces(folded, resumptive.end())  # "ردت عليه ميركل"
        span = _subject_span(folded, start, near)
        if span is not None and not folded[span[1]:at].strip(" ،,") and not any(
                x.group().strip(" ،,") for x in _SPEAKER_CUT.finditer(folded, span[0], span[1])):
            return span  # (no adverbial inside: "غرد عبر تويتر" is no subject)
    return None


def _participle_quote(folded: str, m: re.Match[str], current: str | None) -> tuple[str | None, int, int] | None:
    c = _PART_CONTENT.match(folded, m.end())
    if c is None:
        return None
    if c.group("particle") is None:  # a colon or a quotation mark
        return _content_after(folded, c.end(), current)
    return (current, _skip_spaces(folded, c.end()), len(folded))


def _skip_spaces(s: str, at: int) -> int:
    while at < len(s) and s[at].isspace():
        at += 1
    return at


def _content_after(folded: str, at: int, speaker: str | None) -> tuple[str | None, int, int] | None:
    """The quotation starting at ``at``: a closed pair, else an unclosed opening mark to the sentence's end."""
    rest = folded[at:]
    qm = _QUOTE_RE.search(rest)
    if qm is not None and not rest[: qm.start()].strip(" :"):
        g = next(j for j in (1, 2, 3) if qm.group(j))
        return (speaker, at + qm.start(g), at + qm.end(g))
    om = _OPEN_QUOTE.match(rest.lstrip(" :"))
    if om is not None:
        lead = len(rest) - len(rest.lstrip(" :"))
        return (speaker, at + lead + om.start("rest"), len(folded.rstrip(" .\"»”")))
    return None


def _verb_quote(sent: str, folded: str, offs: list[int], m: re.Match[str], limit: int,
                current: str | None) -> tuple[str | None, int, int] | None:
    after = m.end()
    stop = _SPEAKER_STOP.search(folded, after)
    stop_at = stop.start() if stop else len(folded)
    if stop_at > limit:
        return None  # no content before the next verb: "أعلن اعتقال ..." has a noun object, not speech
    phrase = folded[after:stop_at]
    at_particle = stop is not None and _PARTICLE_RE.match(folded, stop.start()) is not None
    if _opens_quotation(folded, after, stop_at, at_particle):
        phrase, stop_at = "", after  # the verb is followed directly by the quotation
    marks = [k for k, c in enumerate(phrase) if c == '"']
    # a phrase that ends with a closed pair at the sentence's end: the pair may be the quotation; before a colon
    # it is a name ('وقال الوزير في تصريح لوكالة "رويترز": "..."')
    ends_quoted = (phrase.rstrip(" .،,؛!؟").endswith('"') and not at_particle
                   and not folded.startswith(":", stop_at))
    inner_quote = long_lead = False
    if marks and (len(marks) % 2 == 1 or ends_quoted):
        # an unclosed quotation mark starts the quotation: the last one, since the pairs before it are
        # quoted names ('أعلنت مليشيا "قوات سورية الديمقراطية"'، 'أحد مستخدمي موقع "ويبو" الصيني "..."')
        opening = marks[-1] if len(marks) % 2 == 1 else _first_long_pair(phrase, marks)
        if phrase[:opening].strip():
            stop_at = after + opening  # 'المسؤول "بدلا من ...': the quotation starts here
            phrase = folded[after:stop_at]
            # whether the quotation may be a term of the sentence: a long stretch of words before it
            inner_quote = True
            long_lead = len(phrase.split()) > _TERM_LEAD_WORDS
            if _PREPOSITION_END.search(phrase):
                return None  # a prepositional object in quotation marks ('أشار إلى "زيادة مقلقة"'): no speech
            if _NAME_HEAD_END.search(phrase) and _pair_words(folded, stop_at) <= _NAME_MAX_WORDS:
                return None  # a quoted name after its head noun ('بحسب وكالة "رويترز"'، 'على "تويتر"')
    of_article = False
    if m.group("verb") in _STATEMENT_VERBS:
        st = _STATEMENT_OF.match(phrase)
        if st is None:
            return None  # "جاء" and "ورد" are verbs of saying only in "جاء في بيان ل X أن"
        if st.group("who") is None:  # "جاء في بيانه أن": the current speaker's statement
            phrase, after = "", stop_at
        else:
            after = after + st.start("who")
            phrase = folded[after:stop_at]
            if phrase.startswith("ل"):  # "بيان للجيش" -> "الجيش"، "بيان لوزارة الدفاع" -> "وزارة الدفاع"
                after += 1
                phrase = phrase[1:]
                of_article = phrase.startswith("ل")
    relayed = _RELAYED.search(phrase)
    if relayed is None and m.group("verb") in _RELAYING_VERBS:
        relayed = _RELAYED_BY_VERB.search(phrase)
    if relayed is not None:  # relayed speech: the source is the speaker
        after = after + relayed.start("source")
        phrase = folded[after : after + len(relayed.group("source"))]
    resumptive = _RESUMPTIVE.match(phrase)
    if (resumptive is not None and phrase[resumptive.end():].strip()
            and not (m.group("verb") in _RELAYING_VERBS and resumptive.group().strip().startswith("عن"))):
        # ("ونقلت عنه الوكالة قوله": relayed from him, the one the pronoun refers to, as before)
        # "الذي أكدت فيه الحكومة أن"، "وقالت عنه المجلة إن": the pronoun refers back, the subject follows it
        after += resumptive.end()
        phrase = phrase[resumptive.end():]
    lead_time = _LEADING_TIME.match(phrase)
    if lead_time is not None and phrase[lead_time.end():].strip():
        # "أعلنت الاثنين مجموعة ليما أن": the day stands between the verb and its subject
        after += lead_time.end()
        phrase = phrase[lead_time.end():]
    cut = _speaker_cut(phrase, 0, sent, offs, after)
    if cut is not None:
        phrase = phrase[: _apposition_end(phrase, cut, sent, offs, after) or cut.start()]
    if _NOT_SPEAKER_START.match(phrase.strip()):
        phrase = ""
    words = phrase.strip().strip("\"«»“” ").strip()
    if words and words.split()[0] in _NOT_SPEAKER_WORD:
        words = ""
    trail = _TRAILING_PARTICIPLE.search(phrase)
    if words and trail is not None and trail.start() > 0:
        phrase = phrase[: trail.start()]  # "تشارلز مازحا": the manner of saying is not the speaker
        words = phrase.strip().strip("\"«»“” ").strip()
    speaker: str | None = None
    if words and len(words.split()) <= _SPEAKER_MAX_WORDS and words not in _PRONOUNS:
        lead = len(phrase) - len(phrase.lstrip(" \"«»“”"))
        tail = len(phrase.rstrip(" \"«»“”"))
        if tail > lead:
            # quote marks around a name inside the speaker ('لـ"قسد"') are dropped
            speaker = _original(sent, offs, after + lead, after + tail)
            # a proclitic left alone by a quotation mark after it ('المسؤول لـ"فرانس برس"') is no part of the name
            speaker = _LONE_PROCLITIC.sub("", speaker.replace("لـ ", "لـ")) or None
            if of_article and speaker:
                speaker = "ا" + speaker  # the article's alif, dropped after the preposition ("للجيش")
    stated = speaker is not None
    author = None
    if not words:
        author = (_STATEMENT_BEFORE.search(folded, max(0, m.start() - 120), m.start())
                  or _ISSUER_BEFORE.search(folded, max(0, m.start() - 120), m.start()))
    if speaker is None and author is not None:
        # 'نشرت المجلة بيانا لمونفس يقول فيه إن'، 'تصريحات للمرشد علي خامنئي، قال فيها': the statement's author
        # (and the issuer's: 'وأصدر البرنامج بيانا، الجمعة، قال إن'); after لـ the article's alif is restored
        a, b = author.span("who")
        restore = author.re is _STATEMENT_BEFORE and folded[a] == "ل"
        speaker = ("ا" if restore else "") + _original(sent, offs, a, b)
    if (speaker is None and not words and phrase.strip() not in ("عنه", "عنها", "عنهم")
            and not _PRONOUN_PARTICLE.match(folded, stop_at) and (ante := _antecedent(folded, m.start())) is not None):
        # "وفقا للوكالة التي أشارت إلى أن": the relative clause's verb says what its antecedent said (not in
        # "الليرة التي قال عنها"، "الأهداف التي قالت إنها إيرانية", where the antecedent is what is spoken of)
        a, b, restore = ante
        speaker = ("ا" if restore else "") + _original(sent, offs, a, b)
    if speaker is None and not words and (front := _fronted_subject(folded, m.start())) is not None:
        # "لكن السفارة الروسية في لندن قالت إن": the subject comes first ("أما فرنسا، فرأت": without its comma)
        speaker = _original(sent, offs, *front).rstrip("،,")
    if speaker is None and (m.group("verb") in _CONTINUATION or not words):
        speaker = current  # no stated subject: the previous speaker goes on
    pm = _PARTICLE_RE.match(folded, stop_at) if stop_at < len(folded) else None
    if pm is not None:
        if pm.end() >= len(folded) - 8:
            return None
        return (speaker, _skip_spaces(folded, pm.end()), len(folded))
    q = _content_after(folded, stop_at, speaker)
    if (q is not None and inner_quote and (long_lead or not stated)
            and len(folded[q[1]:q[2]].split()) <= _TERM_MAX_WORDS):
        # a short quotation after words that name no speaker, or after a whole clause, is a term in the
        # sentence ('تكشف عن معلومة جديدة بقضية "الجاسوس الروسي"'، '... إضافة إلى "الاختفاء القسري"')
        return None
    return q


# Words after which "عن" continues the speaker's description instead of starting an adverbial.
_DESCRIBED_BY = re.compile(r"(?:^|\s)(?:ال)?(?:صادر|صادره|دفاع|بالدفاع|مسؤول|مسؤوله|مسؤولون|مسؤولين|نيابه|المدافعين|"
                           r"المدافعه|ممثل|ممثلون|ممثلي|المنبثقه|المنبثق)\s*$")
_STATEMENT_VERBS = frozenset({"جاء", "ورد"})
_STATEMENT_NOUNS = r"(?:ال)?(?:بيان|تقرير|رساله|تصريح|تصريحات|كلمه|خطاب|تغريده|منشور|وثيقه|مذكره)"
_STATEMENT_OF = re.compile(rf"\s*في\s+(?:{_STATEMENT_NOUNS}(?:ه|ها|هم)\s*$|{_STATEMENT_NOUNS}\s+"
                           # an adjective may stand before the author ("في البيان الختامي للقمة")
                           r"(?:ال(?!صادر)\S+\s+(?=ل))?(?:(?:ال)?(?:صادر|صادره)\s+عن\s+)?(?P<who>\S.*))")
_STATEMENT_BEFORE = re.compile(rf"(?:^|\s)(?:{_STATEMENT_NOUNS}|بيانا|تصريحا|مقالا|تسجيلا|منشورا)\s+ل"
                               r"(?P<who>[^\s،,:؛\"«»“”]+(?:\s+[^\s،,:؛\"«»“”]+){0,4}?)[،,]?\s+$")
# "وأصدر برنامج الغذاء بيانا، الجمعة، قال إن": who issued the statement says what it says.
_ISSUER_BEFORE = re.compile(r"(?:^|\s)[وف]?(?:اصدر|اصدرت|نشر|نشرت|بث|بثت|وزع|وزعت)\s+"
                            r"(?P<who>[^\s،,:؛\"«»“”]+(?:\s+[^\s،,:؛\"«»“”]+){0,4}?)\s+"
                            r"(?:بيانا|تقريرا|تصريحا|رساله|تغريده|منشورا)(?=[\s،,])")
_TIME_WORDS = rf"(?:يوم\s+)?(?:{_DAYS}|اليوم|امس|مساء|صباح)"
_LEADING_TIME = re.compile(rf"\s*{_TIME_WORDS}(?:\s+{_TIME_WORDS})?(?=\s)")
_LONE_PROCLITIC = re.compile(r"\s+(?:لـ?|بـ?)$")
_ACRONYM = re.compile(r"[^()\d،,:]{2,30}\)")


def _speaker_cut(phrase: str, pos: int, sent: str, offs: list[int], base: int) -> re.Match[str] | None:
    """The first cut of the speaker phrase at or after ``pos``. Folding writes the preposition على and the
    name علي alike; the name ("قائد اللواء علي صالح الكليبي") is no cut, told apart in the original text."""
    while (cut := _SPEAKER_CUT.search(phrase, pos)) is not None:
        word = phrase[cut.start():cut.end()].strip()
        if word == "(" and (acr := _ACRONYM.match(phrase, cut.end())) is not None:
            pos = acr.end()  # "وكالة الأنباء الرسمية (سانا)": the name's short form is part of it
            continue
        if word == "عن" and _DESCRIBED_BY.search(phrase, 0, cut.start()):
            pos = cut.end()  # "بيان صادر عن الحزب"، "محامي الدفاع عن المتهمين": a description, part of the name
            continue
        if word == "علي":
            at = base + cut.end() - len(word)  # where the word starts (the match may open with spaces)
            if sent[offs[at]:offs[at + 2] + 1] == "علي":
                pos = cut.end()
                continue
        return cut
    return None


def _apposition_end(phrase: str, cut: re.Match[str], sent: str, offs: list[int], base: int) -> int | None:
    """Where an apposition after the phrase's first comma ends, when it is part of the speaker; else None."""
    if not phrase[: cut.start()].strip() or phrase[cut.start():cut.end()].strip() not in ("،", ","):
        return None
    start = cut.end()  # right after the comma
    nxt = _speaker_cut(phrase, start, sent, offs, base)
    end = nxt.start() if nxt is not None else len(phrase)
    words = phrase[start:end].strip().strip("\"«»“” ").split()
    if not 1 <= len(words) <= _APPOSITION_MAX_WORDS or words[0] in _NOT_APPOSITION_START:
        return None
    if any(c.isdigit() for c in words[0]):
        return None  # "ايموجين تيرهارن، 28 سنة": an age, not a title
    if nxt is not None and not _APPOSITION_ENDS.match(phrase[nxt.start():].strip()):
        return None  # "اللواء جميل الشمري، المسؤول عن العمليات ...": a description that goes on
    return len(phrase[:end].rstrip())


_CLOSE = {"\"": "\"", "«": "»", "“": "”"}


def _unwrap(q: str) -> str:
    """'"الهجوم أظهر ..."' -> 'الهجوم أظهر ...' when the whole reported speech is one quotation."""
    if q[:1] in _CLOSE:
        body = q.rstrip(" .،,؛!؟")
        close = _CLOSE[q[0]]
        if body.endswith(close) and body.count(close) == (2 if close == "\"" else 1):
            return body[1:-1].strip()
    return q
