"""Out-of-descriptor accept errors reach the log once per interval, as one line that says how
many were dropped and what to raise; other records pass as they are.
(tests/attacks/test_fd_exhaustion.py runs the real thing against a server.)"""

import errno
import io
import logging
from collections.abc import Iterator

import pytest

from app.accept_errors import AcceptErrorFilter, install_accept_error_filter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def logged(clock: Clock) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger like asyncio's, with the filter, writing to a string."""
    logger = logging.getLogger("test_accept_errors")
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
    accept_filter = AcceptErrorFilter(interval=10.0, clock=clock)
    logger.addFilter(accept_filter)
    yield logger, out
    logger.removeFilter(accept_filter)
    logger.removeHandler(handler)


def accept_failed(logger: logging.Logger, code: int = errno.EMFILE) -> None:
    """What asyncio's default exception handler logs when accept() fails."""
    error = OSError(code, "Too many open files")
    logger.error("socket.accept() out of system resource", exc_info=(OSError, error, None))


def test_one_line_per_interval_without_traceback_counting_the_rest(
    logged: tuple[logging.Logger, io.StringIO], clock: Clock
) -> None:
    logger, out = logged
    for _ in range(5000):
        accept_failed(logger)
    clock.now += 10.0
    accept_failed(logger, errno.ENFILE)
    assert out.getvalue().splitlines() == [
        "ERROR cannot accept connections: Too many open files (errno 24). Raise the "
        "open-file limit (ulimit -n) above the connections a worker must hold; this is "
        "logged at most once every 10 s.",
        "ERROR cannot accept connections: Too many open files (errno 23); 4999 more since the "
        "last report. Raise the open-file limit (ulimit -n) above the connections a worker "
        "must hold; this is logged at most once every 10 s.",
    ]


def test_other_records_pass_untouched(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = logged
    accept_failed(logger)
    logger.error("Task exception was never retrieved: %s", "boom")
    try:
        raise ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")
    except ConnectionResetError:
        logger.exception("Fatal read error")
    lines = out.getvalue().splitlines()
    assert lines[1] == "ERROR Task exception was never retrieved: boom"
    assert lines[2] == "ERROR Fatal read error"
    assert "Traceback" in lines[3]


def test_the_filter_goes_on_the_asyncio_logger_once() -> None:
    asyncio_logger = logging.getLogger("asyncio")
    before = list(asyncio_logger.filters)
    try:
        install_accept_error_filter()
        install_accept_error_filter()
        added = [f for f in asyncio_logger.filters if isinstance(f, AcceptErrorFilter)]
        assert len(added) == 1
    finally:
        asyncio_logger.filters[:] = before
