"""The app factory: settings in, a wired Litestar app out. Wiring only."""

from __future__ import annotations

import gc
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware.allowed_hosts import AllowedHostsMiddleware
from litestar.middleware.base import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from medskapa import __version__
from medskapa.accounts.account_web import AccountPages
from medskapa.accounts.admin_web import UserAdminPages
from medskapa.accounts.api import AuthApi
from medskapa.accounts.registration_web import RegistrationPages
from medskapa.accounts.signin_web import SignInPages
from medskapa.answers.open_data import OpenDataPages
from medskapa.answers.web import PublicResponsesApi, PublicResponsesPages
from medskapa.audit import keys as audit_keys
from medskapa.audit.jobs import checkpoint_lifespan
from medskapa.catalogue.authoring_api import AuthoringApi
from medskapa.catalogue.authoring_pages import AuthoringPages
from medskapa.catalogue.authoring_publish_pages import PublishPages
from medskapa.catalogue.changes_web import ChangesApi, ChangesPages
from medskapa.catalogue.filters import template_filters
from medskapa.catalogue.following import UNSUBSCRIBE_PATH_PATTERN
from medskapa.catalogue.following_web import FollowingPages
from medskapa.catalogue.jobs import lapsed_followers_lifespan
from medskapa.catalogue.structure_api import StructureApi
from medskapa.catalogue.structure_pages import StructureAdminPages
from medskapa.catalogue.web import CatalogueApi, CataloguePages
from medskapa.consultations.web import ConsultationApi, ConsultationPages
from medskapa.db.pool import close_pool, create_pool
from medskapa.feedback.api import FeedbackApi
from medskapa.feedback.embed_web import WidgetApi, WidgetScript
from medskapa.feedback.helpfulness_jobs import reason_purge_lifespan
from medskapa.feedback.helpfulness_pages import HelpfulnessPages
from medskapa.feedback.mine_pages import MyFeedbackPages
from medskapa.feedback.pages import FeedbackPages
from medskapa.followup.web import FollowUpPages
from medskapa.legal.jobs import report_purge_lifespan
from medskapa.legal.pages import AccessibilityReportAdmin, LegalPages
from medskapa.moderation.api import ModerationApi
from medskapa.moderation.jobs import purge_lifespan
from medskapa.moderation.pages import ModerationPages
from medskapa.moderation.routing_pages import RoutingAdminPages
from medskapa.organisations.web import OrganisationPages
from medskapa.outbox.jobs import notices_lifespan, relay_lifespan
from medskapa.outbox.web import DevMailboxPages, OutboxAdminPages
from medskapa.regions.web import RegionsApi
from medskapa.resources import resource_dir
from medskapa.security.auth import AuthenticationMiddleware
from medskapa.security.csrf import CsrfMiddleware
from medskapa.security.disclosure import security_txt
from medskapa.security.embedding import EmbedCors
from medskapa.security.headers import security_headers
from medskapa.security.permissions import Permission, enforce_permissions, requires
from medskapa.security.proxies import trusted_proxies
from medskapa.settings import Settings, SettingsError
from medskapa.statements.api import StatementApi
from medskapa.statements.pages import StatementPages
from medskapa.triage.api import TriageApi
from medskapa.triage.exports import TriageExportApi
from medskapa.triage.inbox_pages import TriageInboxPages
from medskapa.triage.item_pages import TriageItemPages
from medskapa.wayfinding.web import WayfindingPages
from medskapa.web import templating
from medskapa.web.api_reference import VendoredSwaggerPlugin
from medskapa.web.boundary import request_boundary
from medskapa.web.caching import invalidation_lifespan, shared_cache
from medskapa.web.connection import (
    note_database_failure,
    provide_connection,
    request_connection,
)
from medskapa.web.errors import exception_handlers
from medskapa.web.health import healthz
from medskapa.web.hosts import public_origin
from medskapa.web.language import language_middleware, switch_language
from medskapa.web.limits import body_timeout
from medskapa.web.logging import configure_logging, request_logging
from medskapa.web.openapi import document_problems


def _lifespan(settings: Settings):
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # The database is the one the app's settings name when it starts (the same settings
        # it was built with; the tests start one app on a database of each test's own).
        url = app.state.settings.database_url
        if url is None:
            raise RuntimeError("create_app needs a database URL; `medskapa serve` provides one.")
        # Every connection carries the audit keys, so services can record events.
        keyed = audit_keys.binder(settings.secret_key)
        app.state.pool = await create_pool(settings, url, set_up=keyed)
        # /healthz has a connection of its own, so it still answers while every request
        # connection is busy (and can tell "busy" from "unreachable").
        app.state.health_pool = await create_pool(settings, url, size=1, set_up=keyed)
        # Everything built so far (routes, templates, the OpenAPI model) lives as long as the
        # process: keep it out of the garbage collector's full passes, which otherwise walk
        # it again and again and stall every request in flight meanwhile (seen as p99 spikes).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            for pool in (app.state.health_pool, app.state.pool):
                await close_pool(pool)

    return lifespan


