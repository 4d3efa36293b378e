"""Side by side in one run: medskapa against a minimal Litestar app, a bare asyncpg INSERT and
isso, all on the same PostgreSQL, loaded by wrk (a C load generator, so the load costs the
server's cores almost nothing).

    python bench/compare.py [--seconds 8] [--rounds 2] [--connections 16] [--no-isso]
                            [--profile]

Needs ``wrk`` (Debian: ``apt-get install wrk``) and a PostgreSQL (``MEDSKAPA_BENCH_DATABASE_URL``,
or an embedded one is started). isso is installed from PyPI into a throwaway venv (it stores in
SQLite; it has no PostgreSQL backend). Each measurement is bounded: ``--seconds`` of load after
one second of warm-up, ``wrk -t1 -c16``. The targets run in rounds, one after the other in each
round, so a machine shared with other work weighs on all of them alike; the figures are the
medians of the rounds and the ratios are between figures of the same run. ``--profile`` records
a py-spy profile of medskapa under each medskapa load (pip install py-spy, the ``bench`` extra)
and lists where the time goes. The results are appended to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live import free_port

from bench.common import (
    bench_server_url,
    fresh_database,
    machine,
    median,
    process_tree,
    record,
    run_closed_loop,
    today,
)

ROOT = Path(__file__).resolve().parent.parent
TEXT = (
    "Avsnittet om uppföljning är svårt att förstå. Det står inte när jag ska få tid hos "
    "sjuksköterskan efter utskrivningen, och min närstående visste inte vem vi skulle ringa."
)
ISSO_VERSION = "0.14.0"
SECRET = "bench-compare-secret-key-long-enough-0123456789"


class Measured:
    def __init__(self, name: str) -> None:
        self.name = name
        self.rates: list[float] = []
        self.p50: list[float] = []
        self.p99: list[float] = []
        self.server_us: list[float] = []
        self.pg_us: list[float] = []
        self.bad = 0

    @property
    def rate(self) -> float:
        return median(self.rates) if self.rates else 0.0


_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str, label: str) -> float:
    found = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    return float(found[1]) * _UNIT[found[2]] if found else float("nan")


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU time (user and system) each of the processes has used so far."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two readings: by the processes there at the second (one started
    meanwhile counts whole); one that ended meanwhile is not seen, rather than counted back."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def postgres_pids() -> list[int]:
    """Every PostgreSQL process on this machine (backends, WAL writer, checkpointer,
    autovacuum): what the database spends on the load, when it runs here."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/comm"):
        try:
            if stat.read_text().strip() == "postgres":
                found.append(int(stat.parent.name))
        except OSError:
            continue
    return found


class Cpu:
    """CPU time a load costs the server under test and the database, per request: on two
    cores they share, so the rate is bounded by their sum (and the ratio between two apps by
    the ratio of their sums)."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    def snapshot(self) -> tuple[dict[int, float], dict[int, float]]:
        return cpu_seconds(process_tree(self.server_pid)), cpu_seconds(postgres_pids())


def wrk(
    url: str,
    seconds: float,
    connections: int,
    *,
    script: Path | None = None,
    headers: dict[str, str] | None = None,
    cpu: Cpu | None = None,
) -> tuple[float, float, float, int, float, float]:
    """(requests/s, p50 ms, p99 ms, responses that were not 2xx/3xx, server CPU µs and
    PostgreSQL CPU µs per request (NaN without ``cpu``)) of one bounded wrk run."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:.0f}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    # Warm-up: connections, the pool, caches.
    subprocess.run([*command[:3], "-d1s", *command[5:], url], capture_output=True, check=True)
    before = cpu.snapshot() if cpu is not None else None
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    after = cpu.snapshot() if cpu is not None else None
    out = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    requests = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    server_us = pg_us = float("nan")
    if before is not None and after is not None and requests:
        server_us = spent(before[0], after[0]) / requests * 1e6
        pg_us = spent(before[1], after[1]) / requests * 1e6
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*?timeout (\d+)", out)
    return (
        rate,
        _ms(out, "50"),
        _ms(out, "99"),
        (int(bad[1]) if bad else 0) + (int(errors[1]) if errors else 0),
        server_us,
        pg_us,
    )


