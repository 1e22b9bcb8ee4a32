"""CPU time of the event stage per article (split, features, scores, decision), for one or more model files.

    nice -n 10 .venv/bin/python scripts/experiments/events_speed.py model.npz [model2.npz ...]
"""

from __future__ import annotations

import sys
import time

import numpy as np

from worker.extract.dates import parse_published
from worker.extract.event_model import detect_events, from_npz
from worker.training.dataset import load


def main(paths: list[str], n: int = 400) -> None:
    arts = load("events")[:n]
    for path in paths:
        t0 = time.perf_counter()
        model = from_npz(np.load(path, allow_pickle=False))
        load_s = time.perf_counter() - t0
        best = float("inf")
        for _ in range(3):  # the best of three rounds: the machine is shared
            t0 = time.process_time()
            for a in arts:
                detect_events(a.title, a.body, published=parse_published(a.published), model=model)
            best = min(best, time.process_time() - t0)
        print(f"{path}: load {load_s:.2f}s, {1000 * best / len(arts):.2f} ms CPU/article over {len(arts)} articles")


if __name__ == "__main__":
    main(sys.argv[1:])
