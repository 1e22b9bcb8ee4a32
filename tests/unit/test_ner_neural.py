"""The neural NER tagger: numpy inference agrees with the training framework, tags obvious names,
and never raises on odd input (it runs on every article)."""

from __future__ import annotations

import io

import numpy as np
import pytest

from worker.extract.ner.features import fold_token
from worker.extract.ner.neural import MODEL_PATH, NeuralTagger, get_neural_tagger
from worker.extract.ner.tagger import spans_from_bio
from worker.settings import get_settings

pytestmark = pytest.mark.skipif(not MODEL_PATH.exists(), reason="shipped neural model missing")

SENTS = [
    "قال الرئيس الفرنسي إيمانويل ماكرون في باريس إن الحكومة ستدعم المزارعين .",
    "وصل وزير الخارجية الأمريكي أنتوني بلينكن إلى القاهرة أمس للقاء الرئيس عبد الفتاح السيسي .",
    "أعلنت منظمة الصحة العالمية عن حالات جديدة في مدينة حلب شمال سوريا .",
    "زار الوفد مسجد الحسين ثم غادر إلى بيروت",
]


def keys(text: str) -> list[str]:
    return [fold_token(t) for t in text.split()]


def test_tags_obvious_person_and_place() -> None:
    tagger = get_neural_tagger()
    tags = tagger.tag_many([keys(SENTS[0]), keys(SENTS[1])])
    toks0, toks1 = SENTS[0].split(), SENTS[1].split()
    found0 = {(" ".join(toks0[i:j]), t) for i, j, t in spans_from_bio(tags[0])}
    found1 = {(" ".join(toks1[i:j]), t) for i, j, t in spans_from_bio(tags[1])}
    assert ("إيمانويل ماكرون", "PER") in found0
    assert ("باريس", "LOC") in found0
    assert ("القاهرة", "LOC") in found1


def test_batch_equals_one_by_one() -> None:
    """Padding and the per-type cache must not change any sentence's tags."""
    tagger = NeuralTagger()
    sents = [keys(s) for s in SENTS]
    together = tagger.tag_many(sents)
    alone = [NeuralTagger().tag_many([s])[0] for s in sents]
    assert together == alone


@pytest.mark.parametrize("sents", [
    [], [[]], [[], ["باريس"], []], [[""]], [["؟", "!", "…"]], [["x" * 300]], [["123", "2024", "ABC"]],
    [["بيروت"] * 400], [["\u200e", "\u0640\u0640", "😀"]],
])
@pytest.mark.parametrize("crf_weight", [0.0, 0.5])
def test_never_raises_on_odd_input(sents: list[list[str]], crf_weight: float) -> None:
    out = get_neural_tagger(None, crf_weight).tag_many(sents)
    assert [len(t) for t in out] == [len(s) for s in sents]
    assert all(t == "O" or t[:2] in ("B-", "I-") for row in out for t in row)


def test_crf_combination_tags_obvious_names() -> None:
    tagger = get_neural_tagger(None, 0.5)
    toks = SENTS[1].split()
    found = {(" ".join(toks[i:j]), t) for i, j, t in spans_from_bio(tagger.tag_many([keys(SENTS[1])])[0])}
    assert ("القاهرة", "LOC") in found
    assert ("عبد الفتاح السيسي", "PER") in found


@pytest.mark.parametrize("kind", ["hybrid", "crf"])
def test_cli_round_trip(kind: str) -> None:
    from worker.cli.ner import tag_conll

    inp = io.StringIO("\n".join(SENTS[0].split()) + "\n\n" + "\n".join(SENTS[2].split()) + "\n")
    out = io.StringIO()
    assert tag_conll(inp, out, tagger_kind=kind) == 2
    lines = out.getvalue().split("\n")
    assert lines[0] == SENTS[0].split()[0] + "\tO"
    assert sum(1 for ln in lines if ln) == len(SENTS[0].split()) + len(SENTS[2].split())


def test_unknown_tagger_name_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from worker.extract.ner import get_entity_tagger

    monkeypatch.setattr(get_settings(), "ner", "bert")
    with pytest.raises(ValueError, match="NEWSWORKER_NER"):
        get_entity_tagger()


# a document without any multi-word gazetteer phrase: the "no phrase" row of the phrase-mark weights
# must still be added to every token, as in training (inference once skipped it in such documents)
NO_PHRASE = ["زار الوفد مسجد الحسين ثم غادر إلى بيروت"]


@pytest.mark.parametrize("texts", [SENTS, NO_PHRASE], ids=["with-phrases", "no-phrase"])
def test_numpy_forward_matches_jax(texts: list[str]) -> None:
    """The numpy emissions equal the JAX training code's on the shipped weights."""
    pytest.importorskip("jax")
    from worker.extract.ner.neural.inputs import phrase_marks
    from worker.extract.ner.neural.model import load_arrays
    from worker.extract.ner.neural.train import make_fns, type_arrays

    arrays = load_arrays(MODEL_PATH)
    tagger = NeuralTagger()
    sents = sorted((keys(s) for s in texts), key=len, reverse=True)
    em_np, lens = tagger.emissions(sents)

    type_index: dict[str, int] = {}
    for s in sents:
        for k in s:
            type_index.setdefault(k, len(type_index))
    tarr = type_arrays(type_index, tagger.word_id, tagger.char_id)
    b, t = len(sents), max(lens)
    ty = np.zeros((b, t), np.int32)
    mk = np.zeros((b, t), np.int32)
    for r, s in enumerate(sents):
        ty[r, :len(s)] = [type_index[k] for k in s]
        mk[r, :len(s)] = phrase_marks(tagger.featurizer, s)
    hidden = arrays["w_hh"].shape[1]
    params = {k: v for k, v in arrays.items() if k not in ("vocab", "emb_q", "emb_s", "chars", "labels")}
    vectors = tagger._vectors(np.arange(tagger.emb_q.shape[0]))
    _, emissions = make_fns(vectors, tarr, hidden, 0.0, 0.0, 0.0)
    em_jax = np.asarray(emissions(params, ty, mk, np.array(lens, np.int32)))
    for r, n in enumerate(lens):
        np.testing.assert_allclose(em_np[r, :n], em_jax[r, :n], rtol=1e-3, atol=1e-3)


def test_entity_stage_runs_on_the_hybrid_tagger(monkeypatch: pytest.MonkeyPatch) -> None:
    from worker.extract.entities import extract_entities

    monkeypatch.setattr(get_settings(), "ner", "hybrid")
    body = "قال المتحدث باسم وزارة الداخلية العراقية سعد معن إن قوات الأمن اعتقلت خمسة مسلحين في مدينة الموصل."
    ents = extract_entities("", body)
    for e in ents:
        assert body[e.start:e.end] == e.text
    found = {(e.text, e.type) for e in ents}
    assert ("الموصل", "LOC") in found
    assert any(t == "PER" and "سعد معن" in x for x, t in found)
