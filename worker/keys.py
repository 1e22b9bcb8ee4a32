"""Every Redis key newsworker writes, under one configurable prefix (``settings.redis_prefix``, ``nw:``), so
tests and several deployments sharing a Redis keep their state apart and clean it up with one
``SCAN prefix*``. ``worker.pipeline.migrate`` moves keys written under the older, scattered names.

Not here: the broker's own keys (Celery queues, ``unacked``), which belong to kombu. RedBeat writes its
schedule under ``Keys.redbeat``, handed to it by ``worker.celery_app``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import redis

    from worker.settings import Settings

DEFAULT_PREFIX = "nw:"


@runtime_checkable
class StateDeps(Protocol):
    """The part of the application context every adapter needs: the process's Redis, its settings and this
    key namespace. ``IngestDeps`` and ``AlertsDeps`` extend it; ``AppContext`` satisfies them all."""

    @property
    def redis(self) -> redis.Redis: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def keys(self) -> Keys: ...


@dataclass(frozen=True)
class Keys:
    prefix: str = DEFAULT_PREFIX

    # -- ingestion ---------------------------------------------------------------------------------------
    @property
    def feed_ids(self) -> str:  # set of registered feed ids
        return f"{self.prefix}feeds"

    def feed(self, feed_id: str) -> str:  # JSON: the feed's configuration
        return f"{self.prefix}feed:{feed_id}"

    def state(self, feed_id: str) -> str:  # JSON: the feed's polling state
        return f"{self.prefix}feedstate:{feed_id}"

    @property
    def due(self) -> str:  # zset feed_id -> next due (unix seconds)
        return f"{self.prefix}feeds:due"

    @property
    def feeds_copy_pending(self) -> str:  # set of feed ids whose Elasticsearch copy failed to update
        return f"{self.prefix}feeds:copy_pending"

    def poll_lock(self, feed_id: str) -> str:
        return f"{self.prefix}lock:poll:{feed_id}"

    def seen(self, doc_id: str) -> str:  # global: one key per document id ever handed on
        return f"{self.prefix}seen:{doc_id}"

    def handed(self, doc_id: str) -> str:  # set once the fetch stage handed the article to extract
        return f"{self.prefix}handed:{doc_id}"

    def bucket(self, host: str) -> str:
        return f"{self.prefix}bucket:{host}"

    def robots(self, origin: str) -> str:
        return f"{self.prefix}robots:{origin}"

    def fetch_slots(self, origin: str) -> str:  # sorted set: one site's page fetches in flight, by lease end
        return f"{self.prefix}fetch:slots:{origin}"

    def fetch_timeouts(self, origin: str) -> str:  # count of one site's page fetches in a row that timed out
        return f"{self.prefix}fetch:timeouts:{origin}"

    def fetch_slow(self, origin: str) -> str:  # set while one site is slow: its pages limited (worker.ingest.hosts)
        return f"{self.prefix}fetch:slow:{origin}"

    def fetch_skip(self, origin: str) -> str:  # set while one site's pages are not tried (worker.ingest.hosts)
        return f"{self.prefix}fetch:skip:{origin}"

    @property
    def stats(self) -> str:  # hash of ingestion counters (polls, 304s, new items, errors)
        return f"{self.prefix}ingest:stats"

    # -- pipeline ----------------------------------------------------------------------------------------
    @property
    def deadletters(self) -> str:  # zset id -> recorded time
        return f"{self.prefix}dl:index"

    def deadletter(self, dl_id: str) -> str:
        return f"{self.prefix}dl:item:{dl_id}"

    def deadletter_replaying(self, dl_id: str) -> str:  # held while one replay of the record runs
        return f"{self.prefix}dl:replaying:{dl_id}"

    def deliveries(self, message_id: str) -> str:  # deliveries of one queued message not yet finished
        return f"{self.prefix}deliveries:{message_id}"

    @property
    def outbox_payloads(self) -> str:  # hash "<stage>:<id>" -> JSON message
        return f"{self.prefix}outbox:payloads"

    @property
    def outbox_since(self) -> str:  # zset "<stage>:<id>" -> handed-on time
        return f"{self.prefix}outbox:since"

    def periodic_last(self, stage: str) -> str:  # unix time a periodic stage last ran
        return f"{self.prefix}periodic:{stage}"

    @property
    def canary(self) -> str:  # unix time a worker last consumed a beat-sent message
        return f"{self.prefix}canary:last"

    @property
    def metrics(self) -> str:  # hashes <metrics>:c:<name> and <metrics>:h:<name>
        return f"{self.prefix}metrics"

    def metric(self, kind: str, name: str) -> str:  # hash of counter ("c") or histogram ("h") ``name``
        return f"{self.metrics}:{kind}:{name}"

    # -- alerts (every key under ``alerts``, so ``migrate-keys`` and a cleanup move them with one pattern) --
    @property
    def alerts(self) -> str:
        return f"{self.prefix}alerts"

    def _alert(self, *parts: object) -> str:
        return ":".join([self.alerts, *(str(p) for p in parts)])

    @property
    def alert_rules_version(self) -> str:  # counter bumped on every rule change; engines recompile on it
        return self._alert("rules", "version")

    def alert_story_doc(self, doc_id: str) -> str:  # the story a document was assigned to
        return self._alert("story", "doc", doc_id)

    @property
    def alert_story_log(self) -> str:  # the story log: SimHash and title bands of recent first articles
        return self._alert("story", "log")

    def alert_notified(self, rule: str, story_id: str) -> str:  # SET NX: the rule already notified the story
        return self._alert("notified", rule, story_id)

    def alert_digest_pending(self, rule: str) -> str:
        return self._alert("digest", rule, "pending")

    def alert_digest_due(self, rule: str) -> str:
        return self._alert("digest", rule, "due")

    def alert_digest_batch(self, rule: str, stamp: str) -> str:  # stamp "*": the SCAN pattern of them all
        return self._alert("digest", rule, "batch", stamp)

    def alert_delivered(self, notification_id: str, channel_key: str) -> str:  # never re-sent after a 2xx
        return self._alert("delivered", notification_id, channel_key)

    def alert_sending(self, notification_id: str, channel_key: str) -> str:  # lock held during one attempt
        return self._alert("sending", notification_id, channel_key)

    def alert_receiver(self, receiver: str) -> str:  # sorted set: the sends in flight to one receiver, by lease end
        return self._alert("receiver", receiver)

    @property
    def redbeat(self) -> str:  # RedBeat's schedule entries and lock
        return f"{self.prefix}redbeat:"

    # -- archives ----------------------------------------------------------------------------------------
    def archive_import(self, digest: str) -> str:  # hash: an interrupted import's checkpoint (worker/archive)
        return f"{self.prefix}archive:import:{digest}"
