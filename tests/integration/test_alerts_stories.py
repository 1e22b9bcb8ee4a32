"""Story grouping on the real Redis: SimHash LSH, title LSH, time window, idempotency."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.integration.alert_context import alerts_ctx  # noqa: F401
from worker.alerts.stories import assign_story
from worker.extract.fingerprint import hamming, simhash

pytestmark = pytest.mark.integration

# A real wire story (ANT corpus, 2018) as two outlets carried it: same body, different headline and dateline.
BODY = (
    "أعلنت السلطات الكوبية أن أكثر من 100 شخص لقوا حتفهم في تحطم طائرة ركاب من طراز بوينغ 737 بعد وقت قصير "
    "من إقلاعها من مطار خوسيه مارتي الدولي في العاصمة هافانا. وقال الرئيس الكوبي ميغيل دياز كانيل إن عدد "
    "الضحايا مرتفع، مضيفا أن ثلاثة ناجين نقلوا إلى المستشفى في حالة حرجة. وكانت الطائرة متجهة إلى مدينة "
    "هولغوين شرقي البلاد وعلى متنها 104 ركاب وطاقم من ستة أفراد، وفق وسائل إعلام رسمية. وأعلنت الحكومة "
    "الحداد الوطني يومين، فيما بدأ المحققون جمع الأدلة من موقع الحادث قرب المطار. وذكرت شركة الطيران "
    "المكسيكية المالكة للطائرة أن الطائرة كانت مستأجرة من قبل الخطوط الجوية الكوبية، وأنها خضعت لفحص فني "
    "شامل في نوفمبر الماضي. وقالت وزارة الخارجية المكسيكية إنها تتابع الحادث عن كثب وإن ستة من أفراد الطاقم "
    "يحملون الجنسية المكسيكية. وتعد هذه الكارثة الأسوأ في تاريخ الطيران الكوبي منذ عام 1989، عندما تحطمت "
    "طائرة روسية الصنع قرب هافانا وقتل جميع من كانوا على متنها إضافة إلى عدد من سكان المنطقة. وتوجه الرئيس "
    "الكوبي إلى موقع الحادث بعد ساعات من وقوعه، وقال للصحفيين إن لجنة تحقيق شكلت لتحديد أسباب التحطم."
)


def doc(doc_id: str, title: str, body: str, source: str) -> dict:
    return {"id": doc_id, "title": title, "body": body, "source": source,
            "fingerprint": simhash(f"{title}\n{body}")}


def test_fingerprint_copy_joins_story_even_with_a_new_title(alerts_ctx) -> None:  # noqa: F811
    a = doc("a", '"أكثر من 100 قتيل" في حادث تحطم طائرة ركاب في كوبا', BODY, "bbc")
    b = doc("b", "كارثة جوية في هافانا", "هافانا (أ ف ب) - " + BODY, "skynews")
    assert hamming(a["fingerprint"], b["fingerprint"]) <= 10
    assert assign_story(a, alerts_ctx) == "a"
    assert assign_story(b, alerts_ctx) == "a"
    # a third copy links to the same story through either earlier member
    c = doc("c", "تحطم طائرة في كوبا", BODY + " (رويترز)", "cnn")
    assert assign_story(c, alerts_ctx) == "a"


def test_title_copy_with_a_rewritten_body_joins_story(alerts_ctx) -> None:  # noqa: F811
    a = doc("a", '"أكثر من 100 قتيل" في حادث تحطم طائرة ركاب في كوبا', BODY, "bbc")
    short = doc("s", "أكثر من 100 قتيل في تحطم طائرة ركاب في كوبا",
                "قتل أكثر من مئة شخص عندما تحطمت طائرة تابعة للخطوط الكوبية قرب مطار هافانا، بحسب التلفزيون الرسمي.",
                "skynews")
    assert hamming(a["fingerprint"], short["fingerprint"]) > 10  # the body alone would not link them
    assert assign_story(a, alerts_ctx) == "a"
    assert assign_story(short, alerts_ctx) == "a"


def test_unrelated_and_generic_titles_stay_apart(alerts_ctx) -> None:  # noqa: F811
    a = doc("a", '"أكثر من 100 قتيل" في حادث تحطم طائرة ركاب في كوبا', BODY, "bbc")
    assert assign_story(a, alerts_ctx) == "a"
    other = doc("o", "ارتفاع أسعار النفط بعد قرار أوبك", "ارتفعت أسعار النفط في الأسواق العالمية اليوم.", "cnn")
    assert assign_story(other, alerts_ctx) == "o"
    # a short generic title (< 4 content tokens) is not enough to link
    g1 = doc("g1", "انفجار في بغداد", "وقع انفجار في حي الكرادة وسط بغداد مساء اليوم.", "bbc")
    g2 = doc("g2", "انفجار في بغداد", "استهدفت سيارة مفخخة سوقا شعبيا في مدينة الصدر شرق العاصمة.", "cnn")
    assert assign_story(g1, alerts_ctx) == "g1" and assign_story(g2, alerts_ctx) == "g2"


def test_window_and_idempotency(alerts_ctx) -> None:  # noqa: F811
    t0 = 1_000_000.0
    a = doc("a", '"أكثر من 100 قتيل" في حادث تحطم طائرة ركاب في كوبا', BODY, "bbc")
    assert assign_story(a, alerts_ctx, now=t0) == "a"
    assert assign_story(a, alerts_ctx, now=t0 + 10) == "a"  # a retried task: same answer
    b = doc("b", "كارثة جوية في هافانا", BODY, "skynews")
    assert assign_story(b, alerts_ctx, now=t0 + 47 * 3600) == "a"
    late = doc("late", "كارثة جوية في هافانا", BODY, "cnn")
    # 49 h after the last member (b at 47 h): outside the 48 h window -> a new story
    assert assign_story(late, alerts_ctx, now=t0 + 96 * 3600) == "late"
    assert assign_story({"id": "nofp", "title": ""}, alerts_ctx, now=t0) == "nofp"


def test_concurrent_copies_get_one_story(alerts_ctx) -> None:  # noqa: F811
    """Copies indexed at the same moment by several workers still end up in one story."""
    from concurrent.futures import ThreadPoolExecutor

    copies = [doc(f"c{i}", "كارثة جوية في هافانا", f"({i}) " + BODY, f"src{i}") for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        stories = list(pool.map(lambda d: assign_story(d, alerts_ctx), copies))
    assert len(set(stories)) == 1 and stories[0] in {d["id"] for d in copies}


def _extracted(doc_id: str, title: str, body: str) -> dict:
    from worker.extract.pipeline import extract_one

    d = extract_one({"url": f"https://example.test/{doc_id}", "title": title, "body": body}).model_dump(mode="json")
    return {**d, "id": doc_id}


def test_similar_titles_about_different_people_stay_apart(alerts_ctx) -> None:  # noqa: F811
    a = _extracted("macron", "ترامب يلتقي ماكرون في البيت الأبيض",
                   "استقبل الرئيس الأمريكي دونالد ترامب نظيره الفرنسي إيمانويل ماكرون في البيت الأبيض لبحث الملف النووي.")
    b = _extracted("merkel", "ترامب يلتقي ميركل في البيت الأبيض",
                   "استقبل الرئيس الأمريكي دونالد ترامب المستشارة الألمانية أنغيلا ميركل في البيت الأبيض لبحث التجارة.")
    assert assign_story(a, alerts_ctx) == "macron"
    assert assign_story(b, alerts_ctx) == "merkel"


def test_name_spelling_variants_still_link(alerts_ctx) -> None:  # noqa: F811
    a = _extracted("p1", "بوتين ينفي مجددا اتهامات بريطانيا لروسيا بالتسميم بغاز الأعصاب",
                   "نفى الرئيس الروسي فلاديمير بوتين مجددا اتهامات بريطانيا لموسكو بتسميم العميل السابق سكريبال.")
    b = _extracted("p2", 'بوتن ينفي مجددا اتهامات بريطانيا بـ"التسميم" بغاز الأعصاب',
                   "جدد الرئيس فلاديمير بوتن نفي بلاده أي علاقة بتسميم الجاسوس الروسي السابق في مدينة سالزبري.")
    assert assign_story(a, alerts_ctx) == "p1"
    assert assign_story(b, alerts_ctx) == "p1"


def test_workers_with_their_own_copies_agree(alerts_ctx, monkeypatch) -> None:  # noqa: F811
    """Separate processes each hold their own copy of the story log: the compare-and-append makes the one
    that decided on a stale copy re-read and join the story the other opened."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from worker.alerts import stories

    copies = threading.local()

    def own_mirror(key: str) -> stories._Mirror:  # one copy per thread, as with one per process
        if not hasattr(copies, "mirror"):
            copies.mirror = stories._Mirror()
        return copies.mirror

    monkeypatch.setattr(stories, "_mirror_for", own_mirror)
    docs = [doc(f"w{i}", "كارثة جوية في هافانا", f"({i}) " + BODY, f"src{i}") for i in range(12)]
    with ThreadPoolExecutor(6) as pool:
        got = list(pool.map(lambda d: assign_story(d, alerts_ctx), docs))
    assert len(set(got)) == 1 and got[0] in {d["id"] for d in docs}


