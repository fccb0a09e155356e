"""Allowed hosts, the 400 for the others, and the origin of every absolute link."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.hosts import AllowedHosts, host_name, normalise_allowed
from app.seed import sync_seed
from app.settings import Settings, describe_invalid_settings
from tests.conftest import FakeClock, MakeApp

PUBLIC = "https://api.example.org/factsheet"
LINKED = ["/v1/milestones.atom", "/v1/milestones.ics", "/v1/feeds/changes.feed.json"]
API_LINK = re.compile(r"[a-z]+://[^\s\"'<>\\]*?/v1/[^\s\"'<>\\]*")


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("Example.ORG", "example.org"),
        ("example.org:8443", "example.org"),
        ("example.org.", "example.org"),
        ("[::1]:8000", "::1"),
        ("127.0.0.1", "127.0.0.1"),
        ("example.org:99999999", None),
        ("user@example.org", None),
        ("example.org/path", None),
        ("exa mple.org", None),
        ("", None),
    ],
)
def test_host_names_are_read_strictly(value: str, name: str | None) -> None:
    assert host_name(value) == name


def test_allowed_hosts_match_names_domains_and_anything() -> None:
    allowed = AllowedHosts(["Localhost", "::1", ".example.org"], "https://api.example.net:8443")
    assert [allowed.allows(n) for n in ("localhost", "::1", "api.example.net")] == [True] * 3
    assert [allowed.allows(n) for n in ("example.org", "a.b.example.org")] == [True, True]
    assert [allowed.allows(n) for n in ("evil.com", "badexample.org", "127.0.0.1")] == [False] * 3
    assert AllowedHosts(["*"]).allows("anything.at.all")
    assert not AllowedHosts([]).allows("localhost")


@pytest.mark.parametrize("entry", ["http://example.org", "example.org:80", "example.org/x", ""])
def test_an_allowed_host_is_a_name_only(entry: str) -> None:
    with pytest.raises(ValueError):
        normalise_allowed(entry)


def test_a_host_not_allowed_is_a_400_problem_before_the_cache(
    make_app: MakeApp, seeded: dict[str, Any]
) -> None:
    app = make_app()
    with TestClient(app) as client:
        refused = client.get("/v1/milestones.atom?sort=title", headers={"Host": "evil.com"})
        assert client.get("/v1/milestones.atom", headers={"Host": "evil.com"}).status_code == 400
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["cache-control"] == "no-store"
    assert refused.headers["x-content-type-options"] == "nosniff"
    reason = "names a host this API does not answer to"
    assert refused.json() == {
        "type": "/problems/invalid-parameter",
        "title": "Invalid parameter",
        "status": 400,
        "detail": f"The Host header {reason}.",
        "instance": "/v1/milestones.atom?sort=title",
        "errors": [{"name": "Host", "in": "header", "reason": reason}],
    }
    assert len(app.state.response_store) == 0


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_and_metrics_answer_any_host(client: TestClient, path: str) -> None:
    # Load balancers and Prometheus address a replica by its IP address.
    assert client.get(path, headers={"Host": "10.1.2.3:8000"}).status_code != 400


def links(client: TestClient, headers: dict[str, str] | None = None) -> set[str]:
    found = set()
    for path in LINKED:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.text
        found |= set(API_LINK.findall(response.text.replace("\r\n ", "")))
    return found


def test_links_follow_the_allowed_host_without_a_public_base_url(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    found = links(client, {"Host": "LOCALHOST:8000"})
    assert found and all(link.startswith("http://localhost:8000/v1/") for link in found)


def test_with_a_public_base_url_every_link_starts_with_it(
    make_app: MakeApp, seed_data: dict[str, Any], clock: FakeClock
) -> None:
    app = make_app(public_base_url=PUBLIC)
    sync_seed(app.state.engine, seed_data, now=clock.now)
    with TestClient(app) as client:
        found = links(client) | links(client, {"Host": "api.example.org"})
    assert f"{PUBLIC}/v1/milestones/ms-001" in found
    assert all(link.startswith(PUBLIC + "/v1/") for link in found)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("https://API.example.org/", "https://api.example.org"),
        ("http://localhost:8000/api/v2/", "http://localhost:8000/api/v2"),
        ("", None),
    ],
)
def test_the_public_base_url_is_kept_without_a_trailing_slash(value: str, stored: str) -> None:
    assert Settings(public_base_url=value, _env_file=None).public_base_url == stored


@pytest.mark.parametrize(
    "value",
    [
        "ftp://api.example.org",
        "api.example.org",
        "https://",
        "https://user:secret@api.example.org",
        "https://api.example.org/?x=1",
        "https://api.example.org/#top",
        "https://api.example.org/a b",
        'https://api.example.org/"><script>',
    ],
)
def test_a_public_base_url_must_be_a_plain_http_or_https_url(value: str) -> None:
    with pytest.raises(ValidationError):
        Settings(public_base_url=value, _env_file=None)


def test_settings_read_comma_separated_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACTSHEET_TRUSTED_PROXIES", "10.0.0.0/8, 2001:db8::1")
    monkeypatch.setenv("FACTSHEET_ALLOWED_HOSTS", "API.example.org,[::1], .example.net")
    monkeypatch.setenv("FACTSHEET_METRICS_ALLOWED_NETWORKS", "")
    settings = Settings(_env_file=None)
    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.0/8", "2001:db8::1/128"]
    assert settings.allowed_hosts == ["api.example.org", "::1", ".example.net"]
    assert settings.metrics_allowed_networks == []


def test_the_defaults_trust_no_proxy_and_answer_loopback_names() -> None:
    settings = Settings(_env_file=None)
    assert settings.trusted_proxies == [] and settings.public_base_url is None
    assert settings.allowed_hosts == ["localhost", "127.0.0.1", "::1"]
    assert [str(n) for n in settings.metrics_allowed_networks] == ["127.0.0.0/8", "::1/128"]
    assert settings.metrics_token is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"trust_forwarded_for": "true"}, "FACTSHEET_TRUST_FORWARDED_FOR='true': Value error, "),
        ({"trusted_proxies": "10.0.0.1/8"}, "FACTSHEET_TRUSTED_PROXIES='10.0.0.1/8': "),
        ({"allowed_hosts": "example.org:443"}, "FACTSHEET_ALLOWED_HOSTS='example.org:443': "),
        ({"metrics_token": "short-secret"}, "FACTSHEET_METRICS_TOKEN: Value error, must be at"),
    ],
)
def test_a_bad_setting_is_named_and_a_token_never_echoed(
    overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(**overrides, _env_file=None)  # type: ignore[arg-type]
    described = describe_invalid_settings(caught.value)
    assert described.startswith(message)
    assert "short-secret" not in described
