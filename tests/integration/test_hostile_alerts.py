"""Issue 15, alerts on the real Redis + Elasticsearch: a webhook or Slack URL into loopback, link-local,
private or metadata ranges is refused when the rule is saved (the API answers 422, the CLI exits
non-zero, nothing is stored), and again when sending; a local receiver works when the deployment allows
it; readers without the write key see e-mails and URL secrets redacted in rules and history; a feed title
with line breaks reaches the mailbox as a one-line subject."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.integration.alert_context import alerts_ctx, match_article, pipeline  # noqa: F401
from tests.integration.alert_receivers import smtp_receiver, webhook_receiver  # noqa: F401
from tests.integration.test_alerts_delivery import QUERY, prison_doc
from worker.alerts.delivery import attempt
from worker.alerts.notify import channel_notifications
from worker.alerts.payloads import instant_notification
from worker.alerts.rules import from_store
from worker.alerts.store import RuleStore
from worker.settings import get_settings

pytestmark = pytest.mark.integration

KEY = "hostile-alerts-key-0123456789"
INTERNAL = ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:6379/", "http://10.0.0.5/",
            "http://2130706433/", "http://[::1]:9200/"]


@pytest.fixture
def closed(alerts_ctx, monkeypatch):  # noqa: F811
    """The deployment allows no private address (alerts_ctx opened 127.0.0.1 for the receivers)."""
    monkeypatch.setattr(get_settings(), "private_hosts", [])
    monkeypatch.setattr(get_settings(), "allow_private_addresses", False)


@pytest.fixture
def api(alerts_ctx, monkeypatch):  # noqa: F811
    monkeypatch.setattr(get_settings(), "api_key", KEY)
    from worker.api.app import create_app

    return TestClient(create_app())


@pytest.mark.parametrize("fmt", ["json", "slack"])
@pytest.mark.parametrize("url", INTERNAL)
def test_api_refuses_internal_webhooks_and_stores_nothing(api, closed, url, fmt):
    body = {"name": "hook", "query": "سجن", "channels": {"webhooks": [{"url": url, "format": fmt}]}}
    r = api.post("/alerts", json=body, headers={"X-API-Key": KEY})
    assert r.status_code == 422 and "webhook url refused" in r.json()["detail"], r.text
    r = api.put("/alerts/hook", json=body, headers={"X-API-Key": KEY})
    assert r.status_code == 422
    assert api.get("/alerts/hook", headers={"X-API-Key": KEY}).status_code == 404
    assert api.get("/alerts").json()["total"] == 0


@pytest.mark.parametrize("option", ["--webhook", "--slack"])
@pytest.mark.parametrize("url", INTERNAL)
def test_cli_refuses_internal_webhooks_and_stores_nothing(alerts_ctx, closed, url, option):  # noqa: F811
    from worker.cli.main import app

    r = CliRunner().invoke(app, ["alerts", "add", "hook", "--query", "سجن", option, url])
    assert r.exit_code != 0 and "refused" in r.output, r.output
    assert RuleStore(alerts_ctx).get("hook") is None


def test_a_rule_stored_before_the_guard_is_refused_at_send(alerts_ctx, closed, webhook_receiver):  # noqa: F811
    rule = from_store({"name": "old", "query": "سجن", "channels": {"webhooks": [{"url": webhook_receiver.url}]}})
    n = instant_notification(rule, "s1", prison_doc())
    (delivery,) = channel_notifications(rule, n)
    out = attempt(delivery, alerts_ctx)
    assert out.status == "failed" and "refused" in (out.error or "")
    assert webhook_receiver.accepted == []


def test_local_receiver_works_when_the_deployment_allows_it(alerts_ctx, webhook_receiver, smtp_receiver,  # noqa: F811
                                                            pipeline, api):  # noqa: F811
    assert get_settings().private_hosts == ["127.0.0.1"]  # per host, not the global switch
    alerts_ctx.settings = alerts_ctx.settings.model_copy(
        update={"smtp_host": smtp_receiver.host, "smtp_port": smtp_receiver.port})
    r = api.post("/alerts", headers={"X-API-Key": KEY}, json={
        "name": "local", "query": QUERY, "channels": {
            "webhooks": [{"url": webhook_receiver.url, "format": "slack"}], "emails": ["ops.desk@example.test"]}})
    assert r.status_code == 201, r.text
    doc = prison_doc(title="هجوم على سجن <!channel> & فرار\r\nBcc: victim@example.test\nسجناء")
    assert match_article(pipeline, doc)["notified"] == ["local"]
    # Slack text escaped, one-line subject, no injected header
    text = webhook_receiver.accepted[0].json["text"]
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp;" in text
    assert smtp_receiver.messages
    msg = smtp_receiver.messages[0]
    assert "\n" not in msg["Subject"] and msg["Bcc"] is None
    assert smtp_receiver.envelopes[0][1] == ["ops.desk@example.test"]

    # history and rules: redacted for readers, whole for the key holder
    alerts_ctx.es.indices.refresh(index=alerts_ctx.settings.es_alert_history_index)
    anon = api.get("/alerts/history").json()["records"][0]
    targets = {c["type"]: c for c in anon["channels"]}
    assert targets["email"]["target"] == "…@example.test" and "ops.desk" not in str(anon)
    assert targets["webhook"]["target"].endswith("/…")
    full = api.get("/alerts/history", headers={"X-API-Key": KEY}).json()["records"][0]
    assert "ops.desk@example.test" in str(full)
    one = api.get(f"/alerts/history/{anon['id']}").json()
    assert "ops.desk" not in str(one)
    rule = api.get("/alerts/local").json()
    assert rule["channels"]["emails"] == ["…@example.test"] and rule["channels"]["webhooks"][0]["url"].endswith("/…")


def test_history_paging_past_the_window_is_a_clear_4xx(api):
    r = api.get("/alerts/history", params={"offset": 9999})
    assert r.status_code == 200 and r.json()["records"] == []  # the last page of the window
    r = api.get("/alerts/history", params={"offset": 10_000})
    assert r.status_code == 422 and "offset" in r.text


# QA4 H6: an address mail systems read as another recipient is refused, and never sent to
BAD_EMAIL = "x;y@evil.example"


def test_api_refuses_an_address_read_as_another_and_stores_nothing(api):
    body = {"name": "mail", "query": "سجن", "channels": {"emails": [BAD_EMAIL]}}
    r = api.post("/alerts", json=body, headers={"X-API-Key": KEY})
    assert r.status_code == 422 and "not one email address" in r.json()["detail"] and "'x'" in r.text, r.text
    assert api.put("/alerts/mail", json=body, headers={"X-API-Key": KEY}).status_code == 422
    assert api.get("/alerts/mail", headers={"X-API-Key": KEY}).status_code == 404


def test_cli_refuses_an_address_read_as_another_and_stores_nothing(alerts_ctx):  # noqa: F811
    from worker.cli.main import app

    r = CliRunner().invoke(app, ["alerts", "add", "mail", "--query", "سجن", "--email", BAD_EMAIL])
    assert r.exit_code == 2 and "not one email address" in r.output, r.output
    assert RuleStore(alerts_ctx).get("mail") is None


def test_a_stored_address_read_as_another_fails_for_good_and_reaches_nobody(alerts_ctx, smtp_receiver):  # noqa: F811
    alerts_ctx.settings = alerts_ctx.settings.model_copy(
        update={"smtp_host": smtp_receiver.host, "smtp_port": smtp_receiver.port})
    rule = from_store({"name": "old", "query": "سجن", "channels": {"emails": [BAD_EMAIL]}})
    n = instant_notification(rule, "s1", prison_doc())
    (delivery,) = channel_notifications(rule, n)
    out = attempt(delivery, alerts_ctx)
    assert out.status == "failed" and "not one email address" in (out.error or "") and "not sent" in out.error
    assert smtp_receiver.envelopes == []
