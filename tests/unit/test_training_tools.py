"""Cross-validation folds, metrics with bootstrap intervals, and the annotation agreement measures."""

import importlib.util
import pathlib

from worker.training.folds import fold_of, kfold
from worker.training.metrics import bootstrap, prf

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_folds_split_whole_articles_deterministically():
    ids = [f"doc{i}" for i in range(200)]
    splits = kfold(ids, 5, key=lambda x: x)
    seen = [x for _, test in splits for x in test]
    assert sorted(seen) == sorted(ids)  # every article is tested exactly once
    for train, test in splits:
        assert not set(train) & set(test)
    assert fold_of("doc7", 5) == fold_of("doc7", 5)
    # adding articles never moves the others
    assert [fold_of(i, 5) for i in ids] == [fold_of(i, 5) for i in ids + ["new"]][:200]


def test_prf_and_bootstrap():
    pred = [{"a", "b"}, {"c"}, set()]
    gold = [{"a"}, {"c", "d"}, {"e"}]
    s = prf(pred, gold)
    assert (s.tp, s.n_pred, s.n_gold) == (2, 3, 4)
    assert abs(s.f - 4 / 7) < 1e-9
    ci = bootstrap(pred, gold, n=200)
    assert 0.0 <= ci["f"][0] <= s.f <= ci["f"][1] <= 1.0


