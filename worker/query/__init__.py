"""One query language, two backends: Elasticsearch (search) and a Python matcher (alerts).

Contract (other packages rely on these names):

``worker.query.analysis.analyze(text) -> list[str]``
    Arabic analysis in Python: fold (``worker.extract.normalize.fold``), lowercase, tokenise, strip the
    article/conjunction proclitics, light-stem one suffix; "وبالسجن" -> ["سجن"], "سوريا"/"سورية" -> "سوري".
``worker.query.fields.index_view(doc) -> dict``
    The Elasticsearch ``_source`` of an ``EnrichedDocument`` (or its dict): the document plus derived fields
    (``title_ar``, ``body_ar``, ``entity_keys``, ``place_keys``, ``event_types``, ``killed``...). Mapping:
    ``worker/store/templates/news-articles.json`` (composable index template; ``template.mappings``).
``worker.query.parse(q) -> Node``
    The AST (``worker.query.ast``). Raises only :class:`QuerySyntaxError` (``.message``, ``.position``).
``worker.query.compile(q) -> CompiledQuery``
    ``.ast``, ``.es`` (query DSL dict), ``.matches(view_or_ctx) -> bool``, ``.required_terms`` (frozenset of
    :class:`Anchor`, one of which every match contains; None = always a candidate; empty = never matches).
``worker.query.prefilter.Prefilter(rules: {rule_id: CompiledQuery | str})``
    ``.add(id, q)``, ``.remove(id)``, ``.candidates(view) -> set[id]``, ``.match(view) -> set[id]``.
``worker.query.matcher.ViewContext(view)``
    Build once per article and pass to many ``matches``/``candidates`` calls to share the token indexes.

Query syntax (Lucene/Kibana style, parsed by luqum):

* ``سجن`` word · ``"هجوم على سجن"`` phrase (consecutive analyzed tokens) · ``سج*`` prefix
* ``AND`` / ``&&``, ``OR`` / ``||``, ``NOT`` / ``!`` / ``-term``, ``+term``, parentheses.
  **Default operator: AND.** Juxtaposition binds loosest: ``a OR b c`` means ``(a OR b) AND c``;
  ``a AND b OR c`` means ``(a AND b) OR c``.
* Fields (aliases in ``fields.FIELD_ALIASES``); words and phrases go through the same analysis as the text:

  ==================  ======================================================================
  ``title:`` ``body:``  words/phrases in one part (bare words search title and body)
  ``entity:قسد``        an entity's canonical or surface name (a word or "phrase" inside it); a gazetteer
                        name also finds the entry's canonical, English and curated alias names (``aliases``)
  ``place:الحسكة``      a LOC/FAC entity, Arabic or English (``place:hasakah``), widened the same way
  ``keyword:``          an extracted keyword
  ``event:prison_attack``  an event type (validated against ``worker.document.EVENT_TYPES``)
  ``type:ORG``          an entity type present · ``lang:ar`` · ``country:SY``
  ``source:bbc``        the source name, a run of whole words of it ("BBC Arabic"), or the feed id
  ``story:`` ``id:``    near-duplicate story id, document id
  ``date:``             ``2022-01-20``, ``2022-01``, ``2022``, ``2022-01-20..2022-02-01``, ``>=2022-01-01``,
                        ``[2022-01-01 TO 2022-02-01]``, ``{a TO b}``, ``"2022-01-20T10:00:00Z"`` (UTC)
  ``killed:>10``        also injured, arrested, kidnapped, missing, escaped (largest reported count, 0 when
                        none); ``casualties:>N`` = any kind > N (the largest count of any kind);
                        ``killed:*`` = a count above 0
  ==================  ======================================================================
* ``field:*`` means the field has a value; boosts ``^n`` are ignored; ``~`` and ``/regex/`` are refused.
* A blank query matches everything, and only it: a lone ``*``, ``field:*`` on a field every article has
  (``title``, ``body``, ``exact``, ``story``, ``id``, ``lang``), and a query that simplifies to "everything"
  (``killed:[* TO *]``) are refused. So is a reversed range (``date:2018-03-31..2018-03-01``). A term that analyzes to nothing (a lone "و", a single letter,
  punctuation) is dropped beside other terms and refused alone (``QuerySyntaxError``); so are empty values
  (``""``, ``place:""``) and an unpaired quote.
"""

from __future__ import annotations

from worker.query.ast import Node
from worker.query.compiled import Anchor, CompiledQuery, compile, compile_node
from worker.query.errors import QuerySyntaxError
from worker.query.matcher import ViewContext
from worker.query.parser import parse

__all__ = [
    "Anchor", "CompiledQuery", "Node", "QuerySyntaxError", "ViewContext", "compile", "compile_node", "parse",
]
