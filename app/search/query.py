"""What a user typed, turned into a query that can be handed to either database safely.

User syntax is never passed through: FTS5 and tsquery both have operators (AND OR NOT NEAR
* ^ : ( ) - & | ! <->) that would turn a typo into a syntax error (a 500) or into a
different question. Instead the text is split into words (runs of Unicode letters and
digits), and each backend quotes every word itself.

The rules, the same on SQLite and PostgreSQL:

* every term must match (AND); word order does not matter;
* a term is matched as a word prefix, after a light English plural is taken off, so
  `initiatives` finds "initiative", `Tuni` finds "Tunis" and `RIRs` finds "RIR";
* a token with punctuation inside (`A/RES/80/173`, `WSIS+20`, `e-government`) is a phrase of
  its words, its last word a prefix; text in double quotes is an exact phrase (no prefix);
* a few very common English words (the, in, of, ...) are dropped, unless the query has
  nothing else;
* matching ignores case but not accents (PostgreSQL has no accent folding without an
  extension, and both backends must agree).
"""

import re
import unicodedata
from dataclasses import dataclass

MAX_TERMS = 12

# Words that would match nearly every record. Deliberately short: a word dropped here can
# never be searched for on its own, except as the whole query.
STOPWORDS = frozenset(
    "a an and are as at be by for from in into is it its of on or not that the this to was "
    "were with".split()
)
_WORD = re.compile(r"[^\W_]+")
_QUOTED = re.compile(r'"([^"]*)"')
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)


class EmptyQuery(ValueError):
    """Nothing searchable is left: no letters or digits at all."""


class TooManyTerms(ValueError):
    """More terms than a query may have."""


@dataclass(frozen=True)
class Term:
    """Consecutive words (a phrase when more than one); `prefix`: the last is a prefix."""

    words: tuple[str, ...]
    prefix: bool


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[Term, ...]

    def fts5(self) -> str:
        """An FTS5 MATCH expression: every word in double quotes."""
        return " AND ".join(
            '"' + " ".join(term.words) + '"' + ("*" if term.prefix else "") for term in self.terms
        )

    def tsquery(self) -> str:
        """A to_tsquery('simple', ...) expression: every word in single quotes."""

        def quoted(word: str) -> str:
            return "'" + word.replace("'", "''") + "'"

        parts = []
        for term in self.terms:
            words = [quoted(w) for w in term.words]
            if term.prefix:
                words[-1] += ":*"
            parts.append(" <-> ".join(words))
        return " & ".join(f"({p})" if " " in p else p for p in parts)


def singular(word: str) -> str:
    """Takes an English plural ending off, so the prefix also matches the singular."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3]
    if len(word) > 4 and word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORD.findall(text))


def parse(text: str) -> SearchQuery:
    """The query `text` means; EmptyQuery or TooManyTerms if it cannot be searched."""
    text = unicodedata.normalize("NFC", text)
    terms: list[Term] = []
    for phrase in _QUOTED.findall(text):
        words = _words(phrase)
        if words:
            terms.append(Term(words, prefix=False))
    # An unbalanced quote is just punctuation.
    for token in _QUOTED.sub(" ", text).replace('"', " ").split():
        words = _words(_POSSESSIVE.sub("", token))
        if words:
            terms.append(Term((*words[:-1], singular(words[-1])), prefix=True))
    if not terms:
        raise EmptyQuery("the query has no letters or digits to search for")
    meaningful = [t for t in terms if not (len(t.words) == 1 and t.words[0] in STOPWORDS)]
    unique = tuple(dict.fromkeys(meaningful or terms))
    if len(unique) > MAX_TERMS:
        raise TooManyTerms(f"at most {MAX_TERMS} words or phrases may be searched for at once")
    return SearchQuery(unique)
