"""End to end on real services: replay feed server -> beat + Celery worker processes -> Elasticsearch ->
alert matching -> a local webhook receiver.

Everything runs as it does in production (separate worker and beat processes, the Redis broker, the
shipped ``config/alerts.yaml``), isolated from a running service by its own Redis DB and its own
Elasticsearch index names.
"""

from __future__ import annotations

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

PRISON_TITLE = "مسلحو داعش يهاجمون سجنا في الحسكة ويفر عشرات السجناء"
PRISON_BODY = (
    "شن مسلحون من تنظيم داعش مساء الخميس هجوما على سجن غويران في مدينة الحسكة شمال شرقي سوريا، "
    "حيث فجروا سيارة مفخخة عند بوابة السجن قبل أن تندلع اشتباكات عنيفة مع قوات سوريا الديمقراطية.\n"
    "وقال مسؤول في الإدارة الذاتية إن عددا من السجناء تمكنوا من الفرار خلال الهجوم، وإن قوات الأمن "
    "فرضت حظر تجوال في الأحياء المحيطة بالسجن وبدأت حملة تمشيط بحثا عن الفارين.\n"
    "وأضاف أن سبعة من عناصر الحراسة قتلوا وأصيب خمسة عشر آخرون في الهجوم الذي استمر ساعات."
)
# A wire copy as a second outlet carries it: other title, the same story lightly edited.
SYNDICATED_TITLE = "هجوم لداعش على سجن غويران بالحسكة وفرار سجناء"
SYNDICATED_BODY = PRISON_BODY.replace("مساء الخميس", "مساء يوم الخميس").replace("عنيفة", "عنيفة جدا")
OTHER_TITLE = "ارتفاع أسعار النفط مع تراجع المخزونات الأمريكية"
OTHER_BODY = (
    "ارتفعت أسعار النفط في تعاملات اليوم بعد أن أظهرت بيانات رسمية تراجع المخزونات الأمريكية من الخام "
    "للأسبوع الثالث على التوالي، وصعد خام برنت إلى أعلى مستوى له منذ شهرين.\n"
    "وقال محللون إن الطلب القوي في آسيا يدعم الأسعار رغم زيادة الإنتاج في عدد من الدول."
)
IRAQ_TITLE = "اقتحام سجن في الموصل وهروب سجناء بعد اشتباكات مع الحراس"
IRAQ_BODY = (
    "أفادت مصادر أمنية عراقية بأن مجموعة مسلحة اقتحمت سجنا في مدينة الموصل بمحافظة نينوى فجر اليوم، "
    "وتبادلت إطلاق النار مع الحراس قبل أن يتمكن نحو ثلاثين سجينا من الهروب.\n"
    "وأعلنت قيادة العمليات المشتركة في بغداد إطلاق عملية لملاحقة الفارين وفرض طوق أمني حول المدينة."
)


