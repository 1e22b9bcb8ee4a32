"""``simhash``'s per-word row cache (SHINGLE == 1) gives the fingerprint of the ``_features`` path."""

import gzip
import json
from pathlib import Path

from worker.extract import fingerprint
from worker.extract.fingerprint import _features, _rows_of, _simhash_rows, simhash
from worker.extract.normalize import fold

_SAMPLE = Path(__file__).resolve().parents[2] / "worker" / "replay" / "data" / "ant-sample.jsonl.gz"


def _old(text: str) -> str:
    return _simhash_rows(_rows_of(_features(fold(text))))


def test_simhash_equals_the_features_path():
    texts = ["", "و", "في من", "وقال الرئيس", "ولد ولدا وولد والولد", "قُتل ٣٧٤ شخصاً، و1,200 آخرون.",
             "abc DEF وزير_الخارجية"]
    with gzip.open(_SAMPLE, "rt", encoding="utf-8") as fh:
        for line in list(fh)[:200]:
            d = json.loads(line)
            texts.append(f"{d.get('title') or ''} {d.get('text') or d.get('body') or ''}")
    assert fingerprint.SHINGLE == 1
    for t in texts:
        assert simhash(t) == _old(t), t[:60]
        assert simhash(t) == simhash("", folded=fold(t))  # second time: from the word cache
