"""The extraction chain: article in, :class:`~worker.document.EnrichedDocument` out. Pure, no I/O.

Stages (each a pure function in its own module, testable alone):
normalise/tokenise (``normalize``, ``tokens``) -> entities (``entities``) -> dates (``dates``) -> events
(``event_model``: a learned sentence classifier with the rules of ``events`` as features) -> casualties
(``casualty_model``: a learned scorer over the rule candidates of ``casualties``; its second step reads the
event types) -> quotes (``quotes``) -> keywords (``keywords``) -> fingerprint (``fingerprint``). Title and body are analysed separately so every offset indexes the
original string named by ``field``; tokens and sentence spans are computed once and shared.

``extract_many`` is the batch entry point (like spaCy's ``pipe``): it loads the shipped tables once
and processes articles in order; ``extract_one`` is a batch of one.
"""

from __future__ import annotations

import gc
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from worker.controls import strip_controls
from worker.document import ArticleIn, EnrichedDocument, Entity, doc_id_for_url
from worker.extract.casualty_model import load_model as load_casualty_model
from worker.extract.casualty_model import score_casualties
from worker.extract.dates import find_dates, load_weekday_model, parse_published
from worker.extract.event_model import detect_events_and_rules
from worker.extract.event_model import load_model as load_event_model
from worker.extract.fingerprint import simhash
from worker.extract.keywords import find_keywords
from worker.extract.normalize import fold_with_offsets
from worker.extract.quotes import find_quotes
from worker.extract.tokens import sentences, split_proclitics, tokenize

__all__ = ["extract_one", "extract_many", "warm_up"]

EntityFn = Callable[..., list[Entity]]
# Caches (token folds, NER features) grow as articles stream through; once in a while the survivors
# are moved to the GC's permanent generation too. Objects there are still freed by reference counting
# when a cache drops them; only cyclic garbage would be kept, and a full collection runs first.
_REFREEZE_EVERY = 500
# The chain allocates ~50k container objects per article, nearly all freed by reference counting within
# the stage that made them; at CPython's default (a young collection every 700 allocations) the
# collector traverses and promotes many of them while still alive. Every 10,000 lets most die first:
# measured 0.43 -> 0.17 s of collection per 1,000 articles. Raised only (a process that set a higher
# threshold keeps it).
_GC_GEN0 = 10_000


@dataclass
class _ChainState:
    """What the chain keeps per process: the entity stage once imported, whether the shipped tables are
    loaded, and the articles since the last ``gc.freeze``. One object instead of module globals, so a
    test (or a fork) can see and reset it in one place."""

    entity_fn: EntityFn | None = None
    warm: bool = False
    since_freeze: int = 0

    def entities(self) -> EntityFn:
        """The entity stage, imported lazily (it loads a model and a gazetteer)."""
        if self.entity_fn is None:
            # No fallback: a chain that cannot tag entities must fail loudly, not index articles without them.
            from worker.extract.entities import extract_entities

            self.entity_fn = extract_entities
        return self.entity_fn

    def refreeze(self) -> None:
        gc.collect()
        gc.freeze()
        self.since_freeze = 0

    def tick(self) -> None:
        """One more article: refreeze every ``_REFREEZE_EVERY``."""
        self.since_freeze += 1
        if self.since_freeze >= _REFREEZE_EVERY:
            self.refreeze()


_state = _ChainState()


def warm_up() -> None:
    """Load every shipped table/model now; idempotent (first call per process does the work).

    After loading, the loaded objects are moved out of the garbage collector's reach
    (``gc.freeze``): the chain allocates many short-lived objects, and without this every
    collection re-traverses the large, immortal tables (measured: ~30% of the chain's CPU time).
    """
    if _state.warm:
        return
    from worker.extract.keywords import load_idf, load_stopwords

    # No collections while loading: the tables are millions of long-lived objects, so every collection
    # the allocations trigger re-traverses them and frees nothing (measured: ~0.3 s of a ~1.5 s load).
    # One full collection follows, before the freeze.
    enabled = gc.isenabled()
    gc.disable()
    try:
        load_idf()
        load_stopwords()
        load_event_model().row_featurizer()  # the model and its row index (event_rows)
        load_casualty_model()
        split_proclitics("وقال")  # loads the corpus word table
        load_weekday_model()
        _state.entities()("", "", None)
        _state.entities()("تجربة", "قتل 3 أشخاص في بغداد يوم الخميس.", None)  # first call loads the tagger lazily
    finally:
        if enabled:
            gc.enable()
    gc.collect()
    gc.freeze()
    gen0, *older = gc.get_threshold()
    if 0 < gen0 < _GC_GEN0:  # 0: collection disabled by the process, left so
        gc.set_threshold(_GC_GEN0, *older)
    _state.warm = True


