"""What the alert subsystem needs from the application context, declared here because ``alerts/`` sits
below ``pipeline/`` and cannot import ``worker.pipeline.context.AppContext``. ``AppContext`` satisfies
``AlertsDeps`` structurally (checked by ``tests/unit/test_context_protocols.py``).

Index names, the story window and the SMTP server come from ``settings`` (``es_alerts_index``,
``es_alert_history_index``, ``es_index``, ``alert_story_window_hours``, ``smtp_host``/``smtp_port``) and
every Redis key from ``keys`` (``Keys.alert_*``, under ``Keys.alerts``): tests that need their own names
build an ``AppContext`` from their own ``Settings`` and prefix.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from elasticsearch import Elasticsearch

from worker.keys import StateDeps


@runtime_checkable
class AlertsDeps(StateDeps, Protocol):
    @property
    def es(self) -> Elasticsearch: ...
