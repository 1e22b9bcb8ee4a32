"""Entity annotations as NER training sentences (mention projection with clitics), the entity scoring of
``score_extraction.py``, and a tiny train -> entity stage -> score round trip."""

from __future__ import annotations

from pathlib import Path

from worker.extract.ner.extra import article_sentences, first_token_matches
from worker.extract.ner.tagger import weights_path
from worker.extract.normalize import fold
from worker.training.dataset import Article
from worker.training.entities import entity_sets, predict_entities, score_entities, train_crf, variants


def test_first_token_may_carry_proclitics() -> None:
    f = fold
    assert first_token_matches(f("وواشنطن"), f("واشنطن"))
    assert first_token_matches(f("بدمشق"), f("دمشق"))
    assert first_token_matches(f("وبالحسكة"), f("الحسكة"))
    assert first_token_matches(f("للأمم"), f("الأمم"))  # لل + X for ال + X, same length
    assert first_token_matches(f("وللأمم"), f("الأمم"))
    assert not first_token_matches(f("مدمشق"), f("دمشق"))
    assert not first_token_matches(f("دمشق"), f("الدمشق"))


def test_mentions_projected_onto_run_time_tokens() -> None:
    ents = [{"type": "ORG", "canonical": "الأمم المتحدة", "mentions": ["الأمم المتحدة"]},
            {"type": "LOC", "canonical": "واشنطن", "mentions": ["واشنطن"]},
            {"type": "PER", "canonical": "دونالد ترامب", "mentions": ["دونالد ترامب", "ترامب"]},
            {"type": "LOC", "canonical": "المتحدة", "mentions": ["المتحدة"]}]  # inside a longer form: not tagged
    sents = article_sentences("ترامب يزور واشنطن", "قال دونالد ترامب للأمم المتحدة. وأضاف ترامب في واشنطن.",
                              ents)
    assert sents == [
        [("ترامب", "B-PER"), ("يزور", "O"), ("واشنطن", "B-LOC")],
        [("قال", "O"), ("دونالد", "B-PER"), ("ترامب", "I-PER"), ("للأمم", "B-ORG"), ("المتحدة", "I-ORG"),
         (".", "O")],
        [("وأضاف", "O"), ("ترامب", "B-PER"), ("في", "O"), ("واشنطن", "B-LOC"), (".", "O")],
    ]


def test_scoring_as_score_extraction() -> None:
    gold = [[("LOC", {"دمشق"}), ("PER", {"بشار الاسد", "الاسد"}), ("ORG", {"الامم المتحده"})]]
    pred = [[("LOC", "بدمشق"), ("PER", "الأسد"), ("LOC", "الأمم المتحدة"), ("PER", "فلان")]]
    s = score_entities(pred, gold)
    assert (s["n_pred"], s["n_gold"]) == (4, 3)
    assert abs(s["p"] - 2 / 4) < 1e-9 and abs(s["r"] - 2 / 3) < 1e-9
    assert score_entities(pred, gold, typed=False)["r"] == 1.0
    assert "الامم" in variants("للأمم")


def test_tiny_train_and_score_round_trip(tmp_path: Path) -> None:
    art = Article(id="a1", title="", body="زار سامر خليل مدينة حمص أمس.", published="", has=frozenset({"entities"}),
                  entities=({"type": "PER", "canonical": "سامر خليل", "mentions": ["سامر خليل"]},
                            {"type": "LOC", "canonical": "حمص", "mentions": ["حمص"]}))
    sents = article_sentences(art.title, art.body, art.entities)
    assert ("سامر", "B-PER") in sents[0] and ("حمص", "B-LOC") in sents[0]
    model = tmp_path / "tiny.crfsuite"
    train_crf(sents * 5, model, train=sents, iterations=30)
    assert model.exists() and weights_path(model).exists()
    preds = predict_entities([art], model)
    s = score_entities(preds, [entity_sets(art)])
    assert s["r"] == 1.0 and s["p"] == 1.0, (preds, s)


def test_administrative_unit_words_are_not_part_of_a_place() -> None:
    from worker.extract.entities import extract_entities

    got = {(e.type, e.text) for e in extract_entities("", "قصفت الطائرات محافظة إدلب ومحافظة البصرة وحي غويران.")}
    assert ("LOC", "إدلب") in got and ("LOC", "البصرة") in got
    assert not any(t.startswith(("محافظة", "ومحافظة")) for _, t in got)


def test_country_bodies_and_militia_descriptors() -> None:
    from worker.extract.entities import extract_entities

    got = {(e.type, e.text) for e in extract_entities("", "وقال مسؤولون إن النظام السوري وميليشيا بدر رفضا العرض.")}
    assert ("ORG", "النظام السوري") in got
    assert ("ORG", "بدر") in got and not any("ميليشيا" in t for _, t in got)


