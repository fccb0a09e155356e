"""`factsheet serve` on a chosen event loop and HTTP parser, for attacks that must hold on each:

    python stack.py LOOP PARSER serve --port 8000

LOOP is uvicorn's `asyncio` or `uvloop`, PARSER `h11` or `httptools`. Everything else is the
serve command as operators run it (migration, seeding, every other uvicorn argument); only
the loop and which of app.http_protocols' protocols uvicorn runs are forced.
"""

import sys
from typing import Any

import uvicorn

from app import cli

PROTOCOLS = {
    "h11": "app.http_protocols:H11Protocol",
    "httptools": "app.http_protocols:HttpToolsProtocol",
}


def main() -> int:
    loop, parser, *argv = sys.argv[1:]
    run = uvicorn.run

    def forced(*args: Any, **kwargs: Any) -> None:
        run(*args, **{**kwargs, "loop": loop, "http": PROTOCOLS[parser]})

    uvicorn.run = forced  # serve looks uvicorn.run up when it calls it
    return cli.main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
