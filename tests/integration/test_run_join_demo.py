"""``newsworker run --demo --join`` beside a live demo run (QA5 qa5b-6): the joining run used to register the
demo feeds again at a replay server of its own (its NEWSWORKER_DEMO_PORT), so every article was new under
other URLs and indexed a second time, and when it stopped the live run's feeds all failed.

A real run on a leased Redis database with its own index names. The live run is stood in for by its heartbeat
in Redis, its replay server (a real ``replay-server`` process) and the demo feeds it registered.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid

import pytest
import redis

from tests.conftest import ES_URL, REDIS_URL
from tests.integration.alert_receivers import free_port
from tests.integration.procs import REPO, env_with, leased_redis_db, listening, process, wait_for
from worker.cli.run import demo_feeds_file

pytestmark = pytest.mark.integration


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "worker.cli.main", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_a_joining_demo_run_uses_the_live_runs_replay_server_and_leaves_the_registry(tmp_path, es_client) -> None:
    tag = "nw-join-" + uuid.uuid4().hex[:8]
    live_port, own_port = free_port(), free_port()
    data = tmp_path / "joining"
    console = tmp_path / "console.txt"
    with leased_redis_db(REDIS_URL) as redis_url:
        env = env_with(NEWSWORKER_REDIS_URL=redis_url, NEWSWORKER_ES_URL=ES_URL, NEWSWORKER_ES_INDEX=tag,
                       NEWSWORKER_ES_ALERTS_INDEX=tag + "-alerts", NEWSWORKER_ES_ALERT_HISTORY_INDEX=tag + "-history",
                       NEWSWORKER_ES_FEEDS_INDEX=tag + "-feeds", NEWSWORKER_DATA_DIR=str(data),
                       NEWSWORKER_DEMO_PORT=str(own_port), NEWSWORKER_WORKER_CONCURRENCY="1")
        # the live run: its replay server, its demo feeds, its heartbeat (on another host: never taken as gone)
        with process([sys.executable, "-m", "worker.cli.main", "replay-server", "--port", str(live_port)], env,
                     tmp_path / "live-replay.log"):
            wait_for(lambda: listening(live_port), 30, 0.2, "the live run's replay server")
            feeds = demo_feeds_file(REPO / "config" / "feeds.demo.yaml", live_port, tmp_path / "live")
            loaded = _cli(env, "feeds", "load", str(feeds))
            assert loaded.returncode == 0, loaded.stdout + loaded.stderr
            member = json.dumps({"host": "other-host", "pid": 4242, "data_dir": str(tmp_path / "live"),
                                 "prefix": "nw:", "started": time.time() - 60}, sort_keys=True)
            client = redis.Redis.from_url(redis_url, decode_responses=True)
            client.zadd("newsworker:runs", {member: time.time()})

            with open(console, "wb") as out:
                run = subprocess.Popen([sys.executable, "-m", "worker.cli.main", "run", "--demo", "--join",
                                        "--no-api", "--status-every", "2"], env=env, cwd=REPO, stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)
            try:
                def indexed() -> int:
                    client.zadd("newsworker:runs", {member: time.time()})  # the live run keeps beating
                    found = re.findall(r"articles indexed (\d+)", console.read_text())
                    return int(found[-1]) if found and int(found[-1]) > 0 else 0

                try:
                    wait_for(indexed, timeout=240, interval=1, what="the joining run to index articles")
                except AssertionError:
                    pytest.fail("console:\n" + console.read_text()[-3000:] + "\nworker.log:\n"
                                + (data / "logs" / "worker.log").read_text(errors="replace")[-3000:])
                text = console.read_text()
                assert f"demo: the live run's replay feeds on 127.0.0.1:{live_port}" in text, text
                assert not listening(own_port), "the joining run started a replay server of its own"
                assert "registered by the live run" in (data / "logs" / "run.log").read_text()
                bbc = json.loads(_cli(env, "feeds", "show", "replay-bbc").stdout)
                assert bbc["url"] == f"http://127.0.0.1:{live_port}/feeds/bbc.rss", bbc
                es_client.indices.refresh(index=tag)
                urls = [h["_source"]["url"] for h in es_client.search(
                    index=tag, size=100, source=["url"], query={"match_all": {}})["hits"]["hits"]]
                assert urls and all(f"127.0.0.1:{live_port}/" in u for u in urls), urls[:5]
                run.send_signal(signal.SIGINT)
                assert run.wait(60) == 0
                # the live run's feeds still name its server, which still serves them
                bbc = json.loads(_cli(env, "feeds", "show", "replay-bbc").stdout)
                assert bbc["url"].startswith(f"http://127.0.0.1:{live_port}/") and listening(live_port)
            finally:
                if run.poll() is None:
                    os.killpg(run.pid, signal.SIGKILL)
                    run.wait()
                es_client.indices.delete(index=tag + "*", ignore_unavailable=True, allow_no_indices=True,
                                         expand_wildcards="all")
                es_client.options(ignore_status=404).indices.delete_index_template(name=tag + "*")
