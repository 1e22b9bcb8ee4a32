"""The shipped gazetteer: curated aliases, GeoNames places, country names, word lists."""

from __future__ import annotations

from worker.extract.gazetteer import get_gazetteer
from worker.extract.normalize import fold


def test_curated_aliases_share_one_canonical() -> None:
    gaz = get_gazetteer()
    for alias in ("داعش", "تنظيم الدولة", "الدولة الإسلامية"):
        e = gaz.get(alias)
        assert e is not None and e.type == "ORG"
        assert e.canonical == "تنظيم الدولة الإسلامية"
    assert gaz.get("قسد").canonical == gaz.get("قوات سورية الديمقراطية").canonical == "قوات سوريا الديمقراطية"
    assert gaz.get("أنصار الله").canonical == gaz.get("جماعة الحوثي").canonical


def test_places_have_coordinates_in_the_right_country() -> None:
    gaz = get_gazetteer()
    hasaka = gaz.get("الحسكة")
    assert hasaka.type == "LOC" and hasaka.country == "SY"
    assert 35.5 < hasaka.lat < 37.5 and 39.5 < hasaka.lon < 42.0
    camp = gaz.get("مخيم الهول")
    assert camp.type == "FAC" and camp.country == "SY"
    mosul = gaz.get("الموصل")
    assert mosul.country == "IQ" and mosul.lat is not None


def test_spelling_variants_meet() -> None:
    gaz = get_gazetteer()
    assert gaz.get("إدلب") is gaz.get("ادلب")
    assert gaz.get("سورية") is gaz.get("سوريا")
    assert gaz.get("سوريا").canonical == "سوريا"
    assert gaz.get("CNN") is gaz.get("cnn") is gaz.get("سي إن إن")


def test_countries_from_babel_and_short_forms() -> None:
    gaz = get_gazetteer()
    for name, cc in (("العراق", "IQ"), ("مصر", "EG"), ("أمريكا", "US"), ("بريطانيا", "GB"), ("اليابان", "JP")):
        e = gaz.get(name)
        assert e is not None and e.country == cc and e.source == "country", name


def test_geonames_cities_with_arabic_names_are_loaded() -> None:
    gaz = get_gazetteer()
    e = gaz.get("القامشلي")
    assert e is not None and e.country == "SY"
    assert gaz.get("طوكيو").country == "JP"


def test_common_words_are_not_places() -> None:
    gaz = get_gazetteer()
    for w in ("قال", "في", "الرئيس", "الحكومة"):
        assert gaz.get(w) is None, w


def test_phrase_matching_prefers_the_longest_name() -> None:
    gaz = get_gazetteer()
    keys = [fold(w) for w in "قالت قوات سوريا الديمقراطية إن".split()]
    n, e = gaz.match_at(keys, 1)
    assert n == 3 and e.type == "ORG"
    assert gaz.match_at(keys, 0) is None


def test_word_lists() -> None:
    lex = get_gazetteer().lexicon
    assert fold("السوريين") in lex["nationality"]
    assert fold("المصرية") in lex["nationality"]
    assert fold("الرئيس") in lex["titles"]
    assert fold("محمد") in lex["first_names"]
    assert fold("سجن") in lex["fac_heads"]
