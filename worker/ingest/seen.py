"""Exactly-once hand-off of feed items, across feeds and concurrent workers.

A document id (hash of the canonical URL) is claimed with ``SET NX``: whoever sets the key hands the
item on, everyone else skips it. The claim is two-phase so a poller that dies between claiming and
enqueueing does not lose the item for good: the key is first set with a short TTL (``pending``), then
made long-lived once the fetch task is queued. If the poller died, the pending key expires, the feed's
state was never saved (state is written last), so the next poll re-reads the full feed and claims the
item again.
"""

from __future__ import annotations

from collections.abc import Iterable

import redis

from worker.keys import Keys

PENDING_TTL = 600  # seconds a claim may stay unconfirmed
SEEN_TTL = 120 * 86400  # forget ids after ~4 months (feeds never carry items that old)


class SeenStore:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.r = client
        self.keys = keys

    def claim(self, doc_id: str, owner: str) -> bool:
        """True if this caller now owns ``doc_id`` (first to see it)."""
        return bool(self.r.set(self.keys.seen(doc_id), f"pending:{owner}", nx=True, ex=PENDING_TTL))

    def claim_many(self, doc_ids: list[str], owner: str) -> list[str]:
        """``claim`` for a batch in two round trips: one MGET pass (most items of a changed feed were
        seen before), then SET NX only for the unknown ones. Per id: ``won`` (hand it on), ``seen``
        (handed on before) or ``pending`` (claimed by a poll that has not confirmed yet: running now,
        or died - the caller must not advance the feed's validators, so the item is re-read later)."""
        if not doc_ids:
            return []
        values = self.r.mget([self.keys.seen(d) for d in doc_ids])
        status = {d: ("pending" if v.startswith("pending:") else "seen")
                  for d, v in zip(doc_ids, values, strict=True) if v is not None}
        todo = [d for d in doc_ids if d not in status]
        if todo:
            pipe = self.r.pipeline(transaction=False)
            for d in todo:
                pipe.set(self.keys.seen(d), f"pending:{owner}", nx=True, ex=PENDING_TTL)
            for d, ok in zip(todo, pipe.execute(), strict=True):
                status[d] = "won" if ok else "pending"
        return [status[d] for d in doc_ids]

    def all_confirmed(self, groups: list[list[str]]) -> list[bool]:
        """Per group of ids: True when every id is confirmed (handed on), in one MGET. A ``pending`` claim
        is not confirmed: its item must reach ``claim_many`` so the poller sees it is incomplete."""
        ids = list(dict.fromkeys(d for g in groups for d in g))
        if not ids:
            return [False] * len(groups)
        values = dict(zip(ids, self.r.mget([self.keys.seen(d) for d in ids]), strict=True))
        return [bool(g) and all(values[d] is not None and not values[d].startswith("pending:") for d in g)
                for g in groups]

    def confirm_many(self, doc_ids: list[str], owner: str) -> None:
        if not doc_ids:
            return
        pipe = self.r.pipeline(transaction=False)
        for d in doc_ids:
            pipe.set(self.keys.seen(d), f"queued:{owner}", ex=SEEN_TTL)
        pipe.execute()

    def release_many(self, doc_ids: list[str]) -> None:
        if doc_ids:
            self.r.delete(*[self.keys.seen(d) for d in doc_ids])

    def confirm(self, doc_id: str, owner: str) -> None:
        self.r.set(self.keys.seen(doc_id), f"queued:{owner}", ex=SEEN_TTL)

    def release(self, doc_id: str) -> None:
        self.r.delete(self.keys.seen(doc_id))

    def is_seen(self, doc_id: str) -> bool:
        return bool(self.r.exists(self.keys.seen(doc_id)))

    def owner(self, doc_id: str) -> str | None:
        value = self.r.get(self.keys.seen(doc_id))
        return value.split(":", 1)[1] if value and ":" in value else value

    def claim_alias(self, alias_id: str, owner: str) -> bool:
        """Claim a second id for the same item (the page's canonical id when it differs from the feed
        link's). Succeeds if free or already ours (a redelivered fetch task)."""
        key = self.keys.seen(alias_id)
        if self.r.set(key, f"queued:{owner}", nx=True, ex=SEEN_TTL):
            return True
        return self.owner(alias_id) == owner

    def mark_handed(self, doc_id: str) -> bool:
        """Record that the fetch stage handed ``doc_id`` on; False if it already had been."""
        return bool(self.r.set(self.keys.handed(doc_id), "1", nx=True, ex=SEEN_TTL))

    def queue_handed(self, pipe: redis.client.Pipeline, doc_ids: Iterable[str]) -> None:
        """:meth:`mark_handed` for each of ``doc_ids``, queued on the caller's pipeline (so the marks go
        out in the same round trip as the caller's other writes)."""
        for d in dict.fromkeys(doc_ids):
            pipe.set(self.keys.handed(d), "1", nx=True, ex=SEEN_TTL)

    def was_handed(self, doc_id: str) -> bool:
        return bool(self.r.exists(self.keys.handed(doc_id)))
