"""Who the client is and which scheme it used, from the peer and the forwarding headers."""

from ipaddress import IPv4Address, IPv6Address, ip_network

import pytest

from app.client_address import client_address, forwarded_scheme, parse_node

PROXIES = [ip_network("10.0.0.0/8"), ip_network("2001:db8:ffff::/48")]
PROXY = "10.0.0.2"


def scope(peer: str | None = PROXY, *headers: tuple[str, str]) -> dict[str, object]:
    raw = [(name.lower().encode(), value.encode("latin-1")) for name, value in headers]
    return {"type": "http", "client": (peer, 50000) if peer else None, "headers": raw}


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("192.0.2.1", IPv4Address("192.0.2.1")),
        (" 192.0.2.1:4711 ", IPv4Address("192.0.2.1")),
        ('"[2001:db8::1]:4711"', IPv6Address("2001:db8::1")),
        ("[2001:db8::1]", IPv6Address("2001:db8::1")),
        ("2001:db8::1", IPv6Address("2001:db8::1")),
        ("::ffff:192.0.2.1", IPv4Address("192.0.2.1")),
        ("192.0.2.1:http", None),
        ("[2001:db8::1]x", None),
        ("[2001:db8::1", None),
        ("fe80::1%eth0", None),
        ("unknown", None),
        ("_hidden", None),
        ('"><script>', None),
        ("x" * 5000, None),
        ("", None),
    ],
)
def test_only_ip_addresses_are_nodes(text: str, address: object) -> None:
    assert parse_node(text) == address


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_headers() -> None:
    forged = scope("203.0.113.9", ("X-Forwarded-For", "198.51.100.1"), ("Forwarded", "for=1.2.3.4"))
    assert client_address(forged, []) == "203.0.113.9"
    assert client_address(forged, PROXIES) == "203.0.113.9"  # a peer that is no proxy
    assert client_address(scope(None), PROXIES) == "unknown"


@pytest.mark.parametrize(
    ("headers", "client"),
    [
        ([("X-Forwarded-For", "198.51.100.1, 203.0.113.9")], "203.0.113.9"),
        ([("X-Forwarded-For", "203.0.113.9, 10.1.1.1, 10.2.2.2")], "203.0.113.9"),
        ([("X-Forwarded-For", "not-an-ip, 203.0.113.9")], "203.0.113.9"),
        # Field lines are one list, in order (RFC 9110 5.3).
        ([("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded-For", "10.1.1.1")], "203.0.113.9"),
        ([("X-Forwarded-For", "10.1.1.1")], "10.1.1.1"),
        ([("X-Forwarded-For", "203.0.113.9, not-an-ip")], PROXY),
        ([("X-Forwarded-For", "203.0.113.9,")], PROXY),
        ([("X-Forwarded-For", "x" * 5000)], PROXY),
        ([("Forwarded", 'for=192.0.2.1, for="[2001:db8::7]:4711";proto=https')], "2001:db8::7"),
        ([("Forwarded", "for=192.0.2.60;by=10.0.0.2")], "192.0.2.60"),
        ([("Forwarded", 'for="[2001:db8:ffff::1]", FOR=192.0.2.60')], "192.0.2.60"),
        ([("Forwarded", "by=10.0.0.2")], PROXY),
        ([("Forwarded", "for=unknown")], PROXY),
        ([("X-Forwarded-For", "203.0.113.9"), ("Forwarded", "for=192.0.2.1")], PROXY),
        ([], PROXY),
    ],
)
def test_behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client(
    headers: list[tuple[str, str]], client: str
) -> None:
    assert client_address(scope(PROXY, *headers), PROXIES) == client


def test_a_dual_stack_listener_reports_a_trusted_ipv4_proxy_as_ipv4_mapped() -> None:
    behind = scope("::ffff:10.0.0.2", ("X-Forwarded-For", "203.0.113.9"))
    assert client_address(behind, PROXIES) == "203.0.113.9"


@pytest.mark.parametrize(
    ("peer", "value", "scheme"),
    [
        (PROXY, "https", "https"),
        (PROXY, " HTTP ", "http"),
        (PROXY, "http, https", "https"),
        (PROXY, "ws", None),
        (PROXY, "javascript", None),
        ("203.0.113.9", "https", None),
    ],
)
def test_the_forwarded_scheme_is_http_or_https_from_a_trusted_proxy(
    peer: str, value: str, scheme: str | None
) -> None:
    assert forwarded_scheme(scope(peer, ("X-Forwarded-Proto", value)), PROXIES) == scheme
    assert forwarded_scheme(scope(peer), PROXIES) is None
