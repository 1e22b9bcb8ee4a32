"""A stand-in for ``worker.ingest.hosts.HostGuard`` in offline tests of ``fetch_item`` (no Redis): every
site has a free slot and none is skipped."""

from __future__ import annotations

from worker.ingest.hosts import Site


class OpenHosts:
    def enter(self, url: str) -> Site:
        return Site(None)

    def leave(self, site: Site, *, timed_out: bool | None) -> None:
        return None
