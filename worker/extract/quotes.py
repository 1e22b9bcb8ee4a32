"""Quotes with their speakers.

Contract: ``find_quotes(text, sentence_spans=None) -> list[Quote]``; pure.

Per sentence: a speech verb (قال، أكد، أعلن، أشار، أضاف، صرح، ذكر، أوضح، تابع، شدد ...; with و/ف) followed by
the speaker (up to "إن/أن", a colon, a quote mark, a comma or "في بيان") and the quoted text: «...», "..."
or reported speech introduced by "إن"/"أن" to the end of the sentence. When the verb is followed
directly by the quote or "إن" ("وأضاف: ..."، "وتابع أن ..."), the speaker of the previous quote is carried.
A speaker that is only a pronoun-like word is dropped (``speaker=None``).
"""

from __future__ import annotations

import re
from bisect import bisect_left

from worker.document import Quote
from worker.extract.normalize import fold_with_offsets
from worker.extract.tokens import sentences

__all__ = ["find_quotes", "SPEECH_VERBS", "PARTICIPLES"]

SPEECH_VERBS = (
    "قال قالت قالوا أكد أكدت أكدوا أعلن أعلنت أشار أشارت أضاف أضافت صرح صرحت ذكر ذكرت أوضح أوضحت تابع تابعت "
    "شدد شددت اعتبر اعتبرت لفت لفتت كشف كشفت أفاد أفادت نقل نقلت نقلوا أردف أردفت زعم زعمت رأى رأت أورد أوردت "
    # the guidelines count a verb of saying "in any tense or person"
    "يقول تقول يقولون يؤكد تؤكد يضيف تضيف يشير تشير يوضح توضح يعتبر تعتبر يرى ترى يذكر تذكر يكشف تكشف "
    "يفيد تفيد يزعم تزعم"
)
# Participles and verbal nouns of saying open a quote of their own ("مضيفا أن" after a quote starts a new one)
# whose speaker is the sentence's (or the text's) current one.
PARTICIPLES = "قائلا قائلة مضيفا مضيفة مشيرا مشيرة مؤكدا مؤكدة مشددا مشددة لافتا لافتة موضحا موضحة معتبرا معتبرة بالقول"
_VERBS_F = sorted({fold_with_offsets(v)[0] for v in SPEECH_VERBS.split()}, key=len, reverse=True)
_PARTS_F = sorted({fold_with_offsets(v)[0] for v in PARTICIPLES.split()}, key=len, reverse=True)
_VERB_RE = re.compile(rf"(?<![^\s\"'«(،,.:])[وف]?(?:(?P<verb>{'|'.join(_VERBS_F)})|(?P<part>{'|'.join(_PARTS_F)}))"
                      r"(?![^\W\d_])")
