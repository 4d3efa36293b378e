"""`medskapa documents import PATH [--publish]`: a guidance document from a file, through the
same importer and service as the API (same checks, one transaction, audited as "admin-cli")."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medskapa.errors import CommandFailed

if TYPE_CHECKING:
    import asyncpg

    from medskapa.catalogue import importer

# The importer (BeautifulSoup, Markdown) and the service are imported when a document is
# imported, not by every command of the CLI (whose parser lists this one): ~0.3 s of CPU saved
# on each other command.

MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")


def add_commands(commands: Any, handler: Callable[..., None]) -> None:
    documents = commands.add_parser("documents", help="guidance documents and their versions")
    sub = documents.add_subparsers(dest="documents_command", required=True, metavar="COMMAND")
    parser = sub.add_parser(
        "import",
        help="import a Markdown file (TOML front matter between +++ lines) or a saved HTML "
        "guidance page; an existing slug with a later version adds a draft version",
    )
    parser.add_argument("path", type=Path, help="a .md or .html file")
    parser.add_argument("--publish", action="store_true", help="publish the version at once")
    for name in ("slug", "kind", "group", "version", "title"):
        parser.add_argument(f"--{name}", help=f"{name} of an HTML page (Markdown has its own)")
    parser.set_defaults(handler=handler)


def read(args: argparse.Namespace) -> importer.ImportedDocument:
    from medskapa.catalogue import importer

    path: Path = args.path
    try:
        with path.open("rb") as fh:
            data = fh.read(importer.MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise CommandFailed(f"Cannot read {path}: {exc.strerror}.") from exc
    try:
        if path.suffix.lower() in MARKDOWN_SUFFIXES:
            return importer.read_markdown(data)
        if path.suffix.lower() in HTML_SUFFIXES:
            fields = {n: getattr(args, n) for n in ("slug", "kind", "group", "version")}
            if args.title:
                fields["title"] = args.title
            return importer.read_html(data, fields)
        raise importer.Rejected([importer.Problem("unsupported_format")])
    except importer.Rejected as exc:
        raise CommandFailed(_lines(exc)) from exc


def _lines(exc: importer.Rejected) -> str:
    from medskapa.catalogue.authoring_texts import problem_text

    return "Nothing was imported:\n" + "\n".join(f"- {problem_text(p, 'en')}" for p in exc.problems)


async def run(conn: asyncpg.Connection, args: argparse.Namespace) -> str:
    from medskapa.catalogue import importer
    from medskapa.catalogue.authoring import CLI, AuthoringService
    from medskapa.catalogue.authoring_texts import ignored_text, removal_text
    from medskapa.clock import utc_now

    document = read(args)
    try:
        result = await AuthoringService(conn, utc_now).import_document(
            CLI, document, publish=args.publish
        )
    except importer.Rejected as exc:
        raise CommandFailed(_lines(exc)) from exc
    state = "published" if result.published else "a draft"
    lines = [
        f"Imported {result.slug} version {result.version} ({result.sections} sections), {state}"
        + (", a new document." if result.new_document else ".")
    ]
    lines += [f"- {removal_text(r, 'en')}" for r in result.removed]
    lines += [f"- {ignored_text(code, 'en')}" for code in result.ignored]
    return "\n".join(lines)
