"""Failed deliveries from the web page (QA5 web-only tasks: "re-send notifications that failed after fixing a
webhook"): ``GET /deadletters`` lists them (targets redacted without the key), ``POST .../replay`` re-sends
them through the library function the CLI uses, to the channel as the rule has it *now*, and a record
replayed twice (or a notification dead-lettered twice) reaches its channel once. Real Redis and
Elasticsearch, local webhook receivers, every stage run in this process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.integration.alert_context import alerts_ctx, deliver, pipeline  # noqa: F401
from tests.integration.alert_receivers import WebhookReceiver, webhook_receiver  # noqa: F401
from tests.unit.test_alerts_engine import make_doc
from worker.alerts.history import History
from worker.alerts.notify import process_document
from worker.alerts.store import RuleStore
from worker.pipeline.deadletters import DeadLetters

pytestmark = pytest.mark.integration

KEY = "test-deadletters-key"
H = {"X-API-Key": KEY}


@pytest.fixture
def fixed_receiver() -> Iterator[WebhookReceiver]:
    rx = WebhookReceiver().start()
    yield rx
    rx.stop()


@pytest.fixture
def api(alerts_ctx, pipeline, monkeypatch):  # noqa: ANN001, ANN201, F811
    from worker.api.app import create_app
    from worker.api.routes.deadletters import replay_runner
    from worker.settings import get_settings

    monkeypatch.setattr(get_settings(), "api_key", KEY)
    monkeypatch.setattr(get_settings(), "api_rate_per_second", 0.0)
    app = create_app()
    app.dependency_overrides[replay_runner] = lambda: pipeline  # the broker's runner, run in this process
    return TestClient(app)


def _failed_delivery(ctx, pipeline, receiver) -> dict:  # noqa: ANN001, F811
    """A rule whose webhook refuses (404: permanent), an article that matches it: one dead delivery."""
    RuleStore(ctx).upsert({"name": "idlib", "query": "إدلب", "owner": "ops",
                           "channels": {"webhooks": [{"url": receiver.url + "/hooks/s3cr3t"}], "emails": []}})
    receiver.fail_next(1, 404)
    doc = make_doc("غارات جوية على سوق في إدلب", "قتل مدنيون في غارات جوية على سوق في مدينة إدلب صباح اليوم.",
                   doc_id="dl1", source="bbc")
    result = process_document(doc, ctx=ctx, engine=ctx.engine)
    assert len(result.deliveries) == 1
    assert deliver(pipeline, result.deliveries[0]) == "dead"
    return result.deliveries[0]


def test_a_failed_delivery_is_listed_and_replayed_once_to_the_fixed_webhook(
        alerts_ctx, pipeline, api, webhook_receiver, fixed_receiver) -> None:  # noqa: ANN001, F811
    delivery = _failed_delivery(alerts_ctx, pipeline, webhook_receiver)
    listed = api.get("/deadletters", params={"stage": "deliver"}).json()
    assert listed["total"] == 1 and len(listed["dead_letters"]) == 1
    dl = listed["dead_letters"][0]
    assert dl["stage"] == "deliver" and "404" in dl["error"]
    assert dl["delivery"]["rule"] == "idlib" and dl["delivery"]["title"] == "غارات جوية على سوق في إدلب"
    assert dl["delivery"]["notification_id"] == delivery["id"]
    assert dl["delivery"]["article_id"] == delivery["article"]["id"]  # the page links it (QA5 re-test qa5r1-3)
    # without the key the webhook's secret path is redacted, in the target and in the error
    assert "s3cr3t" not in str(listed) and dl["delivery"]["channel"]["target"].endswith("/…")
    keyed = api.get("/deadletters", params={"stage": "deliver"}, headers=H).json()["dead_letters"][0]
    assert keyed["delivery"]["channel"]["target"] == webhook_receiver.url + "/hooks/s3cr3t"
    assert "payload" not in keyed

    # the user fixes the rule's webhook, then replays from the page
    RuleStore(alerts_ctx).upsert({"name": "idlib", "query": "إدلب", "owner": "ops",
                                  "channels": {"webhooks": [{"url": fixed_receiver.url}], "emails": []}})
    assert api.post(f"/deadletters/{dl['id']}/replay").status_code == 401  # the key is needed
    r = api.post(f"/deadletters/{dl['id']}/replay", headers=H)
    assert r.status_code == 200 and r.json() == {"id": dl["id"], "stage": "deliver", "outcome": "replayed"}
    assert [q.json["id"] for q in fixed_receiver.accepted] == [delivery["id"]]
    assert len(webhook_receiver.requests) == 1  # the broken URL was not tried again
    assert History(alerts_ctx).get(delivery["id"])["status"] == "delivered"
    # a second replay (a double click, another tab): nothing left to send, nothing sent
    again = api.post(f"/deadletters/{dl['id']}/replay", headers=H)
    assert again.status_code == 404 and "already replayed" in again.text
    assert len(fixed_receiver.accepted) == 1
    assert api.get("/deadletters", params={"stage": "deliver"}).json()["dead_letters"] == []


def test_a_replay_running_holds_the_record_and_a_delivered_notification_is_not_sent_again(
        alerts_ctx, pipeline, api, webhook_receiver) -> None:  # noqa: ANN001, F811
    delivery = _failed_delivery(alerts_ctx, pipeline, webhook_receiver)
    dead = DeadLetters(alerts_ctx.redis, alerts_ctx.keys)
    first = dead.list("deliver")[0]["id"]
    # the same delivery dead-lettered a second time (a redelivered task that also gave up)
    second = dead.record("deliver", delivery, "permanent: HTTP 404", attempts=1)
    # another replay of the first record is running: this one hands nothing on
    assert dead.claim_replay(first)
    r = api.post(f"/deadletters/{first}/replay", headers=H)
    assert r.status_code == 200 and r.json()["outcome"] == "busy"
    assert len(webhook_receiver.requests) == 1 and dead.get(first) is not None
    dead.release_replay(first)
    # replay all: both records go back, the receiver (working again) gets the notification once
    r = api.post("/deadletters/replay", params={"stage": "deliver"}, headers=H)
    assert r.status_code == 200, r.text
    assert sorted(x["id"] for x in r.json()["results"]) == sorted([first, second]) and r.json()["replayed"] == 2
    assert [q.json["id"] for q in webhook_receiver.accepted] == [delivery["id"]]
    assert dead.count() == 0


def test_the_cli_and_the_page_share_the_replay(alerts_ctx, pipeline, webhook_receiver, monkeypatch) -> None:  # noqa: ANN001, F811
    from typer.testing import CliRunner

    import worker.cli.feeds as cli_feeds
    from worker.cli.main import app

    _failed_delivery(alerts_ctx, pipeline, webhook_receiver)
    monkeypatch.setattr(cli_feeds, "_runner", lambda inline=False: pipeline)
    out = CliRunner().invoke(app, ["deadletter", "replay", "--all"])
    assert out.exit_code == 0 and "-> deliver" in out.output, out.output
    assert len(webhook_receiver.accepted) == 1


def test_a_failed_delivery_s_history_row_and_dead_letter_carry_its_error_code(
        alerts_ctx, pipeline, api, webhook_receiver) -> None:  # noqa: ANN001, F811
    """QA5 re-test (qa5c-12): the page got only the server's English ("HTTP 404 from webhook"); the error's
    code is recorded with it, in the history's channel and in the dead letter, for the page to word."""
    delivery = _failed_delivery(alerts_ctx, pipeline, webhook_receiver)
    dl = api.get("/deadletters", params={"stage": "deliver"}).json()["dead_letters"][0]
    assert dl["error_code"] == "client_error" and "HTTP 404" in dl["error"]
    rec = api.get(f"/alerts/history/{delivery['id']}").json()
    (ch,) = rec["channels"]
    assert ch["status"] == "failed" and ch["last_error_code"] == "client_error" and "404" in ch["last_error"]
    alerts_ctx.es.indices.refresh(index=alerts_ctx.settings.es_alert_history_index)
    listed = api.get("/alerts/history", params={"rule": "idlib"}).json()["records"]
    assert [c["last_error_code"] for r in listed for c in r["channels"]] == ["client_error"]
    # a record written before the codes: no code, its text as it was (the page falls back to it)
    dead = DeadLetters(alerts_ctx.redis, alerts_ctx.keys)
    dead.record("deliver", delivery, "permanent: HTTP 404 from webhook", attempts=1)
    old = [d for d in api.get("/deadletters", params={"stage": "deliver"}).json()["dead_letters"] if d["id"] != dl["id"]]
    assert old[0]["error_code"] is None and old[0]["error"] == "permanent: HTTP 404 from webhook"
