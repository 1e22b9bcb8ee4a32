"""Issue 14's bug, end to end: a digest rule's digest goes out on schedule. Nothing calls the digest code
directly here: a real beat sends the ``digests`` row of the stage table on its schedule, a real worker runs
it and the ``deliver`` row, against a private Redis DB, the real Elasticsearch and a local webhook receiver;
the article itself comes through poll, fetch, extract, story, index and match from the replay feed server.
``newsworker status`` then shows the digests and the outbox sweep running.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from tests.conftest import ES_URL, REDIS_URL
from tests.integration.alert_receivers import WebhookReceiver, free_port
from tests.integration.procs import REPO, celery_worker_cmd, env_with, leased_redis_db, process, wait_for

pytestmark = pytest.mark.integration

TITLE = "مسلحون يهاجمون سجنا في الحسكة ويفر عشرات السجناء"
BODY = ("شن مسلحون مساء الخميس هجوما على سجن غويران في مدينة الحسكة شمال شرقي سوريا، وفجروا سيارة مفخخة "
        "عند بوابة السجن قبل أن تندلع اشتباكات عنيفة مع الحراس.\n"
        "وقال مسؤول محلي إن عددا من السجناء تمكنوا من الفرار خلال الهجوم الذي استمر ساعات.")
DIGEST_MINUTES = 1  # the smallest a rule allows: the batch is due a minute after its first line


def _nw(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "worker.cli.main", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)


def test_digest_rule_sends_its_digest_on_schedule(es_client, tmp_path):
    from worker.replay import start_replay_server

    tag = "nw-digest-" + uuid.uuid4().hex[:8]
    receiver = WebhookReceiver(port=free_port()).start()
    try:
        with leased_redis_db(REDIS_URL) as redis_url, \
                start_replay_server(port=0, rate=0.0, start_released=0) as (replay_url, _srv):
            env = env_with(
                NEWSWORKER_REDIS_URL=redis_url, NEWSWORKER_ES_URL=ES_URL, NEWSWORKER_ES_INDEX=tag,
                NEWSWORKER_ES_ALERTS_INDEX=tag + "-alerts", NEWSWORKER_ES_ALERT_HISTORY_INDEX=tag + "-alert-history",
                NEWSWORKER_ALLOW_PRIVATE_ADDRESSES="true", NEWSWORKER_PER_HOST_RATE="200",
                NEWSWORKER_PER_HOST_BURST="200", NEWSWORKER_POLL_MIN_INTERVAL="1", NEWSWORKER_BEAT_TICK_SECONDS="1",
                NEWSWORKER_DIGEST_TICK_SECONDS="2", NEWSWORKER_OUTBOX_SWEEP_SECONDS="2",
            )
            for args in (("setup",), ("feeds", "load-replay", replay_url, "--interval", "1"),
                         ("alerts", "add", "prison-digest", "-q", '"هجوم على سجن" OR "فرار سجناء" OR event:prison_attack',
                          "--webhook", receiver.url, "--mode", "digest", "--digest-minutes", str(DIGEST_MINUTES))):
                out = _nw(env, *args)
                assert out.returncode == 0, out.stdout + out.stderr
            beat = [sys.executable, "-m", "celery", "-A", "worker.celery_app", "beat", "-S",
                    "redbeat.RedBeatScheduler", "--loglevel", "INFO"]
            with process(celery_worker_cmd(concurrency=2, name="digest"), env, tmp_path / "worker.log"), \
                    process(beat, env, tmp_path / "beat.log"):
                resp = httpx.post(replay_url + "/admin/publish", json={"source": "bbc", "title": TITLE, "body": BODY},
                                  timeout=10)
                assert resp.status_code in (200, 201), resp.text
                published = time.time()
                try:
                    posts = wait_for(lambda: receiver.accepted, timeout=DIGEST_MINUTES * 60 + 120,
                                     what="the digest at the webhook")
                except AssertionError:
                    pytest.fail("no digest; worker log:\n" + (tmp_path / "worker.log").read_text()[-5000:])
                body = posts[0].json
                assert body["kind"] == "digest" and body["rule"]["name"] == "prison-digest"
                assert TITLE in json.dumps(body, ensure_ascii=False)
                # a digest, not an instant alert: it waited for its batch to be due
                assert posts[0].received_at - published >= DIGEST_MINUTES * 60 - 5
                time.sleep(5)  # the next digest ticks must not send it again
                assert len(receiver.accepted) == 1
                status = _nw(env, "status", "--json")
                rows = {r["stage"]: r for r in json.loads(status.stdout)["schedule"]}
                assert rows["digests"]["last_age"] is not None and rows["digests"]["last_age"] < 30, rows
                assert rows["sweep"]["last_age"] is not None and rows["sweep"]["last_age"] < 30, rows
                assert "schedule digests" in _nw(env, "status").stdout
    finally:
        receiver.stop()
        es_client.indices.delete(index=tag + "*", ignore_unavailable=True, allow_no_indices=True,
                                 expand_wildcards="all")
        es_client.options(ignore_status=404).indices.delete_index_template(name=tag + "*")
