"""The pipeline layer: what runs where, and what happens when it fails.

  table.py       THE stage table: stage -> function -> input/output record -> queue -> retry -> schedule
  stage.py       what a row is; the two shapes of stage function (per record, per micro-batch)
  article.py     the article path's stage functions (poll, fetch, extract, story, index, match, deliver)
  periodic.py    the periodic stages (poll schedule, digests, outbox sweep, canary) and dead-letter replay
  runner.py      runs a stage, then the next in-process or through its queue; retries, dead letters,
                 the outbox, stage metrics
  retry.py       retry policies and the pure retry decision
  errors.py      any exception -> permanent | transient | rate-limited (``worker.errors``)
  outbox.py      records handed to a queue until their stage is done (the sweep re-sends lost ones)
  deadletters.py work that failed for good, kept with its error for replay
  context.py     the one application context: settings, clients, Redis key namespace
  migrate.py     ``newsworker migrate-keys``: older key names into the one namespace

Layers below (ingest, store, alerts, extract) do the work and never enqueue; ``worker.tasks`` and
``worker.celery_app`` above are generated from the table.
"""
