"""Archives in and out (issue 17).

* ``readers``: JSONL / CSV / WARC archives -> rows of articles (``FetchedArticle``), bad rows with their line.
* ``importer``: those rows through the pipeline's own stage functions (``extract_many``, story, one bulk
  write per micro-batch, optionally alert matching), with a checkpoint so an interrupted import resumes.
* ``export`` and ``formats``: any search, walked with ``search_after``, as CSV, JSONL or GeoJSON;
  ``atom``: the newest hits of a search as an Atom feed.

Layer: above ``pipeline/`` (the importer runs its stage functions), below the edges (``cli/``, ``api/``).
"""
