"""A refusal whose JSON body says more than ``detail``: which fields of the body were refused, or which id
is taken, as data. The web page words these in its own language next to the field it names, instead of
showing the server's English sentence (or matching its words); ``detail`` stays the readable message for
API users and the CLI's tests."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException


class Refusal(HTTPException):
    """``HTTPException(status_code, detail)`` whose answer also carries ``extra`` (``errors``: the refused
    fields as ``[{"loc": ["body", ...], "msg": ...}]``, as FastAPI's own 422 lists them; ``id``: a taken id).
    Rendered by ``worker.api.app``'s error handler."""

    def __init__(self, status_code: int, detail: str, **extra: Any) -> None:
        super().__init__(status_code, detail)
        self.extra = extra


def field_errors(errors: list[tuple[tuple[Any, ...], str]]) -> list[dict[str, Any]]:
    """``(loc, msg)`` pairs of a body's fields as the ``errors`` of a 422."""
    return [{"loc": ["body", *loc], "msg": msg} for loc, msg in errors]