# "كما يقول"، "وفق ما ذكر": an attribution after the content, not a quote.
_ATTRIBUTION = re.compile(r"(?:^|\s)(?:ك?ما|حسبما|بحسب ما|وفق ما|وفقا لما)\s*$")
_PARTICLE = r"(?<![^\s\"«“])(?:ان|انه|انها|انهم|بان|بانه|بانها)(?![^\W\d_])"
# The speaker phrase ends at the reported-speech particle, a colon or an opening quote after text.
_SPEAKER_STOP = re.compile(rf"{_PARTICLE}|:|(?<=\S)\s*[«“]|$")
# Where a participle's content starts: "قائلا إن"، "مشيرا إلى أن"، "مضيفا: «...»".
_PART_CONTENT = re.compile(rf"\s*(?:الي\s+)?(?:(?P<particle>{_PARTICLE})|:|(?=[«“\"]))")
# Statement and time nouns after "في": an adverbial ("في بيان"، "في وقت سابق"), not the speaker's place
# ("مصدر في وزارة الصحة" keeps it, as the guidelines' whole subject noun phrase).
_FI_ADVERBIAL = (
    r"في\s+(?:بيان|بيانه|بيانها|تصريح|تصريحات|تصريحه|تصريحها|مؤتمر|حديث|حديثه|حديثها|كلمه|كلمته|كلمتها|"
    r"مقابله|رساله|تغريده|تغريدات|خطاب|خطابه|اتصال|لقاء|منشور|تقرير|تقريره|تقريرها|وقت|ساعه|ساعات|مطلع|"
    r"ختام|اعقاب|معرض|سياق|رد|رده|ردها|حوار|تعليق|تعليقات|اجتماع|جلسه|مقال|شهاده|تسجيل|فيديو|مقطع|صفحته|"
    r"صفحتها|حسابه|حسابها|موقعه|موقعها|نهايه|بدايه|اليوم|الوقت|الساعات|المؤتمر|البيان|الاجتماع|الجلسه|عددها|"
    r"عدده|ذلك|هذا|هذه)"
)
# Inside the speaker phrase, cut at a comma or a circumstantial phrase ("في بيان"، "لوكالة ...").
_SPEAKER_CUT = re.compile(
    rf"\s*(?:[،,(]|(?<![^\s])(?:{_FI_ADVERBIAL}|خلال|عبر|امام|علي|لوكاله|لوكالات|لقناه|لصحيفه|لموقع|لشبكه|"
    r"لشبكتنا|لمراسل|لمراسلنا|"
    r"لرويترز|لفرانس|لمحكمه|لمجله|لتلفزيون|لاذاعه|الي|عن|يوم|اليوم|امس|صباح|مساء|"
    r"الاحد|الاثنين|الثلاثاء|الاربعاء|الخميس|الجمعه|السبت|ايضا|كذلك|التي|الذي|الذين|اللذين|اللتين|"
    r"بدوره|بدورها|حينها|انذاك|بعد|عقب|قبل|اثر|حين|حينما|عندما|منذ|كما|ومقره|ومقرها|وهو|وهي|"
    # the audience or medium addressed ("جونسون لنواب البرلمان"، "مصادر لبي بي سي") is not the speaker
    r"لاعضاء|لنواب|للنواب|لبرنامج|للصحفيين|للصحافيين|لصحفيين|للصحافه|لوسائل|للمراسلين|لسكاي|لبي|للبي|"
    r"للجزيره|للعربيه|للتلفزيون|للاذاعه)(?=[\s،,.:؛]|$))"
)
# Relayed speech goes to the source: "قالت الوكالة نقلا عن مصادر"، "نقلت الوكالة عن الوزير قوله".
_RELAYED = re.compile(r"(?:^|\s)(?:نقلا\s+)?عن\s+(?P<source>.+?)(?:\s+(?:قوله|قولها|قولهم))?\s*$")
# An apposition after the first comma names the speaker ("وزير الطاقة الإسرائيلي، يوفال شتاينتز، إن"):
# kept when it is short and runs straight into the reported-speech particle or a second comma.
_APPOSITION = re.compile(r"\s*[،,]\s*((?:[^\s،,:\"«»“”]+\s+){0,3}[^\s،,:\"«»“”]+)\s*[،,]?\s*$")
# A speaker phrase never starts with a pronoun object or a participle of saying.
_NOT_SPEAKER_START = re.compile(r"^(?:به|له|لها|لهم|بالقول|قائلا|قائله|مضيفا|مضيفه|مشيرا|مشيره|موضحا|مؤكدا|مؤكده|معتبرا|لافتا)(?:\s|$)")
_TRAILING_PARTICIPLE = re.compile(
    r"\s+(?:قوله|قولها|قولهم|قائلا|قائله|مازحا|ساخرا|مضيفا|مضيفه|مشيرا|مشيره|موضحا|مؤكدا|مؤكده|معتبرا|لافتا|محذرا|متسائلا)(?:\s|$)")
_CONTINUATION = {"اضاف", "اضافت", "تابع", "تابعت", "اردف", "اردفت", "يضيف", "تضيف"}
_PRONOUNS = {"", "انه", "انها", "ايضا", "هو", "هي", "في", "ان", "ذلك", "كذلك", "المصدر"}
# A speaker phrase never starts with a preposition+pronoun, a particle or a bare preposition: such a
# phrase is a fragment of the verb's complement ("عنها"، "نقلا عن"), and the verb has no stated subject.
_NOT_SPEAKER_WORD = {"عنها", "عنه", "عنهم", "علي", "منها", "منه", "لها", "له", "لهم", "فيها", "فيه",
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
) -> list[Quote]:
    """Quotes in ``text`` (see module docstring); ``folded`` = ``fold_with_offsets(text)`` if at hand."""
    if not text:
        return []
    spans = sentence_spans if sentence_spans is not None else sentences(text)
    out: list[Quote] = []
    last_speaker: str | None = None
    whole, whole_offs = folded if folded is not None else fold_with_offsets(text)
    verb_at = [m.start() for m in _VERB_RE.finditer(whole)]
    if not verb_at:
        return []
    for a, b in spans:
        fa, fb = bisect_left(whole_offs, a), bisect_left(whole_offs, b)
        k = bisect_left(verb_at, fa)
        if k >= len(verb_at) or verb_at[k] >= fb:
            continue  # no speech verb in this sentence
        sent = text[a:b]
        fsent = whole[fa:fb]
        offs = [o - a for o in whole_offs[fa:fb]]
        found = _sentence_quotes(sent, fsent, offs, last_speaker)
        for speaker, qtext in found:
            if speaker:
                last_speaker = speaker
            out.append(Quote(speaker=speaker, text=qtext))
    return out


