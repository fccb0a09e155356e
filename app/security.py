"""Security headers and CORS on every response, as one pure ASGI layer.

Headers: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, frame protection
(`X-Frame-Options: DENY` for old browsers, `frame-ancestors 'none'` for new ones) and a
Content-Security-Policy: `default-src 'none'` for the API, whose JSON is never a document
to render, and for the docs page only what Swagger UI needs, served by the app itself.

CORS: the API is public and read-only, and sends no credentials, so any origin may read it.
`Access-Control-Allow-Origin: *` goes on every response, not only on those to requests
with an Origin: a shared cache may then hand any stored response to any page, and nothing
varies on Origin. Preflights are answered here with 204, before rate limiting and the app.

An unhandled exception would otherwise be answered by the framework from outside every
middleware, without these headers; so the innermost of this layer and the rate limiter turns
it into the 500 problem itself, then re-raises it so the framework still logs it (once) and
the server still sees it.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.asgi_headers import Headers, serve_with_headers

API_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
# Pages for people (app.api.html): the stylesheet and images from here, forms sent here, and
# nothing else: no script at all, no inline style. A page sends this policy itself; a
# response's own policy wins over the one this layer would add (_own_policy_wins).
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
CSP = b"content-security-policy"
CORS_METHODS = "GET, HEAD, OPTIONS"
# What a page on another origin may read besides the CORS-safelisted response headers.
CORS_EXPOSED = (
    "ETag, Link, Last-Modified, Retry-After, RateLimit-Limit, RateLimit-Remaining, "
    "RateLimit-Reset, RateLimit-Policy, X-Request-ID"
)
PREFLIGHT_MAX_AGE = 86_400  # browsers cap it lower (Chromium: 2 hours); asking more is harmless


def docs_csp(script_hashes: list[str]) -> str:
    """The docs page: its own scripts and styles, the inline bootstrap script by hash, the
    OpenAPI document fetched from here, and the data: images Swagger UI's CSS uses."""
    scripts = " ".join(["'self'", *(f"'{h}'" for h in script_hashes)])
    return (
        f"default-src 'none'; script-src {scripts}; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def _common() -> Headers:
    return [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"access-control-allow-origin", b"*"),
        (b"access-control-expose-headers", CORS_EXPOSED.encode()),
    ]


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, docs_paths: frozenset[str], docs_policy: str) -> None:
        self.app = app
        self.docs_paths = docs_paths
        self._api = [*_common(), (b"content-security-policy", API_CSP.encode())]
        self._docs = [*_common(), (b"content-security-policy", docs_policy.encode())]
        self._preflight = [
            *self._api,
            (b"access-control-allow-methods", CORS_METHODS.encode()),
            # Without credentials `*` allows any request header (Fetch standard).
            (b"access-control-allow-headers", b"*"),
            (b"access-control-max-age", str(PREFLIGHT_MAX_AGE).encode()),
            (b"cache-control", b"no-store"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and _is_preflight(scope):
            await send({"type": "http.response.start", "status": 204, "headers": self._preflight})
            await send({"type": "http.response.body", "body": b""})
            return
        extra = self.headers_for_path(scope["path"])

        async def headers_for(status: int) -> Headers:
            return extra

        async def send_with_one_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _own_policy_wins(message["headers"])
            await send(message)

        await serve_with_headers(self.app, scope, receive, send_with_one_policy, headers_for)

    def headers_for_path(self, path: str) -> Headers:
        """The headers every response to `path` gets (after its own)."""
        return self._docs if path in self.docs_paths else self._api

    def headers_for_response(self, path: str, own: Headers) -> Headers:
        """headers_for_path, without its policy when the response has its own (a page)."""
        extra = self.headers_for_path(path)
        if any(name == CSP for name, _ in own):
            return [(name, value) for name, value in extra if name != CSP]
        return extra


def _own_policy_wins(headers: Headers) -> Headers:
    """Two policies would both be enforced, the stricter winning everywhere: the API's
    `default-src 'none'` would refuse a page its stylesheet. The first is the response's
    own (this layer's come after it), so any later one is dropped."""
    policies = [i for i, (name, _) in enumerate(headers) if name == CSP]
    if len(policies) < 2:
        return headers
    return [h for i, h in enumerate(headers) if i not in policies[1:]]


def _is_preflight(scope: Scope) -> bool:
    has_origin = asks_method = False
    for name, _ in scope["headers"]:
        if name == b"origin":
            has_origin = True
        elif name == b"access-control-request-method":
            asks_method = True
    return has_origin and asks_method
