"""The alert rule model: a saved search (the shared query language) plus filters, channels and a mode.

A rule is validated when it is built: its query must compile with ``worker.query.compile`` so that a
typo is refused at save time with the parser's message, not discovered later as a rule that never fires.
Webhook URLs go through the same SSRF guard as feeds when the rule is saved (loopback, link-local,
private and metadata addresses are refused unless the deployment allows them: ``private_hosts`` or
``allow_private_addresses``), and again, at connect time, when a notification is sent.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from email import errors as email_errors
from email.headerregistry import Address
from email.utils import getaddresses, parseaddr
from typing import Any, Literal

import httpx
from pydantic import BaseModel, Field, ValidationError, ValidationInfo, field_validator

from worker.ingest.errors import BlockedURLError
from worker.ingest.ssrf import AddressPolicy, check_url
from worker.query import QuerySyntaxError
from worker.query import compile as compile_query
from worker.settings import get_settings

# Unicode word characters (Arabic names are fine), dot, dash; no spaces so CLI use needs no quoting.
NAME_RE = re.compile(r"^[\w.-]{1,100}$")
# No whitespace and no control characters (C0, DEL, C1): an address ends up in an SMTP envelope and header.
EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+$"
EMAIL_RE = re.compile(EMAIL_PATTERN)
# Unicode's format (Cf: bidi controls, zero-width characters) and control (Cc) categories.
_HIDDEN_CATEGORIES = frozenset({"Cf", "Cc"})
MAX_URL_CHARS = 2048
MAX_EMAIL_CHARS = 254  # RFC 5321 path limit
MAX_CHANNELS = 20
# What redaction puts in place of a webhook's path and an address's local part (``redact_url``,
# ``redact_email``). A saved target holding it is a reader's view sent back, not a channel: refused.
REDACTED = "…"


def email_problem(addr: str) -> str | None:
    """Why ``addr`` is not one e-mail address, or ``None``. The address goes into the To header and the
    SMTP envelope, so it must be read back as itself: ``email.utils`` reads ``x;y@evil.example`` as the
    recipient ``x`` (``;`` and ``,`` separate addresses, ``<>``, ``:`` and ``()`` are syntax), and a mail
    sent there would be recorded as delivered to ``x;y@evil.example``. A quoted local part
    (``"x;y"@example.org``) is one address and passes; so does a non-ASCII local part (SMTPUTF8)."""
    shown = repr(addr[:100])
    if len(addr) > MAX_EMAIL_CHARS or not EMAIL_RE.match(addr):
        return f"not an email address: {shown}"
    # An invisible format character (a bidi override such as U+202E, a zero-width joiner, a BOM) passes the
    # parsers but is no part of any address: IDNA refuses it in a domain, and on a page it shows the address
    # reordered, so what the reader sees is not where mail goes (QA6 qa6s-6).
    hidden = next((c for c in addr if unicodedata.category(c) in _HIDDEN_CATEGORIES), None)
    if hidden is not None:
        return (f"not an email address: {shown} (it holds U+{ord(hidden):04X} "
                f"{unicodedata.name(hidden, 'an unnamed character')}, an invisible format or control character)")
    read = [a for _, a in getaddresses([addr]) if a]
    if read != [addr] or parseaddr(addr) != ("", addr):
        as_read = ", ".join(repr(a[:100]) for a in read) or "no address"
        return (f"not one email address: {shown} is read by mail systems as {as_read} "
                "(quote a local part that holds ; , : < > or parentheses, and give one address per entry)")
    local, _, domain = addr.rpartition("@")
    # The RFC 5322 parser refuses a local part with non-ASCII letters unless SMTPUTF8 is meant: it is
    # checked with them replaced by a letter, so only its structure (dots, quoting) is judged.
    probe = re.sub(r"[^\x00-\x7f]", "a", local) + "@" + domain
    try:
        Address(addr_spec=probe)
    except (ValueError, IndexError, email_errors.HeaderParseError, email_errors.MessageDefect):
        return f"not an email address: {shown} (its local part or domain is malformed)"
    return None


class RuleError(ValueError):
    """A rule that cannot be saved (bad name, query, channel...). The message is meant for the user;
    ``fields`` names the refused fields as ``(loc, msg)`` pairs (loc as pydantic gives it: ``("channels",
    "emails")``), for a client that marks them (the web page); empty when the error is not a field's."""

    def __init__(self, message: str, fields: list[tuple[tuple[Any, ...], str]] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or []


def _refuse_redacted(what: str, value: str) -> None:
    """Refuse a channel target copied from a redacted view (GET without the key): saving it would send
    notifications to ``host/…`` or ``…@domain`` and record them as delivered."""
    if REDACTED in value:
        raise ValueError(f"{what} {value[:100]!r} is a redacted placeholder ('{REDACTED}' as shown to readers "
                         "without the API key): read the rule with the X-API-Key and send its real value")


class WebhookChannel(BaseModel):
    url: str
    format: Literal["json", "slack"] = "json"

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str, info: ValidationInfo) -> str:
        if len(v) > MAX_URL_CHARS or not re.match(r"^https?://[^\s/]+", v):
            raise ValueError(f"webhook url must be http(s)://host/... of at most {MAX_URL_CHARS} characters: "
                             f"{v[:100]!r}")
        if info.context and info.context.get("stored"):
            return v  # checked when saved; checked again when sending
        _refuse_redacted("webhook url", v)
        check_webhook_url(v)
        return v


def alert_address_policy() -> Any:
    """Which private addresses webhooks may reach: the deployment's, as for feeds' pages."""
    s = get_settings()
    return AddressPolicy.from_entries(s.private_hosts, allow_all=s.allow_private_addresses)


