"""Deliveries never take the processes ingestion and matching need (QA5 qa5a-1): ``deliver`` has a queue of
its own in the stage table, consumed by a thread-pool worker that ``run``, the systemd units and compose all
start beside the pipeline's prefork worker; a plain ``newsworker worker`` still consumes every queue; and
``status`` says DOWN when a queue has no worker."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from worker.ops import health, systemd, workers
from worker.pipeline.table import DELIVER_QUEUES, OUTBOX_QUEUES, STAGES, only_deliveries
from worker.settings import REPO_ROOT, Settings


def _flag(cmd: list[str], flag: str) -> str:
    return cmd[cmd.index(flag) + 1]


def test_deliveries_have_a_queue_no_other_stage_uses() -> None:
    assert STAGES["deliver"].queue in DELIVER_QUEUES
    assert STAGES["digests"].next == "deliver"  # a digest's sends go through the same queue
    # match stays with ingestion (inline after index), so alerts stay within seconds of the article
    assert STAGES["match"].queue not in DELIVER_QUEUES and STAGES["match"].inline(Settings())
    assert [s.name for s in STAGES if s.queue in DELIVER_QUEUES] == ["deliver"]


def test_every_outboxed_queue_is_watched_by_the_sweep() -> None:
    assert {s.queue for s in STAGES if s.outbox} <= set(OUTBOX_QUEUES)


def test_pipeline_and_deliver_roles_split_every_queue_between_them() -> None:
    s = Settings(worker_concurrency=3, deliver_concurrency=8)
    pipeline, deliver = workers.split(s)
    assert set(pipeline.queues) | set(deliver.queues) == set(STAGES.queues)
    assert not set(pipeline.queues) & set(deliver.queues)
    assert (pipeline.pool, pipeline.concurrency, pipeline.name) == ("prefork", 3, "worker")
    assert (deliver.pool, deliver.concurrency, deliver.name) == ("threads", 8, "deliver")
    assert "alert" in pipeline.queues and "poll" in pipeline.queues
    everything = workers.role("all", s)
    assert everything.queues == STAGES.queues and everything.pool == "prefork"
    with pytest.raises(ValueError, match="unknown worker role"):
        workers.role("io", s)


def test_worker_commands_of_the_roles() -> None:
    from worker.cli import ops

    pipeline, deliver = (ops.role_cmd(r) for r in workers.split(Settings(), concurrency=2))
    assert _flag(pipeline, "-P") == "prefork" and _flag(pipeline, "-c") == "2"
    assert "deliver" not in _flag(pipeline, "-Q").split(",")
    assert any(a.startswith("--max-tasks-per-child=") for a in pipeline)
    assert _flag(deliver, "-Q") == ",".join(DELIVER_QUEUES) and _flag(deliver, "-P") == "threads"
    assert _flag(deliver, "-n") == "deliver@%h" and _flag(pipeline, "-n") == "worker@%h"
    # recycling is a prefork children's setting: a thread pool has none to recycle
    assert not any(a.startswith("--max-tasks-per-child") for a in deliver)


class _Stop(Exception):
    pass


def test_run_starts_the_pipeline_worker_and_the_deliveries_own(monkeypatch, tmp_path) -> None:
    from worker.cli import children, ops
    from worker.cli import run as run_mod
    from worker.cli.main import app

    seen: dict[str, list] = {}

    class Supervisor:
        def __init__(self, specs: list, *_a: object, **_k: object) -> None:
            seen["specs"] = specs
            raise _Stop

    monkeypatch.setenv("NEWSWORKER_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(ops, "_listening", lambda *_a, **_k: False)
    monkeypatch.setattr(ops, "_refuse_a_second_run", lambda _join: [])
    monkeypatch.setattr(ops, "setup_storage", lambda: None)
    monkeypatch.setattr(children, "orphans_hint", lambda _record: None)
    monkeypatch.setattr(run_mod, "Supervisor", Supervisor)
    from worker.settings import get_settings

    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, ["run", "--no-api", "-c", "3"])
    finally:
        get_settings.cache_clear()
    assert isinstance(r.exception, _Stop), r.output
    specs = dict(seen["specs"])
    assert {"worker", "deliver", "beat"} <= set(specs)
    assert _flag(specs["deliver"], "-Q") == "deliver" and _flag(specs["deliver"], "-P") == "threads"
    assert _flag(specs["worker"], "-P") == "prefork" and _flag(specs["worker"], "-c") == "3"
    consumed = set(_flag(specs["worker"], "-Q").split(",")) | set(_flag(specs["deliver"], "-Q").split(","))
    assert consumed == set(STAGES.queues) and "deliver" not in _flag(specs["worker"], "-Q")


@pytest.mark.parametrize(("args", "queues", "pool"), [
    ([], ",".join(STAGES.queues), "prefork"),  # a single worker keeps doing everything
    (["--role", "deliver"], "deliver", "threads"),
    (["--role", "pipeline", "-c", "4"], ",".join(q for q in STAGES.queues if q != "deliver"), "prefork"),
    (["-Q", "poll,fetch"], "poll,fetch", "prefork"),
    (["--role", "deliver", "-P", "prefork", "-c", "2"], "deliver", "prefork"),
])
def test_the_worker_command(monkeypatch, args: list[str], queues: str, pool: str) -> None:
    from worker.cli import ops
    from worker.cli.main import app

    argv: list[list[str]] = []
    monkeypatch.setattr(ops.os, "execv", lambda _exe, cmd: argv.append(cmd))
    r = CliRunner().invoke(app, ["worker", *args])
    assert r.exit_code == 0, r.output
    assert _flag(argv[0], "-Q") == queues and _flag(argv[0], "-P") == pool


def test_an_unknown_role_is_refused(monkeypatch) -> None:
    from worker.cli import ops
    from worker.cli.main import app

    monkeypatch.setattr(ops.os, "execv", lambda *_a: pytest.fail("started"))
    r = CliRunner().invoke(app, ["worker", "--role", "io"])
    assert r.exit_code == 2 and "unknown worker role" in r.output


def test_systemd_runs_both_workers() -> None:
    plan = systemd.ServicePlan(checkout=Path("/srv/nw"), newsworker=Path("/srv/nw/.venv/bin/newsworker"), env={},
                               env_file=Path("/etc/newsworker/newsworker.env"), user=None, redis_server=None)
    u = systemd.units(plan)
    assert "ExecStart=/srv/nw/.venv/bin/newsworker worker --role pipeline" in u[systemd.WORKER].splitlines()
    assert "ExecStart=/srv/nw/.venv/bin/newsworker worker --role deliver" in u[systemd.DELIVER].splitlines()
    assert systemd.DELIVER in u[systemd.TARGET] and "PartOf=newsworker.target" in u[systemd.DELIVER]


def test_compose_runs_both_workers() -> None:
    services = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    roles = {}
    for name, svc in services.items():
        cmd = svc.get("command") or []
        if cmd[:2] == ["newsworker", "worker"]:
            roles[name] = _flag(cmd, "--role") if "--role" in cmd else "all"
    assert roles == {"worker": "pipeline", "deliver": "deliver"}
    assert "deliver@$$HOSTNAME" in str(services["deliver"]["healthcheck"])


def _active_queues(replies: dict[str, list[str]]):
    class Inspect:
        def active_queues(self) -> dict:
            return {w: [{"name": q, "routing_key": q} for q in qs] for w, qs in replies.items()}

    return lambda timeout=2.0, connection=None: Inspect()  # check_workers hands it a bounded connection


def test_status_is_down_while_a_queue_has_no_worker(monkeypatch) -> None:
    everything_else = [q for q in STAGES.queues if q not in DELIVER_QUEUES]
    monkeypatch.setattr(health.app.control, "inspect", _active_queues({"worker@h": everything_else}))
    check = health.check_workers()
    assert not check.ok and check.data["unconsumed"] == ["deliver"]
    assert "no worker consumes the queue(s) deliver" in check.detail and "--role deliver" in check.detail
    monkeypatch.setattr(health.app.control, "inspect",
                        _active_queues({"worker@h": everything_else, "deliver@h": ["deliver"]}))
    check = health.check_workers()
    assert check.ok, check.detail
    assert check.data["queues"]["deliver"] == ["deliver@h"] and check.data["queues"]["poll"] == ["worker@h"]
    monkeypatch.setattr(health, "queue_stats", lambda: [{"queue": "deliver", "depth": 0, "oldest_age": None}])
    body = health.as_json([health.Check("redis", True, ""), check])
    assert body["queues"] == [{"queue": "deliver", "depth": 0, "oldest_age": None, "workers": ["deliver@h"]}]


def test_a_deliveries_worker_loads_no_extraction_chain(monkeypatch) -> None:
    from types import SimpleNamespace

    from worker import celery_app

    loaded: list[str] = []
    monkeypatch.setattr(celery_app, "warm_up_chain", lambda: loaded.append("chain"))
    monkeypatch.setattr(celery_app, "warm_up_page_extraction", lambda: loaded.append("pages"))

    def starting(*queues: str) -> SimpleNamespace:
        return SimpleNamespace(app=SimpleNamespace(amqp=SimpleNamespace(queues=SimpleNamespace(
            consume_from={q: object() for q in queues}))))

    celery_app._warm_chain(sender=starting("deliver"))
    assert loaded == []
    celery_app._warm_chain(sender=starting("poll", "deliver"))
    assert loaded == ["chain", "pages"]
    assert only_deliveries(["deliver"]) and not only_deliveries([]) and not only_deliveries(["alert"])
