"""What an operator sees when a setting or a seed file is wrong: the real command, one line on
stderr naming the culprit, the documented exit code, and never a traceback."""

import subprocess
from pathlib import Path

import pytest

from app.seed_check import MAX_SEED_BYTES, MAX_SEED_DEPTH
from tests.test_cli import clean_env, run

# The exit codes the README documents.
INVALID = 1  # the seed file (or the database) failed
USAGE = 2  # a wrong argument, setting or database URL


def assert_one_line(result: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    """Exit `code`, nothing on stdout, and one `error:` line on stderr holding every word."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    for word in words:
        assert word in lines[0]
    return lines[0]


def serve(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    """`factsheet serve` with these settings; the tests expect it to refuse to start."""
    env = clean_env(database_url=f"sqlite:///{tmp_path / 'db' / 'factsheet.db'}", **settings)
    return run(["serve"], env, tmp_path, "factsheet")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "db" / "factsheet.db"


@pytest.fixture
def env(db_path: Path) -> dict[str, str]:
    return clean_env(database_url=f"sqlite:///{db_path}")


# --------------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("setting", "value", "reason"),
    [
        ("port", "abc", "valid integer"),
        ("log_level", "verbose", "'critical', 'error', 'warning', 'info' or 'debug'"),
        ("limit_concurrency", "abc", "valid integer"),
    ],
)
def test_serve_with_an_invalid_setting_exits_2_naming_it(
    tmp_path: Path, db_path: Path, setting: str, value: str, reason: str
) -> None:
    result = serve(tmp_path, **{setting: value})
    line = assert_one_line(result, USAGE, reason)
    assert line.startswith(f"error: FACTSHEET_{setting.upper()}='{value}': ")
    assert not db_path.exists()


def test_every_invalid_setting_is_named_on_the_one_line(tmp_path: Path) -> None:
    result = serve(tmp_path, port="abc", workers="0")
    assert_one_line(result, USAGE, "FACTSHEET_PORT='abc'", "FACTSHEET_WORKERS='0'")


def test_migrate_with_a_database_url_that_is_no_url_exits_2(tmp_path: Path) -> None:
    result = run(["migrate"], clean_env(database_url="notaurl"), tmp_path)
    assert_one_line(result, USAGE, "FACTSHEET_DATABASE_URL: not a database URL", "sqlite:///")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["migrate", "seed", "serve"])
def test_a_mysql_url_exits_2_naming_the_supported_backends_without_the_password(
    tmp_path: Path, command: str
) -> None:
    env = clean_env(database_url="mysql://factsheet:s3cret-pw@db.example/factsheet")
    result = run([command], env, tmp_path, "factsheet")
    line = assert_one_line(
        result,
        USAGE,
        "FACTSHEET_DATABASE_URL: unsupported database 'mysql'",
        "sqlite:///",
        "postgresql+psycopg://",
    )
    assert "s3cret-pw" not in line


def test_postgresql_without_the_psycopg_driver_says_which_driver(tmp_path: Path) -> None:
    result = run(["migrate"], clean_env(database_url="postgresql://db.example/x"), tmp_path)
    assert_one_line(result, USAGE, "'postgresql'", "psycopg")


# --------------------------------------------------------------------------- seed files


def deep_file(tmp_path: Path, depth: int) -> Path:
    path = tmp_path / "deep.json"
    path.write_text("[" * depth + "]" * depth, encoding="utf-8")
    return path


@pytest.mark.parametrize("depth", [MAX_SEED_DEPTH + 1, 100_000], ids=["just-over", "recursion"])
@pytest.mark.parametrize("command", ["seed", "check-seed"])
def test_a_deeply_nested_seed_file_exits_1_naming_the_file(
    env: dict[str, str], db_path: Path, tmp_path: Path, command: str, depth: int
) -> None:
    path = deep_file(tmp_path, depth)
    result = run([command, str(path)], env, tmp_path)
    assert_one_line(result, INVALID, f"{path}: nested more than {MAX_SEED_DEPTH} levels deep")
    assert not db_path.exists()


def test_nesting_up_to_the_limit_is_read_and_checked(env: dict[str, str], tmp_path: Path) -> None:
    path = deep_file(tmp_path, MAX_SEED_DEPTH)
    result = run(["check-seed", str(path)], env, tmp_path)
    assert result.returncode == INVALID
    assert "nested" not in result.stderr
    assert "(root)" in result.stderr  # the schema's verdict: a list is not a seed document


@pytest.mark.parametrize("command", ["seed", "check-seed"])
def test_a_device_as_seed_file_exits_1_at_once(
    env: dict[str, str], db_path: Path, tmp_path: Path, command: str
) -> None:
    result = run([command, "/dev/zero"], env, tmp_path)
    assert_one_line(result, INVALID, "/dev/zero: not a regular file")
    assert not db_path.exists()


@pytest.mark.parametrize("command", ["seed", "check-seed"])
def test_a_seed_file_over_the_size_limit_exits_1_unread(
    env: dict[str, str], db_path: Path, tmp_path: Path, command: str
) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as file:
        file.truncate(MAX_SEED_BYTES + 1)  # sparse: no disk, and nothing worth reading
    result = run([command, str(path)], env, tmp_path)
    assert_one_line(result, INVALID, f"{path}: larger than {MAX_SEED_BYTES // 2**20} MiB")
    assert not db_path.exists()


@pytest.mark.parametrize("command", ["seed", "check-seed"])
def test_a_relative_seed_path_is_reported_absolute_and_once(
    env: dict[str, str], tmp_path: Path, command: str
) -> None:
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    result = run([command, "bad.json"], env, tmp_path)
    line = assert_one_line(result, INVALID, "invalid JSON at line 1, column 2")
    assert line.startswith(f"error: {tmp_path / 'bad.json'}: ")
    assert line.count("bad.json") == 1
