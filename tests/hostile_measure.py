"""Poll one hostile feed once in this process and print the outcome and the peak RSS (issue 15's
figures). Used by the memory test in a subprocess, and by hand against ``tests.hostile_server``::

    python -m tests.hostile_measure http://127.0.0.1:8799/feed/double-gzip [--inline]

With ``--inline`` every new item's page is fetched too (``newsworker poll --inline``). Needs Redis; keys go
under a unique prefix that is deleted afterwards.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import traceback
import uuid


def _peak_rss_mb() -> float:
    """This process's own peak RSS. On Linux ``ru_maxrss`` survives ``exec``: a child forked from a large
    parent (the test run, with the extraction models loaded) reports the parent's size at the fork. The
    high-water mark of the process's own memory map (``VmHWM``) starts afresh at ``exec``."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure(url: str, inline: bool = False) -> dict:
    import redis

    from worker.ingest.poller import poll_feed_once
    from worker.ingest.registry import Feed
    from worker.pipeline.context import AppContext
    from worker.records import FeedItem
    from worker.settings import Settings

    client = redis.Redis.from_url(os.environ.get("NEWSWORKER_REDIS_URL", "redis://127.0.0.1:6379/0"),
                                  decode_responses=True)
    prefix = f"test:hostile:{uuid.uuid4().hex[:8]}:"
    settings = Settings(allow_private_addresses=True, per_host_rate=10_000, per_host_burst=10_000)
    ctx = AppContext.create(settings, redis_client=client, prefix=prefix)
    out: dict = {"url": url}
    pages: list[str] = []

    def emit(payload: FeedItem) -> None:
        if not inline:
            return
        from worker.ingest.articles import fetch_item

        try:
            res = fetch_item(ctx, payload, emit=lambda p: None, last_attempt=True)
            pages.append(f"{res.result} ({res.body_from or res.page_error})")
        except Exception as err:  # noqa: BLE001 - the figure we want is what happens
            pages.append(f"{type(err).__name__}: {str(err)[:200]}")

    started = time.monotonic()
    try:
        ctx.registry.add(Feed(id="hostile", url=url))
        outcome = poll_feed_once(ctx, "hostile", emit, force_full=True)
        state = ctx.registry.state("hostile")
        out.update(result=outcome.result, error=(outcome.error or "")[:300],
                   state_saved=state.last_poll is not None, last_error=(state.last_error or "")[:300],
                   bozo_error=(getattr(state, "bozo_error", None) or "")[:300])
    except BaseException as err:  # noqa: BLE001
        out.update(result="traceback", error=f"{type(err).__name__}: {str(err)[:300]}",
                   trace=traceback.format_exc(limit=3)[-600:])
    finally:
        out["pages"] = pages
        out["seconds"] = round(time.monotonic() - started, 2)
        out["peak_rss_mb"] = _peak_rss_mb()
        keys = list(client.scan_iter(f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        ctx.close()
    return out


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], inline="--inline" in sys.argv[2:]), ensure_ascii=False))
