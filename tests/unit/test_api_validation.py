"""A malformed JSON body is a 422 naming the field, whatever it holds (QA6 qa6s-3): ``NaN``, ``Infinity`` and
``1e999`` (read as infinity) or a lone surrogate made FastAPI's own 422, which echoes the input, unencodable,
and the client got a 500. Every write route with a JSON body is tried, each of its fields in turn; the
refusal comes from validation, before the route runs, so no Redis/ES is touched."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from worker.api.validation import json_safe
from worker.settings import get_settings

KEY = "s3cret-validation"
HOSTILE = ("NaN", "Infinity", "-Infinity", "1e999", '"\\ud800\\u0633\\u062c\\u0646"', '"a@exa\\udfffmple.org"',
           '["\\udc00"]', '{"\\ud800": 1}')

pytestmark = pytest.mark.usefixtures("fresh_settings")


@pytest.fixture
def client(monkeypatch) -> TestClient:
    monkeypatch.setenv("NEWSWORKER_API_KEY", KEY)
    get_settings.cache_clear()
    from worker.api.app import create_app

    return TestClient(create_app(), raise_server_exceptions=False)


def _json_bodies(client: TestClient) -> list[tuple[str, str, list[str]]]:
    """(method, path, the body's fields) for every operation that takes a JSON body."""
    out = []
    spec = client.app.openapi()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if not schema:
                continue
            ref = schema.get("$ref", "").rsplit("/", 1)[-1]
            props = list(spec["components"]["schemas"][ref]["properties"]) if ref else []
            out.append((method.upper(), path.replace("{name}", "x").replace("{feed_id}", "x"), props))
    return out


def test_the_write_routes_with_a_body_are_all_tried(client) -> None:
    routes = {(m, p) for m, p, _ in _json_bodies(client)}
    assert {("POST", "/alerts"), ("PUT", "/alerts/x"), ("PATCH", "/alerts/x"), ("POST", "/feeds"),
            ("PATCH", "/feeds/x")} <= routes, routes


@pytest.mark.parametrize("value", HOSTILE)
def test_an_unencodable_value_in_any_field_is_a_422_naming_it(client, value) -> None:
    for method, path, fields in _json_bodies(client):
        for field in fields:
            raw = '{"%s": %s}' % (field, value)  # noqa: UP031 - the raw text is the point: json.dumps cannot write it
            r = client.request(method, path, content=raw.encode(),
                               headers={"X-API-Key": KEY, "Content-Type": "application/json"})
            assert r.status_code == 422, (method, path, raw, r.status_code, r.text[:300])
            body = r.json()
            assert any(e["loc"][:2] == ["body", field] for e in body["errors"]), (method, path, raw, body)
            assert all(e["msg"] for e in body["errors"])
            assert isinstance(body["detail"], list)  # FastAPI's own shape, its input made encodable


def test_json_safe_spells_out_what_strict_json_cannot_carry() -> None:
    value = {"a": float("nan"), "b": [float("inf"), -float("inf"), 1.5], "\ud800k": "x\udfffy", "n": None}
    safe = json_safe(value)
    assert safe == {"a": "NaN", "b": ["Infinity", "-Infinity", 1.5], "\\ud800k": "x\\udfffy", "n": None}
    json.dumps(safe, allow_nan=False, ensure_ascii=False).encode("utf-8")
