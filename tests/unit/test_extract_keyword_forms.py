"""Word forms for the keyword list: which form to show, and which forms name no topic (keyword_forms)."""

import pytest

from worker.extract.keyword_forms import display_options, has_pronoun, is_function_word, is_verb, word_class
from worker.extract.normalize import fold


def _shown(word: str, article: set[str] = frozenset()) -> str:
    """The form find_keywords shows for ``word`` in an article writing ``article`` (folded words)."""
    for o in display_options(word):
        if o.corpus_ok or o.folded in article:
            return o.display
    raise AssertionError("the last option is always allowed")


@pytest.mark.parametrize("word, shown", [
    # the first letter belongs to the word: the cut form is no word of the corpus, or rarer than the whole
    ("كاليننغراد", "كاليننغراد"), ("كاليفورنيا", "كاليفورنيا"), ("باليستيا", "باليستيا"),
    ("بالستية", "بالستية"), ("بيونغ", "بيونغ"), ("بوست", "بوست"),
    # ل + اللواء: the article's alef is elided, and "الواء" is no word
    ("للواء", "اللواء"),
    # real proclitics still go
    ("بدمشق", "دمشق"), ("للأمم", "الأمم"), ("وبالحسكة", "الحسكة"), ("لترامب", "ترامب"),
    ("وتضيف", "تضيف"), ("فالحكومة", "الحكومة"),
    # ف starts names: cut only before the article
    ("فيصل", "فيصل"), ("فادي", "فادي"),
])
def test_a_proclitic_is_cut_only_where_the_rest_is_a_word(word, shown):
    assert _shown(word) == shown


def test_the_article_vouches_for_a_stem_the_corpus_does_not_know():
    # a name too rare for the corpus table: "لمونفس" is ل + مونفس only where the article writes مونفس
    assert _shown("لمونفس") == "لمونفس"
    assert _shown("لمونفس", {fold("مونفس")}) == "مونفس"
    # but a word the splitter keeps whole stays whole unless the article writes the rest alone
    assert _shown("وحدة") == "وحدة"


def test_keys_group_the_shown_forms():
    key = {o.display: o.key for w in ("الحسكة", "بالحسكة", "حسكة") for o in display_options(w)}
    assert key["الحسكة"] == key["حسكة"]
    assert display_options("اللواء")[-1].key == display_options("للواء")[1].key


@pytest.mark.parametrize("word", [
    "يهاجم", "تبتلع", "يوزع", "يرفضون", "يكتب", "تحملان", "يفرون", "استبق", "أرسل", "وصلت", "اجتمعوا",
    "تخشاه", "يعتدي", "تتزين", "يجتحن", "يهللون", "سيستدعي",
])
def test_verbs(word):
    assert is_verb(word)


@pytest.mark.parametrize("word", [
    # names and nouns that start like an imperfect or end like a perfect
    "تونس", "يونس", "ترامب", "تركيا", "أحمد", "تيريزا", "يوسف", "نيجيريا", "تقرير", "تحالف", "تنظيم",
    "تعذيب", "تحسين", "تشرين", "يمنيون", "تتويج", "يتيم", "بيروت", "الكويت", "البيت", "لبنان", "فيصل",
    # verbal nouns that double as verbs: nouns when the corpus writes them with the article
    "تدخل", "تقدم", "تغير", "نساء", "قصف", "قتل", "حكم", "تراجع",
    "صحيفة", "تغطية",  # a verb never ends in taa marbuta
])
def test_not_verbs(word):
    assert not is_verb(word)


def test_the_strict_reading_keeps_nouns_that_look_like_bare_perfects():
    # شارك is a verb; طالب is also "student" (a participle), so it does not break "طالب جامعي"
    assert is_verb("شارك") and not is_verb("شارك", True)
    assert not is_verb("طالب", True)
    assert is_verb("أرسل", True) and is_verb("يهاجم", True)


@pytest.mark.parametrize("word, expected", [
    ("قراراتها", True), ("استخدامها", True), ("نيلها", True), ("زوجته", True), ("باستطاعتنا", True),
    ("بلادها", True), ("إياها", True),
    ("زوجة", False),  # taa marbuta, not the pronoun ه
    ("الأهم", False),  # the article and a pronoun never go together
    ("أبها", False), ("لبنان", False), ("قطاع", False),
])
def test_attached_pronouns(word, expected):
    assert has_pronoun(word) is expected


@pytest.mark.parametrize("word", ["سيتم", "إياها", "نعم", "هنا", "وهم", "رسميا", "بالفعل", "قرب"])
def test_function_words(word):
    assert is_function_word(fold(word))


def test_word_class_is_zero_for_nouns_and_names():
    for w in ("الحسكة", "صاروخ", "كاليننغراد", "مفاوضات", "غزة", "المتمردون"):
        assert word_class(w) == 0, w


def test_a_hostile_word_of_clitic_letters_is_handled_without_recursion():
    word = "وبلك" * 25000 + "ها"  # 100k letters, each one a possible proclitic
    assert isinstance(word_class(word), int)
    assert display_options(word)[-1].display == word
    assert has_pronoun(word) in (True, False)
