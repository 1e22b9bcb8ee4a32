"""Named entities (PER/ORG/LOC/FAC) for one article: title and body, with offsets and canonical names.

How a mention is found:
1. the CRF (:mod:`worker.extract.ner.tagger`) tags all sentences of the article in BIO, spans are
   tidied, then names found once are propagated to their other mentions in the article;
2. curated gazetteer names and country names override or add spans (they know "قسد" is an ORG and
   that "قوات سوريا الديمقراطية" is one ORG, not a LOC inside words);
3. rules where rules win (:mod:`worker.extract.ner.rules`): "سجن/مخيم/مطار X" is a FAC,
   "حركة/وزارة/محكمة X" an ORG, "الجيش/الحكومة + nationality adjective" an ORG; titles are cut off
   persons, bare nationality adjectives and generic nouns are dropped;
4. attached proclitics (و ف ب ل ك) are cut off the mention's start (not off a person's first word that
   only looks like one: "كوفي عنان", "بسام");
5. mentions in boilerplate lines ("اقرأ أيضا" teasers, a news app's footer) are dropped.
Then mentions are clustered per document: gazetteer aliases share the entry's canonical name, short
forms take the canonical of the longer mention they end ("مرسي" -> "محمد مرسي"), and an acronym in
brackets after a name is an alias of it ("قوات سوريا الديمقراطية (قسد)"; "أريزونا وتكساس" are two). A
mention takes a gazetteer entry's canonical only when it is that entry's name (not when the entry's name
only starts it: "أميركا الوسطى" is no United States, "ترامب مايكل كوهين" two people), two entries never
merge, a famous person's bare surname among bare given names needs evidence in the article (his full name,
or his country), and a run of hashtags is one name per tag. A kept ل proclitic is no part of a canonical
("للجيش السوري" -> "الجيش السوري").
LOC/FAC mentions get a place from :mod:`worker.extract.gazetteer.resolve`, read against the countries the
article points to; a GeoNames name the corpus mostly uses as a word is dropped when nothing here makes it
a place, and so are generic heads alone or with an adjective ("جمهورية", "قاعدة رئيسية").

Offsets are into the original ``title``/``body`` strings: ``text == source[start:end]``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from worker.document import Entity, Place
from worker.extract.gazetteer import GazEntry, get_gazetteer
from worker.extract.gazetteer.resolve import CITY_WORDS, PLACE_CUES, PLACE_TYPES, STATE_WORDS, get_resolver
from worker.extract.ner import get_entity_tagger
from worker.extract.ner.rules import (
    FAC_HEADS,
    LOC_HEADS,
    NAME_ADJ,
    Span,
    apply_gazetteer,
    apply_rules,
    clitic_readings,
    split_spans,
    stem,
    trim_span,
)
from worker.extract.ner.tagger import propagate, spans_from_bio, tidy
from worker.extract.normalize import fold
from worker.extract.tokens import Token, sentences, tokenize

__all__ = ["extract_entities"]

_DROP_TOKENS = frozenset("_#")


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
    prev: str = ""  # folded word before the mention ("" at a field's start)


def extract_entities(
    title: str,
    body: str,
    published: datetime | None = None,
    *,
    tokens: tuple[list[Token] | None, list[Token] | None] | None = None,
    sentences: tuple[list[tuple[int, int]] | None, list[tuple[int, int]] | None] | None = None,
) -> list[Entity]:
    """Return the entity mentions found in ``title`` and ``body`` (offsets into the original strings).

    ``published`` is accepted for interface symmetry with the other stages; entities do not use it.
    ``tokens`` / ``sentences`` may carry ``(title, body)`` results of
    :func:`worker.extract.tokens.tokenize` / :func:`~worker.extract.tokens.sentences` on these same
    strings when the caller already has them (the pipeline does): they are then not computed again.
    Either item may be None (computed here). The output is the same either way.
    """
    toks = tokens or (None, None)
    sents = sentences or (None, None)
    mentions, words = _document_mentions([(f, t, tk, sn) for f, t, tk, sn in
                                          (("title", title, toks[0], sents[0]), ("body", body, toks[1], sents[1]))
                                          if t and t.strip()])
    if body and _BOILERPLATE_HINT.search(body):
        skip = _boilerplate_ranges(body)
        mentions = [m for m in mentions if m.field != "body" or not any(a <= m.start < b for a, b in skip)]
    mentions = [m for m in mentions if not _generic(m)]
    _unify_types(mentions)
    _check_entries(mentions)
    votes, own = _country_votes(mentions, words)
    _assign_canonicals(mentions, {"title": title, "body": body}, votes)
    out = []
    for m in mentions:
        place = None
        if m.type in PLACE_TYPES:
            mine = own.get(m.key)
            e = _place_for(m, {cc: n - mine.get(cc, 0) for cc, n in votes.items()} if mine else votes)
            if e is _WORD:
                continue  # "بعد أن تاهوا": a verb, not Tahoua in Niger
            if e is not None:
                _take_place_name(m, e)
                place = Place(name_en=e.name_en or e.canonical, country=e.country, lat=e.lat, lon=e.lon,
                              geonameid=e.geonameid)
        out.append(Entity(text=m.text, type=m.type, canonical=m.canonical or m.text, start=m.start,
                          end=m.end, field=m.field, place=place))
    return out


def _take_place_name(m: _Mention, e: GazEntry) -> None:
    """A mention that kept its own form as canonical takes the name of the country, division or curated place
    it names itself ("المجر" -> "هنغاريا", "المملكة المغربية" -> "المغرب"); not that of a place found after a
    head ("مطار الحديدة" stays the airport) nor that of a GeoNames city (spellings vary)."""
    if e.source in ("country", "admin", "curated") and m.canonical == _display_name(m.text) and (
            e in get_resolver().candidates(m.key) or m.key.split(" ", 1)[0] in STATE_WORDS):
        m.canonical = e.canonical


# Lines that are not the article's text (guidelines: no entities there): a "read also" teaser for
# another story, a "for more:" link line, a news app's subscription footer.
_BOILERPLATE_HINT = re.compile("اقرأ|إقرأ|اقرا|للمزيد|إشعارات|اشعارات")
_BOILERPLATE_LINE = re.compile(
    r"^[\W_]*(?:(?:اقرأ|إقرأ|اقرا)\s+(?:أيضا|أيضاً|ايضا|المزيد)|للمزيد\s*:)|يمكنكم\s+استلام\s+(?:إشعارات|اشعارات)",
    re.M)


def _boilerplate_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of the boilerplate lines of ``text`` (see ``_BOILERPLATE_LINE``)."""
    out = []
    for m in _BOILERPLATE_LINE.finditer(text):
        a = text.rfind("\n", 0, m.start()) + 1
        b = text.find("\n", m.end())
        out.append((a, len(text) if b < 0 else b))
    return out


