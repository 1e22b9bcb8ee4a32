"""One Settings object for every process.

Values come from ``NEWSWORKER_*`` environment variables (highest precedence), then an optional
``config/settings.yaml``, then the defaults below. A mistyped key in the YAML file is an error rather
than a silently ignored default, because a misspelt ``allow_private_adresses`` that does nothing is
exactly the kind of mistake an operator never notices.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from worker.hostentry import parse_host_entry
from worker.service_urls import check_es_url, check_redis_url

REPO_ROOT = Path(__file__).resolve().parent.parent

# The bound of the retention settings (100 years): more is "keep for ever", which 0 already says, and a cutoff
# further back than a datetime can hold would fail every run.
MAX_RETENTION_DAYS = 36_500
# An api_allowed_hosts entry: a name or address as a Host gives it (optionally [IPv6], optionally :port, which
# is ignored), *.domain, or *.
_HOST_ENTRY_RE = re.compile(r"^(\*|(\*\.)?[\w.-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$")


def _default_config_dir() -> Path:
    return Path(os.environ.get("NEWSWORKER_CONFIG_DIR", REPO_ROOT / "config"))


class SettingsFileError(ValueError):
    """``settings.yaml`` is not a mapping of settings (``worker.cli.errors``: one line, exit 2)."""


class _YamlSource(PydanticBaseSettingsSource):
    """Reads ``<config_dir>/settings.yaml`` if present."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = _default_config_dir() / "settings.yaml"
        if not path.is_file():
            return {}
        with path.open(encoding="utf-8") as f:  # a stream, so a YAML error's mark names the file
            data = yaml.safe_load(f) or {}
        if not isinstance(data, dict):
            raise SettingsFileError(f"{path}: expected a mapping of settings (key: value) at top level, "
                                    f"found a {type(data).__name__}")
        return data


def _checked_entries(v: list[str], valid: Callable[[str], bool], what: str, hint: str) -> list[str]:
    """A list setting's entries stripped, blanks dropped; a ValueError naming every entry ``valid`` refuses."""
    entries = [e.strip() for e in v if e.strip()]
    bad = [e for e in entries if not valid(e)]
    if bad:
        raise ValueError(f"{what}: {', '.join(map(repr, bad))} ({hint})")
    return entries


