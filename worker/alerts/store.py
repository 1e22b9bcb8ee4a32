"""Durable rule storage in an Elasticsearch index, plus the Redis version counter that tells every worker's
cached engine that the rules changed.

Writes refresh the (tiny) rules index immediately: rule edits are rare and a user who just saved a rule
expects ``alerts list`` to show it.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from elasticsearch import ConflictError, NotFoundError

from worker.alerts.context import AlertsDeps
from worker.alerts.history import History
from worker.alerts.rules import AlertRule, RuleError, build_rule, from_store, now_utc
from worker.store.elastic import create_index_once

log = logging.getLogger(__name__)

RULES_MAPPING: dict[str, Any] = {
    # Only what we filter/sort on is indexed; the rest of the rule lives in _source.
    "dynamic": False,
    "properties": {
        "name": {"type": "keyword"},
        "owner": {"type": "keyword"},
        "enabled": {"type": "boolean"},
        "mode": {"type": "keyword"},
        "query": {"type": "text", "index": False},
        "created": {"type": "date"},
        "updated": {"type": "date"},
    },
}


# What a conditional save expects to find: "*" any stored version of the rule, a datetime the version saved
# at that ``updated`` time, "absent" no rule of that name (a create).
Expect = datetime | Literal["*", "absent"]


class RuleConflict(Exception):
    """A conditional save found the rule changed, deleted or (for a create) already there; nothing was
    written. ``current`` is the stored rule, or None when there is none."""

    def __init__(self, name: str, current: AlertRule | None, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.current = current


class RuleStore:
    def __init__(self, ctx: AlertsDeps) -> None:
        self.ctx = ctx
        self._ensured = False

    # -- index -------------------------------------------------------------------------------------------
    def ensure_index(self) -> None:
        if self._ensured:
            return
        create_index_once(self.ctx.es, self.ctx.settings.es_alerts_index, RULES_MAPPING)
        self._ensured = True

    # -- version counter ---------------------------------------------------------------------------------
    @property
    def version_key(self) -> str:
        return self.ctx.keys.alert_rules_version

    def version(self) -> int:
        return int(self.ctx.redis.get(self.version_key) or 0)

    def _bump(self) -> int:
        v = int(self.ctx.redis.incr(self.version_key))
        # Pub/sub is a hint for listeners that want to react at once; the counter is the source of truth.
        self.ctx.redis.publish(self.version_key, v)
        return v

    # -- CRUD --------------------------------------------------------------------------------------------
    # A change is two writes: the rule in Elasticsearch, then the version counter in Redis that tells every
    # worker's engine to reload. A rule saved without the bump would stay unseen until some later change, so
    # a change whose bump fails is undone (the previous version put back) and the error goes to the caller;
    # Redis is pinged before the first write so that the usual case, Redis down, writes nothing at all.
    def upsert(self, rule: AlertRule | dict[str, Any], *, expect: Expect | None = None) -> tuple[AlertRule, bool]:
        """Save a rule by name; returns (saved rule, created?). Keeps the original ``created`` time.

        ``expect`` makes the save conditional (see ``Expect``); a rule that is not as expected raises
        ``RuleConflict``. The check and the write are one step for Elasticsearch (the write carries the
        ``_seq_no`` it was checked against), so two editors of one rule cannot both win."""
        if isinstance(rule, dict):
            rule = build_rule(rule)
        self.ctx.redis.ping()
        saved, old = self._write(rule, expect)
        try:
            self._bump()
        except BaseException:
            self._put_back(rule.name, old)
            raise
        return saved, old is None

    def _write(self, rule: AlertRule, expect: Expect | None = None) -> tuple[AlertRule, AlertRule | None]:
        """Index ``rule``; returns it as saved and the version it replaced (``None``: a new rule)."""
        self.ensure_index()
        found = self._get_versioned(rule.name)
        old = found[0] if found else None
        problem = _unexpected(rule.name, old, expect)
        if problem:
            raise RuleConflict(rule.name, old, problem)
        now = now_utc()
        if old is not None and old.updated is not None and now <= old.updated:
            # a version's ``updated`` time is its ETag: a save within the same microsecond (or after the
            # clock stepped back) must still get a new one
            now = old.updated + timedelta(microseconds=1)
        rule = rule.model_copy(update={"created": old.created if old else now, "updated": now})
        guard: dict[str, Any] = {}
        if expect == "absent":
            guard = {"op_type": "create"}
        elif expect is not None and found is not None:
            guard = {"if_seq_no": found[1], "if_primary_term": found[2]}
        try:
            self.ctx.es.index(index=self.ctx.settings.es_alerts_index, id=rule.id, document=rule.to_store(),
                              refresh=True, **guard)
        except ConflictError:
            # another save or a delete came between the read above and this write
            current = self.get(rule.name)
            raise RuleConflict(rule.name, current, _unexpected(rule.name, current, expect)
                               or f"rule {rule.name!r} changed while it was being saved") from None
        return rule, old

    def _put_back(self, name: str, old: AlertRule | None) -> None:
        """Undo a write whose version bump failed: the previous version again, or no rule. Best effort: the
        caller re-raises the bump's error either way."""
        index = self.ctx.settings.es_alerts_index
        try:
            if old is None:
                self.ctx.es.delete(index=index, id=name, refresh=True)
            else:
                self.ctx.es.index(index=index, id=old.id, document=old.to_store(), refresh=True)
        except NotFoundError:
            pass
        except Exception:  # noqa: BLE001 - the original error is the one to report
            log.exception("alert rule %r: could not undo a change whose version bump failed", name)

    def get(self, name: str) -> AlertRule | None:
        found = self._get_versioned(name)
        return found[0] if found else None

    def _get_versioned(self, name: str) -> tuple[AlertRule, int, int] | None:
        """The stored rule with the ``_seq_no`` and ``_primary_term`` a conditional write names."""
        self.ensure_index()
        try:
            res = self.ctx.es.get(index=self.ctx.settings.es_alerts_index, id=name)
        except NotFoundError:
            return None
        return from_store(res["_source"]), int(res["_seq_no"]), int(res["_primary_term"])

    def require(self, name: str) -> AlertRule:
        rule = self.get(name)
        if rule is None:
            raise KeyError(name)
        return rule

    def list(self, *, enabled_only: bool = False, owner: str | None = None) -> list[AlertRule]:
        """All rules (sorted by name). Uses a scroll-free search: the rule count is bounded by size=10000 per
        page with search_after, which is fine for tens of thousands of rules."""
        self.ensure_index()
        filters: list[dict[str, Any]] = []
        if enabled_only:
            filters.append({"term": {"enabled": True}})
        if owner:
            filters.append({"term": {"owner": owner}})
        query = {"bool": {"filter": filters}} if filters else {"match_all": {}}
        out: list[AlertRule] = []
        after: list[Any] | None = None
        while True:
            kwargs: dict[str, Any] = {"index": self.ctx.settings.es_alerts_index, "query": query, "size": 5000,
                                      "sort": [{"name": "asc"}]}
            if after is not None:
                kwargs["search_after"] = after
            hits = self.ctx.es.search(**kwargs)["hits"]["hits"]
            for h in hits:
                out.append(from_store(h["_source"]))
            if len(hits) < 5000:
                return out
            after = hits[-1]["sort"]

    def delete(self, name: str, *, expect: datetime | Literal["*"] | None = None) -> bool:
        """Delete a rule; False if there was none. ``expect`` makes it conditional, as for ``upsert``: only
        that version (its ``updated`` time; ``"*"``: any), else ``RuleConflict`` and nothing is deleted, so
        a tab that read an older version cannot delete the change another one just saved."""
        self.ctx.redis.ping()
        found = self._get_versioned(name)
        old = found[0] if found else None
        problem = _unexpected(name, old, expect)
        if problem:
            raise RuleConflict(name, old, problem)
        if found is None:
            return False
        guard = {"if_seq_no": found[1], "if_primary_term": found[2]} if expect is not None else {}
        try:
            self.ctx.es.delete(index=self.ctx.settings.es_alerts_index, id=name, refresh=True, **guard)
        except NotFoundError:
            if expect is not None:
                raise RuleConflict(name, None, _unexpected(name, None, expect) or "") from None
            return False
        except ConflictError:
            current = self.get(name)
            raise RuleConflict(name, current, _unexpected(name, current, expect)
                               or f"rule {name!r} changed while it was being deleted") from None
        try:
            self._bump()
        except BaseException:
            self._put_back(name, old)
            raise
        return True

    def set_enabled(self, name: str, enabled: bool) -> AlertRule:
        rule = self.require(name)
        saved, _ = self.upsert(rule.model_copy(update={"enabled": enabled}))
        return saved

    # -- YAML --------------------------------------------------------------------------------------------
    def load_file(self, path: str | Path) -> list[tuple[AlertRule, str]]:
        """Upsert every rule in a YAML file (idempotent); returns each rule with ``created``, ``updated`` or
        ``unchanged`` (saved as it already was: not written, so its ``updated`` time stays). All rules are
        validated before any is saved, so a file with one bad rule changes nothing; a file that changes
        nothing writes nothing and does not make the engines reload."""
        rules = load_rules_yaml(path)
        self.ctx.redis.ping()
        done: list[tuple[AlertRule, AlertRule | None]] = []
        out: list[tuple[AlertRule, str]] = []
        try:
            for rule in rules:
                old = self.get(rule.name)
                if old is not None and _content(old) == _content(rule):
                    out.append((old, "unchanged"))
                    continue
                saved, old = self._write(rule)
                done.append((saved, old))
                out.append((saved, "created" if old is None else "updated"))
            if done:
                self._bump()  # one bump for the file: the engines reload once
        except BaseException:
            for saved, old in reversed(done):  # a file is saved whole or not at all
                self._put_back(saved.name, old)
            raise
        return out


