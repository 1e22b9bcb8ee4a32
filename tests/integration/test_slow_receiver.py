"""A slow webhook receiver holds neither ingestion nor the other notifications (QA5 qa5a-1).

The workers are the ones ``newsworker run`` starts (``worker.ops.workers.split``: the pipeline's prefork
worker and the deliveries' thread pool, with ``worker.cli.ops.role_cmd``'s command lines). Every rule
notifies one receiver that answers each POST after ``SLOW`` seconds (under ``NEWSWORKER_WEBHOOK_TIMEOUT``: no
retry, just slow). Two matching stories times six rules are twelve sends of ``SLOW`` seconds each; while they
wait, an unrelated article published on another feed must be indexed within seconds, as when no
notification is in flight. With ``deliver`` on the ``alert`` queue (one worker, two processes) it waited for
the sends: ~20 s here, 34 s in QA's run. (The six rules share one receiver, whose sends in flight are
limited by ``NEWSWORKER_DELIVER_PER_RECEIVER``: raised to ``RULES`` here so that a story's sends all wait on
it at once, as many as the test needs; the limit's own test is test_slow_receiver_fair.py.)
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import httpx
import pytest
import yaml

from tests.conftest import ES_URL, REDIS_URL
from tests.integration.alert_receivers import WebhookReceiver, free_port
from tests.integration.procs import (
    REPO,
    indexed_titles,
    leased_redis_db,
    live_stack_env,
    process,
    wait_for,
)

pytestmark = pytest.mark.integration

SLOW = 6.0
RULES = 6
# an unrelated article is indexed within this many seconds of its publication (normally 1-3 s: beat polls
# every second here)
PROMPT = 8.0

STORIES = [
    ("bbc", "مسلحون يهاجمون سجن غويران في الحسكة ويفر عشرات السجناء",
     "شن مسلحون مساء الخميس هجوما على سجن غويران في مدينة الحسكة شمال شرقي سوريا، وفجروا سيارة مفخخة عند "
     "بوابة السجن قبل أن تندلع اشتباكات مع الحراس.\nوقال مسؤول محلي إن عشرات السجناء فروا خلال الهجوم."),
    ("cnn", "محكمة تونسية تقضي بسجن وزير سابق عشر سنوات بتهمة الفساد",
     "قضت محكمة في تونس العاصمة اليوم بسجن وزير سابق عشر سنوات بعد إدانته بتهم فساد مالي واستغلال النفوذ.\n"
     "وقال محامي الدفاع إن موكله سيستأنف الحكم، وإنه سيقضي العقوبة في سجن المرناقية غرب العاصمة."),
]
UNRELATED = ("skynews", "ارتفاع أسعار النفط مع تراجع المخزونات الأمريكية",
             "ارتفعت أسعار النفط في تعاملات اليوم بعد أن أظهرت بيانات رسمية تراجع المخزونات الأمريكية من الخام "
             "للأسبوع الثالث على التوالي، وصعد خام برنت إلى أعلى مستوى له منذ شهرين.")


def _nw(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "worker.cli.main", *args], env=env, cwd=REPO, capture_output=True,
                   text=True, timeout=120, check=True)


def _publish(replay: str, source: str, title: str, body: str) -> float:
    resp = httpx.post(replay + "/admin/publish", json={"source": source, "title": title, "body": body}, timeout=10)
    assert resp.status_code in (200, 201), resp.text
    return time.time()


@pytest.fixture
def stack(tmp_path, es_client):
    tag = "nw-slowrecv-" + uuid.uuid4().hex[:8]
    receiver = WebhookReceiver(port=free_port(), delay=SLOW).start()
    try:
        with leased_redis_db(REDIS_URL) as redis_url:
            env = live_stack_env(tag, redis_url, ES_URL, tmp_path / "data", NEWSWORKER_ALLOW_PRIVATE_ADDRESSES="true",
                                 NEWSWORKER_WEBHOOK_TIMEOUT="10", NEWSWORKER_DELIVER_PER_RECEIVER=str(RULES))
            yield {"env": env, "index": tag, "receiver": receiver, "logs": tmp_path}
    finally:
        receiver.stop()
        es_client.indices.delete(index=tag + "*", ignore_unavailable=True, allow_no_indices=True,
                                 expand_wildcards="all")
        es_client.options(ignore_status=404).indices.delete_index_template(name=tag + "*")


def _run_workers() -> list[tuple[str, list[str]]]:
    """The worker command lines ``newsworker run`` starts (the stack's settings reach them by environment)."""
    from worker.cli.ops import role_cmd
    from worker.ops.workers import split
    from worker.settings import get_settings

    return [(r.name, role_cmd(r)) for r in split(get_settings(), concurrency=2)]


def test_a_slow_receiver_holds_neither_ingestion_nor_other_notifications(stack, es_client) -> None:
    from worker.replay import start_replay_server

    env, receiver, logs = stack["env"], stack["receiver"], stack["logs"]
    rules = {"alerts": [{"name": f"slow-{i}", "mode": "instant", "query": "سجن",
                         "channels": {"webhooks": [{"url": receiver.url}]}} for i in range(RULES)]}
    (logs / "rules.yaml").write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    beat = [sys.executable, "-m", "celery", "-A", "worker.celery_app", "beat", "-S", "redbeat.RedBeatScheduler",
            "--loglevel", "INFO"]
    with start_replay_server(port=0, rate=0.0, start_released=0) as (replay, _srv):
        _nw(env, "setup")
        _nw(env, "alerts", "load", str(logs / "rules.yaml"))
        _nw(env, "feeds", "load-replay", replay, "--interval", "1")
        (pipeline_name, pipeline_cmd), (deliver_name, deliver_cmd) = _run_workers()
        with process(pipeline_cmd, env, logs / "worker.log"), process(deliver_cmd, env, logs / "deliver.log"), \
                process(beat, env, logs / "beat.log"):
            def tail() -> str:
                return "\n".join(f"--- {n}\n" + (logs / f"{n}.log").read_text(errors="replace")[-3000:]
                                 for n in ("worker", "deliver"))

            _publish(replay, *STORIES[0])
            try:
                wait_for(lambda: receiver.arrivals, timeout=120, interval=0.1, what="the first notification")
            except AssertionError:
                pytest.fail("no notification\n" + tail())
            _publish(replay, *STORIES[1])
            wait_for(lambda: len(receiver.arrivals) >= RULES + 1, timeout=60, interval=0.1,
                     what="the second story's notifications")
            # every send of the two stories is now waiting on the receiver (or queued behind them)
            source, title, body = UNRELATED
            published = _publish(replay, source, title, body)
            try:
                wait_for(lambda: title in indexed_titles(es_client, stack["index"]), timeout=90, interval=0.2,
                         what="the unrelated article indexed")
            except AssertionError:
                pytest.fail(f"not indexed; the index holds {indexed_titles(es_client, stack['index'])}\n" + tail())
            took = time.time() - published
            sends_in_flight = len(receiver.arrivals) - len(receiver.requests)
            print(f"unrelated article indexed {took:.1f} s after publication; {sends_in_flight} sends in flight")
            assert took < PROMPT, (f"an unrelated article took {took:.1f} s to be indexed while the receiver "
                                   f"was slow (sends in flight: {sends_in_flight})\n" + tail())

            # each notification reached the receiver once, with its Idempotency-Key; a story's sends went out
            # together (each waits on a thread of its own, not behind the others)
            wait_for(lambda: len(receiver.requests) >= 2 * RULES, timeout=90, what="every notification answered")
            time.sleep(1.0)
            keys = [r.headers.get("Idempotency-Key") for r in receiver.requests]
            assert len(keys) == 2 * RULES == len(set(keys)), keys
            assert all(r.json["id"] == r.headers.get("Idempotency-Key") for r in receiver.requests)
            arrivals = sorted(receiver.arrivals)
            assert arrivals[RULES - 1] - arrivals[0] < SLOW / 2, arrivals
            assert (pipeline_name, deliver_name) == ("worker", "deliver")
