"""One typed settings object, read from ``MEDSKAPA_*`` environment variables on demand."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec
import platformdirs

from medskapa.security.embed_origins import EmbedOriginError, parse_origins
from medskapa.web.hosts import HostSettingError, allowed_hosts, split_base_url

PREFIX = "MEDSKAPA_"
SMTP_SECURITY = ("starttls", "tls", "none")


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str | None = None
    """PostgreSQL URL. Unset: an embedded PostgreSQL is started in ``data_dir``."""
    data_dir: Path = msgspec.field(
        default_factory=lambda: Path(platformdirs.user_data_dir("medskapa"))
    )
    debug: bool = False
    port: int = 8000
    """The port `medskapa serve` listens on when --port is not given."""
    workers: int = 1
    """Worker processes of `medskapa serve` when --workers is not given."""
    secret_key: str | None = None
    """Signs CSRF tokens; the same on every worker. `medskapa serve` makes one for the embedded
    database; production sets it."""
    dev_insecure_cookies: bool = False
    """Development only: cookies without Secure, for plain http://127.0.0.1."""
    db_pool_min_size: int = 0
    db_pool_max_size: int = 10
    db_acquire_timeout: float = 5.0
    """Seconds a request waits for a free database connection before it gets 503."""
    db_statement_timeout_ms: int = 10_000
    db_transaction_pooling: bool = False
    """True behind PgBouncer in transaction mode: asyncpg then keeps no prepared statements
    (PgBouncer before 1.21, Debian 12 has 1.18, cannot carry them from one transaction to the
    next) and sends no statement_timeout at start-up (PgBouncer refuses it; its own
    ``connect_query`` sets it instead: deploy/kubernetes.yaml)."""
    body_timeout: float = 10.0
    """Seconds each part of a request body may take to arrive before the request gets 408."""
    submit_limit: int = 20
    """Submissions one client may make per 10 minutes (counted in PostgreSQL)."""
    receipt_lookup_limit: int = 30
    """Receipt-code lookups one client may make per 10 minutes."""
    helpfulness_limit: int = 20
    """Answers to "Hjälpte informationen på sidan dig?" one client may send per 10 minutes."""
    embed_origins: str = ""
    """Comma-separated origins of the guidance websites that may embed the feedback widget
    (``https://host`` or ``https://host:port``; no wildcards or paths; ``http://`` only for
    127.0.0.1). Their pages may frame the form pages under /inbaddad/ and read the widget's
    API (security/embedding.py); empty: no site may."""
    load_demo: bool = True
    """Load the demo catalogue into an empty embedded database."""
    redaction_retention_days: int = 30
    """Days the unredacted original of moderated feedback is kept before it is destroyed."""
    base_url: str = "http://127.0.0.1:8000"
    """The public address of the service. Every absolute link (e-mail above all) is made from
    it, never from a request's Host header. `medskapa serve` on loopback sets it from
    --host/--port when it is not set."""
    allowed_hosts: str = ""
    """Comma-separated further host names (``name`` or ``name:port``, ``*.example.org`` for
    subdomains) that requests may name in their Host header, besides the host of
    ``base_url``. Other hosts get 400 (web/hosts.py); /healthz answers any host."""
    smtp_host: str | None = None
    """SMTP server for the outbox relay. Unset: e-mail stays in the outbox (and, in debug mode,
    is readable at /dev/mailbox)."""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    """``starttls`` (upgrade a plain connection), ``tls`` (implicit TLS, usually port 465) or
    ``none`` (only for a relay on the same host or network)."""
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "medskapa <no-reply@medskapa.invalid>"
    smtp_timeout: float = 30.0
    outbox_relay: bool = True
    """Run the outbox relay inside `medskapa serve` (when SMTP is set). Turn off where separate
    `medskapa outbox run` processes send instead."""
    moderation_alert_hours: int = 48
    """Moderators are told once a day when the oldest item in their queue is older than this."""
    audit_checkpoints: Path | None = None
    """File the signed audit checkpoints are appended to (audit/checkpoints.py). Unset:
    ``audit-checkpoints.jsonl`` in the data folder with the embedded database, none otherwise.
    Keep it, or a copy, off the database host."""
    audit_checkpoint_hours: int = 24
    """Hours between the checkpoints `medskapa serve` appends by itself when there is a file;
    0: none (run `medskapa audit checkpoint` from cron instead)."""
    security_contact: str = "mailto:sakerhet@medskapa.invalid"
    """Where to report a vulnerability (a mailto: or https: URI), in /.well-known/security.txt."""
    trusted_proxies: str = ""
    """Comma-separated addresses or networks of the reverse proxies in front; only from these is
    X-Forwarded-For read (security/proxies.py). Empty: the TCP peer is the client."""
    page_cache_size: int = 256
    """Rendered public pages (a document, the document as JSON) each process keeps, invalidated
    on publish through PostgreSQL LISTEN/NOTIFY (web/caching.py). 0: none."""
    server: str = "uvicorn"
    """The ASGI server `medskapa serve` runs the app in: ``uvicorn`` or ``granian``
    (docs/benchmarks.md has the figures side by side)."""
    listen_database_url: str | None = None
    """A direct PostgreSQL URL for the cache's LISTEN connection, when ``database_url`` goes
    through PgBouncer in transaction mode (which cannot LISTEN). Unset: ``database_url``."""
    organisation_name: str = "medskapa (demonstrationsversion)"
    """The public body that runs the service and is responsible for its personal data: named
    in the privacy notice, the accessibility statement and the footer."""
    organisation_contact: str = "mailto:kontakt@medskapa.invalid"
    """How to reach that body (a mailto: or https: URI), on the legal pages."""
    data_protection_officer: str = "mailto:dataskyddsombud@medskapa.invalid"
    """How to reach its data protection officer (a mailto: or https: URI)."""
    accessibility_reviewed: str = "2026-12-01"
    """The date (YYYY-MM-DD) the accessibility statement was last reviewed, as it says."""
    accessibility_report_retention_days: int = 365
    """Days the text, page and address of a report of an accessibility problem (a site
    feedback item) are kept; its status and trail stay."""
    helpfulness_reason_retention_days: int = 365
    """Days the reason given with an answer to "Hjälpte informationen?" is kept before its
    text is erased (the yes or no, and that a reason was given, stay for the counts)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from the environment; unknown ``MEDSKAPA_*`` names are refused."""
        environ = os.environ if environ is None else environ
        fields = {f.name: f for f in msgspec.structs.fields(cls)}
        raw: dict[str, str] = {}
        for key, value in environ.items():
            if not key.startswith(PREFIX) or key.startswith("MEDSKAPA_TEST_"):
                continue
            name = key.removeprefix(PREFIX).lower()
            if name not in fields:
                raise SettingsError(f"Unknown setting {key}.")
            raw[name] = value
        try:
            settings = msgspec.convert(raw, cls, strict=False, dec_hook=_decode)
        except msgspec.ValidationError as exc:
            raise SettingsError(f"Invalid setting: {_name_in(str(exc))}") from None
        return settings.validate()

    def validate(self) -> Settings:
        if self.secret_key is not None and len(self.secret_key) < 32:
            raise SettingsError("MEDSKAPA_SECRET_KEY must be at least 32 characters.")
        if self.db_pool_min_size < 0 or self.db_pool_max_size < 1:
            raise SettingsError("MEDSKAPA_DB_POOL_MAX_SIZE must be at least 1.")
        if not 1 <= self.redaction_retention_days <= 3650:
            raise SettingsError("MEDSKAPA_REDACTION_RETENTION_DAYS must be from 1 to 3650.")
        if self.smtp_security not in SMTP_SECURITY:
            raise SettingsError("MEDSKAPA_SMTP_SECURITY must be one of starttls, tls or none.")
        if not 1 <= self.port <= 65535:
            raise SettingsError("MEDSKAPA_PORT must be from 1 to 65535.")
        if not 1 <= self.workers <= 64:
            raise SettingsError("MEDSKAPA_WORKERS must be from 1 to 64.")
        if not 1 <= self.smtp_port <= 65535:
            raise SettingsError("MEDSKAPA_SMTP_PORT must be from 1 to 65535.")
        if self.server not in ("uvicorn", "granian"):
            raise SettingsError("MEDSKAPA_SERVER must be uvicorn or granian.")
        if self.page_cache_size < 0:
            raise SettingsError("MEDSKAPA_PAGE_CACHE_SIZE must be 0 or more.")
        if "@" not in self.smtp_from:
            raise SettingsError("MEDSKAPA_SMTP_FROM must contain an e-mail address.")
        try:
            split_base_url(self.base_url)
        except HostSettingError as exc:
            raise SettingsError(f"MEDSKAPA_BASE_URL: {exc}.") from None
        try:
            self.allowed_host_names()
        except HostSettingError as exc:
            raise SettingsError(f"MEDSKAPA_ALLOWED_HOSTS: {exc}.") from None
        try:
            self.embed_origin_list()
        except EmbedOriginError as exc:
            raise SettingsError(f"MEDSKAPA_EMBED_ORIGINS: {exc}.") from None
        if not 1 <= self.helpfulness_limit <= 100_000:
            raise SettingsError("MEDSKAPA_HELPFULNESS_LIMIT must be from 1 to 100000.")
        if self.moderation_alert_hours < 1:
            raise SettingsError("MEDSKAPA_MODERATION_ALERT_HOURS must be at least 1.")
        if not 0 <= self.audit_checkpoint_hours <= 8784:
            raise SettingsError("MEDSKAPA_AUDIT_CHECKPOINT_HOURS must be from 0 to 8784 (a year).")
        if not self.security_contact.startswith(("mailto:", "https://")):
            raise SettingsError("MEDSKAPA_SECURITY_CONTACT must start with mailto: or https://.")
        try:
            self.trusted_proxy_networks()
        except ValueError as exc:
            raise SettingsError(f"MEDSKAPA_TRUSTED_PROXIES: {exc}.") from None
        self._validate_public_body()
        if self.db_pool_min_size > self.db_pool_max_size:
            raise SettingsError(
                "MEDSKAPA_DB_POOL_MIN_SIZE must not be larger than MEDSKAPA_DB_POOL_MAX_SIZE."
            )
        return self

    def _validate_public_body(self) -> None:
        name = self.organisation_name.strip()
        if not name or len(name) > 200 or any(ord(c) < 32 for c in name):
            raise SettingsError(
                "MEDSKAPA_ORGANISATION_NAME must be 1 to 200 characters on one line."
            )
        for variable, value in (
            ("MEDSKAPA_ORGANISATION_CONTACT", self.organisation_contact),
            ("MEDSKAPA_DATA_PROTECTION_OFFICER", self.data_protection_officer),
        ):
            if not _contact_uri(value):
                raise SettingsError(
                    f"{variable} must be a mailto: address or an https:// address, without spaces."
                )
        try:
            dt.date.fromisoformat(self.accessibility_reviewed)
        except ValueError:
            raise SettingsError(
                "MEDSKAPA_ACCESSIBILITY_REVIEWED must be a date written YYYY-MM-DD."
            ) from None
        if not 1 <= self.accessibility_report_retention_days <= 3650:
            raise SettingsError(
                "MEDSKAPA_ACCESSIBILITY_REPORT_RETENTION_DAYS must be from 1 to 3650."
            )
        if not 1 <= self.helpfulness_reason_retention_days <= 3650:
            raise SettingsError(
                "MEDSKAPA_HELPFULNESS_REASON_RETENTION_DAYS must be from 1 to 3650."
            )

    def allowed_host_names(self) -> list[str]:
        """The Host header values the app answers (base URL's host and MEDSKAPA_ALLOWED_HOSTS)."""
        return allowed_hosts(self.base_url, self.allowed_hosts)

    def embed_origin_list(self) -> tuple[str, ...]:
        """The sites that may embed the widget, as browsers send them in Origin."""
        return parse_origins(self.embed_origins)

    def trusted_proxy_networks(self) -> tuple[Any, ...]:
        from medskapa.security.proxies import parse_networks

        return parse_networks(self.trusted_proxies)


def _contact_uri(value: str) -> bool:
    if any(c.isspace() or ord(c) < 32 for c in value) or len(value) > 300:
        return False
    if value.startswith("mailto:"):
        local, at, domain = value.removeprefix("mailto:").partition("@")
        return bool(local and at and "." in domain)
    return value.startswith("https://") and len(value) > len("https://x.y") - 1


def _decode(type_: type, obj: object) -> object:
    if type_ is Path and isinstance(obj, str):
        return Path(obj).expanduser()
    raise NotImplementedError


def _name_in(message: str) -> str:
    # msgspec says "Expected `int`, got `str` - at `$.db_pool_max_size`"; name the variable.
    if " - at `$." in message:
        text, _, path = message.partition(" - at `$.")
        return f"{PREFIX}{path.rstrip('`').upper()}: {text}"
    return message
