"""Where an interrupted import stopped, so running it again skips what is done.

The checkpoint is a Redis hash under the application's key namespace (``Keys.archive_import``), named
by the archive's identity: SHA-1 over its first 64 KiB (as stored, maybe compressed) and the target alias.
The same archive into the same alias finds it again, whether it is read from its file, from a moved copy
or from stdin; another archive or another alias starts afresh. The size is left out on purpose: stdin
has none, and an append-only archive that grew since the interruption resumes into its new rows.

It holds ``done``, the ordinal (``worker.archive.rows``) of the last row of the last micro-batch that is
indexed, and the running counts. It is written after each batch's bulk request succeeded, so a row is
never marked done before it is in the index; a batch cut short by Ctrl-C is redone (idempotent: the same
ids). A finished import deletes its checkpoint, so a later run imports the archive again (overwriting
the same documents). Checkpoints expire after ``TTL_SECONDS``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import redis

from worker.keys import Keys

TTL_SECONDS = 30 * 24 * 3600


def archive_identity(head: bytes, alias: str) -> str:
    h = hashlib.sha1(head)
    h.update(b"\0" + alias.encode("utf-8"))
    return h.hexdigest()


@dataclass(frozen=True)
class Progress:
    done: int = 0  # ordinal of the last row handled in a completed batch
    imported: int = 0
    bad: int = 0
    failed: int = 0


class Checkpoint:
    def __init__(self, client: redis.Redis, keys: Keys, identity: str) -> None:
        self.redis = client
        self.key = keys.archive_import(identity)

    def load(self) -> Progress:
        data = self.redis.hgetall(self.key) or {}
        return Progress(**{f: int(data.get(f, 0)) for f in ("done", "imported", "bad", "failed")})

    def save(self, progress: Progress) -> None:
        pipe = self.redis.pipeline()
        pipe.hset(self.key, mapping={"done": progress.done, "imported": progress.imported,
                                     "bad": progress.bad, "failed": progress.failed})
        pipe.expire(self.key, TTL_SECONDS)
        pipe.execute()

    def clear(self) -> None:
        self.redis.delete(self.key)
