"""Compare the shipped proclitic rule with registry morphology packages (issue 16: "measure, don't assume").

Needs a separate virtualenv with ``qalsadi`` and ``tashaphyne`` (GPL; not project dependencies) plus this
project's requirements: ``python -m venv /tmp/evalenv && /tmp/evalenv/bin/pip install qalsadi tashaphyne
luqum pyahocorasick pydantic``, then ``/tmp/evalenv/bin/python scripts/eval_morph_candidates.py``.
The gold list (``data/relevance/candidates/gold_clitics.tsv``, 1 = a proclitic + a word) was written by
hand after the rule was designed: it checks the cases the issue names, it does not measure generality.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from worker.query.analysis import _strip_prefix, fold_text  # noqa: E402


def main() -> None:
    import qalsadi.lemmatizer
    from tashaphyne.stemming import ArabicLightStemmer

    gold = [ln.split("\t") for ln in (ROOT / "data/relevance/candidates/gold_clitics.tsv").read_text().split("\n")
            if ln]
    lemmatizer = qalsadi.lemmatizer.Lemmatizer()
    stemmer = ArabicLightStemmer()

    def lemma(word: str) -> str:
        out = lemmatizer.lemmatize(word)
        return fold_text(out if isinstance(out, str) else out[0])

    def ours(word: str) -> bool:
        folded = fold_text(word)
        return _strip_prefix(folded) != folded

    def by_qalsadi(word: str) -> bool:  # the lemma lost the first letter and starts like the remainder
        folded, lem = fold_text(word), lemma(word)
        return not lem.startswith(folded[0]) and folded[1:].startswith(lem[:2])

    def by_tashaphyne(word: str) -> bool:
        stemmer.light_stem(word)
        prefix = stemmer.get_prefix()
        return bool(prefix) and prefix[-1:] in "بلكفو"

    candidates: tuple[tuple[str, Callable[[str], bool]], ...] = (
        ("lexicon (shipped)", ours), ("qalsadi", by_qalsadi), ("tashaphyne", by_tashaphyne),
    )
    for name, fn in candidates:
        t0 = time.perf_counter()
        pred = [fn(w) for w, _ in gold]
        dt = time.perf_counter() - t0
        splits = [p for p, (_, g) in zip(pred, gold, strict=True) if g == "1"]
        wholes = [p for p, (_, g) in zip(pred, gold, strict=True) if g == "0"]
        wrong = [w for p, (w, g) in zip(pred, gold, strict=True) if p != (g == "1")]
        print(f"{name}: clitic forms split {sum(splits)}/{len(splits)}, whole words wrongly split "
              f"{sum(wholes)}/{len(wholes)}, {len(gold) / dt:.0f} words/s; wrong: {' '.join(wrong)}")
    pairs = [ln.split("\t") for ln in (ROOT / "worker/query/data/plurals.tsv").read_text().split("\n")
             if ln and not ln.startswith("#")]
    same = sum(1 for p, s in pairs if lemma(p) == fold_text(s))
    print(f"qalsadi: lemma(plural) == singular for {same}/{len(pairs)} reviewed plural pairs")


if __name__ == "__main__":
    main()
