"""Tokens, sentence spans and proclitic splitting."""

from hypothesis import given
from hypothesis import strategies as st

from worker.extract.tokens import sentences, split_proclitics, tokenize


def test_tokens_carry_original_offsets_and_folded_norm():
    text = "قُتل ٣٧٤ شخصاً، و1,200 آخرون."
    toks = tokenize(text)
    assert all(text[t.start : t.end] == t.text for t in toks)
    assert [t.text for t in toks][:3] == ["قُتل", "٣٧٤", "شخصاً"]
    assert toks[0].norm == "قتل" and toks[1].norm == "374" and toks[1].kind == "number"
    assert any(t.text == "1,200" and t.kind == "number" for t in toks)
    assert toks[-1].kind == "punct"


def test_sentences_do_not_split_numbers_or_single_letter_abbreviations():
    text = "قال د. محمد إن 3.5 مليون شخص نزحوا. وأضاف: «الوضع صعب»! هل انتهى؟ نعم\nسطر جديد"
    spans = sentences(text)
    got = [text[a:b] for a, b in spans]
    assert got[0] == "قال د. محمد إن 3.5 مليون شخص نزحوا."
    assert got[1] == "وأضاف: «الوضع صعب»!"
    assert got[-1] == "سطر جديد"
    assert len(got) == 5


def test_split_proclitics_strips_conjunction_preposition_and_article():
    assert split_proclitics("والحسكة") == ("وال", "حسكة")
    assert split_proclitics("بدمشق") == ("ب", "دمشق")
    assert split_proclitics("وبدمشق") == ("وب", "دمشق")
    assert split_proclitics("وأضاف") == ("و", "أضاف")
    assert split_proclitics("للأمم") == ("لل", "أمم")


def test_split_proclitics_keep_article_gives_mention_form():
    assert split_proclitics("بالحسكة", keep_article=True) == ("ب", "الحسكة")
    assert split_proclitics("وللأمم", keep_article=True) == ("ول", "الأمم")  # لل -> ال


def test_split_proclitics_is_conservative_on_known_words():
    for word in ("لبنان", "بغداد", "وزارة", "فلسطين", "كركوك", "بيروت", "إلى", "لها"):
        assert split_proclitics(word) == ("", word)
    assert split_proclitics("ولبنان") == ("و", "لبنان")


def test_split_proclitics_uses_corpus_evidence_for_one_letter_clitics():
    # the stem must be a word of its own in the shipped ANT word table
    for word in ("فيلم", "بطولة", "بريطانيا", "كلمات", "وسائل", "فرنسا", "وطني"):
        assert split_proclitics(word) == ("", word)
    assert split_proclitics("لموسكو") == ("ل", "موسكو")
    assert split_proclitics("وتابع") == ("و", "تابع")
    assert split_proclitics("بغارة") == ("ب", "غارة")


@given(st.text())
def test_tokenize_and_sentences_never_break_offsets(text):
    for t in tokenize(text):
        assert text[t.start : t.end] == t.text
    for a, b in sentences(text):
        assert 0 <= a < b <= len(text)
        assert text[a:b].strip() == text[a:b]


@given(st.text(alphabet="وفبلكالحسنةأإ", min_size=0, max_size=10))
def test_split_proclitics_default_is_a_partition(word):
    prefix, rest = split_proclitics(word)
    assert prefix + rest == word


def test_token_is_an_immutable_value_whose_equality_ignores_norm():
    import pickle

    import pytest

    from worker.extract.tokens import Token

    t = tokenize("وقال أحمد")[1]
    assert (t.text, t.start, t.end, t.kind, t.norm) == ("أحمد", 5, 9, "word", "احمد")
    assert Token("أحمد", 5, 9) == t and hash(Token("أحمد", 5, 9, "word", "x")) == hash(t)
    assert Token("أحمد", 5, 9).norm == "احمد"  # computed when not given
    assert Token("أحمد", 0, 4) != t and Token("،", 0, 1, "punct").norm == "،"
    assert pickle.loads(pickle.dumps(t)) == t
    with pytest.raises(AttributeError):
        t.start = 0  # type: ignore[misc]
