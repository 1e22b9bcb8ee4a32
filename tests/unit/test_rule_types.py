"""The casualty step reads the trigger rules' types from the event stage's pass of the rules, not from a second pass
(``find_events``): both must give the same set, or the step would read other inputs than it was trained on."""

import gzip
import json
from pathlib import Path

from worker.extract.casualty_model import article_rule_types, score_casualties
from worker.extract.dates import parse_published
from worker.extract.event_model import detect_events, detect_events_and_rules, split_units
from worker.extract.events import find_events, rule_signals, rule_types
from worker.extract.tokens import sentences

_SAMPLE = Path(__file__).resolve().parents[2] / "worker" / "replay" / "data" / "ant-sample.jsonl.gz"


def _articles() -> list[tuple[str, str, str]]:
    with gzip.open(_SAMPLE, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    return [(d.get("title") or "", d.get("text") or d.get("body") or "", d.get("time") or "") for d in rows]


def test_rule_types_equal_a_second_pass_of_the_rules():
    fired = 0
    for title, body, _ in _articles():
        want = frozenset(e.type for e in find_events(title, body))
        assert rule_types(rule_signals(split_units(title, body)[1])) == want, title
        assert article_rule_types(title, body) == want, title
        fired += bool(want)
    assert fired >= 30  # the sample has violent news: the comparison is not between empty sets


def test_generic_attack_only_without_a_violent_type():
    assert rule_types([{"generic"}, set()]) == {"armed_attack"}
    assert rule_types([{"generic"}, {"rule:protest"}]) == {"armed_attack", "protest"}
    assert rule_types([{"generic", "rule:airstrike"}]) == {"airstrike"}
    assert rule_types([{"pat:generic", "pat:airstrike"}]) == frozenset()


def test_the_chain_passes_what_the_casualty_step_would_find_itself():
    for title, body, time in _articles()[:120]:
        pub = parse_published(time)
        spans = sentences(body)
        reading = detect_events_and_rules(title, body, spans, published=pub)
        assert reading.events == detect_events(title, body, spans, published=pub)
        assert reading.rule_types == article_rule_types(title, body, spans)
        types = {e.type for e in reading.events}
        given = score_casualties(title, body, spans=(None, spans), published=pub, event_types=types,
                                 rule_types=reading.rule_types)
        assert given == score_casualties(title, body, spans=(None, spans), published=pub, event_types=types)
        assert given == score_casualties(title, body, spans=(None, spans), published=pub)