def test_fold_neural_models_start_from_the_newsfane_only_model() -> None:
    """Every CV fold fine-tunes the NewsFANE-only model, never the shipped one (which saw all 300
    articles), and the inner dev split is a disjoint part of the training articles."""
    from worker.extract.ner.neural import MODEL_PATH
    from worker.training.entities import NEURAL_BASE, _inner_dev

    assert NEURAL_BASE.exists() and NEURAL_BASE.resolve() != MODEL_PATH.resolve()
    arts = [Article(id=f"a{i}", title="", body="", published="") for i in range(200)]
    fit, dev = _inner_dev(arts)
    assert dev and fit and {a.id for a in fit}.isdisjoint(a.id for a in dev) and len(fit) + len(dev) == 200


def _corpus(path: Path, rows: list[dict]) -> Path:
    import gzip
    import json

    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    return path


def test_silver_draw_keeps_unlabelled_world_news_only(tmp_path: Path) -> None:
    from worker.extract.ner.silver import draw

    def row(i: int, category: str = "middleEast", text: str = "نص الخبر.") -> dict:
        return {"docno": f"d{i}", "url": f"http://x/{i}", "category": category, "title": f"عنوان {i}", "text": text}

    rows = [row(i) for i in range(6)] + [row(6, "sport"), row(7, text=""), row(8, text="ا" * 4000)]
    corpus = _corpus(tmp_path / "c.jsonl.gz", rows)
    got = draw(10, {"d1"}, corpus=corpus)
    # annotated ids, other categories, empty and over-long bodies left out
    assert sorted(d["id"] for d in got) == ["d0", "d2", "d3", "d4", "d5"]
    assert got == draw(10, {"d1"}, corpus=corpus)  # a fixed order: the same CRF from the same inputs
    assert [d["id"] for d in draw(2, {"d1"}, corpus=corpus)] == [d["id"] for d in got[:2]]
    assert got[0].keys() == {"id", "title", "body"}


def test_silver_sentences_are_what_the_entity_stage_finds() -> None:
    from worker.extract.entities import extract_entities
    from worker.extract.ner import get_entity_tagger, use_tagger
    from worker.extract.ner.silver import silver_sentences

    art = {"title": "ترامب يزور واشنطن", "body": "قال الرئيس الأميركي دونالد ترامب في واشنطن إن الأمم المتحدة ستجتمع."}
    tagger = get_entity_tagger("crf")
    sents = silver_sentences([art], tagger)
    with use_tagger(tagger):
        found = {(e.type, e.text) for e in extract_entities(art["title"], art["body"])}
    assert found  # the shipped CRF finds names here
    tagged = {(g[2:], t) for s in sents for t, g in s if g.startswith("B-")}
    # every name found is projected onto its tokens (first token of each mention, as gold mentions are)
    assert {(typ, text.split()[0]) for typ, text in found} <= tagged
    assert [t for s in sents for t, _ in s][:3] == ["ترامب", "يزور", "واشنطن"]


def test_self_training_adds_the_silver_articles_the_first_model_tags(tmp_path: Path, monkeypatch) -> None:
    from worker.extract.ner import silver, train

    art = {"title": "", "body": "زار سامر خليل مدينة حمص أمس."}
    sents = article_sentences(art["title"], art["body"], ({"type": "PER", "mentions": ["سامر خليل"]},
                                                          {"type": "LOC", "mentions": ["حمص"]}))
    drawn: list[tuple[int, set[str]]] = []

    def draw(n: int, exclude_ids: set[str]) -> list[dict]:
        drawn.append((n, exclude_ids))
        return [{"id": "u1", "title": "", "body": "وصل سامر خليل إلى حمص."}]

    trained: list[int] = []
    real_train = train.train_model

    def train_model(tr, extra, out, **kw):  # noqa: ANN001, ANN003, ANN202
        trained.append(len(extra or ()))
        return real_train(tr, extra, out, verbose=False, **{**kw, "iterations": 30})

    monkeypatch.setattr(silver, "draw", draw)
    monkeypatch.setattr(train, "train_model", train_model)
    out = train.self_train(sents * 5, sents, tmp_path / "m.crfsuite", 1, exclude_ids={"a1"})
    assert out.exists() and weights_path(out).exists()
    assert drawn == [(1, {"a1"})]  # the annotated ids are never drawn
    assert trained == [1, 2]  # first the gold article, then it and the one silver article


def test_train_entities_stage_writes_the_crf_where_asked(tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from worker.cli.main import app
    from worker.extract.ner import train

    def fake(out: Path) -> Path:
        out.write_bytes(b"crf")
        return out

    monkeypatch.setattr(train, "train_shipped", fake)
    r = CliRunner().invoke(app, ["train", "entities", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "model.crfsuite").read_bytes() == b"crf"


def test_train_shipped_says_what_shared_data_is_missing(tmp_path: Path, monkeypatch) -> None:
    import pytest

    from worker.extract.ner import train

    monkeypatch.setattr(train, "DATA", tmp_path)
    with pytest.raises(FileNotFoundError, match="newsfane-train.conll is missing"):
        train.train_shipped(tmp_path / "m.crfsuite")
    from typer.testing import CliRunner

    from worker.cli.main import app

    r = CliRunner().invoke(app, ["train", "entities", "--out", str(tmp_path)])
    assert r.exit_code == 1 and "newsfane-train.conll is missing" in r.output  # a line, not a traceback
    assert not (tmp_path / "model.crfsuite").exists()
