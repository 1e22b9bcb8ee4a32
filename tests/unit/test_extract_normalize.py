"""Normalisation: the folded matching key and its offset map back to the original text."""

from hypothesis import given
from hypothesis import strategies as st

from worker.extract.normalize import ascii_digits, fold, fold_with_offsets


def test_fold_hamza_alef_variants_and_taa_marbuta():
    assert fold("أحمد") == fold("احمد") == fold("إحمد") == fold("آحمد")
    assert fold("مدرسة") == fold("مدرسه")
    assert fold("مستشفى") == fold("مستشفي")


def test_fold_removes_diacritics_tatweel_and_controls():
    assert fold("قُتِلَ") == "قتل"
    assert fold("كتـــاب") == "كتاب"
    assert fold("سوريا\u200f") == "سوريا"
    assert fold("  عدد\n\tالقتلى  ") == "عدد القتلي"


def test_fold_digits_and_presentation_forms():
    assert fold("٣٧٤ قتيلا") == "374 قتيلا"
    assert fold("۱۲") == "12"
    assert fold("ﻻ") == "لا"  # lam-alef ligature (NFKC)


def test_ascii_digits_is_length_preserving():
    text = "قتل ٣٧٤ شخصا في ۲۰۱۸"
    out = ascii_digits(text)
    assert len(out) == len(text)
    assert "374" in out and "2018" in out


def test_offsets_point_back_to_original_characters():
    text = "  قُتِلَ   ٣ أشخاصٍ في ﻻهور "
    folded, offs = fold_with_offsets(text)
    assert folded == fold(text)
    assert len(offs) == len(folded)
    k = folded.index("3")
    assert text[offs[k]] == "٣"
    a = folded.index("اشخاص")
    b = a + len("اشخاص")
    assert text[offs[a] : offs[b - 1] + 1].startswith("أشخاص")


@given(st.text())
def test_fold_properties_on_arbitrary_text(text):
    folded, offs = fold_with_offsets(text)
    assert folded == fold(text)
    assert fold(folded) == folded  # idempotent
    assert len(offs) == len(folded)
    assert all(0 <= o < len(text) for o in offs)
    assert offs == sorted(offs)


def test_translate_list_is_the_fold_table_for_every_character():
    """The list the folds translate with (a speed-up) maps every code point as the dict table does: BMP
    characters by index, characters past it kept (IndexError is a LookupError, like a dict miss)."""
    from worker.extract.normalize import _TABLE, _TRANSLATE

    every = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000) + "\U0001F600\U00020000"
    assert every.translate(_TRANSLATE) == every.translate(_TABLE)


def test_persian_keyboard_letters_fold_to_the_arabic_ones() -> None:
    """QA7 qa7a-12: "بکرکوک"، "إیران" were searchable but no place; the chain's fold now makes them the
    Arabic letters (one for one, so offsets hold), as the search analysis does."""
    from worker.extract.normalize import fold

    assert fold("بکرکوک") == fold("بكركوك") and fold("إیران") == fold("إيران") and fold("ھجوم") == fold("هجوم")
    assert len(fold("کرکوک ی ے")) == len("کرکوک ی ے")
    assert fold("\u06c3") == "\u06c3"  # Urdu's ta marbuta is the search analysis's mark: left alone
