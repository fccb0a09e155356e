"""What `q` should match, worked out in Python from a record's search document: every term
of the query (app.search.query) is found in the title or in the body, a phrase as
consecutive words, the last word of an unquoted term as a prefix. Tests compare the
database's answer with this."""

import re
from typing import Any

from app.search.documents import sources
from app.search.query import Term, parse

_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _found(term: Term, tokens: list[str]) -> bool:
    n = len(term.words)
    for start in range(len(tokens) - n + 1):
        window = tokens[start : start + n]
        if window[:-1] != list(term.words[:-1]):
            continue
        last, wanted = window[-1], term.words[-1]
        if last == wanted or (term.prefix and last.startswith(wanted)):
            return True
    return False


def matches(q: str, collection: str, record: dict[str, Any]) -> bool:
    """Whether `q` finds `record` (a seed.json record of `collection`, its URL name)."""
    title, body = sources()[collection].build(record)
    fields = [words(title), words(body)]
    return all(any(_found(term, tokens) for tokens in fields) for term in parse(q).terms)
