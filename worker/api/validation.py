"""The 422 of a malformed request: FastAPI's own answer, made safe to send whatever the input was.

FastAPI's default handler echoes each refused value back (``input``), and Starlette renders JSON strictly
(UTF-8, no NaN): a body holding ``NaN``, ``Infinity``, ``1e999`` (read as infinity) or a lone surrogate
(``"\\ud800"``, which pydantic refuses as a string) made the refusal itself unencodable, so the client got a
500 instead of the 422 naming the field (QA6 qa6s-3). Here every refused value is echoed in an encodable
form, and the refused fields are also listed as ``errors`` (``[{loc, msg}]``, as ``worker.api.refusal``'s
422s list them), so the page names the field either way.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

__all__ = ["json_safe", "validation_error"]


def json_safe(value: Any) -> Any:
    """``value`` with what strict JSON in UTF-8 cannot carry spelled out: a non-finite number as the text
    JSON5 would use (``"NaN"``, ``"Infinity"``, ``"-Infinity"``), a lone surrogate as its escape
    (``"\\\\ud800"``), in keys as in values."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {json_safe(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


async def validation_error(_: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 (``{"detail": [{type, loc, msg, input, ...}]}``) plus ``errors``, always encodable."""
    assert isinstance(exc, RequestValidationError)
    detail = json_safe(jsonable_encoder(exc.errors()))
    errors = [{"loc": e.get("loc", []), "msg": e.get("msg", "")} for e in detail if isinstance(e, dict)]
    return JSONResponse({"detail": detail, "errors": errors}, status_code=422)
