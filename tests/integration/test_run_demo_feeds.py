"""``run --demo`` registers the demo feeds once; after that the registry is the operator's (QA3 L5): an interval
changed with ``feeds add --replace`` and a demo feed removed stay so across restarts (every start used to re-load
``feeds.demo.yaml`` and undo both). A replay server on another port re-points the demo feeds left on the old one.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
import redis

from tests.conftest import REDIS_URL
from tests.integration.procs import REPO, env_with, leased_redis_db
from worker.ingest.registry import Feed
from worker.pipeline.context import AppContext, use
from worker.settings import get_settings

pytestmark = pytest.mark.integration

DEMO = REPO / "config" / "feeds.demo.yaml"


@contextmanager
def _supervisor(tmp_path, unique_name: str) -> Iterator[tuple[object, AppContext]]:
    """A supervisor that starts nothing (only its demo feed loading is used), on a leased Redis database."""
    from worker.cli.run import Supervisor

    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    with leased_redis_db(REDIS_URL) as url:
        prefix = f"{unique_name}:"
        settings = get_settings().model_copy(update={"data_dir": tmp_path / "data", "redis_url": url,
                                                     "redis_prefix": prefix})
        env = env_with(NEWSWORKER_REDIS_URL=url, NEWSWORKER_REDIS_PREFIX=prefix,
                       NEWSWORKER_DATA_DIR=str(settings.data_dir))
        ctx = AppContext.create(settings, redis_client=redis.Redis.from_url(url, decode_responses=True),
                                prefix=prefix)
        try:
            with use(ctx):
                yield Supervisor([], env, settings, api=False), ctx
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)


def test_a_restarted_demo_keeps_the_operators_changes(tmp_path, unique_name) -> None:
    with _supervisor(tmp_path, unique_name) as (sup, ctx):
        reg = ctx.registry
        sup.load_feeds(DEMO, 8765)
        ids = reg.ids()
        assert len(ids) == 5 and "replay-bbc" in ids
        bbc = reg.get("replay-bbc")
        reg.put(Feed.model_validate({**bbc.model_dump(), "interval": 120}))  # feeds add --replace --interval 120
        reg.remove("replay-cnn")  # feeds remove replay-cnn
        sup.load_feeds(DEMO, 8765)  # the next `run --demo`
        assert reg.get("replay-bbc").interval == 120
        assert reg.get("replay-cnn") is None and len(reg.ids()) == 4
        assert "registered already" in (sup.logs / "run.log").read_text()


def test_a_moved_replay_server_re_points_the_demo_feeds(tmp_path, unique_name) -> None:
    with _supervisor(tmp_path, unique_name) as (sup, ctx):
        reg = ctx.registry
        sup.load_feeds(DEMO, 8765)
        reg.remove("replay-cnn")
        sup.load_feeds(DEMO, 8775)  # NEWSWORKER_DEMO_PORT changed
        assert reg.get("replay-bbc").url == "http://127.0.0.1:8775/feeds/bbc.rss"
        assert reg.get("replay-cnn") is None and len(reg.ids()) == 4


def test_a_joining_run_leaves_the_shared_demo_feeds_on_the_live_runs_replay_server(tmp_path, unique_name) -> None:
    """QA5 qa5b-6: `run --demo --join` with its own NEWSWORKER_DEMO_PORT re-pointed every demo feed at its own
    replay server (each article indexed again under new URLs, and the live run's feeds failing once the joining
    run stopped). Joining, the registry is the live run's: nothing is re-pointed, and the joining run is told
    which replay server the feeds name."""
    from worker.cli.run import registered_demo_urls, shared_replay_port

    with _supervisor(tmp_path, unique_name) as (sup, ctx):
        reg = ctx.registry
        sup.load_feeds(DEMO, 8712)  # the first run
        assert shared_replay_port(registered_demo_urls(DEMO)) == 8712
        sup.load_feeds(DEMO, 8719, joining=True)  # the second, joining it with another demo port
        assert reg.get("replay-bbc").url == "http://127.0.0.1:8712/feeds/bbc.rss"
        assert {urlsplit(reg.get(i).url).port for i in reg.ids()} == {8712}
        assert "registered by the live run this one joined" in (sup.logs / "run.log").read_text()


def test_a_joining_run_on_a_registry_without_demo_feeds_registers_them(tmp_path, unique_name) -> None:
    from worker.cli.run import registered_demo_urls, shared_replay_port

    with _supervisor(tmp_path, unique_name) as (sup, ctx):
        assert shared_replay_port(registered_demo_urls(DEMO)) is None  # the live run polls other feeds
        sup.load_feeds(DEMO, 8719, joining=True)
        assert len(ctx.registry.ids()) == 5 and ctx.registry.get("replay-bbc").url.startswith("http://127.0.0.1:8719/")
