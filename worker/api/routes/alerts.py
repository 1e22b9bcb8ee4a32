"""``/alerts``: rule CRUD (writes need the API key), preview over history, and the notification log."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, status

from worker.api.auth import require_read, require_write

router = APIRouter(prefix="/alerts", tags=["alerts"])


def _store() -> Any:
    from worker.alerts.store import RuleStore

    return RuleStore(_alerts())


def _alerts() -> Any:
    from worker.pipeline.context import current

    return current().alerts


def _view(rule: Any, x_api_key: str | None) -> dict[str, Any]:
    """Full rule for holders of the write key; webhook URLs redacted for everyone else (they are secrets)."""
    from worker.alerts.rules import redacted
    from worker.settings import get_settings

    expected = get_settings().api_key
    if expected and x_api_key and hmac.compare_digest(x_api_key, expected):
        return rule.model_dump(mode="json")
    return redacted(rule)


def _rule_or_422(body: dict[str, Any], name: str | None = None) -> Any:
    from worker.alerts.rules import RuleError, build_rule

    if name is not None:
        body = {**body, "name": name}
    try:
        return build_rule(body)
    except RuleError as err:
        raise HTTPException(422, str(err)) from None


@router.get("", dependencies=[Depends(require_read)])
def list_rules(owner: str | None = None, enabled: bool | None = None,
               x_api_key: str | None = Header(default=None)) -> dict[str, Any]:
    rules = _store().list(owner=owner)
    if enabled is not None:
        rules = [r for r in rules if r.enabled == enabled]
    return {"total": len(rules), "rules": [_view(r, x_api_key) for r in rules]}


@router.get("/history", dependencies=[Depends(require_read)])
def history(
    rule: str | None = None,
    status_: str | None = Query(None, alias="status"),
    story_id: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10_000),
) -> dict[str, Any]:
    from worker.alerts.history import History

    total, records = History(_alerts()).search(rule=rule, status=status_, story_id=story_id, limit=limit, offset=offset)
    return {"total": total, "records": records}


@router.get("/history/{notification_id}", dependencies=[Depends(require_read)])
def history_record(notification_id: str) -> dict[str, Any]:
    from worker.alerts.history import History

    rec = History(_alerts()).get(notification_id)
    if rec is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no notification {notification_id!r}")
    return rec


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[Depends(require_write)])
def create_rule(body: dict[str, Any]) -> dict[str, Any]:
    rule = _rule_or_422(body)
    store = _store()
    if store.get(rule.name) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"rule {rule.name!r} exists; PUT /alerts/{rule.name}")
    saved, _ = store.upsert(rule)
    return saved.model_dump(mode="json")


@router.get("/{name}", dependencies=[Depends(require_read)])
def get_rule(name: str, x_api_key: str | None = Header(default=None)) -> dict[str, Any]:
    rule = _store().get(name)
    if rule is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rule named {name!r}")
    return _view(rule, x_api_key)


@router.put("/{name}", dependencies=[Depends(require_write)])
def put_rule(name: str, body: dict[str, Any]) -> dict[str, Any]:
    saved, _ = _store().upsert(_rule_or_422(body, name))
    return saved.model_dump(mode="json")


@router.patch("/{name}", dependencies=[Depends(require_write)])
def patch_rule(name: str, body: dict[str, Any]) -> dict[str, Any]:
    """Partial update, e.g. ``{"enabled": false}``."""
    store = _store()
    rule = store.get(name)
    if rule is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rule named {name!r}")
    merged = {**rule.model_dump(mode="json"), **body, "name": name}
    saved, _ = store.upsert(_rule_or_422(merged))
    return saved.model_dump(mode="json")


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[Depends(require_write)])
def delete_rule(name: str) -> None:
    if not _store().delete(name):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rule named {name!r}")


@router.get("/{name}/test", dependencies=[Depends(require_read)])
def test_rule(name: str, limit: int = Query(50, ge=1, le=1000)) -> dict[str, Any]:
    """Preview over indexed history (see ``newsworker alerts test``)."""
    from worker.alerts.preview import preview

    rule = _store().get(name)
    if rule is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rule named {name!r}")
    return preview(rule, ctx=_alerts(), limit=limit)
