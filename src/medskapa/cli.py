"""The ``medskapa`` command. Every failure ends in one clear sentence, never a traceback."""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import sys
import time
import warnings
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import asyncpg

from medskapa.db import migrations
from medskapa.db.embedded import EmbeddedDatabaseError, EmbeddedPostgres
from medskapa.errors import CommandFailed
from medskapa.settings import Settings, SettingsError

if TYPE_CHECKING:
    from medskapa.audit.keys import AuditKeys


def _fail(message: str) -> NoReturn:
    print(f"medskapa: {message}", file=sys.stderr)
    raise SystemExit(1)


@contextmanager
def database_url(settings: Settings) -> Iterator[tuple[str, bool]]:
    """The configured database, or the embedded one started for as long as this runs.

    Yields the URL and whether it is the embedded database."""
    if settings.database_url:
        yield settings.database_url, False
        return
    embedded = EmbeddedPostgres(settings.data_dir)
    print(f"Using the embedded PostgreSQL in {embedded.pgdata}", file=sys.stderr)
    try:
        yield embedded.start(), True
    finally:
        embedded.stop()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM ends the command like Ctrl-C does, through the normal exit path, so the embedded
    PostgreSQL is stopped too. (uvicorn shuts down gracefully on SIGTERM and then raises the
    signal again; with the default handler the process would die before cleaning up.)"""
    raise SystemExit(0)


async def _connect(url: str, wait: float) -> asyncpg.Connection:
    """A connection; for up to ``wait`` seconds a server that is not there yet (refused, its
    name not yet known, or still starting up) is asked again every second. A refused password or
    a missing database is not waited for."""
    deadline = time.monotonic() + wait
    while True:
        try:
            # No named prepared statements: behind PgBouncer in transaction mode (the
            # manifest's app pods check the schema through it) another client's server
            # connection may already hold one of the same name. These connections are short.
            return await asyncpg.connect(url, timeout=10, statement_cache_size=0)
        except (OSError, asyncpg.CannotConnectNowError, TimeoutError) as exc:
            if time.monotonic() + 1 > deadline:
                raise CommandFailed(
                    f"cannot connect to the database ({type(exc).__name__}: {exc})."
                ) from exc
        except asyncpg.PostgresError as exc:
            raise CommandFailed(
                f"cannot connect to the database ({type(exc).__name__}: {exc})."
            ) from exc
        await asyncio.sleep(1)


async def _with_connection(
    url: str,
    work: Callable[[asyncpg.Connection], Awaitable[None]],
    keys: AuditKeys | None = None,
    *,
    wait: float = 0,
) -> None:
    """Run ``work`` on a connection of its own; with ``keys`` for work that writes (or checks)
    the audit trail; ``wait``: seconds to wait for a server that is still starting."""
    conn = await _connect(url, wait)
    if keys is not None:
        from medskapa.audit.keys import bind

        bind(conn, keys)
    try:
        await work(conn)
    finally:
        await conn.close()


async def _migrate(conn: asyncpg.Connection) -> None:
    applied = await migrations.migrate(conn)
    if applied:
        for name in applied:
            print(f"applied {name}")
    else:
        print("The database is up to date.")


async def _status(conn: asyncpg.Connection) -> None:
    for item in await migrations.status(conn):
        state = "applied" if item.applied else "pending"
        print(f"{item.version:04d}_{item.name}: {state}")


async def _demo(conn: asyncpg.Connection) -> None:
    # The demo goes through the HTML importer (BeautifulSoup): imported when it is needed,
    # not by every command (~0.25 s at each start).
    from medskapa.catalogue.demo import load_demo

    await migrations.migrate(conn)
    counts = await load_demo(conn)
    print(
        f"Demo content loaded: {counts.programme_areas} programme areas, "
        f"{counts.subject_groups} subject groups, {counts.documents} documents "
        "(what was already there was kept)."
    )


async def _check_current(conn: asyncpg.Connection) -> None:
    newer = await migrations.check_current(conn)
    if newer:
        print(
            f"The database has {len(newer)} migration(s) newer than this version "
            f"(last {newer[-1]}); serving beside the newer version.",
            file=sys.stderr,
        )


async def prepare_database(
    url: str, *, load_demo_if_empty: bool, keys: AuditKeys | None = None, migrate: bool = True
) -> None:
    """Migrate (or, without ``migrate``, check that nothing is pending), and fill an empty
    catalogue with the demo content (which goes through the importer and onto the audit trail:
    ``keys`` are needed for it)."""

    from medskapa.catalogue.demo import catalogue_is_empty

    async def work(conn: asyncpg.Connection) -> None:
        await (_migrate(conn) if migrate else _check_current(conn))
        if load_demo_if_empty and await catalogue_is_empty(conn):
            await _demo(conn)

    await _with_connection(url, work, keys)


def _secret_key(settings: Settings, embedded: bool) -> str:
    """The configured key; for the embedded database, one kept beside its data."""
    if settings.secret_key:
        return settings.secret_key
    if not embedded:
        raise CommandFailed(
            "MEDSKAPA_SECRET_KEY is not set; production needs one of at least 32 characters "
            "(e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
        )
    path = settings.data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _audit_keys(settings: Settings, embedded: bool) -> AuditKeys:
    """The keys of the audit trail, from the secret key (audit/keys.py)."""
    from medskapa.audit.keys import AuditKeys

    return AuditKeys.from_secret(_secret_key(settings, embedded))


def _run_audited(settings: Settings, work: Callable[[asyncpg.Connection], Awaitable[None]]) -> None:
    """Run ``work`` on the configured (or embedded) database, with the audit keys bound."""
    with database_url(settings) as (url, embedded):
        asyncio.run(_with_connection(url, work, _audit_keys(settings, embedded)))


def _print_report(
    settings: Settings,
    report: Callable[[asyncpg.Connection], Awaitable[str]],
) -> None:
    """Run an area's command with the audit keys bound and print what it reports."""

    async def work(conn: asyncpg.Connection) -> None:
        print(await report(conn))

    _run_audited(settings, work)


