"""The matching engine: prefilter + compiled matcher + structured filters, and cache refresh."""

from __future__ import annotations

from typing import Any

import pytest

from worker.alerts.engine import Engine, casualty_total, passes_filters
from worker.alerts.rules import AlertRule, build_rule
from worker.query.fields import index_view


def make_doc(title: str, body: str = "", *, doc_id: str = "d1", source: str = "skynews", language: str = "ar",
             events: tuple[str, ...] = (), places: tuple[tuple[str, str], ...] = (),
             casualties: tuple[tuple[str, int], ...] = ()) -> dict[str, Any]:
    text = title + "\n" + body
    entities = []
    for name, country in places:
        start = max(text.find(name), 0)
        entities.append({"text": name, "type": "LOC", "canonical": name, "start": start, "end": start + len(name),
                         "field": "body", "place": {"name_en": name, "country": country}})
    return {
        "id": doc_id, "url": f"https://example.test/{doc_id}", "source": source, "language": language,
        "title": title, "body": body, "published": "2026-11-25T08:00:00Z",
        "entities": entities,
        "events": [{"type": e, "evidence": title} for e in events],
        "casualties": [{"kind": k, "count": n, "text": f"{n}"} for k, n in casualties],
    }


PRISON = make_doc(
    "هجوم على سجن غويران في الحسكة وفرار عشرات السجناء",
    "شن مسلحون هجوما على سجن غويران في مدينة الحسكة شمال شرقي سوريا، ما أدى إلى فرار عدد من السجناء ومقتل 7 حراس.",
    events=("prison_attack",), places=(("الحسكة", "SY"),), casualties=(("killed", 7), ("killed", 5), ("injured", 4)),
)
FOOTBALL = make_doc("ريال مدريد يفوز على برشلونة في الكلاسيكو", "فاز ريال مدريد بهدفين نظيفين.", doc_id="d2")


def rule(name: str, query: str, **kw: Any) -> AlertRule:
    return build_rule({"name": name, "query": query, **kw})


def test_match_and_nonmatch() -> None:
    eng = Engine.from_rules([
        rule("prison", '("هجوم على سجن" OR "فرار سجناء" OR event:prison_attack) AND (place:الحسكة OR country:IQ)'),
        rule("football", "ريال AND برشلونة"),
        rule("iraq", "event:prison_attack AND country:IQ"),
    ])
    assert [r.name for r in eng.match(index_view(PRISON), PRISON)] == ["prison"]
    assert [r.name for r in eng.match(index_view(FOOTBALL), FOOTBALL)] == ["football"]
    view, rules = eng.match_doc(make_doc("طقس معتدل في عمان", doc_id="d3"))
    assert rules == [] and view["id"] == "d3"


def test_event_only_rule_matches_without_words() -> None:
    doc = make_doc("حادث أمني", "تفاصيل قليلة", events=("prison_attack",), places=(("الموصل", "IQ"),))
    eng = Engine.from_rules([rule("iraq", "event:prison_attack AND country:IQ")])
    assert [r.name for r in eng.match(index_view(doc), doc)] == ["iraq"]


def test_disabled_rules_are_not_matched() -> None:
    eng = Engine.from_rules([rule("off", "سجن", enabled=False), rule("on", "سجن")])
    assert [r.name for r in eng.match(index_view(PRISON), PRISON)] == ["on"]


def test_filters() -> None:
    assert casualty_total(PRISON) == 7 + 4  # largest killed + largest injured, not the sum of mentions
    base = {"name": "f", "query": "سجن"}
    assert passes_filters(build_rule({**base, "filters": {"sources": ["SkyNews"]}}), PRISON)
    assert not passes_filters(build_rule({**base, "filters": {"sources": ["bbc"]}}), PRISON)
    assert passes_filters(build_rule({**base, "filters": {"languages": ["ar"]}}), PRISON)
    assert not passes_filters(build_rule({**base, "filters": {"languages": ["en"]}}), PRISON)
    assert passes_filters(build_rule({**base, "filters": {"min_casualties": 11}}), PRISON)
    assert not passes_filters(build_rule({**base, "filters": {"min_casualties": 12}}), PRISON)
    eng = Engine.from_rules([build_rule({**base, "name": "bbc", "filters": {"sources": ["bbc"]}}),
                             build_rule({**base, "name": "sky", "filters": {"sources": ["skynews"]}})])
    assert [r.name for r in eng.match(index_view(PRISON), PRISON)] == ["sky"]


def test_source_filter_reads_a_word_of_the_name_like_the_query_language() -> None:
    """QA: `alerts add --source bbc` was accepted and never fired, the source being "BBC Arabic"."""
    bbc = {**PRISON, "source": "BBC Arabic", "feed_id": "bbc-ar"}
    base = {"name": "f", "query": "سجن"}
    for value in ("bbc", "BBC", "bbc arabic", "BBC-AR"):
        assert passes_filters(build_rule({**base, "filters": {"sources": [value]}}), bbc), value
    for value in ("bb", "arabic bbc", "cnn"):
        assert not passes_filters(build_rule({**base, "filters": {"sources": [value]}}), bbc), value


def test_prefilter_keeps_candidates_few() -> None:
    """With many rules on unrelated words, only the rules whose required terms occur are fully checked."""
    words = ["سجن", "انتخابات", "اقتصاد", "نفط", "كرة", "مطر", "زلزال", "فيضان", "جامعة", "مستشفى"]
    rules = [rule(f"r{i}", f'{words[i % len(words)]} AND "{words[(i * 7 + 3) % len(words)]}"') for i in range(500)]
    rules.append(rule("prison", "سجن AND سجناء"))
    eng = Engine.from_rules(rules)
    view = index_view(PRISON)
    cands = eng.candidates(view)
    assert "prison" in cands
    assert len(cands) < 100  # the other 450 rules need a word the article does not contain
    matched = {r.name for r in eng.match(view, PRISON)}
    assert "prison" in matched and matched <= cands


class _FakeStore:
    """A stand-in rule store (version counter + list) to test the refresh protocol without services."""

    def __init__(self, rules: list[AlertRule]) -> None:
        self.rules, self.v, self.list_calls = rules, 1, 0

    def version(self) -> int:
        return self.v

    def list(self, enabled_only: bool = False) -> list[AlertRule]:
        self.list_calls += 1
        return [r for r in self.rules if r.enabled or not enabled_only]


def test_refresh_follows_version_and_is_rate_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    import worker.alerts.engine as engine_mod

    clock = [1000.0]
    monkeypatch.setattr(engine_mod.time, "monotonic", lambda: clock[0])
    store = _FakeStore([rule("a", "سجن")])
    eng = Engine(store, check_interval=1.0)  # type: ignore[arg-type]
    view = index_view(PRISON)
    assert [r.name for r in eng.match(view, PRISON)] == ["a"]
    assert store.list_calls == 1
    store.rules = [rule("a", "سجن"), rule("b", "الحسكة")]
    store.v = 2
    assert [r.name for r in eng.match(view, PRISON)] == ["a"]  # within the interval: cached
    clock[0] += 1.5
    assert [r.name for r in eng.match(view, PRISON)] == ["a", "b"]
    clock[0] += 1.5
    eng.match(view, PRISON)
    assert store.list_calls == 2  # version unchanged: no reload
