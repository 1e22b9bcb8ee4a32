"""The matching engine: enabled rules compiled once, a prefilter over their required terms, then the exact
Python matcher and the rule's structured filters.

Cost per article stays flat as rules grow because the prefilter (Aho-Corasick over every rule's required
terms, as Lucene Monitor / Luwak do) returns the few candidate rules whose terms occur in the article;
only those run the full matcher. Workers cache the compiled set and rebuild it when the rule store's Redis
version counter moves, checking at most every ``check_interval`` seconds, so a rule saved through the CLI
or API is live in every worker within about a second without a Redis round trip per article.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from worker.alerts.rules import AlertRule
from worker.alerts.store import RuleStore
from worker.query import compile as compile_query
from worker.query.fields import index_view
from worker.query.matcher import ViewContext, source_matches
from worker.query.prefilter import Prefilter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CompiledRule:
    rule: AlertRule
    compiled: Any  # worker.query.CompiledQuery
    has_filters: bool = False  # most rules have none: skip the filter call on the hot path


def _has_filters(rule: AlertRule) -> bool:
    f = rule.filters
    return bool(f.sources or f.languages or f.min_casualties is not None)


def casualty_total(doc: dict[str, Any]) -> int:
    """killed + injured, the largest count per kind (articles repeat the toll; summing would inflate it)."""
    best: dict[str, int] = {}
    for c in doc.get("casualties") or []:
        kind = c.get("kind") if isinstance(c, dict) else getattr(c, "kind", None)
        count = c.get("count") if isinstance(c, dict) else getattr(c, "count", 0)
        if kind in ("killed", "injured") and isinstance(count, int):
            best[kind] = max(best.get(kind, 0), count)
    return sum(best.values())


def passes_filters(rule: AlertRule, doc: dict[str, Any]) -> bool:
    f = rule.filters
    # "bbc" names "BBC Arabic" here as in the query language's source:bbc (one reading, in worker.query).
    if f.sources and not any(source_matches(s, doc.get("source"), doc.get("feed_id")) for s in f.sources):
        return False
    if f.languages:
        lang = (doc.get("language") or "").lower()
        if lang not in {s.lower() for s in f.languages}:
            return False
    if f.min_casualties is not None and casualty_total(doc) < f.min_casualties:
        return False
    return True


class Engine:
    """Match documents against the enabled rules. Thread-safe; one per worker process is enough."""

    def __init__(self, store: RuleStore | None = None, *, check_interval: float = 1.0) -> None:
        self.store = store
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._rules: dict[str, CompiledRule] = {}
        self._prefilter: Any = None
        self._version: int | None = None
        self._checked_at = 0.0

    # -- building ------------------------------------------------------------------------------------------
    @classmethod
    def from_rules(cls, rules: Iterable[AlertRule]) -> Engine:
        """An engine over a fixed rule list (tests, benchmarks, ``alerts test``); never refreshes."""
        eng = cls(store=None)
        eng.load(rules)
        return eng

    def load(self, rules: Iterable[AlertRule]) -> None:
        """Replace the rule set. Rules whose query is unchanged keep their compiled form, so editing one
        rule among 10,000 costs one compile plus the automaton rebuild, not 10,000 compiles."""
        previous = self._rules
        compiled: dict[str, CompiledRule] = {}
        for rule in rules:
            if not rule.enabled:
                continue
            old = previous.get(rule.id)
            if old is not None and old.rule.query == rule.query:
                compiled[rule.id] = CompiledRule(rule, old.compiled, _has_filters(rule))
                continue
            try:
                compiled[rule.id] = CompiledRule(rule, compile_query(rule.query), _has_filters(rule))
            except Exception as err:  # noqa: BLE001 - a stored rule that no longer parses must not stop the rest
                log.error("alert rule %r skipped: %s", rule.name, err)
        prefilter = Prefilter({rid: cr.compiled for rid, cr in compiled.items()})
        with self._lock:
            self._rules, self._prefilter = compiled, prefilter

    def refresh(self, force: bool = False) -> bool:
        """Reload from the store if its version moved (checked at most every ``check_interval`` s)."""
        if self.store is None:
            return False
        now = time.monotonic()
        if not force and now - self._checked_at < self.check_interval and self._version is not None:
            return False
        self._checked_at = now
        version = self.store.version()
        if not force and version == self._version:
            return False
        # Read the version before the rules: a write landing in between bumps it again and we reload next time.
        self.load(self.store.list(enabled_only=True))
        self._version = version
        return True

    @property
    def rules(self) -> dict[str, CompiledRule]:
        return self._rules

    # -- matching ------------------------------------------------------------------------------------------
    def candidates(self, view: dict[str, Any]) -> set[str]:
        self.refresh()
        return set(self._prefilter.candidates(view)) if self._prefilter is not None else set()

    def match(self, view: dict[str, Any], doc: dict[str, Any] | None = None) -> list[AlertRule]:
        """Rules whose query matches ``view`` (``index_view(doc)``) and whose filters accept ``doc``
        (defaults to the view). Sorted by name for a stable order."""
        self.refresh()
        with self._lock:
            rules, prefilter = self._rules, self._prefilter
        if prefilter is None:
            return []

        doc = view if doc is None else doc
        vctx = ViewContext.of(view)  # per-article work (token sets, haystack) shared by every rule
        out = []
        for rid in prefilter.candidates(vctx):
            cr = rules.get(rid)
            if cr is None or (cr.has_filters and not passes_filters(cr.rule, doc)):
                continue
            if cr.compiled.matches(vctx):
                out.append(cr.rule)
        out.sort(key=lambda r: r.name)
        return out

    def match_doc(self, doc: dict[str, Any], view: dict[str, Any] | None = None,
                  ) -> tuple[dict[str, Any], list[AlertRule]]:
        """Compute the shared view of an enriched-document dict (unless the caller has it: the index stage
        built the very same one for Elasticsearch) and match it."""
        if view is None:
            view = index_view(doc)
        return view, self.match(view, doc)
