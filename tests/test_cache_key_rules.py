"""The parts of the response cache's key (app.cache_key): requests that must share an entry
get one key part, requests whose answers may differ never do."""

from starlette.types import Scope

import app.cache_key as cache_key
from app.cache_key import (
    ANY_RANKING,
    MEDIA_TYPES,
    MEMO_HEADER_CHARS,
    normalised_query,
    origin,
    ranking,
    representation,
)


def scope_with(*headers: tuple[bytes, bytes], scheme: str = "http") -> Scope:
    return {"type": "http", "scheme": scheme, "headers": list(headers)}


def test_the_formats_ranked_are_the_ones_the_api_offers_in_a_fixed_order() -> None:
    assert MEDIA_TYPES == (
        "application/atom+xml",
        "application/feed+json",
        "application/json",
        "application/rss+xml",
        "image/svg+xml",
        "text/calendar",
        "text/csv",
        "text/html",
    )
    assert ANY_RANKING == "11111111"


def test_parameters_in_any_order_give_one_query() -> None:
    assert normalised_query(b"b=2&a=1&a=0") == normalised_query(b"a=0&b=2&a=1") == "a=0&a=1&b=2"
    assert normalised_query(b"") == ""
    long = b"&".join(b"p%d=%s" % (n, b"v" * 40) for n in range(20))
    assert len(long) > MEMO_HEADER_CHARS
    assert normalised_query(long) == normalised_query(b"&".join(reversed(long.split(b"&"))))


def test_an_empty_value_is_a_parameter_still() -> None:
    # `?q=` may be refused where no `q` is not: they must never share an entry.
    assert normalised_query(b"q=") == "q="
    assert normalised_query(b"q=") != normalised_query(b"")
    assert normalised_query(b"kind=youth&q=") != normalised_query(b"kind=youth")
    padded = b"kind=" + b"y" * MEMO_HEADER_CHARS
    assert normalised_query(padded + b"&q=") != normalised_query(padded)


def test_distinct_values_give_distinct_queries() -> None:
    assert normalised_query(b"a=1") != normalised_query(b"a=2")
    assert normalised_query(b"a=%20") == normalised_query(b"a=+") == "a=+"


def test_only_short_values_are_remembered() -> None:
    """The memos hold at most 256 values each, none longer than MEMO_HEADER_CHARS: a flood
    of long queries or Accept values cannot fill memory through them."""

    def query(text: str) -> str:
        return normalised_query(text.encode())

    def accept(text: str) -> str:
        return representation(scope_with((b"accept", text.encode())))

    for memo, remember in (
        (cache_key._remembered_query, query),
        (cache_key._remembered_ranking, accept),
    ):
        memo.cache_clear()
        remember("a/b;x=" + "y" * (MEMO_HEADER_CHARS - 6))
        assert memo.cache_info().currsize == 1
        remember("a/b;x=" + "z" * (MEMO_HEADER_CHARS - 5))
        assert memo.cache_info().currsize == 1


def test_ranking_keeps_the_order_of_preference_and_refusals() -> None:
    assert ranking("text/csv") == "00000010"
    assert ranking("text/csv;q=0.5, application/json") == "00200010"
    assert ranking("text/*;q=0.2, */*;q=0.1") == "11111222"
    assert ranking("*/*") == ANY_RANKING
    assert ranking("application/json;q=0") == "00000000"
    assert ranking("text/calendar;q=0.9, */*;q=0.1") == "11111211"
    # A browser: the page first, then everything else alike.
    assert ranking("text/html,application/xhtml+xml,*/*;q=0.8") == "11111112"


def test_no_accept_or_nothing_parseable_ranks_every_format_alike() -> None:
    assert ranking("") == ranking("nonsense") == ANY_RANKING
    assert representation(scope_with()) == ANY_RANKING
    assert representation(scope_with((b"accept", b"nonsense"))) == ANY_RANKING


def test_the_representation_is_the_ranking_of_the_accept_header_of_any_length() -> None:
    short = "text/csv;q=0.5, application/json"
    long = short + ", text/x-" + "padding" * 100
    assert len(long) > MEMO_HEADER_CHARS
    assert representation(scope_with((b"accept", short.encode()))) == "00200010"
    assert representation(scope_with((b"accept", long.encode()))) == "00200010"


def test_the_origin_is_the_scheme_and_the_host_as_links_use_them() -> None:
    assert origin(scope_with((b"host", b" API.Example.ORG:8443 "))) == "http://api.example.org:8443"
    assert origin(scope_with((b"host", b"api.example.org"), scheme="https")) == (
        "https://api.example.org"
    )
    assert origin(scope_with()) == "http://"
    assert origin({"headers": [(b"host", b"a.example")]}) == "http://a.example"
