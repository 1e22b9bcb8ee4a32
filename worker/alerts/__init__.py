"""Alerts: saved searches matched against every new article in the stream, one notification per story.

The alert layer does the work and returns what should happen next; the pipeline (``worker/pipeline/``)
runs it, queues the deliveries, retries them and dead-letters them. Each step is its own module::

    story stage ──assign_story(doc)──► stories.py   (SimHash + title LSH in Redis: story_id = first article)
    match stage ──process_document(doc)──► notify.py
          ├─ engine.Engine.match_doc     rules cached per process, refreshed on the Redis version counter;
          │                              Aho-Corasick prefilter, compiled matcher, structured filters
          ├─ SET NX <alerts>:notified:<rule>:<story>   first article of a story → notification,
          │                                            later ones → follow-up in the history
          ├─ history.History.create      ES index settings.es_alert_history_index
          └─ returns the deliveries (one per channel)
    deliver stage ──delivery.attempt──► delivery/ (webhook JSON or Slack text, SMTP email): one attempt,
                                        delivered flag in Redis (never re-sent after a 2xx)
    digests stage (beat) ──notify.send_due_digests──► digest notifications and their deliveries

Rules (rules.py) live in Elasticsearch (store.py, settings.es_alerts_index), are validated on save (the
query must compile), and are managed by ``newsworker alerts ...``, ``/alerts`` and ``config/alerts.yaml``.
Every piece takes an ``AlertsDeps`` (context.py: Redis, Elasticsearch, settings, keys), which the one
application context satisfies, so tests run on the real services under their own settings and key prefix.
"""