def check_webhook_url(url: str) -> None:
    """Raise ``ValueError`` for a URL httpx cannot send to or one the SSRF guard refuses. A host name that
    does not resolve yet is accepted (the send-time check decides when it does)."""

    try:
        httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as err:
        raise ValueError(f"webhook url is not a valid URL: {err}") from None
    try:
        check_url(url, policy=alert_address_policy(), resolve_names=False)
    except BlockedURLError as err:
        raise ValueError(f"webhook url refused: {err}") from None


class Channels(BaseModel):
    webhooks: list[WebhookChannel] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)

    @field_validator("emails")
    @classmethod
    def _emails(cls, v: list[str], info: ValidationInfo) -> list[str]:
        if len(v) > MAX_CHANNELS:
            raise ValueError(f"at most {MAX_CHANNELS} email addresses")
        stored = bool(info.context and info.context.get("stored"))
        for addr in v:
            if len(addr) > MAX_EMAIL_CHARS or not EMAIL_RE.match(addr):
                raise ValueError(f"not an email address: {addr[:100]!r}")
            if stored:
                continue  # a rule saved before the full check still loads; sending refuses such an address
            _refuse_redacted("email address", addr)
            problem = email_problem(addr)
            if problem:
                raise ValueError(problem)
        return v

    @field_validator("webhooks")
    @classmethod
    def _webhooks(cls, v: list[WebhookChannel]) -> list[WebhookChannel]:
        if len(v) > MAX_CHANNELS:
            raise ValueError(f"at most {MAX_CHANNELS} webhooks")
        return v

    def keys(self) -> list[str]:
        """Stable channel keys: one delivery (and one delivered flag) per key."""
        return [f"webhook:{i}" for i in range(len(self.webhooks))] + [f"email:{a}" for a in self.emails]


class Filters(BaseModel):
    """Structured restrictions applied after the query matched (cheap, exact)."""

    sources: list[str] = Field(default_factory=list)  # read as source: reads them (a name, a word of it, a feed id)
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
        v = v.strip()
        if not v:
            raise ValueError("query is empty")
        if info.context and info.context.get("stored"):
            return v  # validated when saved; the engine compiles (and reports) it once on load
        try:
            compile_query(v)
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
    try:
        return AlertRule.model_validate(data)
    except ValidationError as err:
        parts, fields = [], []
        for e in err.errors():
            loc = ".".join(str(x) for x in e["loc"]) or "rule"
            msg = str(e["msg"]).removeprefix("Value error, ")
            parts.append(f"{loc}: {msg}")
            fields.append((tuple(e["loc"]), msg))
        name = data.get("name") if isinstance(data, dict) else None
        raise RuleError((f"rule {name!r}: " if name else "") + "; ".join(parts), fields) from None


def from_store(data: dict[str, Any]) -> AlertRule:
    """A rule read back from the store: its query was validated on save, so it is not re-compiled here
    (loading 10,000 rules would otherwise compile every query twice)."""
    return AlertRule.model_validate(data, context={"stored": True})


def query_problem(rule: AlertRule) -> str | None:
    """Why a stored rule's query no longer compiles (the query language was tightened after it was saved:
    a lone ``*``, a reversed range), or None. The workers skip such a rule; lists say so, so it does not
    fall silent with only a line in a worker's log."""
    try:
        compile_query(rule.query)
    except Exception as err:  # noqa: BLE001 - whatever the engine's compile raises, the engine skips the rule
        return f"never fires: its query no longer parses ({err}); save it again with a valid query"
    return None


def redact_url(url: str) -> str:
    """``scheme://host/…``: webhook paths often carry the secret (Slack's do), so history records and
    read-only API views keep only where it goes (without any ``user:password@``)."""
    m = re.match(r"^(https?://)(?:[^/?#@]*@)?([^/?#@]+)", url or "")
    return (m.group(1) + m.group(2) + "/" + REDACTED) if m else REDACTED


def redact_email(addr: str) -> str:
    """``…@domain``: who receives an alert is personal data; the domain is enough to tell channels apart."""
    _, at, domain = (addr or "").rpartition("@")
    return f"{REDACTED}@{domain}" if at else REDACTED


def redacted(rule: AlertRule) -> dict[str, Any]:
    """The rule as JSON with webhook URLs and e-mail addresses redacted (for readers without the write key)."""
    data = rule.model_dump(mode="json")
    for wh in data["channels"]["webhooks"]:
        wh["url"] = redact_url(wh["url"])
    data["channels"]["emails"] = [redact_email(a) for a in data["channels"]["emails"]]
    return data


_URL_IN_TEXT = re.compile(r"https?://[^\s'\"<>]+")


def redacted_record(rec: dict[str, Any]) -> dict[str, Any]:
    """A history record for readers without the write key: channel targets, keys and any URL or address
    an error message quotes redacted. Records keep the real targets (the key holder's view)."""
    out = dict(rec)
    out["channels"] = [redacted_channel(ch) for ch in rec.get("channels") or []]
    return out


def redacted_channel(ch: dict[str, Any]) -> dict[str, Any]:
    """One channel as history and dead letters show it (``type``, ``target``, ``key``, ``last_error``) for
    readers without the write key: its target, its key and any URL or address its error quotes redacted."""
    ch = dict(ch)
    target = str(ch.get("target") or "")
    if ch.get("type") == "email":
        ch["target"] = redact_email(target)
        key = str(ch.get("key") or "")
        ch["key"] = "email:" + redact_email(key.removeprefix("email:")) if key.startswith("email:") else key
    elif target:
        ch["target"] = redact_url(target)
    if ch.get("last_error"):
        error = str(ch["last_error"])
        if ch.get("type") == "email" and target:
            error = error.replace(target, redact_email(target))
        ch["last_error"] = _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), error)
    return ch


def now_utc() -> datetime:
    return datetime.now(UTC)
