"""``newsworker run --demo`` as a newcomer sees it: a banner and a status line on the console, the JSON logs
in files under the data dir, /ready answering, and a clean stop on Ctrl-C (SIGINT). Also: the test run names
the Elasticsearch version it talked to.

Its own Redis DB, Elasticsearch index names, data dir and ports: a running service is not disturbed.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from tests.conftest import ES_URL, REDIS_URL
from tests.integration.alert_receivers import free_port
from tests.integration.procs import REPO, env_with, leased_redis_db, listening, wait_for

pytestmark = pytest.mark.integration


def test_run_shows_a_banner_and_a_status_line_logs_to_files_and_stops_on_ctrl_c(
        tmp_path, redis_client, es_client) -> None:
    tag = "nw-run-" + uuid.uuid4().hex[:8]
    api_port, demo_port = free_port(), free_port()
    data = tmp_path / "data"
    console = tmp_path / "console.txt"
    with leased_redis_db(REDIS_URL) as redis_url:
        env = env_with(NEWSWORKER_REDIS_URL=redis_url, NEWSWORKER_ES_URL=ES_URL, NEWSWORKER_ES_INDEX=tag,
                       NEWSWORKER_ES_ALERTS_INDEX=tag + "-alerts", NEWSWORKER_ES_ALERT_HISTORY_INDEX=tag + "-history",
                       NEWSWORKER_DATA_DIR=str(data), NEWSWORKER_API_PORT=str(api_port),
                       NEWSWORKER_DEMO_PORT=str(demo_port), NEWSWORKER_WORKER_CONCURRENCY="1")
        with open(console, "wb") as out:
            run = subprocess.Popen([sys.executable, "-m", "worker.cli.main", "run", "--demo", "--status-every", "2"],
                                   env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            def indexed() -> int:
                found = re.findall(r"^ready · .*articles indexed (\d+)", console.read_text(), re.M)
                return int(found[-1]) if found and int(found[-1]) > 0 else 0

            try:
                wait_for(indexed, timeout=180, interval=1, what="a status line with articles indexed")
            except AssertionError:
                pytest.fail("console:\n" + console.read_text()[-3000:] + "\nworker.log:\n"
                            + (data / "logs" / "worker.log").read_text(errors="replace")[-3000:])
            assert httpx.get(f"http://127.0.0.1:{api_port}/ready", timeout=10).status_code == 200
            text = console.read_text()
            assert f"open        http://127.0.0.1:{api_port}/" in text
            assert f"{data / 'logs'}/{{replay,worker,deliver,beat,api}}.log" in text and "Ctrl-C" in text
            assert '"level"' not in text, "a JSON log line reached the console"
            for name in ("worker", "deliver", "beat", "api", "replay"):
                assert (data / "logs" / f"{name}.log").stat().st_size > 0, name
            for name in ("beat", "api"):  # the celery/uvicorn log records, one JSON object a line
                records = [json.loads(ln) for ln in (data / "logs" / f"{name}.log").read_text().splitlines()
                           if ln.startswith("{")]
                assert records and all("ts" in r and "level" in r for r in records), name

            run.send_signal(signal.SIGINT)  # what Ctrl-C sends to the foreground process
            assert run.wait(60) == 0
            assert console.read_text().rstrip().endswith("stopped")
            time.sleep(0.5)
            assert not listening(api_port) and not listening(demo_port), "a child outlived run"
        finally:
            if run.poll() is None:
                import os

                os.killpg(run.pid, signal.SIGKILL)
                run.wait()
            es_client.indices.delete(index=tag + "*", ignore_unavailable=True, allow_no_indices=True,
                                     expand_wildcards="all")
            es_client.options(ignore_status=404).indices.delete_index_template(name=tag + "*")


def test_the_test_run_names_the_elasticsearch_version(es_client) -> None:
    from worker.store.clients import es_version

    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "tests/unit/test_ops_status_line.py"], cwd=REPO, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout[-2000:]
    assert f"Elasticsearch {es_version(es_client)} at {ES_URL}" in out.stdout