# --- per field ------------------------------------------------------------------------------------


def _tokenize(text: str) -> list[Token]:
    """:func:`worker.extract.tokens.tokenize`, with an empty fold replaced by the token's own text
    (the tagger's keys must not be empty)."""
    return [t if t.norm or t.kind == "punct" else _replace(t, t.text) for t in tokenize(text)]


def _replace(t: Token, norm: str) -> Token:
    return Token(t.text, t.start, t.end, t.kind, norm)


def _tokens(text: str, raw: list[Token] | None = None) -> tuple[list[Token], set[int]]:
    """Tokens for tagging: "_" and "#" dropped (hashtags read as words), "كاي-غوان" kept whole.

    ``raw`` may carry ``tokenize(text)`` already computed by the caller.
    Also returns the indexes of tokens that directly follow a "#" (a hashtag starts a new name).
    """
    after_hash: set[int] = set()
    raw = _tokenize(text) if raw is None else [t if t.norm or t.kind == "punct" else _replace(t, t.text)
                                                for t in raw]
    n_raw = len(raw)
    if "_" not in text and "#" not in text and "-" not in text:
        return raw, after_hash  # the usual case: nothing to drop or join
    toks: list[Token] = []
    k = 0
    while k < n_raw:
        t = raw[k]
        tt = t.text
        if tt in _DROP_TOKENS:
            if tt == "#":
                after_hash.add(len(toks))
            k += 1
            continue
        if (t.kind == "word" and k + 2 < n_raw and raw[k + 1].text == "-" and raw[k + 2].kind == "word"
                and raw[k + 1].start == t.end and raw[k + 2].start == raw[k + 1].end):
            end = raw[k + 2].end
            toks.append(Token(text[t.start:end], t.start, end, "word"))
            k += 3
            continue
        toks.append(t)
        k += 1
    return toks, after_hash


