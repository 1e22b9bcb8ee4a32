"""Story-grouping keys: SimHash banding (pigeonhole) and title tokens, on real syndicated ANT titles."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from worker.alerts.stories import (
    MAX_HAMMING,
    SIMHASH_BANDS,
    TITLE_JACCARD,
    hamming,
    jaccard,
    simhash_bands,
    title_bands,
    title_tokens,
)

# Same story, different outlets (ANT corpus 2018: title of outlet A | title of outlet B).
SYNDICATED = [
    ("احتفالات كردية بدخول حزب ديمرتاش البرلمان التركي", '"احتفالات كردية" بدخول حزب ديمرتاش البرلمان التركي'),
    ("مناورات واشنطن وسول إلى أجل غير مسمى", "مناورات سول وواشنطن إلى أجل غير مسمى"),
    ("لندن.. إخلاء محطة للقطارات واعتقال رجل ادعى حمل قنبلة", "لندن.. اعتقال رجل ادعى حمل قنبلة في محطة قطار"),
    ("السيسي يؤدي اليمين الدستورية رئيسا لولاية ثانية", "السيسي يؤدي اليمين الدستورية رئيسا لمصر لولاية ثانية"),
    ('"أكثر من 100 قتيل" في حادث تحطم طائرة ركاب في كوبا', "أكثر من 100 قتيل في تحطم طائرة ركاب في كوبا"),
    ("إريتريا تعين أول سفير لها في إثيوبيا منذ 20 عاماً", "إريتريا تعين أول سفير لها في إثيوبيا منذ 20 عاما"),
    ("ترامب يقيل وزير خارجيته تيلرسون ويعين بومبيو بديلا له", "ترامب يقيل تيلرسون ويعيّن بومبيو وزيرا للخارجية خلفا له"),
]
# Different stories that share words.
DIFFERENT = [
    ("انفجار يستهدف مسيرة مؤيدة لرئيس الوزراء الإثيوبي", "مسيرة في أديس أبابا تأييدا للحكومة الإثيوبية الجديدة"),
    ("مقتل 3 في هجوم على سجن في الحسكة", "الجيش العراقي يعلن مقتل 3 مسلحين في كركوك"),
    ("الكويت تستدعي السفير الفلبيني", "الفلبين تعلق إرسال العمالة إلى الكويت"),
]
# Titles that differ only in one name ("ترامب يلتقي ماكرون في البيت الأبيض" / "ترامب يلتقي ميركل في البيت الأبيض")
# pass the token threshold; the entity check keeps them apart (see test_entity_conflict and the integration test).


def test_real_syndicated_titles_pass_the_title_threshold() -> None:
    for a, b in SYNDICATED:
        assert jaccard(title_tokens(a), title_tokens(b)) >= TITLE_JACCARD, (a, b)


def test_different_stories_stay_below_the_threshold() -> None:
    for a, b in DIFFERENT:
        assert jaccard(title_tokens(a), title_tokens(b)) < TITLE_JACCARD, (a, b)


def test_title_tokens_fold_and_drop_function_words() -> None:
    assert title_tokens("هجوم على السجن") == title_tokens("هجومٌ على سجن")
    assert "علي" not in title_tokens("هجوم على سجن") and "في" not in title_tokens("في سجن")


def test_identical_token_sets_share_every_title_band() -> None:
    a, b = SYNDICATED[0]
    assert title_tokens(a) == title_tokens(b)
    assert title_bands(title_tokens(a)) == title_bands(title_tokens(b))


@given(st.integers(0, 2**64 - 1), st.lists(st.integers(0, 63), max_size=SIMHASH_BANDS - 1))
def test_simhash_pigeonhole(fp: int, flips: list[int]) -> None:
    """Any two fingerprints within Hamming distance < bands share at least one band key."""
    other = fp
    for bit in set(flips):
        other ^= 1 << bit
    assert hamming(fp, other) <= SIMHASH_BANDS - 1
    assert any(x == y for x, y in zip(simhash_bands(fp), simhash_bands(other), strict=True))


def test_threshold_is_within_the_guarantee() -> None:
    assert MAX_HAMMING < SIMHASH_BANDS
    rng = random.Random(7)
    far = [hamming(rng.getrandbits(64), rng.getrandbits(64)) for _ in range(1000)]
    assert min(far) > MAX_HAMMING  # unrelated fingerprints are far apart


def test_entity_conflict() -> None:
    from worker.alerts.stories import entities_conflict, entity_signature

    def ents(*names: tuple[str, str]) -> list[dict]:
        return [{"text": n, "canonical": n, "type": "PER", "field": f} for n, f in names]

    macron = entity_signature({"entities": ents(("ترامب", "title"), ("إيمانويل ماكرون", "title"),
                                                ("دونالد ترامب", "body"))})
    merkel = entity_signature({"entities": ents(("أنغيلا ميركل", "title"), ("دونالد ترامب", "body"))})
    assert entities_conflict(macron, merkel) and entities_conflict(merkel, macron)
    putin1 = entity_signature({"entities": ents(("فلاديمير بوتين", "title"))})
    putin2 = entity_signature({"entities": ents(("فلاديمير بوتن", "title"))})
    assert not entities_conflict(putin1, putin2)  # a shared name token: spelling variants still link
    none = entity_signature({"entities": []})
    assert not entities_conflict(macron, none) and not entities_conflict(none, none)
