"""Who the client is, and which scheme it used: the one place that reads forwarding headers.

The client is the TCP peer. Only when the peer is one of FACTSHEET_TRUSTED_PROXIES are
`X-Forwarded-For` (or RFC 7239 `Forwarded`) and `X-Forwarded-Proto` believed, since anyone
else can write them. Each proxy appends the address it received the request from, so the
hops are read right to left, past every trusted proxy, and the first address that is not a
trusted proxy is the client: everything further left was written by that client and proves
nothing. A hop on that walk that is not an IP address (`unknown`, `"><script>`, 5,000 × `x`)
makes the whole header untrustworthy, and the peer is the client again.

uvicorn would do its own version of this (and trust 127.0.0.1 by default); `factsheet serve`
turns it off so that the rate limiter, the access log, /metrics and the links in feeds all
see the same answer.
"""

from collections.abc import Sequence
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from starlette.types import Scope

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address
Networks = Sequence[Network]

UNKNOWN = "unknown"  # no peer address at all (a Unix socket)
MAX_NODE = 64  # longer than any address with brackets and a port
SCHEMES = frozenset({"http", "https"})
# Several layers ask who the client is; behind proxies the answer is worked out once per
# request and kept in the scope, with the proxy list it was worked out for.
FOUND = "factsheet.client_address"


def parse_node(text: str) -> Address | None:
    """An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
    `[2001:db8::1]` or `[2001:db8::1]:4711`, quoted or not. IPv4-mapped IPv6 addresses
    become IPv4 (a dual-stack listener reports IPv4 peers that way). Anything else, zone
    ids included, is None."""
    text = text.strip().strip('"')
    if not text or len(text) > MAX_NODE or "%" in text:
        return None
    return _parse_node(text)


@lru_cache(maxsize=4096)  # parsing costs microseconds; the same few addresses come back
def _parse_node(text: str) -> Address | None:
    if text.startswith("["):
        end = text.find("]")
        rest = text[end + 1 :] if end != -1 else ""
        if end == -1 or (rest and not (rest[0] == ":" and rest[1:].isdigit())):
            return None
        text = text[1:end]
    elif text.count(":") == 1:  # IPv4 with a port
        text, _, port = text.partition(":")
        if not port.isdigit():
            return None
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted(address: Address, proxies: Networks) -> bool:
    return any(address in network for network in proxies)


def _forwarded_for(value: str) -> list[str]:
    """The `for=` of each element of a Forwarded value, left to right; an element without
    one counts as a hop that cannot be believed."""
    hops = []
    for element in value.split(","):
        found = ""
        for pair in element.split(";"):
            name, _, content = pair.strip().partition("=")
            if name.lower() == "for":
                found = content
        hops.append(found)
    return hops


def forwarded_hops(scope: Scope) -> list[str] | None:
    """The hops the proxies recorded, oldest first: every X-Forwarded-For field line in
    order, or else every Forwarded one. None when there are none, and when both headers
    came: a proxy that writes one of them passes the other on as the client sent it, and
    nothing says which one it wrote."""
    forwarded_for: list[str] = []
    forwarded: list[str] = []
    for name, value in scope["headers"]:
        if name == b"x-forwarded-for":
            forwarded_for.extend(value.decode("latin-1").split(","))
        elif name == b"forwarded":
            forwarded.extend(_forwarded_for(value.decode("latin-1")))
    if forwarded_for and forwarded:
        return None
    return forwarded_for or forwarded or None


def _trusted_peer(scope: Scope, proxies: Networks) -> Address | None:
    """The peer's address when it is a trusted proxy."""
    client = scope.get("client")
    if not proxies or not client:
        return None
    peer = parse_node(str(client[0]))
    return peer if peer is not None and is_trusted(peer, proxies) else None


def client_address(scope: Scope, proxies: Networks) -> str:
    """The client's IP address as text (see the module docstring); `unknown` without a peer."""
    client = scope.get("client")
    peer = str(client[0]) if client else UNKNOWN
    if not proxies:
        return peer
    known = scope.get(FOUND)
    if known is not None and known[0] is proxies:
        return str(known[1])
    address = _behind(scope, proxies, peer)
    scope[FOUND] = (proxies, address)
    return address


def _behind(scope: Scope, proxies: Networks, peer: str) -> str:
    found = _trusted_peer(scope, proxies)
    if found is None:
        return peer
    hops = forwarded_hops(scope)
    if hops is None:
        return peer
    for hop in reversed(hops):
        address = parse_node(hop)
        if address is None:
            return peer
        if not is_trusted(address, proxies):
            return str(address)
        found = address
    # Every hop is a trusted proxy: the left-most was written by the first of them.
    return str(found)


def forwarded_scheme(scope: Scope, proxies: Networks) -> str | None:
    """`http` or `https` from X-Forwarded-Proto when a trusted proxy sent it (the right-most
    value, the nearest proxy's), else None: any other value (`ws`, `javascript`) is ignored."""
    if _trusted_peer(scope, proxies) is None:
        return None
    value = None
    for name, raw in scope["headers"]:
        if name == b"x-forwarded-proto":
            value = raw.decode("latin-1")
    if value is None:
        return None
    scheme = value.rsplit(",", 1)[-1].strip().lower()
    return scheme if scheme in SCHEMES else None
