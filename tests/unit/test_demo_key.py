"""``run --demo``'s own API key (QA5 qa5c-1): made only when none is set, printed once in the banner, and
how to turn changes on said when a run has no key."""

from __future__ import annotations

from worker.cli.run import demo_api_key, key_lines


def test_the_demo_makes_a_random_key_only_when_none_is_set() -> None:
    made = demo_api_key(None)
    assert made and made.startswith("demo-") and len(made) > 20
    assert demo_api_key("") != made and demo_api_key("  ") is not None
    assert demo_api_key("my-secret") is None and demo_api_key("change-me") is None  # the operator's choice


def test_the_banner_prints_the_demo_key_and_never_a_configured_one() -> None:
    lines = key_lines(None, "demo-abc")
    assert "demo-abc" in lines[0] and "NEWSWORKER_API_KEY" in " ".join(lines)
    assert key_lines("my-secret", None) == []
    off = " ".join(key_lines(None, None))
    assert "changes" in off and "off" in off and "NEWSWORKER_API_KEY" in off and "restart" in off
