"""QA round 4 (web) D2: two editors of one alert. A rule's ETag is its ``updated`` time; PUT, PATCH and DELETE
with ``If-Match`` act only on that version (412 otherwise), so a stale edit neither overwrites another
editor's change nor brings a deleted rule back, and a stale delete does not throw a change away. Without ``If-Match`` both keep their documented behaviour.
The check rides on Elasticsearch's ``if_seq_no``, so a save racing between the check and the write loses too.
"""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from tests.integration.alert_context import alerts_ctx  # noqa: F401
from worker.alerts.store import RuleConflict, RuleStore

pytestmark = pytest.mark.integration

KEY = "test-key-123"
AUTH = {"X-API-Key": KEY}


@pytest.fixture
def client(alerts_ctx, monkeypatch):  # noqa: F811
    from worker.api.app import create_app
    from worker.settings import get_settings

    monkeypatch.setattr(get_settings(), "api_key", KEY)
    return TestClient(create_app())


def _create(client: TestClient, name: str = "prison") -> str:
    r = client.post("/alerts", json={"name": name, "query": "سجن"}, headers=AUTH)
    assert r.status_code == 201
    assert r.headers["ETag"] == f'"{r.json()["updated"]}"'
    return r.headers["ETag"]


def test_a_stale_edit_is_refused_and_the_first_one_kept(client, alerts_ctx) -> None:  # noqa: F811
    _create(client)
    got = client.get("/alerts/prison")  # both tabs open the editor: the same version
    tag = got.headers["ETag"]
    assert tag == f'"{got.json()["updated"]}"'

    a = client.put("/alerts/prison", json={"query": 'event:prison_attack OR "فرار سجناء"'},
                   headers={**AUTH, "If-Match": tag})
    assert a.status_code == 200 and a.headers["ETag"] != tag
    b = client.put("/alerts/prison", json={"query": "سجن", "filters": {"min_casualties": 5}},
                   headers={**AUTH, "If-Match": tag})
    assert b.status_code == 412, b.text
    assert "changed since" in b.json()["detail"] and b.headers["ETag"] == a.headers["ETag"]
    stored = client.get("/alerts/prison").json()
    assert stored["query"] == 'event:prison_attack OR "فرار سجناء"' and stored["filters"]["min_casualties"] is None

    # the same for PATCH; with the current tag both save
    assert client.patch("/alerts/prison", json={"enabled": False}, headers={**AUTH, "If-Match": tag}).status_code == 412
    ok = client.patch("/alerts/prison", json={"enabled": False}, headers={**AUTH, "If-Match": a.headers["ETag"]})
    assert ok.status_code == 200 and ok.json()["enabled"] is False
    ok = client.put("/alerts/prison", json={"query": "سجن"}, headers={**AUTH, "If-Match": ok.headers["ETag"]})
    assert ok.status_code == 200 and ok.json()["query"] == "سجن"
    # a list of tags matches when one of them is current; "*" matches any version
    lst = client.patch("/alerts/prison", json={"owner": "desk"},
                       headers={**AUTH, "If-Match": f'{tag}, {ok.headers["ETag"]}'})
    assert lst.status_code == 200 and lst.json()["owner"] == "desk"
    assert client.patch("/alerts/prison", json={"owner": None}, headers={**AUTH, "If-Match": "*"}).status_code == 200
    assert client.put("/alerts/prison", json={"query": "x"}, headers={**AUTH, "If-Match": '"junk"'}).status_code == 412


def test_an_edit_of_a_deleted_rule_does_not_bring_it_back(client, alerts_ctx) -> None:  # noqa: F811
    tag = _create(client)
    assert client.delete("/alerts/prison", headers=AUTH).status_code == 204
    for method in ("put", "patch"):
        r = getattr(client, method)("/alerts/prison", json={"query": "سجن AND فرار"}, headers={**AUTH, "If-Match": tag})
        assert r.status_code == 412 and "no longer exists" in r.json()["detail"], r.text
        r = getattr(client, method)("/alerts/prison", json={"query": "سجن AND فرار"}, headers={**AUTH, "If-Match": "*"})
        assert r.status_code == 412
    assert client.get("/alerts/prison").status_code == 404
    assert RuleStore(alerts_ctx).get("prison") is None


def test_a_delete_with_if_match_removes_only_the_version_read(client, alerts_ctx) -> None:  # noqa: F811
    """A tab that shows an older version cannot delete the change another tab saved (session 34: DELETE
    had no If-Match); with the current tag it deletes, and a rule deleted meanwhile is a 412 too."""
    old = _create(client)
    new = client.put("/alerts/prison", json={"query": "سجن AND فرار"}, headers={**AUTH, "If-Match": old})
    assert new.status_code == 200
    r = client.delete("/alerts/prison", headers={**AUTH, "If-Match": old})
    assert r.status_code == 412 and "nothing was deleted" in r.json()["detail"], r.text
    assert r.headers["ETag"] == new.headers["ETag"]
    assert RuleStore(alerts_ctx).get("prison").query == "سجن AND فرار"
    assert client.delete("/alerts/prison", headers={**AUTH, "If-Match": new.headers["ETag"]}).status_code == 204
    r = client.delete("/alerts/prison", headers={**AUTH, "If-Match": new.headers["ETag"]})
    assert r.status_code == 412 and "no longer exists" in r.json()["detail"]
    assert client.delete("/alerts/prison", headers=AUTH).status_code == 404  # without If-Match: as before
    _create(client)
    assert client.delete("/alerts/prison", headers={**AUTH, "If-Match": "*"}).status_code == 204


