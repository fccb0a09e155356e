"""PostgreSQL: a weighted tsvector column with a GIN index, ranked with ts_rank_cd() and
quoted by ts_headline().

The 'simple' configuration (lower-case, no stemming, no stop words) rather than 'english':
queries match word prefixes (see app.search.query), and a prefix of a stemmed lexeme does
not match what people type ("governan" is not a prefix of the stem "govern"); and SQLite's
FTS5 has no English stemmer to agree with. Punctuation becomes spaces before parsing, or
PostgreSQL's parser would index `A/RES/80/173` as one file-path token and `WSIS+20` as
"wsis" and "+20", where FTS5 sees words.
"""

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Double,
    Select,
    cast,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from app.search.query import SearchQuery
from app.search.text import MARK_END, MARK_START

CONFIG = "simple"
# ASCII punctuation and the typographic marks common in the data, each to a space.
PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~‘’“”–—…·«»‐−"
_FROM = PUNCTUATION.replace("'", "''")
_TO = " " * len(PUNCTUATION)
VECTOR = (
    f"setweight(to_tsvector('{CONFIG}', translate(title, '{_FROM}', '{_TO}')), 'A') || "
    f"setweight(to_tsvector('{CONFIG}', translate(body, '{_FROM}', '{_TO}')), 'B')"
)
CREATE = [
    "ALTER TABLE search_document ADD COLUMN search_vector tsvector "
    f"GENERATED ALWAYS AS ({VECTOR}) STORED",
    "CREATE INDEX ix_search_document_search_vector ON search_document USING gin (search_vector)",
]
DROP = [
    "DROP INDEX IF EXISTS ix_search_document_search_vector",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS search_vector",
]
# ts_rank_cd normalisation 1: divide by 1 + log(document length), as bm25 also favours
# short documents. Weights D, C, B, A: a title (A) match weighs 2.5 times a body (B) one.
RANK_NORMALISATION = 1
HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=24, MinWords=12, "
    'MaxFragments=1, FragmentDelimiter=" … ", ShortWord=1'
)

DOCUMENT = table("search_document", column("id"), column("search_vector"), column("body"))


def _tsquery(query: SearchQuery) -> ColumnElement[Any]:
    return func.to_tsquery(literal_column(f"'{CONFIG}'::regconfig"), query.tsquery())


def match_sql(bound_query: str) -> str:
    """A condition on search_document: the row matches the (bound) tsquery text."""
    return f"search_document.search_vector @@ to_tsquery('{CONFIG}'::regconfig, {bound_query})"


def scored(query: SearchQuery) -> Select[Any]:
    """The matching ids with a score where lower is better (the rank, negated)."""
    tsquery = _tsquery(query)
    rank = func.ts_rank_cd(DOCUMENT.c.search_vector, tsquery, RANK_NORMALISATION)
    # As double precision: a real (float4) goes out as rounded text, so the value a cursor
    # carried back would differ from the row's and keyset paging would repeat or skip rows.
    score = (-cast(rank, Double)).label("score")
    statement = select(DOCUMENT.c.id.label("id"), score).where(
        DOCUMENT.c.search_vector.op("@@")(tsquery)
    )
    return statement


# ts_headline drops what its parser takes for markup (<b>, &amp;): hide those characters
# from it behind private-use stand-ins and put them back afterwards.
_MARKUP, _STAND_INS = "<>&", "\ue002\ue003\ue004"
_RESTORE = str.maketrans(_STAND_INS, _MARKUP)


def snippets(session: Session, query: SearchQuery, ids: list[int]) -> dict[int, str]:
    """The best passage of each document's body, matches between the mark characters."""
    if not ids:
        return {}
    # CONFIG is a module constant; the user's query and the ids are bound parameters.
    statement = text(
        f"SELECT id, ts_headline('{CONFIG}', translate(body, :markup, :stand_ins), "  # nosec B608
        f"to_tsquery('{CONFIG}', :query), :options) FROM search_document WHERE id = ANY(:ids)"
    )
    parameters = {
        "markup": _MARKUP,
        "stand_ins": _STAND_INS,
        "query": query.tsquery(),
        "options": HEADLINE_OPTIONS,
        "ids": list(ids),
    }
    rows = session.execute(statement, parameters)
    return {int(row[0]): str(row[1] or "").translate(_RESTORE) for row in rows}