def _field_sentences(text: str, toks: list[Token], spans: list[tuple[int, int]] | None = None
                     ) -> list[tuple[int, int]]:
    """Token index ranges of the sentences of ``text`` (``spans``: ``sentences(text)`` if known)."""
    out = []
    k = 0
    starts = [t.start for t in toks]  # ascending: a sentence's tokens end where the next starts past it
    for _, end in (sentences(text) if spans is None else spans):
        a = k
        k = bisect_left(starts, end, k)
        if k > a:
            out.append((a, k))
    if k < len(toks):
        out.append((k, len(toks)))
    return out


def _document_mentions(
    fields: list[tuple[str, str, list[Token] | None, list[tuple[int, int]] | None]],
) -> tuple[list[_Mention], set[str]]:
    """Tag all sentences of the document in one batch, propagate names found, then apply rules.
    Also returns the document's folded words."""
    prepared = []
    batch: list[list[str]] = []
    for field, text, raw, spans in fields:
        toks, after_hash = _tokens(text, raw)
        keys = [n.lower() if n.isascii() else n for n in [t.norm for t in toks]]
        ranges = _field_sentences(text, toks, spans)
        prepared.append((field, text, toks, after_hash, keys, ranges, len(batch)))
        batch.extend(keys[a:b] for a, b in ranges)
    if not batch:
        return [], set()
    tagger = get_entity_tagger()
    tagged = tagger.tag_many(batch)
    tidy(batch, tagged, tagger.featurizer)
    propagate(batch, tagged, tagger.featurizer)
    out: list[_Mention] = []
    words = {k for p in prepared for k in p[4]}
    for field, text, toks, after_hash, keys, ranges, first in prepared:
        tags = [t for r in range(len(ranges)) for t in tagged[first + r]]
        out.extend(_field_mentions(text, field, toks, after_hash, keys, tags, words))
    return out, words


def _field_mentions(text: str, field: str, toks: list[Token], after_hash: set[int], keys: list[str],
                    tags: list[str], words: set[str] | frozenset[str] = frozenset()) -> list[_Mention]:
    spans = split_spans(keys, [Span(i, j, t, "crf") for i, j, t in spans_from_bio(tags)])
    spans = apply_gazetteer(keys, spans)
    spans = _place_after_a_bare_head(keys, _split_people(keys, apply_rules(keys, spans)))
    out = []
    for sp in spans:
        for piece in _hashtag_pieces(keys, sp, after_hash) if after_hash else (sp,):
            m = _finish(text, toks, keys, piece, field, words)
            if m is not None:
                out.append(m)
    return out


def _hashtag_pieces(keys: list[str], sp: Span, after_hash: set[int]) -> list[Span]:
    """A span cut at its hashtags: "تنظيم #داعش" -> "داعش" (the head before the tag is dropped), and a run of
    tags "#ترمب #ماكماستر" is one name per tag, not one name: each piece keeps the span's gazetteer entry
    only if that entry is the piece's own name."""
    cuts = [h for h in sorted(after_hash) if sp.i < h < sp.j]
    if not cuts:
        return [sp]
    bounds = ([sp.i] if sp.i in after_hash else []) + cuts + [sp.j]
    gaz = get_gazetteer()
    out = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        entry = sp.entry if sp.entry is not None and gaz.by_form.get(" ".join(keys[a:b])) is sp.entry else None
        out.append(Span(a, b, sp.type, sp.source, entry))
    return out


def _place_after_a_bare_head(keys: list[str], spans: list[Span]) -> list[Span]:
    """A facility word and a known place behind ب is "a prison in Kirkuk", no facility's name: "سجن بكركوك"
    -> LOC "كركوك" (the tagger took it as one FAC, and the place was lost to the map and the alerts). A name
    whose second word only starts with ب ("سجن بادوش") is kept: without the ب it is no known place."""
    lex = get_gazetteer().lexicon
    heads = lex.get("fac_heads", frozenset())
    out: list[Span] = []
    for sp in spans:
        if sp.type in PLACE_TYPES and sp.j - sp.i >= 2 and keys[sp.i] in heads and keys[sp.i + 1][:1] == "ب":
            e = get_gazetteer().by_form.get(" ".join([keys[sp.i + 1][1:], *keys[sp.i + 2:sp.j]]))
            if e is not None and e.type == "LOC":
                out.append(Span(sp.i + 1, sp.j, "LOC", sp.source, e))
                continue
        out.append(sp)
    return out


