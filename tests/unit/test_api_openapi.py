"""The OpenAPI document names each parameter once per operation (generated clients and Schemathesis read it)."""

from __future__ import annotations

from worker.api.app import create_app


def test_each_operation_declares_the_api_key_header_once() -> None:
    doc = create_app().openapi()
    seen_key = 0
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            params = [(p["in"], p["name"].lower()) for p in op.get("parameters", [])]
            assert len(params) == len(set(params)), f"{method.upper()} {path} repeats a parameter: {params}"
            headers = [p["name"] for p in op.get("parameters", []) if p["in"] == "header"]
            # a rule's edits and its delete may also carry If-Match (its version: 412 on a stale one)
            allowed = {"X-API-Key", "If-Match"} if method in ("put", "patch", "delete") and path.startswith("/alerts/") \
                else {"X-API-Key"}
            if headers:
                assert "X-API-Key" in headers and set(headers) <= allowed, f"{method.upper()} {path}: {headers}"
                seen_key += 1
    assert seen_key > 10  # every guarded route declares it
