"""Property: any text either parses (and then compiles to both backends) or raises QuerySyntaxError.

The strict inner parser is used, without the last-resort guard that converts unexpected exceptions, so
a crash in our code is reported as the bug it is.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from worker.query import QuerySyntaxError, compile_node
from worker.query.fields import index_view
from worker.query.parser import _parse

VIEW = index_view({
    "id": "x", "title": "هجوم على سجن", "body": "مقتل 5 في الحسكة", "source": "bbc",
    "published": "2022-01-20T10:00:00Z",
    "entities": [{"text": "الحسكة", "type": "LOC", "canonical": "الحسكة", "start": 10, "end": 16}],
    "casualties": [{"kind": "killed", "count": 5, "text": "مقتل 5"}],
    "events": [{"type": "prison_attack", "evidence": "هجوم على سجن"}],
})

ATOMS = [
    "سجن", "وبالسجن", "سوريا", "a", "Trump", "2022", "10", "*", "?", "~", "^2", ":", '"', "(", ")", "[", "]",
    "{", "}", " TO ", " AND ", " OR ", " NOT ", "&&", "||", "!", "-", "+", "\\", "/", "..", ">", ">=", "<",
    "<=", "=", "date:", "killed:", "entity:", "place:", "event:", "source:", "title:", "foo:", "prison_attack",
    "2022-01-20", "2022-13-45", " ", "،", "ً", "\x00", "\u200f", "٣",
]
query_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="سجن ab1:\"()[]{}*?~^!&|-+\\/<>=. TOANDR", max_size=40),
    st.lists(st.sampled_from(ATOMS), max_size=14).map("".join),
)


def check(q: str) -> None:
    try:
        node = _parse(q)
    except QuerySyntaxError as err:
        assert err.message
        return
    cq = compile_node(node, q)
    json.dumps(cq.es)
    assert cq.matches(VIEW) in (True, False)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query_text)
def test_parse_only_raises_query_syntax_error(q: str) -> None:
    check(q)


def test_known_tricky_inputs() -> None:
    for q in ["", "\\", '"', "''", "a:", ":a", "a:b:c", "((((", "))))", "[a TO", "a TO b", "TO", "date:*..*",
              "killed:>", "killed:>=-5", "killed:<-1", "date:9999", "date:0000", "date:>9999-12-31", "!", "!!a",
              "a!", "-", "--a", "+-a", "NOT", "AND OR", "*:*", "_exists_:title", "a^", "^", "\x00", "date:..",
              "killed:..", "killed:[* TO *]", "date:[* TO *]", 'date:"*"', '""', '"،"', "entity:\"\"", "event:*"]:
        check(q)