# words that continue a person's name rather than start another one ("محمد بن سلمان", "أبو بكر")
_NAME_LINKS = frozenset({"بن", "ابن", "ابو", "ام", "عبد", "ال", "بنت"})


def _split_people(keys: list[str], spans: list[Span]) -> list[Span]:
    """A person span that is a curated person's name followed by a first name and more is two people:
    "محامي ترامب مايكل كوهين" -> "ترامب" + "مايكل كوهين" (not one name, Trump's, for both)."""
    gaz = get_gazetteer()
    first_names = gaz.lexicon.get("first_names", frozenset())
    out: list[Span] = []
    for sp in spans:
        cut = None
        if sp.type == "PER" and sp.j - sp.i >= 3:
            for k in range(sp.j - 2, sp.i, -1):
                if keys[k] not in first_names or keys[k] in _NAME_LINKS:
                    continue
                rest = keys[sp.i + 1:k]
                for first in (keys[sp.i], *clitic_readings(keys[sp.i])):
                    e = gaz.by_form.get(" ".join([first, *rest]))
                    if e is not None and e.type == "PER" and e.source == "curated":
                        cut = (k, e)
                        break
                if cut:
                    break
        if cut is None:
            out.append(sp)
        else:
            out += [Span(sp.i, cut[0], "PER", sp.source, cut[1]), Span(cut[0], sp.j, "PER", sp.source)]
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


def _finish(text: str, toks: list[Token], keys: list[str], sp: Span, field: str,
            words: set[str] | frozenset[str] = frozenset()) -> _Mention | None:
    """Clean a token span into a mention: :func:`trim_span`, then cut attached clitics off its start.

    A person's first word keeps a leading ب/ل/ك/ف when the word without it is no known name and does
    not occur alone in the document (``words``: the document's keys): "كوفي عنان", "بسام", "فانسان"."""
    got = trim_span(keys, sp, toks[sp.i].text if sp.j - sp.i == 1 else "")
    if got is None:
        return None
    i, j = got
    first = toks[i]
    start = first.start
    cl, rest = stem(keys[i])
    if sp.source == "gaz" and keys[i] not in get_gazetteer().phrases:
        for r in clitic_readings(keys[i]):
            if r in get_gazetteer().phrases:
                cl, rest = keys[i][: len(keys[i]) - len(r)], r
                break
    if cl and sp.type == "PER" and cl != "و" and _name_keeps_clitic(keys[i], rest, words):
        cl = ""
    elif cl and cl[-1] in "بكل" and _preposition_is_the_name(keys[i][len(cl) - 1:], rest, words):
        cl = cl[:-1]  # "كاليننغراد", "باليستيا": the ك/ب is the name's own first letter
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
    return _Mention(mtext, sp.type, start, end, field, key, sp.entry, prev=keys[i - 1] if i else "")


def _name_keeps_clitic(whole: str, rest: str, words: set[str] | frozenset[str]) -> bool:
    """Whether a person's first word ``whole`` is read whole rather than as proclitic + ``rest``: when the
    rest would be a conjunction + particle after a preposition ("كوفي" is no ك + "وفي", "لولا" no ل +
    "ولا"), or when ``rest`` is no known name (listed first name, gazetteer form, a word of the document)
    and not much more frequent in the corpus than ``whole`` ("بسام", "باير", "فانسان"; but "بصدام" ->
    "صدام")."""
    if rest[:1] in "وف" and len(rest) <= 3:
        return True
    gaz = get_gazetteer()
    if rest in words or rest in gaz.lexicon.get("first_names", ()) or gaz.by_form.get(rest) is not None:
        return False
    feat = get_entity_tagger().featurizer
    return feat.freq(rest) <= 10 * max(feat.freq(whole), 1)


