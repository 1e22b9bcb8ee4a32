"""Alerts: saved searches matched against every new article in the stream, one notification per story.

Flow (each step its own module)::

    index task ──assign_story(doc)──► stories.py   (SimHash + title LSH in Redis: story_id = first article)
    index task ──match_article(doc)──► tasks/alert.py
        notify.process_document
          ├─ engine.Engine.match_doc     rules cached per process, refreshed on the Redis version counter;
          │                              Aho-Corasick prefilter, compiled matcher, structured filters
          ├─ SET NX alerts:notified:<rule>:<story>   first article of a story → notification,
          │                                          later ones → follow-up in the history
          ├─ history.History.create      ES index settings.es_alert_history_index
          └─ deliver.delay(per channel)  ──► delivery/ (webhook JSON or Slack text, SMTP email):
                                             retries with capped exponential backoff, delivered flag in
                                             Redis (never re-sent after a 2xx), dead letter when it gives up
    beat ──send_digests()──► notify.send_due_digests  (digest rules: one message per batch, by story)

Rules (rules.py) live in Elasticsearch (store.py, settings.es_alerts_index), are validated on save (the
query must compile), and are managed by ``newsworker alerts ...``, ``/alerts`` and ``config/alerts.yaml``.
Every piece takes an ``AlertsContext`` (context.py) so tests run on the real services under unique names.
"""