def _unexpected(name: str, current: AlertRule | None, expect: Expect | None) -> str | None:
    """Why ``current`` (the stored rule, or None) is not what a conditional save expects; None if it is."""
    if expect is None:
        return None
    if expect == "absent":
        return f"rule {name!r} exists" if current is not None else None
    if current is None:
        return f"rule {name!r} does not exist (deleted since it was read?)"
    if expect != "*" and current.updated != expect:
        stamp = current.updated.isoformat() if current.updated else "unknown"
        return f"rule {name!r} changed since it was read (now saved at {stamp})"
    return None


def _content(rule: AlertRule) -> dict[str, Any]:
    """What a rule says, without the times it was saved at."""
    data = rule.to_store()
    data.pop("created", None)
    data.pop("updated", None)
    return data


def load_rules_yaml(path: str | Path) -> list[AlertRule]:
    """Parse ``alerts.yaml``: ``{alerts: [rule, ...]}`` (or a bare list). ``${VAR}`` / ``${VAR:-default}`` in
    strings are expanded from the environment, so a webhook URL can come from the deployment."""
    text = Path(path).read_text(encoding="utf-8")
    data = yaml.safe_load(_expand_env(text)) or {}
    items = data.get("alerts", []) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise RuleError(f"{path}: expected a list under 'alerts'")
    rules: list[AlertRule] = []
    errors: list[str] = []
    seen: set[str] = set()
    for item in items:
        try:
            rule = build_rule(item)
        except RuleError as err:
            errors.append(str(err))
            continue
        if rule.name in seen:
            errors.append(f"rule {rule.name!r}: duplicate name")
        seen.add(rule.name)
        rules.append(rule)
    if errors:
        raise RuleError(f"{path}: " + " | ".join(errors))
    return rules


def _expand_env(text: str) -> str:

    def sub(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(3)
        val = os.environ.get(name)
        if val is None or val == "":
            if default is None:
                raise RuleError(f"environment variable {name} is not set (use ${{{name}:-default}})")
            return default
        return val

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}", sub, text)


def ensure_indices(ctx: AlertsDeps) -> None:
    """Create the rules and history indices if absent (``newsworker setup``; re-runnable)."""
    RuleStore(ctx).ensure_index()
    History(ctx).ensure_index()
