"""Retention on the real Elasticsearch and Redis: the hourly ``retention`` row deletes exactly the articles
stored longer ago than ``NEWSWORKER_RETENTION_DAYS`` (never one whose only old time is a bogus published date),
from every index behind the alias, a bounded number per run, and the alert-history records past theirs; a
setting of 0 deletes nothing; ``newsworker index prune`` does the same on demand, and its dry run deletes
nothing. Elasticsearch 8.19's core distribution has no ``_delete_by_query``: this is the point-in-time read and
bulk delete of ``worker.store.retention``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.app_context import app_context
from tests.cli_process import run_cli
from worker import metrics
from worker.alerts.history import History
from worker.document import EnrichedDocument
from worker.errors import TransientError
from worker.pipeline import periodic
from worker.pipeline.context import AppContext, use
from worker.pipeline.runner import inline_runner
from worker.pipeline.stage import Hop
from worker.pipeline.table import STAGES
from worker.store import elastic
from worker.store.retention import ARTICLE_TIME_FIELDS, cutoff, expired, prune, targets

pytestmark = pytest.mark.integration

DAY = timedelta(days=1)


def _now() -> datetime:
    return datetime.now(UTC)


def _doc(doc_id: str, **times: Any) -> EnrichedDocument:
    return EnrichedDocument(id=doc_id, url=f"https://example.test/{doc_id}", title=f"عنوان {doc_id}",
                            body="نص الخبر", source="example.test", **times)


def _corpus(now: datetime) -> dict[str, EnrichedDocument]:
    """Articles with old and new times; the expectation of each is written beside it."""
    old, new = now - 100 * DAY, now - 1 * DAY
    return {d.id: d for d in [
        _doc("old", published=old, fetched=old, indexed=old),  # goes
        _doc("new", published=new, fetched=new, indexed=new),  # stays
        # a feed dating its items 1970, indexed an hour ago: stays
        _doc("bogus-past", published=datetime(1970, 1, 1, tzinfo=UTC), fetched=now, indexed=now - timedelta(hours=1)),
        # a feed dating its items 2099, stored 100 days ago: goes (else it would stay for ever)
        _doc("bogus-future", published=datetime(2099, 1, 1, tzinfo=UTC), fetched=old, indexed=old),
        # fetched long ago, written again yesterday (a re-fetch, a redelivered batch): stays
        _doc("rewritten", published=old, fetched=old, indexed=new),
        # no indexed time (another writer): its fetched time decides: goes
        _doc("fetched-only", published=new, fetched=old),
        # no time of ours at all: cannot be aged, stays
        _doc("undated", published=old),
    ]}


EXPECTED_GONE = {"old", "bogus-future", "fetched-only"}


@pytest.fixture
def ctx(redis_client, es_client, unique_name) -> Iterator[AppContext]:
    c = app_context(unique_name, redis_client, es_client, retention_days=30, alert_history_retention_days=90)
    elastic.ensure_index(es_client, c.settings.es_index)
    with use(c):
        yield c
    elastic.drop_alias_and_indices(es_client, c.settings.es_index)
    es_client.indices.delete(index=f"{unique_name}-*", ignore_unavailable=True, allow_no_indices=True)
    keys = list(redis_client.scan_iter(match=f"{unique_name}:*", count=1000))
    if keys:
        redis_client.delete(*keys)


def _index(ctx: AppContext, docs: list[EnrichedDocument], alias: str | None = None) -> None:
    res = elastic.index_documents(ctx.es, docs, alias=alias or ctx.settings.es_index, refresh="wait_for")
    assert not res.failed, res.failed


def _ids(ctx: AppContext, index: str | None = None) -> set[str]:
    index = index or ctx.settings.es_index
    ctx.es.indices.refresh(index=index)
    hits = ctx.es.search(index=index, query={"match_all": {}}, size=1000, _source=False)["hits"]["hits"]
    return {h["_id"] for h in hits}


def _count(ctx: AppContext, index: str | None = None) -> int:
    index = index or ctx.settings.es_index
    ctx.es.indices.refresh(index=index)
    return int(ctx.es.count(index=index)["count"])


def _deleted_metric(kind: str) -> float:
    return metrics.read_counters("retention_deleted_total").get(f'{{"index":"{kind}"}}', 0.0)


def _tick(ctx: AppContext) -> int:
    return inline_runner(ctx, STAGES).tick("retention")


def test_the_hourly_row_deletes_exactly_the_articles_stored_too_long_ago(ctx: AppContext) -> None:
    now = _now()
    corpus = _corpus(now)
    _index(ctx, list(corpus.values()))
    assert _ids(ctx) == set(corpus)
    # the rule in Python and the query in Elasticsearch agree on every document (as the index stores it)
    stored = {h["_id"]: h["_source"] for h in
              ctx.es.search(index=ctx.settings.es_index, size=100)["hits"]["hits"]}
    assert {i for i, src in stored.items() if expired(src, ARTICLE_TIME_FIELDS, cutoff(30, now))} == EXPECTED_GONE

    before = _deleted_metric("articles")
    assert _tick(ctx) == len(EXPECTED_GONE)
    assert _ids(ctx) == set(corpus) - EXPECTED_GONE
    assert _count(ctx) == len(corpus) - len(EXPECTED_GONE)
    # gone from search too, by any query
    res = elastic.search(ctx.es, "", alias=ctx.settings.es_index, size=50)
    assert {h.id for h in res.hits} == set(corpus) - EXPECTED_GONE
    assert _deleted_metric("articles") - before == len(EXPECTED_GONE)
    # the row's run is recorded for `status`
    assert ctx.redis.get(ctx.keys.periodic_last("retention")) is not None
    # a second run finds nothing more: idempotent
    assert _tick(ctx) == 0
    assert _ids(ctx) == set(corpus) - EXPECTED_GONE


def test_a_run_that_deleted_something_says_so_in_the_log(ctx: AppContext, caplog: pytest.LogCaptureFixture) -> None:
    _index(ctx, list(_corpus(_now()).values()))
    with caplog.at_level("INFO", logger="worker.pipeline.periodic"):
        _tick(ctx)
        lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("retention:")]
        assert len(lines) == 1 and "deleted 3 articles older than 30 days" in lines[0], lines
        caplog.clear()
        _tick(ctx)  # nothing to delete: no line
        assert not [r for r in caplog.records if r.getMessage().startswith("retention:")]


def test_setting_zero_deletes_nothing(ctx: AppContext) -> None:
    corpus = _corpus(_now())
    _index(ctx, list(corpus.values()))
    History(ctx).ensure_index()
    _history(ctx, "ancient", created=_now() - 1000 * DAY, updated=_now() - 1000 * DAY)
    ctx.settings = ctx.settings.model_copy(update={"retention_days": 0, "alert_history_retention_days": 0})
    assert _tick(ctx) == 0
    assert _ids(ctx) == set(corpus)
    assert _ids(ctx, ctx.settings.es_alert_history_index) == {"ancient"}


def test_every_index_behind_the_alias_is_pruned(ctx: AppContext) -> None:
    """Through the alias, the concrete index each hit names: an older version still behind the alias (a
    hand-made layout, or a swap in progress) is pruned too, not only the write index."""
    alias, now = ctx.settings.es_index, _now()
    other = f"{alias}-v7"
    ctx.es.indices.create(index=other)  # the template of the alias applies
    _index(ctx, [_doc("v7-old", indexed=now - 90 * DAY), _doc("v7-new", indexed=now)], alias=other)
    ctx.es.indices.put_alias(index=other, name=alias, is_write_index=False)
    _index(ctx, [_doc("v1-old", indexed=now - 90 * DAY), _doc("v1-new", indexed=now)])
    assert _ids(ctx) == {"v7-old", "v7-new", "v1-old", "v1-new"}
    assert _tick(ctx) == 2
    assert _ids(ctx) == {"v7-new", "v1-new"}
    assert _ids(ctx, other) == {"v7-new"}


def test_a_run_is_bounded_and_the_next_one_goes_on(ctx: AppContext) -> None:
    now = _now()
    _index(ctx, [_doc(f"old-{i:02d}", indexed=now - 40 * DAY - i * timedelta(minutes=1)) for i in range(25)]
           + [_doc("fresh", indexed=now)])
    articles, _ = targets(ctx.settings)
    before = cutoff(articles.days, now)
    first = prune(ctx.es, articles, before, limit=10, batch=4)
    assert (first.deleted, first.more, first.errors) == (10, True, [])
    assert _count(ctx) == 16
    second = prune(ctx.es, articles, before, limit=10, batch=4)
    assert (second.deleted, second.more) == (10, True)
    assert _count(ctx) == 6
    third = prune(ctx.es, articles, before, limit=10, batch=4)
    assert (third.deleted, third.more) == (5, False)
    assert _ids(ctx) == {"fresh"}


def test_an_article_written_again_meanwhile_is_not_deleted(ctx: AppContext) -> None:
    """The delete carries the version the search saw: an article re-indexed between the search and the bulk
    delete (a redelivered batch stamps a fresh indexed time) is kept."""
    now = _now()
    _index(ctx, [_doc("a", indexed=now - 60 * DAY), _doc("b", indexed=now - 60 * DAY)])

    class RewriteFirst:
        """The client, but the article ``a`` is written again just before the first bulk delete."""

        def __init__(self, es: Any) -> None:
            self.es, self.done = es, False

        def __getattr__(self, name: str) -> Any:
            return getattr(self.es, name)

        def bulk(self, **kw: Any) -> Any:
            if not self.done:
                self.done = True
                _index(ctx, [_doc("a", indexed=_now())])
            return self.es.bulk(**kw)

    articles, _ = targets(ctx.settings)
    res = prune(RewriteFirst(ctx.es), articles, cutoff(30, now))  # type: ignore[arg-type]
    assert (res.deleted, res.kept, res.errors) == (1, 1, [])
    assert _ids(ctx) == {"a"}


def test_two_runs_at_once_delete_each_article_once(ctx: AppContext) -> None:
    now = _now()
    _index(ctx, [_doc(f"o{i}", indexed=now - 50 * DAY) for i in range(60)] + [_doc("fresh", indexed=now)])
    articles, _ = targets(ctx.settings)
    results = []

    def run() -> None:
        results.append(prune(ctx.es, articles, cutoff(30, now), batch=7))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(not r.errors for r in results), results
    assert sum(r.deleted for r in results) == 60
    assert sum(r.deleted + r.gone + r.kept for r in results) >= 60
    assert _ids(ctx) == {"fresh"}


def test_a_write_block_stops_the_run_and_the_next_one_resumes(ctx: AppContext) -> None:
    """A write-blocked index (reindex's last round) refuses the deletes: the run says so, stops, deletes nothing
    it was not allowed to, and the row's tick fails (to be retried); once the block goes, a run finishes."""
    now = _now()
    _index(ctx, [_doc("old", indexed=now - 60 * DAY), _doc("new", indexed=now)])
    index = elastic.current_index(ctx.es, ctx.settings.es_index)
    ctx.es.indices.add_block(index=index, block="write")
    try:
        articles, _ = targets(ctx.settings)
        res = prune(ctx.es, articles, cutoff(30, now))
        assert res.deleted == 0 and res.errors and "cluster_block_exception" in res.errors[0], res
        with pytest.raises(TransientError, match="deletes refused"):
            periodic.retention(Hop(ctx, lambda _: None))
        assert _ids(ctx) == {"old", "new"}
    finally:
        ctx.es.indices.put_settings(index=index, settings={"index": {"blocks": {"write": False}}})
    assert _tick(ctx) == 1
    assert _ids(ctx) == {"new"}


# -- the alert history -----------------------------------------------------------------------------------------


def _history(ctx: AppContext, rec_id: str, *, created: datetime, updated: datetime) -> None:
    ctx.es.index(index=ctx.settings.es_alert_history_index, id=rec_id, refresh="wait_for", document={
        "id": rec_id, "rule": "r", "status": "delivered", "created": created.isoformat(),
        "updated": updated.isoformat(), "channels": []})


def test_alert_history_is_pruned_by_its_own_setting_and_last_update(ctx: AppContext) -> None:
    History(ctx).ensure_index()
    now = _now()
    _history(ctx, "old", created=now - 200 * DAY, updated=now - 199 * DAY)
    _history(ctx, "old-but-updated", created=now - 200 * DAY, updated=now - 2 * DAY)  # a follow-up last week
    _history(ctx, "recent", created=now - 10 * DAY, updated=now - 10 * DAY)
    _history(ctx, "past-articles-limit", created=now - 60 * DAY, updated=now - 60 * DAY)  # 30 < 60 < 90
    before = _deleted_metric("alert_history")
    assert _tick(ctx) == 1
    assert _ids(ctx, ctx.settings.es_alert_history_index) == {"old-but-updated", "recent", "past-articles-limit"}
    assert _deleted_metric("alert_history") - before == 1


def test_no_alert_history_index_yet_is_nothing_to_prune(ctx: AppContext) -> None:
    assert not ctx.es.indices.exists(index=ctx.settings.es_alert_history_index)
    assert _tick(ctx) == 0
    assert not ctx.es.indices.exists(index=ctx.settings.es_alert_history_index)  # not created by pruning


# -- the command -----------------------------------------------------------------------------------------------


def _cli(ctx: AppContext, *args: str, **env: str):
    return run_cli("index", "prune", *args, NEWSWORKER_ES_INDEX=ctx.settings.es_index,
                   NEWSWORKER_ES_ALERT_HISTORY_INDEX=ctx.settings.es_alert_history_index,
                   NEWSWORKER_REDIS_PREFIX=ctx.keys.prefix, **env)


def test_prune_command_dry_run_deletes_nothing_then_prune_does(ctx: AppContext) -> None:
    corpus = _corpus(_now())
    _index(ctx, list(corpus.values()))
    r = _cli(ctx, "--older-than", "30", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert f"{ctx.settings.es_index}: 3 articles older than 30 days" in r.stdout and "would be deleted" in r.stdout
    assert _ids(ctx) == set(corpus)

    # without --older-than: the setting; 0 (the default) prunes nothing
    r = _cli(ctx, NEWSWORKER_RETENTION_DAYS="0")
    assert r.returncode == 0 and "retention is off (NEWSWORKER_RETENTION_DAYS=0)" in r.stdout, r.stdout + r.stderr
    assert _ids(ctx) == set(corpus)

    r = _cli(ctx, NEWSWORKER_RETENTION_DAYS="30")
    assert r.returncode == 0, r.stderr
    assert f"{ctx.settings.es_index}: deleted 3 articles older than 30 days" in r.stdout, r.stdout
    assert _ids(ctx) == set(corpus) - EXPECTED_GONE


def _live_ids(ctx: AppContext) -> set[str]:
    """What a search sees right now, without refreshing first (as the API and an export do)."""
    hits = ctx.es.search(index=ctx.settings.es_index, query={"match_all": {}}, size=1000, _source=False)
    return {h["_id"] for h in hits["hits"]["hits"]}


def test_deletions_have_left_search_when_the_prune_returns(ctx: AppContext) -> None:
    """qa7b-7: `index prune` returned before its deletions were searchable (a script pruning then exporting
    got the deleted articles); the hourly row shares the code. The index's periodic refresh is turned off
    here so that only the prune's own refresh can make the deletions visible."""
    corpus = _corpus(_now())
    _index(ctx, list(corpus.values()))
    ctx.es.indices.put_settings(index=ctx.settings.es_index, settings={"index": {"refresh_interval": "-1"}})
    r = _cli(ctx, "--older-than", "30")
    assert r.returncode == 0, r.stderr
    assert _live_ids(ctx) == set(corpus) - EXPECTED_GONE
    assert int(ctx.es.count(index=ctx.settings.es_index)["count"]) == len(corpus) - len(EXPECTED_GONE)

    # refresh="wait_for" would wait for ever without a periodic refresh: an explicit one
    res = elastic.index_documents(ctx.es, [_doc("late-old", indexed=_now() - 60 * DAY)],
                                  alias=ctx.settings.es_index, refresh=True)
    assert not res.failed and "late-old" in _live_ids(ctx)
    assert _tick(ctx) == 1
    assert _live_ids(ctx) == set(corpus) - EXPECTED_GONE


def test_prune_command_for_the_alert_history(ctx: AppContext) -> None:
    History(ctx).ensure_index()
    now = _now()
    _history(ctx, "old", created=now - 200 * DAY, updated=now - 200 * DAY)
    _history(ctx, "recent", created=now - 5 * DAY, updated=now - 5 * DAY)
    r = _cli(ctx, "--alert-history", "--dry-run", NEWSWORKER_ALERT_HISTORY_RETENTION_DAYS="100")
    assert r.returncode == 0 and "1 alert-history records older than 100 days" in r.stdout, r.stdout + r.stderr
    r = _cli(ctx, "--alert-history", "--older-than", "3")
    assert r.returncode == 0 and "deleted 2 alert-history records older than 3 days" in r.stdout, r.stdout
    assert _ids(ctx, ctx.settings.es_alert_history_index) == set()


def test_index_stats_shows_the_retention_in_effect(ctx: AppContext) -> None:
    r = run_cli("index", "stats", "--index", ctx.settings.es_index, NEWSWORKER_RETENTION_DAYS="45")
    assert r.returncode == 0 and "retention: articles older than 45 days are deleted hourly" in r.stdout, r.stdout
    r = run_cli("index", "stats", "--index", ctx.settings.es_index, NEWSWORKER_RETENTION_DAYS="0")
    assert "retention: off, articles are kept for ever" in r.stdout, r.stdout


def test_prune_command_refuses_a_mistyped_setting(ctx: AppContext) -> None:
    r = _cli(ctx, "--dry-run", NEWSWORKER_RETENTION_DAYS="90d")
    assert r.returncode == 2
    assert "invalid settings: retention_days" in r.stderr and "Traceback" not in r.stderr
    r = _cli(ctx, "--older-than", "0")
    assert r.returncode == 2 and "--older-than" in r.stderr


def test_the_target_can_be_redirected(ctx: AppContext) -> None:
    """``replace`` on a target (what ``--index`` does) prunes that index by the same rule."""
    articles, _ = targets(ctx.settings)
    other = replace(articles, index=f"{ctx.settings.es_index}-nosuch")
    assert prune(ctx.es, other, cutoff(1, _now())).deleted == 0
