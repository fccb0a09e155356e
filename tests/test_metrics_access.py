"""/metrics for allowed networks and the bearer token only, over ASGI with chosen peers."""

from ipaddress import ip_network

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from tests.conftest import MakeApp

TOKEN = "a-token-long-enough-to-count"
STRANGER = ("203.0.113.9", 50000)


def scrape(app: FastAPI, peer: tuple[str, int], headers: dict[str, str] | None = None) -> int:
    with TestClient(app, client=peer) as client:
        return client.get("/metrics", headers=headers).status_code


@pytest.mark.parametrize(
    ("peer", "status"),
    [
        (("127.0.0.1", 1), 200),
        (("127.9.9.9", 1), 200),
        (("::1", 1), 200),
        (("::ffff:127.0.0.1", 1), 200),
        (STRANGER, 404),
        (("2001:db8::1", 1), 404),
        (("testclient", 1), 404),
    ],
)
def test_by_default_only_loopback_may_scrape(
    make_app: MakeApp, peer: tuple[str, int], status: int
) -> None:
    assert scrape(make_app(), peer) == status


def test_a_stranger_gets_the_404_of_a_server_without_metrics(make_app: MakeApp) -> None:
    with TestClient(make_app(), client=STRANGER) as client:
        refused = client.get("/metrics")
    with TestClient(make_app(metrics_enabled=False), client=STRANGER) as client:
        absent = client.get("/metrics")
    volatile = {"x-request-id", "content-length"}
    assert (refused.status_code, refused.content) == (absent.status_code, absent.content)
    assert {k: v for k, v in refused.headers.items() if k not in volatile} == {
        k: v for k, v in absent.headers.items() if k not in volatile
    }


def test_the_token_opens_metrics_from_anywhere(make_app: MakeApp) -> None:
    app = make_app(metrics_token=SecretStr(TOKEN), metrics_allowed_networks=[])
    assert scrape(app, ("127.0.0.1", 1)) == 404
    assert scrape(app, STRANGER, {"Authorization": f"Bearer {TOKEN}"}) == 200
    assert scrape(app, STRANGER, {"Authorization": f"bearer  {TOKEN} "}) == 200
    for wrong in (f"Bearer {TOKEN}-", f"Basic {TOKEN}", "Bearer", TOKEN):
        assert scrape(app, STRANGER, {"Authorization": wrong}) == 404, wrong


def test_behind_a_trusted_proxy_the_client_it_names_is_checked(make_app: MakeApp) -> None:
    app = make_app(trusted_proxies=[ip_network("10.0.0.0/8")])
    proxy = ("10.0.0.2", 1)
    assert scrape(app, proxy, {"X-Forwarded-For": "203.0.113.9"}) == 404
    # The client wrote the left entry; the proxy appended what it saw.
    assert scrape(app, proxy, {"X-Forwarded-For": "127.0.0.1, 203.0.113.9"}) == 404
    assert scrape(app, proxy, {"X-Forwarded-For": "127.0.0.1"}) == 200
