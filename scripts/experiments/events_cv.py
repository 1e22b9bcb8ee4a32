"""Cross-validated events with the code the service ships (``report.cross_validate_events``), per type.

    nice -n 10 .venv/bin/python scripts/experiments/events_cv.py [out.pkl]
"""

from __future__ import annotations

import pickle
import sys
import time

from worker.document import EVENT_TYPES
from worker.training.dataset import load
from worker.training.metrics import prf
from worker.training.report import cross_validate_events


def main() -> None:
    t0 = time.time()
    arts = load("events")
    pred = cross_validate_events(arts, 5)
    gold = [set(a.event_types) for a in arts]
    s = prf(pred, gold)
    print(f"micro P {s.p:.3f} R {s.r:.3f} F1 {s.f:.3f}  ({time.time() - t0:.0f}s)")
    for t in EVENT_TYPES:
        st = prf([p & {t} for p in pred], [g & {t} for g in gold])
        print(f"  {t:16s} gold {st.n_gold:4d} P {st.p:.3f} R {st.r:.3f} F1 {st.f:.3f}")
    if len(sys.argv) > 1:
        with open(sys.argv[1], "wb") as f:
            pickle.dump({a.id: p for a, p in zip(arts, pred, strict=True)}, f)


if __name__ == "__main__":
    main()
