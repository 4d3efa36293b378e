"""Server processes forked from one that has already imported the app, for a test that kills
the server again and again (test_kill9.py).

Each start is a new uvicorn process that builds the app and serves it, killed as any server
process is; only how it came to be is different. Started the usual way (tests/live.py), a
server took 1.6-1.9 s of CPU until it answered, a new interpreter and its imports included;
forked, it starts with those done and takes ~1.1 s (measured on a busy machine), and the test
went from 23-45 s to 15-16 s.

The forking process reads commands on stdin and answers each on stdout with one line:
``start`` forks a server on the port it was given (answer: the server's pid), ``wait PID``
reaps a server that was killed (answer: its wait status). It only imports: it runs no thread
and no event loop (building the app starts Litestar's logging thread, which a fork would not
carry over), so forking it is safe.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

from tests.factories import TEST_SECRET
from tests.live import HTTP, free_port


def _serve(port: int) -> None:
    """The forking process (``python -m tests.faults.forked_server PORT``)."""
    import uvicorn

    from medskapa.app import create_app_from_env

    if threading.active_count() != 1:
        raise RuntimeError("a thread was started before forking; the forks would lack it")
    config = {
        "host": "127.0.0.1",
        "port": port,
        # As tests/live.py's servers and `medskapa serve`.
        "server_header": False,
        "proxy_headers": False,
        "access_log": False,
    }
    print("ready", flush=True)
    for line in sys.stdin:
        command, *args = line.split()
        if command == "start":
            pid = os.fork()
            if pid == 0:
                # The server: nothing of the commands' pipes; its output goes where ours does.
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)
                os.dup2(2, 1)
                try:
                    # As `uvicorn --factory medskapa.app:create_app_from_env`.
                    app = create_app_from_env()
                    uvicorn.Server(uvicorn.Config(app, **config)).run()  # type: ignore[arg-type]
                finally:
                    os._exit(0)
            print(pid, flush=True)
        elif command == "wait":
            _, status = os.waitpid(int(args[0]), 0)
            print(status, flush=True)


class ForkedServers:
    """Starts servers on one address, one at a time, each a new process."""

    def __init__(self, forker: subprocess.Popen[str], port: int, output: IO[bytes]) -> None:
        self._forker = forker
        self._output = output
        self.base_url = f"http://127.0.0.1:{port}"
        self.running: set[int] = set()

    def _ask(self, command: str) -> str:
        assert self._forker.stdin is not None
        assert self._forker.stdout is not None
        self._forker.stdin.write(command + "\n")
        self._forker.stdin.flush()
        answer = self._forker.stdout.readline()
        if not answer:
            raise AssertionError(f"the forking process has gone:\n{self.output()}")
        return answer.strip()

    def output(self) -> str:
        self._output.seek(0)
        return self._output.read().decode(errors="replace")

    def start(self, within: float = 30) -> int:
        """A new server process, once it answers /healthz; its pid."""
        pid = int(self._ask("start"))
        self.running.add(pid)
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                if HTTP.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return pid
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"server did not become healthy in time:\n{self.output()}")

    def wait(self, pid: int) -> int:
        """Reap a server that was killed: its wait status."""
        status = int(self._ask(f"wait {pid}"))
        self.running.discard(pid)
        return status

    def kill_all(self) -> None:
        """No server outlives the test, whatever happened to it."""
        for pid in self.running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in list(self.running):
            self.wait(pid)


@contextmanager
def forked_servers(database_url: str, env: dict[str, str]) -> Iterator[ForkedServers]:
    """The forking process with the environment tests/live.py gives a server."""
    port = free_port()
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("MEDSKAPA_")}
    child_env.update(env)
    child_env["MEDSKAPA_DATABASE_URL"] = database_url
    child_env["MEDSKAPA_SECRET_KEY"] = TEST_SECRET
    child_env["MEDSKAPA_BASE_URL"] = f"http://127.0.0.1:{port}"
    child_env["MEDSKAPA_DEV_INSECURE_COOKIES"] = "true"
    with tempfile.TemporaryFile() as output:
        forker = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.forked_server", str(port)],
            cwd=Path(__file__).parents[2],  # where ``tests`` can be imported from
            env=child_env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=output,
            text=True,
        )
        servers = ForkedServers(forker, port, output)
        try:
            assert forker.stdout is not None
            if forker.stdout.readline().strip() != "ready":
                raise AssertionError(f"the forking process did not start:\n{servers.output()}")
            yield servers
        finally:
            try:
                servers.kill_all()
            finally:
                assert forker.stdin is not None
                forker.stdin.close()  # it ends when its commands do
                try:
                    forker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    forker.kill()
                    forker.wait()


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
