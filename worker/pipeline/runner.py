"""The runner: carries records through the stage table. It owns what the stages do not:

* **where the next stage runs**: in this process when the row is ``inline`` for this deployment's settings,
  else through the row's queue, in micro-batches of the row's ``batch`` size;
* **retries**: a failed input is classified (``worker.pipeline.errors``), the row's retry policy decides
  (``worker.pipeline.retry``), and the input alone is re-queued with its countdown, or dead-lettered;
* **dead letters**, and the row's ``on_dead`` hook (the alert history marks a failed channel);
* **the outbox**: a record queued to an ``outbox`` row is recorded before it is sent and forgotten after
  that row is done with it, so the sweep re-sends what a broker lost;
* **stage metrics**: wall and CPU time per stage and article, outcomes, dead letters.

It runs without Celery: the ``Dispatcher`` it queues through is Celery's in ``worker.tasks``, a recording
fake in the unit tests, and ``InlineDispatcher`` (everything at once, in-process) for the CLI and tests.
Time and randomness are injected, so the decisions are tested with a fake clock.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from worker import metrics
from worker.pipeline.context import AppContext
from worker.pipeline.deadletters import DeadLetters
from worker.pipeline.errors import classify
from worker.pipeline.outbox import Entry, Outbox
from worker.pipeline.retry import decide
from worker.pipeline.stage import Hop, Stage, StageTable

log = logging.getLogger(__name__)

# A message is run at most this many times without finishing (each unfinished delivery means its worker
# died); the next delivery dead-letters it. The count lives a day, longer than any redelivery cycle.
MAX_DELIVERIES = 3
DELIVERY_COUNT_TTL = 24 * 3600


class Dispatcher(Protocol):
    def send(self, stage: Stage, payloads: list[Any], *, attempt: int = 1, countdown: float | None = None,
             queue: str | None = None) -> None:
        """Queue one message of ``payloads`` for ``stage`` (``queue`` overrides the row's)."""


@dataclass
class Runner:
    ctx: AppContext
    table: StageTable
    dispatcher: Dispatcher
    clock: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)
    # A message being retried goes back to the queue it came from (a test worker may consume another one).
    origin_queue: str | None = None
    outbox: Outbox = None  # type: ignore[assignment]  # default: on the context's Redis and key namespace
    dead_letters: DeadLetters = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.outbox is None:
            self.outbox = Outbox(self.ctx.redis, self.ctx.keys)
        if self.dead_letters is None:
            self.dead_letters = DeadLetters(self.ctx.redis, self.ctx.keys)

    # -- entry points ------------------------------------------------------------------------------------
    def handle(self, stage_name: str, payloads: Sequence[Any], attempt: int = 1,
               message_id: str | None = None) -> list[str]:
        """Process one queued message: ``payloads`` for ``stage_name``, at attempt number ``attempt``.
        Returns per decoded input its outcome: the stage's label (``ok`` by default), ``retry`` or ``dead``.

        ``message_id`` (the broker's id of this message) counts deliveries: a message whose worker died
        while running it (out of memory on a hostile page, a crash) comes back, and after
        ``MAX_DELIVERIES`` unfinished deliveries it is dead-lettered with that reason instead of taking
        worker after worker down."""
        stage = self.table[stage_name]
        if message_id is not None and self._too_many_deliveries(message_id):
            reason = f"delivered {MAX_DELIVERIES + 1} times without finishing: the worker died running it each time"
            for payload in payloads:
                self._dead(stage, payload, reason, attempt)
            if stage.outbox:
                self.outbox.forget(stage.name, [k for p in payloads if (k := _payload_key(p)) is not None])
            return ["dead"] * len(payloads)
        outcomes = self._handle(stage, payloads, attempt)
        if message_id is not None:
            self.ctx.redis.delete(self.ctx.keys.deliveries(message_id))
        return outcomes

    def _too_many_deliveries(self, message_id: str) -> bool:
        key = self.ctx.keys.deliveries(message_id)
        pipe = self.ctx.redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, DELIVERY_COUNT_TTL)
        n = int(pipe.execute()[0])
        if n > MAX_DELIVERIES:
            self.ctx.redis.delete(key)
            return True
        return False

    def _handle(self, stage: Stage, payloads: Sequence[Any], attempt: int) -> list[str]:
        records: list[Any] = []
        for payload in payloads:
            try:
                records.append(stage.decode(payload))
            except Exception as err:  # noqa: BLE001 - a malformed message is kept, not dropped
                self._dead(stage, payload, f"malformed payload: {type(err).__name__}: {err}", attempt)
                if stage.outbox and (key := _payload_key(payload)) is not None:
                    self.outbox.forget(stage.name, [key])  # the dead letter holds it now
        outcomes = self._run(stage, records, attempt)
        if stage.outbox:
            done = [Stage.key(r) for r, o in zip(records, outcomes, strict=True) if o != "retry"]
            self.outbox.forget(stage.name, done)
        return outcomes

    def tick(self, stage_name: str, attempt: int = 1) -> int:
        """Run a periodic stage once (beat sent it) and hand its outputs on; returns its count. A failed
        tick follows the row's retry policy like any input; past it, the error is logged and the next tick
        takes over (no dead letter: there is nothing to replay)."""
        stage = self.table[stage_name]
        outputs, emit = _collector()
        hop = Hop(self.ctx, emit, attempt, attempt >= stage.retry.max_attempts)
        started, cpu = time.perf_counter(), time.process_time()
        try:
            n = stage.fn(hop)  # type: ignore[call-arg]
        except Exception as err:  # noqa: BLE001 - classified: retried, or given up and logged, never swallowed
            failure = classify(err)
            decision = decide(stage.retry, failure, attempt, self.rng)
            if decision.action == "dead" and stage.periodic:
                # No dead letter: its payload is nothing, and the next tick (every few seconds to minutes)
                # does the same work, so replaying it is pointless and an outage of a minute would leave
                # one to clear. A failure that lasts shows as the row's late last run in `newsworker status`.
                every = stage.every(self.ctx.settings) if stage.every is not None else 0
                log.log(logging.ERROR if failure.kind == "permanent" else logging.WARNING,
                        "%s: %s; the next tick (every %gs) does this work", stage.name, decision.reason, every,
                        extra={"stage": stage.name}, exc_info=failure.kind == "permanent")
            elif decision.action == "dead":
                self._dead(stage, None, decision.reason, attempt)
            else:
                log.info("%s: %s; retry in %.0fs", stage.name, err, decision.delay)
                self.dispatcher.send(stage, [], attempt=attempt + 1, countdown=decision.delay)
            return 0
        metrics.observe("stage_seconds", time.perf_counter() - started, {"stage": stage.name})
        metrics.inc("stage_cpu_seconds_total", {"stage": stage.name}, time.process_time() - cpu)
        self._hand_on(stage, outputs)
        self.ctx.redis.set(self.ctx.keys.periodic_last(stage.name), repr(self.clock()))
        return int(n or 0)

    def submit(self, stage_name: str, records: Sequence[Any]) -> None:
        """Hand records to a stage from outside the pipeline (CLI, API): queued like any hand-off."""
        self._send(self.table[stage_name], list(records))

    # -- running a stage ---------------------------------------------------------------------------------
    def _run(self, stage: Stage, records: list[Any], attempt: int) -> list[str]:
        """Run ``stage`` on ``records`` and hand the outputs on. Returns each input's outcome: its label,
        ``retry`` (re-queued: its outbox entry stays) or ``dead``."""
        if not records:
            return []
        outputs, emit = _collector()
        hop = Hop(self.ctx, emit, attempt, attempt >= stage.retry.max_attempts)
        started, cpu = time.perf_counter(), time.process_time()
        try:
            results = list(stage.fn(hop, records))  # type: ignore[call-arg]
        except Exception as err:  # noqa: BLE001 - the whole batch failed the same way (e.g. the store away)
            results = [err] * len(records)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        per = wall / len(records)
        for _ in records:
            metrics.observe("stage_seconds", per, {"stage": stage.name})
        metrics.inc("stage_cpu_seconds_total", {"stage": stage.name}, cpu)

        outcomes: list[str] = []
        for record, result in zip(records, results, strict=True):
            if isinstance(result, BaseException):
                outcomes.append("retry" if self._failed(stage, record, result, attempt) else "dead")
                continue
            outcomes.append(result or "ok")
            if stage.article:
                metrics.inc("articles_total", {"stage": stage.name, "outcome": result or "ok"})
        self._hand_on(stage, outputs)
        for done in hop.on_handed:
            done()
        return outcomes

    def _failed(self, stage: Stage, record: Any, err: BaseException, attempt: int) -> bool:
        """Carry out the retry policy's decision for one failed input; True if it was re-queued."""
        failure = classify(err)
        decision = decide(stage.retry, failure, attempt, self.rng)
        key = Stage.key(record)
        if decision.action == "dead":
            self._dead(stage, Stage.encode(record), decision.reason, attempt, record, failure.error_code)
            return False
        next_attempt = attempt if decision.action == "defer" else attempt + 1
        # a deferral is no failure (a receiver's slots in use, another attempt's lock) and may come back every
        # second or two for as long as a slow receiver is busy: at info level it would flood the log
        log.log(logging.DEBUG if decision.action == "defer" else logging.INFO,
                "%s %s: %s; %s in %.0fs (attempt %d)", stage.name, key, failure.message, decision.action,
                decision.delay, next_attempt, extra={"stage": stage.name, "article_id": key})
        payload = Stage.encode(record)
        if stage.outbox:  # the sweep must not re-send it while the countdown is merely waiting
            self.outbox.remember([(stage.name, key, payload)], at=self.clock() + decision.delay)
        self.dispatcher.send(stage, [payload], attempt=next_attempt, countdown=decision.delay,
                             queue=self.origin_queue)
        return True

    def _dead(self, stage: Stage, payload: Any, reason: str, attempt: int, record: Any = None,
              error_code: str | None = None) -> None:
        dl_id = self.dead_letters.record(stage.name, payload, reason, attempts=attempt, error_code=error_code)
        metrics.inc("dead_letters_total", {"stage": stage.name})
        if stage.article:
            metrics.inc("articles_total", {"stage": stage.name, "outcome": "dead"})
        log.warning("%s: dead letter %s: %s", stage.name, dl_id, reason, extra={"stage": stage.name})
        if stage.on_dead is not None and record is not None:
            stage.on_dead(self.ctx, record, reason, error_code)

    # -- handing on --------------------------------------------------------------------------------------
    def _hand_on(self, stage: Stage, outputs: list[Any]) -> None:
        if not outputs:
            return
        if stage.next is None:  # outputs name their stage (the outbox sweep, dead-letter replay)
            for entry in outputs:
                assert isinstance(entry, Entry), f"{stage.name} emitted {type(entry).__name__} with no next stage"
                target = self.table[entry.stage]
                if target.periodic:  # a periodic stage's dead letter: run it again
                    self.dispatcher.send(target, [])
                else:
                    self._send(target, [target.decode(entry.payload)])
            return
        target = self.table[stage.next]
        if target.inline(self.ctx.settings):
            self._run(target, outputs, 1)
        else:
            self._send(target, outputs)

    def _send(self, stage: Stage, records: list[Any]) -> None:
        """Queue ``records`` to ``stage`` in messages of up to ``stage.batch``, outbox first."""
        payloads = [Stage.encode(r) for r in records]
        if stage.outbox:
            self.outbox.remember((stage.name, Stage.key(r), p) for r, p in zip(records, payloads, strict=True))
        for i in range(0, len(payloads), stage.batch):
            self.dispatcher.send(stage, payloads[i:i + stage.batch])


