"""Scale-out on one machine: several `medskapa serve` processes behind a real nginx that
round-robins between them, on one PostgreSQL, directly or through a real PgBouncer in
transaction mode (Debian's binaries, each started here as an unprivileged process with its
configuration in a folder of its own). What several app machines behind a load balancer with a
managed PostgreSQL come down to (README, *Deploy*). Used by tests/scaleout and
bench/scaleout.py.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx
import msgspec
import yaml

from tests.live import HTTP, free_port

ROOT = Path(__file__).resolve().parents[2]
NGINX = Path("/usr/sbin/nginx")
PGBOUNCER = Path("/usr/sbin/pgbouncer")
MANIFEST = ROOT / "deploy" / "kubernetes.yaml"
UPSTREAM_HEADER = "x-upstream"
"""Which backend answered: set by the test's nginx configuration, not by the app."""
LOOPBACK = "127.0.0.1"


def missing(*binaries: Path) -> str | None:
    """Why these tests cannot run here, or None."""
    absent = [str(b) for b in binaries if not os.access(b, os.X_OK)]
    if not absent:
        return None
    return f"{', '.join(absent)} not installed (Debian: apt-get install nginx-light pgbouncer)"


def _folder_for_others(folder: Path) -> None:
    """nginx's workers and PgBouncer drop root to `nobody` when started as root (CI): they must
    be able to read their configuration and write their temporary files."""
    folder.chmod(0o755)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _wait_for_port(proc: subprocess.Popen[bytes], port: int, log: Path, within: float) -> None:
    import socket

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args!r} exited with {proc.returncode}:\n{_tail(log)}")
        with socket.socket() as sock:
            if sock.connect_ex((LOOPBACK, port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"{proc.args!r} did not listen on {port} in time:\n{_tail(log)}")


@contextmanager
def _process(
    command: list[str], log: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A child whose output goes to a file (never to a pipe nobody reads), stopped with
    SIGTERM at the end and killed if it does not stop."""
    with log.open("wb") as output:
        proc = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


# ------------------------------------------------------------------ PgBouncer


def _manifest(kind: str, name: str) -> dict[str, Any]:
    for doc in yaml.safe_load_all(MANIFEST.read_text()):
        if doc and doc.get("kind") == kind and doc["metadata"]["name"] == name:
            return doc
    raise AssertionError(f"deploy/kubernetes.yaml has no {kind} {name}")


def _manifest_ini() -> str:
    """PgBouncer's [pgbouncer] section as deploy/kubernetes.yaml ships it."""
    return _manifest("ConfigMap", "pgbouncer")["data"]["pgbouncer.ini"]


def _manifest_options() -> str:
    """The options the manifest gives PgBouncer's database entry (its connect_query)."""
    spec = _manifest("Deployment", "pgbouncer")["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    (options,) = (e["value"] for e in container["env"] if e["name"] == "PGBOUNCER_DATABASE_OPTIONS")
    return str(options)


def manifest_database_env(through_pgbouncer: str, direct: str) -> dict[str, str]:
    """The database settings of the manifest's web containers, with its Secret's URLs replaced
    by this machine's: the pool's URL through PgBouncer, and whatever it sends straight to
    PostgreSQL, as the manifest wires them; the ConfigMap's pooling setting as it is."""
    urls = {"APP_DATABASE_URL": through_pgbouncer, "APP_DIRECT_DATABASE_URL": direct}
    spec = _manifest("Deployment", "medskapa")["spec"]["template"]["spec"]
    (web,) = (c for c in spec["containers"] if c["name"] == "web")
    env = {}
    for entry in web.get("env", []):
        key = entry.get("valueFrom", {}).get("secretKeyRef", {}).get("key")
        if key in urls:
            env[entry["name"]] = urls[key]
    config = _manifest("ConfigMap", "medskapa")["data"]
    env["MEDSKAPA_DB_TRANSACTION_POOLING"] = config["MEDSKAPA_DB_TRANSACTION_POOLING"]
    assert env.get("MEDSKAPA_DATABASE_URL") == through_pgbouncer, env
    return env


def _server_address(database_url: str) -> tuple[str, int]:
    """Host (or socket folder) and port of the PostgreSQL server in a URL; the tests' embedded
    server is reached by a Unix socket (``?host=/folder``)."""
    parts = urlsplit(database_url)
    socket_folder = parse_qs(parts.query).get("host", [None])[0]
    if socket_folder:
        sockets = sorted(Path(socket_folder).glob(".s.PGSQL.*"))
        port = int(sockets[0].name.rsplit(".", 1)[1]) if sockets else 5432
        return socket_folder, port
    return parts.hostname or LOOPBACK, parts.port or 5432


def _run_as(host: str) -> list[str]:
    """PgBouncer refuses to run as root: as root, run it as the owner of the server's socket
    folder (who can reach the socket) or as `nobody`."""
    if os.geteuid() != 0:
        return []
    if host.startswith("/"):
        return ["-u", pwd.getpwuid(Path(host).stat().st_uid).pw_name]
    return ["-u", "nobody"]


@contextmanager
def pgbouncer(database_url: str, folder: Path) -> Iterator[str]:
    """A PgBouncer in transaction mode in front of the server of ``database_url``, configured as
    deploy/kubernetes.yaml configures it (pool mode, pool sizes, the statement timeout set by
    ``connect_query``), except where it listens and how clients log in (trust, since the test
    server trusts local connections). Yields the URL of the same database through it."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    host, port = _server_address(database_url)
    user = parts.username or "postgres"
    listen = free_port()
    # As the image's start (deploy/pgbouncer/start) writes it: the [databases] entry from the
    # direct URL and the options the manifest gives, then the ConfigMap's [pgbouncer] section.
    ini = f"[databases]\n{name} = host={host} port={port} dbname={name} {_manifest_options()}\n"
    ini += _manifest_ini()
    ini = ini.replace("listen_addr = 0.0.0.0", f"listen_addr = {LOOPBACK}")
    ini = ini.replace("listen_port = 6432", f"listen_port = {listen}")
    ini = ini.replace("auth_type = scram-sha-256", "auth_type = trust")
    shipped_auth = "auth_file = /tmp/pgbouncer/userlist.txt"
    assert shipped_auth in ini, "the manifest's auth_file changed; update this test"
    ini = ini.replace(shipped_auth, f"auth_file = {folder}/userlist.txt")
    assert "pool_mode = transaction" in ini
    assert f"listen_port = {listen}" in ini
    assert "auth_type = trust" in ini
    _folder_for_others(folder)
    (folder / "pgbouncer.ini").write_text(ini)
    (folder / "userlist.txt").write_text(f'"{user}" "{parts.password or ""}"\n')
    log = folder / "pgbouncer.log"
    command = [str(PGBOUNCER), *_run_as(host), str(folder / "pgbouncer.ini")]
    with _process(command, log) as proc:
        _wait_for_port(proc, listen, log, within=15)
        netloc = f"{user}@{LOOPBACK}:{listen}"
        yield urlunsplit(("postgresql", netloc, f"/{name}", "", ""))


# ------------------------------------------------------------------ nginx


NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    log_format upstreams '$remote_addr "$request" $status $upstream_addr';
    access_log {folder}/access.log upstreams;
    # As the README asks of the proxy in front.
    large_client_header_buffers 4 8k;
    client_header_timeout 10s;
    client_max_body_size 1m;
    upstream medskapa {{
{servers}
        keepalive 32;
    }}
    server {{
        listen {host}:{port};
        location / {{
            proxy_pass http://medskapa;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # Test only: which backend answered.
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


class Proxy(msgspec.Struct, frozen=True):
    url: str
    access_log: Path


@contextmanager
def nginx(backends: list[int], folder: Path) -> Iterator[Proxy]:
    """nginx round-robin over ``backends`` (ports on 127.0.0.1), passing the client's address
    in X-Forwarded-For; yields its address."""
    port = free_port()
    servers = "\n".join(f"        server {LOOPBACK}:{b};" for b in backends)
    _folder_for_others(folder)
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(folder=folder, servers=servers, host=LOOPBACK, port=port))
    log = folder / "nginx.out"
    command = [str(NGINX), "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")]
    with _process(command, log) as proc:
        try:
            _wait_for_port(proc, port, log, within=15)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{_tail(folder / 'error.log')}") from None
        yield Proxy(f"http://{LOOPBACK}:{port}", folder / "access.log")


# ------------------------------------------------------------------ the app


def serve_env(
    database_url: str, base_url: str, secret_key: str, extra: dict[str, str]
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDSKAPA_")}
    env.update(
        {
            "MEDSKAPA_DATABASE_URL": database_url,
            "MEDSKAPA_SECRET_KEY": secret_key,
            # The public address is the proxy's: links are made from it, and nginx passes
            # the Host the client named.
            "MEDSKAPA_BASE_URL": base_url,
            # A plain http:// proxy on 127.0.0.1, as in development.
            "MEDSKAPA_DEV_INSECURE_COOKIES": "true",
            # The proxy is the TCP peer; the client is what it appends to X-Forwarded-For.
            "MEDSKAPA_TRUSTED_PROXIES": LOOPBACK,
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    env.update(extra)
    return env


def _wait_healthy(proc: subprocess.Popen[bytes], port: int, log: Path, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"medskapa serve exited with {proc.returncode}:\n{_tail(log)}")
        try:
            if HTTP.get(f"http://{LOOPBACK}:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"medskapa serve on {port} not healthy in time:\n{_tail(log)}")


class Cluster(msgspec.Struct, frozen=True):
    url: str
    """The proxy's address: the service's public address."""
    backends: list[str]
    """``127.0.0.1:port`` of each `medskapa serve`, as nginx names them in X-Upstream."""
    database_url: str
    """The database, directly."""
    app_database_url: str
    """The database as the app reaches it (through PgBouncer or directly)."""
    access_log: Path
    logs: list[Path]
    """Each server's output."""
    pgbouncer_log: Path | None
    """PgBouncer's output (it logs every client login), when the app goes through it."""


@contextmanager
def cluster(
    database_url: str,
    folder: Path,
    *,
    secret_key: str,
    backends: int = 2,
    through_pgbouncer: bool = False,
    env: dict[str, str] | None = None,
    output: IO[str] | None = None,
) -> Iterator[Cluster]:
    """``backends`` `medskapa serve` processes (one worker each) behind nginx on the database
    ``database_url`` (migrated already: they start with ``--no-migrate``, as the manifest's
    do). Through PgBouncer the database settings are the manifest's web containers' (the pool
    through PgBouncer in transaction mode, the cache's LISTEN connection straight to
    PostgreSQL)."""
    ports = [free_port() for _ in range(backends)]
    with ExitStack() as stack:
        app_url = database_url
        extra = dict(env or {})
        bouncer_log = None
        if through_pgbouncer:
            bouncer = folder / "pgbouncer"
            bouncer.mkdir()
            app_url = stack.enter_context(pgbouncer(database_url, bouncer))
            bouncer_log = bouncer / "pgbouncer.log"
            extra |= manifest_database_env(app_url, database_url)
        (folder / "nginx").mkdir()
        proxy = stack.enter_context(nginx(ports, folder / "nginx"))
        started = []
        for n, port in enumerate(ports):
            log = folder / f"serve-{n}.log"
            command = [
                sys.executable,
                "-m",
                "medskapa.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                "1",
                "--no-migrate",
            ]
            environ = serve_env(app_url, proxy.url, secret_key, extra)
            started.append((stack.enter_context(_process(command, log, environ)), port, log))
        for proc, port, log in started:
            _wait_healthy(proc, port, log, within=60)
        if output is not None:
            print(f"{backends} backend(s) behind nginx at {proxy.url}", file=output)
        yield Cluster(
            url=proxy.url,
            backends=[f"{LOOPBACK}:{port}" for port in ports],
            database_url=database_url,
            app_database_url=app_url,
            access_log=proxy.access_log,
            logs=[log for _, _, log in started],
            pgbouncer_log=bouncer_log,
        )
