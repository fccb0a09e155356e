"""PostgreSQL for the benchmark: a scratch database of its own, and the server's CPU time.

The URL comes from FACTSHEET_BENCH_POSTGRES_URL (e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/test). The benchmark never writes to that
database: it connects to it only to CREATE a new one (factsheet_bench_<random>), which it
migrates and seeds, and to DROP that one at the end.
"""

import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.metrics import ParseError
from bench.procs import CLOCK_TICKS

ENV_URL = "FACTSHEET_BENCH_POSTGRES_URL"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}


def bench_url(env: Mapping[str, str]) -> str | None:
    """The PostgreSQL URL to benchmark against, or None when the variable is unset or empty."""
    return env.get(ENV_URL, "").strip() or None


def scratch_name() -> str:
    return f"factsheet_bench_{secrets.token_hex(4)}"


def with_database(url: str, name: str) -> str:
    """url pointing at database name instead (same driver, host, user, password)."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def libpq(url: str) -> str:
    """The SQLAlchemy URL as psycopg.connect takes it (no +driver)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def is_local(url: str) -> bool:
    return (make_url(url).host or "") in LOCAL_HOSTS


@contextmanager
def scratch_database(admin_url: str) -> Iterator[tuple[str, str]]:
    """A new, empty database next to admin_url's; (its name, its URL); dropped afterwards."""
    import psycopg
    from psycopg import sql

    name = scratch_name()
    with psycopg.connect(libpq(admin_url), autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name, with_database(admin_url, name)
    finally:
        with psycopg.connect(libpq(admin_url), autocommit=True, connect_timeout=10) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def stat_times(stat: str) -> tuple[int, int, int]:
    """(ppid, utime + stime, cutime + cstime) in clock ticks from /proc/PID/stat's text."""
    _, sep, rest = stat.rpartition(")")
    fields = rest.split()
    if not sep or len(fields) < 15:
        raise ParseError("not the text of /proc/PID/stat")
    # rest starts at field 3 (state): ppid is field 4, utime..cstime fields 14 to 17.
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def server_ticks(stats: Mapping[int, str], postmaster: int) -> int:
    """CPU of a PostgreSQL server: its postmaster's own and reaped children's (backends that
    ended: the API's pool opens and closes connections under load), plus its live
    children's (backends, background workers), from /proc/PID/stat texts by pid."""
    total = 0
    for pid, text in stats.items():
        ppid, own, reaped = stat_times(text)
        if pid == postmaster:
            total += own + reaped
        elif ppid == postmaster:
            total += own
    return total


class BackendCpu:
    """utime + stime of the whole PostgreSQL server, read from /proc: only when it runs on
    this machine (and /proc lets us read its processes). Whole server, since the backends
    serving the API come and go; anything else using that server in the window counts too."""

    def __init__(self, admin_url: str, database: str) -> None:
        self.admin_url = admin_url
        self.database = database
        self._postmaster: int | None = None

    def postmaster(self) -> int:
        if self._postmaster is None:
            import psycopg

            with psycopg.connect(libpq(self.admin_url), connect_timeout=10) as conn:
                row = conn.execute("SELECT pg_backend_pid()").fetchone()
            backend = int(row[0]) if row else 0
            self._postmaster = stat_times(Path(f"/proc/{backend}/stat").read_text())[0]
        return self._postmaster

    def ticks(self) -> dict[int, int]:
        """{postmaster pid: ticks so far}, or {} when /proc does not show it."""
        try:
            postmaster = self.postmaster()
        except (OSError, ParseError):
            return {}
        stats: dict[int, str] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stats[int(entry.name)] = (entry / "stat").read_text()
                except OSError:
                    continue
        if postmaster not in stats:
            return {}
        return {postmaster: server_ticks(stats, postmaster)}


def backend_cpu_seconds(before: Mapping[int, int], after: Mapping[int, int]) -> float:
    """CPU used between two BackendCpu.ticks() readings (a pid new in `after` from zero)."""
    return sum(ticks - before.get(pid, 0) for pid, ticks in after.items()) / CLOCK_TICKS
