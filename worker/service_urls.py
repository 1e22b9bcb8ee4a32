"""The checks ``worker.settings`` makes on ``redis_url`` and ``es_url`` when the settings are read.

Both clients read their URL leniently or late. redis-py's ``from_url`` ignores a database part it cannot
parse and uses database 0 (``redis://127.0.0.1:6379/6x`` read and wrote another installation's data, QA5
qa5b-4), while kombu refuses the same URL; a port out of range, ``http://`` alone or a list of nodes failed
at the first command with a traceback (qa5b-5). Each rule below is what the client would do with the URL,
said at start in one line instead (``error: invalid settings: redis_url: ...``, exit 2).

Pure: the standard library's ``urlsplit``, no client imported (``newsworker --help`` reads the settings).
What only the server knows (a database number past its ``databases`` setting) is mapped where it is met,
in ``worker.cli.errors``.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

REDIS_EXAMPLE = "redis://127.0.0.1:6379/0"
ES_EXAMPLE = "http://127.0.0.1:9200"

_DIGITS = re.compile(r"[0-9]+")


def _port(parts: SplitResult, example: str) -> int | None:
    """The URL's port (None if it names none); a ValueError naming the rule if it is not 1..65535."""
    try:
        port = parts.port
    except ValueError:  # not a number, or past 65535
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raw = parts.netloc.rpartition("@")[2].rpartition(":")[2]
        raise ValueError(f"port {raw!r} is not a number from 1 to 65535 (e.g. {example})")
    return port


def _database(text: str, where: str) -> None:
    if not _DIGITS.fullmatch(text):
        raise ValueError(f"the database {where} must be a number from 0 (e.g. {REDIS_EXAMPLE}), not {text!r}")


def check_redis_url(url: str) -> None:
    """Raise ValueError with the rule ``url`` breaks, as redis-py and kombu would read it."""
    # redis-py compares the scheme as written: REDIS:// is refused by the client at its first command
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"must start with redis://, rediss:// or unix:// (e.g. {REDIS_EXAMPLE})")
    if any(c.isspace() for c in url):
        raise ValueError("holds a space or line break")
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    for value in query.get("db", [])[:1]:  # redis-py takes ?db= before the path
        _database(unquote(value), "(?db=)")
    if parts.scheme == "unix":
        if not parts.path:
            raise ValueError("names no socket path (e.g. unix:///run/redis/redis.sock?db=0)")
        return
    if not parts.hostname:
        raise ValueError(f"names no host (e.g. {REDIS_EXAMPLE})")
    _port(parts, REDIS_EXAMPLE)
    # "" and "/" are database 0. The path is held to what both readers take: redis-py (the app's own client)
    # removes every "/" and ignores what is left if it is not a number; kombu (the broker) wants "/N".
    path = unquote(parts.path)
    if path not in ("", "/"):
        _database(path[1:], "(the part after the port)")
    db = int(path[1:] or 0)
    if "db" in query and int(query["db"][0]) != db:
        # redis-py would take ?db=, the broker the path: two databases for one installation
        raise ValueError(f"names database {query['db'][0]} in ?db= but {db} in its path, which the broker "
                         "reads: write the database after the port (e.g. redis://127.0.0.1:6379/2)")


def check_es_url(url: str) -> None:
    """Raise ValueError with the rule ``url`` breaks, as the Elasticsearch client would read it."""
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError(f"must start with http:// or https:// (e.g. {ES_EXAMPLE})")
    if "," in url:
        # the client takes the whole string as one node's URL: a list fails at the first request
        raise ValueError("must be one URL: a list of nodes separated by commas is not supported")
    if any(c.isspace() for c in url):
        raise ValueError("holds a space or line break")
    parts = urlsplit(url)
    if not parts.hostname:
        raise ValueError(f"names no host (e.g. {ES_EXAMPLE})")
    port = _port(parts, ES_EXAMPLE)
    # the client fills in 443 for https only; an http URL without a port is refused at its first request
    if port is None and parts.scheme.lower() == "http":
        raise ValueError(f"names no port (e.g. {ES_EXAMPLE})")
