"""The one application context satisfies what each adapter declares it needs (``IngestDeps``,
``AlertsDeps``): the adapters cannot import ``AppContext`` (it sits above them), so this is where a
member renamed on one side and not the other is caught."""

from __future__ import annotations

import typing

import redis
from elasticsearch import Elasticsearch

from worker.alerts.context import AlertsDeps
from worker.ingest.context import IngestDeps
from worker.pipeline.context import AppContext
from worker.settings import Settings


def _offline_context() -> AppContext:
    # Clients that are never connected: the check looks at members, it makes no request.
    return AppContext.create(Settings(), redis_client=redis.Redis(host="127.0.0.1", port=1),
                             es=Elasticsearch("http://127.0.0.1:1"), prefix="test:protocols:")


def test_app_context_is_what_the_adapters_need() -> None:
    ctx = _offline_context()
    try:
        assert isinstance(ctx, IngestDeps)
        assert isinstance(ctx, AlertsDeps)
    finally:
        ctx.close()


def test_every_protocol_member_has_the_declared_type() -> None:
    """isinstance only checks that the names exist; the types must agree as well."""
    ctx = _offline_context()
    try:
        for proto in (IngestDeps, AlertsDeps):
            for name, member in vars(proto).items():
                if isinstance(member, property):
                    declared = typing.get_type_hints(member.fget)["return"]
                    assert isinstance(getattr(ctx, name), declared), (proto.__name__, name)
    finally:
        ctx.close()


def test_the_keys_of_the_alert_subsystem_stay_under_its_prefix() -> None:
    keys = _offline_context().keys
    built = [keys.alert_rules_version, keys.alert_story_doc("d"), keys.alert_story_log,
             keys.alert_notified("r", "s"), keys.alert_digest_pending("r"), keys.alert_digest_due("r"),
             keys.alert_digest_batch("r", "*"), keys.alert_delivered("n", "c"), keys.alert_sending("n", "c"),
             keys.alert_receiver("https://hooks.example:443")]
    assert all(k.startswith("test:protocols:alerts:") for k in built)
    assert len(set(built)) == len(built)
