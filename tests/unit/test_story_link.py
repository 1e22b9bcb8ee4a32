"""The cross-outlet link's parts: signatures, their packing, the shipped model, and the log copy's reading."""

from __future__ import annotations

import json
import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from worker.alerts.stories import StoryIndex, _Mirror
from worker.alerts.story_link import (
    FEATURES,
    LinkView,
    PackedView,
    features,
    load_model,
    view_of,
    view_to_json,
)
from worker.alerts.story_vectors import (
    EMPTY,
    Signature,
    cosine,
    from_json,
    pack,
    signature,
    top_terms,
    unpack,
)

FIRE = ("عشرات القتلى في حريق بمركز تجاري في سيبيريا",
        "قتل عشرات الأشخاص في حريق اندلع في مركز تجاري بمدينة كيميروفو في سيبيريا، وقالت السلطات الروسية إن بين "
        "الضحايا أطفالا كانوا في دار للسينما داخل المركز، وإن رجال الإطفاء أخمدوا النيران بعد ساعات.")
FIRE2 = ("53 قتيلاً بحريق في مركز تسوق بروسيا",
         "ارتفعت حصيلة ضحايا الحريق الذي شب في مركز للتسوق في مدينة كيميروفو الروسية إلى 53 قتيلا، بينهم أطفال "
         "علقوا في قاعة سينما، بحسب لجنة التحقيق الروسية.")
OIL = ("ارتفاع أسعار النفط بعد قرار أوبك", "ارتفعت أسعار النفط في الأسواق العالمية بعد اجتماع منظمة أوبك في فيينا.")


def test_signature_is_normalised_sorted_and_compares_by_shared_rare_words() -> None:
    a, b, c = signature(*FIRE), signature(*FIRE2), signature(*OIL)
    assert np.all(np.diff(a.terms.astype(np.int64)) > 0)
    assert abs(float(np.linalg.norm(a.weights)) - 1.0) < 1e-5
    assert abs(cosine(a, a) - 1.0) < 1e-5
    assert cosine(a, b) > 0.2 > cosine(a, c)
    assert signature("", "") == EMPTY and cosine(EMPTY, a) == 0.0


@given(st.lists(st.tuples(st.integers(0, 2**32 - 1), st.floats(0.01, 1.0)), max_size=40, unique_by=lambda t: t[0]))
def test_pack_unpack_round_trip(items: list[tuple[int, float]]) -> None:
    items.sort()
    sig = Signature(np.array([t for t, _ in items], dtype=np.uint32), np.array([w for _, w in items], dtype=np.float32))
    back = unpack(pack([sig, EMPTY, sig]))
    assert len(back) == 3 and len(back[1].terms) == 0
    assert back[0].terms.tolist() == sig.terms.tolist()
    assert np.allclose(back[2].weights, sig.weights, rtol=1e-3, atol=1e-4)  # float16


def test_malformed_signature_json_reads_as_empty() -> None:
    for bad in (None, "x", [[1, 2], [0.5]], [[-1], [0.5]], [[[1]], [[0.5]]], 7):
        assert len(from_json(bad).terms) == 0


def test_top_terms_are_the_heaviest_padded() -> None:
    sig = Signature(np.array([5, 9, 11], dtype=np.uint32), np.array([0.1, 0.9, 0.4], dtype=np.float32))
    assert top_terms(sig, 4).tolist() == [9, 11, 5, 0]


def test_shipped_model_reads_its_features() -> None:
    model = load_model()
    assert model is not None and len(model.weights) == len(FEATURES) and 0.5 <= model.threshold < 1.0


def _view(title: str, body: str, source: str, ts: float = 0.0) -> LinkView:
    return view_of({"title": title, "body": body, "source": source}, ts, frozenset(), frozenset())


def test_features_are_symmetric_and_time_capped() -> None:
    a, b = _view(*FIRE, "bbc"), _view(*FIRE2, "cnn", ts=10 * 86400)
    assert features(a, b) == features(b, a)
    assert abs(features(a, b)[FEATURES.index("log_hours")] - math.log1p(96)) < 1e-9  # capped at 96 h