def post_script(
    folder: Path, name: str, body: dict[str, object], *, many_clients: bool = False
) -> Path:
    """A wrk script that POSTs ``body`` as JSON. ``many_clients``: each request comes as from
    another address (X-Forwarded-For, from a proxy the server trusts), as a public form's
    visitors do; from one address, every submission would wait for the one row that counts
    that client's submissions (security/ratelimit.py), and the figure would be the disk's
    commit latency, not the app's path."""
    path = folder / f"{name}.lua"
    script = (
        'wrk.method = "POST"\n'
        # A long-bracket string: LuaJIT knows no \\u escapes.
        f"wrk.body = [==[{json.dumps(body, ensure_ascii=False)}]==]\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    if many_clients:
        script += (
            "request = function()\n"
            '  wrk.headers["X-Forwarded-For"] = "10." .. math.random(0, 255) .. "." ..\n'
            '    math.random(0, 255) .. "." .. math.random(1, 254)\n'
            "  return wrk.format()\n"
            "end\n"
        )
    path.write_text(script)
    return path


def _output(folder: Path, name: str) -> IO[bytes]:
    return (folder / f"{name}.log").open("w+b")


def wait_until_answering(proc: subprocess.Popen[bytes], url: str, output: IO[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output.seek(0)
            sys.exit(f"{url}: exited with {proc.returncode}:\n{output.read().decode()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    output.seek(0)
    sys.exit(f"{url}: not answering after 60 s:\n{output.read().decode()}")


@contextmanager
def process(
    command: list[str], env: dict[str, str], health: str, folder: Path, name: str
) -> Iterator[subprocess.Popen[bytes]]:
    output = _output(folder, name)
    proc = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        wait_until_answering(proc, health, output)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        output.close()


def medskapa_env(url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDSKAPA_")}
    env.update(
        {
            "MEDSKAPA_DATABASE_URL": url,
            "MEDSKAPA_SECRET_KEY": SECRET,
            "MEDSKAPA_BASE_URL": f"http://127.0.0.1:{port}",
            "MEDSKAPA_DEV_INSECURE_COOKIES": "true",
            "MEDSKAPA_SUBMIT_LIMIT": "100000000",
            "MEDSKAPA_DB_POOL_MAX_SIZE": "16",
            # wrk's requests say which visitor they stand for (post_script).
            "MEDSKAPA_TRUSTED_PROXIES": "127.0.0.1",
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    return env


def uvicorn(target: str, port: int, *factory: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        *factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--no-server-header",
        # As `medskapa serve`: forwarded headers are medskapa's to read (security/proxies.py).
        "--no-proxy-headers",
    ]


def granian(target: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--factory",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--loop",
        "uvloop",
        "--no-ws",
        "--no-access-log",
    ]


def isso_venv(folder: Path) -> Path:
    """isso from PyPI in a venv of its own, thrown away with ``folder``."""
    venv = folder / "isso-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", f"isso=={ISSO_VERSION}"],
        check=True,
        capture_output=True,
    )
    return venv / "bin" / "isso"


def isso_config(folder: Path, port: int, host: str) -> Path:
    config = folder / "isso.cfg"
    config.write_text(
        f"[general]\ndbpath = {folder / 'isso.db'}\nhost = {host}\n"
        f"[server]\nlisten = http://127.0.0.1:{port}/\n"
        # The guard allows two comments a minute per address: off, to measure the path.
        "[guard]\nenabled = false\n"
        "[moderation]\nenabled = false\n"
    )
    return config


def peak_rss_mib(proc: subprocess.Popen[bytes]) -> float:
    """Peak resident memory of the process and its children (uvicorn's worker is the process
    itself with one worker)."""
    peak = 0
    for pid in process_tree(proc.pid):
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            found = re.search(r"VmHWM:\s+(\d+) kB", status.read_text())
            peak = max(peak, int(found[1]) if found else 0)
    return peak / 1024


def profile(pid: int, seconds: float, folder: Path, name: str) -> list[str]:
    """Where a process spends its time under load, from py-spy's samples: the functions of the
    app, Litestar and the server by the share of samples they are on the stack in (below the
    server's own loop), and the functions the samples end in (self time)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    raw = folder / f"{name.replace('/', '_')}.txt"
    done = subprocess.run(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--format",
            "raw",
            "--rate",
            "200",
            "--output",
            str(raw),
            "--nonblocking",
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not raw.exists():
        return ["py-spy failed: " + " ".join(done.stderr.split())[-200:]]
    inclusive: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [
            re.sub(r" \((.*?)(:\d+)?\)$", lambda m: f" ({_short(m[1])})", frame)
            for frame in stack.split(";")
        ]
        leaves[frames[-1]] += n
        for frame in set(frames):
            if re.search(r"\((medskapa|litestar|uvicorn|granian|asyncpg|jinja2|msgspec)/", frame):
                inclusive[frame] += n
    if not total:
        return ["py-spy took no samples"]
    lines = [f"{total} samples. On the stack (app, Litestar, server, driver):"]
    lines += [f"    {n / total:6.1%}  {frame}" for frame, n in inclusive.most_common(30)]
    lines.append("Self time (the function the sample was in):")
    lines += [f"    {n / total:6.1%}  {frame}" for frame, n in leaves.most_common(15)]
    return lines


def _short(path: str) -> str:
    for marker in ("site-packages/", "src/", "lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


async def bare_insert(url: str, connections: int, seconds: float) -> tuple[float, float, float]:
    pool = await asyncpg.create_pool(url, min_size=connections, max_size=connections)
    assert pool is not None
    await pool.execute(
        "CREATE TABLE IF NOT EXISTS bench_bare_insert (id bigint GENERATED ALWAYS AS "
        "IDENTITY PRIMARY KEY, body text NOT NULL, created_at timestamptz DEFAULT now())"
    )

    async def insert(_: int) -> bool:
        await pool.execute("INSERT INTO bench_bare_insert (body) VALUES ($1)", TEXT)
        return True

    try:
        result = await run_closed_loop(
            "bare", insert, concurrency=connections, total=10**9, max_seconds=seconds
        )
    finally:
        await pool.close()
    return result.rate, result.percentile(50), result.percentile(99)


def etag_of(url: str) -> str:
    with urllib.request.urlopen(url) as response:
        return response.headers["ETag"]


def _load(averages: tuple[float, float, float]) -> str:
    return ", ".join(f"{x:.2f}" for x in averages)


async def measure(args: argparse.Namespace) -> None:
    args.load_before = os.getloadavg()
    folder = Path(tempfile.mkdtemp(prefix="medskapa-compare-"))
    results: dict[str, Measured] = {}
    profiles: dict[str, list[str]] = {}
    memory: dict[str, float] = {}
    secs, conns = args.seconds, args.connections

    def note(name: str, figures: tuple[float, float, float, int, float, float]) -> None:
        entry = results.setdefault(name, Measured(name))
        entry.rates.append(figures[0])
        entry.p50.append(figures[1])
        entry.p99.append(figures[2])
        entry.bad += figures[3]
        entry.server_us.append(figures[4])
        entry.pg_us.append(figures[5])
        print(f"{name}: {figures[0]:.0f}/s p99 {figures[2]:.1f} ms", file=sys.stderr)

    try:
        with bench_server_url() as (server_url, server_text):
            url = await fresh_database(server_url, "medskapa_bench_compare")
            conn = await asyncpg.connect(url)
            slug = await conn.fetchval(
                "SELECT slug FROM guidance_documents WHERE status = 'published' "
                "ORDER BY slug LIMIT 1"
            )
            await conn.close()
            body = {"document": slug, "category": "hard_to_understand", "role": "patient"}
            body["text"] = TEXT
            feedback = post_script(folder, "feedback", body, many_clients=True)
            isso_post = post_script(folder, "isso", {"text": TEXT, "author": "Bench"})

            ref_port, uv_port, gr_port, isso_port = (free_port() for _ in range(4))
            ref_env = {**os.environ, "BENCH_REFERENCE_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
            isso = None
            if not args.no_isso:
                isso = isso_venv(folder)
            with (
                process(
                    uvicorn("bench.reference_app:app", ref_port),
                    ref_env,
                    f"http://127.0.0.1:{ref_port}/static",
                    folder,
                    "reference",
                ) as ref_proc,
                process(
                    uvicorn("medskapa.app:create_app_from_env", uv_port, "--factory"),
                    medskapa_env(url, uv_port),
                    f"http://127.0.0.1:{uv_port}/healthz",
                    folder,
                    "medskapa-uvicorn",
                ) as uv_proc,
                process(
                    granian("medskapa.app:create_app_from_env", gr_port),
                    medskapa_env(url, gr_port),
                    f"http://127.0.0.1:{gr_port}/healthz",
                    folder,
                    "medskapa-granian",
                ) as gr_proc,
            ):
                servers = {"uvicorn": (uv_port, uv_proc), "granian": (gr_port, gr_proc)}
                ref = f"http://127.0.0.1:{ref_port}"
                ref_cpu = Cpu(ref_proc.pid)
                isso_ctx = (
                    process(
                        [str(isso), "-c", str(isso_config(folder, isso_port, ref)), "run"],
                        dict(os.environ),
                        f"http://127.0.0.1:{isso_port}/info",
                        folder,
                        "isso",
                    )
                    if isso is not None
                    else None
                )
                with isso_ctx if isso_ctx is not None else _nothing() as isso_proc:
                    for round_ in range(args.rounds):
                        print(f"round {round_ + 1}", file=sys.stderr)
                        note(
                            "reference POST + INSERT",
                            wrk(f"{ref}/items", secs, conns, script=feedback, cpu=ref_cpu),
                        )
                        note(
                            "reference static JSON GET",
                            wrk(f"{ref}/static", secs, conns, cpu=ref_cpu),
                        )
                        rate, p50, p99 = await bare_insert(url, conns, secs)
                        note(
                            "bare asyncpg INSERT (in-process loop)",
                            (rate, p50, p99, 0, float("nan"), float("nan")),
                        )
                        if isso is not None:
                            note(
                                "isso POST /new (SQLite)",
                                wrk(
                                    f"http://127.0.0.1:{isso_port}/new?uri=%2Fstatic",
                                    secs,
                                    conns,
                                    script=isso_post,
                                    cpu=Cpu(isso_proc.pid),
                                ),
                            )
                        for server, (port, proc) in servers.items():
                            base = f"http://127.0.0.1:{port}"
                            page = f"{base}/kunskapsstod/{slug}"
                            loads = {
                                "POST /api/v1/feedback": (f"{base}/api/v1/feedback", feedback, {}),
                                "document page (HTML)": (page, None, {}),
                                "document page 304": (page, None, {"If-None-Match": etag_of(page)}),
                                "GET /api/v1/documents/{slug}": (
                                    f"{base}/api/v1/documents/{slug}",
                                    None,
                                    {},
                                ),
                            }
                            for name, (target, script, headers) in loads.items():
                                label = f"medskapa {name} [{server}]"
                                spy = None
                                if args.profile and round_ == 0 and server == "uvicorn":
                                    spy = asyncio.get_running_loop().run_in_executor(
                                        None, profile, proc.pid, secs - 1, folder, name
                                    )
                                note(
                                    label,
                                    wrk(
                                        target,
                                        secs,
                                        conns,
                                        script=script,
                                        headers=headers,
                                        cpu=Cpu(proc.pid),
                                    ),
                                )
                                if spy is not None:
                                    profiles[name] = await spy
                            memory[server] = peak_rss_mib(proc)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report(args, server_text, results, profiles, memory)


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def _us(values: list[float]) -> str:
    known = [v for v in values if v == v]  # not NaN
    return f"{median(known):.0f}" if known else "–"


def report(
    args: argparse.Namespace,
    server_text: str,
    results: dict[str, Measured],
    profiles: dict[str, list[str]],
    memory: dict[str, float],
) -> None:
    def rate(name: str) -> float:
        return results[name].rate if name in results else float("nan")

    ref_post = rate("reference POST + INSERT")
    ref_get = rate("reference static JSON GET")
    lines = [
        f"\n## Side by side (bench/compare.py) — {today()}\n",
        f"- machine: {machine()}; load average (1, 5, 15 min) before the run "
        f"{_load(args.load_before)}, after {_load(os.getloadavg())}"
        + (
            "; **shared with other work** (the load before was above the core count), so "
            "absolute rates are low and noisy; the ratios compare figures taken in the same rounds"
            if args.load_before[0] > (os.cpu_count() or 1)
            else ""
        ),
        f"- database: {server_text}",
        f"- load: `wrk -t1 -c{args.connections} -d{args.seconds:.0f}s` after 1 s warm-up, "
        f"{args.rounds} round(s), medians of the rounds; one worker per server; the bare INSERT "
        "is an asyncpg closed loop in the bench process with as many connections",
        "- reference: bench/reference_app.py (one msgspec Struct, one asyncpg INSERT; a static "
        "JSON GET) under uvicorn with uvloop and httptools",
        "- CPU per request: the CPU time the server's process (and its children) and every "
        "PostgreSQL process on the machine used during the measured run (from /proc), divided "
        "by the requests wrk counted; on two shared cores the rate is bounded by their sum",
        "",
        "| what | rate /s | p50 ms | p99 ms | not 2xx/3xx | vs reference | server CPU µs/req "
        "| PostgreSQL CPU µs/req |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, entry in results.items():
        base = ref_get if ("GET" in name or "page" in name) and "POST" not in name else ref_post
        lines.append(
            f"| {name} | {entry.rate:.0f} | {median(entry.p50):.2f} | {median(entry.p99):.2f} | "
            f"{entry.bad} | {entry.rate / base:.0%} | {_us(entry.server_us)} | "
            f"{_us(entry.pg_us)} |"
        )
    lines += ["", "Targets (issue 17), uvicorn and granian:", ""]
    for server in ("uvicorn", "granian"):
        post = f"medskapa POST /api/v1/feedback [{server}]"
        if post not in results:
            continue
        p99 = median(results[post].p99)
        checks = [
            ("feedback POST ≥ 60 % of reference POST", rate(post) / ref_post, 0.60),
            (
                "document page ≥ 50 % of static JSON",
                rate(f"medskapa document page (HTML) [{server}]") / ref_get,
                0.50,
            ),
            (
                "304 revalidation ≥ 70 % of static JSON",
                rate(f"medskapa document page 304 [{server}]") / ref_get,
                0.70,
            ),
            (
                "document JSON ≥ 60 % of static JSON",
                rate(f"medskapa GET /api/v1/documents/{{slug}} [{server}]") / ref_get,
                0.60,
            ),
        ]
        isso = rate("isso POST /new (SQLite)")
        parts = [
            f"{label}: **{value:.0%}** ({'met' if value >= goal else 'not met'})"
            for label, value, goal in checks
        ]
        parts.append(
            f"feedback POST p99 {p99:.1f} ms ({'met' if p99 <= 20 else 'not met'}, ≤ 20 ms)"
        )
        if isso == isso:  # not NaN
            times = rate(post) / isso
            parts.append(f"{times:.1f}× isso ({'met' if times >= 8 else 'not met'}, ≥ 8×)")
        if server in memory:
            parts.append(f"peak RSS {memory[server]:.0f} MiB")
        lines.append(f"- {server}: " + "; ".join(parts))
    for name, summary in profiles.items():
        lines += ["", f"py-spy, medskapa {name} [uvicorn]:", "", "```", *summary, "```"]
    lines.append("")
    record("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-isso", action="store_true")
    parser.add_argument("--profile", action="store_true")
    if shutil.which("wrk") is None:
        sys.exit("bench/compare.py needs wrk: apt-get install wrk")
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