def _agreement():
    spec = importlib.util.spec_from_file_location("agreement", ROOT / "scripts" / "annotate" / "agreement.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cohens_kappa():
    ag = _agreement()
    assert ag.kappa([(True, True), (False, False)] * 5) == 1.0
    assert abs(ag.kappa([(True, False), (False, True)] * 5) + 1.0) < 1e-9
    # chance-level agreement gives 0
    assert abs(ag.kappa([(True, True), (True, False), (False, True), (False, False)])) < 1e-9


def test_the_annotated_set_loads_with_its_layers():
    from worker.training.dataset import load

    events = load("events")
    assert len(events) >= 1200
    assert len(load("casualties")) >= 500 and len(load("dates")) >= 500
    assert len(load("entities")) >= 300 and len(load("quotes")) >= 150
    assert all(a.body or a.title for a in events)


def test_rulings_on_the_shared_set_are_applied_at_load(tmp_path):
    import json

    from worker.training.dataset import load

    art = {"id": "x1", "title": "t", "body": "b", "published": "2018-01-01",
           "events": [{"type": "armed_attack", "evidence": "e"}, {"type": "prison_attack", "evidence": "f"}],
           "casualties": [{"kind": "escaped", "count": 100, "text": "c"}]}
    (tmp_path / "train-events.jsonl").write_text(json.dumps(art) + "\n", encoding="utf-8")
    (tmp_path / "passes").mkdir()
    ruling = {"id": "x1", "events": [{"type": "armed_attack", "evidence": "e"}], "why": "smugglers' camp"}
    (tmp_path / "passes" / "adjudication.jsonl").write_text(json.dumps(ruling) + "\n", encoding="utf-8")
    (a,) = load("events", root=tmp_path)
    assert a.event_types == {"armed_attack"}
    assert a.casualty_set == {("escaped", 100)}  # a layer the ruling does not name stays as given


def test_copies_of_one_story_share_a_fold(tmp_path):
    import json

    from worker.training.dataset import load

    wire = "قتل ثلاثة أشخاص في انفجار سيارة مفخخة وسط المدينة، بحسب مصادر أمنية. " * 8
    rows = [{"id": "b-copy", "title": "انفجار", "body": wire + "تفاصيل لاحقة.", "has": ["events"], "events": []},
            {"id": "a-orig", "title": "عنوان آخر", "body": "«" + wire + "»", "has": ["events"], "events": []},
            {"id": "c-alone", "title": "t", "body": "خبر آخر تماما.", "has": ["events"], "events": []},
            {"id": "d-short", "title": "t2", "body": "خبر آخر تماما.", "has": ["events"], "events": []}]
    (tmp_path / "articles.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    arts = {a.id: a for a in load("events", root=tmp_path)}
    # punctuation and a changed last paragraph do not hide a copy; the group takes its smallest id
    assert arts["b-copy"].fold_key == arts["a-orig"].fold_key == "a-orig"
    # two short bodies alike are not one story (title-only items, one-line briefs)
    assert (arts["c-alone"].fold_key, arts["d-short"].fold_key) == ("c-alone", "d-short")
    for _train, test in kfold(list(arts.values()), 5, key=lambda a: a.fold_key):
        assert {a.id for a in test} >= {"a-orig", "b-copy"} or not {a.id for a in test} & {"a-orig", "b-copy"}


def test_held_out_checks_score_the_shipped_chain_per_annotated_layer(tmp_path):
    import json

    from worker.training.report import held_out_checks

    body = "قتل ثلاثة جنود في هجوم مسلح على نقطة تفتيش شمال البلاد، الاثنين."
    rows = [{"id": "h1", "title": "هجوم مسلح", "body": body, "published": "2018-03-05T10:00:00+00:00",
             "has": ["events", "casualties"], "events": [{"type": "armed_attack", "evidence": body}],
             "casualties": [{"kind": "killed", "count": 3, "text": "قتل ثلاثة جنود"}]},
            {"id": "h2", "title": "افتتاح معرض", "body": "افتتح الوزير معرض الكتاب.", "published": "",
             "has": ["events"], "events": []}]
    (tmp_path / "mycheck").mkdir()
    (tmp_path / "mycheck" / "articles.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    lines = held_out_checks(["mycheck", "absent"], root=tmp_path)
    stages = {ln.split("|")[2].strip(): ln for ln in lines if ln.startswith("| mycheck |")}
    assert set(stages) == {"events", "casualties"}  # no dates annotated, no prison attack gold or fired
    assert "|     2 |" in stages["events"] and "|     1 |" in stages["casualties"]


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "annotate" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_events_review_adds_types_and_never_removes(tmp_path, monkeypatch):
    """The session-9 review: windows show only sentences with a trigger of a missing type; adjudication wins
    over the passes; merge.py adds the reviewed types to the merged events and keeps the others."""
    import gzip
    import json
    import sys

    review, merge = _script("review_events"), _script("merge")
    body = "قال الوزير إن الاجتماع انتهى.\nواعتقلت الشرطة الشهر الماضي ثلاثة ناشطين.\nوتظاهر المئات أمس."
    src = {"id": "a1", "category": "middleEast", "published": "Mon, 02 Apr 2018 10:00:00 GMT",
           "title": "اجتماع جديد", "body": body}
    labelled = {"id": "a1", "events": [{"type": "protest", "evidence": "وتظاهر المئات أمس."}]}
    (tmp_path / "batches").mkdir()
    (tmp_path / "passes").mkdir()
    (tmp_path / "batches" / "ev1.src.jsonl").write_text(json.dumps(src, ensure_ascii=False) + "\n")
    (tmp_path / "passes" / "ev1.a.jsonl").write_text(json.dumps(labelled, ensure_ascii=False) + "\n")
    for h in ("wild-check", "prison-check"):
        (tmp_path / h).mkdir()
        (tmp_path / h / "articles.jsonl").write_text("")
    monkeypatch.setattr(sys, "argv", ["merge.py", "--data", str(tmp_path)])
    merge.main()
    review.windows(tmp_path, batches=1)
    with gzip.open(tmp_path / "review" / "rr1.jsonl.gz", "rt", encoding="utf-8") as f:
        (item,) = [json.loads(line) for line in f]
    assert item["labelled"] == ["protest"] and "protest" not in item["candidate_types"]
    assert [s["n"] for s in item["sentences"]] == [2] and item["sentences"][0]["types"] == ["arrest"]
    passes = tmp_path / "review" / "passes"
    (passes / "rr1.a.jsonl").write_text(json.dumps({"id": "a1", "add": []}) + "\n")
    (passes / "rr1.b.jsonl").write_text(json.dumps({"id": "a1", "add": [{"type": "arrest", "n": 2}]}) + "\n")
    (tmp_path / "review" / "adjudication.jsonl").write_text(
        json.dumps({"id": "a1", "add": [{"type": "arrest", "n": 2}, {"type": "protest", "n": 3}]}) + "\n")
    review.final(tmp_path)
    merge.main()
    (merged,) = [json.loads(line) for line in (tmp_path / "articles.jsonl").open(encoding="utf-8")]
    assert [(e["type"], e["evidence"]) for e in merged["events"]] == [
        ("protest", "وتظاهر المئات أمس."), ("arrest", "واعتقلت الشرطة الشهر الماضي ثلاثة ناشطين.")]


def test_the_quote_test_batches_are_disjoint_from_the_articles_the_rules_were_read_against():
    from worker.training.dataset import load
    from worker.training.quotes import held_out_ids

    test = held_out_ids()
    quoted = load("quotes")
    assert len(test) == 150 and test <= {a.id for a in quoted}
    import json

    from worker.training.dataset import data_dir

    # qt1-qt3, qt4-qt6 and qt7-qt9 were each held out first and read after their figure was taken
    read_batches = ("en1", "en2", "qt1", "qt2", "qt3", "qt4", "qt5", "qt6", "qt7", "qt8", "qt9")
    read = {d["id"] for b in read_batches for line in (data_dir() / "batches" / f"{b}.src.jsonl").open(encoding="utf-8")
            if (d := json.loads(line))["quotes"]}
    assert {a.id for a in quoted if a.id not in test} == read and not (test & read)


def test_a_layer_only_draw_is_seeded_disjoint_and_marks_its_double_pass(tmp_path):
    import json

    spec = importlib.util.spec_from_file_location("batch_draw", ROOT / "scripts" / "annotate" / "batch_draw.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    write_batches = mod.write_batches

    pool = [{"id": f"a{i}", "category": "middleEast", "published": "", "title": "t", "body": "b", "truncated": False}
            for i in range(10)]
    assert write_batches(tmp_path, ["x1", "x2"], 4, 1, list(pool), 7, {"dates_only": True}) == 0
    lines = [[json.loads(s) for s in (tmp_path / f"{n}.src.jsonl").read_text().splitlines()] for n in ("x1", "x2")]
    ids = [d["id"] for batch in lines for d in batch]
    assert len(ids) == len(set(ids)) == 8
    assert [d["double"] for d in lines[0]] == [True, False, False, False] and all(d["dates_only"] for d in lines[1])
    again = tmp_path / "again"
    again.mkdir()
    write_batches(again, ["x1", "x2"], 4, 1, list(pool), 7, {"dates_only": True})
    assert (again / "x1.src.jsonl").read_text() == (tmp_path / "x1.src.jsonl").read_text()  # seeded
    assert write_batches(tmp_path, ["x1", "x2", "x3"], 4, 1, list(pool), 7, {}) == 1  # too few to draw


def test_weekday_mentions_are_labelled_by_the_reading_the_gold_holds():
    from worker.training.dataset import Article
    from worker.training.weekdays import fit, mentions

    pub = "Mon, 18 Jun 2018 10:00:00 GMT"  # a Monday
    last = Article(id="a", title="", body="وقال الوزير الأحد إن الوضع هادئ.", published=pub,
                   dates=(("الأحد", "2018-06-17"),))
    nxt = Article(id="b", title="", body="ويلتقي الوزيران في جنيف الثلاثاء.", published=pub,
                  dates=(("الثلاثاء", "2018-06-19"),))
    neither = Article(id="c", title="", body="وقال الوزير الأحد إن الوضع هادئ.", published=pub, dates=())
    (f_last, y_last, _, _), = mentions(last)
    (f_next, y_next, _, _), = mentions(nxt)
    assert (y_last, y_next) == (0, 1) and "back:1" in f_last and "back:6" in f_next
    assert mentions(neither) == []  # the gold holds neither reading: nothing to learn from
    weights, bias = fit([*mentions(last), *mentions(nxt)] * 3)
    assert weights["back:6"] > weights["back:1"]


def test_the_date_test_batches_are_kept_out_of_the_weekday_model():
    from worker.training.dataset import batch_ids
    from worker.training.report import DATE_HELD_OUT
    from worker.training.weekdays import HELD_OUT

    assert HELD_OUT == DATE_HELD_OUT and len(batch_ids(HELD_OUT)) == 600


def test_every_casualty_article_has_the_event_models_out_of_fold_types(tmp_path):
    from worker.document import EVENT_TYPES
    from worker.training import event_folds
    from worker.training.dataset import load

    folds = event_folds.read()
    assert {a.id for a in load("casualties")} <= set(folds)  # the casualty training reads them for every article
    assert set().union(*folds.values()) <= set(EVENT_TYPES)
    event_folds.write(tmp_path / event_folds.FILE, {"b": ["protest"], "a": []})
    assert event_folds.read(tmp_path) == {"a": frozenset(), "b": frozenset({"protest"})}


def test_out_of_fold_event_types_are_the_same_in_forked_processes():
    import subprocess
    import sys

    # in a fresh interpreter: this test process may hold threads (JAX, imported by other tests), and forking a
    # threaded process can deadlock; `newsworker train event-folds` forks from a process without them
    script = (
        "from worker.training import event_folds\n"
        "from worker.training.dataset import load\n"
        "arts = load('events')[:150]\n"
        "alone = event_folds.out_of_fold_types(arts, jobs=1)\n"
        "assert set(alone) == {a.id for a in arts}, 'every article once'\n"
        "assert event_folds.out_of_fold_types(arts, jobs=2) == alone, 'forked folds differ'\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
