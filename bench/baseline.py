"""The floors: a bare ASGI app that answers every request with pre-encoded bytes.

bench.run runs it twice, each from a directory holding a status, headers and body:

- same bytes: the API's cached `/v1/nris` response, fetched from the running API, with its
  headers less `date` and `server` (uvicorn adds `date`; the API sends no `server`);
- minimal: MINIMAL_BYTES of pre-encoded JSON with only `content-type` and `content-length`
  (see minimal_response), the least an HTTP answer can be.

Either way the only work left is uvicorn's own.

    BENCH_BASELINE_DIR=dir uvicorn bench.baseline:create_app --factory ...
"""

import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Message = MutableMapping[str, Any]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ENV_DIR = "BENCH_BASELINE_DIR"
HEADERS_FILE = "response.json"
BODY_FILE = "body.bin"
MINIMAL_BYTES = 4096


def minimal_response(size: int = MINIMAL_BYTES) -> tuple[int, list[tuple[str, str]], bytes]:
    """A 200 of exactly `size` bytes of JSON with only content-type and content-length."""
    frame = b'{"data":""}'
    if size < len(frame):
        raise ValueError(f"a body of {size} bytes cannot hold {frame!r}")
    body = b'{"data":"' + b"x" * (size - len(frame)) + b'"}'
    headers = [("content-type", "application/json"), ("content-length", str(len(body)))]
    return 200, headers, body


def save_response(
    directory: Path, status: int, headers: list[tuple[str, str]], body: bytes
) -> None:
    """Store a response for create_app to serve."""
    spec = {"status": status, "headers": [list(pair) for pair in headers]}
    (directory / HEADERS_FILE).write_text(json.dumps(spec))
    (directory / BODY_FILE).write_bytes(body)


def load_response(directory: Path) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    spec = json.loads((directory / HEADERS_FILE).read_text())
    headers = [(str(k).encode("latin-1"), str(v).encode("latin-1")) for k, v in spec["headers"]]
    return int(spec["status"]), headers, (directory / BODY_FILE).read_bytes()


def create_app() -> ASGIApp:
    status, headers, body = load_response(Path(os.environ[ENV_DIR]))
    start: Message = {"type": "http.response.start", "status": status, "headers": headers}
    payload: Message = {"type": "http.response.body", "body": body}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await send(start)
            await send(payload)
        elif scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return

    return app