def _preposition_is_the_name(whole: str, rest: str, words: set[str] | frozenset[str]) -> bool:
    """Whether a name's leading ب/ك/ل is its own first letter: the split looks like preposition + article
    ("ك" + "اليفورنيا" reads like "كالعراق") but the rest is no word of its own: not a gazetteer form, not
    written alone in the document, and in the corpus under half as often as the whole word. "بالموصل"
    (rest 247 times, whole 9) and "للأمم" still lose their preposition."""
    if rest in words or get_gazetteer().by_form.get(rest) is not None:
        return False
    feat = get_entity_tagger().featurizer
    return 2 * feat.freq(rest) < feat.freq(whole)


# --- per document ---------------------------------------------------------------------------------


def _unify_types(mentions: list[_Mention]) -> None:
    """One type per surface form in a document (majority; gazetteer-typed forms keep their type)."""
    votes: dict[str, Counter] = {}
    for m in mentions:
        votes.setdefault(m.key, Counter())[m.type] += 3 if m.entry is not None else 1
    for m in mentions:
        if m.entry is None:
            m.type = votes[m.key].most_common(1)[0][0]


_WORD = GazEntry("LOC", "")  # _place_for's answer for a mention that is a common word, not a place
_GENERIC_MIN_FREQ = 15  # corpus frequency of the definite form from which an "-ية" word is an adjective
_ARTICLE_MIN_FREQ = 10  # corpus frequency from which "ال" + the rest of "لل..." is the word meant


def _generic(m: _Mention) -> bool:
    """A LOC/FAC mention that names nothing: an indefinite head or state word alone ("جمهورية", "منطقة"), an
    indefinite adjective in ـية alone ("صحراوية" of "منطقة صحراوية"), or an indefinite head with such an
    adjective or a participle ("قاعدة رئيسية", "محطة مزدحمة"); none a known place. An adjective is told
    from a name by its definite form, frequent in the corpus ("الرئيسية"; a name such as "صقلية" has none)."""
    if m.type not in PLACE_TYPES:
        return False
    words = m.key.split()
    if len(words) > 2 or words[0].startswith("ال"):
        return False
    lex = get_gazetteer().lexicon
    heads = lex.get("loc_heads", frozenset()) | lex.get("fac_heads", frozenset())
    if len(words) == 1 and (words[0] in STATE_WORDS or words[0] in heads):
        return True
    if len(words) == 2 and words[0] not in heads:
        return False
    adj = words[-1]
    if adj.startswith("ال") or not (adj.endswith("يه") or (len(words) == 2 and adj[:1] == "م" and adj.endswith("ه"))):
        return False
    res = get_resolver()
    if res.candidates(m.key) or res.candidates(adj):
        return False
    return get_entity_tagger().featurizer.freq("ال" + adj) >= _GENERIC_MIN_FREQ


def _check_entries(mentions: list[_Mention]) -> None:
    """Keep a mention's gazetteer entry (from the span that found it) only when the mention names it
    (:func:`_names_entry`): a form that only starts the mention names something else ("أميركا الوسطى" is no
    United States, "ترامب مايكل كوهين" no Trump)."""
    for m in mentions:
        if m.entry is not None and not _names_entry(m.key, m.entry):
            m.entry = None


def _names_entry(key: str, e: GazEntry) -> bool:
    """Whether the folded mention ``key`` (or it without a proclitic on its first word: "للحوثيين") is a
    form of ``e``, holds its whole canonical name (titles aside: "البابا فرنسيس" -> "فرنسيس"; spaces aside:
    "فرانس24"; "سلمان بن عبد العزيز آل سعود"), or, not for a person, is the tail of its name or a form
    after head words ("قناة الجزيرة" -> "الجزيرة", "تنظيم داعش")."""
    gaz = get_gazetteer()
    if gaz.by_form.get(key.lower() if key.isascii() else key) is e:
        return True  # the usual case: the mention is one of the entry's forms
    titles = gaz.lexicon.get("titles", frozenset())
    canon = [w for w in fold(e.canonical).split() if w not in titles] or fold(e.canonical).split()
    whole = "".join(canon)
    key = " ".join(key.replace("_", " ").split())  # "#دونالد_ترمب"
    first, _, rest = key.partition(" ")
    readings = [key, *(f"{r} {rest}".strip() for r in clitic_readings(first))]
    if first.startswith("لل") and len(first) > 3:
        readings.append(f"ال{first[2:]} {rest}".strip())
    for k in readings:
        if gaz.by_form.get(k.lower() if k.isascii() else k) is e:  # Latin forms are keyed lower-case
            return True
        words = k.split()
        n = len(words)
        if any("".join(words[a:b]) == whole for a in range(n) for b in range(a + 1, n + 1)):
            return True
        if e.type != "PER" and (words == canon[-n:] or any(gaz.by_form.get(" ".join(words[a:])) is e
                                                           for a in range(1, n))):
            return True
        if e.type == "PER" and n == len(canon) > 1 and words[-1] == canon[-1] and all(
                _near(w, c) for w, c in zip(words[:-1], canon[:-1], strict=True)):
            return True  # the same name spelt otherwise: "بينيامين نتنياهو", "توني بلينكن", "جيم ماتيس"
    return False