def _coerce(article: ArticleIn | dict[str, Any]) -> ArticleIn:
    if isinstance(article, ArticleIn):
        return article
    data = dict(article)
    if "body" not in data and "text" in data:  # ANT corpus / feed items use "text"
        data["body"] = data.get("text")
    if "published" not in data and "time" in data:
        data["published"] = data.get("time")
    known = {k: data.get(k) for k in ("id", "url", "title", "body", "published") if data.get(k) is not None}
    if "published" in known and not isinstance(known["published"], str):
        known["published"] = str(known["published"])
    return ArticleIn.model_validate(known)


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _clean(text: str) -> str:
    """The text the chain reads and the document stores: control characters and terminal sequences out
    (``strip_controls``; here, before any offset is taken, so every offset indexes the stored text), and
    lone surrogates (possible from JSON escapes), which cannot be encoded, replaced one-for-one."""
    return _SURROGATE_RE.sub("\ufffd", strip_controls(text)) if text else text


def _doc_id(a: ArticleIn) -> str:
    if a.id:
        return a.id
    if a.url:
        return doc_id_for_url(a.url)
    return hashlib.sha1(f"{a.title}\n{a.body}".encode("utf-8", "surrogatepass")).hexdigest()


def _name_spans(entities: list[Entity], field: str) -> list[tuple[int, int]]:
    """Spans of the names that can be a speaker (people, organisations, places as states) in one field."""
    return [(e.start, e.end) for e in entities if e.field == field and e.type != "FAC"]


def extract_one(article: ArticleIn | dict[str, Any]) -> EnrichedDocument:
    """Run the whole chain on one article."""
    if not _state.warm:
        warm_up()
    _state.tick()
    a = _coerce(article)
    title, body = _clean(a.title or ""), _clean(a.body or "")
    published = parse_published(a.published)
    t_toks, b_toks = tokenize(title), tokenize(body)
    b_sents = sentences(body)
    t_fold, b_fold = fold_with_offsets(title), fold_with_offsets(body)

    entities = _state.entities()(title, body, published, tokens=(t_toks, b_toks), sentences=(None, b_sents))

    # every date mention (the casualty stage ages the dates of each count's sentence); the document lists each
    # date once, the title's first
    t_dates = find_dates(title, published, "title", t_fold, unique=False)
    b_dates = find_dates(body, published, "body", b_fold, unique=False)
    dates = []
    seen_dates: set[str] = set()
    for d in t_dates + b_dates:
        if d.date not in seen_dates:
            seen_dates.add(d.date)
            dates.append(d)

    events, rule_types = detect_events_and_rules(title, body, b_sents, b_fold, published, dates=(t_dates, b_dates))
    # the casualty stage's second step reads the event types (a count belongs to the events the article reports)
    # and the types the trigger rules find, which the event stage has already run
    casualties = score_casualties(title, body, (t_toks, b_toks), (None, b_sents), published, dates=(t_dates, b_dates),
                                  folded_body=b_fold, event_types={e.type for e in events}, rule_types=rule_types)
    # the title's quotes too ("مسؤول أمني قطري يكشف ..."), each text with its own names
    quotes = (find_quotes(title, None, t_fold, _name_spans(entities, "title"))
              + find_quotes(body, b_sents, b_fold, _name_spans(entities, "body")))
    keywords = find_keywords(title, body, t_toks, b_toks)
    fingerprint = simhash(f"{title}\n{body}", folded=f"{t_fold[0]} {b_fold[0]}")

    return EnrichedDocument(
        id=_doc_id(a),
        url=a.url,
        title=title,
        body=body,
        published=published,
        entities=entities,
        dates=dates,
        casualties=casualties,
        events=events,
        quotes=quotes,
        keywords=keywords,
        fingerprint=fingerprint,
    )


def extract_many(articles: Iterable[ArticleIn | dict[str, Any]]) -> list[EnrichedDocument]:
    """Run the chain on a batch of articles (order preserved)."""
    warm_up()
    return [extract_one(a) for a in articles]
