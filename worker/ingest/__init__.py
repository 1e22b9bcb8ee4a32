"""Ingestion: feeds in, articles out, exactly once and politely.

  registry.py    feeds (config) + feed state + due schedule in Redis; ``list_feeds()`` for ops/API
  poller.py      ``poll_feed_once``: conditional GET, body hash, parse, claim new items, reschedule
  schedule.py    pure policy: adaptive interval, backoff with jitter, Retry-After, Cache-Control
  feedparse.py   feedparser wrapper that never raises (bozo feeds still yield items)
  encoding.py    windows-1256 / ISO-8859-6 / UTF-16 handling for feeds and pages
  fetcher.py     httpx fetcher -> immutable ``FetchResult``; size cap, content type, redirects
  ssrf.py        refuse non-public addresses and non-http schemes (every redirect hop too)
  politeness.py  per-host token bucket (Redis + Lua, shared by all workers), robots.txt cache
  canonical.py   canonical URLs (tracking params, rel=canonical) -> document ids
  seen.py        exactly-once claims on document ids (SET NX, two-phase)
  articles.py    ``fetch_item``: page fetch + main text with feed fallbacks, hand-off to extract
  article.py     trafilatura extraction and the hand-off payload
  context.py     ``IngestDeps``: what ingestion needs of the one application context (``AppContext``)
  errors.py      classed errors in the one taxonomy (``worker.errors``): permanent / transient / rate-limited

Retries, dead letters and hand-offs between stages are the pipeline's (``worker/pipeline/``).
"""
