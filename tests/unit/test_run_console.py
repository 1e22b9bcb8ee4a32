"""What ``newsworker run`` prints and refuses before and while it runs: the banner's log format (QA5 qa5b-7),
an API port equal to the replay server's (qa5b-8), and the children it names as down around a Redis outage
(qa5b-3)."""

from __future__ import annotations

import http.server
import io
import json
import threading
from contextlib import redirect_stdout
from pathlib import Path

from tests.cli_process import closed_port, one_error_line, run_cli
from worker.cli.run import CRASH_LOOP, Supervisor, crash_counts, log_format_note
from worker.ops.status_line import api_answers
from worker.settings import get_settings


def _banner(tmp_path: Path, log_format: str) -> str:
    sup = Supervisor.__new__(Supervisor)  # no signal handlers, no children: only the banner
    sup.settings = get_settings().model_copy(update={"log_format": log_format})
    sup.specs = [("worker", []), ("beat", [])]
    sup.logs = tmp_path
    sup.api_url = None
    out = io.StringIO()
    with redirect_stdout(out):
        sup.banner(None)
    return out.getvalue()


def test_the_banner_offers_plain_text_only_when_the_logs_are_not_already(tmp_path) -> None:
    assert "(plain text)" in _banner(tmp_path, "text") and "NEWSWORKER_LOG_FORMAT" not in _banner(tmp_path, "text")
    assert "(JSON lines; NEWSWORKER_LOG_FORMAT=text for plain)" in _banner(tmp_path, "json")
    assert log_format_note("text") == "plain text"


def test_run_refuses_one_port_for_the_api_and_the_replay_server(tmp_path) -> None:
    port = str(closed_port())
    r = run_cli("run", "--demo", clean=True, NEWSWORKER_API_PORT=port, NEWSWORKER_DEMO_PORT=port,
                NEWSWORKER_DATA_DIR=str(tmp_path / "data"))
    assert r.returncode == 2, r.stdout + r.stderr
    line = one_error_line(r)
    assert f"both {port}" in line and "NEWSWORKER_API_PORT" in line and "NEWSWORKER_DEMO_PORT" in line, line
    r = run_cli("run", "--demo", "--demo-port", port, clean=True, NEWSWORKER_API_PORT=port,
                NEWSWORKER_DATA_DIR=str(tmp_path / "data"))
    assert r.returncode == 2 and "--demo-port" in one_error_line(r)


class _Health(http.server.BaseHTTPRequestHandler):
    body = b'{"ok":true}'

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200 if self.path == "/health" else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


def test_the_api_check_wants_our_health_answer() -> None:
    class Other(_Health):
        body = json.dumps({"service": "something else"}).encode()

    for handler, expected in ((_Health, True), (Other, False)):
        server = http.server.HTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            assert api_answers("127.0.0.1", server.server_address[1]) is expected
        finally:
            server.shutdown()
            server.server_close()
    assert not api_answers("127.0.0.1", closed_port())


class _Proc:
    def __init__(self, rc: int | None) -> None:
        self.rc = rc

    def poll(self) -> int | None:
        return self.rc


def _sup(**procs: _Proc) -> Supervisor:
    sup = Supervisor.__new__(Supervisor)
    sup.procs = dict(procs)
    return sup


def test_a_beat_that_exits_with_redis_away_is_no_crash_loop() -> None:
    outage = (100.0, 160.0)

    def lost(at: float) -> bool:
        return outage[0] - 15 <= at <= outage[1] + 15

    exits = {"beat": [101.0, 104.0, 110.0, 130.0], "api": [101.0, 104.0, 110.0]}
    crashes = crash_counts(exits, lost)
    assert crashes == {"beat": 0, "api": 3}  # the API does not need Redis: its exits are crashes
    assert crash_counts({"beat": [10.0, 20.0, 30.0]}, lost) == {"beat": 3}


def test_while_redis_is_away_the_children_that_need_it_are_not_blamed() -> None:
    sup = _sup(worker=_Proc(None), beat=_Proc(1), api=_Proc(3))
    assert sup.children_down({}, redis_away=True) == ["api (restarting)"]
    assert sup.children_down({}, redis_away=False) == ["beat (restarting)", "api (restarting)"]


def test_a_crash_looping_child_that_runs_and_passes_its_check_is_judged_by_it() -> None:
    """After beat held its lock again, the console kept `DOWN: beat (crash loop)` for up to a minute while
    `newsworker status` said beat ok."""
    sup = _sup(beat=_Proc(None), worker=_Proc(None), replay=_Proc(None))
    crashes = {"beat": CRASH_LOOP, "worker": CRASH_LOOP, "replay": CRASH_LOOP}
    assert sup.children_down(crashes, passing={"beat": True, "worker": False}) == \
        ["worker (crash loop)", "replay (crash loop)"]
    sup = _sup(beat=_Proc(1))
    assert sup.children_down({"beat": CRASH_LOOP}, passing={"beat": True}) == ["beat (crash loop)"]
