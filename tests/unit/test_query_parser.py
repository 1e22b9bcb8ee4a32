"""Parser: operators, precedence, fields, ranges, and clear errors for malformed queries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from worker.query import QuerySyntaxError, parse
from worker.query.ast import (
    And,
    DateRange,
    Exists,
    IntRange,
    Keyword,
    KeywordWords,
    MatchAll,
    MatchNone,
    Not,
    Or,
    Prefix,
    Tokens,
)
from worker.query.fields import DEFAULT_TEXT_FIELDS

T = DEFAULT_TEXT_FIELDS


def tok(*words: str, fields=T) -> Tokens:
    return Tokens(fields, tuple(words))


def test_words_are_analyzed_and_implicitly_anded() -> None:
    assert parse("وبالسجن سوريا") == And((tok("سجن"), tok("سوري")))


def test_phrase_keeps_order_and_is_analyzed() -> None:
    assert parse('"هجوم على السجن"') == tok("هجوم", "على", "سجن")  # the preposition, not the name علي


def test_multi_token_word_becomes_a_phrase() -> None:
    assert parse("COVID-19") == tok("covid", "19")


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("a OR b c", And((Or((tok("a"), tok("b"))), tok("c")))),
        ("a b OR c", And((tok("a"), Or((tok("b"), tok("c")))))),
        ("a AND b OR c", Or((And((tok("a"), tok("b"))), tok("c")))),
        ("a && b || c", Or((And((tok("a"), tok("b"))), tok("c")))),
        ("!a b", And((Not(tok("a")), tok("b")))),
        ("-a +b", And((Not(tok("a")), tok("b")))),
        ("NOT NOT a", tok("a")),
        ("(a OR (b OR c))", Or((tok("a"), tok("b"), tok("c")))),
        ("a^3", tok("a")),
        ('"a!b" x!y', And((tok("a", "b"), tok("x", "y")))),
    ],
)
def test_operators_and_precedence(q, expected) -> None:
    assert parse(q) == expected


@pytest.mark.parametrize(
    ("q", "negations"),
    [
        # qa6s-2: every spelling of a prefix negation counts, so "!!a" is "NOT NOT a" is "--a" is a
        ("!!a", 2), ("NOT NOT a", 2), ("--a", 2), ("! !a", 2), ("-!a", 2), ("!-a", 2), ("!NOT a", 2),
        ("NOT !a", 2), ("(!!a)", 2), ("!!!a", 3), ("+!a", 1), ("!+a", 1), ("!a", 1), ("-a", 1),
    ],
)
def test_double_negation_is_the_same_in_every_spelling(q, negations) -> None:
    expected = Not(tok("a")) if negations % 2 else tok("a")
    assert parse(q) == expected
    assert parse(f"b {q}") == And((tok("b"), expected))
    assert parse(f"b&&{q}") == And((tok("b"), expected))  # "&&" ends a term like a space does


def test_field_value_double_negation_and_deep_bangs_are_bounded() -> None:
    assert parse("title:!!a") == tok("a", fields=("title_ar",))
    assert parse("a!!b") == tok("a", "b")  # inside a word "!" stays punctuation
    with pytest.raises(QuerySyntaxError, match="nested too deeply"):
        parse("!" * 3990 + "a")  # as deep as 3,990 "-" or NOTs, not one NOT


def test_field_filters_target_their_index_fields() -> None:
    assert parse("entity:مجهولين") == tok("مجهول", fields=("entity_keys",))  # not a gazetteer name
    assert parse("Place:مجهولين") == tok("مجهول", fields=("place_keys",))
    assert parse("title:سجن") == tok("سجن", fields=("title_ar",))
    assert parse("event:PRISON_ATTACK") == Keyword("event_types", "prison_attack")
    assert parse("source:BBC") == Or((KeywordWords("source_key", "bbc"), Keyword("feed_id", "bbc")))
    assert parse("lang:AR") == Keyword("language", "ar")
    assert parse("type:per") == Keyword("entity_types", "PER")
    assert parse("country:sy") == Keyword("countries", "SY")
    assert parse("keyword:سجون") == tok("سجن", fields=("keyword_keys",))  # broken plural -> singular
    assert parse("exact:سجون") == tok("سجون", fields=("title_exact", "body_exact"))
    assert parse("entity:(مجهولين OR الصناعة)") == Or(
        (tok("مجهول", fields=("entity_keys",)), tok("صناع", fields=("entity_keys",))))
    assert parse("entities:قسد") == parse("entity:قسد")  # alias


def test_prefix_and_exists() -> None:
    assert parse("السج*") == Prefix(T, "سج")
    assert parse("source:al*") == Prefix(("source_key", "feed_id"), "al")
    assert parse("entity:*") == Exists("entity_keys")
    assert parse("killed:*") == IntRange("killed", 1, None)  # a count was reported (0 is "none")
    assert parse("casualties:*") == IntRange("casualties_max", 1, None)
    # a field that some articles lack: "has a value" is a search
    assert parse("place:*") == Exists("place_keys")
    assert parse("date:*") == Exists("published")
    assert parse("source:*") == Or((Exists("source_key"), Exists("feed_id")))
    assert parse("keyword:*") == Exists("keyword_keys")


@pytest.mark.parametrize(
    "q",
    ["*", "**", " * ", "* سجن", "سجن OR *", "NOT *", "(*)", "title:*", "story:*", "id:*", "lang:*", "body:*",
     "exact:*", "title:(*)", "سجن OR story:*", "killed:[* TO *]", "killed:..", "casualties:[* TO *] OR سجن",
     "NOT date:{2022-01-01 TO 2022-01-01}",
     "killed:>=0", "casualties:>=0", "killed:[0 TO *]"],  # counts are never negative (QA4 re-test)
)
def test_a_query_that_means_every_article_is_refused(q) -> None:
    # QA4 #6: *, title:* and story:* silently meant "everything" (an alert on * fired on every article);
    # only the blank query does
    with pytest.raises(QuerySyntaxError, match="every article") as info:
        parse(q)
    assert "leave the query blank" in info.value.message


@pytest.mark.parametrize(
    ("q", "lo", "hi"),
    [
        ("killed:>10", 11, None), ("killed:>=10", 10, None), ("killed:<10", None, 9), ("killed:<=10", None, 10),
        ("killed:[5 TO 10]", 5, 10), ("killed:{5 TO 10}", 6, 9), ("killed:5..10", 5, 10), ("killed:7", 7, 7),
        ("killed:[5 TO *]", 5, None), ("killed:..10", None, 10), ("killed:٣", 3, 3),
        ("killed:[0 TO 10]", None, 10), ("killed:>0", 1, None),
    ],
)
def test_int_ranges(q, lo, hi) -> None:
    assert parse(q) == IntRange("killed", lo, hi)


def test_casualties_is_any_kind_and_empty_ranges_match_nothing() -> None:
    assert parse("casualties:>3") == IntRange("casualties_max", 4, None)
    assert parse("killed:{5 TO 6}") == MatchNone()  # not reversed: empty because both ends are excluded
    assert parse("killed:{5 TO 5}") == MatchNone()
    assert parse("date:{2022-01-01 TO 2022-01-01}") == MatchNone()
    assert parse("date:{2022-01-01 TO 2022-01-02}") == MatchNone()


@pytest.mark.parametrize(
    ("q", "position"),
    [
        ("date:2018-03-31..2018-03-01", 5), ("date:[2018-03-31 TO 2018-03-01]", 5), ("date:{2018-04 TO 2018-03}", 5),
        ("date:2019..2018", 5), ('date:["2018-03-15T10:00Z" TO "2018-03-15T09:59Z"]', 5),
        ("سجن date:2018-03-02..2018-03-01", 9), ("killed:10..5", 7), ("killed:[10 TO 2]", 7),
        ("casualties:{10 TO 2}", 11),
    ],
)
def test_reversed_ranges_are_refused(q, position) -> None:
    # QA4 #11: date:2018-03-31..2018-03-01 silently matched nothing (a search or an alert that never fires)
    with pytest.raises(QuerySyntaxError, match="ends before it starts") as info:
        parse(q)
    assert info.value.position == position


def test_a_range_whose_periods_overlap_is_not_reversed() -> None:
    # the month runs to April 1: from the 15th through the end of March
    assert parse("date:2018-03-15..2018-03") == DateRange("published", d(2018, 3, 15), d(2018, 4, 1))
    assert parse("date:2018-03..2018-03-01") == DateRange("published", d(2018, 3, 1), d(2018, 3, 2))
    assert parse("killed:5..5") == IntRange("killed", 5, 5)


def d(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("q", "gte", "lt"),
    [
        ("date:2022-01-20", d(2022, 1, 20), d(2022, 1, 21)),
        ("date:2022-01", d(2022, 1, 1), d(2022, 2, 1)),
        ("date:2022-12", d(2022, 12, 1), d(2023, 1, 1)),
        ("date:2022", d(2022, 1, 1), d(2023, 1, 1)),
        ("date:2022-01-20..2022-02-01", d(2022, 1, 20), d(2022, 2, 2)),
        ("date:>=2022-01-01", d(2022, 1, 1), None),
        ("date:>2022-01-01", d(2022, 1, 2), None),
        ("date:<2022-01-01", None, d(2022, 1, 1)),
        ("date:<=2022-01", None, d(2022, 2, 1)),
        ("date:[2022-01-01 TO 2022-02-01]", d(2022, 1, 1), d(2022, 2, 2)),
        ("date:{2022-01-01 TO 2022-02-01}", d(2022, 1, 2), d(2022, 2, 1)),
        ("date:[2022-01-01 TO *]", d(2022, 1, 1), None),
        ('date:"2022-01-20T10:00:00+02:00"', d(2022, 1, 20, 8), d(2022, 1, 20, 8, 0, 0, 1000)),
        ("published:٢٠٢٢", d(2022, 1, 1), d(2023, 1, 1)),
    ],
)
def test_date_ranges(q, gte, lt) -> None:
    assert parse(q) == DateRange("published", gte, lt)


def test_blank_queries_match_everything_and_empty_terms_are_dropped_beside_others() -> None:
    assert parse("") == MatchAll() and parse("   ") == MatchAll()
    assert parse("سجن ،") == tok("سجن")
    assert parse("و سجن") == parse("سجن و") == parse("سجن -و") == parse("سجن OR ب") == tok("سجن")
    assert parse("سجن (و OR ل)") == tok("سجن")
    assert parse("و NOT سجن") == Not(tok("سجن"))


@pytest.mark.parametrize(
    "q",
    ["و", "ب", "ل", "ك", "ف", "،", "-،", "NOT و", "-و", "title:و", "exact:و", "entity:و", "place:ب", "و ب",
     "(و OR ب)", "«و»", '"و"', "body:(و ،)"],
)
def test_a_query_that_analyzes_to_nothing_is_refused(q) -> None:
    # it used to mean "everything": GET /search?q=و returned the whole index and an alert on it fired always
    with pytest.raises(QuerySyntaxError) as info:
        parse(q)
    assert "has no searchable word" in info.value.message
    assert info.value.position is not None


@pytest.mark.parametrize(
    ("q", "position"),
    [('""', 0), ('place:""', 6), ('id:""', 3), ('entity:""', 7), ('event:""', 6), ('source:" "', 7),
     ('سجن ""', 4), ('سجن OR title:""', 13)],
)
def test_an_empty_value_is_refused_even_beside_other_terms(q, position) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse(q)
    assert "empty value" in info.value.message
    assert info.value.position == position


@pytest.mark.parametrize(
    ("q", "position"),
    [('سجن"', 3), ('"سجن', 0), ('"سجن" هجوم"', 10), ("«سجن", 0), ("سجن»", 3), ('title:"سجن', 6)],
)
def test_an_unpaired_quote_is_refused_opening_or_closing(q, position) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse(q)
    assert "unbalanced quote" in info.value.message
    assert info.value.position == position


def test_an_escaped_quote_is_not_a_phrase_delimiter() -> None:
    assert parse('سجن\\"') == tok("سجن")


@pytest.mark.parametrize(
    ("q", "message", "position"),
    [
        ("(سجن", "unexpected end of query", 4),
        ("سجن)", "no matching '('", 3),
        ('"هجوم على', "unbalanced quote", 0),
        ("سجن AND", "unexpected end of query", 7),
        ("OR سجن", "'OR' needs a term on each side", 0),
        ("سجن OR OR هجوم", "'OR' needs a term on each side", 7),
        ("foo:bar", "unknown field 'foo'", 0),
        ("سجن http://x", "unknown field 'http'", 4),
        ("event:prison", "unknown event 'prison'", 6),
        ("type:GPE", "unknown type 'GPE'", 5),
        ("killed:many", "needs a whole number", 7),
        ("killed:1.5", "needs a whole number", 7),
        ("date:yesterday", "not a date", 5),
        ("date:2022-02-30", "not a date", 5),
        ("date:1..2..3", "a range is written a..b", 5),
        ("title:[a TO b]", "ranges need a date or number field", 6),
        ("[1 TO 2]", "ranges need a date or number field", 0),
        ("سج*ن", "only supported at the end", 0),
        ("س?ن", "only supported at the end", 0),
        ("سجن~", "fuzzy search", 0),
        ('"سجن غويران"~2', "proximity search", 0),
        ("/سج.ن/", "regular expressions", 0),
        ("entity:place:x", "a field inside a field", 7),
        ("سجن \\", "backslash", 4),
        ("0^.", "a boost (^) must be followed by a number", None),
        ("&& سجن", "'AND' needs a term on each side", 0),
        ("(" * 100 + "a" + ")" * 100, "too many nested parentheses", None),
        ("a " * 2500, "query too long", None),
    ],
)
def test_malformed_queries_raise_a_clear_error(q, message, position) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse(q)
    assert message in info.value.message
    assert info.value.position == position
    assert info.value.to_dict()["message"] == info.value.message


def test_parse_is_thread_safe() -> None:
    from concurrent.futures import ThreadPoolExecutor

    queries = [f"entity:قسد{i} AND (سجن OR هجوم{i}) killed:>{i}" for i in range(200)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(parse, queries))
    assert results == [parse(q) for q in queries]


def test_typographic_quotes_and_detached_waw() -> None:
    assert parse("«هجوم على سجن»") == parse('"هجوم على سجن"') == parse("“هجوم على سجن”")
    assert parse("سجن و هروب") == parse("سجن هروب")


@pytest.mark.parametrize("q", ["country:SYR", "country:سوريا", "country:S", "country:1Y", "سجن AND country:Syria"])
def test_country_takes_a_two_letter_code_or_is_refused(q):
    # QA: country:SYR and country:سوريا silently matched nothing while event:prison was refused
    with pytest.raises(QuerySyntaxError, match=r"country: takes an ISO 3166 alpha-2 code such as SY"):
        parse(q)
    assert parse("country:iq") == Keyword("countries", "IQ")


def test_a_lone_article_is_no_searchable_word_and_a_guillemet_is_named() -> None:
    """QA7 qa7a-17: "ال" searched the stray tokens "ال"; an unbalanced « was reported as a \" ."""
    with pytest.raises(QuerySyntaxError, match="no searchable word"):
        parse("ال")
    assert parse("ال سجن") == parse("سجن")
    with pytest.raises(QuerySyntaxError, match="a « has no partner"):
        parse("«هجوم على سجن")
