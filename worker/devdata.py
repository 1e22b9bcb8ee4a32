"""Where the development data lives: the ``shared`` folder of corpora, gold-dev, feeds and scorers.

It sits beside the checkout (``../shared``) on a developer's machine and is never needed at run time: the
service ships what it reads in the package. Training, evaluation, benchmarks and some tests read it, and
each says what it does when the folder is absent (skip, fall back to the packaged sample, or a clear error).

One place for the paths, so that a checkout in any folder finds the same data: ``../shared`` beside this
checkout, else ``/work/shared`` (where the development machines keep it, so a scratch clone in ``mktemp -d``
still finds it). No environment variable: ``worker/settings.py`` stays the only reader of ``NEWSWORKER_*``
(the benchmarks and chaos tests take ``NEWSWORKER_CORPUS`` for another corpus file).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["SHARED", "DATA", "CORPUS", "GOLD_DEV", "FEEDS", "NER", "TOOLS", "find_shared"]

_REPO = Path(__file__).resolve().parents[1]
_WELL_KNOWN = Path("/work/shared")


def find_shared(repo: Path = _REPO, well_known: Path = _WELL_KNOWN) -> Path:
    """The first of ``repo/../shared`` and ``well_known`` that exists, else ``repo/../shared`` (absent;
    callers test for the files they need)."""
    beside = repo.parent / "shared"
    for candidate in (beside, well_known):
        if candidate.is_dir():
            return candidate
    return beside


SHARED = find_shared()
DATA = SHARED / "data"
CORPUS = DATA / "corpora" / "ant-multisource-2018.jsonl.gz"
GOLD_DEV = DATA / "gold-dev"
FEEDS = DATA / "feeds"
NER = DATA / "ner"
TOOLS = SHARED / "tools"