def _near(a: str, b: str) -> bool:
    """Whether two name words are spellings of one name: at most two letters apart (edit distance), one
    of at least three letters, and the same first letter unless a leading alef differs ("أنتوني"/"توني")."""
    if a == b:
        return True
    if min(len(a), len(b)) < 3 or (a[0] != b[0] and "ا" not in (a[0], b[0])):
        return False
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1] <= 2


def _country_votes(mentions: list[_Mention], words: set[str]) -> tuple[Counter, dict[str, Counter]]:
    """The countries the article points to (ISO code -> votes): places that lie in one country (a country's
    name 2, a curated place, a division or a sizeable city 1), curated organisations of one country and
    nationality adjectives (1 each distinct form). Also each mention key's own votes that came from GeoNames
    cities only (such a name must not vouch for itself; :meth:`PlaceResolver.vote`)."""
    res = get_resolver()
    votes: Counter = Counter()
    own: dict[str, Counter] = {}
    for m in mentions:
        v = None
        if m.type in PLACE_TYPES:
            v = res.vote(res.candidates(m.key))
        elif m.type == "ORG":
            cc = res.org_country.get(fold(m.entry.canonical) if m.entry is not None else m.key)
            v = (cc, 1, True) if cc else None
        if v is not None:
            votes[v[0]] += v[1]
            if not v[2]:
                own.setdefault(m.key, Counter())[v[0]] += v[1]
    for w in words & res.nationality.keys():  # most words are none: one C-level intersection
        votes[res.nationality[w]] += 1
    return votes, own


def _assign_canonicals(mentions: list[_Mention], texts: dict[str, str], votes: dict[str, int]) -> None:
    gaz = get_gazetteer()
    # 1. gazetteer entries (looked up now if the span did not carry one)
    for m in mentions:
        if m.entry is None:
            e = gaz.by_form.get(m.key)
            if e is not None and e.type == m.type:
                m.entry = e
    for m in mentions:
        if m.entry is not None and m.type == "PER" and not _surname_vouched(m, mentions, votes, texts):
            m.entry = None
        if m.entry is not None and m.entry.type == m.type and m.entry.source != "city":
            m.canonical = m.entry.canonical  # GeoNames spellings vary: a city keeps the text's form
    # 2. short forms: a mention that is the tail (PER: last tokens; ORG: after a head word) of a
    # longer mention of the same type in the document takes that mention's canonical (never another
    # gazetteer entry's)
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
                if _own_entry(m) is not None and _own_entry(L) is not None and m.entry is not L.entry:
                    continue
                if L.key.endswith(" " + m.key) or (typ == "PER" and L.key.startswith(m.key + " ")
                                                     and len(m.key.split()) > 1):
                    m.canonical = L.canonical or _display_name(L.text)
                    break
    # 3. acronym in brackets or quotes right after a mention is its alias: "قوات سوريا الديمقراطية (قسد)",
    # 'وكالة الأنباء الأردنية "بترا"' (a conjunction or a comma is no bracket: "أريزونا وتكساس" are two states)
    for a, b in zip(mentions, mentions[1:], strict=False):
        if a.field == b.field and b.type == a.type and 0 < b.start - a.end <= 3 and len(b.key.split()) == 1:
            gap = texts[a.field][a.end:b.start].strip()
            if gap and all(c in _OPENERS for c in gap) and (not b.canonical or b.entry is None):
                b.canonical = a.canonical or _display_name(a.text)
    # 4. the rest: the most complete written form among same-key mentions
    for m in mentions:
        if not m.canonical:
            m.canonical = _display_name(m.text)