def _is_network(entry: str) -> bool:
    try:
        ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False
    return True


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSWORKER_", extra="forbid")

    # services
    redis_url: str = "redis://127.0.0.1:6379/0"
    es_url: str = "http://127.0.0.1:9200"
    es_index: str = Field("news-articles", description="alias that search and indexing use")
    es_alerts_index: str = "news-alerts"
    es_alert_history_index: str = "news-alert-history"
    es_feeds_index: str = "news-feeds"
    redis_prefix: str = Field("nw:", description="prefix of every key newsworker writes (worker/keys.py); "
                              "`newsworker migrate-keys` moves keys written under the older names")

    # files
    config_dir: Path = Field(default_factory=_default_config_dir)
    data_dir: Path = REPO_ROOT / ".data"

    # HTTP client behaviour (feeds and article pages)
    user_agent: str = "newsworker/0.1 (+https://github.com/newsworker/newsworker; Arabic news monitoring)"
    http_timeout: float = Field(15.0, gt=0)
    max_feed_bytes: int = Field(10 * 1024 * 1024, ge=1)
    max_page_bytes: int = Field(5 * 1024 * 1024, ge=1)
    http_total_deadline: float = Field(
        60.0, gt=0, description="wall-clock limit on one fetch, redirects included (a server dripping bytes)")
    allow_private_addresses: bool = Field(
        False, description="let every feed, page and webhook reach loopback/private ranges (test harnesses); "
        "prefer private_hosts or a feed's allow_private")
    private_hosts: list[str] = Field(
        default_factory=list, description="hosts (name, IPv4 or [IPv6] address, optionally :port) or CIDR "
        "networks that may be private: a local webhook receiver, an intranet feed")
    per_host_rate: float = Field(1.0, gt=0, description="requests per second per host, shared by all workers")
    per_host_burst: int = Field(5, ge=1)
    fetch_per_host: int = Field(
        1, ge=0, le=256, description="article pages of one site (scheme, host and port of the link) fetched at "
        "once, across every worker: a slow or dripping site holds at most this many pool processes, and its other "
        "pages wait (not as an attempt) without holding one; keep it below NEWSWORKER_WORKER_CONCURRENCY so polls "
        "and other sites always find a free process; 0: no limit (worker.ingest.hosts)")
    respect_robots: bool = True

    # polling
    poll_min_interval: int = Field(60, ge=1)
    poll_max_interval: int = Field(6 * 3600, ge=1)
    poll_default_interval: int = Field(300, ge=1)
    poll_force_full_every: int = 3 * 3600

    # the periodic rows of the stage table (worker/pipeline/table.py): seconds between beat sends
    beat_tick_seconds: float = Field(5.0, gt=0, description="poll-due-feeds: asks the registry which feeds are due")
    digest_tick_seconds: float = Field(60.0, gt=0, description="digests: sends digest batches that are due")
    outbox_sweep_seconds: float = Field(60.0, gt=0, description="outbox sweep: re-sends records lost in transit")
    outbox_max_age: float = Field(600.0, description="an outbox entry this old, with idle queues, is re-sent")
    canary_interval: float = Field(30.0, gt=0, description="canary: proves beat -> broker -> worker works")
    canary_max_age: float = Field(90.0, description="`status` reports consuming DOWN past this canary age")

    # retention (worker/store/retention.py): the `retention` row of the stage table deletes, every hour, what is
    # older than these. 0, the default of both, keeps everything: an upgrade never deletes anyone's articles
    # or alert history unasked (deleting is the one change that cannot be undone); an operator opts in.
    retention_days: int = Field(
        0, ge=0, le=MAX_RETENTION_DAYS, description="articles older than this many days are deleted (0: kept for ever); an "
        "article's age counts from when newsworker stored it (its indexed time), not from its published date")
    alert_history_retention_days: int = Field(
        0, ge=0, le=MAX_RETENTION_DAYS, description="alert-history records (notifications and their delivery attempts) "
        "older than this many days, by their last update, are deleted (0: kept for ever)")

    # API
    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=1, le=65535)
    api_key: str | None = None
    api_read_open: bool = True
    api_max_body_bytes: int = Field(64 * 1024, description="larger request bodies are refused with 413")
    api_allowed_hosts: list[str] = Field(
        default_factory=list, description="names the API answers to in a request's Host besides its own "
        "(localhost, 127.0.0.1, [::1], this machine's name, api_host, and for a bind to 0.0.0.0 or :: the "
        "addresses the machine's name resolves to): the public name behind a proxy, a LAN address. "
        "*.example.org: a domain's names; *: any (a web page could then read the API by DNS rebinding). "
        "Other hosts get a 400")
    api_trusted_proxies: list[str] = Field(
        default_factory=list, description="addresses or CIDR networks of reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto the API believes (the client's address for the rate limit and "
        "api.log, the scheme of the Atom feed's links); empty: none, every client is its own address")
    api_public_url: str | None = Field(
        None, description="the address browsers and feed readers reach the API at, behind a proxy "
        "(https://news.example.org, or with a path the proxy maps: https://example.org/news): the Atom feed's "
        "links are written with it instead of the request's scheme and Host, the alerts link the article and "
        "story pages under it, and its host is allowed as in api_allowed_hosts")
    api_rate_per_second: float = Field(20.0, description="requests per second per client (0: no limit)")
    api_rate_burst: int = Field(200, description="requests a client may send at once before the rate applies")
    api_anonymous_pits: int = Field(
        50, description="point-in-time searches and exports requests without the write key may open per 2 "
        "minutes, all clients together (each holds an Elasticsearch search context; past it an export walks "
        "the live index)")
    # The API answers someone who is waiting: it never rides out an Elasticsearch outage the way indexing does
    # (the workers' client keeps its 30 s x 4 tries, worker.store.clients.get_es).
    api_es_timeout: float = Field(
        10.0, gt=0, le=300, description="seconds an API request may wait for Elasticsearch, its turn and all its "
        "calls together, with no retry; past it the request is a 503. A CLI command waits as long for each of its "
        "calls, with no retry, then fails, except the bulk ones (import, export, setup, run, poll, index setup, "
        "reindex and prune), which keep the workers' patient client (30 s a call, 3 retries)")
    api_es_concurrency: int = Field(
        8, ge=1, le=30, description="API requests that may wait on Elasticsearch at once; more wait their turn "
        "within api_es_timeout, then get a 503: a stalled Elasticsearch holds at most this many of the API's 40 "
        "threads, so /health, /ready, the feeds and the pages' files keep answering")
    interactive_redis_timeout: float = Field(
        4.0, gt=0, le=60, description="seconds an API request or a CLI command waits for Redis to take its "
        "connection and for each answer; past it the request is a 503 and the command an error. A refused or "
        "dropped connection is tried once more at once, a timeout is not. The Celery workers and beat keep "
        "their patient client (10 s an answer, tried again)")

    demo_port: int = Field(8765, ge=1, le=65535, description="the replay server of `run --demo` (config/feeds.demo.yaml names 8765; "
                           "another port is substituted when the feeds are loaded)")

    # alerts
    alert_story_window_hours: int = Field(48, ge=1, description="hours on either side of an article's time "
                                          "within which copies and reports join its story")
    # Link reports of one event from different outlets into one story (a learned decision, data/stories);
    # off: only copies (SimHash) and lightly re-titled copies are linked.
    alert_story_link: bool = True
    # A webhook is one POST whose answer is its status line (the body is never read). A receiver slower than
    # the timeout gets the notification again on the retry, with the same Idempotency-Key header.
    webhook_timeout: float = Field(10.0, gt=0, description="seconds per connect, write and read of a webhook POST")
    webhook_total_deadline: float = Field(
        30.0, gt=0, description="wall-clock limit on one webhook POST, connect to status line: a receiver that "
        "drips its answer cannot hold a worker longer (a timeout per read never trips on it)")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_timeout: float = Field(10.0, gt=0, description="seconds per connect, write and read of an SMTP exchange")
    smtp_total_deadline: float = Field(
        60.0, gt=0, description="wall-clock limit on one email, connect to the end of QUIT: a server that drips "
        "its replies cannot hold a worker longer (the timeout per read never trips on it)")
    smtp_from: str = "newsworker@localhost"

    # extraction
    ner: str = Field("crf", description="entity tagger: crf, or hybrid (neural BiLSTM-CRF + CRF; slower, "
                     "a few F1 points better on unseen articles); worker.extract.ner.get_entity_tagger")
    extract_word_types: int = Field(
        49152, ge=1024, description="bound of each per-word-type cache of the extraction chain, read when a worker "
        "process starts (worker.extract.memo.WORD_TYPES): a long run levels off at ~405 MB; 32768 gives ~362 MB "
        "and ~5% fewer articles/s, 65536 ~440 MB")
    ner_clusters: Path | None = Field(
        None, description="another word-cluster table for the NER features (training experiments only)")

    # worker
    worker_concurrency: int = Field(2, ge=1)
    deliver_concurrency: int = Field(
        8, ge=1, le=256, description="threads of the worker that sends notifications (the deliver queue): each "
        "waits on one webhook receiver or SMTP server, up to NEWSWORKER_WEBHOOK_TOTAL_DEADLINE; with all of them "
        "waiting, further notifications wait in the queue, and ingestion is not held")
    deliver_per_receiver: int = Field(
        2, ge=0, le=256, description="sends to one receiver (a webhook's scheme, host and port; the SMTP server "
        "for every email) in flight at once, across every deliver worker: a slow or dead receiver holds at most "
        "this many of the deliver threads, and its further sends wait (not as an attempt) without holding one; "
        "0: no limit (worker.alerts.delivery.receivers)")
    worker_max_tasks_per_child: int = Field(
        2000, ge=1, description="recycle a pool process after this many tasks (bounds memory growth; each restart "
        "rebuilds HTTP clients, the alert engine and the story-log copy)")
    # Celery's own safety net, declared rather than hand-rolled: a pool process whose RSS passed this after a
    # task is replaced before its next one. Normal processes reach ~450-550 MB (chain caches + story log), so
    # only runaway growth trips it. 0: off.
    worker_max_memory_per_child_mb: int = Field(
        1200, ge=0, description="replace a pool process after a task that left it above this RSS (MB); 0: off")
    visibility_timeout: int = Field(
        1800, ge=1, description="seconds before Redis redelivers an unacknowledged message: above the longest task")
    task_events: bool = Field(False, description="Celery task events (Flower turns them on when it attaches)")
    log_format: Literal["json", "text"] = Field("json", description="json, or text")
    log_max_mb: int = Field(
        50, ge=0, le=1_000_000, description="`run` rotates a log file of <data dir>/logs past this size (MB) to "
        "<name>.log.1, older copies shifted (worker.cli.logfiles); 0: never")
    log_backups: int = Field(5, ge=0, le=100, description="rotated copies `run` keeps of each log file")
    inline_extract: bool = Field(
        True, description="the fetch task extracts and indexes the article itself (false: through the "
        "extract queue, for workers dedicated to extraction with -Q extract,index)")

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, v: str) -> str:
        # checked here, at start, rather than by the Redis client at its first command (a traceback), or
        # not at all (a database part redis-py cannot read is database 0: worker.service_urls)
        check_redis_url(v)
        return v

    @field_validator("private_hosts")
    @classmethod
    def _private_hosts(cls, v: list[str]) -> list[str]:
        # read here, at start: an entry the guard cannot read used to match nothing, without a word
        problems = []
        for raw in v:
            if raw.strip():
                try:
                    parse_host_entry(raw)
                except ValueError as err:
                    problems.append(str(err))
        if problems:
            raise ValueError("; ".join(problems))
        return v

    @field_validator("api_allowed_hosts")
    @classmethod
    def _api_allowed_hosts(cls, v: list[str]) -> list[str]:
        # a Host carries a name (or address) and a port; an entry that can never match one is a mistake
        return _checked_entries(v, lambda e: bool(_HOST_ENTRY_RE.match(e)), "not a host name or address",
                                "give a name such as news.example.org, an address, *.example.org for a "
                                "domain's names, or * for any")

    @field_validator("api_trusted_proxies")
    @classmethod
    def _api_trusted_proxies(cls, v: list[str]) -> list[str]:
        return _checked_entries(v, lambda e: e == "*" or _is_network(e), "not an address or CIDR network",
                                "a proxy is named by the address it connects from: 127.0.0.1, 10.0.0.0/8; "
                                "* trusts every client")

    @field_validator("api_public_url")
    @classmethod
    def _api_public_url(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        url = v.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment \
                or parts.username or parts.password:
            raise ValueError(f"not a public base URL: {v!r} (give the scheme, host and optional path the "
                             "browsers use, such as https://news.example.org or https://example.org/news)")
        return url

    @field_validator("es_url")
    @classmethod
    def _es_url(cls, v: str) -> str:
        check_es_url(v)
        return v

    @model_validator(mode="after")
    def _poll_bounds(self) -> Settings:
        if self.poll_min_interval > self.poll_max_interval:
            raise ValueError(f"poll_min_interval ({self.poll_min_interval}) is above poll_max_interval "
                             f"({self.poll_max_interval})")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _YamlSource(settings_cls))

    @property
    def feeds_file(self) -> Path:
        return self.config_dir / "feeds.yaml"

    @property
    def alerts_file(self) -> Path:
        return self.config_dir / "alerts.yaml"

    @property
    def alert_story_window_seconds(self) -> int:  # story grouping and "already notified" both expire after it
        return int(self.alert_story_window_hours * 3600)


