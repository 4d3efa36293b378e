"""The routing-rule pages for admins: the rules, a form to create or edit one, and a preview of
where an item would go."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from medskapa.errors import Invalid
from medskapa.feedback.domain import CATEGORY_LABELS, Category
from medskapa.moderation import texts
from medskapa.moderation.domain import RuleKind
from medskapa.moderation.rules import PreviewInput, RoutingRules, RuleInput
from medskapa.moderation.web import DEPENDENCIES, MAX_FORM_BYTES
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.web.deps import RowId
from medskapa.web.forms import field, fields, see_other
from medskapa.web.responses import private_page


def _rule_input(data: dict[str, Any]) -> RuleInput:
    return RuleInput(
        name=field(data, "name"),
        kind=field(data, "kind"),
        document=field(data, "document"),
        section=field(data, "section"),
        category=field(data, "category"),
        keyword=field(data, "keyword"),
        priority=field(data, "priority"),
        groups=fields(data, "groups"),
        keep_owner=field(data, "keep_owner") == "ja",
        active=field(data, "active") == "ja",
    )


class RoutingAdminPages(Controller):
    include_in_schema = False
    opt = requires(Permission.ADMINISTER)
    dependencies = DEPENDENCIES

    async def _context(self, rules: RoutingRules) -> dict[str, Any]:
        return {
            "rules": await rules.list(),
            "documents": await rules.documents(),
            "groups": await rules.groups(),
            "kinds": list(RuleKind),
            "kind_labels": texts.RULE_KIND_LABELS,
            "categories": list(Category),
            "category_labels": CATEGORY_LABELS,
        }

    @get("/admin/dirigering", name="routing-rules")
    async def index(
        self,
        rules: NamedDependency[RoutingRules],
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
    ) -> Template:
        context = await self._context(rules)
        return private_page(
            "admin/routing.html", **context, done=done, values={"priority": "100"}, errors={}
        )

    @post("/admin/dirigering", request_max_body_size=MAX_FORM_BYTES)
    async def create(
        self,
        request: Request[Any, Any, Any],
        rules: NamedDependency[RoutingRules],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        rule = _rule_input(data)
        try:
            await rules.create(principal_of(request), rule)
        except Invalid as exc:
            context = await self._context(rules)
            return private_page(
                "admin/routing.html",
                HTTP_422_UNPROCESSABLE_ENTITY,
                **context,
                values=msgspec.to_builtins(rule),
                errors=exc.by_field(),
            )
        return see_other("/admin/dirigering?klart=skapad")

    @get("/admin/dirigering/regel/{rule_id:int}")
    async def edit_form(self, rules: NamedDependency[RoutingRules], rule_id: RowId) -> Template:
        view = await rules.get(rule_id)
        context = await self._context(rules)
        by_id = {g.id: g.slug for g in context["groups"]}
        values = {
            "name": view.name,
            "kind": view.rule.kind,
            "document": view.document_slug or "",
            "section": view.rule.section_key or "",
            "category": view.rule.category or "",
            "keyword": view.rule.keyword or "",
            "priority": str(view.rule.priority),
            "groups": [by_id[g] for g in view.rule.group_ids],
            "keep_owner": view.rule.keep_owner,
            "active": view.rule.active,
        }
        return private_page(
            "admin/routing_rule.html", **context, view=view, values=values, errors={}
        )

    @post("/admin/dirigering/regel/{rule_id:int}", request_max_body_size=MAX_FORM_BYTES)
    async def update(
        self,
        request: Request[Any, Any, Any],
        rules: NamedDependency[RoutingRules],
        rule_id: RowId,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        rule = _rule_input(data)
        try:
            await rules.update(principal_of(request), rule_id, rule)
        except Invalid as exc:
            view = await rules.get(rule_id)
            context = await self._context(rules)
            return private_page(
                "admin/routing_rule.html",
                HTTP_422_UNPROCESSABLE_ENTITY,
                **context,
                view=view,
                values=msgspec.to_builtins(rule),
                errors=exc.by_field(),
            )
        return see_other("/admin/dirigering?klart=sparad")

    @post("/admin/dirigering/regel/{rule_id:int}/aktiv", request_max_body_size=4096)
    async def set_active(
        self,
        request: Request[Any, Any, Any],
        rules: NamedDependency[RoutingRules],
        rule_id: RowId,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        active = field(data, "active") == "ja"
        await rules.set_active(principal_of(request), rule_id, active)
        return see_other(f"/admin/dirigering?klart={'aktiverad' if active else 'inaktiverad'}")

    @get("/admin/dirigering/forhandsgranska")
    async def preview(
        self,
        request: Request[Any, Any, Any],
        rules: NamedDependency[RoutingRules],
        document: Annotated[str, QueryParameter(name="dokument", max_length=200)] = "",
        section: Annotated[str, QueryParameter(name="avsnitt", max_length=100)] = "",
        category: Annotated[str, QueryParameter(name="kategori", max_length=40)] = "",
        text: Annotated[str, QueryParameter(name="text", max_length=5000)] = "",
    ) -> Template:
        sample = PreviewInput(document=document, section=section, category=category, text=text)
        fragment = request.headers.get("hx-request") == "true"
        name = "admin/routing_preview.html" if fragment else "admin/routing_preview_page.html"
        try:
            result = await rules.preview(sample)
        except Invalid as exc:
            context = {} if fragment else await self._context(rules)
            return private_page(
                name,
                HTTP_422_UNPROCESSABLE_ENTITY,
                **context,
                sample=sample,
                preview_errors=exc.by_field(),
            )
        context = {} if fragment else await self._context(rules)
        return private_page(name, **context, sample=sample, preview=result, preview_errors={})
