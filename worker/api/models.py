"""The API's request and response models and the error answers every route may give, so that the
OpenAPI document says what the service really does (generated clients and Schemathesis trust it).

Response models are deliberately open (``extra="allow"``) where the payload is a stored document whose
fields grow with the pipeline (articles, feed state, alert records): the keys listed are the contract,
more may appear.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from worker.alerts.delivery.errors import ERROR_CODES


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorOut(BaseModel):
    """Every 4xx/5xx: ``detail`` is a message, or a list of validation errors for malformed input."""

    model_config = ConfigDict(extra="allow")
    detail: Any = Field(description="what went wrong")
    write_unconfirmed: bool | None = Field(None, description="on a 503 whose Elasticsearch call ran out of time: "
                                           "true when the request was a change that may have been saved all "
                                           "the same (read it again before retrying)")
    errors: list[dict[str, Any]] | None = Field(None, description="on a 422 of a rule or feed: each refused field "
                                                "as {loc, msg}, loc naming it in the body (\"body\", \"channels\", "
                                                "\"emails\", ...), as FastAPI's own 422 lists them in detail")
    id: str | None = Field(None, description="on a 409 of POST /feeds: the id that is taken")


class SyntaxErrorOut(ErrorOut):
    error: str | None = Field(None, description='"query_syntax" for a query that does not parse')
    position: int | None = Field(None, description="offset of the error in the query")


def _err(description: str, model: type[BaseModel] = ErrorOut) -> dict[str, Any]:
    return {"model": model, "description": description}


RATE_LIMITED = {429: {**_err("too many requests from this client"),
                      "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}}}
READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _err("reads are closed and the X-API-Key is missing or wrong"),
    403: _err("reads are closed and no API key is configured"),
    422: _err("a parameter is malformed"),
    **RATE_LIMITED,
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _err("malformed request (e.g. an invalid Content-Length or JSON body)"),
    401: _err("the X-API-Key is missing or wrong"),
    403: _err("write endpoints are disabled: no API key, or a placeholder one, is configured"),
    413: _err("the request body is too large"),
    422: _err("the body or a parameter is invalid (the message says which field and why)"),
    **RATE_LIMITED,
}
BACKEND_ERRORS: dict[int | str, dict[str, Any]] = {
    503: _err("Redis or Elasticsearch is unavailable"),
}


def responses(*parts: dict[int | str, dict[str, Any]], **extra: str) -> dict[int | str, dict[str, Any]]:
    """Merge error tables; ``extra`` adds ``_404="no such rule"``-style entries."""
    out: dict[int | str, dict[str, Any]] = {}
    for part in parts:
        out.update(part)
    for key, description in extra.items():
        out[int(key.lstrip("_"))] = _err(description)
    return out


# -- health ---------------------------------------------------------------------------------------------

class LiveOut(BaseModel):
    ok: bool


class CheckOut(Open):
    name: str
    ok: bool
    detail: str
    data: dict[str, Any] = Field(default_factory=dict)


class ReadyOut(Open):
    ok: bool
    checks: list[CheckOut]
    queues: list[dict[str, Any]] = Field(default_factory=list)
    dead_letters: int | None = None
    in_flight: int | None = None


# -- search ---------------------------------------------------------------------------------------------

class SearchOut(Open):
    total: int
    took_ms: int
    page: int
    size: int
    hits: list[dict[str, Any]] = Field(description="id, title, title_html, url, source, published, snippet, score, "
                                      "events, entities, places, casualties, story_id (null when the article has "
                                      "no story yet) and story_articles (how many articles that story has in "
                                      "the whole index, this one included; see GET /stories/{story_id}) and indexed (when newsworker "
                                      "indexed it)")
    facets: dict[str, Any]
    next_cursor: str | None = None


class FacetsOut(Open):
    pass


class ArticleOut(Open):
    id: str | None = None


# -- feeds ----------------------------------------------------------------------------------------------

class FeedOut(Open):
    """A feed's configuration and polling state; times are Unix seconds (UTC), null when not yet known."""

    id: str
    url: str
    status: str
    name: str | None = None
    source: str | None = None
    enabled: bool | None = None
    interval: int | None = Field(None, description="configured base interval (s); null: the settings' default")
    current_interval: float | None = Field(None, description="the adaptive interval polling uses now (s)")
    last_poll: float | None = None
    last_success: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    next_poll: float | None = Field(None, description="when the scheduler polls it next")


class PollOut(BaseModel):
    id: str
    next_poll: float = Field(description="the time the feed was scheduled for (Unix seconds)")
    within_seconds: float = Field(description="the beat claims due feeds at this period")


class FeedListOut(BaseModel):
    total: int
    by_status: dict[str, int]
    feeds: list[FeedOut]
    writes_enabled: bool = Field(True, description="false: the server has no API key configured (or a placeholder "
                                 "one) and refuses every change with 403, whatever key is sent")


class DeletedOut(BaseModel):
    deleted: str


# -- alerts ---------------------------------------------------------------------------------------------

class RuleOut(Open):
    name: str
    query: str
    enabled: bool
    problem: str | None = Field(None, description="why the workers skip this rule (its query no longer parses "
                                "under today's query language), or null")


class RuleListOut(BaseModel):
    total: int
    rules: list[RuleOut]
    writes_enabled: bool = Field(True, description="false: the server has no API key configured (or a placeholder "
                                 "one) and refuses every change with 403, whatever key is sent")


# A delivery failure's code (history and dead letters): the page words it, the text stays the detail.
ERROR_CODE_DOC = ("what went wrong, one of a fixed set for a reader to be told in their language: "
                  f"{', '.join(ERROR_CODES)}; null in records written before the codes (then read the error's text)")


class HistoryChannelOut(Open):
    """One channel of a notification and how its delivery went."""

    key: str | None = None
    type: str | None = Field(None, description="webhook (Slack included) or email")
    target: str | None = Field(None, description="the URL or address (redacted for readers without the write key)")
    status: str | None = Field(None, description="pending, delivered or failed")
    attempts: int | None = None
    last_error: str | None = Field(None, description="the last failure's exact detail, as the server wrote it")
    last_error_code: str | None = Field(None, description=ERROR_CODE_DOC)


class HistoryRecordOut(Open):
    id: str
    channels: list[HistoryChannelOut] = Field(default_factory=list)


class HistoryOut(BaseModel):
    total: int
    records: list[HistoryRecordOut]


class PreviewOut(Open):
    pass
