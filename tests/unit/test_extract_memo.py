"""The bounded memo used by the chain's hot string functions."""

from worker.extract.memo import memo


def test_memo_caches_and_stays_bounded():
    calls = []

    @memo(3)
    def upper(s):
        calls.append(s)
        return s.upper()

    assert [upper(x) for x in "abab"] == ["A", "B", "A", "B"]
    assert calls == ["a", "b"]
    for x in "cdef":  # overflow clears the cache instead of growing past maxsize
        upper(x)
    upper("a")
    assert calls.count("a") == 2


def test_memo_with_several_arguments():
    @memo(10)
    def join(a, b):
        return f"{a}-{b}"

    assert join("x", "y") == "x-y" and join("y", "x") == "y-x"


def test_every_word_cache_of_the_chain_stays_within_the_budget():
    """A stream of new words (a worker running for days) fills each per-word cache up to WORD_TYPES and
    no further. Each cache once had its own bound, and together they grew a process past 600 MB."""
    import random

    from worker.extract import (
        casualties,
        casualty_model,
        event_model,
        fingerprint,
        keyword_forms,
        keywords,
        tokens,
    )
    from worker.extract.memo import WORD_TYPES
    from worker.extract.ner import get_entity_tagger, rules
    from worker.extract.pipeline import extract_one

    tagger = get_entity_tagger()
    feat = tagger.featurizer
    rows = event_model.load_model().row_featurizer()

    def sizes() -> dict[str, int]:
        return {
            "tokens._FOLDS": len(tokens._FOLDS),
            "tokens._fold_word": tokens._fold_word.cache_len(),
            "tokens._split": tokens._split.cache_len(),
            "fingerprint._WORD_ROWS": len(fingerprint._WORD_ROWS),
            "fingerprint._ROWS": len(fingerprint._ROWS),
            "fingerprint._bits": fingerprint._bits.cache_len(),
            "keywords._KEY_CACHE": len(keywords._KEY_CACHE),
            "keywords._WORDS": len(keywords._WORDS),
            "keyword_forms.word_class": keyword_forms.word_class.cache_len(),
            "casualties._stems": casualties._stems.cache_len(),
            "casualty_model._NORM_CUES": len(casualty_model._NORM_CUES),
            "casualty_model._SHIPPED_CUES": len(casualty_model._SHIPPED_CUES),
            "casualty_model._trimmed": casualty_model._trimmed.cache_info().currsize,
            "event_model._word_feats": event_model._word_feats.cache_info().currsize,
            "event rows": len(rows._words),
            "rules._HEADS": len(rules._HEADS),
            "rules._GAZ_READINGS": len(rules._GAZ_READINGS),
            "ner features._stems": len(feat._stems),
            "ner features._local": len(feat._local),
            "ner features._ctx": len(feat._ctx),
            "ner features._phrase_starts": len(feat._phrase_starts),
            "ner features._word_info": len(feat._word_info),
            # the CRF's score rows keep half their rows when full, after the batch that overfilled them
            "ner score rows": len(tagger._rows.rowid) - 4096,
        }

    rng = random.Random(23)
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    words = list({"".join(rng.choice(letters) for _ in range(rng.randint(4, 9))) for _ in range(WORD_TYPES + 8000)})
    per_article = 400
    most: dict[str, int] = {}
    for n in range(0, len(words), per_article):
        chunk = words[n:n + per_article]
        body = "\n".join(" ".join(chunk[i:i + 20]) + "." for i in range(0, len(chunk), 20))
        extract_one({"id": f"w{n}", "title": chunk[0], "body": body, "published": "2018-05-01T10:00:00Z"})
        for k, v in sizes().items():
            most[k] = max(most.get(k, 0), v)
    assert most["tokens._FOLDS"] > WORD_TYPES // 2, most  # the stream did reach the caches
    # the tables tokenize and the fingerprint read inline are checked once per text: one text's words over
    over = {k: v for k, v in most.items() if v > WORD_TYPES + per_article}
    assert not over, over


def test_the_word_budget_is_a_setting_read_when_the_chain_is_imported():
    import os
    import subprocess
    import sys

    code = "from worker.extract import event_rows, tokens; print(tokens._FOLDS_MAX, event_rows._MAX_WORDS)"
    env = {**os.environ, "NEWSWORKER_EXTRACT_WORD_TYPES": "2048"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["2048", "2048"]
