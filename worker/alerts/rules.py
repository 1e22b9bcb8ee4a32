"""The alert rule model: a saved search (the shared query language) plus filters, channels and a mode.

A rule is validated when it is built: its query must compile with ``worker.query.compile`` so that a
typo is refused at save time with the parser's message, not discovered later as a rule that never fires.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

# Unicode word characters (Arabic names are fine), dot, dash; no spaces so CLI use needs no quoting.
NAME_RE = re.compile(r"^[\w.-]{1,100}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")


class RuleError(ValueError):
    """A rule that cannot be saved (bad name, query, channel...). The message is meant for the user."""


class WebhookChannel(BaseModel):
    url: str
    format: Literal["json", "slack"] = "json"

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if not re.match(r"^https?://[^\s/]+", v):
            raise ValueError(f"webhook url must be http(s)://host/...: {v!r}")
        return v


class Channels(BaseModel):
    webhooks: list[WebhookChannel] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)

    @field_validator("emails")
    @classmethod
    def _emails(cls, v: list[str]) -> list[str]:
        for addr in v:
            if not EMAIL_RE.match(addr):
                raise ValueError(f"not an email address: {addr!r}")
        return v

    def keys(self) -> list[str]:
        """Stable channel keys: one delivery (and one delivered flag) per key."""
        return [f"webhook:{i}" for i in range(len(self.webhooks))] + [f"email:{a}" for a in self.emails]


class Filters(BaseModel):
    """Structured restrictions applied after the query matched (cheap, exact)."""

    sources: list[str] = Field(default_factory=list)  # doc.source must be one of these (case-insensitive)
    languages: list[str] = Field(default_factory=list)
    # killed + injured, taking the largest count reported per kind (several sentences often repeat a toll)
    min_casualties: int | None = None


class AlertRule(BaseModel):
    name: str
    query: str
    filters: Filters = Field(default_factory=Filters)
    channels: Channels = Field(default_factory=Channels)
    mode: Literal["instant", "digest"] = "instant"
    digest_minutes: int = Field(60, ge=1, le=7 * 24 * 60)
    owner: str | None = None
    enabled: bool = True
    created: datetime | None = None
    updated: datetime | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        v = v.strip()
        if not NAME_RE.match(v):
            raise ValueError("name: 1-100 letters, digits, '_', '-' or '.', no spaces")
        return v

    @field_validator("query")
    @classmethod
    def _query(cls, v: str, info: ValidationInfo) -> str:
        from worker.query import QuerySyntaxError, compile

        v = v.strip()
        if not v:
            raise ValueError("query is empty")
        if info.context and info.context.get("stored"):
            return v  # validated when saved; the engine compiles (and reports) it once on load
        try:
            compile(v)
        except QuerySyntaxError as err:
            raise ValueError(f"query does not parse: {err}") from err
        return v

    @property
    def id(self) -> str:
        """Rules are keyed by name: ``alerts load`` upserts by name and CLI commands take the name."""
        return self.name

    def to_store(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def build_rule(data: dict[str, Any]) -> AlertRule:
    """Validate a mapping (YAML entry, API body) into a rule; errors become one readable ``RuleError``."""
    from pydantic import ValidationError

    try:
        return AlertRule.model_validate(data)
    except ValidationError as err:
        parts = []
        for e in err.errors():
            loc = ".".join(str(x) for x in e["loc"]) or "rule"
            msg = str(e["msg"]).removeprefix("Value error, ")
            parts.append(f"{loc}: {msg}")
        name = data.get("name") if isinstance(data, dict) else None
        raise RuleError((f"rule {name!r}: " if name else "") + "; ".join(parts)) from None


def from_store(data: dict[str, Any]) -> AlertRule:
    """A rule read back from the store: its query was validated on save, so it is not re-compiled here
    (loading 10,000 rules would otherwise compile every query twice)."""
    return AlertRule.model_validate(data, context={"stored": True})


def redact_url(url: str) -> str:
    """``scheme://host/…``: webhook paths often carry the secret (Slack's do), so history records and
    read-only API views keep only where it goes."""
    m = re.match(r"^(https?://[^/?#]+)", url or "")
    return (m.group(1) + "/…") if m else "…"


def redacted(rule: AlertRule) -> dict[str, Any]:
    """The rule as JSON with webhook URLs redacted (for readers without the write key)."""
    data = rule.model_dump(mode="json")
    for wh in data["channels"]["webhooks"]:
        wh["url"] = redact_url(wh["url"])
    return data


def now_utc() -> datetime:
    return datetime.now(UTC)
