"""The pure Arabic extraction chain (no I/O; everything it needs is shipped in this package).

Stages, each a small module with a documented contract and testable alone:

- ``normalize``   fold (matching key) / fold_with_offsets / ascii_digits
- ``tokens``      Token, tokenize, sentences, split_proclitics
- ``numbers``     Arabic number words and digits -> int (vague amounts -> None)
- ``entities``    PER/ORG/LOC/FAC with offsets, canonical names and gazetteer places
- ``dates``       absolute / weekday / relative / month / year references resolved to YYYY-MM-DD|YYYY-MM|YYYY
- ``casualties``  killed / injured / arrested / kidnapped / missing / escaped counts
- ``events``      document-level event types with an evidence sentence
- ``quotes``      quotes with speakers
- ``keywords``    TF-IDF key phrases (IDF table computed offline from the ANT corpus, in ``data/``)
- ``fingerprint`` 64-bit SimHash for near-duplicate detection
- ``pipeline``    extract_one(article) / extract_many(articles) -> EnrichedDocument

``extract_one`` and ``extract_many`` are re-exported here lazily so importing a single stage stays cheap.
"""

from __future__ import annotations

from typing import Any

__all__ = ["extract_one", "extract_many"]


def __getattr__(name: str) -> Any:
    # Lazy on purpose: a module that needs only ``worker.extract.normalize`` (the query analyser, the API)
    # must not load the whole chain and its models with the package.
    if name in __all__:
        from worker.extract import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)
