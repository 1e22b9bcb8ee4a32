"""``/alerts``: rule CRUD (writes need the API key), preview over history, and the notification log.

Bodies are typed (``RuleIn``/``RulePatch``) so malformed JSON is refused by shape before the rule's own
checks (the query must compile, webhooks must pass the SSRF guard), which answer 422 with a message.
Readers without the write key see webhook URLs and e-mail addresses redacted, in rules and in history.

Edits can be conditional (optimistic concurrency): a rule's ETag is its ``updated`` time, sent as the
``ETag`` header and in the body; PUT and PATCH with ``If-Match`` answer 412 and save nothing when the
stored rule changed since (or was deleted: an editor's save must not bring a deleted rule back), and DELETE
with ``If-Match`` deletes nothing when the rule changed since (a change saved in another tab is not thrown
away unseen). Without ``If-Match`` they stay as they were: PUT saves (creating the rule if missing), PATCH
merges, DELETE deletes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from worker.alerts.history import History
from worker.alerts.preview import preview
from worker.alerts.rules import EMAIL_PATTERN, RuleError, build_rule, query_problem, redacted, redacted_record
from worker.alerts.store import Expect, RuleConflict, RuleStore
from worker.api.auth import configured_key, is_writer, require_read, require_write
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
from worker.api.refusal import Refusal, field_errors
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
IfMatch = Annotated[str | None, Header(
    alias="If-Match", max_length=1000,
    description='save only if the rule is still this version: its ETag (the rule\'s `updated` time in quotes, '
                'as GET /alerts/{name} sends it), or `*` for "any version, but it must exist"; else 412')]


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
        # which fields, as data: the page marks them in its own words (QA5 qa5c-5)
        raise Refusal(422, str(err), errors=field_errors(err.fields)) from None


_NOT_FOUND = "no rule of that name"
_PATCH_TRIES = 5
_STALE = "If-Match: the rule changed or was deleted since that version was read; nothing was saved"
_STALE_DELETE = "If-Match: the rule changed or was deleted since that version was read; nothing was deleted"


def _etag(saved: dict[str, Any]) -> str | None:
    """A rule's ETag: its ``updated`` time as the JSON body spells it, quoted."""
    return f'"{saved["updated"]}"' if saved.get("updated") else None


def _with_etag(response: Response, saved: dict[str, Any]) -> dict[str, Any]:
    tag = _etag(saved)
    if tag:
        response.headers["ETag"] = tag
    return saved


def _stamp(tag: str) -> datetime | None:
    """The ``updated`` time an entity tag names, or None (not one of ours: it matches no version)."""
    tag = tag.strip().removeprefix("W/").strip('"')
    try:
        stamp = datetime.fromisoformat(tag)
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else None


def _expected(name: str, if_match: str | None, store: Any, done: str = "saved") -> Expect | None:
    """What a save with this ``If-Match`` expects to find (None: no condition). A list of tags is narrowed
    to the one the stored rule has; no match is the 412 at once."""
    if if_match is None:
        return None
    if if_match.strip() == "*":
        return "*"
    current = store.get(name)
    tags = {_stamp(t) for t in if_match.split(",")} - {None}
    if current is None or current.updated not in tags:
        raise _precondition_failed(RuleConflict(name, current, ""), done)
    return current.updated


def _precondition_failed(err: RuleConflict, done: str = "saved") -> HTTPException:
    if err.current is None:
        detail = f"rule {err.name!r} no longer exists (deleted since you read it); nothing was {done}"
    else:
        detail = (f"rule {err.name!r} changed since you read it; nothing was {done}: GET /alerts/{err.name} "
                  "and apply your change to the current version")
    headers = {"ETag": _etag(err.current.model_dump(mode="json"))} if err.current and err.current.updated else None
    return HTTPException(status.HTTP_412_PRECONDITION_FAILED, detail, headers=headers)


@router.get("", response_model=RuleListOut, dependencies=[Depends(require_read)],
            responses=responses(READ_ERRORS, BACKEND_ERRORS))
