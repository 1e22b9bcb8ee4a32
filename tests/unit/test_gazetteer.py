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


def test_the_tagging_view_is_what_the_ner_was_trained_with() -> None:
    """The NER features read ``by_form`` (type, confidence) and ``phrases``: they must stay what the shipped
    model was trained with. New names go to ``gazetteer/resolve`` (read after tagging). Change this digest
    only together with a retrained NER model."""
    import hashlib

    gaz = get_gazetteer()
    h = hashlib.sha1()
    for k in sorted(gaz.by_form):
        e = gaz.by_form[k]
        h.update(f"{k}\t{e.type}\t{e.confident}\n".encode())
    for k in sorted(gaz.phrases):
        h.update(repr([(t, e.type) for t, e in gaz.phrases[k]]).encode())
    assert h.hexdigest() == "4ce177eb38d7f5ddcfdc88ebc5be1fbd2d4987e6"


def test_resolution_knows_every_country_by_its_long_and_common_names() -> None:
    from worker.extract.gazetteer.resolve import get_resolver

    res = get_resolver()
    for name, cc in (("المجر", "HU"), ("هنغاريا", "HU"), ("المملكة المغربية", "MA"), ("دولة الكويت", "KW"),
                     ("جمهورية مصر العربية", "EG"), ("الولايات المتحدة الأمريكية", "US"), ("سلطنة عمان", "OM")):
        cands = res.candidates(fold(name))
        assert any(e.country == cc and e.source == "country" for e in cands), name
    # a state word before a country's name or nationality adjective is that country
    assert {e.country for e in res.candidates(fold("جمهورية التشيك"))} == {"CZ"}
    assert {e.country for e in res.candidates(fold("الجمهورية الفرنسية"))} == {"FR"}
    # "الكونغو" names two countries: neither
    assert not any(e.source == "country" for e in res.candidates(fold("الكونغو")))


def test_resolution_country_names_are_unambiguous() -> None:
    from worker.extract.gazetteer.resolve import get_resolver

    res = get_resolver()
    for key, entries in res.more.items():
        assert len({e.country for e in entries if e.source == "country"}) <= 1, key


def test_resolution_places_lie_in_their_country() -> None:
    """Each hand-written division's point lies within the box of its country's GeoNames cities."""
    from worker.extract.gazetteer.resolve import get_resolver

    gaz = get_gazetteer()
    box: dict[str, list[float]] = {}
    for e in gaz.by_form.values():
        if e.source == "city" and e.country and e.lat is not None:
            b = box.setdefault(e.country, [e.lat, e.lat, e.lon, e.lon])
            b[0], b[1] = min(b[0], e.lat), max(b[1], e.lat)
            b[2], b[3] = min(b[2], e.lon), max(b[3], e.lon)
    seen = 0
    for entries in get_resolver().more.values():
        for e in entries:
            if e.source in ("admin", "curated") and e.country in box and e.lat is not None:
                lo_lat, hi_lat, lo_lon, hi_lon = box[e.country]
                assert lo_lat - 2 <= e.lat <= hi_lat + 2 and lo_lon - 2 <= e.lon <= hi_lon + 2, e
                seen += 1
    assert seen > 100


def test_common_words_named_like_geonames_towns_are_listed() -> None:
    from worker.extract.gazetteer.resolve import get_resolver

    words = get_resolver().words
    assert fold("تاهوا") in words  # "they got lost" (Tahoua, Niger)
    assert fold("دمشق") not in words and fold("بغداد") not in words


def test_every_curated_place_resolves_with_coordinates() -> None:
    from worker.extract.gazetteer.resolve import get_resolver

    res = get_resolver()
    missing = [e.canonical for e in set(get_gazetteer().by_form.values())
               if e.type in ("LOC", "FAC") and res.completed.get(e, e).lat is None]
    assert missing == []
