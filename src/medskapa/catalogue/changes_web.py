"""What changed between two published versions of a document: a public page and its JSON."""

from __future__ import annotations

import re
from typing import Annotated

import asyncpg
import msgspec
from litestar import Controller, MediaType, get
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_404_NOT_FOUND

from medskapa.catalogue import changes_queries as queries
from medskapa.catalogue.changes import Comparison, VersionInfo, compare_sections, runs
from medskapa.i18n import N_, gettext
from medskapa.security.permissions import Permission, requires
from medskapa.web.deps import Conn

LABEL = re.compile(r"^[0-9]+(\.[0-9]+)*$")
LABEL_MAX = 20


class Refusal(msgspec.Struct, frozen=True):
    """Why two versions cannot be compared: in Swedish for the page, in English for the API.
    A 400 page is a 422 in the API, as for every invalid parameter there."""

    status: int
    swedish: str
    english: str
    field: str | None = None


def _info(version: queries.PublishedVersion) -> VersionInfo:
    return VersionInfo(version.label, version.published_on, version.change_summary)


async def compare(
    conn: asyncpg.Connection, slug: str, old_label: str | None, new_label: str | None
) -> Comparison | Refusal:
    """The comparison of two published versions; without labels, the one before the current
    and the current one. Labels are checked here (not by the framework) so that the page
    can say in Swedish what is wrong."""
    bad_label = {
        "from": N_(
            "Adressen anger ingen giltig version att jämföra från. Ett versionsnummer skrivs "
            "med siffror och punkter, till exempel 1.1."
        ),
        "to": N_(
            "Adressen anger ingen giltig version att jämföra till. Ett versionsnummer skrivs "
            "med siffror och punkter, till exempel 1.1."
        ),
    }
    for name, label in (("from", old_label), ("to", new_label)):
        if label is not None and (len(label) > LABEL_MAX or not LABEL.match(label)):
            return Refusal(
                HTTP_400_BAD_REQUEST,
                gettext(bad_label[name]),
                "A version label is digits separated by dots, e.g. 1.1.",
                name,
            )
    document = await queries.public_document(conn, slug)
    if document is None:
        return Refusal(
            HTTP_404_NOT_FOUND,
            gettext("Det finns inget publicerat kunskapsstöd med den adressen."),
            f"No guidance document is published at {slug!r}.",
        )
    versions = document.versions
    position = {v.label: i for i, v in enumerate(versions)}
    for name, label in (("from", old_label), ("to", new_label)):
        if label is not None and label not in position:
            return Refusal(
                HTTP_404_NOT_FOUND,
                gettext(
                    "Version {label} av {title} finns inte bland de publicerade versionerna."
                ).format(label=label, title=document.title),
                f"Version {label} of this document does not exist or is not published.",
                name,
            )
    if len(versions) < 2:
        return Refusal(
            HTTP_404_NOT_FOUND,
            gettext(
                "{title} har bara en publicerad version, så det finns inga ändringar att visa."
            ).format(title=document.title),
            "This document has fewer than two published versions.",
        )
    new_index = position[new_label] if new_label is not None else len(versions) - 1
    old_index = position[old_label] if old_label is not None else new_index - 1
    if old_index < 0:
        return Refusal(
            HTTP_400_BAD_REQUEST,
            gettext(
                "Version {label} är den första publicerade versionen; det finns ingen tidigare "
                "version att jämföra med."
            ).format(label=versions[new_index].label),
            "The 'to' version is the first published one; there is nothing before it.",
            "to",
        )
    if old_index >= new_index:
        return Refusal(
            HTTP_400_BAD_REQUEST,
            gettext(
                "Version {old} publicerades inte före version {new}. Välj en äldre version att "
                "jämföra från."
            ).format(old=versions[old_index].label, new=versions[new_index].label),
            "The 'from' version must have been published before the 'to' version.",
            "from",
        )
    old, new = versions[old_index], versions[new_index]
    old_sections, new_sections = await queries.sections(conn, (old.id, new.id))
    return Comparison(
        document=document.slug,
        title=document.title,
        from_version=_info(old),
        to_version=_info(new),
        sections=compare_sections(old_sections, new_sections),
        feedback_led_to_change=await queries.feedback_changed_in(conn, new.id),
        versions=[v.label for v in versions],
    )


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


class ChangesPages(Controller):
    include_in_schema = False
    opt = requires(Permission.PUBLIC)

    @get(
        "/kunskapsstod/{slug:str}/andringar",
        name="document-changes",
        opt={"shared_cache": True},
    )
    async def changes(
        self,
        conn: Conn,
        slug: FromPath[str],
        fran: Annotated[str | None, QueryParameter(name="fran")] = None,
        till: Annotated[str | None, QueryParameter(name="till")] = None,
    ) -> Template:
        result = await compare(conn, slug, _clean(fran), _clean(till))
        if isinstance(result, Refusal):
            document = await queries.public_document(conn, slug)
            return Template(
                "errors/error.html",
                context={
                    "title": gettext("Ändringarna kan inte visas"),
                    "status": result.status,
                    "detail": result.swedish,
                    "next_step": (
                        f"/kunskapsstod/{slug}",
                        gettext("Till {title}").format(title=document.title),
                    )
                    if document is not None
                    else None,
                },
                status_code=result.status,
                media_type=MediaType.HTML,
            )
        return Template(
            "catalogue/changes.html", context={"c": result, "runs": runs(result.sections)}
        )


class ChangesApi(Controller):
    path = "/api/v1/documents"
    tags = ("catalogue",)
    opt = requires(Permission.PUBLIC)

    @get(
        "/{slug:str}/changes",
        summary="What changed between two published versions, section by section",
        description="Sections added, removed, renamed or renumbered, and a word-by-word "
        "difference of each changed section's Markdown source. Without `from` and `to`: the "
        "version before the current one against the current one.",
        opt={"problems": [404, 422], "shared_cache": True},
    )
    # The labels are checked by ``compare`` (digits and dots, at most 20 characters; the schema
    # says so too), so that a problem names the parameter as the client wrote it ("from", not
    # "from_label").
    async def changes(
        self,
        conn: Conn,
        slug: FromPath[str],
        from_label: Annotated[
            str | None,
            QueryParameter(
                name="from",
                description="The older published version's label, e.g. 1.0.",
                schema_extra={"pattern": LABEL.pattern, "maxLength": LABEL_MAX},
            ),
        ] = None,
        to_label: Annotated[
            str | None,
            QueryParameter(
                name="to",
                description="The newer published version's label, e.g. 1.1.",
                schema_extra={"pattern": LABEL.pattern, "maxLength": LABEL_MAX},
            ),
        ] = None,
    ) -> Comparison:
        result = await compare(conn, slug, from_label, to_label)
        if isinstance(result, Refusal):
            if result.status == HTTP_404_NOT_FOUND:
                raise NotFoundException(detail=result.english)
            raise ValidationException(
                detail="Some values are not valid.",
                extra=[{"key": result.field, "message": result.english}],
            )
        return result
