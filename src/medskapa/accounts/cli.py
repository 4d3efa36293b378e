"""`medskapa user create | set-role | reset-second-factor`: accounts from the shell, through the
same admin use cases as the admin page (audited). The command (cli.py) finds the database and
binds the audit keys; this module says what each subcommand does and what it prints."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

import asyncpg

from medskapa.accounts.admin import RoleChoice, create_user, reset_second_factor, set_role
from medskapa.clock import utc_now
from medskapa.db.pool import init_connection
from medskapa.errors import CommandFailed, Invalid


def add_commands(commands: Any, handler: Callable[..., None]) -> None:
    """The `user` command and its subcommands, each run by ``handler``."""
    user = commands.add_parser("user", help="user accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="COMMAND")
    for name, text in (
        ("create", "create a user (e-mail counts as confirmed)"),
        ("set-role", "give a user a role; ends their sessions"),
    ):
        sub = user_commands.add_parser(name, help=text)
        sub.add_argument("--email", required=True)
        sub.add_argument("--role", required=True, choices=[r.value for r in RoleChoice])
        sub.add_argument("--group", help="subject group slug, for group roles")
        sub.add_argument("--organisation", help="organisation slug, for organisation roles")
        if name == "create":
            sub.add_argument(
                "--password-stdin", action="store_true", help="read the password from stdin"
            )
        sub.set_defaults(handler=handler)
    reset = user_commands.add_parser(
        "reset-second-factor",
        help="remove a user's second factor (lost app and recovery codes); audited, ends "
        "their sessions and tokens",
    )
    reset.add_argument("--email", required=True)
    reset.set_defaults(handler=handler)


NO_TERMINAL = (
    "medskapa: there is no terminal to type the password in; send it on standard input "
    "with --password-stdin (e.g. printf '%s\\n' \"$PASSWORD\" | medskapa user create "
    "--email ... --role ... --password-stdin)."
)


def read_password(args: argparse.Namespace) -> str | None:
    """The new user's password (``create`` only), read before any database is reached."""
    if args.user_command != "create":
        return None
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if sys.stdin is None or not sys.stdin.isatty():
        # A script, a container or a pipe: there is no one to ask (getpass would fail with
        # EOFError). Like a wrong argument, this is a usage error: exit status 2.
        print(NO_TERMINAL, file=sys.stderr)
        raise SystemExit(2)
    import getpass

    try:
        first = getpass.getpass("Password: ")
        again = getpass.getpass("Same password again: ")
    except EOFError:  # Ctrl-D at the prompt
        raise CommandFailed("no password was given; nothing was created.") from None
    if first != again:
        raise CommandFailed("the passwords do not match.")
    return first


async def run(conn: asyncpg.Connection, args: argparse.Namespace, password: str | None) -> str:
    """Carry out one subcommand on a connection bound to the audit keys; the sentence to
    print, or ``CommandFailed``."""
    try:
        return await _run(conn, args, password)
    except Invalid as exc:
        raise CommandFailed(exc.message(exc.errors[0])) from exc


async def _run(conn: asyncpg.Connection, args: argparse.Namespace, password: str | None) -> str:
    if args.user_command == "create":
        assert password is not None  # read_password
        user_id = await create_user(
            conn,
            email=args.email,
            password=password,
            role=RoleChoice(args.role),
            now=utc_now(),
            group=args.group,
            organisation=args.organisation,
        )
        return f"Created user {user_id} with role {args.role}."
    if args.user_command == "set-role":
        user_id = await set_role(
            conn,
            email=args.email,
            role=RoleChoice(args.role),
            now=utc_now(),
            group=args.group,
            organisation=args.organisation,
        )
        return f"User {user_id} now has role {args.role}; their sessions were ended."
    await init_connection(conn)  # the JSON codec the mail to the owner needs
    user_id = await reset_second_factor(conn, email=args.email, now=utc_now())
    return (
        f"User {user_id}: second factor removed, sessions and API tokens ended; "
        "they enrol a new one at their next login and were told by e-mail."
    )
