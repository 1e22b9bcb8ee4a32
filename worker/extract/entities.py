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
brackets after a name is an alias of it ("قوات سوريا الديمقراطية (قسد)").

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
    mentions = _document_mentions([(f, t, tk, sn) for f, t, tk, sn in
                                   (("title", title, toks[0], sents[0]), ("body", body, toks[1], sents[1]))
                                   if t and t.strip()])
    if body and _BOILERPLATE_HINT.search(body):
        skip = _boilerplate_ranges(body)
        mentions = [m for m in mentions if m.field != "body" or not any(a <= m.start < b for a, b in skip)]
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
) -> list[_Mention]:
    """Tag all sentences of the document in one batch, propagate names found, then apply rules."""
    prepared = []
    batch: list[list[str]] = []
    for field, text, raw, spans in fields:
        toks, after_hash = _tokens(text, raw)
        keys = [n.lower() if n.isascii() else n for n in [t.norm for t in toks]]
        ranges = _field_sentences(text, toks, spans)
        prepared.append((field, text, toks, after_hash, keys, ranges, len(batch)))
        batch.extend(keys[a:b] for a, b in ranges)
    if not batch:
        return []
    tagger = get_entity_tagger()
    tagged = tagger.tag_many(batch)
    tidy(batch, tagged, tagger.featurizer)
    propagate(batch, tagged, tagger.featurizer)
    out: list[_Mention] = []
    words = {k for p in prepared for k in p[4]}
    for field, text, toks, after_hash, keys, ranges, first in prepared:
        tags = [t for r in range(len(ranges)) for t in tagged[first + r]]
        out.extend(_field_mentions(text, field, toks, after_hash, keys, tags, words))
    return out


def _field_mentions(text: str, field: str, toks: list[Token], after_hash: set[int], keys: list[str],
                    tags: list[str], words: set[str] | frozenset[str] = frozenset()) -> list[_Mention]:
    spans = split_spans(keys, [Span(i, j, t, "crf") for i, j, t in spans_from_bio(tags)])
    spans = apply_gazetteer(keys, spans)
    spans = apply_rules(keys, spans)
    out = []
    for sp in spans:
        for h in sorted(after_hash):
            if sp.i < h < sp.j:
                sp.i = h  # "تنظيم #داعش" -> "داعش"
        m = _finish(text, toks, keys, sp, field, words)
        if m is not None:
            out.append(m)
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
        if len(words) > 1 and (words[0] in LOC_HEADS or words[0] in FAC_HEADS):
            tries.append(" ".join(w for w in words[1:] if w not in NAME_ADJ))
        for t in tries:
            hit = gaz.place(t, countries)
            if hit is not None and hit.lat is not None and hit.type in ("LOC", "FAC"):
                e = hit
                break
    if e is None:
        return None
    return Place(name_en=e.name_en or e.canonical, country=e.country, lat=e.lat, lon=e.lon, geonameid=e.geonameid)