def _payload_key(payload: Any) -> str | None:
    """``Stage.key`` of a payload that would not decode, when it can be told (its outbox entry's key)."""
    if isinstance(payload, str):
        return payload
    if isinstance(payload, dict) and "id" in payload:
        return f"{payload['id']}:{payload['channel_key']}" if "channel_key" in payload else str(payload["id"])
    return None


@dataclass
class InlineDispatcher:
    """Runs every message at once in this process (countdowns are not waited for): the CLI's
    ``--inline`` and tests. ``runner`` is set after construction (the two refer to each other)."""

    runner: Runner | None = None
    sent: list[tuple[str, list[Any], int, float | None]] = field(default_factory=list)
    outcomes: list[tuple[str, list[str]]] = field(default_factory=list)  # per message run: stage, outcomes
    max_messages: int = 10_000  # a bound on retry loops (each retry of a failing input is a message)

    def send(self, stage: Stage, payloads: list[Any], *, attempt: int = 1, countdown: float | None = None,
             queue: str | None = None) -> None:
        self.sent.append((stage.name, payloads, attempt, countdown))
        if len(self.sent) > self.max_messages:
            raise RuntimeError("inline dispatcher: too many messages (a retry loop?)")
        assert self.runner is not None
        if stage.periodic:
            self.runner.tick(stage.name, attempt)
        else:
            self.outcomes.append((stage.name, self.runner.handle(stage.name, payloads, attempt)))

    def final(self, stage: str, outcome: str, since: int) -> str:
        """Where a single input that ``handle`` reported as ``outcome`` ended, ``since`` being the length of
        ``outcomes`` before: its retries ran nested inside ``send``, so the innermost, the first recorded,
        is the one that did not retry."""
        if outcome != "retry":
            return outcome
        return next((o[0] for name, o in self.outcomes[since:] if name == stage and o[0] != "retry"), outcome)


def inline_runner(ctx: AppContext, table: StageTable) -> Runner:
    dispatcher = InlineDispatcher()
    runner = Runner(ctx, table, dispatcher)
    dispatcher.runner = runner
    return runner


def _collector() -> tuple[list[Any], Callable[[Any], None]]:
    """A list and a thread-safe ``emit`` that appends to it (a stage may emit from its worker threads)."""
    outputs: list[Any] = []
    lock = threading.Lock()

    def emit(record: Any) -> None:
        with lock:
            outputs.append(record)

    return outputs, emit