# NEWSWORKER_* variables that are not settings: scripts/services.sh's, the corpus of the benchmarks, and the
# test harnesses' switches. Any other unknown name is most likely a misspelt setting (``unknown_variables``).
OTHER_VARIABLES = frozenset({
    "NEWSWORKER_DATA", "NEWSWORKER_CACHE", "NEWSWORKER_ES_VERSION", "NEWSWORKER_ES_USER", "NEWSWORKER_ES_STATE",
    "NEWSWORKER_ES_TRANSPORT_PORT", "NEWSWORKER_ES_HEAP", "NEWSWORKER_NO_DOCKER", "NEWSWORKER_CORPUS",
    "NEWSWORKER_CHAOS", "NEWSWORKER_CHROMIUM", "NEWSWORKER_FIRSTRUN_ES", "NEWSWORKER_SCHEMATHESIS_EXAMPLES",
    "NEWSWORKER_SCREENSHOTS",
})


def unknown_variables(environ: dict[str, str] | os._Environ[str]) -> list[str]:
    """One warning per ``NEWSWORKER_*`` variable that names no setting, with the closest setting's name: the
    environment is not checked as strictly as settings.yaml (other tools share it), but a misspelt
    ``NEWSWORKER_API_PROT`` that silently does nothing deserves a word."""
    known = {f"NEWSWORKER_{name.upper()}" for name in Settings.model_fields}
    out = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith("NEWSWORKER_") or upper in known or upper in OTHER_VARIABLES:
            continue
        # compared without the common prefix, which would make any two names look alike
        close = difflib.get_close_matches(upper.removeprefix("NEWSWORKER_"),
                                          [k.removeprefix("NEWSWORKER_") for k in known], n=1, cutoff=0.75)
        hint = f" (did you mean NEWSWORKER_{close[0]}?)" if close else ""
        out.append(f"warning: {name} is not a newsworker setting and is ignored{hint}")
    return out


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    settings = Settings()
    for line in unknown_variables(os.environ):  # once per process, when the settings are first read
        print(line, file=sys.stderr)
    return settings
