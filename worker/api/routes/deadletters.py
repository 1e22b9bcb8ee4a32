"""``/deadletters``: work that failed for good (a delivery whose channel gave up, a page refused, an article
that could not be extracted), as ``newsworker deadletter list|replay`` shows and re-sends it, so a user who
fixed a rule's webhook re-sends what failed from the web page.

Reads follow ``api_read_open``; a delivery's channel target, and any URL or address its error quotes, are
redacted for readers without the write key (as in ``/alerts/history``). A replay needs the key and goes
through the same library function as the CLI (``worker.pipeline.deadletters.replay_records``): the record is
claimed, handed back to its stage through the broker, and removed, so replaying one record twice sends it
once (the second answers 404, or ``busy`` while the first runs), and a delivery already made is never made
again (its delivered flag, ``worker.alerts.delivery``). A delivery goes to its channel as the rule has it
now (``worker.alerts.notify.redelivery``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, status

from worker.alerts.rules import redacted_channel
from worker.api.auth import configured_key, is_writer, require_read, require_write
from worker.api.models import BACKEND_ERRORS, READ_ERRORS, WRITE_ERRORS, responses
from worker.api.models_ops import DeadLetterListOut, ReplayAllOut, ReplayedOut
from worker.pipeline.context import current
from worker.pipeline.deadletters import DeadLetters, Replayed, replay_records, subject

router = APIRouter(prefix="/deadletters", tags=["dead letters"])

ApiKey = Annotated[str | None, Header(alias="X-API-Key", description="the write key: shows unredacted channels")]
Stage = Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$",
                                    description="only this stage's records (deliver: failed notifications)")]
MAX_REPLAY_ALL = 1000


def replay_runner() -> Any:
    """The runner a replay hands records on with: the broker's, as ``newsworker deadletter replay`` uses
    (tests override this dependency with an in-process runner)."""
    from worker.celery_app import app
    from worker.pipeline.table import STAGES
    from worker.tasks import runner_for

    return runner_for(app, STAGES)


Runner = Annotated[Any, Depends(replay_runner)]


def _dead() -> DeadLetters:
    ctx = current()
    return DeadLetters(ctx.redis, ctx.keys)


def _delivery(payload: dict[str, Any], error: str, writer: bool) -> tuple[dict[str, Any], str]:
    """A dead delivery's notification and channel, and its error, as this reader may see them."""
    ch = payload.get("channel") or {}
    target = ch.get("url") if ch.get("type") == "webhook" else ch.get("to")
    channel = {"type": ch.get("type"), "key": payload.get("channel_key"), "target": target, "last_error": error}
    if not writer:
        channel = redacted_channel(channel)
    error = channel.pop("last_error") or ""
    article = payload.get("article") or {}
    return {
        "notification_id": str(payload.get("id")), "rule": (payload.get("rule") or {}).get("name"),
        "kind": payload.get("kind"), "title": article.get("title"), "article_id": article.get("id"),
        "article_count": payload.get("article_count"),
        "story_id": payload.get("story_id"), "channel": channel,
    }, error


def _view(entry: dict[str, Any], writer: bool) -> dict[str, Any]:
    error = str(entry.get("error") or "")
    out = {"id": entry["id"], "stage": entry.get("stage") or "", "recorded_at": entry.get("recorded_at"),
           "attempts": entry.get("attempts"), "subject": subject(entry)[:500]}
    payload = entry.get("payload")
    if entry.get("stage") == "deliver" and isinstance(payload, dict):
        out["delivery"], error = _delivery(payload, error, writer)
        out["subject"] = out["delivery"]["notification_id"]
    out["error"] = error
    out["error_code"] = entry.get("error_code")  # absent in records written before the codes
    return out


@router.get("", response_model=DeadLetterListOut, dependencies=[Depends(require_read)],
            responses=responses(READ_ERRORS, BACKEND_ERRORS))
def list_dead_letters(stage: Stage = None, limit: Annotated[int, Query(ge=1, le=500)] = 100,
                      x_api_key: ApiKey = None) -> dict[str, Any]:
    """Newest first. A record's payload is not returned (a page's HTML, a whole notification): its
    ``subject``, and for a delivery its notification and channel."""
    dead = _dead()
    writer = is_writer(x_api_key)
    return {"total": dead.count(), "dead_letters": [_view(e, writer) for e in dead.list(stage, limit)],
            "writes_enabled": configured_key() is not None}


def _out(done: Replayed) -> dict[str, Any]:
    return {"id": done.id, "stage": done.stage, "outcome": done.outcome}


@router.post("/replay", response_model=ReplayAllOut, dependencies=[Depends(require_write)],
             responses=responses(WRITE_ERRORS, BACKEND_ERRORS))
def replay_all(runner: Runner, stage: Stage = None) -> dict[str, Any]:
    """Replay every record (of ``stage``), newest first, at most 1000 per call (``deadletter replay --all``)."""
    dead = _dead()
    ids = [e["id"] for e in dead.list(stage, MAX_REPLAY_ALL)]
    results = [_out(d) for d in replay_records(dead, runner, ids)]
    return {"replayed": sum(1 for r in results if r["outcome"] == "replayed"), "results": results}


@router.post("/{dl_id}/replay", response_model=ReplayedOut, dependencies=[Depends(require_write)],
             responses=responses(WRITE_ERRORS, BACKEND_ERRORS, _404="no such dead letter (already replayed, "
                                 "deleted or expired)"))
def replay_one(dl_id: Annotated[str, Path(min_length=1, max_length=100)], runner: Runner) -> dict[str, Any]:
    """Hand the record back to the stage it died in (``deadletter replay ID``)."""
    done = replay_records(_dead(), runner, [dl_id])[0]
    if done.stage is None or done.outcome == "missing":
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no dead letter {dl_id!r}: already replayed, deleted "
                            "or expired")
    return _out(done)
