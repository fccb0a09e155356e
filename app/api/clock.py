"""Today's UTC date, injectable so tests can move the clock."""

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

Clock = Callable[[], dt.date]


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def today(request: Request) -> dt.date:
    clock: Clock = request.app.state.clock
    return clock()


TodayDep = Annotated[dt.date, Depends(today)]