def _nw(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "worker.cli.main", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=check)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    import redis
    from elasticsearch import Elasticsearch

    from worker.replay import start_replay_server

    logs = tmp_path_factory.mktemp("e2e")
    try:
        Elasticsearch(ES_URL).cluster.health(wait_for_status="yellow", timeout="10s")
        redis.Redis.from_url(REDIS_URL).ping()
    except Exception as err:  # noqa: BLE001
        from tests.conftest import service_missing

        service_missing("Redis/Elasticsearch", err)
    db_lease = leased_redis_db(REDIS_URL)
    redis_url = db_lease.__enter__()
    tag = "nw-e2e-" + uuid.uuid4().hex[:8]
    receiver = WebhookReceiver(port=free_port()).start()
    env = env_with(
        NEWSWORKER_REDIS_URL=redis_url,
        NEWSWORKER_ES_URL=ES_URL,
        NEWSWORKER_ES_INDEX=tag,
        NEWSWORKER_ES_ALERTS_INDEX=tag + "-alerts",
        NEWSWORKER_ES_ALERT_HISTORY_INDEX=tag + "-alert-history",
        NEWSWORKER_ALLOW_PRIVATE_ADDRESSES="true",
        NEWSWORKER_PER_HOST_RATE="200",
        NEWSWORKER_PER_HOST_BURST="200",
        NEWSWORKER_POLL_MIN_INTERVAL="1",
        NEWSWORKER_BEAT_TICK_SECONDS="1",
        ALERTS_WEBHOOK_URL=f"http://{receiver.host}:{receiver.port}/hooks/alerts",
        ALERTS_SLACK_WEBHOOK_URL=f"http://{receiver.host}:{receiver.port}/hooks/slack",
    )
    with start_replay_server(port=0, rate=0.0, start_released=0) as (replay_url, _srv):
        _nw(env, "setup")
        _nw(env, "alerts", "load", str(REPO / "config" / "alerts.yaml"))
        _nw(env, "feeds", "load-replay", replay_url, "--interval", "1")
        with process(celery_worker_cmd(concurrency=2, name="e2e"), env, logs / "worker.log"), \
                process([sys.executable, "-m", "celery", "-A", "worker.celery_app", "beat", "-S",
                         "redbeat.RedBeatScheduler", "--loglevel", "INFO"], env, logs / "beat.log"):
            yield {"env": env, "replay": replay_url, "receiver": receiver, "index": tag, "logs": logs}
    receiver.stop()
    es = Elasticsearch(ES_URL)
    for idx in (tag + "*",):
        es.indices.delete(index=idx, ignore_unavailable=True, allow_no_indices=True, expand_wildcards="all")
    es.options(ignore_status=404).indices.delete_index_template(name=tag + "*")
    db_lease.__exit__(None, None, None)


def _publish(stack, source: str, title: str, body: str) -> None:
    resp = httpx.post(stack["replay"] + "/admin/publish",
                      json={"source": source, "title": title, "body": body}, timeout=10)
    assert resp.status_code in (200, 201), resp.text


def _indexed_titles(stack) -> list[str]:
    from elasticsearch import Elasticsearch

    es = Elasticsearch(ES_URL)
    try:
        es.indices.refresh(index=stack["index"])
        hits = es.search(index=stack["index"], size=100, source_includes=["title"])["hits"]["hits"]
    except Exception:  # noqa: BLE001 - index may not exist yet
        return []
    return [h["_source"]["title"] for h in hits]


def _alert_posts(stack) -> list:
    return [q for q in stack["receiver"].accepted if q.path == "/hooks/alerts"]


def _dump_logs(stack) -> str:
    return (stack["logs"] / "worker.log").read_text(errors="replace")[-6000:]


def test_prison_attack_notifies_once_and_syndicated_copy_does_not(stack):
    _publish(stack, "bbc", PRISON_TITLE, PRISON_BODY)
    try:
        posts = wait_for(lambda: _alert_posts(stack), timeout=90, what="a webhook notification")
    except AssertionError:
        pytest.fail("no notification; logs:\n" + _dump_logs(stack))
    payload = posts[0].json
    assert PRISON_TITLE in str(payload)
    assert posts[0].headers.get("Idempotency-Key")

    _publish(stack, "skynews", SYNDICATED_TITLE, SYNDICATED_BODY)
    wait_for(lambda: SYNDICATED_TITLE in _indexed_titles(stack), timeout=90, what="the syndicated copy indexed")
    time.sleep(3)  # matching and delivery run right after indexing: give them time to (wrongly) fire
    assert len(_alert_posts(stack)) == 1


def test_non_matching_article_triggers_nothing(stack):
    before = len(_alert_posts(stack))
    _publish(stack, "cnn", OTHER_TITLE, OTHER_BODY)
    wait_for(lambda: OTHER_TITLE in _indexed_titles(stack), timeout=90, what="the economy article indexed")
    time.sleep(3)
    assert len(_alert_posts(stack)) == before


def test_webhook_down_delays_but_loses_nothing(stack):
    receiver: WebhookReceiver = stack["receiver"]
    before = len(_alert_posts(stack))
    receiver.fail_next(3, 503)
    _publish(stack, "france24", IRAQ_TITLE, IRAQ_BODY)
    posts = wait_for(lambda: len(_alert_posts(stack)) > before and _alert_posts(stack), timeout=120,
                     what="delivery after the receiver recovers")
    time.sleep(3)
    new = _alert_posts(stack)[before:]
    assert len(new) == 1, [p.json for p in new]
    assert IRAQ_TITLE in str(posts[-1].json)
