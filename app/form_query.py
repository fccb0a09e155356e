"""A browser sends every field of a GET form, the empty ones too (`?kind=&region=Africa`);
to the API an empty value is an invalid one. On `.html` URLs, where the pages' forms send
their queries, an empty parameter means "not given" and is dropped before the request is
routed. Every other URL keeps refusing it."""

from starlette.types import ASGIApp, Receive, Scope, Send

SUFFIX = ".html"


def without_empty_values(query: bytes) -> bytes:
    return b"&".join(pair for pair in query.split(b"&") if pair and not pair.endswith(b"="))


class FormQueryMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].endswith(SUFFIX):
            query = scope.get("query_string", b"")
            if b"=&" in query or query.endswith(b"=") or b"&&" in query:
                scope = {**scope, "query_string": without_empty_values(query)}
        await self.app(scope, receive, send)