def test_packed_view_round_trips_through_the_log_json() -> None:
    v = _view(*FIRE, "bbc", ts=123.0)
    packed = PackedView.from_json(json.loads(json.dumps(view_to_json(v))))
    back = packed.view(v.title_tokens, v.entity_tokens)
    assert back.source == "bbc" and back.ts == 123.0 and back.numbers == v.numbers
    assert abs(cosine(back.sig, v.sig) - 1.0) < 1e-3


def _entry(doc: dict, now: float) -> tuple[str, str]:
    return StoryIndex._decide(_Mirror(), doc, doc["id"], now, 48 * 3600, load_model())


def test_mirror_links_another_outlets_report_and_skips_unreadable_link_parts(caplog) -> None:  # noqa: ANN001
    model = load_model()
    assert model is not None
    m = _Mirror()
    doc = {"id": "a", "title": FIRE[0], "body": FIRE[1], "source": "bbc"}
    story, raw = _entry(doc, 1000.0)
    m.add("1-0", raw)
    fields = json.loads(raw)
    assert len(fields) == 8 and fields[7]["src"] == "bbc"
    # an entry of the format before the link (7 fields), and one whose link part is damaged: both readable
    m.add("2-0", json.dumps(fields[:7]))
    m.add("3-0", json.dumps(fields[:7] + [{"src": "cnn", "sigs": "??"}]))
    assert len(m.entries) == 3 and m.entries[1].link is None and m.entries[2].link is None
    assert "link part unreadable" in caplog.text
    same_outlet = _view(*FIRE, "bbc", ts=1000.0)
    assert m.best_link(same_outlet, model, since=0.0) is None  # one outlet's own articles: not this model's call
    other = view_of({"title": FIRE[0], "body": FIRE[1], "source": "cnn"}, 1000.0, frozenset(m.entries[0].toks),
                    frozenset(m.entries[0].ents[0]))
    assert m.best_link(other, model, since=0.0) == story
    assert m.best_link(other, model, since=2000.0) is None  # outside the window


def test_many_entries_sharing_a_common_word_do_not_hide_the_report_of_the_same_event() -> None:
    """Candidates are capped (``MAX_LINK_CANDIDATES``), the entries sharing most heavy terms first, and one
    outlet's own articles never take a candidate's place."""
    from worker.alerts.stories import MAX_LINK_CANDIDATES

    model = load_model()
    assert model is not None
    m = _Mirror()
    k = 0
    for source in ("bbc", "cnn"):  # the querying outlet's own copies, then other outlets' unrelated articles
        for i in range(MAX_LINK_CANDIDATES + 5):
            body = f"{FIRE[1]} " if source == "bbc" else ""
            doc = {"id": f"{source}{i}", "title": f"سيبيريا خبر رقم {i}", "source": source,
                   "body": body + f"سيبيريا. {OIL[1]} موضوع {i} عن الاقتصاد والأسواق والطاقة في سيبيريا."}
            k += 1
            m.add(f"{k}-0", _entry(doc, 1000.0)[1])
    same = {"id": "report", "title": FIRE[0], "body": FIRE[1] + " وأعلنت الحكومة الحداد.", "source": "skynews"}
    k += 1
    m.add(f"{k}-0", _entry(same, 1000.0)[1])
    query = view_of({"title": FIRE[0], "body": FIRE[1], "source": "bbc"}, 1000.0, frozenset(), frozenset())
    assert m.best_link(query, model, since=0.0) == "report"


def test_an_outlet_is_one_outlet_whatever_the_case_of_its_name() -> None:
    """QA: "skynews" and "SkyNews" (an archive's and a feed's spelling) counted as two outlets, so the model
    linked one outlet's own two articles."""
    model = load_model()
    assert model is not None
    m = _Mirror()
    m.add("1-0", _entry({"id": "a", "title": FIRE[0], "body": FIRE[1], "source": "SkyNews"}, 1000.0)[1])
    query = view_of({"title": FIRE[0], "body": FIRE[1], "source": " skynews "}, 1000.0, frozenset(), frozenset())
    assert query.source == "skynews" and m.best_link(query, model, since=0.0) is None


def test_the_story_window_must_be_at_least_an_hour() -> None:
    import pytest
    from pydantic import ValidationError

    from worker.settings import Settings

    for bad in (0, -5):
        with pytest.raises(ValidationError):
            Settings(alert_story_window_hours=bad)
