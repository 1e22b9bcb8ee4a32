"""The one exception the query language raises for bad input."""

from __future__ import annotations


class QuerySyntaxError(ValueError):
    """A query that cannot be parsed or uses the language wrongly.

    ``message`` is meant for the user (API 400 body, CLI error line); ``position`` is the 0-based
    character offset in the original query when known.
    """

    def __init__(self, message: str, position: int | None = None, query: str | None = None) -> None:
        self.message = message
        self.position = position
        self.query = query
        where = f" (at position {position})" if position is not None else ""
        super().__init__(f"{message}{where}")

    def to_dict(self) -> dict[str, object]:
        return {"error": "query_syntax", "message": self.message, "position": self.position}
