"""``alerts test``: what a rule would have fired over the already-indexed articles.

The rule's query runs in Elasticsearch (``compile(q).es``, the same AST the worker's matcher uses) over
the articles alias; the structured filters are applied to each hit's ``_source`` with the engine's own
``passes_filters`` so the preview agrees with live matching; hits are grouped by ``story_id`` (one
notification per story, later articles as follow-ups).
"""

from __future__ import annotations

from typing import Any

from elasticsearch import NotFoundError

from worker.alerts.context import AlertsDeps
from worker.alerts.engine import passes_filters
from worker.alerts.payloads import article_summary
from worker.alerts.rules import AlertRule
from worker.query import compile as compile_query
from worker.query.to_es import source_filter


def preview(rule: AlertRule, *, ctx: AlertsDeps, limit: int = 100) -> dict[str, Any]:
    cq = compile_query(rule.query)
    filters: list[dict[str, Any]] = []
    if rule.filters.sources:
        filters.append(source_filter(rule.filters.sources))
    if rule.filters.languages:
        filters.append({"terms": {"language": [s.lower() for s in rule.filters.languages]}})
    query = {"bool": {"must": [cq.es], "filter": filters}}
    try:
        res = ctx.es.search(
            index=ctx.settings.es_index, query=query, size=limit, track_total_hits=True,
            sort=[{"published": {"order": "asc", "unmapped_type": "date", "missing": "_last"}}],
            source_excludes=["body_ar", "title_ar", "body_exact", "title_exact"],
        )
    except NotFoundError:  # nothing indexed yet
        res = {"hits": {"total": {"value": 0}, "hits": []}}
    hits = [h["_source"] for h in res["hits"]["hits"]]
    hits = [h for h in hits if passes_filters(rule, h)]
    stories: dict[str, dict[str, Any]] = {}
    for src in hits:
        sid = src.get("story_id") or src.get("id")
        art = article_summary(src)
        if sid in stories:
            stories[sid]["follow_ups"].append(art)
        else:
            stories[sid] = {"story_id": sid, "article": art, "follow_ups": []}
    return {
        "rule": rule.name,
        "query": rule.query,
        "total_hits": int(res["hits"]["total"]["value"]),
        "examined": len(res["hits"]["hits"]),
        "matched": len(hits),
        "notifications": len(stories),
        "stories": list(stories.values()),
    }
