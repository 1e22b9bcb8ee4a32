"""Tokens, sentence spans and proclitic splitting."""

from hypothesis import given
from hypothesis import strategies as st

from worker.extract.normalize import fold
from worker.extract.tokens import TOKEN_RE, Token, sentences, split_proclitics, tokenize


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


def _tokens_by_groups(text: str) -> list[Token]:
    """What tokenize gave when it read each token's span and kind off TOKEN_RE's groups (the reference)."""
    kinds = {1: "word", 2: "number", 3: "punct"}
    return [Token(m.group(), m.start(), m.end(), kinds[m.lastindex],
                  m.group() if m.lastindex == 3 else fold(m.group())) for m in TOKEN_RE.finditer(text)]


@given(st.text() | st.text(alphabet="اب ١٢3.,\u066b\u066c\u064b\u0640\u200c_²½\t\n\u00a0x-#("))
def test_tokenize_is_the_token_patterns_matches(text):
    """Spans, kinds and folds as the pattern's groups give them (tokenize reads them off findall)."""
    assert [tuple(t) for t in tokenize(text)] == [tuple(t) for t in _tokens_by_groups(text)]


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
