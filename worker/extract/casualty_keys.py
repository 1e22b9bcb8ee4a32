"""The casualty stage's second step: each (kind, count) of an article judged against the article's other counts.

The mention scorer (:mod:`worker.extract.casualty_model`) reads one mention at a time, so it cannot see what
most of its false counts have in common: a second figure of a kind the article already counts (the toll before
an update, a part of a total, another incident's figure) or a figure in an article whose other counts all score
low. This step gathers, per (kind, count), its mentions' scores and where it stands among the article's other
counts of its kind and of the other kinds, and which event types the article reports (:data:`KEY_FEATURES`),
and a boosted-tree classifier (:class:`worker.extract.trees.TreeEnsemble`, fitted on out-of-fold mention scores)
decides. The event types come twice: from the fixed trigger rules, and from the event stage, whose types on a
training article come from an event model fitted without it (:mod:`worker.training.event_folds`), as they do on
an article the shipped model never saw.

Pure functions of the candidates and their scores; no model is loaded here.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import Protocol

import numpy as np

from worker.document import CASUALTY_KINDS, EVENT_TYPES

__all__ = ["KEY_FEATURES", "KeyRow", "best_kind_only", "key_rows", "STRONG"]

# a mention score from which a count is "strong" when counting the article's competing figures
STRONG = 0.3
_NONE = -8.0  # the log-odds written where a feature's figure is missing (no such count)


class _Mention(Protocol):
    kind: str
    count: int
    start: int
    feats: tuple[str, ...]
    approximate: bool


KEY_FEATURES: tuple[str, ...] = (
    "best",  # log-odds of the key's best mention
    "second",  # of its second-best mention
    "mentions",  # log(1 + its mentions)
    "rank0", "rank1", "rank2+",  # its place among its kind's keys by best score
    "best_same_kind",  # log-odds of the best other key of its kind
    "strong_same_kind",  # how many other keys of its kind are strong
    "largest", "smallest",  # the largest / smallest count of its kind's strong keys
    "in_title",
    "best_other_kind",  # log-odds of the best key of another kind
    "strong_keys",  # how many keys of the article are strong
    "log_count",
    *(f"kind:{k}" for k in CASUALTY_KINDS),
    "same_number_other_kind",  # log-odds of the best candidate of the same number as another kind
    "counts_of_kind",  # log(1 + distinct counts of its kind among all candidates)
    "share_of_largest",  # count / the largest strong count of its kind
    "position",  # the best mention's offset in the body (0..1), -0.1 in the title
    "approximate",
    "sum_part", "sum_total", "subset", "total_word", "old_year", "dual", "rule_self",  # the best mention's cues
    "best_is_first",  # the best mention is the key's first
    "first_of_kind", "last_of_kind",  # the kind's first / last key by position
    "same_number",  # log(1 + candidates of this number, any kind)
    "log_body",  # log(1 + body characters)
    "title_other",  # another key of its kind is in the title
    "margin",  # best minus best_same_kind
    *(f"max:{k}" for k in CASUALTY_KINDS),  # log-odds of each kind's best key
    # the event types the trigger rules of worker.extract.events find in the article
    *(f"rule:{t}" for t in EVENT_TYPES),
    # the event types the event stage reports for the article (trained on its out-of-fold types:
    # worker.training.event_folds)
    *(f"event:{t}" for t in EVENT_TYPES),
)


KeyRow = tuple[tuple[str, int], int, np.ndarray]  # (kind, count), index of its best mention, features


def _logit(s: float) -> float:
    s = min(max(float(s), 1e-6), 1 - 1e-6)
    return math.log(s / (1 - s))


def best_kind_only(mentions: Sequence[tuple[str, int, int]], scores: np.ndarray) -> np.ndarray:
    """Which candidates are the best-scored kind of their number (a mention is its field and character span).

    A number is a count of one kind of victim, yet every kind with a cue in its clause makes a candidate of
    it ("قتل 3 وأصيب 12" makes "3" a killed and an injured candidate). Keeping only its best kind removed
    about 70 of the 116 cross-validated "other kind" false counts for 3 lost right ones (session 16,
    15,327 articles: micro-F1 .830 -> .833).
    """
    best: dict[tuple[str, int, int], int] = {}
    for i, m in enumerate(mentions):
        if m not in best or scores[i] > scores[best[m]]:
            best[m] = i
    keep = np.zeros(len(mentions), bool)
    keep[list(best.values())] = True
    return keep


def key_rows(cands: Sequence[_Mention], mentions: Sequence[tuple[str, int, int]], scores: np.ndarray,
             body_len: int, rule_types: Collection[str] = (), event_types: Collection[str] = ()) -> list[KeyRow]:
    """One row per (kind, count) of the article, over the mentions that are their number's best kind.

    ``mentions[i]`` is candidate ``i``'s field ("title" or "body") and span, ``scores[i]`` its mention score;
    ``rule_types`` the article's event types by the trigger rules and ``event_types`` those the event stage
    reports (both from :func:`worker.extract.event_model.detect_events_and_rules`; the rule types are
    :func:`worker.extract.events.rule_types` of the units' signals)."""
    keep = best_kind_only(mentions, scores)
    per: dict[tuple[str, int], list[int]] = {}
    for i, c in enumerate(cands):
        if keep[i]:
            per.setdefault((c.kind, c.count), []).append(i)
    if not per:
        return []
    best = {k: max(float(scores[i]) for i in v) for k, v in per.items()}
    n_strong = sum(1 for s in best.values() if s >= STRONG)
    kind_max: dict[str, float] = {}
    for (kind, _), s in best.items():
        kind_max[kind] = max(kind_max.get(kind, 0.0), s)
    in_title = {k: any(mentions[i][0] == "title" for i in v) for k, v in per.items()}
    # where each key is first mentioned (title before body), for the first / last of its kind
    first_at = {k: min(cands[i].start + (0 if mentions[i][0] == "title" else 1 << 30) for i in v) for k, v in per.items()}
    by_number: dict[int, list[int]] = {}
    for i, c in enumerate(cands):
        by_number.setdefault(c.count, []).append(i)
    counts_of_kind: dict[str, set[int]] = {}
    for c in cands:
        counts_of_kind.setdefault(c.kind, set()).add(c.count)
    rules = [t in rule_types for t in EVENT_TYPES] + [t in event_types for t in EVENT_TYPES]
    out: list[KeyRow] = []
    for key, idx in per.items():
        kind, count = key
        ss = sorted((float(scores[i]) for i in idx), reverse=True)
        same = sorted((best[k] for k in best if k[0] == kind and k != key), reverse=True)
        other_kind = [best[k] for k in best if k[0] != kind]
        strong_counts = [k[1] for k in best if k[0] == kind and best[k] >= STRONG]
        rank = sum(1 for s in same if s > ss[0])
        bi = max(idx, key=lambda i: scores[i])
        c0, (field, start, _) = cands[bi], mentions[bi]
        fe = set(c0.feats)
        same_number = [float(scores[i]) for i in by_number[count] if cands[i].kind != kind]
        order = sorted((k for k in per if k[0] == kind), key=first_at.__getitem__)
        best_same = _logit(same[0]) if same else _NONE
        row = [
            _logit(ss[0]), _logit(ss[1]) if len(ss) > 1 else _NONE, math.log1p(len(idx)),
            rank == 0, rank == 1, rank >= 2,
            best_same, sum(1 for s in same if s >= STRONG),
            bool(strong_counts) and count >= max(strong_counts), bool(strong_counts) and count <= min(strong_counts),
            in_title[key],
            _logit(max(other_kind)) if other_kind else _NONE,
            n_strong, math.log10(count + 1),
            *(kind == k for k in CASUALTY_KINDS),
            _logit(max(same_number)) if same_number else _NONE,
            math.log1p(len(counts_of_kind[kind])),
            count / max(strong_counts) if strong_counts else 0.0,
            -0.1 if field == "title" else start / max(body_len, 1),
            c0.approximate,
            "sum:part" in fe, "sum:total" in fe, "subset" in fe, any(x.startswith("total:") for x in fe),
            "year:old" in fe, "dual" in fe or "dual_generic" in fe, "rule:self" in fe,
            min(idx) == bi,
            order[0] == key, order[-1] == key,
            math.log1p(len(by_number[count])), math.log1p(body_len),
            any(in_title[k] for k in per if k[0] == kind and k != key),
            _logit(ss[0]) - best_same,
            *(_logit(kind_max.get(k, 1e-6)) for k in CASUALTY_KINDS),
            *rules,
        ]
        out.append((key, bi, np.array(row, np.float64)))
    return out
