"""A small HTTP/1.1 keep-alive load generator for machines without wrk.

Raw asyncio sockets, N connections each sending one request at a time until the deadline,
like `wrk -t1 -cN`. It is slower than wrk (one Python thread), so on a fast server it can
be the bottleneck; the CPU-per-request ratio stays meaningful either way.

    python -m bench.loadgen --connections 32 --duration 10 [-H 'Name: value'] URL

prints one JSON object (the fields of bench.metrics.LoadResult).
"""

import argparse
import asyncio
import contextlib
import dataclasses
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench.metrics import LoadResult, percentile

GRACE_S = 10.0  # a request in flight at the deadline may take this long before we give up


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    bad_status: int = 0
    errors: int = 0


def build_request(host: str, port: int, path: str, headers: Sequence[str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", *headers, "", ""]
    return "\r\n".join(lines).encode("latin-1")


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one response with a Content-Length body (or none); return its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding":
            raise ValueError("chunked responses are not supported")
    if length and status not in (204, 304):
        await reader.readexactly(length)
    return status


async def _connection(host: str, port: int, request: bytes, deadline: float, tally: Tally) -> None:
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            tally.errors += 1
            await asyncio.sleep(0.01)
            continue
        try:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                writer.write(request)
                status = await read_response(reader)
                tally.latencies.append(time.perf_counter() - started)
                if not 200 <= status < 400:
                    tally.bad_status += 1
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            tally.errors += 1
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def generate(
    url: str, connections: int, duration: float, headers: Sequence[str]
) -> LoadResult:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = build_request(host, port, path, headers)
    tally = Tally()
    started = time.monotonic()
    deadline = started + duration
    tasks = [_connection(host, port, request, deadline, tally) for _ in range(connections)]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=duration + GRACE_S)
    elapsed = time.monotonic() - started
    ordered = sorted(tally.latencies)
    return LoadResult(
        requests=len(ordered),
        duration_s=elapsed,
        rps=len(ordered) / elapsed if elapsed > 0 else 0.0,
        p50_ms=percentile(ordered, 0.50) * 1000 if ordered else 0.0,
        p99_ms=percentile(ordered, 0.99) * 1000 if ordered else 0.0,
        bad_status=tally.bad_status,
        socket_errors=tally.errors,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("-H", "--header", action="append", default=[])
    parser.add_argument("url")
    args = parser.parse_args(argv)
    result = asyncio.run(generate(args.url, args.connections, args.duration, args.header))
    print(json.dumps(dataclasses.asdict(result)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
