"""`medskapa structure ...`: the national structure from the shell, through the same service as
the admin page and the API (so the same checks, one transaction and an audit event each)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import asyncpg

from medskapa.catalogue.structure import KIND_LABELS, StructureService
from medskapa.clock import utc_now
from medskapa.errors import CommandFailed, Invalid, NotFound, Refused

ACTOR = "admin-cli"


def add_commands(commands: Any, handler: Callable[..., None]) -> None:
    """The `structure` command and its subcommands, each run by ``handler``."""
    structure = commands.add_parser(
        "structure", help="programme areas (NPO) and subject groups (NAG, NSG)"
    )
    sub = structure.add_subparsers(dest="structure_command", required=True, metavar="COMMAND")

    def add(name: str, text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, help=text)
        parser.set_defaults(handler=handler)
        return parser

    add("list", "list areas and their groups")
    p = add("area-create", "create a programme area")
    p.add_argument("--slug", required=True)
    p.add_argument("--name", required=True)
    p = add("area-rename", "rename a programme area")
    p.add_argument("slug")
    p.add_argument("--name", required=True)
    p = add("area-archive", "archive a programme area (one without live groups)")
    p.add_argument("slug")
    p.add_argument("--restore", action="store_true", help="bring it back instead")
    p = add("group-create", "create a subject group in a programme area")
    p.add_argument("--slug", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--kind", required=True, choices=[str(k) for k in KIND_LABELS])
    p.add_argument("--area", required=True, help="programme area slug")
    p.add_argument("--description", default="")
    p = add("group-edit", "rename a group, change its kind or description")
    p.add_argument("slug")
    p.add_argument("--name")
    p.add_argument("--kind", choices=[str(k) for k in KIND_LABELS])
    p.add_argument("--description")
    p = add("group-move", "move a group to another programme area")
    p.add_argument("slug")
    p.add_argument("--area", required=True, help="programme area slug")
    p = add("group-archive", "archive a group (one that owns no live document)")
    p.add_argument("slug")
    p.add_argument("--restore", action="store_true", help="bring it back instead")
    p = add("document-assign", "give a guidance document to another group")
    p.add_argument("document", help="document slug")
    p.add_argument("--group", required=True, help="group slug")


async def run(conn: asyncpg.Connection, args: argparse.Namespace) -> str:
    """Carry out one subcommand; the sentence to print, or ``CommandFailed``."""
    service = StructureService(conn, utc_now)
    command = args.structure_command
    try:
        return await _run(service, command, args)
    except Invalid as exc:
        raise CommandFailed(
            " ".join(f"{e.field}: {exc.message(e, 'en')}" for e in exc.errors)
        ) from exc
    except Refused as exc:
        raise CommandFailed(exc.message("en")) from exc
    except NotFound as exc:
        asked = args.document if command == "document-assign" else args.slug
        raise CommandFailed(f"nothing is called {asked}.") from exc


async def _run(service: StructureService, command: str, args: argparse.Namespace) -> str:
    if command == "list":
        lines = []
        for area in await service.overview():
            lines.append(f"{area.slug}  {area.name}{'  (archived)' if area.archived else ''}")
            lines.extend(
                f"  {g.slug}  {g.kind.upper()}  {g.name}  documents: {g.document_count}"
                f"{'  (archived)' if g.archived_at else ''}"
                for g in area.groups
            )
        return "\n".join(lines) or "No programme areas."
    if command == "area-create":
        area = await service.create_area(ACTOR, slug=args.slug, name=args.name)
        return f"Created programme area {area.slug}."
    if command == "area-rename":
        area = await service.update_area(ACTOR, args.slug, name=args.name)
        return f"Programme area {area.slug} is now called {area.name}."
    if command == "area-archive":
        area = await service.update_area(ACTOR, args.slug, archived=not args.restore)
        return f"Programme area {area.slug} is {'archived' if area.archived_at else 'active'}."
    if command == "group-create":
        group = await service.create_group(
            ACTOR,
            slug=args.slug,
            name=args.name,
            kind=args.kind,
            area=args.area,
            description=args.description,
        )
        return f"Created group {group.slug} ({group.kind.upper()}) in {group.area_slug}."
    if command == "group-edit":
        group = await service.update_group(
            ACTOR, args.slug, name=args.name, kind=args.kind, description=args.description
        )
        return f"Group {group.slug} saved."
    if command == "group-move":
        group = await service.update_group(ACTOR, args.slug, area=args.area)
        return f"Group {group.slug} is now in {group.area_slug}."
    if command == "group-archive":
        group = await service.update_group(ACTOR, args.slug, archived=not args.restore)
        return f"Group {group.slug} is {'archived' if group.archived_at else 'active'}."
    document = await service.assign_document(ACTOR, args.document, args.group)
    return f"Document {document.slug} now belongs to {document.group_slug}."