_OPENERS = frozenset("(\"«“'[")


def _own_entry(m: _Mention) -> GazEntry | None:
    """The mention's gazetteer entry if it is of the mention's type (a GeoNames city found inside a FAC span
    only typed the span: "سجن أبو غريب")."""
    return m.entry if m.entry is not None and m.entry.type == m.type else None


def _surname_vouched(m: _Mention, mentions: list[_Mention], votes: dict[str, int], texts: dict[str, str]) -> bool:
    """Whether a curated person's one-word form without the article ("هنية", "ترامب") names that person here.
    It does, unless it stands in a list of bare given names ("زينب وهنية": a girl called Haniyeh, not Ismail
    Haniyeh) while the article neither gives a longer form of the name nor points to the person's country
    ("عباس وهنية" in a Gaza story is the Hamas leader)."""
    e = m.entry
    assert e is not None
    titles = get_gazetteer().lexicon.get("titles", frozenset())
    if " " in m.key or m.key.startswith("ال") or sum(w not in titles for w in fold(e.canonical).split()) < 2:
        return True
    if votes.get(e.country or "", 0) > 0 or any(n.entry is e and " " in n.key for n in mentions):
        return True
    text = texts[m.field]
    for n in mentions:
        if n is m or n.field != m.field or n.type != "PER" or " " in n.key or n.entry is not None:
            continue
        a, b = (n.end, m.start) if n.end <= m.start else (m.end, n.start)
        if 0 <= b - a <= 4 and text[a:b].strip(" \u060c,") in ("", "و"):
            return False  # a given name among given names
    return True


def _display(text: str) -> str:
    """A canonical display form: the text without diacritics/tatweel/underscores and extra spaces."""
    from worker.extract.normalize import DIACRITICS_RE

    return " ".join(DIACRITICS_RE.sub("", text).replace("_", " ").split())


def _display_name(text: str) -> str:
    """:func:`_display` without a ل proclitic the mention kept ("للجيش السوري" -> "الجيش السوري", "لليبيا" ->
    "ليبيا"): the span keeps its letters, the canonical is the name. ل + the article when the definite word
    is a corpus word ("الجيش"; "اليبيا" is none), else ل + a word in ل when that is the likelier word."""
    d = _display(text)
    first, _, rest = d.partition(" ")
    key = fold(first)
    if not key.startswith("لل") or len(key) < 4:
        return d
    freq = get_entity_tagger().featurizer.freq
    if freq("ال" + key[2:]) >= _ARTICLE_MIN_FREQ:
        name = "ال" + first[2:]
    elif freq(key[1:]) > freq(key):
        name = first[1:]
    else:
        return d
    return f"{name} {rest}" if rest else name


def _cue(prev: str) -> str:
    """The word before a mention as a cue for its place: itself when listed, else its clitic-less rest
    ("بمدينة" is listed, "وفي" -> "في")."""
    if not prev or prev in CITY_WORDS or prev in STATE_WORDS or prev in PLACE_CUES:
        return prev
    return stem(prev)[1] or prev


def _place_for(m: _Mention, votes: dict[str, int]) -> GazEntry | None:
    """The place ``m`` names (:meth:`PlaceResolver.choose` over the candidates of its text, its canonical name,
    or its name after a place head: "برج X" -> X), ``_WORD`` for a common word, or None."""
    res = get_resolver()
    words = m.key.split()
    prev = _cue(m.prev)
    tries = [(m.key, prev), (fold(m.canonical), prev)]
    if len(words) > 1 and (words[0] in LOC_HEADS or words[0] in FAC_HEADS):
        tries.append((" ".join(w for w in words[1:] if w not in NAME_ADJ), words[0]))
    found = next(((k, c, got) for k, c in tries if k and (got := res.candidates(k))), None)
    if found is None:
        e = m.entry
        if e is None or e.type not in PLACE_TYPES or (e.lat is None and e.country is None):
            return None
        found = m.key, prev, (e,)
    key, cue, cands = found
    if len(words) == 1 and res.is_word(key, cands, votes, cue):
        return _WORD
    return res.choose(key, cands, votes, cue)
