"""The whole chain: extract_one / extract_many, the CLI, and offset/robustness properties."""

import json
import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from worker.document import EVENT_TYPES, ArticleIn, EnrichedDocument
from worker.extract.pipeline import extract_many, extract_one

TITLE = '"قسد" تعلن هزيمة "داعش" في سجن الصناعة وتستمر بملاحقة عناصره'
BODY = (
    "أعلنت قوات سورية الديمقراطية، الإثنين، أنها سيطرت على سجن الصناعة في الحسكة وأحبطت الهجوم عليه، "
    "مؤكدة استمرار عملية التمشيط في مدينة الحسكة بحثا عن فارين، وأن عدد القتلى من عناصر التنظيم بلغ 374 عنصرا.\n"
    "وقال المتحدث باسم القوات إن \"الهجوم أظهر ضرورة الوصول لحل جذري\".\n"
    "ويوم الخميس، 20 يناير/كانون الثاني، هاجمت خلايا التنظيم بسيارة مفخخة حاجزا أمنيا على بوابة سجن الصناعة "
    "تزامنا مع استعصاء داخل السجن، وفرض حظر جزئي ابتداء من يوم غد الثلاثاء."
)
ARTICLE = {"id": "a1", "url": "https://example.org/a1", "title": TITLE, "body": BODY,
           "published": "Mon, 31 Jan 2022 21:30:00 GMT"}


def _check_offsets(doc: EnrichedDocument) -> None:
    for item in [*doc.entities, *doc.dates]:
        source = doc.title if item.field == "title" else doc.body
        assert source[item.start : item.end] == item.text


def test_the_chain_gives_the_casualty_stage_its_own_event_types():
    from worker.extract.casualty_model import score_casualties
    from worker.extract.dates import parse_published

    doc = extract_one(ARTICLE)
    # called alone, the casualty stage runs the event stage itself: the same types, so the same counts
    alone = score_casualties(TITLE, BODY, published=parse_published(ARTICLE["published"]))
    assert [(c.kind, c.count) for c in doc.casualties] == [(c.kind, c.count) for c in alone]


def test_extract_one_fills_every_stage():
    doc = extract_one(ARTICLE)
    assert doc.id == "a1" and doc.published is not None
    assert {d.date for d in doc.dates} >= {"2022-01-31", "2022-01-20", "2022-02-01"}
    assert ("killed", 374) in {(c.kind, c.count) for c in doc.casualties}
    # "فرض حظر جزئي" (a partial ban, no "تجوال") was found only by the curfew rule + gate; since issue 18
    # the document stage decides the learned types and gated rule hits are not added to them (measured
    # worse on the training folds at every gate threshold), so this phrasing is no longer a curfew
    assert {"prison_attack", "bombing", "security_sweep"} <= {e.type for e in doc.events}
    assert all(e.type in EVENT_TYPES for e in doc.events)
    assert any(q.text.startswith("الهجوم أظهر") for q in doc.quotes)
    assert doc.keywords and doc.fingerprint and len(doc.fingerprint) == 16
    _check_offsets(doc)


def test_extract_many_accepts_models_and_dicts_and_keeps_order():
    docs = extract_many([ArticleIn(**ARTICLE), {**ARTICLE, "id": "a2"}, {"title": "", "body": ""}])
    assert [d.id for d in docs[:2]] == ["a1", "a2"]
    assert docs[0].model_dump(exclude={"id"}) == docs[1].model_dump(exclude={"id"})
    assert docs[2].dates == [] and docs[2].events == []


def test_corpus_shaped_input_uses_text_and_time():
    doc = extract_one({"docno": "x", "title": TITLE, "text": BODY, "time": ARTICLE["published"]})
    assert doc.body == BODY and doc.published is not None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=st.text(max_size=80),
    body=st.text(alphabet=st.sampled_from(list("قتلمسحنواأإآةىيء٣٧٤0123456789 .،\n«»\"/-")) | st.characters(), max_size=400),
    published=st.one_of(st.none(), st.text(max_size=30), st.just("2018-02-18T21:35:43+04:00")),
)
def test_chain_never_raises_and_offsets_point_at_text(title, body, published):
    (doc,) = extract_many([{"title": title, "body": body, "published": published}])
    _check_offsets(doc)
    for c in doc.casualties:
        assert c.text in title or c.text in body


def test_cli_jsonl_contract():
    from worker.cli.main import app

    lines = "\n".join(json.dumps(a, ensure_ascii=False) for a in (ARTICLE, {**ARTICLE, "id": "a2", "body": ""}))
    res = CliRunner().invoke(app, ["extract", "--jsonl", "-"], input=lines + "\n")
    assert res.exit_code == 0, res.output
    out = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    assert [o["id"] for o in out] == ["a1", "a2"]
    for key in ("entities", "dates", "casualties", "events", "quotes", "keywords", "fingerprint"):
        assert key in out[0]
    assert {"kind": "killed", "count": 374}.items() <= out[0]["casualties"][0].items()


def test_cli_plain_text_and_html(tmp_path):
    from worker.cli.main import app

    f = tmp_path / "a.txt"
    f.write_text(f"{TITLE}\n{BODY}", encoding="utf-8")
    res = CliRunner().invoke(app, ["extract", str(f)])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["title"] == TITLE and doc["events"]
    page = tmp_path / "a.html"
    paras = "".join(f"<p>{p}</p>" for p in BODY.split("\n"))
    page.write_text(f"<html><head><title>{TITLE}</title></head><body><article><h1>{TITLE}</h1>{paras}</article></body></html>",
                    encoding="utf-8")
    res = CliRunner().invoke(app, ["extract", "--html", str(page)])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert "374" in doc["body"] and any(c["count"] == 374 for c in doc["casualties"])


def test_cli_starts_fast_without_loading_the_chain():
    code = "import sys, worker.cli.main; sys.exit('worker.extract.pipeline' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