def test_a_flushed_log_is_read_again(alerts_ctx) -> None:  # noqa: F811
    from worker.alerts.stories import StoryIndex

    a = doc("a", '"أكثر من 100 قتيل" في حادث تحطم طائرة ركاب في كوبا', BODY, "bbc")
    assert assign_story(a, alerts_ctx) == "a"
    alerts_ctx.redis.delete(StoryIndex(alerts_ctx).log_key)  # Redis lost the log (or was flushed)
    b = doc("b", "كارثة جوية في هافانا", BODY, "skynews")
    assert assign_story(b, alerts_ctx) == "b"  # a new story, and no endless retry on the stale copy
    c = doc("c", "تحطم طائرة في كوبا", BODY + " (رويترز)", "cnn")
    assert assign_story(c, alerts_ctx) == "b"


def test_the_window_is_the_articles_own_time_not_when_they_were_assigned(alerts_ctx) -> None:  # noqa: F811
    """QA: an import assigns months of archive within minutes, and copies published weeks apart (a missile
    intercepted on 6 April and another on 15 May, told in the same words) became one story. The window is
    now the articles' publication times, on either side (an archive may come in any order)."""
    t0 = 1_700_000_000.0

    def at(doc_id: str, day: float, source: str) -> dict:
        d = doc(doc_id, '"أكثر من 100 قتيل" في حادث تحطم طائرة ركاب في كوبا', BODY, source)
        d["published"] = datetime.fromtimestamp(t0 + day * 86400, UTC).isoformat()
        return d

    assert assign_story(at("w1", 0, "bbc"), alerts_ctx, now=t0 + 90 * 86400) == "w1"
    assert assign_story(at("w2", 21, "cnn"), alerts_ctx, now=t0 + 90 * 86400 + 1) == "w2"  # three weeks on
    assert assign_story(at("w3", 20.5, "skynews"), alerts_ctx, now=t0 + 90 * 86400 + 2) == "w2"  # before w2
    assert assign_story(at("w4", 1.5, "france24"), alerts_ctx, now=t0 + 90 * 86400 + 3) == "w1"
    # a date far ahead of the clock is a typo: the article counts as published when it is assigned
    typo = at("w5", 4000, "alarabia")
    assert assign_story(typo, alerts_ctx, now=t0 + 0.5 * 86400) == "w1"


def test_headlines_differing_only_in_their_figures_are_two_stories(alerts_ctx) -> None:  # noqa: F811
    """QA round 3, D1, on the real log: "مقتل 5 جنود في هجوم انتحاري" (a Somali base) and "مقتل 7 جنود في هجوم
    انتحاري" (an Afghan checkpoint) 10 s later were one story, so the second attack was never notified."""
    from tests.unit.test_alerts_stories import AFGHAN, SOMALI, SOMALI_RETITLED
    from worker.extract.pipeline import extract_one

    def enriched(doc_id: str, title: str, body: str, source: str) -> dict:
        return extract_one({"id": doc_id, "title": title, "body": body}).model_dump(mode="json") | {"source": source}

    t0 = 1_000_000.0
    assert assign_story(enriched("so", *SOMALI, "bbc"), alerts_ctx, now=t0) == "so"
    assert assign_story(enriched("af", *AFGHAN, "cnn"), alerts_ctx, now=t0 + 10) == "af"
    assert assign_story(enriched("so2", *SOMALI_RETITLED, "skynews"), alerts_ctx, now=t0 + 20) == "so"
