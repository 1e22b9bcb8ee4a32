"""How a ``newsworker`` command that fails for a known reason ends: one line on stderr and an exit code.

``describe`` maps the exception classes a user can provoke (a store that is down, a missing file, a broken
YAML file, an invalid feed...) to a ``Failure``; the command dispatcher (``worker.cli.main``) prints it.
Anything else is a bug and keeps its traceback. ``--debug`` shows the traceback
of the known ones too.

Exit codes, as the README's commands use them: ``EXIT_RUNTIME`` (1) when a service is down or the work
failed at run time, ``EXIT_INPUT`` (2) when the input is wrong (an argument, a file, a configuration).

The classes are looked up in ``sys.modules`` rather than imported: an exception of the ``redis`` package can
only exist once that package is loaded, and ``newsworker --help`` should not pay for importing the clients.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

EXIT_RUNTIME = 1
EXIT_INPUT = 2


class CliError(Exception):
    """A failure a command reports itself: ``message`` is printed as it is, ``code`` is the exit status."""

    def __init__(self, message: str, code: int = EXIT_INPUT) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class NotFound(CliError):
    """The thing a command was asked about does not exist (``feeds show nosuch``, ``deadletter show nosuch``):
    wrong input like any other, so one ``error:`` line on stderr and exit 2, never a message on stdout, where
    ``feeds show X > x.json`` would put it inside the file."""

    def __init__(self, what: str, name: str) -> None:
        super().__init__(f"no {what} {name!r}", EXIT_INPUT)


@dataclass(frozen=True)
class Failure:
    message: str
    code: int


def describe(err: BaseException) -> Failure | None:
    """The one line and exit code for a known failure; ``None`` for anything else (a bug: traceback)."""
    for check in _CHECKS:
        failure = check(err)
        if failure is not None:
            return Failure(_one_line(failure.message), failure.code)
    return None


def _one_line(text: str, limit: int = 400) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cls(module: str, name: str) -> type[BaseException] | None:
    """``module.name`` if that module is already imported (see the module docstring)."""
    mod = sys.modules.get(module)
    cls = getattr(mod, name, None) if mod is not None else None
    return cls if isinstance(cls, type) and issubclass(cls, BaseException) else None


def _is(err: BaseException, module: str, *names: str) -> bool:
    classes = tuple(c for c in (_cls(module, n) for n in names) if c is not None)
    return bool(classes) and isinstance(err, classes)


def _without_credentials(url: str) -> str:
    return re.sub(r"//[^/@]*@", "//", url)


def _setting(name: str) -> str:
    try:
        from worker.settings import get_settings

        return _without_credentials(str(getattr(get_settings(), name)))
    except Exception:  # noqa: BLE001 - only decorates the message; the settings may be what failed
        return "?"


_ERRNO_RE = re.compile(r"\[Errno -?\d+\] ([^)\]]+)")


def _cli_error(err: BaseException) -> Failure | None:
    return Failure(err.message, err.code) if isinstance(err, CliError) else None


def _redis(err: BaseException) -> Failure | None:
    if not _is(err, "redis.exceptions", "ConnectionError", "TimeoutError"):
        return None
    return Failure(f"Redis is unreachable at {_setting('redis_url')} (NEWSWORKER_REDIS_URL): {str(err).rstrip('.')}; "
                   "`newsworker status` shows what is up", EXIT_RUNTIME)


def _redis_database(err: BaseException) -> Failure | None:
    """A database number past the server's ``databases`` setting: only the server knows it, so it is met at
    the first command rather than when the settings are read (``worker.service_urls``)."""
    if not (_is(err, "redis.exceptions", "ResponseError") and "DB index is out of range" in str(err)):
        return None
    return Failure(f"invalid settings: redis_url: Redis at {_setting('redis_url')} (NEWSWORKER_REDIS_URL) has no "
                   "such database: DB index is out of range (it has `databases` of them, 16 by default: 0-15)",
                   EXIT_INPUT)


def _broker(err: BaseException) -> Failure | None:
    # kombu wraps the broker's connection errors (Redis here) when a command queues work
    if not _is(err, "kombu.exceptions", "OperationalError"):
        return None
    return Failure(f"cannot queue work: the broker is unreachable at {_setting('redis_url')}: {err}",
                   EXIT_RUNTIME)


def _es_transport(err: BaseException) -> Failure | None:
    if not _is(err, "elastic_transport", "ConnectionError", "ConnectionTimeout"):
        return None
    found = _ERRNO_RE.findall(str(err))
    why = found[-1].strip() if found else ("timed out" if _is(err, "elastic_transport", "ConnectionTimeout")
                                           else str(getattr(err, "message", err)))
    return Failure(f"Elasticsearch is unreachable at {_setting('es_url')} (NEWSWORKER_ES_URL): {why}; "
                   "`newsworker status` shows what is up", EXIT_RUNTIME)


def _es_api(err: BaseException) -> Failure | None:
    if not _is(err, "elasticsearch", "ApiError"):
        return None
    status = getattr(err, "status_code", None) or getattr(getattr(err, "meta", None), "status", None)
    body: Any = getattr(err, "body", None)
    info = body.get("error") if isinstance(body, dict) else None
    kind = info.get("type") if isinstance(info, dict) else None
    if kind == "index_not_found_exception":
        index = info.get("index") or info.get("resource.id") or "?"
        return Failure(f"Elasticsearch has no index {index!r}: check --index, or create it with "
                       "`newsworker setup`", EXIT_INPUT)
    if status in (401, 403):
        return Failure(f"Elasticsearch refused the request ({status} {kind or ''}): check the credentials in "
                       "NEWSWORKER_ES_URL", EXIT_RUNTIME)
    if isinstance(status, int) and (status == 429 or status >= 500):
        reason = info.get("reason") if isinstance(info, dict) else None
        return Failure(f"Elasticsearch is unavailable ({status} {kind or ''}): {reason or err}", EXIT_RUNTIME)
    return None  # a 400 and the like: a request we built wrong is a bug


def _http(err: BaseException) -> Failure | None:
    if not _is(err, "httpx", "TransportError"):
        return None
    request = getattr(err, "_request", None)
    where = f" {request.url}" if request is not None else ""
    return Failure(f"cannot reach{where}: {type(err).__name__}: {err}", EXIT_RUNTIME)


def _file(err: BaseException) -> Failure | None:
    if not isinstance(err, FileNotFoundError | NotADirectoryError | IsADirectoryError | PermissionError):
        return None
    if not err.filename:
        return None
    return Failure(f"{err.filename}: {err.strerror or err}", EXIT_INPUT)


def _yaml(err: BaseException) -> Failure | None:
    if not _is(err, "yaml", "YAMLError"):
        return None
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    where = ""
    if mark is not None:
        name = getattr(mark, "name", "") or ""
        where = (f" in {name}" if name and not name.startswith("<") else "") + \
            f" at line {mark.line + 1}, column {mark.column + 1}"
    return Failure(f"invalid YAML{where}: {problem}", EXIT_INPUT)


def _validation(err: BaseException) -> Failure | None:
    if not _is(err, "pydantic", "ValidationError"):
        return None
    parts = []
    for e in err.errors():  # type: ignore[attr-defined]
        loc = ".".join(str(x) for x in e.get("loc", ()))
        msg = str(e.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)  # a model's own check (min above max) names its fields
    title = (getattr(err, "title", "") or "input").lower()
    return Failure(f"invalid {title}: " + "; ".join(parts), EXIT_INPUT)


_SETTINGS_SOURCE_RE = re.compile(r'field "(\w+)" from source "(\w+)"')


def _settings_source(err: BaseException) -> Failure | None:
    """A setting whose raw value its source could not read: a list or mapping given in the environment
    that is not JSON (``NEWSWORKER_PRIVATE_HOSTS=10.0.0.5``)."""
    if not _is(err, "pydantic_settings", "SettingsError"):
        return None
    found = _SETTINGS_SOURCE_RE.search(str(err))
    if found is None:
        return Failure(f"invalid settings: {err}", EXIT_INPUT)
    field, source = found.groups()
    cause = f" ({err.__cause__})" if err.__cause__ is not None else ""
    if source.startswith("Env"):
        var = f"NEWSWORKER_{field.upper()}"
        return Failure(f"invalid settings: {field}: {var} is not valid JSON{cause}; a list is written as JSON, "
                       f"e.g. {var}='[\"10.0.0.5\", \"intranet.example:8080\"]'", EXIT_INPUT)
    return Failure(f"invalid settings: {field}: cannot read its value from {source}{cause}", EXIT_INPUT)


def _settings_file(err: BaseException) -> Failure | None:
    return Failure(f"invalid settings: {err}", EXIT_INPUT) if _is(err, "worker.settings", "SettingsFileError") \
        else None


_CHECKS: tuple[Callable[[BaseException], Failure | None], ...] = (
    _cli_error, _redis, _redis_database, _broker, _es_transport, _es_api, _http, _file, _yaml, _validation, _settings_source,
    _settings_file)