def create_app(settings: Settings) -> Litestar:
    if not settings.secret_key:
        raise SettingsError("MEDSKAPA_SECRET_KEY is not set; `medskapa serve` sets one up.")
    app = Litestar(
        route_handlers=[
            healthz,
            security_txt,
            switch_language,
            LegalPages,
            AccessibilityReportAdmin,
            CataloguePages,
            CatalogueApi,
            AuthoringApi,
            ChangesPages,
            ChangesApi,
            FollowingPages,
            FeedbackPages,
            MyFeedbackPages,
            FeedbackApi,
            HelpfulnessPages,
            WidgetApi,
            WidgetScript,
            RegionsApi,
            AccountPages,
            AuthApi,
            ModerationPages,
            ModerationApi,
            RoutingAdminPages,
            OutboxAdminPages,
            SignInPages,
            RegistrationPages,
            UserAdminPages,
            StructureAdminPages,
            AuthoringPages,
            PublishPages,
            StructureApi,
            DevMailboxPages,
            OrganisationPages,
            ConsultationPages,
            ConsultationApi,
            StatementPages,
            StatementApi,
            TriageInboxPages,
            TriageItemPages,
            TriageApi,
            TriageExportApi,
            PublicResponsesPages,
            PublicResponsesApi,
            OpenDataPages,
            WayfindingPages,
            FollowUpPages,
            create_static_files_router(
                path="/static",
                directories=[resource_dir("static")],
                include_in_schema=False,
                opt=requires(Permission.PUBLIC),
            ),
        ],
        dependencies={"conn": Provide(provide_connection)},
        middleware=[
            # The language of every page and message of the request (?lang=, the switch's
            # cookie, Accept-Language): first, so that even a refusal below speaks it.
            DefineMiddleware(language_middleware, secure_cookies=not settings.dev_insecure_cookies),
            trusted_proxies(settings.trusted_proxy_networks()),
            request_logging,
            # Links are made from settings.base_url alone; requests for other hosts get 400
            # before anything else reads them. /healthz answers any host: a probe names the
            # pod's or container's address, not the public name.
            DefineMiddleware(
                AllowedHostsMiddleware,
                config=AllowedHostsConfig(
                    allowed_hosts=settings.allowed_host_names(),
                    exclude=["^/healthz$"],
                    www_redirect=False,
                ),
            ),
            request_boundary(public_origin(settings.base_url)),
            # The widget's API answers the guidance websites' CORS preflights itself.
            DefineMiddleware(EmbedCors, origins=settings.embed_origin_list()),
            body_timeout(settings.body_timeout),
            # Validators, Cache-Control and 304 for public reads without a credential.
            shared_cache,
            # Gives back the request's database connection whatever happens.
            request_connection,
            # /healthz needs no one's identity, and must not take a request connection to
            # report how many are in use.
            DefineMiddleware(AuthenticationMiddleware, exclude=["^/static/", "^/healthz$"]),
            # Inside authentication: a signed-in browser's token is its session's own.
            DefineMiddleware(
                CsrfMiddleware,
                public_origin=public_origin(settings.base_url),
                # The one exemption: RFC 8058 one-click unsubscribe. A mail program POSTs
                # "List-Unsubscribe=One-Click" to the URL in the List-Unsubscribe header with no
                # cookie, so it can carry no CSRF token. It needs none: the URL's own random
                # token (only its hash is stored) is the credential, a foreign site cannot
                # know it, and the worst a forged request could do is stop one follower's mail.
                exempt=re.compile(UNSUBSCRIBE_PATH_PATTERN),
            ),
            # Last, where Litestar would run a guard: the route's declared permission (401/403,
            # and deny by default for a route that declares none); security/permissions.py.
            enforce_permissions,
        ],
        exception_handlers=exception_handlers(),
        after_exception=[note_database_failure],
        before_send=[security_headers(settings.embed_origin_list())],
        lifespan=[
            _lifespan(settings),
            invalidation_lifespan(
                settings.page_cache_size,
                lambda app: (
                    app.state.settings.listen_database_url or app.state.settings.database_url
                ),
            ),
            purge_lifespan(settings),
            lapsed_followers_lifespan(settings),
            notices_lifespan(settings),
            relay_lifespan(settings),
            checkpoint_lifespan(settings),
            report_purge_lifespan(settings),
            reason_purge_lifespan(settings),
        ],
        state=State({"settings": settings}),
        template_config=TemplateConfig(
            directory=resource_dir("templates"),
            engine=JinjaTemplateEngine,
            engine_callback=lambda engine: templating.configure(engine, template_filters()),
        ),
        plugins=[HTMXPlugin()],
        openapi_config=OpenAPIConfig(
            title="medskapa API",
            version=__version__,
            description="Feedback from patients and närstående on national clinical guidance.",
            path="/schema",
            render_plugins=[VendoredSwaggerPlugin()],
        ),
        debug=settings.debug,
    )
    document_problems(app)
    return app


def create_app_from_env() -> Litestar:
    """Factory for ``uvicorn --factory`` and worker processes."""
    settings = Settings.from_env()
    configure_logging(settings.debug)
    return create_app(settings)
