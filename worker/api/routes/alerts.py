"""``/alerts``: rule CRUD (writes need the API key), preview over history, and the notification log.

Bodies are typed (``RuleIn``/``RulePatch``) so malformed JSON is refused by shape before the rule's own
checks (the query must compile, webhooks must pass the SSRF guard), which answer 422 with a message.
Readers without the write key see webhook URLs and e-mail addresses redacted, in rules and in history.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from worker.alerts.history import History
from worker.alerts.preview import preview
from worker.alerts.rules import EMAIL_PATTERN, RuleError, build_rule, query_problem, redacted, redacted_record
from worker.alerts.store import RuleStore
from worker.api.auth import is_writer, require_read, require_write
from worker.api.backend import api_es, es_turn
from worker.api.models import (
    BACKEND_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    HistoryOut,
    HistoryRecordOut,
    PreviewOut,
    RuleListOut,
    RuleOut,
    responses,
)
from worker.pipeline.context import current
from worker.query.parser import MAX_QUERY_CHARS

# Every route here reads or writes Elasticsearch (rules, history, previews): each takes a turn on it and
# answers within api_es_timeout (worker.api.backend).
router = APIRouter(prefix="/alerts", tags=["alerts"], dependencies=[Depends(es_turn, scope="function")])

NAME_PATTERN = r"^\s*[\w.-]{1,100}\s*$"
# Elasticsearch's default index.max_result_window: from + size beyond it is refused by the index.
MAX_WINDOW = 10_000
ApiKey = Annotated[str | None, Header(alias="X-API-Key", description="the write key: shows unredacted channels")]
RuleName = Annotated[str, Path(min_length=1, max_length=100)]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    url: str = Field(min_length=8, max_length=2048, pattern=r"^https?://[^\s/]+")
    format: Literal["json", "slack"] = "json"


class ChannelsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    webhooks: list[WebhookIn] = Field(default_factory=list, max_length=20)
    emails: list[Annotated[str, Field(max_length=254, pattern=EMAIL_PATTERN)]] = Field(
        default_factory=list, max_length=20)


class FiltersIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    sources: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=100)
    languages: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=list, max_length=20)
    min_casualties: int | None = Field(None, ge=0, le=1_000_000)


class RuleBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, description="query language (see README)")
    filters: FiltersIn = Field(default_factory=FiltersIn)
    channels: ChannelsIn = Field(default_factory=ChannelsIn)
    mode: Literal["instant", "digest"] = "instant"
    digest_minutes: int = Field(60, ge=1, le=7 * 24 * 60)
    owner: str | None = Field(None, max_length=100)
    enabled: bool = True


class RuleIn(RuleBody):
    name: str = Field(pattern=NAME_PATTERN, max_length=120)


class RulePut(RuleBody):
    name: str | None = Field(None, max_length=120,
                             description="optional; the path names the rule, and a different name is refused")


class RulePatch(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    query: str | None = Field(None, min_length=1, max_length=MAX_QUERY_CHARS)
    filters: FiltersIn | None = None
    channels: ChannelsIn | None = None
    mode: Literal["instant", "digest"] | None = None
    digest_minutes: int | None = Field(None, ge=1, le=7 * 24 * 60)
    owner: str | None = Field(None, max_length=100)
    enabled: bool | None = None


def _store() -> Any:
    return RuleStore(_alerts())


def _alerts() -> Any:
    """The context with the API's view of its Elasticsearch client: a short timeout and no retry, for rule
    saves as for reads."""
    ctx = current()
    return replace(ctx, es=api_es(ctx.es))


def _view(rule: Any, x_api_key: str | None) -> dict[str, Any]:
    """Full rule for holders of the write key; webhook URLs and e-mails redacted for everyone else."""
    view = rule.model_dump(mode="json") if is_writer(x_api_key) else redacted(rule)
    view["problem"] = query_problem(rule)
    return view


def _rule_or_422(body: dict[str, Any], name: str | None = None) -> Any:
    if name is not None:
        body = {**body, "name": name}
    try:
        return build_rule(body)
    except RuleError as err:
        raise HTTPException(422, str(err)) from None


_NOT_FOUND = "no rule of that name"


@router.get("", response_model=RuleListOut, dependencies=[Depends(require_read)],
            responses=responses(READ_ERRORS, BACKEND_ERRORS))
def list_rules(owner: Annotated[str | None, Query(max_length=100)] = None, enabled: bool | None = None,
               x_api_key: ApiKey = None) -> dict[str, Any]:
    rules = _store().list(owner=owner)
    if enabled is not None:
        rules = [r for r in rules if r.enabled == enabled]
    return {"total": len(rules), "rules": [_view(r, x_api_key) for r in rules]}


@router.get("/history", response_model=HistoryOut, dependencies=[Depends(require_read)],
            responses=responses(READ_ERRORS, BACKEND_ERRORS))
def history(
    rule: Annotated[str | None, Query(max_length=100)] = None,
    status_: Annotated[Literal["pending", "delivered", "failed", "recorded"] | None, Query(alias="status")] = None,
    story_id: Annotated[str | None, Query(max_length=200)] = None,
    channel: Annotated[Literal["webhook", "email"] | None,
                       Query(description="records with a channel of this type (Slack is a webhook)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_WINDOW - 1, description="records to skip; the log can be paged "
                                 f"through its first {MAX_WINDOW} records (filter to narrow it)")] = 0,
    x_api_key: ApiKey = None,
) -> dict[str, Any]:
    # A page that crosses the end of the index's window is cut there (an offset past it is a 422).
    limit = min(limit, MAX_WINDOW - offset)
    total, records = History(_alerts()).search(rule=rule, status=status_, story_id=story_id, channel=channel,
                                              limit=limit, offset=offset)
    if not is_writer(x_api_key):
        records = [redacted_record(r) for r in records]
    return {"total": total, "records": records}


@router.get("/history/{notification_id}", response_model=HistoryRecordOut, dependencies=[Depends(require_read)],
            responses=responses(READ_ERRORS, BACKEND_ERRORS, _404="no such notification"))
def history_record(notification_id: Annotated[str, Path(min_length=1, max_length=200)],
                   x_api_key: ApiKey = None) -> dict[str, Any]:
    rec = History(_alerts()).get(notification_id)
    if rec is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no notification {notification_id!r}")
    return rec if is_writer(x_api_key) else redacted_record(rec)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RuleOut,
             dependencies=[Depends(require_write)],
             responses=responses(WRITE_ERRORS, BACKEND_ERRORS, _409="a rule of that name exists"))
def create_rule(body: RuleIn) -> dict[str, Any]:
    rule = _rule_or_422(body.model_dump())
    store = _store()
    if store.get(rule.name) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"rule {rule.name!r} exists; PUT /alerts/{rule.name}")
    saved, _ = store.upsert(rule)
    return saved.model_dump(mode="json")


@router.get("/{name}", response_model=RuleOut, dependencies=[Depends(require_read)],
            responses=responses(READ_ERRORS, BACKEND_ERRORS, _404=_NOT_FOUND))
def get_rule(name: RuleName, x_api_key: ApiKey = None) -> dict[str, Any]:
    rule = _store().get(name)
    if rule is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rule named {name!r}")
    return _view(rule, x_api_key)


@router.put("/{name}", response_model=RuleOut, dependencies=[Depends(require_write)],
            responses=responses(WRITE_ERRORS, BACKEND_ERRORS))
def put_rule(name: RuleName, body: RulePut) -> dict[str, Any]:
    # PUT does not rename: a body naming another rule is a mistake the caller must hear about, not a save
    # under the path's name that leaves the rule they meant untouched.
    if body.name is not None and body.name.strip() != name.strip():
        raise HTTPException(422, f"body name {body.name!r} differs from the path's rule {name!r}: PUT does not "
                            f"rename; PUT /alerts/{body.name.strip()} for that rule, or omit the name")
    saved, _ = _store().upsert(_rule_or_422(body.model_dump(exclude={"name"}), name))
    return saved.model_dump(mode="json")


@router.patch("/{name}", response_model=RuleOut, dependencies=[Depends(require_write)],
              responses=responses(WRITE_ERRORS, BACKEND_ERRORS, _404=_NOT_FOUND))
def patch_rule(name: RuleName, body: RulePatch) -> dict[str, Any]:
    """Partial update, e.g. ``{"enabled": false}``."""
    store = _store()
    rule = store.get(name)
    if rule is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rule named {name!r}")
    # An explicit null leaves a field as it is, except ``owner``, which null clears.
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k == "owner"}
    merged = {**rule.model_dump(mode="json"), **changes, "name": name}
    saved, _ = store.upsert(_rule_or_422(merged))
    return saved.model_dump(mode="json")


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               dependencies=[Depends(require_write)],
               responses=responses(WRITE_ERRORS, BACKEND_ERRORS, _404=_NOT_FOUND))
def delete_rule(name: RuleName) -> Response:
    if not _store().delete(name):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rule named {name!r}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{name}/test", response_model=PreviewOut, dependencies=[Depends(require_read)],
            responses=responses(READ_ERRORS, BACKEND_ERRORS, _404=_NOT_FOUND))
def test_rule(name: RuleName, limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> dict[str, Any]:
    """Preview over indexed history (see ``newsworker alerts test``)."""
    rule = _store().get(name)
    if rule is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rule named {name!r}")
    return preview(rule, ctx=_alerts(), limit=limit)
