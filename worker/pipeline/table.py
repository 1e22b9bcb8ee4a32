"""THE STAGE TABLE: the one place to read what runs where.

Each row: stage -> function -> input record -> output record -> queue -> retry policy -> schedule. Celery
tasks (``worker.tasks``), their routes and the beat schedule (``worker.celery_app``) are derived from it;
nothing else names a task or a queue.

    poll_due ─► poll ─► fetch ─► extract ─► story ─► index ─► match ─► deliver
    digests ─────────────────────────────────────────────────────────┘
    sweep (outbox), replay (dead letters) ─► the stage each record names;  canary;  retention

Where a stage runs is decided per deployment: ``story``, ``index`` and ``match`` always run in the process
that produced their input (no queue hop per article); ``extract`` does too unless ``inline_extract`` is
false (fetching workers then hand articles to workers consuming ``extract,index``).

``deliver`` has a queue of its own (``DELIVER_QUEUES``): an attempt waits on someone else's server (a webhook
receiver may take ``webhook_timeout`` to answer, an SMTP server ``smtp_total_deadline``), and on the
``alert`` queue beside ``match`` a slow receiver held the pool processes that poll, fetch and index (QA5
qa5a-1). Its workers run a thread pool (``worker.ops.workers``), so waiting costs a thread, not a process.
"""

from __future__ import annotations

from functools import partial

from worker.document import EnrichedDocument
from worker.pipeline import article, periodic
from worker.pipeline.outbox import Entry
from worker.pipeline.retry import CHANNEL, HTTP, INFRA, ONCE, PERIODIC, STORE
from worker.pipeline.stage import Stage, StageTable, always, per_record
from worker.records import Delivery, FeedItem, FetchedArticle
from worker.settings import Settings

# Queues whose tasks wait on other people's servers rather than compute: consumed by an I/O pool of their own
# (threads), never by the processes ingestion and matching need (QA5 qa5a-1).
DELIVER_QUEUES = ("deliver",)


def only_deliveries(queues: tuple[str, ...] | list[str]) -> bool:
    """A worker consuming ``queues`` sends notifications and nothing else (it needs no extraction chain)."""
    return bool(queues) and all(q in DELIVER_QUEUES for q in queues)


# Queues of the rows kept in the outbox: while one holds messages, old outbox entries may just be waiting.
OUTBOX_QUEUES = ("poll", "fetch", "extract", "index", "alert", *DELIVER_QUEUES)
FETCH_BATCH = 16
RETENTION_EVERY = 3600.0  # seconds between the retention row's ticks


def _inline_extract(s: Settings) -> bool:
    return s.inline_extract


STAGES = StageTable([
    # -- the article path ------------------------------------------------------------------------------
    # Due feeds go out 8 to a message and are polled concurrently: a poll mostly waits on the feed's server.
    Stage("poll", per_record(article.poll, threads=8), str, FeedItem, queue="poll", retry=INFRA, next="fetch",
          batch=8, outbox=True),
    # A poll's new items go out 16 to a message, fetched 8 at a time (the pool waits on pages, not CPU). A
    # site not known to answer in time lets one of its pages through at a time (``worker.ingest.hosts``:
    # the others come back in a few seconds, not as attempts), so a slow site holds this message's process
    # for about one page's deadline, never every process for hours (QA6 qa6s-1).
    # The message's articles then go through extract, story and index together, so this is also the size
    # of the index stage's bulk request. 16 rather than 8: Elasticsearch ~7.9 -> 7.1-7.7 ms CPU per article,
    # worker ~29 -> 26-28 ms (fewer bulk requests and task dispatches; bench/e2e_bench.py, 2,000 articles);
    # 32 measured no better, and a redelivered message re-fetches every page in it.
    Stage("fetch", per_record(article.fetch, threads=8), FeedItem, FetchedArticle, queue="fetch", retry=HTTP,
          next="extract", batch=FETCH_BATCH, outbox=True, article=True),
    Stage("extract", article.extract, FetchedArticle, EnrichedDocument, queue="extract", retry=ONCE,
          next="story", batch=32, inline=_inline_extract, outbox=True, article=True),
    Stage("story", per_record(article.story), EnrichedDocument, EnrichedDocument, queue="index", retry=STORE,
          next="index", batch=32, inline=always, outbox=True, article=True),
    Stage("index", article.index, EnrichedDocument, EnrichedDocument, queue="index", retry=STORE,
          next="match", batch=32, inline=always, outbox=True, article=True),
    Stage("match", per_record(article.match), EnrichedDocument, Delivery, queue="alert", retry=STORE,
          next="deliver", inline=always, outbox=True, article=True),
    # The end of the line: its outcome label (delivered, skipped) is the receipt, in metrics and the history.
    # Its own queue (instant notifications and the digests' alike): see DELIVER_QUEUES.
    Stage("deliver", per_record(article.deliver), Delivery, None, queue=DELIVER_QUEUES[0], retry=CHANNEL,
          outbox=True, on_dead=article.delivery_failed),
    # -- periodic: beat sends these every ``every(settings)`` seconds ---------------------------------
    Stage("poll_due", periodic.schedule_polls, None, str, queue="poll", retry=PERIODIC, next="poll",
          every=lambda s: s.beat_tick_seconds),
    Stage("digests", periodic.digests, None, Delivery, queue="alert", retry=PERIODIC, next="deliver",
          every=lambda s: s.digest_tick_seconds),
    Stage("sweep", partial(periodic.sweep_outbox, queues=OUTBOX_QUEUES), None, Entry, queue="poll",
          retry=PERIODIC, every=lambda s: s.outbox_sweep_seconds),
    Stage("canary", periodic.canary, None, None, queue="poll", retry=PERIODIC,
          every=lambda s: s.canary_interval),
    # Hourly, and a no-op while NEWSWORKER_RETENTION_DAYS and _ALERT_HISTORY_RETENTION_DAYS are 0: expiry is
    # counted in days, so a tick an hour late deletes an hour late; each tick is bounded (RUN_LIMIT a target).
    Stage("retention", periodic.retention, None, None, queue="poll", retry=PERIODIC,
          every=lambda _: RETENTION_EVERY),
    # -- on demand ---------------------------------------------------------------------------------------
    Stage("replay", per_record(periodic.replay), str, Entry, queue="poll", retry=INFRA),
])
