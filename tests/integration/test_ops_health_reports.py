"""What ``newsworker status``, /metrics and the checks behind them say when something is off: a RedBeat lock
that a killed beat left behind (QA3 L6), Redis unreachable (QA3 L11)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import redis
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.app_context import app_context
from tests.conftest import REDIS_URL
from tests.integration.alert_receivers import free_port
from tests.integration.procs import REPO, env_with, leased_redis_db, wait_for
from worker.ops import health
from worker.pipeline.context import use

pytestmark = pytest.mark.integration


# -- L6: the lock of a beat that is gone ---------------------------------------------------------------------

def test_a_lock_nobody_renews_is_no_beat(redis_client, es_client, unique_name) -> None:
    ctx = app_context(unique_name, redis_client, es_client)
    lock = f"{ctx.keys.redbeat}:lock"
    timeout, tick = health.beat_lock_timing() if hasattr(health, "beat_lock_timing") else (60.0, 5.0)
    try:
        with use(ctx):
            redis_client.set(lock, "token", px=int(timeout * 1000))  # just acquired or renewed
            assert health.check_beat().ok
            # renewed 4 ticks ago: a running beat would have renewed it 3 times since
            redis_client.set(lock, "token", px=int((timeout - 4 * tick - 5) * 1000))
            beat = health.check_beat()
            assert not beat.ok and "renewed" in beat.detail, beat
    finally:
        redis_client.delete(lock)


def test_a_killed_beat_is_reported_while_its_lock_still_blocks_the_next_one(unique_name, monkeypatch) -> None:
    """A real beat, kill -9: `status`'s beat check goes DOWN while the dead beat's lock is still held (the
    replacement beat waits on it, nothing is scheduled); it used to say "beat holds the RedBeat lock"."""
    from worker.pipeline.context import current
    from worker.settings import get_settings
    from worker.store.clients import reset_clients

    with leased_redis_db(REDIS_URL) as url:
        prefix = f"{unique_name}:"
        env = env_with(NEWSWORKER_REDIS_URL=url, NEWSWORKER_REDIS_PREFIX=prefix)
        # this process's settings and clients on the same names, as `newsworker status` would be
        monkeypatch.setenv("NEWSWORKER_REDIS_URL", url)
        monkeypatch.setenv("NEWSWORKER_REDIS_PREFIX", prefix)
        get_settings.cache_clear()
        reset_clients()
        client = redis.Redis.from_url(url, decode_responses=True)
        lock = f"{current().keys.redbeat}:lock"
        beat = subprocess.Popen([sys.executable, "-m", "celery", "-A", "worker.celery_app", "beat", "-S",
                                 "redbeat.RedBeatScheduler", "--loglevel", "INFO"], env=env, cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for(lambda: client.pttl(lock) > 0 and health.check_beat().ok, 90, 0.5, "the beat's lock")
            os.killpg(beat.pid, signal.SIGKILL)
            beat.wait(10)

            def down_while_held() -> health.Check | None:
                check = health.check_beat()
                held = client.pttl(lock) > 0
                assert held, f"the lock expired before the check noticed the beat was gone: {check}"
                return check if not check.ok else None

            check = wait_for(down_while_held, 90, 0.5, "beat reported DOWN while its lock is held")
            assert "renewed" in check.detail and "expires in" in check.detail, check
        finally:
            if beat.poll() is None:
                os.killpg(beat.pid, signal.SIGKILL)
                beat.wait(10)
            get_settings.cache_clear()
            reset_clients()


# -- L11: Redis unreachable ------------------------------------------------------------------------------------

@pytest.fixture
def redis_away(monkeypatch):
    """The process's settings and clients on a Redis port nothing listens on."""
    from worker.settings import get_settings
    from worker.store.clients import reset_clients

    monkeypatch.setenv("NEWSWORKER_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    get_settings.cache_clear()
    reset_clients()
    yield
    get_settings.cache_clear()
    reset_clients()


def test_status_says_it_cannot_read_the_canary_rather_than_that_it_never_ran(redis_away) -> None:
    consuming = health.check_consuming()
    assert not consuming.ok
    assert "cannot read" in consuming.detail and "never run" not in consuming.detail, consuming


def test_metrics_still_answer_and_name_the_store_that_is_down(redis_away, es_client) -> None:
    from worker.api.app import create_app

    started = time.monotonic()
    resp = TestClient(create_app()).get("/metrics")
    assert resp.status_code == 200, resp.text
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for f in text_string_to_metric_families(resp.text) for s in f.samples}
    assert samples[("newsworker_dependency_up", (("dependency", "redis"),))] == 0.0
    assert samples[("newsworker_dependency_up", (("dependency", "elasticsearch"),))] in (0.0, 1.0)
    assert not any(name.startswith("newsworker_queue_") for name, _ in samples), "figures of a store that is down"
    assert time.monotonic() - started < 60


# -- M2: nothing registered to poll ---------------------------------------------------------------------------

def test_status_says_so_when_no_feed_is_registered_or_enabled(redis_client, es_client, unique_name) -> None:
    from worker.ingest.registry import Feed

    ctx = app_context(unique_name, redis_client, es_client)
    with use(ctx):
        empty = health.check_feeds()
        assert not empty.ok and "no feed registered" in empty.detail, empty
        ctx.registry.add(Feed(id="f1", url="https://example.org/rss", name="one"))
        assert health.check_feeds().ok
        ctx.registry.set_enabled("f1", False)
        off = health.check_feeds()
        assert not off.ok and "disabled" in off.detail, off
        assert "feeds" in [c.name for c in health.gather(include_workers=True)]
        ctx.registry.remove("f1")
