"""`factsheet tokens create | list | revoke`, run in-process (app.cli.main) against a
temporary SQLite file, with the clock the command reads set to the tests' fixed instant."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from app.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from app.db import make_engine
from app.models.token import ApiToken
from app.settings import get_settings
from app.tokens import authenticate, list_tokens, well_formed
from tests.conftest import TEST_NOW, FakeClock

CREATE_ANN = ["tokens", "create", "--name", "ann", "--scope", "write"]
HEADER = ["id", "name", "scope", "collections", "hint", "created", "expires", "status"]


@pytest.fixture
def database_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> Iterator[str]:
    for name in list(os.environ):
        if name.startswith("FACTSHEET_"):
            monkeypatch.delenv(name)
    url = f"sqlite:///{tmp_path}/factsheet.db"
    monkeypatch.setenv("FACTSHEET_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # away from any .env of the checkout
    monkeypatch.setattr("app.api.clock.system_clock", clock)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def stored(url: str) -> list[ApiToken]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return list_tokens(session)
    finally:
        engine.dispose()


def authenticated(url: str, token: str) -> ApiToken | None:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return authenticate(session, token, TEST_NOW)
    finally:
        engine.dispose()


def create(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main([*CREATE_ANN[:2], *args]) == EXIT_OK
    return capsys.readouterr().out.removesuffix("\n")


def test_create_prints_the_token_alone_on_stdout_and_it_authenticates(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*CREATE_ANN, "--collections", "nris,milestones"])
    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    token = out.removesuffix("\n")
    assert out == token + "\n" and well_formed(token)
    assert err == (
        "made token ann (scope write: milestones, nris; expires 2025-10-07T12:00:00Z); "
        "it is shown only now: keep it secret\n"
    )
    row = authenticated(database_url, token)
    assert row is not None
    assert (row.name, row.scope, row.collections) == ("ann", "write", ["milestones", "nris"])


def test_create_an_admin_token_that_never_expires(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["tokens", "create", "--name", "root", "--scope", "admin", "--expires", "never"])
    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    assert err == (
        "made token root (scope admin; expires never); it is shown only now: keep it secret\n"
    )
    row = authenticated(database_url, out.removesuffix("\n"))
    assert row is not None
    assert (row.scope, row.collections, row.expires_at) == ("admin", [], None)


def test_create_takes_the_lifetime_from_expires(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*CREATE_ANN, "--collections", "nris", "--expires", "12h"]) == EXIT_OK
    assert "expires 2025-07-10T00:00:00Z" in capsys.readouterr().err


def test_list_shows_names_and_hints_but_never_a_token_or_its_hash(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ann = create(capsys, "--name", "ann", "--scope", "write", "--collections", "nris,milestones")
    root = create(capsys, "--name", "root", "--scope", "admin", "--expires", "never")
    assert main(["tokens", "revoke", "root"]) == EXIT_OK
    capsys.readouterr()

    assert main(["tokens", "list"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert err == ""
    assert [line.split() for line in out.splitlines()] == [
        HEADER,
        [
            "1",
            "ann",
            "write",
            "milestones,nris",
            f"{ann[:12]}…",
            "2025-07-09T12:00:00Z",
            "2025-10-07T12:00:00Z",
            "active",
        ],
        ["2", "root", "admin", "*", f"{root[:12]}…", "2025-07-09T12:00:00Z", "never", "revoked"],
    ]
    for secret in [ann[12:], root[12:], *(row.hash for row in stored(database_url))]:
        assert secret not in out


def test_list_of_no_tokens_is_the_header_alone(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tokens", "list"]) == EXIT_OK
    assert capsys.readouterr().out.split() == HEADER


def test_a_revoked_token_no_longer_authenticates(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    token = create(capsys, "--name", "ann", "--scope", "admin")
    assert authenticated(database_url, token) is not None
    assert main(["tokens", "revoke", "ann"]) == EXIT_OK
    assert capsys.readouterr() == ("revoked token ann\n", "")
    assert authenticated(database_url, token) is None


def test_create_with_a_name_already_used_exits_2_and_keeps_the_first_token(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    token = create(capsys, "--name", "ann", "--scope", "write", "--collections", "nris")
    assert main([*CREATE_ANN, "--collections", "milestones"]) == EXIT_USAGE
    assert capsys.readouterr() == ("", "error: a token named 'ann' exists\n")
    row = authenticated(database_url, token)
    assert row is not None and row.collections == ["nris"]
    assert len(stored(database_url)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--collections", "nris,events"], "unknown collection 'events'"),
        ([], "a write token needs at least one collection"),
        (["--collections", "nris", "--expires", "0d"], "lifetime '0d' is not between"),
        (["--collections", "nris", "--expires", "soon"], "lifetime 'soon' is not"),
    ],
)
def test_create_with_bad_input_exits_2_with_one_line_and_makes_no_token(
    database_url: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main([*CREATE_ANN, *args]) == EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"error: {message}") and err.count("\n") == 1
    assert main(["tokens", "list"]) == EXIT_OK
    assert capsys.readouterr().out.split() == HEADER


def test_revoke_of_an_unknown_token_exits_1(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tokens", "revoke", "nobody"]) == EXIT_FAILED
    assert capsys.readouterr() == ("", "error: no token named 'nobody'\n")


def test_revoke_twice_exits_1(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    create(capsys, "--name", "ann", "--scope", "admin")
    assert main(["tokens", "revoke", "ann"]) == EXIT_OK
    capsys.readouterr()
    assert main(["tokens", "revoke", "ann"]) == EXIT_FAILED
    assert capsys.readouterr() == ("", "error: token 'ann' was already revoked\n")


@pytest.mark.parametrize(
    "args",
    [["tokens"], ["tokens", "create", "--scope", "admin"], [*CREATE_ANN[:4], "--scope", "read"]],
)
def test_a_wrong_tokens_command_is_a_usage_error(
    database_url: str, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == EXIT_USAGE
    assert "usage: factsheet tokens" in capsys.readouterr().err
