"""What the response cache's key is made of, besides the path and the UTC day: the query with
its parameters in order, the Accept header reduced to how it ranks the media types the API
offers (all that negotiation looks at), and the origin (for bodies with absolute links).

Reduced this way, headers a client can vary at no cost add no entries.
"""

from functools import lru_cache
from urllib.parse import parse_qsl, urlencode

from starlette.types import Scope

from app.api.formats import ALL_FORMATS, FEED_FORMATS, ICS, parse_accept, quality
from app.asgi_headers import request_header

# Every media type a cached route answers in (tests/test_response_cache.py holds the OpenAPI
# document to it); a body of any other type is not stored, since its key could not tell
# two Accept headers apart that pick differently.
MEDIA_TYPES = tuple(sorted({t for f in ALL_FORMATS for t in f.media_types}))
# Bodies with absolute links (app.hosts.link_origin): the origin is part of their identity.
LINKED_MEDIA_TYPES = frozenset(f.media_type for f in (*FEED_FORMATS, ICS))
ANY_RANKING = "1" * len(MEDIA_TYPES)  # no Accept, */*, or nothing parseable: all alike
MEMO_HEADER_CHARS = 256  # Accept values and queries this short have their part remembered


def normalised_query(raw: bytes) -> str:
    """The same parameters in any order give the same string."""
    if len(raw) <= MEMO_HEADER_CHARS:
        return _remembered_query(raw)
    return _normalise(raw)


def _normalise(raw: bytes) -> str:
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    return urlencode(sorted(pairs))


_remembered_query = lru_cache(maxsize=256)(_normalise)  # at most 256 short strings


def ranking(accept: str) -> str:
    """How an Accept value ranks MEDIA_TYPES: one digit each, 0 for refused, then 1, 2, ...
    from least to most preferred. Negotiation (app.api.formats: negotiate and
    require_acceptable) compares only these qualities with each other and with 0, so two
    values with the same ranking pick the same representation on every route."""
    ranges = parse_accept(accept)
    if not ranges:
        return ANY_RANKING
    qualities = [quality(ranges, media_type) for media_type in MEDIA_TYPES]
    levels = sorted({q for q in qualities if q > 0})
    return "".join(str(levels.index(q) + 1) if q > 0 else "0" for q in qualities)


_remembered_ranking = lru_cache(maxsize=256)(ranking)  # at most 256 short strings


def representation(scope: Scope) -> str:
    """The part of the request's Accept header that decides the representation."""
    accept = request_header(scope, b"accept")
    if accept is None:
        return ANY_RANKING
    if len(accept) <= MEMO_HEADER_CHARS:
        return _remembered_ranking(accept)
    return ranking(accept)


def origin(scope: Scope) -> str:
    """Scheme and Host, as app.hosts.link_origin puts them into links."""
    host = request_header(scope, b"host")
    return f"{scope.get('scheme', 'http')}://{host.strip().lower() if host else ''}"
