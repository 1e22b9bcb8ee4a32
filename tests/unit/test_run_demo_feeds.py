"""Which demo feeds ``run --demo`` (re-)loads (QA3 L5), as a pure decision."""

from __future__ import annotations

from worker.cli.run import demo_feeds_to_load

FILE = [{"id": "replay-bbc", "url": "http://127.0.0.1:8765/feeds/bbc.rss"},
        {"id": "replay-cnn", "url": "http://127.0.0.1:8765/feeds/cnn.atom"},
        {"name": "Some Outlet", "url": "http://127.0.0.1:8765/feeds/x.rss"}]


def test_the_first_demo_run_loads_them_all() -> None:
    assert demo_feeds_to_load(FILE, {}) == ["replay-bbc", "replay-cnn", "some-outlet"]
    assert demo_feeds_to_load(FILE, {"unrelated": "https://example.org/x.rss"}) == [
        "replay-bbc", "replay-cnn", "some-outlet"]


def test_once_registered_the_operators_registry_is_left_alone() -> None:
    # replay-cnn removed by the operator, replay-bbc's interval changed: nothing to load
    assert demo_feeds_to_load(FILE, {"replay-bbc": "http://127.0.0.1:8765/feeds/bbc.rss"}) == []
    # a demo id the operator pointed somewhere else is theirs too
    assert demo_feeds_to_load(FILE, {"replay-bbc": "https://example.org/bbc.rss"}) == []


def test_a_demo_feed_on_the_replay_servers_old_port_is_re_pointed() -> None:
    registered = {"replay-bbc": "http://127.0.0.1:8775/feeds/bbc.rss", "some-outlet": FILE[2]["url"]}
    assert demo_feeds_to_load(FILE, registered) == ["replay-bbc"]
