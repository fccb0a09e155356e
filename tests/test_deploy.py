"""deploy/compose.yaml cannot run here (no container engine), so check what can be checked:
it parses, its services fit together, and every setting it and the README name is one the
app actually reads, with a value the app accepts."""

import re
import tomllib
from ipaddress import ip_address, ip_network
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app.cli import build_parser
from app.main import create_app
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "deploy" / "compose.yaml"
NGINX = ROOT / "deploy" / "nginx.conf"
PREFIX = "FACTSHEET_"
# Read by the tests and the benchmark, not by the app.
NOT_SETTINGS = {
    "FACTSHEET_TEST_DATABASE_URL",
    "FACTSHEET_TEST_CONTRACT_CHECK",
    "FACTSHEET_TEST_SCREENSHOTS_DIR",
    "FACTSHEET_BENCH_PG_URL",
}
POSTGRES_MAX_CONNECTIONS = 100  # PostgreSQL's default


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def api_env(compose: dict[str, Any]) -> dict[str, str]:
    env: dict[str, str] = compose["services"]["api"]["environment"]
    return env


def field_name(variable: str) -> str:
    return variable.removeprefix(PREFIX).lower()


def test_compose_has_postgresql_two_api_replicas_and_a_proxy(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"db", "api", "proxy"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["api"]["deploy"]["replicas"] == 2
    assert services["api"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["proxy"]["depends_on"]["api"]["condition"] == "service_healthy"


def test_every_api_variable_is_a_setting_with_a_valid_value(compose: dict[str, Any]) -> None:
    env = api_env(compose)
    assert all(name.startswith(PREFIX) for name in env)
    unknown = [name for name in env if field_name(name) not in Settings.model_fields]
    assert unknown == []
    values: dict[str, Any] = {field_name(k): v for k, v in env.items()}
    settings = Settings(**values, _env_file=None)
    assert settings.workers == 2
    # Forwarding headers are believed from nginx alone, at the address compose gives it.
    proxy = compose["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    assert [str(n) for n in settings.trusted_proxies] == [f"{proxy}/32"]
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ip_address(proxy) in ip_network(subnet)


def test_the_database_url_names_the_db_service_and_its_credentials(
    compose: dict[str, Any],
) -> None:
    url = make_url(api_env(compose)["FACTSHEET_DATABASE_URL"])
    db = compose["services"]["db"]["environment"]
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port) == ("db", 5432)
    assert (url.username, url.password, url.database) == (
        db["POSTGRES_USER"],
        db["POSTGRES_PASSWORD"],
        db["POSTGRES_DB"],
    )


def test_connections_of_every_replica_and_worker_fit_under_max_connections(
    compose: dict[str, Any],
) -> None:
    env = api_env(compose)
    replicas = compose["services"]["api"]["deploy"]["replicas"]
    per_worker = int(env["FACTSHEET_DB_POOL_SIZE"]) + int(env["FACTSHEET_DB_MAX_OVERFLOW"])
    total = replicas * int(env["FACTSHEET_WORKERS"]) * per_worker
    # Room is left for migrations, seeds and an operator's psql.
    assert total <= POSTGRES_MAX_CONNECTIONS - 10


def test_the_api_command_is_the_installed_serve_command(compose: dict[str, Any]) -> None:
    command = compose["services"]["api"]["command"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert command[0] in scripts
    assert build_parser().parse_args(command[1:]).command == "serve"
    build = compose["services"]["api"]["build"]
    assert (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve().is_file()


def test_health_checks_and_the_proxy_point_at_real_routes_and_ports(
    compose: dict[str, Any],
) -> None:
    app = create_app(Settings(database_url="sqlite://", _env_file=None))
    with TestClient(app) as client:
        probe = client.get("/readyz")  # 503 here (nothing migrated), but routed
    check = " ".join(compose["services"]["api"]["healthcheck"]["test"])
    port = api_env(compose)["FACTSHEET_PORT"]
    assert f"127.0.0.1:{port}/readyz" in check and probe.status_code in (200, 503)
    mounted = compose["services"]["proxy"]["volumes"][0].split(":")[0]
    assert (COMPOSE.parent / mounted).resolve() == NGINX
    nginx = NGINX.read_text(encoding="utf-8")
    assert f"server api:{port};" in nginx
    assert "proxy_cache_revalidate on;" in nginx


def test_every_setting_the_readme_names_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\bFACTSHEET_[A-Z_]+[A-Z]", readme)) - NOT_SETTINGS
    unknown = sorted(n for n in named if field_name(n) not in Settings.model_fields)
    assert unknown == []


def test_the_readme_documents_every_pool_setting_and_the_scale_out_section() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Scaling out on PostgreSQL" in readme
    for name in Settings.model_fields:
        if name.startswith("db_pool") or name == "db_max_overflow":
            assert f"`FACTSHEET_{name.upper()}`" in readme, name
