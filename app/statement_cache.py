"""Statements made once per shape and run again with each request's values.

Building a list's page statement (its columns, filters, keyset predicate, count and extras)
and then SQLAlchemy's cache key for it took a fifth of an uncached list request, although
requests of the same shape (same sort and direction, same filters given, a cursor or not)
differ only in their values. So each shape's statement is built once, with every value a
named parameter, and later requests of that shape pass their values by those names.

A request's filters are read as SQLAlchemy sees them: the cache key of its own conditions
(cheap: a few elements) gives their structure, which picks the statement, and their bound
values in a fixed order, which are passed as `_v0`, `_v1`, ... The held statement's copies
of those conditions were renamed to match once, when it was built."""

import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from sqlalchemy import BindParameter, bindparam
from sqlalchemy.sql.elements import ClauseList
from sqlalchemy.sql.visitors import replacement_traverse

Build = Callable[[Sequence[Any]], Any]
# Shapes are few (sorts x directions x which filters are given), but a bound keeps a client
# that walks through every combination from growing the process without end.
MAX_SHAPES = 1024


class StatementCache:
    def __init__(self, max_shapes: int = MAX_SHAPES) -> None:
        self._held: dict[Hashable, Any] = {}
        self._max = max_shapes
        self._lock = threading.Lock()

    def get(
        self, shape: Hashable, variable: Sequence[Any], build: Build
    ) -> tuple[Any, dict[str, Any]]:
        """The statement for `shape` with `variable` (the request's own SQL elements, such as
        its filters), and the parameters that give it this request's values. `build` makes
        the statement from the elements it is given, on the first request of a shape."""
        if not variable:
            found = self._held.get(shape)
            if found is None:
                found = self._hold(shape, build([]))
            return found, {}
        key = ClauseList(*variable)._generate_cache_key()
        if key is None:  # an element SQLAlchemy cannot cache: built for this request only
            return build(variable), {}
        values = {f"_v{i}": bind.effective_value for i, bind in enumerate(key.bindparams)}
        full_shape = (shape, key.key)
        found = self._held.get(full_shape)
        if found is None:
            found = self._hold(full_shape, build(_named(variable, key.bindparams)))
        return found, values

    def _hold(self, shape: Hashable, statement: Any) -> Any:
        with self._lock:
            if len(self._held) >= self._max:
                self._held.clear()
            return self._held.setdefault(shape, statement)


def _named(variable: Sequence[Any], binds: Sequence[BindParameter[Any]]) -> list[Any]:
    """Copies of `variable` whose bound values are parameters named by their place."""
    names: dict[int, str] = {}
    for i, bind in enumerate(binds):
        names.setdefault(id(bind), f"_v{i}")

    def rename(element: Any, **_kw: Any) -> Any:
        if not isinstance(element, BindParameter) or id(element) not in names:
            return None
        return bindparam(
            names[id(element)],
            element.value,
            type_=element.type,
            expanding=element.expanding,
            literal_execute=element.literal_execute,
        )

    return [replacement_traverse(element, {}, rename) for element in variable]
