"""Models of the operator's routes the web page reads: the service state (``GET /status``) and the dead
letters (``/deadletters``). Kept apart from ``models`` as ``models_explore`` is: each file stays small."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from worker.api.models import ERROR_CODE_DOC, Open


class ServiceCheckOut(BaseModel):
    name: str = Field(description="redis, elasticsearch, workers, beat or consuming")
    ok: bool
    detail: str


class ServiceStateOut(BaseModel):
    """What a page user needs to know about the services behind it: whether feeds are polled and alerts
    sent. Computed at most every ``STATUS_CACHE_SECONDS`` per API process, whatever the number of pages."""

    ok: bool = Field(description="every check passed")
    checked_at: float = Field(description="when the checks ran (Unix seconds); answers are reused for a few seconds")
    polling: bool = Field(description="feeds are polled: Redis up, a worker running, beat alive, the canary recent")
    alerting: bool = Field(description="new articles are indexed and alerts sent: polling's conditions and "
                           "Elasticsearch up")
    checks: list[ServiceCheckOut]


class DeadDeliveryOut(Open):
    """The notification and channel of a dead delivery (the ``deliver`` stage)."""

    notification_id: str
    rule: str | None = None
    kind: str | None = None
    title: str | None = Field(None, description="the article's title (an instant alert)")
    article_id: str | None = Field(None, description="the article's id (an instant alert): GET /articles/{id}")
    article_count: int | None = Field(None, description="a digest's number of articles")
    story_id: str | None = None
    channel: dict[str, Any] = Field(default_factory=dict, description="type, key and target (redacted for "
                                    "readers without the write key)")


class DeadLetterOut(BaseModel):
    id: str
    stage: str
    recorded_at: float | None = None
    attempts: int | None = None
    error: str = Field("", description="the failure's exact detail, as the server wrote it")
    error_code: str | None = Field(None, description=ERROR_CODE_DOC)
    subject: str = Field("", description="what failed: a page or feed URL, a document, notification or feed id")
    delivery: DeadDeliveryOut | None = None


class DeadLetterListOut(BaseModel):
    total: int = Field(description="dead letters kept, every stage")
    dead_letters: list[DeadLetterOut]
    writes_enabled: bool = Field(True, description="false: the server has no API key configured and refuses "
                                 "a replay with 403")


class ReplayedOut(BaseModel):
    id: str
    stage: str | None
    outcome: str = Field(description="replayed (handed back to its stage); busy (another replay of it is "
                         "running); retry, dead (handing it on failed)")


class ReplayAllOut(BaseModel):
    replayed: int
    results: list[ReplayedOut]
