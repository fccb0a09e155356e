"""How typed text becomes a search query: words only, each quoted by the backend, so no
user syntax reaches FTS5 or to_tsquery."""

import pytest

from app.search.query import (
    MAX_TERMS,
    EmptyQuery,
    SearchQuery,
    Term,
    TooManyTerms,
    parse,
    singular,
)
from app.search.text import MARK_END, MARK_START, to_html


def terms(text: str) -> list[tuple[tuple[str, ...], bool]]:
    return [(t.words, t.prefix) for t in parse(text).terms]


def test_words_are_lower_cased_prefixes_and_common_words_dropped() -> None:
    assert terms("Youth initiatives in Africa") == [
        (("youth",), True),
        (("initiative",), True),
        (("africa",), True),
    ]


def test_a_query_of_only_common_words_keeps_them() -> None:
    assert terms("The OR") == [(("the",), True), (("or",), True)]


def test_punctuation_inside_a_token_makes_a_phrase() -> None:
    assert terms("A/RES/80/173 e-government") == [
        (("a", "res", "80", "173"), True),
        (("e", "government"), True),
    ]


def test_double_quotes_make_an_exact_phrase_and_a_lone_quote_is_ignored() -> None:
    assert terms('"Internet Governance Forum" igf "') == [
        (("internet", "governance", "forum"), False),
        (("igf",), True),
    ]


def test_operators_are_plain_words_or_nothing() -> None:
    assert terms("NEAR(a b) title:x -y ^z *") == [
        (("near", "a"), True),
        (("b",), True),
        (("title", "x"), True),
        (("y",), True),
        (("z",), True),
    ]


def test_possessive_s_is_dropped() -> None:
    assert terms("ITU's RIPE’s") == [(("itu",), True), (("ripe",), True)]


@pytest.mark.parametrize("text", ["", "   ", "*", '""', "-:^()", "_", "%"])
def test_text_without_letters_or_digits_is_empty(text: str) -> None:
    with pytest.raises(EmptyQuery):
        parse(text)


def test_more_than_max_terms_is_refused_but_repeats_count_once() -> None:
    with pytest.raises(TooManyTerms):
        parse(" ".join(f"w{i}" for i in range(MAX_TERMS + 1)))
    assert len(parse(" ".join(["same"] * 50)).terms) == 1


def test_unicode_is_normalised_so_composed_and_decomposed_match() -> None:
    assert terms("Lillestrøm Gene\u0300ve") == [(("lillestrøm",), True), (("genève",), True)]


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("initiatives", "initiative"),
        ("policies", "polic"),
        ("addresses", "address"),
        ("rirs", "rir"),
        ("tunis", "tunis"),
        ("access", "access"),
        ("status", "status"),
        ("bus", "bus"),
    ],
)
def test_singular_takes_off_an_english_plural_only(word: str, stem: str) -> None:
    assert singular(word) == stem


def test_both_renderings_quote_every_word() -> None:
    query = SearchQuery((Term(("it's", "x"), True), Term(("y",), False)))
    assert query.fts5() == '"it\'s x"* AND "y"'
    assert query.tsquery() == "('it''s' <-> 'x':*) & 'y'"


def test_snippet_html_escapes_everything_but_the_marks() -> None:
    raw = f"<b>{MARK_START}x&y{MARK_END}</b> {MARK_END}{MARK_START}{MARK_START}z"
    assert to_html(raw) == "&lt;b&gt;<mark>x&amp;y</mark>&lt;/b&gt; <mark>z</mark>"
