"""The runner's decisions (retry, defer, dead letter, outbox, inline or queued) on a table of fake stages,
with a fake clock, a seeded random source, a recording dispatcher and in-memory outbox and dead letters:
no Redis, no Celery."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from worker import errors
from worker.keys import Keys
from worker.pipeline.context import AppContext
from worker.pipeline.outbox import Entry
from worker.pipeline.retry import ONCE, RetryPolicy
from worker.pipeline.runner import Runner
from worker.pipeline.stage import Hop, Stage, StageTable, always, per_record
from worker.settings import Settings

POLICY = RetryPolicy(max_attempts=3, base=10.0, cap=100.0, jitter=0.0, rate_limit_spread=0.0)
NOW = 1_000_000.0


class FakeRedis:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def set(self, key: str, value: str, **_: Any) -> None:
        self.values[key] = value

    def incr(self, key: str) -> int:
        self.values[key] = int(self.values.get(key, 0)) + 1
        return self.values[key]

    def expire(self, key: str, seconds: int) -> bool:
        return key in self.values

    def delete(self, *keys: str) -> int:
        return sum(self.values.pop(k, None) is not None for k in keys)

    def pipeline(self) -> FakePipeline:
        return FakePipeline(self)


class FakePipeline:
    def __init__(self, redis: FakeRedis) -> None:
        self.redis, self.calls = redis, []

    def __getattr__(self, name: str):  # noqa: ANN204 - queue any command, run them on execute
        return lambda *a, **k: self.calls.append((name, a, k))

    def execute(self) -> list[Any]:
        return [getattr(self.redis, n)(*a, **k) for n, a, k in self.calls]


@dataclass
class FakeOutbox:
    entries: dict[str, tuple[Any, float]] = field(default_factory=dict)  # "<stage>:<key>" -> (payload, since)
    clock: Any = None

    def remember(self, entries, *, at=None) -> None:  # noqa: ANN001
        for stage, key, payload in entries:
            self.entries[f"{stage}:{key}"] = (payload, self.clock() if at is None else at)

    def forget(self, stage: str, keys) -> None:  # noqa: ANN001
        for k in keys:
            self.entries.pop(f"{stage}:{k}", None)


@dataclass
class FakeDeadLetters:
    records: list[dict[str, Any]] = field(default_factory=list)

    def record(self, stage: str, payload: Any, error: str, *, attempts: int | None = None,
               error_code: str | None = None) -> str:
        self.records.append({"stage": stage, "payload": payload, "error": error, "attempts": attempts,
                             "error_code": error_code})
        return f"dl{len(self.records)}"


@dataclass
class Sent:
    stage: str
    payloads: list[Any]
    attempt: int
    countdown: float | None
    queue: str | None


@dataclass
class RecordingDispatcher:
    sent: list[Sent] = field(default_factory=list)

    def send(self, stage: Stage, payloads: list[Any], *, attempt: int = 1, countdown: float | None = None,
             queue: str | None = None) -> None:
        self.sent.append(Sent(stage.name, payloads, attempt, countdown, queue))


@dataclass(frozen=True)
class Rec:
    id: str

    @classmethod
    def from_payload(cls, payload: dict) -> Rec:
        return cls(**payload)  # unknown fields are refused, as the real records do

    def as_payload(self) -> dict:
        return {"id": self.id}


def _fails_with(errs: dict[str, BaseException]):  # noqa: ANN202
    def fn(hop: Hop, rec: Rec) -> None:
        if rec.id in errs:
            raise errs[rec.id]
        hop.emit(Rec(rec.id + "+"))

    return fn


def make(errs: dict[str, BaseException] | None = None, *, inline_next: bool = False, on_dead=None):  # noqa: ANN001, ANN201
    errs = errs or {}
    got: list[str] = []

    def sink(hop: Hop, rec: Rec) -> None:
        got.append(rec.id)

    table = StageTable([
        Stage("work", per_record(_fails_with(errs)), Rec, Rec, queue="q1", retry=POLICY, next="sink",
              outbox=True, on_dead=on_dead),
        Stage("sink", per_record(sink), Rec, None, queue="q2", retry=ONCE, batch=2, outbox=True,
              inline=always if inline_next else (lambda s: False)),
        Stage("tick", lambda hop: hop.emit(Rec("t")) or 1, None, Rec, queue="q1", retry=POLICY, next="sink",
              every=lambda s: 60.0),
        Stage("resend", lambda hop: hop.emit(Entry("work", {"id": "again"})) or 1, None, Entry, queue="q1",
              retry=POLICY, every=lambda s: 60.0),
    ])
    clock = [NOW]
    ctx = AppContext(Settings(), FakeRedis(), None, Keys("t:"))  # type: ignore[arg-type]
    dispatcher = RecordingDispatcher()
    outbox = FakeOutbox(clock=lambda: clock[0])
    dead = FakeDeadLetters()
    runner = Runner(ctx, table, dispatcher, clock=lambda: clock[0], rng=random.Random(7), outbox=outbox,  # type: ignore[arg-type]
                    dead_letters=dead)  # type: ignore[arg-type]
    return runner, dispatcher, outbox, dead, got


def test_success_hands_on_in_batches_with_outbox_first_and_forgets_the_input() -> None:
    runner, dispatcher, outbox, dead, _ = make()
    outbox.remember([("work", k, {"id": k}) for k in "abc"])
    runner.handle("work", [{"id": "a"}, {"id": "b"}, {"id": "c"}])
    assert [(s.stage, s.payloads) for s in dispatcher.sent] == [
        ("sink", [{"id": "a+"}, {"id": "b+"}]), ("sink", [{"id": "c+"}])]  # batch=2
    assert set(outbox.entries) == {"sink:a+", "sink:b+", "sink:c+"}  # the inputs' entries are gone
    assert dead.records == []


def test_inline_next_stage_runs_in_process() -> None:
    runner, dispatcher, outbox, _, got = make(inline_next=True)
    runner.handle("work", [{"id": "a"}, {"id": "b"}])
    assert got == ["a+", "b+"] and dispatcher.sent == [] and outbox.entries == {}


def test_transient_failure_requeues_only_that_input_with_backoff_and_postpones_its_outbox_entry() -> None:
    runner, dispatcher, outbox, dead, _ = make({"b": errors.TransientError("timeout")})
    runner.origin_queue = "private-q"
    runner.handle("work", [{"id": "a"}, {"id": "b"}], attempt=1)
    retry = [s for s in dispatcher.sent if s.stage == "work"]
    assert len(retry) == 1 and retry[0].payloads == [{"id": "b"}] and retry[0].attempt == 2
    assert retry[0].countdown == pytest.approx(10.0)  # base * 2**0, no jitter
    assert retry[0].queue == "private-q"  # back where it came from
    assert outbox.entries["work:b"][1] == pytest.approx(NOW + 10.0)  # the sweep waits for the countdown
    assert "work:a" not in outbox.entries and dead.records == []
    runner.handle("work", [{"id": "b"}], attempt=2)
    assert dispatcher.sent[-1].countdown == pytest.approx(20.0) and dispatcher.sent[-1].attempt == 3


def test_retries_exhausted_is_a_dead_letter_and_forgets_the_outbox_entry() -> None:
    failed: list[tuple[str, str]] = []
    runner, dispatcher, outbox, dead, _ = make({"b": errors.TransientError("timeout")},
                                               on_dead=lambda ctx, rec, why, code: failed.append((rec.id, why)))
    outbox.remember([("work", "b", {"id": "b"})])
    runner.handle("work", [{"id": "b"}], attempt=3)  # POLICY.max_attempts
    assert [s for s in dispatcher.sent if s.stage == "work"] == []
    assert dead.records[0]["stage"] == "work" and dead.records[0]["payload"] == {"id": "b"}
    assert "gave up after 3 attempts" in dead.records[0]["error"] and dead.records[0]["attempts"] == 3
    assert failed and failed[0][0] == "b"
    assert "work:b" not in outbox.entries


@pytest.mark.parametrize("err", [errors.PermanentError("404"), ValueError("a bug"), KeyError("field")])
def test_permanent_and_unknown_errors_are_dead_at_once(err: BaseException) -> None:
    runner, dispatcher, _, dead, _ = make({"a": err})
    runner.handle("work", [{"id": "a"}])
    assert dispatcher.sent == [] and len(dead.records) == 1 and dead.records[0]["attempts"] == 1


def test_rate_limited_waits_retry_after_and_own_budget_does_not_use_an_attempt() -> None:
    runner, dispatcher, _, dead, _ = make({"a": errors.RateLimitedError("429", retry_after=42.0)})
    runner.handle("work", [{"id": "a"}], attempt=1)
    assert dispatcher.sent[-1].countdown == pytest.approx(42.0) and dispatcher.sent[-1].attempt == 2

    own = errors.RateLimitedError("bucket", retry_after=3.0)
    own.counts_as_attempt = False
    runner, dispatcher, _, dead, _ = make({"a": own})
    runner.handle("work", [{"id": "a"}], attempt=3)  # even on the last attempt: a wait, not a failure
    assert dispatcher.sent[-1].attempt == 3 and dispatcher.sent[-1].countdown == pytest.approx(3.0)
    assert dead.records == []


def test_malformed_payload_is_a_dead_letter_not_a_crash() -> None:
    runner, dispatcher, _, dead, _ = make()
    runner.handle("work", [{"id": "a", "surprise": 1}, {"id": "b"}])
    assert len(dead.records) == 1 and "malformed" in dead.records[0]["error"]
    assert [s.payloads for s in dispatcher.sent] == [[{"id": "b+"}]]


def test_whole_batch_exception_fails_every_input_alike() -> None:
    def boom(hop: Hop, recs: list) -> list:
        raise errors.TransientError("store away")

    runner, dispatcher, _, _, _ = make()
    runner.table = StageTable([Stage("work", boom, Rec, None, queue="q1", retry=POLICY)])
    runner.handle("work", [{"id": "a"}, {"id": "b"}])
    assert sorted(s.payloads[0]["id"] for s in dispatcher.sent) == ["a", "b"]


def test_periodic_tick_stamps_its_last_run_on_the_clock_and_hands_on() -> None:
    runner, dispatcher, _, _, _ = make()
    assert runner.tick("tick") == 1
    assert runner.ctx.redis.values["t:periodic:tick"] == repr(NOW)
    assert [(s.stage, s.payloads) for s in dispatcher.sent] == [("sink", [{"id": "t"}])]


@pytest.mark.parametrize("err", [errors.TransientError("Elasticsearch away"), ValueError("a bug")])
def test_periodic_failure_retries_then_is_logged_not_dead_lettered(err: Exception, caplog) -> None:  # noqa: ANN001
    """QA3 ops L7: a 1-minute Elasticsearch outage left a `digests` dead letter with a null payload, which
    the operator had to clear and which replayed nothing the next tick did not do anyway."""
    def failing(hop: Hop) -> int:
        raise err

    runner, dispatcher, _, dead, _ = make()
    runner.table = StageTable([Stage("tick", failing, None, None, queue="q1", retry=POLICY, every=lambda s: 5)])
    if not isinstance(err, ValueError):
        runner.tick("tick", attempt=1)
        assert dispatcher.sent[-1].stage == "tick" and dispatcher.sent[-1].attempt == 2
    sent = len(dispatcher.sent)
    runner.tick("tick", attempt=3)
    assert dead.records == [] and len(dispatcher.sent) == sent  # no dead letter, no further retry
    assert "tick: " in caplog.text and "the next tick (every 5s) does this work" in caplog.text
    assert "t:periodic:tick" not in runner.ctx.redis.values  # a failed tick is not a run (status shows it late)


def test_entries_go_back_to_the_stage_they_name() -> None:
    runner, dispatcher, outbox, _, _ = make()
    runner.tick("resend")
    assert [(s.stage, s.payloads) for s in dispatcher.sent] == [("work", [{"id": "again"}])]
    assert "work:again" in outbox.entries


def test_a_message_whose_worker_keeps_dying_is_dead_lettered_after_the_cap() -> None:
    from worker.pipeline.runner import MAX_DELIVERIES

    runner, _, outbox, dead, got = make()
    outbox.remember([("work", "a", {"id": "a"})])
    # each delivery starts and the worker dies before it finishes: the count is never cleared
    for _ in range(MAX_DELIVERIES):
        assert not runner._too_many_deliveries("msg-1")
    assert runner.handle("work", [{"id": "a"}], message_id="msg-1") == ["dead"]
    assert got == [] and len(dead.records) == 1
    assert "without finishing" in dead.records[0]["error"]
    assert "work:a" not in outbox.entries  # the dead letter holds it now


def test_a_finished_message_clears_its_delivery_count() -> None:
    from worker.pipeline.runner import MAX_DELIVERIES

    runner, _, _, dead, got = make()
    for _ in range(MAX_DELIVERIES + 2):  # the same message finished again and again (a redelivery after ack loss)
        runner.handle("work", [{"id": "a"}], message_id="msg-2")
    assert dead.records == [] and got == []  # handed on to "sink", never dead
    assert runner.ctx.redis.values.get(runner.ctx.keys.deliveries("msg-2")) is None


def test_a_dead_letter_and_the_dead_hook_keep_the_error_code_its_raiser_gave() -> None:
    """QA5 re-test: a delivery's dead letter carried only English text; the raiser's code (a timeout, a 404)
    is kept beside it for the page to word. An error without one keeps none."""
    class Coded(errors.PermanentError):
        error_code = "client_error"

    failed: list[tuple[str, str | None]] = []
    runner, _, _, dead, _ = make({"b": Coded("HTTP 404"), "c": ValueError("a bug")},
                                 on_dead=lambda ctx, rec, why, code: failed.append((rec.id, code)))
    runner.handle("work", [{"id": "b"}, {"id": "c"}])
    assert [(r["payload"]["id"], r["error_code"]) for r in dead.records] == [("b", "client_error"), ("c", None)]
    assert failed == [("b", "client_error"), ("c", None)]
