"""app.migrate answers "which revision?" without alembic, and agrees with alembic.

Serving a database at head never imports alembic; anything else (an empty database, one
behind, one ahead of the code) still goes through alembic and ends as it always did."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, text

from app.db import make_engine
from app.migrate import alembic_config, current_revision, declared_head, head_revision, upgrade

ROOT = Path(__file__).resolve().parents[1]
SUBPROCESS_TIMEOUT = 120


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'revision.db'}")
    yield engine
    engine.dispose()


def revision_file(directory: Path, name: str, body: str) -> None:
    directory.mkdir(exist_ok=True)
    (directory / f"{name}.py").write_text(f'"""{name}."""\n\n{body}\n', encoding="utf-8")


def test_the_declared_head_is_the_head_alembic_finds() -> None:
    alembic_head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert declared_head() == alembic_head
    assert head_revision() == alembic_head


def test_a_chain_of_plain_revisions_has_its_last_as_head(tmp_path: Path) -> None:
    revision_file(tmp_path, "a", 'revision: str = "a"\ndown_revision: str | None = None')
    revision_file(tmp_path, "b", 'revision = "b"\ndown_revision = "a"')
    assert declared_head(tmp_path) == "b"


@pytest.mark.parametrize(
    "second",
    [
        'revision = "b"\ndown_revision = None',  # two heads
        'revision = "b"\ndown_revision = ("a", "c")',  # a merge
        'revision = "b"\ndown_revision = "a"\nbranch_labels = ("x",)',
        'revision = "b"\ndown_revision = "a"\ndepends_on = "a"',
        'revision = "b"\ndown_revision = PREVIOUS',  # not a literal
        'down_revision = "a"',  # no revision at all
    ],
)
def test_anything_but_a_plain_chain_is_left_to_alembic(tmp_path: Path, second: str) -> None:
    revision_file(tmp_path, "a", 'revision = "a"\ndown_revision = None')
    revision_file(tmp_path, "b", second)
    assert declared_head(tmp_path) is None


def test_an_empty_versions_directory_is_left_to_alembic(tmp_path: Path) -> None:
    assert declared_head(tmp_path) is None


def test_a_database_without_the_version_table_has_no_revision(engine: Engine) -> None:
    assert current_revision(engine) is None


def test_several_version_rows_are_refused_as_alembic_refuses_them(engine: Engine) -> None:
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('other')"))
    with pytest.raises(CommandError):
        current_revision(engine)


def test_a_database_ahead_of_the_code_is_still_refused(engine: Engine) -> None:
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    with pytest.raises(CommandError, match="from_the_future"):
        upgrade(engine)


def test_upgrading_a_database_at_head_never_imports_alembic(engine: Engine) -> None:
    upgrade(engine)
    script = (
        "import sys\n"
        "from app.db import make_engine\n"
        "from app.migrate import current_revision, head_revision, upgrade\n"
        f"engine = make_engine({str(engine.url)!r})\n"
        "upgrade(engine)\n"
        "assert current_revision(engine) == head_revision() is not None\n"
        "import app.main\n"
        "print(sorted(m for m in ('alembic', 'mako') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
    )
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr
