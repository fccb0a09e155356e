"""The methods a path takes, for a 405's Allow header (RFC 9110 15.5.6).

Starlette answers a 405 with the methods of the first route whose path matched; a record's
URL has several routes (GET, and the writes), so the header is rebuilt here from all of
them."""

import re
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.routing import compile_path

ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _table(app: Any) -> list[tuple[re.Pattern[str], frozenset[str]]]:
    table: list[tuple[re.Pattern[str], frozenset[str]]] | None = getattr(
        app.state, "allow_table", None
    )
    if table is None:
        table = []
        for context in iter_route_contexts(app.router.routes):
            if context.path is not None and context.methods:
                table.append((compile_path(context.path)[0], frozenset(context.methods)))
        app.state.allow_table = table
    return table


def allowed_methods(app: Any, path: str) -> str:
    """`GET, HEAD, PUT, ...` for the path; HEAD wherever GET is (the response cache answers
    it)."""
    methods = {m for pattern, ms in _table(app) if pattern.match(path) for m in ms}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(m for m in ORDER if m in methods)