def _sentence_quotes(sent: str, folded: str, offs: list[int], last_speaker: str | None,
                     ) -> list[tuple[str | None, str]]:
    """(speaker, text) of each quote in one sentence: every speech verb or participle outside quotation
    marks and outside an earlier quote's reported speech opens one."""
    quoted = [(q.start(), q.end()) for q in _QUOTED_SPAN.finditer(folded)]
    verbs = [m for m in _VERB_RE.finditer(folded)
             if not any(s < m.start() < e for s, e in quoted) and not _ATTRIBUTION.search(folded, max(0, m.start() - 14), m.start())]
    found: list[tuple[str | None, int, int]] = []  # speaker, text start and end in the sentence (folded)
    content_from = len(folded) + 1  # where the first quote's content starts: finite verbs after it are inside
    for i, m in enumerate(verbs):
        limit = verbs[i + 1].start() if i + 1 < len(verbs) else len(folded)
        current = found[-1][0] if found else last_speaker
        if m.group("part"):
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
    if phrase.lstrip()[:1] in ("\"", "«", "“") and not at_particle:
        phrase, stop_at = "", after  # the verb is followed directly by the quotation
    inner = phrase.strip().find('"')
    ends_quoted = phrase.rstrip(" .،,؛!؟").endswith('"') and not at_particle
    if inner > 0 and (phrase.count('"') % 2 == 1 or ends_quoted):
        # an unclosed quotation mark starts the quotation; a closed pair inside the phrase is a
        # quoted name ('أعلنت مليشيا "قوات سورية الديمقراطية"'، 'المركز الإعلامي لـ"قسد"')
        stop_at = after + phrase.find('"')  # 'المسؤول "بدلا من ...': the quotation starts here
        phrase = folded[after:stop_at]
    relayed = _RELAYED.search(phrase)
    if relayed is not None:  # relayed speech: the source is the speaker
        after = after + relayed.start("source")
        phrase = folded[after : after + len(relayed.group("source"))]
    cut = _SPEAKER_CUT.search(phrase)
    if cut is not None:
        appo = _APPOSITION.match(phrase, cut.start()) if (
            phrase[: cut.start()].strip() and phrase[cut.start():].lstrip()[:1] in "،,") else None
        if appo is not None and _SPEAKER_CUT.search(" " + appo.group(1) + " "):
            appo = None  # "، أمس،": a time or place, not a name
        phrase = phrase[: appo.end(1)] if appo else phrase[: cut.start()]
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
    if words and len(words.split()) <= 10 and words not in _PRONOUNS:
        lead = len(phrase) - len(phrase.lstrip(" \"«»“”"))
        tail = len(phrase.rstrip(" \"«»“”"))
        if tail > lead:
            # quote marks around a name inside the speaker ('لـ"قسد"') are dropped
            speaker = " ".join(_QUOTE_MARKS.sub(" ", sent[offs[after + lead] : offs[after + tail - 1] + 1]).split())
            speaker = speaker.replace("لـ ", "لـ") or None
    if speaker is None and (m.group("verb") in _CONTINUATION or not words):
        speaker = current  # no stated subject: the previous speaker goes on
    pm = _PARTICLE_RE.match(folded, stop_at) if stop_at < len(folded) else None
    if pm is not None:
        if pm.end() >= len(folded) - 8:
            return None
        return (speaker, _skip_spaces(folded, pm.end()), len(folded))
    return _content_after(folded, stop_at, speaker)


_CLOSE = {"\"": "\"", "«": "»", "“": "”"}


def _unwrap(q: str) -> str:
    """'"الهجوم أظهر ..."' -> 'الهجوم أظهر ...' when the whole reported speech is one quotation."""
    if q[:1] in _CLOSE:
        body = q.rstrip(" .،,؛!؟")
        close = _CLOSE[q[0]]
        if body.endswith(close) and body.count(close) == (2 if close == "\"" else 1):
            return body[1:-1].strip()
    return q
