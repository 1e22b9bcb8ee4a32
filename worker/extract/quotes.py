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

__all__ = ["find_quotes", "SPEECH_VERBS"]

SPEECH_VERBS = (
    "قال قالت قالوا أكد أكدت أكدوا أعلن أعلنت أشار أشارت أضاف أضافت صرح صرحت ذكر ذكرت أوضح أوضحت تابع تابعت "
    "شدد شددت اعتبر اعتبرت لفت لفتت كشف كشفت أفاد أفادت نقل أردف أردفت زعم زعمت رأى رأت"
)
_VERBS_F = sorted({fold_with_offsets(v)[0] for v in SPEECH_VERBS.split()}, key=len, reverse=True)
_VERB_RE = re.compile(rf"(?<![^\s\"'«(،,.:])[وف]?(?P<verb>{'|'.join(_VERBS_F)})(?![^\W\d_])")
_PARTICLE = r"(?<![^\s\"«“])(?:ان|انه|انها|انهم|بان|بانه|بانها)(?![^\W\d_])"
# The speaker phrase ends at the reported-speech particle, a colon or an opening quote after text.
_SPEAKER_STOP = re.compile(rf"{_PARTICLE}|:|(?<=\S)\s*[«“]|$")
# Inside the speaker phrase, cut at a comma or a circumstantial phrase ("في بيان"، "لوكالة ...").
_SPEAKER_CUT = re.compile(
    r"\s*(?:[،,(]|(?<![^\s])(?:في|خلال|عبر|امام|علي|لوكاله|لوكالات|لقناه|لصحيفه|لموقع|لشبكه|لشبكتنا|لمراسل|لمراسلنا|"
    r"لرويترز|لفرانس|لمحكمه|لمجله|لتلفزيون|لاذاعه|الي|عن|يوم|اليوم|امس|صباح|مساء|"
    r"الاحد|الاثنين|الثلاثاء|الاربعاء|الخميس|الجمعه|السبت|ايضا|كذلك|التي|الذي|الذين|اللذين|اللتين|"
    r"بدوره|بدورها|حينها|انذاك)(?:\s|$))"
)
# An apposition after the first comma names the speaker ("وزير الطاقة الإسرائيلي، يوفال شتاينتز، إن"):
# kept when it is short and runs straight into the reported-speech particle or a second comma.
_APPOSITION = re.compile(r"\s*[،,]\s*((?:[^\s،,:\"«»“”]+\s+){0,3}[^\s،,:\"«»“”]+)\s*[،,]?\s*$")
# A speaker phrase never starts with a pronoun object or a participle of saying.
_NOT_SPEAKER_START = re.compile(r"^(?:به|له|لها|لهم|قائلا|قائله|مضيفا|مضيفه|مشيرا|مشيره|موضحا|مؤكدا|مؤكده|معتبرا|لافتا)(?:\s|$)")
_TRAILING_PARTICIPLE = re.compile(
    r"\s+(?:قائلا|قائله|مازحا|ساخرا|مضيفا|مضيفه|مشيرا|مشيره|موضحا|مؤكدا|مؤكده|معتبرا|لافتا|محذرا|متسائلا)(?:\s|$)")
_CONTINUATION = {"اضاف", "اضافت", "تابع", "تابعت", "اردف", "اردفت"}
_PRONOUNS = {"", "انه", "انها", "ايضا", "هو", "هي", "في", "ان", "ذلك", "كذلك", "المصدر", "البيان"}
# A speaker phrase never starts with a preposition+pronoun, a particle or a bare preposition: such a
# phrase is a fragment of the verb's complement ("عنها"، "نقلا عن"), and the verb has no stated subject.
_NOT_SPEAKER_WORD = {"عنها", "عنه", "عنهم", "علي", "نقلا", "منها", "منه", "لها", "له", "لهم", "فيها", "فيه",
                     "الي", "من", "عن", "مع", "بان", "بانه", "بانها", "ما", "ان", "انه", "انها", "الذي", "التي"}
_QUOTE_MARKS = re.compile("[\"«»“”]")
_QUOTE_RE = re.compile(r"«([^»]{3,})»|\"([^\"]{3,})\"|“([^”]{3,})”")
_PARTICLE_RE = re.compile(_PARTICLE)


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
        folded = whole[fa:fb]
        offs = [o - a for o in whole_offs[fa:fb]]
        m = _VERB_RE.search(folded)
        if not m:
            continue
        after = m.end()
        stop = _SPEAKER_STOP.search(folded, after)
        stop_at = stop.start() if stop else len(folded)
        phrase = folded[after:stop_at]
        cut = _SPEAKER_CUT.search(phrase)
        if cut is not None:
            appo = _APPOSITION.match(phrase, cut.start()) if (
                phrase[: cut.start()].strip() and phrase[cut.start():].lstrip()[:1] in "،,") else None
            if appo is not None and _SPEAKER_CUT.search(" " + appo.group(1) + " "):
                appo = None  # "، أمس،": a time or place, not a name
            phrase = phrase[: appo.end(1)] if appo else phrase[: cut.start()]
        speaker: str | None = None
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
        if _NOT_SPEAKER_START.match(phrase.strip()):
            phrase, stop_at = "", after
        words = phrase.strip().strip("\"«»“” ").strip()
        if words and words.split()[0] in _NOT_SPEAKER_WORD:
            words = ""
        trail = _TRAILING_PARTICIPLE.search(phrase)
        if words and trail is not None and trail.start() > 0:
            phrase = phrase[: trail.start()]  # "تشارلز مازحا": the manner of saying is not the speaker
            words = phrase.strip().strip("\"«»“” ").strip()
        if words and len(words.split()) <= 10 and words not in _PRONOUNS:
            lead = len(phrase) - len(phrase.lstrip(" \"«»“”"))
            tail = len(phrase.rstrip(" \"«»“”"))
            if tail > lead:
                # quote marks around a name inside the speaker ('لـ"قسد"') are dropped
                speaker = " ".join(_QUOTE_MARKS.sub(" ", sent[offs[after + lead] : offs[after + tail - 1] + 1]).split())
                speaker = speaker.replace("لـ ", "لـ") or None
        if speaker is None and (m.group("verb") in _CONTINUATION or not words):
            speaker = last_speaker  # no stated subject: the previous speaker goes on
        qtext: str | None = None
        pm = _PARTICLE_RE.search(folded, after)
        rest = sent[offs[stop_at] :] if stop_at < len(offs) else ""
        qm = _QUOTE_RE.search(rest) if (pm is None or pm.start() != stop_at) else None
        if qm:
            qtext = next(g for g in qm.groups() if g)
        elif pm is not None and pm.end() < len(folded) - 8:
            qtext = sent[offs[pm.end()] :].strip()
        if not qtext:
            continue
        qtext = _unwrap(qtext.strip())
        if speaker:
            last_speaker = speaker
        out.append(Quote(speaker=speaker, text=qtext.strip()))
    return out


_CLOSE = {"\"": "\"", "«": "»", "“": "”"}


def _unwrap(q: str) -> str:
    """'"الهجوم أظهر ..."' -> 'الهجوم أظهر ...' when the whole reported speech is one quotation."""
    if q[:1] in _CLOSE:
        body = q.rstrip(" .،,؛!؟")
        close = _CLOSE[q[0]]
        if body.endswith(close) and body.count(close) == (2 if close == "\"" else 1):
            return body[1:-1].strip()
    return q
