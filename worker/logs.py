"""Structured JSON logs: one object per line, with the task, article and feed ids when known.

Stages log with ``extra={"article_id": ..., "feed_id": ...}``; the formatter lifts those (and the Celery
task id and name) into fields so a log pipeline can follow one article through the stages.
"""

from __future__ import annotations

import json
import logging
import time

_CONTEXT_FIELDS = ("article_id", "feed_id", "url", "stage", "rule")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        for f in _CONTEXT_FIELDS:
            v = getattr(record, f, None)
            if v is not None:
                out[f] = v
        try:
            # Imported here: the API and the CLI log through this formatter without loading Celery.
            from celery import current_task

            if current_task and current_task.request and current_task.request.id:
                out["task_id"] = current_task.request.id
                out["task"] = current_task.name
        except Exception:  # noqa: BLE001
            pass
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def install(logger: logging.Logger | None = None, log_format: str = "json") -> None:
    """Replace the handlers' formatters with JSON (``settings.log_format``; ``text`` leaves them)."""
    if log_format != "json":
        return
    logger = logger or logging.getLogger()
    for h in logger.handlers:
        h.setFormatter(JsonFormatter())


def uvicorn_config(log_format: str = "json") -> dict | None:
    """uvicorn's ``log_config``: its error and access loggers through ``JsonFormatter`` (``None``: uvicorn's own
    text format, for ``log_format: text``). uvicorn configures logging itself at start, after our code had a
    chance to, so the formatter has to be handed to it rather than installed on the root logger."""
    if log_format != "json":
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "worker.logs.JsonFormatter"}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["default"], "level": "INFO", "propagate": False},
        },
        # the app's own loggers (worker.*) go the same way
        "root": {"handlers": ["default"], "level": "INFO"},
    }
