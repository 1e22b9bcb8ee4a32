"""NER features, the CRF tagger and the ``newsworker ner --conll`` command."""

from __future__ import annotations

import io

from typer.testing import CliRunner

from worker.cli.main import app
from worker.cli.ner import tag_conll
from worker.extract.ner.features import fold_token, get_featurizer
from worker.extract.ner.tagger import get_tagger, spans_from_bio

TAGS = {"O"} | {f"{b}-{t}" for b in "BI" for t in ("PER", "ORG", "LOC", "FAC")}


def test_clitic_stripping_uses_corpus_evidence() -> None:
    feat = get_featurizer()
    assert feat.stem(fold_token("وبالحسكة")) == ("وب", fold_token("الحسكة"))
    assert feat.stem(fold_token("وسوريا")) == ("و", "سوريا")
    assert feat.stem(fold_token("للأمم"))[1] == "الامم"
    # names that begin with a clitic letter stay whole
    for w in ("وليد", "بغداد", "فرنسا", "لبنان", "كركوك"):
        assert feat.stem(fold_token(w)) == ("", fold_token(w)), w


def test_features_are_cached_per_word_type_and_sized_per_token() -> None:
    feat = get_featurizer()
    keys = [fold_token(w) for w in "زار الرئيس دمشق أمس".split()]
    out = feat.sentence(keys)
    assert len(out) == len(keys)
    assert "w=" + keys[2] in out[2] and "-1:w=" + keys[1] in out[2] and "1:w=" + keys[3] in out[2]
    assert "BOS" in out[0] and "EOS" in out[-1]
    assert feat.local(keys[2]) is feat.local(keys[2])


def test_spans_from_bio() -> None:
    assert spans_from_bio(["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-ORG"]) == [
        (0, 2, "PER"), (3, 4, "LOC"), (4, 5, "LOC"), (5, 6, "ORG")]
    assert spans_from_bio([]) == []


def test_tagger_finds_obvious_entities() -> None:
    tagger = get_tagger()
    toks = "وصل الرئيس الفرنسي إيمانويل ماكرون إلى العاصمة العراقية بغداد يوم الأحد .".split()
    tags = tagger.tag(toks)
    assert set(tags) <= TAGS
    spans = {(" ".join(toks[i:j]), t) for i, j, t in spans_from_bio(tags)}
    assert ("بغداد", "LOC") in spans
    assert ("إيمانويل ماكرون", "PER") in spans
    assert tags[toks.index("الفرنسي")] == "O"  # a nationality adjective is no entity


def test_tag_conll_keeps_tokens_and_sentences() -> None:
    src = "قال\nمسؤول\nفي\nدمشق\n.\n\nوصلت\nالأمم\nالمتحدة\n\n"
    out = io.StringIO()
    assert tag_conll(io.StringIO(src), out) == 2
    blocks = [b for b in out.getvalue().split("\n\n") if b.strip()]
    assert len(blocks) == 2
    rows = [line.split("\t") for line in blocks[0].splitlines()]
    assert [r[0] for r in rows] == ["قال", "مسؤول", "في", "دمشق", "."]
    assert all(r[1] in TAGS for r in rows)
    assert rows[3][1] == "B-LOC"


def test_ner_cli_round_trip() -> None:
    src = "هاجم\nتنظيم\nداعش\nسجن\nالصناعة\nفي\nالحسكة\n"
    res = CliRunner().invoke(app, ["ner", "--conll"], input=src)
    assert res.exit_code == 0, res.output
    rows = [line.split("\t") for line in res.output.strip().splitlines()]
    assert [r[0] for r in rows] == src.split()
    assert all(len(r) == 2 and r[1] in TAGS for r in rows)
    assert rows[-1][1] == "B-LOC"


def test_fast_decoder_matches_crfsuite() -> None:
    import pycrfsuite

    from worker.extract.ner.tagger import MODEL_PATH

    tagger = get_tagger()
    crf = pycrfsuite.Tagger()
    crf.open(str(MODEL_PATH))
    sents = [
        "قال وزير الخارجية الروسي سيرغي لافروف في موسكو إن الحوار مستمر .".split(),
        "وبالحسكة".split(),
        "أعلنت وزارة الداخلية المصرية مقتل عشرة مسلحين في شمال سيناء".split(),
        "",
    ]
    keys = [[fold_token(t) for t in s] for s in sents]
    fast = tagger.tag_many(keys)
    ref = [list(crf.tag(tagger.featurizer.sentence(k))) if k else [] for k in keys]
    assert fast == ref