def list_rules(owner: Annotated[str | None, Query(max_length=100)] = None, enabled: bool | None = None,
               x_api_key: ApiKey = None) -> dict[str, Any]:
    rules = _store().list(owner=owner)
    if enabled is not None:
        rules = [r for r in rules if r.enabled == enabled]
    # the page asks for a key only where one could help (QA round 4 web D8)
    return {"total": len(rules), "rules": [_view(r, x_api_key) for r in rules],
            "writes_enabled": configured_key() is not None}


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
def create_rule(body: RuleIn, response: Response) -> dict[str, Any]:
    rule = _rule_or_422(body.model_dump())
    try:  # "absent": two creates of one name racing each other cannot both succeed
        saved, _ = _store().upsert(rule, expect="absent")
    except RuleConflict:
        raise HTTPException(status.HTTP_409_CONFLICT, f"rule {rule.name!r} exists; PUT /alerts/{rule.name}") from None
    return _with_etag(response, saved.model_dump(mode="json"))


@router.get("/{name}", response_model=RuleOut, dependencies=[Depends(require_read)],
            responses=responses(READ_ERRORS, BACKEND_ERRORS, _404=_NOT_FOUND))
def get_rule(name: RuleName, response: Response, x_api_key: ApiKey = None) -> dict[str, Any]:
    rule = _store().get(name)
    if rule is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rule named {name!r}")
    return _with_etag(response, _view(rule, x_api_key))


@router.put("/{name}", response_model=RuleOut, dependencies=[Depends(require_write)],
            responses=responses(WRITE_ERRORS, BACKEND_ERRORS, _412=_STALE))
def put_rule(name: RuleName, body: RulePut, response: Response, if_match: IfMatch = None) -> dict[str, Any]:
    # PUT does not rename: a body naming another rule is a mistake the caller must hear about, not a save
    # under the path's name that leaves the rule they meant untouched.
    if body.name is not None and body.name.strip() != name.strip():
        raise HTTPException(422, f"body name {body.name!r} differs from the path's rule {name!r}: PUT does not "
                            f"rename; PUT /alerts/{body.name.strip()} for that rule, or omit the name")
    rule = _rule_or_422(body.model_dump(exclude={"name"}), name)
    store = _store()
    try:
        saved, _ = store.upsert(rule, expect=_expected(name, if_match, store))
    except RuleConflict as err:
        raise _precondition_failed(err) from None
    return _with_etag(response, saved.model_dump(mode="json"))


@router.patch("/{name}", response_model=RuleOut, dependencies=[Depends(require_write)],
              responses=responses(WRITE_ERRORS, BACKEND_ERRORS, _404=_NOT_FOUND, _412=_STALE))
def patch_rule(name: RuleName, body: RulePatch, response: Response, if_match: IfMatch = None) -> dict[str, Any]:
    """Partial update, e.g. ``{"enabled": false}``."""
    store = _store()
    # An explicit null leaves a field as it is, except ``owner``, which null clears.
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k == "owner"}
    expect = _expected(name, if_match, store)
    for _ in range(_PATCH_TRIES):
        rule = store.get(name)
        if rule is None:
            if expect is not None:
                raise _precondition_failed(RuleConflict(name, None, ""))
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rule named {name!r}")
        merged = {**rule.model_dump(mode="json"), **changes, "name": name}
        try:
            # saved only over the version merged into: two PATCHes of different fields both count
            saved, _ = store.upsert(_rule_or_422(merged), expect=expect if expect not in (None, "*") else rule.updated)
        except RuleConflict as err:
            if expect is None or (expect == "*" and err.current is not None):
                continue  # another save came in between: merge into the new version
            raise _precondition_failed(err) from None
        return _with_etag(response, saved.model_dump(mode="json"))
    raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"rule {name!r}: too many concurrent changes, try again")


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               dependencies=[Depends(require_write)],
               responses=responses(WRITE_ERRORS, BACKEND_ERRORS, _404=_NOT_FOUND, _412=_STALE_DELETE))
def delete_rule(name: RuleName, if_match: IfMatch = None) -> Response:
    """With ``If-Match``, only the version read: a rule changed or deleted since is a 412."""
    store = _store()
    try:
        deleted = store.delete(name, expect=_expected(name, if_match, store, "deleted"))
    except RuleConflict as err:
        raise _precondition_failed(err, "deleted") from None
    if not deleted:
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
