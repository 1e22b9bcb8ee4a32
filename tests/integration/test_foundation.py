"""Foundation: the real services answer, a document round-trips through Elasticsearch, and a Celery task
runs in a real worker process through the real Redis broker."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.conftest import ES_URL, REDIS_URL
from tests.integration.procs import celery_worker_cmd, env_with, leased_redis_db, process, wait_for

pytestmark = pytest.mark.integration


def test_elasticsearch_is_8_19_and_round_trips_a_document(es_client, unique_name):
    from worker.store.clients import es_version

    assert es_version(es_client).startswith("8.19.")
    index = f"nw-foundation-{unique_name}"
    try:
        es_client.index(index=index, id="a1", document={"title": "هجوم على سجن الصناعة في الحسكة"},
                        refresh="wait_for")
        hits = es_client.search(index=index, query={"match": {"title": "الحسكة"}})["hits"]["hits"]
        assert [h["_id"] for h in hits] == ["a1"]
    finally:
        es_client.indices.delete(index=index, ignore_unavailable=True)


def test_celery_task_runs_in_a_real_worker(redis_client, tmp_path):


    # A DB of its own, so a running service's workers don't take the task.
    with leased_redis_db(REDIS_URL) as url:
        _run_canary(url, tmp_path)


def _run_canary(url: str, tmp_path) -> None:
    import redis

    from worker.keys import Keys
    from worker.settings import get_settings

    r = redis.Redis.from_url(url, decode_responses=True)
    env = env_with(NEWSWORKER_REDIS_URL=url)
    with process(celery_worker_cmd("poll"), env, tmp_path / "worker.log"):
        sent = time.time()
        subprocess.run([sys.executable, "-c", "from worker.celery_app import app; "
                        "from worker.pipeline.table import STAGES; app.send_task(STAGES['canary'].task_name)"],
                       env=env, check=True, timeout=60)
        canary_key = Keys(get_settings().redis_prefix).canary
        stamp = wait_for(lambda: r.get(canary_key), timeout=60, what="the canary task to run")
        assert float(stamp) >= sent - 1


def test_status_exit_code_follows_service_health(redis_client, es_client):
    ok = subprocess.run([sys.executable, "-m", "worker.cli.main", "status", "--services-only"],
                        env=env_with(NEWSWORKER_REDIS_URL=REDIS_URL, NEWSWORKER_ES_URL=ES_URL),
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "8.19" in ok.stdout
    down = subprocess.run([sys.executable, "-m", "worker.cli.main", "status", "--services-only"],
                          env=env_with(NEWSWORKER_ES_URL="http://127.0.0.1:9"), capture_output=True,
                          text=True, timeout=60)
    assert down.returncode != 0
    assert "DOWN" in down.stdout
