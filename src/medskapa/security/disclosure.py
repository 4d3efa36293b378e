"""``/.well-known/security.txt`` (RFC 9116): where to report a vulnerability."""

from __future__ import annotations

import datetime as dt

from litestar import Response, get
from litestar.datastructures import State

from medskapa.clock import utc_now
from medskapa.security.permissions import Permission

# RFC 9116 asks for an expiry under a year away; the file is made on each request, so it is
# always fresh and never says more than the configuration does.
VALID_FOR = dt.timedelta(days=180)


@get(
    "/.well-known/security.txt",
    permission=Permission.PUBLIC,
    include_in_schema=False,
    sync_to_thread=False,
)
def security_txt(state: State) -> Response[str]:
    settings = state.settings
    expires = (utc_now() + VALID_FOR).replace(microsecond=0)
    lines = [
        f"Contact: {settings.security_contact}",
        f"Expires: {expires.isoformat().replace('+00:00', 'Z')}",
        "Preferred-Languages: sv, en",
        f"Canonical: {settings.base_url.rstrip('/')}/.well-known/security.txt",
        "# Tell us what you did and what you saw; no real patients' data, please. We answer",
        "# within three working days and fix confirmed issues before anything is made public.",
        "",
    ]
    return Response(
        "\n".join(lines),
        media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )
