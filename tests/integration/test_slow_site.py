"""One slow site delays its own articles, not every feed's (QA6 qa6s-1).

QA's run: a feed of 64 items whose pages sent their headers and then a character every 0.5 s. Every page
fetch ran to the page deadline (60 s), in both pool processes at once, then each retry held a whole
process for 60 s: no poll and no other feed's article got through (136 polls and 62 fetches queued; an
unrelated item still not searchable after 400 s), for about three hours.

Here, in small: the workers ``newsworker run`` starts (a pipeline worker of two processes), a page deadline
of ``DEADLINE`` seconds, a feed of ``PAGES`` items on a site dripping its pages (``DripSite``: more items
than one fetch message holds, so that before the fix both processes were fetching it), and the replay
server's feeds on another origin. Once the site has shown itself slow (its first pages ran out of time:
the first contact costs the processes fetching it one page deadline, by design, see
``worker.ingest.hosts``), and while its pages are still being fetched, an article published on a replay
feed must be indexed within ``PROMPT`` seconds, as when no site is slow (1-3 s: beat polls every second
here); before the fix it waited for a deadline every time, for hours. From then on the dripping site never
has more than ``NEWSWORKER_FETCH_PER_HOST`` (1) of its pages in flight.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import redis as redis_lib

from tests.conftest import ES_URL, REDIS_URL
from tests.integration.procs import (
    REPO,
    indexed_titles,
    leased_redis_db,
    live_stack_env,
    process,
    wait_for,
)

pytestmark = pytest.mark.integration

DEADLINE = 12.0  # NEWSWORKER_HTTP_TOTAL_DEADLINE: each dripping page ends after this long
PAGES = 24  # two fetch messages (FETCH_BATCH 16): before the fix, one in each pool process
DRIP_EVERY = 0.3
PROMPT = 6.0  # seconds from publication to indexed, dripping site or not (before: ~DEADLINE)

UNRELATED = ("skynews", "ارتفاع أسعار النفط مع تراجع المخزونات الأمريكية",
             "ارتفعت أسعار النفط في تعاملات اليوم بعد أن أظهرت بيانات رسمية تراجع المخزونات الأمريكية من الخام "
             "للأسبوع الثالث على التوالي، وصعد خام برنت إلى أعلى مستوى له منذ شهرين.")


class DripSite:
    """An RSS feed of ``PAGES`` items whose article pages answer 200 at once, then one character every
    ``DRIP_EVERY`` s until the client goes away. Counts the page requests in flight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.pages_asked = 0
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                if self.path == "/feed.xml":
                    return self._feed()
                if not self.path.startswith("/page/"):
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                with site.lock:
                    site.in_flight += 1
                    site.pages_asked += 1
                    site.most_in_flight = max(site.most_in_flight, site.in_flight)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.end_headers()
                    self.wfile.write(b"<html><body><p>")
                    while True:
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        time.sleep(DRIP_EVERY)
                except OSError:
                    pass  # the fetcher gave up: its deadline
                finally:
                    with site.lock:
                        site.in_flight -= 1
                return None

            def _feed(self) -> None:
                port = self.server.server_address[1]
                items = "".join(
                    f"<item><title>خبر بطيء رقم {i}</title><link>http://127.0.0.1:{port}/page/{i}</link>"
                    f"<guid>drip-{i}</guid><description>نص الخبر البطيء رقم {i}</description></item>"
                    for i in range(PAGES))
                body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>drip</title>'
                        f"<link>http://127.0.0.1:{port}/</link>{items}</channel></rss>").encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/feed.xml"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def __enter__(self) -> DripSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _nw(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "worker.cli.main", *args], env=env, cwd=REPO, capture_output=True,
                   text=True, timeout=120, check=True)


@pytest.fixture
def stack(tmp_path, es_client):
    tag = "nw-slowsite-" + uuid.uuid4().hex[:8]
    try:
        with leased_redis_db(REDIS_URL) as redis_url:
            env = live_stack_env(tag, redis_url, ES_URL, tmp_path / "data", NEWSWORKER_PRIVATE_HOSTS='["127.0.0.1"]',
                                 NEWSWORKER_HTTP_TOTAL_DEADLINE=str(DEADLINE), NEWSWORKER_RESPECT_ROBOTS="false")
            yield {"env": env, "index": tag, "logs": tmp_path}
    finally:
        es_client.indices.delete(index=tag + "*", ignore_unavailable=True, allow_no_indices=True,
                                 expand_wildcards="all")
        es_client.options(ignore_status=404).indices.delete_index_template(name=tag + "*")


def test_a_dripping_site_delays_only_its_own_articles(stack, es_client) -> None:
    from worker.cli.ops import role_cmd
    from worker.ops.workers import role
    from worker.replay import start_replay_server
    from worker.settings import get_settings

    env, logs = stack["env"], stack["logs"]
    redis = redis_lib.Redis.from_url(env["NEWSWORKER_REDIS_URL"])
    beat = [sys.executable, "-m", "celery", "-A", "worker.celery_app", "beat", "-S", "redbeat.RedBeatScheduler",
            "--loglevel", "INFO"]
    pipeline = role_cmd(role("pipeline", get_settings(), concurrency=2))  # as `newsworker run` starts it
    with DripSite() as drip, start_replay_server(port=0, rate=0.0, start_released=0) as (replay, _srv):
        _nw(env, "setup")
        _nw(env, "feeds", "load-replay", replay, "--interval", "1")
        with process(pipeline, env, logs / "worker.log"), process(beat, env, logs / "beat.log"):
            def tail() -> str:
                return (logs / "worker.log").read_text(errors="replace")[-4000:]

            # the replay feeds' first polls are done (their backlog indexed) before the site starts dripping
            time.sleep(8)
            _nw(env, "feeds", "add", drip.url, "--id", "drip", "--interval", "3600")
            try:
                wait_for(lambda: drip.pages_asked, timeout=60, interval=0.1, what="the dripping pages asked for")
                # its first pages ran out of time: the site is slow now (its pages held to one at a time; after
                # three timeouts in a row, not asked for five page deadlines)
                wait_for(lambda: any(redis.scan_iter(match="*fetch:slow:*")), timeout=3 * DEADLINE,
                         interval=0.2, what="the dripping site known slow")
                wait_for(lambda: drip.in_flight <= 1, timeout=2 * DEADLINE, interval=0.1,
                         what="the first contact's pages over")
            except AssertionError as err:
                pytest.fail(f"{err}\n" + tail())
            drip.most_in_flight = drip.in_flight  # counted from here on
            source, title, body = UNRELATED
            resp = httpx.post(replay + "/admin/publish", json={"source": source, "title": title, "body": body},
                              timeout=10)
            assert resp.status_code in (200, 201), resp.text
            published = time.time()
            try:
                wait_for(lambda: title in indexed_titles(es_client, stack["index"]), timeout=120, interval=0.2,
                         what="the unrelated article indexed")
            except AssertionError:
                pytest.fail("the unrelated article was not indexed\n" + tail())
            took = time.time() - published
            print(f"unrelated article indexed {took:.1f} s after publication; the dripping site had "
                  f"{drip.pages_asked} page requests, at most {drip.most_in_flight} at once")
            assert took < PROMPT, (f"an unrelated article took {took:.1f} s to be indexed while a site dripped "
                                   f"its pages\n" + tail())
            assert drip.most_in_flight <= 1, f"{drip.most_in_flight} pages of the dripping site in flight at once"
