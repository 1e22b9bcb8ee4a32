"""``newsworker migrate-keys`` moves state written under the older, scattered key names into the one
namespace, re-runnably, on a Redis DB of its own (the old names are global)."""

from __future__ import annotations

import json

import pytest
import redis

from tests.conftest import REDIS_URL
from tests.integration.procs import leased_redis_db

pytestmark = pytest.mark.integration


def test_old_keys_move_under_the_prefix_and_dead_letters_name_table_stages():
    from worker.keys import Keys
    from worker.pipeline.context import AppContext
    from worker.pipeline.migrate import migrate
    from worker.pipeline.outbox import Outbox
    from worker.settings import Settings

    with leased_redis_db(REDIS_URL) as url:
        r = redis.Redis.from_url(url, decode_responses=True)
        keys = Keys("nw:")
        r.hset("newsworker:inflight:payloads", "d1", json.dumps({"id": "d1", "title": "خبر"}))
        r.zadd("newsworker:inflight:since", {"d1": 1000.0})
        r.set("newsworker:canary:last", "123.0")
        r.hset("newsworker:metrics:c:articles_total", '{"stage":"fetch"}', 5)
        r.set("alerts:notified:prison:s1", "a1")
        r.set("redbeat::lock", "x")
        old = {"id": "dl1", "stage": "alert", "task": "worker.tasks.alert.deliver", "args": [{"id": "n1"}],
               "payload": {"id": "n1", "channel_key": "webhook:0"}, "error": "HTTP 410", "recorded_at": 1.0}
        poll = {"id": "dl2", "stage": "poll", "task": "worker.tasks.poll.poll_feed", "args": ["f1"],
                "payload": {"feed_id": "f1"}, "error": "x", "recorded_at": 2.0}
        for entry in (old, poll):
            r.set(keys.deadletter(entry["id"]), json.dumps(entry))
            r.zadd(keys.deadletters, {entry["id"]: entry["recorded_at"]})
        ctx = AppContext(Settings(), r, None, keys)  # type: ignore[arg-type]

        assert migrate(ctx, dry_run=True).outbox == 1 and r.exists("alerts:notified:prison:s1")  # nothing moved
        report = migrate(ctx)
        assert report.outbox == 1 and report.dead_letters == 2
        assert Outbox(r, keys).take_due(0, now=2000.0)[0].payload["title"] == "خبر"
        assert r.get("nw:canary:last") == "123.0" and not r.exists("newsworker:canary:last")
        assert r.hget("nw:metrics:c:articles_total", '{"stage":"fetch"}') == "5"
        assert r.get("nw:alerts:notified:prison:s1") == "a1"
        assert not r.exists("redbeat::lock")
        dead = {e["id"]: e for e in (json.loads(r.get(keys.deadletter(i))) for i in ("dl1", "dl2"))}
        assert dead["dl1"]["stage"] == "deliver" and "task" not in dead["dl1"]
        assert dead["dl2"]["stage"] == "poll" and dead["dl2"]["payload"] == "f1"
        again = migrate(ctx)  # re-runnable: nothing left to move
        assert again.moved == [] and again.outbox == 0 and again.dead_letters == 0
