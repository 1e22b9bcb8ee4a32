"""Archives in and out (issue 17).

  rows.py        what readers yield: ``Row`` (an article for the chain) or ``BadRow`` (its line, why)
  columns.py     the JSONL/CSV row schema -> ``FetchedArticle``
  article.py     the archived article record, bounded like a fetched one
  readers.py     opening (file or stdin, gzip by its bytes), format detection, JSONL and CSV readers
  warc.py        WARC pages (warcio) -> articles, main text by ingest's trafilatura extraction
  checkpoint.py  where an interrupted import stopped (a Redis hash under the app's key namespace)
  importer.py    rows through the pipeline's stage functions (extract_many, story, one bulk write per
                 micro-batch, alert matching only on request), with the checkpoint
  exporter.py    every hit of a search in pages, walked with search_after (no result-window cliff)
  formats.py     sources -> CSV (formula-safe, BOM), JSONL, GeoJSON (one Feature per article and place)
  formula.py     the CSV formula guard (``'`` before ``=``...): added on export, removed on CSV import
  atom.py        the newest hits of a search as an Atom feed
  errors.py      classed errors (``worker.errors`` taxonomy): the archive unreadable, the store gone

Layer: above ``pipeline/`` (the importer runs its stage functions; it imports extract, ingest and store
only through them or for pure helpers), below the edges (``cli/archive.py``, ``api/routes/export.py``).
"""
