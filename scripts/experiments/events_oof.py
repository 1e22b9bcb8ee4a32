"""Cache the sentence-level event scores of a nested cross-validation, to iterate on the document stage.

For each outer fold of ``worker.training.folds`` (5, by whole article): the unit scores of the training
articles *out of inner fold* (4 inner fits, as ``worker.training.events.train`` does for its thresholds)
and the unit scores of the test articles from the model fitted on all training articles. Gate scores are
kept for the units where a type's rule fires. Nothing of a test fold is used to fit anything scored on it.

    nice -n 10 .venv/bin/python scripts/experiments/events_oof.py /tmp/ev_cache
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np

from worker.document import EVENT_TYPES
from worker.training import events as ev
from worker.training.dataset import load
from worker.training.folds import kfold


def unit_matrices(model, prepared) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per article: (unit scores, gate scores with -1 where the type's rule does not fire)."""
    out = []
    col = {t: j for j, t in enumerate(model.types)}
    for p in prepared:
        u = model.unit_scores(p.feats)[:, : len(model.types)].astype(np.float32)
        g = np.full_like(u, -1.0)
        inst = ev._gate_instances(p, model.types)
        if inst:
            s = model.gate_scores([fs for _, _, fs in inst])
            for (t, k, _), v in zip(inst, s, strict=True):
                g[k, col[t]] = v
        out.append((u, g))
    return out


# a variant of the sentence model, by environment: EV_RULE_POSITIVES=1, EV_C=0.3
_VARIANT = {"rule_positives": os.environ.get("EV_RULE_POSITIVES") == "1", "c": float(os.environ.get("EV_C", ev.C))}


def main(cache: Path, k: int = 5, inner_k: int = 4) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    prep_path = cache / "prep.pkl"
    if not prep_path.exists() and (cache.parent / "ev_cache" / "prep.pkl").exists():  # share the features
        prep_path.symlink_to(cache.parent / "ev_cache" / "prep.pkl")
    if prep_path.exists():
        prep = pickle.loads(prep_path.read_bytes())
    else:
        t0 = time.time()
        prep = [ev.prepare(a) for a in load("events")]
        prep_path.write_bytes(pickle.dumps(prep))
        print(f"prepared {len(prep)} in {time.time() - t0:.0f}s", flush=True)
    for f, (train, test) in enumerate(kfold(prep, k, key=lambda p: p.article.id)):
        path = cache / f"fold{f}.pkl"
        if path.exists():
            continue
        t0 = time.time()
        inner: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for itrain, itest in kfold(train, inner_k, key=lambda p: p.article.id):
            m = ev.fit(itrain, **_VARIANT)
            inner.update({p.article.id: s for p, s in zip(itest, unit_matrices(m, itest), strict=True)})
        m = ev.fit(train, **_VARIANT)
        outer = {p.article.id: s for p, s in zip(test, unit_matrices(m, test), strict=True)}
        path.write_bytes(pickle.dumps({"train": inner, "test": outer, "rare": m.rare, "types": list(EVENT_TYPES)}))
        print(f"fold {f}: {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/ev_cache"))
