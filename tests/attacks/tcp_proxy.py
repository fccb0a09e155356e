"""A TCP proxy the tests control, put between a server and its PostgreSQL to make the
database sick without touching the shared server. Three modes:

* `pass`: bytes flow both ways, as if the proxy were not there;
* `refuse`: nothing listens on the port and open connections are reset, as when the
  database is down: connecting fails at once with ECONNREFUSED;
* `blackhole`: connections are accepted and everything sent is read, but nothing is
  forwarded or answered, on new connections and on those already open, as when a server
  or a network stops answering without closing anything: only a timeout ends a wait.

Leaving `blackhole` resets the connections it swallowed (their conversation lost bytes), as
a server that comes back does not know them any more.
"""

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, Literal

Mode = Literal["pass", "refuse", "blackhole"]


class _Link:
    """One client connection and, unless it was swallowed from the start, its upstream one."""

    def __init__(self, client: asyncio.StreamWriter) -> None:
        self.client = client
        self.upstream: asyncio.StreamWriter | None = None
        self.swallowed = False

    def reset(self) -> None:
        for writer in (self.client, self.upstream):
            if writer is not None:
                writer.transport.abort()


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int, port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = port
        self.mode: Mode = "pass"
        self.accepted = 0
        self._links: set[_Link] = set()
        self._server: asyncio.Server | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> "TcpProxy":
        self._thread.start()
        self._call(self._listen())
        return self

    def __exit__(self, *_: object) -> None:
        self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def set_mode(self, mode: Mode) -> None:
        self._call(self._switch(mode))

    def _call(self, coroutine: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _switch(self, mode: Mode) -> None:
        previous, self.mode = self.mode, mode
        if mode == "refuse":
            await self._stop_listening()
            self._reset(lambda link: True)
            return
        await self._listen()
        if mode == "blackhole":
            for link in self._links:
                link.swallowed = True
        elif previous == "blackhole":
            self._reset(lambda link: link.swallowed)

    def _reset(self, which: Callable[[_Link], bool]) -> None:
        for link in [link for link in self._links if which(link)]:
            link.reset()
            self._links.discard(link)

    async def _shutdown(self) -> None:
        await self._stop_listening()
        self._reset(lambda link: True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        link = _Link(writer)
        self._links.add(link)
        try:
            if self.mode == "blackhole":
                link.swallowed = True
                while await reader.read(65536):
                    pass
                return
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
            link.upstream = up_writer
            await asyncio.gather(
                self._pipe(reader, up_writer, link), self._pipe(up_reader, writer, link)
            )
        except OSError:
            pass  # reset by a mode switch, or by either end
        finally:
            self._links.discard(link)
            link.reset()

    @staticmethod
    async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, link: _Link) -> None:
        try:
            while data := await src.read(65536):
                if link.swallowed:
                    continue  # taken, never delivered: the other end waits for an answer
                dst.write(data)
                await dst.drain()
        except OSError:
            pass  # reset by a mode switch, or by either end
        link.reset()