def test_a_conditional_delete_racing_a_save_loses(alerts_ctx, monkeypatch) -> None:  # noqa: F811
    """A save between the delete's version check and its write makes the delete fail (if_seq_no)."""
    store = RuleStore(alerts_ctx)
    first, _ = store.upsert({"name": "race", "query": "سجن"})
    real_delete = alerts_ctx.es.delete
    slipped = threading.Event()

    def delete(**kwargs):
        if kwargs.get("if_seq_no") is not None and not slipped.is_set():
            slipped.set()
            RuleStore(alerts_ctx).upsert({"name": "race", "query": "فرار"})
        return real_delete(**kwargs)

    monkeypatch.setattr(alerts_ctx.es, "delete", delete)
    with pytest.raises(RuleConflict) as err:
        store.delete("race", expect=first.updated)
    assert slipped.is_set() and err.value.current is not None and err.value.current.query == "فرار"
    assert store.get("race").query == "فرار"


def test_without_if_match_put_still_upserts_and_patch_merges(client, alerts_ctx) -> None:  # noqa: F811
    r = client.put("/alerts/fresh", json={"query": "سجن"}, headers=AUTH)  # documented: PUT creates a missing rule
    assert r.status_code == 200 and r.headers["ETag"]
    r = client.put("/alerts/fresh", json={"query": "فرار"}, headers=AUTH)
    assert r.status_code == 200 and r.json()["query"] == "فرار"
    r = client.patch("/alerts/fresh", json={"enabled": False}, headers=AUTH)
    assert r.status_code == 200 and r.json()["query"] == "فرار" and r.json()["enabled"] is False
    assert client.patch("/alerts/gone", json={"enabled": False}, headers=AUTH).status_code == 404


def test_the_check_and_the_write_are_one_step(alerts_ctx, monkeypatch) -> None:  # noqa: F811
    """A save that slips in between the version check and the write (the other tab's Save landing at that
    moment) makes the conditional write fail: Elasticsearch checks the _seq_no it was read at."""
    store = RuleStore(alerts_ctx)
    first, _ = store.upsert({"name": "race", "query": "سجن"})
    real_index = alerts_ctx.es.index
    slipped = threading.Event()

    def index(**kwargs):
        if kwargs.get("if_seq_no") is not None and not slipped.is_set():
            slipped.set()  # the other editor's save, after our check and before our write
            RuleStore(alerts_ctx).upsert({"name": "race", "query": "فرار"})
        return real_index(**kwargs)

    monkeypatch.setattr(alerts_ctx.es, "index", index)
    with pytest.raises(RuleConflict) as err:
        store.upsert({"name": "race", "query": "سجن AND فرار"}, expect=first.updated)
    assert slipped.is_set() and err.value.current is not None and err.value.current.query == "فرار"
    assert store.get("race").query == "فرار"


def test_two_creates_of_one_name_cannot_both_succeed(alerts_ctx, monkeypatch) -> None:  # noqa: F811
    store = RuleStore(alerts_ctx)
    real_index = alerts_ctx.es.index
    slipped = threading.Event()

    def index(**kwargs):
        if kwargs.get("op_type") == "create" and not slipped.is_set():
            slipped.set()  # the other POST, after our "is the name free?" and before our write
            RuleStore(alerts_ctx).upsert({"name": "twin", "query": "فرار"})
        return real_index(**kwargs)

    monkeypatch.setattr(alerts_ctx.es, "index", index)
    with pytest.raises(RuleConflict):
        store.upsert({"name": "twin", "query": "سجن"}, expect="absent")
    assert store.get("twin").query == "فرار"


def test_same_microsecond_saves_get_distinct_etags(alerts_ctx, monkeypatch) -> None:  # noqa: F811
    import worker.alerts.store as store_mod

    store = RuleStore(alerts_ctx)
    first, _ = store.upsert({"name": "tick", "query": "سجن"})
    monkeypatch.setattr(store_mod, "now_utc", lambda: first.updated)  # the clock did not move (or stepped back)
    second, _ = store.upsert({"name": "tick", "query": "فرار"}, expect=first.updated)
    assert second.updated > first.updated
    with pytest.raises(RuleConflict):
        store.upsert({"name": "tick", "query": "x"}, expect=first.updated)
