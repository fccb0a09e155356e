"""Security headers and CORS on every answer, whoever gives it (route, response cache, rate
limiter, size limits, error handlers), and the docs page under its own CSP with its assets
served by the app."""

import base64
import hashlib
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from httpx2 import Response

from app.api.docs import ASSETS_PREFIX, SWAGGER_UI_VERSION
from app.main import create_app
from app.migrate import upgrade
from app.security import API_CSP, CORS_EXPOSED
from app.settings import Settings
from tests.conftest import MakeApp

ORIGIN = "https://dashboard.example"
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "access-control-allow-origin": "*",
    "access-control-expose-headers": CORS_EXPOSED,
}


def explode() -> None:
    raise RuntimeError("secret-internal-detail")


def answers(make_app: MakeApp) -> dict[int, Response]:
    """One answer of each kind, from an app with every layer on and a burst of 4."""
    app = make_app(rate_limit_enabled=True, rate_limit_burst=4, rate_limit_per_minute=1)
    app.add_api_route("/v1/boom", explode, methods=["GET"])
    got: dict[int, Response] = {}
    with TestClient(app, raise_server_exceptions=False, headers={"Origin": ORIGIN}) as client:
        ok = client.get("/problems/not-found")
        got[200] = ok
        got[304] = client.get("/problems/not-found", headers={"If-None-Match": ok.headers["etag"]})
        got[404] = client.get("/v1/nope")
        got[400] = client.get("/problems/not-found", params={"limit": "0"})
        got[500] = client.get("/v1/boom")
        got[429] = client.get("/problems/not-found")
        got[414] = client.get("/healthz", params={"x": "y" * 3000})
        got[413] = client.post("/v1/nris", content=b"x" * 70_000)
        got[204] = client.options("/v1/nris", headers={"Access-Control-Request-Method": "GET"})
    return got


def test_every_kind_of_answer_carries_the_security_and_cors_headers(make_app: MakeApp) -> None:
    got = answers(make_app)
    assert {status: r.status_code for status, r in got.items()} == {s: s for s in got}
    for status, response in got.items():
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (status, name)
        assert response.headers["content-security-policy"] == API_CSP, status
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"]), status
        # Each header once: layers add, they never repeat.
        for name in (*SECURITY_HEADERS, "content-security-policy", "x-request-id"):
            assert len(response.headers.get_list(name)) == 1, (status, name)


def test_the_500_is_the_problem_without_internals_and_carries_rate_limit_headers(
    make_app: MakeApp,
) -> None:
    response = answers(make_app)[500]
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/internal-error"
    assert "secret-internal-detail" not in response.text
    assert response.headers["ratelimit-limit"] == "4"


def test_preflight_is_204_allowing_read_methods_any_header_for_a_day(client: TestClient) -> None:
    response = client.options(
        "/v1/nris",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match, x-request-id",
        },
    )
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
    assert response.headers["access-control-allow-headers"] == "*"
    assert response.headers["access-control-max-age"] == "86400"
    assert "access-control-allow-credentials" not in response.headers


def test_preflights_cost_no_rate_limit_budget(make_app: MakeApp) -> None:
    app = make_app(rate_limit_enabled=True, rate_limit_burst=2, rate_limit_per_minute=1)
    preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
    with TestClient(app) as client:
        for _ in range(5):
            assert client.options("/problems/not-found", headers=preflight).status_code == 204
        assert client.get("/problems/not-found").headers["ratelimit-remaining"] == "1"


def test_a_plain_options_request_is_left_to_the_app(client: TestClient) -> None:
    # No Access-Control-Request-Method: not a preflight, so the usual 405 problem.
    response = client.options("/v1/nris", headers={"Origin": ORIGIN})
    assert response.status_code == 405
    assert response.headers["access-control-allow-origin"] == "*"


def test_a_cross_origin_get_exposes_the_validators_and_rate_limit_headers(
    client: TestClient,
) -> None:
    response = client.get("/problems/not-found", headers={"Origin": ORIGIN})
    exposed = {
        h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"etag", "link", "last-modified", "retry-after", "x-request-id"} <= exposed
    assert {"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} <= exposed
    assert "access-control-allow-credentials" not in response.headers


# --------------------------------------------------------------------------- the docs


def inline_script_hashes(html: str) -> list[str]:
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    ]


def test_docs_page_policy_allows_its_own_inline_script_by_hash_and_nothing_inline_else(
    client: TestClient,
) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    policy = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    hashes = inline_script_hashes(response.text)
    assert len(hashes) == 1
    assert directives["script-src"].split() == ["'self'", *hashes]
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value


def test_docs_load_nothing_from_another_origin(client: TestClient) -> None:
    html = client.get("/docs").text
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(url.startswith(ASSETS_PREFIX) for url in urls), urls
    assert "validatorUrl" in html and '"validatorUrl": null' in html
    assert client.get("/redoc").status_code == 404


@pytest.mark.parametrize("name", ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"])
def test_docs_assets_come_from_the_packaged_copy_and_are_immutable(
    client: TestClient, name: str
) -> None:
    import swagger_ui_bundle

    response = client.get(f"{ASSETS_PREFIX}/{name}", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.content == (swagger_ui_bundle.swagger_ui_path / name).read_bytes()
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    again = client.get(
        f"{ASSETS_PREFIX}/{name}", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


def test_docs_script_is_sent_compressed_when_accepted(client: TestClient) -> None:
    url = f"{ASSETS_PREFIX}/swagger-ui-bundle.js"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["etag"] != plain.headers["etag"]
    assert zipped.content == plain.content  # httpx decoded it
    assert int(zipped.headers["content-length"]) < len(plain.content) / 2


def test_unknown_docs_asset_is_404(client: TestClient) -> None:
    assert client.get(f"{ASSETS_PREFIX}/index.html").status_code == 404
    assert client.get(f"{ASSETS_PREFIX}/swagger-ui.js.map").status_code == 404
    assert SWAGGER_UI_VERSION.startswith("5.")  # OpenAPI 3.1 needs Swagger UI 5


def test_docs_routes_and_metrics_stay_out_of_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(("/docs", "/metrics"))]


# --------------------------------------------------------------------------- a real browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def docs_server(tmp_path: Path) -> Iterator[str]:
    database_url = f"sqlite:///{tmp_path / 'factsheet.db'}"
    app = create_app(Settings(database_url=database_url, access_log=False, _env_file=None))
    upgrade(app.state.engine)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, ws="none", lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        listener.close()
        app.state.engine.dispose()


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")
def test_docs_render_in_headless_chromium_without_a_csp_violation(
    docs_server: str, tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--log-level=0",
            "--virtual-time-budget=8000",
            "--dump-dom",
            f"{docs_server}/docs#/nris/list_nris",
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert not [line for line in console if "Content Security Policy" in line], console
    # Swagger UI rendered the operations from /openapi.json and expanded the deep-linked one.
    assert done.stdout.count("opblock-summary-path") > 10, done.stdout[:2000]
    assert 'class="opblock-body"' in done.stdout
