"""Which Host names the API answers to, and where its absolute links point.

Feeds and calendars carry absolute links. With FACTSHEET_PUBLIC_BASE_URL they all start with
it, whatever the request said. Without it they start with the scheme and the Host of the
request, which is safe only because the Host was checked first: a request whose Host is not
in FACTSHEET_ALLOWED_HOSTS (by default the loopback names, plus the public base URL's host)
is answered 400 here, before the response cache, so `Host: evil.com` can neither put
evil.com into a link nor into a cached body. A request without a Host (HTTP/1.0) is refused
the same way rather than given links to whatever address the server is bound to.

The probes and /metrics are exempt: load balancers and Prometheus often address a replica
by its IP address, and none of them carry links.

The scheme is the connection's, or `X-Forwarded-Proto` (`http` or `https` only) from a
trusted proxy (app.client_address); this layer writes it into the scope so the response
cache and the links agree on it.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.asgi_headers import request_header
from app.client_address import Networks, forwarded_scheme
from app.errors import problem_response

ANY = "*"
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
MEMO_HOSTS = 64  # Host values whose verdict is remembered
MEMO_HOST_CHARS = 300  # longer ones are judged afresh every time
# A host name or an IP literal, and an optional port: what a Host header may hold (RFC 9110
# 7.2), without the rarely used percent-encoded names. Applied to lower-cased text.
HOST = re.compile(r"(?P<host>\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::(?P<port>[0-9]{1,5}))?")


def host_name(value: str) -> str | None:
    """The name in a Host value, lower-cased, without port, brackets or a trailing dot; None
    when the value is no host at all."""
    match = HOST.fullmatch(value.strip().lower())
    if match is None:
        return None
    return match.group("host").strip("[]").rstrip(".") or None


def normalise_allowed(entry: str) -> str:
    """An FACTSHEET_ALLOWED_HOSTS entry as it is compared: `*`, `.example.org` (the domain and
    every subdomain), or a host name or IP address (`[::1]` and `::1` alike). Raises
    ValueError for anything with a scheme, a port or a path."""
    entry = entry.strip().lower()
    if entry == ANY:
        return ANY
    bare = entry[1:] if entry.startswith(".") else entry
    if ":" in bare and not bare.startswith("["):
        bare = f"[{bare}]"  # an IPv6 address written without brackets
    match = HOST.fullmatch(bare)
    name = host_name(bare)
    if match is None or match.group("port") or name is None:
        raise ValueError(f"{entry!r} is not a host name (no scheme, port or path)")
    return "." + name if entry.startswith(".") else name


class AllowedHosts:
    def __init__(self, entries: Iterable[str], public_base_url: str | None = None) -> None:
        normalised = {normalise_allowed(entry) for entry in entries}
        public = host_name(urlsplit(public_base_url).netloc) if public_base_url else None
        if public is not None:
            normalised.add(public)
        self.any = ANY in normalised
        self.names = frozenset(n for n in normalised if not n.startswith("."))
        self.domains = tuple(n for n in normalised if n.startswith("."))

    def allows(self, name: str) -> bool:
        if self.any or name in self.names:
            return True
        return any(name.endswith(domain) or name == domain[1:] for domain in self.domains)


def link_origin(request: Request) -> str:
    """What every absolute link starts with: the public base URL, else the scheme and the
    (already checked) Host of this request."""
    base: str | None = request.app.state.settings.public_base_url
    if base:
        return base
    host = request_header(request.scope, b"host")
    return f"{request.scope['scheme']}://{host.strip().lower()}" if host else ""


@dataclass
class HostsMiddleware:
    app: ASGIApp
    allowed: AllowedHosts
    trusted_proxies: Networks
    exempt: frozenset[str] = EXEMPT_PATHS
    # Host values seen, and whether they are answered: the same few come with every request.
    _verdicts: dict[str, bool] = field(default_factory=dict, init=False, repr=False)

    def admits(self, scope: Scope) -> bool:
        """Whether the Host is one to answer (or the path is exempt). Writes the scheme the
        client used into the scope first, either way."""
        scheme = forwarded_scheme(scope, self.trusted_proxies)
        if scheme is not None:
            scope["scheme"] = scheme
        if scope["path"] in self.exempt:
            return True
        value = request_header(scope, b"host")
        if value is None:
            return False
        verdict = self._verdicts.get(value)
        if verdict is None:
            name = host_name(value)
            verdict = name is not None and self.allowed.allows(name)
            if len(value) <= MEMO_HOST_CHARS:
                if len(self._verdicts) >= MEMO_HOSTS:
                    self._verdicts.clear()
                self._verdicts[value] = verdict
        return verdict

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.admits(scope):
            await self.app(scope, receive, send)
            return
        await self._refuse(scope, receive, send, request_header(scope, b"host") is None)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, missing: bool) -> None:
        reason = "is required" if missing else "names a host this API does not answer to"
        query = scope["query_string"].decode("latin-1")
        response = problem_response(
            Request(scope),
            400,
            "invalid-parameter",
            "Invalid parameter",
            f"The Host header {reason}.",  # never echoed: it is whatever the client sent
            [{"name": "Host", "in": "header", "reason": reason}],
            # Request.url would parse the Host, which is the very thing in doubt.
            instance=scope["path"] + (f"?{query}" if query else ""),
        )
        await response(scope, receive, send)