def test_tag_conll_with_rules_uses_the_entity_stage() -> None:
    src = "قال\nمتحدث\nباسم\nقوات\nسوريا\nالديمقراطية\n\n"
    out = io.StringIO()
    tag_conll(io.StringIO(src), out, rules=True)
    tags = [line.split("\t")[1] for line in out.getvalue().splitlines() if line]
    assert tags[3:] == ["B-ORG", "I-ORG", "I-ORG"]


def test_tidy_cuts_numbers_titles_and_place_heads() -> None:
    from worker.extract.ner.tagger import tidy

    keys = [[fold_token(w) for w in "حكم الإمبراطور تانغ 618 في بمدينة خانفو".split()]]
    tags = [["O", "B-PER", "I-PER", "I-PER", "O", "B-LOC", "I-LOC"]]
    tidy(keys, tags)
    assert tags == [["O", "O", "B-PER", "O", "O", "O", "B-LOC"]]


def test_tidy_cuts_words_before_a_person_name_but_keeps_names_with_al() -> None:
    from worker.extract.ner.tagger import tidy

    cases = [
        ("رئيس الوزراء الأسبق الصادق المهدي", ["O", "O", "B-PER", "I-PER", "I-PER"],
         ["O", "O", "O", "B-PER", "I-PER"]),
        ("وأشارت لاغارد إلى النمو", ["B-PER", "I-PER", "O", "O"], ["O", "B-PER", "O", "O"]),
        ("التقى الوليد بن طلال بالوفد", ["O", "B-PER", "I-PER", "I-PER", "O"],
         ["O", "B-PER", "I-PER", "I-PER", "O"]),
        ("وقال وليد جنبلاط", ["O", "B-PER", "I-PER"], ["O", "B-PER", "I-PER"]),
    ]
    for text, tags, want in cases:
        rows = [list(tags)]
        tidy([[fold_token(w) for w in text.split()]], rows)
        assert rows == [want], text


def test_propagate_labels_other_mentions_of_a_found_name() -> None:
    from worker.extract.ner.tagger import propagate

    sents = [[fold_token(w) for w in s.split()] for s in (
        "قالت الممثلة ميساء الخطيب إنها سعيدة",
        "وأضافت ميساء أن الفيلم جديد",
        "وصل الوفد إلى قوانغتشو",
        "وفي قوانغتشو مساجد قديمة",
    )]
    tags = [["O", "O", "B-PER", "I-PER", "O", "O"], ["O"] * 5, ["O", "O", "O", "B-LOC"], ["O"] * 4]
    propagate(sents, tags)
    assert tags[1][1] == "B-PER"
    assert tags[3][1] == "B-LOC"  # "وفي" is no name, "قوانغتشو" is
    assert tags[1][0] == tags[1][2] == "O"


def test_batched_weight_sums_equal_one_by_one_addition() -> None:
    """The decoder sums weight rows of many feature lists in one numpy reduction; the result must be
    bit-identical to adding the rows one at a time from zero (the float order decides ties)."""
    import random

    import numpy as np

    tagger = get_tagger()
    w = tagger._w
    attrs = list(w.index)
    rng = random.Random(7)
    for _ in range(50):
        lists = [rng.sample(attrs, rng.randint(0, 40)) + ["not-an-attribute"] * rng.randint(0, 1)
                 for _ in range(rng.randint(1, 9))]
        got = tagger._sums(lists)
        for feats, row in zip(lists, got, strict=True):
            ref = np.zeros(len(w.labels))
            for f in feats:
                if f in w.index:
                    ref += w.matrix[w.index[f]]
            assert row.tobytes() == ref.tobytes()


def test_spans_from_bio_edge_cases() -> None:
    assert spans_from_bio([]) == []
    assert spans_from_bio(["I-LOC", "I-LOC", "O"]) == [(0, 2, "LOC")]  # a stray I- starts a span
    assert spans_from_bio(["B-PER", "I-ORG"]) == [(0, 1, "PER"), (1, 2, "ORG")]
    assert spans_from_bio(["B-PER", "B-PER", "I-PER"]) == [(0, 1, "PER"), (1, 3, "PER")]


def test_tagging_does_not_depend_on_batching() -> None:
    """Sentences tagged together (one batched Viterbi over different lengths) get the same tags as
    sentences tagged one by one."""
    tagger = get_tagger()
    sents = [[fold_token(t) for t in s.split()] for s in (
        "قال الرئيس الأمريكي دونالد ترامب إن واشنطن ستنسحب من سوريا",
        "هاجم تنظيم داعش سجن الصناعة في الحسكة",
        "بغداد",
        "وصل وزير الخارجية الروسي سيرغي لافروف إلى أنقرة أمس للقاء نظيره التركي مولود جاويش أوغلو",
    )]
    together = tagger.tag_many(sents)
    assert together == [tagger.tag_many([s])[0] for s in sents]
    assert all(len(t) == len(s) for t, s in zip(together, sents, strict=True))