CHECKPOINT_FILE = "audit-checkpoints.jsonl"


def _checkpoint_file(settings: Settings, embedded: bool, given: Path | None) -> Path | None:
    """The file given on the command line, else MEDSKAPA_AUDIT_CHECKPOINTS, else the data
    folder's with the embedded database."""
    if given is not None:
        return given
    if settings.audit_checkpoints is not None:
        return settings.audit_checkpoints
    return settings.data_dir / CHECKPOINT_FILE if embedded else None


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _local_address(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _serve_with_granian(settings: Settings, args: argparse.Namespace) -> None:
    """The same app under granian (MEDSKAPA_SERVER=granian; docs/benchmarks.md has the figures
    that chose between the two). Like uvicorn above: no access log (the app writes its own
    request lines), forwarded headers untouched (security/proxies.py), 20 s to finish."""
    from granian import Granian
    from granian.constants import Interfaces, Loops

    Granian(
        "medskapa.app:create_app_from_env",
        factory=True,
        address=args.host,
        port=args.port,
        interface=Interfaces.ASGI,
        workers=args.workers,
        loop=Loops.uvloop,
        websockets=False,
        log_access=False,
        log_level="info" if settings.debug else "warning",  # type: ignore[arg-type]
        workers_kill_timeout=20,
    ).serve()


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    port = settings.port if args.port is None else args.port
    workers = settings.workers if args.workers is None else args.workers
    local_address = _local_address(args.host, port)
    if "MEDSKAPA_BASE_URL" not in os.environ:
        if args.host not in LOOPBACK:
            raise CommandFailed(
                f"MEDSKAPA_BASE_URL is not set; serving on {args.host} needs the public address "
                "(e.g. https://medskapa.example.se): every link in e-mail is made from it, and "
                "requests for other hosts are refused."
            )
        # Local development: the address printed below is the one the browser will ask for.
        os.environ["MEDSKAPA_BASE_URL"] = local_address
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with database_url(settings) as (url, embedded):
        load = embedded and settings.load_demo
        keys = _audit_keys(settings, embedded) if load else None
        asyncio.run(prepare_database(url, load_demo_if_empty=load, keys=keys, migrate=args.migrate))
        # Worker processes read their settings from the environment.
        os.environ["MEDSKAPA_DATABASE_URL"] = url
        os.environ["MEDSKAPA_SECRET_KEY"] = _secret_key(settings, embedded)
        asyncio.run(_seal_secrets(url, os.environ["MEDSKAPA_SECRET_KEY"]))
        checkpoints = _checkpoint_file(settings, embedded, None)
        if checkpoints is not None:
            # Where the workers append the daily audit checkpoint (audit/jobs.py).
            os.environ["MEDSKAPA_AUDIT_CHECKPOINTS"] = str(checkpoints)
        local_demo = embedded and args.host in LOOPBACK
        if local_demo and "MEDSKAPA_DEV_INSECURE_COOKIES" not in os.environ:
            # The one-command demo on plain http://127.0.0.1, where browsers would drop the
            # Secure __Host- cookies. Never with a configured (production) database.
            os.environ["MEDSKAPA_DEV_INSECURE_COOKIES"] = "true"
        print(f"medskapa serves at {local_address}", file=sys.stderr)
        if settings.server == "granian":
            _serve_with_granian(settings, args)
            return
        uvicorn.run(
            "medskapa.app:create_app_from_env",
            factory=True,
            host=args.host,
            port=port,
            workers=workers,
            server_header=False,
            date_header=True,
            access_log=False,
            # The client address is the TCP peer unless MEDSKAPA_TRUSTED_PROXIES names it
            # (security/proxies.py); uvicorn would otherwise trust X-Forwarded-For from any
            # local peer.
            proxy_headers=False,
            log_level="info" if settings.debug else "warning",
            timeout_graceful_shutdown=20,
        )


async def _seal_secrets(url: str, secret_key: str, *, wait: float = 0) -> None:
    from medskapa.security.factors import FactorBox, seal_plain_secrets

    async def work(conn: asyncpg.Connection) -> None:
        async with conn.transaction():
            sealed = await seal_plain_secrets(conn, FactorBox(secret_key))
        if sealed:
            print(f"sealed {sealed} second-factor secrets stored before encryption")

    await _with_connection(url, work, wait=wait)


def cmd_db_migrate(settings: Settings, args: argparse.Namespace) -> None:
    with database_url(settings) as (url, embedded):
        asyncio.run(_with_connection(url, _migrate, wait=args.wait))
        if settings.secret_key or embedded:
            asyncio.run(_seal_secrets(url, _secret_key(settings, embedded), wait=args.wait))


def cmd_db_status(settings: Settings, args: argparse.Namespace) -> None:
    with database_url(settings) as (url, _):
        asyncio.run(_with_connection(url, _status))


def cmd_db_grant_app_role(settings: Settings, args: argparse.Namespace) -> None:
    from medskapa.db.roles import RoleError, grant_app_role

    async def grant(conn: asyncpg.Connection) -> None:
        try:
            limited = await grant_app_role(conn, args.role)
        except RoleError as exc:
            raise CommandFailed(str(exc)) from exc
        except asyncpg.PostgresError as exc:
            raise CommandFailed(f"the role could not be set up: {exc}") from exc
        print(
            f"Role {args.role} may read and write the app's tables; "
            f"append or read only: {', '.join(limited)}."
        )

    with database_url(settings) as (url, _):
        asyncio.run(_with_connection(url, grant, wait=args.wait))


def cmd_audit(settings: Settings, args: argparse.Namespace) -> None:
    from medskapa.audit import cli as audit_cli

    audit_cli.check_arguments(args)
    with database_url(settings) as (url, embedded):
        path = _checkpoint_file(settings, embedded, args.checkpoints)
        audit_cli.check_file(args, path)

        async def work(conn: asyncpg.Connection) -> None:
            print(await audit_cli.run(conn, args, path))

        asyncio.run(_with_connection(url, work, _audit_keys(settings, embedded)))


def cmd_demo_load(settings: Settings, args: argparse.Namespace) -> None:
    _run_audited(settings, _demo)


def cmd_moderation_purge(settings: Settings, args: argparse.Namespace) -> None:
    from medskapa.clock import utc_now
    from medskapa.db.pool import init_connection
    from medskapa.moderation.service import ModerationService

    async def work(conn: asyncpg.Connection) -> None:
        await init_connection(conn)
        days = settings.redaction_retention_days
        destroyed = await ModerationService(conn, utc_now).purge_originals(days)
        print(f"Destroyed {destroyed} redaction original(s) older than {days} days.")

    _run_audited(settings, work)


def cmd_consultations_remind(settings: Settings, args: argparse.Namespace) -> None:
    from medskapa.clock import utc_now
    from medskapa.consultations.service import ConsultationService
    from medskapa.db.pool import init_connection

    async def work(conn: asyncpg.Connection) -> None:
        await init_connection(conn)  # the JSON codecs the outbox context needs
        # The links are paths: MEDSKAPA_BASE_URL is added when the mail is sent.
        sent = await ConsultationService(conn, utc_now).remind()
        print(f"Queued {sent} reminder e-mail(s).")

    _run_audited(settings, work)


def cmd_outbox_run(settings: Settings, args: argparse.Namespace) -> None:
    from medskapa.audit.keys import binder
    from medskapa.db.pool import close_pool, create_pool
    from medskapa.outbox import cli as outbox_cli
    from medskapa.outbox.jobs import relay_key

    if settings.smtp_host is None:
        raise CommandFailed(
            "MEDSKAPA_SMTP_HOST is not set, so there is nowhere to send; the messages stay in "
            "the outbox."
        )

    async def work(url: str, secret_key: str) -> None:
        try:
            # The pool's connections carry the audit keys derived from the secret key.
            pool = await create_pool(settings, url, size=2, set_up=binder(secret_key))
            key = await relay_key(pool)
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            raise CommandFailed(
                f"cannot connect to the database ({type(exc).__name__}: {exc})."
            ) from exc
        try:
            await outbox_cli.run(pool, settings, key, once=args.once)
        finally:
            # Bounded, as the app's: behind PgBouncer a stopping relay's Pool.close() has waited
            # until the pod was killed.
            await close_pool(pool)

    with database_url(settings) as (url, embedded):
        asyncio.run(work(url, _secret_key(settings, embedded)))


def cmd_user(settings: Settings, args: argparse.Namespace) -> None:
    from medskapa.accounts import cli as accounts_cli

    password = accounts_cli.read_password(args)
    _print_report(settings, lambda conn: accounts_cli.run(conn, args, password))


def cmd_structure(settings: Settings, args: argparse.Namespace) -> None:
    from medskapa.catalogue.structure_cli import run

    _print_report(settings, lambda conn: run(conn, args))


def cmd_groups_list(settings: Settings, args: argparse.Namespace) -> None:
    """The subject groups' slugs (what `user create --group` and `user set-role --group`
    take), names and programme areas."""
    from medskapa.catalogue.structure import StructureService
    from medskapa.clock import utc_now

    async def work(conn: asyncpg.Connection) -> None:
        rows = [
            (
                group.slug,
                group.kind.upper(),
                group.name + ("  (archived)" if group.archived_at else ""),
                f"{area.name} ({area.slug})",
            )
            for area in await StructureService(conn, utc_now).overview()
            for group in area.groups
        ]
        if not rows:
            print("There are no subject groups yet (`medskapa structure group-create`).")
            return
        table = [("SLUG", "KIND", "NAME", "PROGRAMME AREA"), *rows]
        widths = [max(len(row[i]) for row in table) for i in range(3)]
        for row in table:
            padded = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
            print("  ".join([*padded, row[3]]))

    with database_url(settings) as (url, _):
        asyncio.run(_with_connection(url, work))


def cmd_documents(settings: Settings, args: argparse.Namespace) -> None:
    from medskapa.catalogue.authoring_cli import read, run

    read(args)  # a bad file is refused before any database is started or reached
    _print_report(settings, lambda conn: run(conn, args))


def _add_wait(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--wait",
        type=float,
        default=0,
        metavar="SECONDS",
        help="wait up to SECONDS for a database that is still starting or not yet reachable "
        "(a container started beside its database, or while other pods join its network)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medskapa",
        description="Patient feedback on national clinical guidance.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, help="default MEDSKAPA_PORT, else 8000")
    serve.add_argument(
        "--workers", type=int, help="worker processes (default MEDSKAPA_WORKERS, else 1)"
    )
    serve.add_argument(
        "--no-migrate",
        dest="migrate",
        action="store_false",
        help="do not migrate; refuse to start while a migration is pending (for a role that "
        "may not change the schema, after `db migrate` has run as the owner)",
    )
    serve.set_defaults(handler=cmd_serve)

    db = commands.add_parser("db", help="database migrations")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    migrate = db_commands.add_parser("migrate", help="apply pending migrations")
    _add_wait(migrate)
    migrate.set_defaults(handler=cmd_db_migrate)
    db_commands.add_parser(
        "status", help="list migrations and whether they are applied"
    ).set_defaults(handler=cmd_db_status)
    grant = db_commands.add_parser(
        "grant-app-role",
        help="create or update the limited role the web processes connect as (after migrate)",
    )
    grant.add_argument("role", help="role name, e.g. medskapa_app")
    _add_wait(grant)
    grant.set_defaults(handler=cmd_db_grant_app_role)

    demo = commands.add_parser("demo", help="demo content")
    demo_commands = demo.add_subparsers(dest="demo_command", required=True, metavar="COMMAND")
    demo_commands.add_parser("load", help="load the demo catalogue").set_defaults(
        handler=cmd_demo_load
    )
    from medskapa.audit.cli import add_commands as add_audit_commands

    add_audit_commands(commands, cmd_audit)
    moderation = commands.add_parser("moderation", help="moderation")
    moderation_commands = moderation.add_subparsers(
        dest="moderation_command", required=True, metavar="COMMAND"
    )
    moderation_commands.add_parser(
        "purge",
        help="destroy unredacted originals older than MEDSKAPA_REDACTION_RETENTION_DAYS",
    ).set_defaults(handler=cmd_moderation_purge)
    consultations = commands.add_parser("consultations", help="consultations (remiss)")
    consultation_commands = consultations.add_subparsers(
        dest="consultations_command", required=True, metavar="COMMAND"
    )
    remind = consultation_commands.add_parser(
        "remind",
        help="remind coordinators of consultations closing within three days (once each)",
    )
    remind.set_defaults(handler=cmd_consultations_remind)
    from medskapa.outbox.cli import add_commands as add_outbox_commands

    add_outbox_commands(commands, cmd_outbox_run)
    from medskapa.accounts.cli import add_commands as add_user_commands

    add_user_commands(commands, cmd_user)
    from medskapa.catalogue.structure_cli import add_commands

    add_commands(commands, cmd_structure)
    groups = commands.add_parser("groups", help="subject groups (NAG, NSG)")
    groups_commands = groups.add_subparsers(dest="groups_command", required=True, metavar="COMMAND")
    groups_commands.add_parser(
        "list", help="each subject group's slug, name and programme area"
    ).set_defaults(handler=cmd_groups_list)
    from medskapa.catalogue.authoring_cli import add_commands as add_document_commands

    add_document_commands(commands, cmd_documents)
    return parser


def main(argv: list[str] | None = None) -> None:
    # pgserver asks platformdirs for a runtime folder; on a server without a login session the
    # fallback it takes is fine, and the warning would only puzzle the person starting medskapa.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    args = build_parser().parse_args(argv)
    if getattr(args, "workers", None) is not None and args.workers < 1:
        _fail("--workers must be at least 1.")
    try:
        settings = Settings.from_env()
        args.handler(settings, args)
    except (SettingsError, CommandFailed, EmbeddedDatabaseError, migrations.MigrationError) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
