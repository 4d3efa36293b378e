"""A TCP port on 127.0.0.1 in front of a test PostgreSQL (over TCP or its Unix socket): a server
that can be made to appear later, as a database starting beside its clients does."""

from __future__ import annotations

import asyncio
import threading
from urllib.parse import parse_qs, urlsplit, urlunsplit


class Forwarder:
    """Listens on ``port`` (once ``start`` is called) and pipes every connection to the server
    of ``url``; ``url_here`` is that database reached through this port."""

    def __init__(self, url: str, port: int) -> None:
        self.url = url
        self.port = port
        parts = urlsplit(url)
        socket_dir = parse_qs(parts.query).get("host", [""])[0]
        if socket_dir.startswith("/"):
            self._unix: str | None = f"{socket_dir}/.s.PGSQL.{parts.port or 5432}"
        else:
            self._unix = None
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 5432)
        user = parts.username or "postgres"
        password = f":{parts.password}" if parts.password else ""
        self.url_here = urlunsplit(
            parts._replace(netloc=f"{user}{password}@127.0.0.1:{port}", query="")
        )
        self._loop = asyncio.new_event_loop()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()
        assert self._ready.wait(10)

    def freeze(self) -> None:
        """From now on nothing passes either way, and no connection closes: a server (or the
        network to it) that stopped answering."""
        self._loop.call_soon_threadsafe(self._flowing.clear)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._pipe, "127.0.0.1", self.port)
        )
        self._ready.set()
        self._loop.run_forever()
        server.close()
        # Connections still open (or frozen) end with the loop, not later in the garbage.
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._unix:
            up_reader, up_writer = await asyncio.open_unix_connection(self._unix)
        else:
            up_reader, up_writer = await asyncio.open_connection(*self._upstream)

        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    await self._flowing.wait()
                    dst.write(data)
                    await dst.drain()
            except OSError:
                pass
            finally:
                dst.close()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))
