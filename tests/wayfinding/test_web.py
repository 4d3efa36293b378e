"""Everyone finds their own work: the header links only to the pages a person may open, the
start page ("Mina uppgifter") shows what waits for them, and admins have an index."""

from __future__ import annotations

import html
import re

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice, set_role
from medskapa.security.permissions import Permission, may
from medskapa.security.principal import ANONYMOUS, Principal, Role
from medskapa.wayfinding.texts import ADMIN_PAGES
from tests.factories import FIXED_NOW, STAFF_PASSWORD, sign_in, sign_in_staff
from tests.wayfinding.cast import GROUP, ORGANISATION, ROUND_TITLE, Cast, cast

Client = AsyncTestClient[Litestar]
EVERYONE = ["Mina uppgifter", "Mina synpunkter"]


def my_links(page: str) -> list[str] | None:
    """The link texts of the header's "Mina sidor" menu, or None when there is none."""
    found = re.search(r'<nav aria-label="Mina sidor".*?</nav>', page, re.S)
    if found is None:
        return None
    return [html.unescape(t) for t in re.findall(r"<a [^>]*>([^<]+)</a>", found[0])]


def links(page: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', page))


@pytest.fixture
async def people(conn: asyncpg.Connection) -> Cast:
    return await cast(conn)


async def test_the_header_shows_each_person_the_pages_they_may_open_and_no_others(
    client: Client, conn: asyncpg.Connection, people: Cast
) -> None:
    assert my_links((await client.get("/")).text) is None  # signed out
    expected = [
        (people.patient, False, EVERYONE),
        (people.organisation_member, False, [*EVERYONE, "Remisser", "Organisationer"]),
        (people.coordinator, False, [*EVERYONE, "Remisser", "Organisationer"]),
        (people.moderator, True, [*EVERYONE, "Moderering"]),
        (people.member, True, [*EVERYONE, "Arbetsgrupp", "Remisser"]),
        (people.admin, True, [*EVERYONE, "Moderering", "Uppföljning", "Administration"]),
    ]
    for person, staff, shown in expected:
        await (sign_in_staff if staff else sign_in)(client, conn, person.user_id)
        page = await client.get("/kunskapsstod")
        assert my_links(page.text) == shown, person.email
        # Every link the menu offers opens for this person.
        menu = re.search(r'<nav aria-label="Mina sidor".*?</nav>', page.text, re.S)
        assert menu is not None
        for href in links(menu[0]) - {"/mina-synpunkter"}:  # built on another branch
            opened = await client.get(href)
            assert opened.status_code == 200, (person.email, href, opened.status_code)


async def test_past_the_password_only_the_header_offers_no_work(
    client: Client, people: Cast
) -> None:
    await client.post(
        "/logga-in", data={"email": people.moderator.email, "password": STAFF_PASSWORD}
    )
    page = await client.get("/logga-in/kod")
    assert my_links(page.text) is None
    assert "/moderering" not in links(page.text)


async def test_a_moderator_starts_from_the_queue_and_its_count(
    client: Client, conn: asyncpg.Connection, people: Cast
) -> None:
    await sign_in_staff(client, conn, people.moderator.user_id)
    page = await client.get("/mina-uppgifter")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert '<a href="/moderering">Modereringskön</a>' in page.text
    # (The factory's items were received on 22 November, more than 3 days ago.)
    assert "3 synpunkter väntar på granskning; 3 av dem har väntat mer än 3 dagar." in page.text
    assert "Inkorg:" not in page.text
    assert "/admin" not in links(page.text)
    # The count follows the queue.
    await conn.execute(
        "UPDATE feedback SET status = 'rejected' WHERE id = "
        "(SELECT id FROM feedback WHERE status = 'received' LIMIT 1)"
    )
    assert "2 synpunkter väntar på granskning;" in (await client.get("/mina-uppgifter")).text


async def test_a_group_member_starts_from_each_groups_inbox_with_its_counts(
    client: Client, conn: asyncpg.Connection, people: Cast
) -> None:
    await set_second_group(conn, people)
    await sign_in_staff(client, conn, people.member.user_id)
    page = await client.get("/mina-uppgifter")
    text = page.text
    inbox = f"/arbetsgrupp/{GROUP}/inkorg"
    assert f'<a href="{inbox}">Inkorg: {html.escape(people.group_name)}</a>' in text
    assert f'<a href="{inbox}?status=routed">Ny: 2</a>' in text
    assert f'<a href="{inbox}?status=in_review">Under behandling: 0</a>' in text
    assert (
        f'<a href="{inbox}?urgent=ja"><strong>Möjliga patientsäkerhetssignaler: 1</strong>' in text
    )
    kol = await conn.fetchval("SELECT name FROM subject_groups WHERE slug = 'nag-kol'")
    assert f'<a href="/arbetsgrupp/nag-kol/inkorg">Inkorg: {html.escape(kol)}</a>' in text
    assert "Du läser inkorgen som patientföreträdare." in text
    assert "Mina arbetsgrupper" in text
    assert "Modereringskön" not in text


async def set_second_group(conn: asyncpg.Connection, people: Cast) -> None:
    """The member also reads a second group's inbox, as its patient representative."""
    await set_role(
        conn,
        email=people.member.email,
        role=RoleChoice.GROUP_PATIENT_REPRESENTATIVE,
        group="nag-kol",
        now=FIXED_NOW,
    )


async def test_organisation_people_start_from_their_organisation_and_its_open_rounds(
    client: Client, conn: asyncpg.Connection, people: Cast
) -> None:
    for person, role in (
        (people.coordinator, "samordnare"),
        (people.organisation_member, "medlem"),
    ):
        await sign_in(client, conn, person.user_id)
        text = (await client.get("/mina-uppgifter")).text
        assert f'<a href="/organisationer/{people.organisation_slug}">{ORGANISATION}</a>' in text
        assert f"Du är {role}." in text
        assert ROUND_TITLE in text
        round_link = re.search(
            rf'href="(/organisationer/{people.organisation_slug}/omgangar/\d+)"', text
        )
        assert round_link is not None
        assert (await client.get(round_link[1])).status_code == 200
    # A round past its last day is no longer listed.
    await conn.execute(
        "UPDATE input_rounds SET deadline = deadline - 40, "
        "closes_at = closes_at - interval '40 days'"
    )
    text = (await client.get("/mina-uppgifter")).text
    assert ROUND_TITLE not in text
    assert "Inga öppna insamlingar just nu." in text


async def test_a_patient_starts_from_their_own_feedback(
    client: Client, conn: asyncpg.Connection, people: Cast
) -> None:
    await sign_in(client, conn, people.patient.user_id)
    text = (await client.get("/mina-uppgifter")).text
    assert '<a href="/mina-synpunkter">Mina synpunkter</a>' in text
    for staff in ("/moderering", "/arbetsgrupp", "/admin", "/remisser"):
        assert staff not in links(text), staff
    assert "Moderering</h2>" not in text


async def test_an_admin_starts_from_the_admin_index_which_lists_every_admin_page(
    client: Client, conn: asyncpg.Connection, people: Cast
) -> None:
    await sign_in_staff(client, conn, people.admin.user_id)
    start = await client.get("/mina-uppgifter")
    assert '<a href="/admin">Administration</a>' in start.text
    assert "Modereringskön" in start.text
    index = await client.get("/admin")
    assert index.status_code == 200
    assert "<h1>Administration</h1>" in index.text
    listed = {p.path for p in ADMIN_PAGES}
    assert {
        "/admin/anvandare",
        "/admin/dirigering",
        "/admin/utskick",
        "/admin/struktur",
        "/admin/dokument",
    } <= listed
    for page in ADMIN_PAGES:
        assert f'<a href="{page.path}">{page.title}</a>' in index.text
        assert html.escape(page.purpose) in index.text
        assert (await client.get(page.path)).status_code == 200, page.path
    # The development mailbox is only there in debug mode (tests/outbox: its own checks).
    assert "/dev/mailbox" not in index.text


async def test_the_admin_index_is_for_admins_only(
    client: Client, conn: asyncpg.Connection, people: Cast
) -> None:
    assert (await client.get("/admin")).status_code == 401
    for person in (people.moderator, people.member):
        await sign_in_staff(client, conn, person.user_id)
        refused = await client.get("/admin")
        assert refused.status_code == 403, person.email
        assert "Du har inte behörighet" in refused.text
    await sign_in(client, conn, people.patient.user_id)
    assert (await client.get("/admin")).status_code == 401  # staff work: the second factor first


@pytest.mark.parametrize(
    ("principal", "permission", "shown"),
    [
        (ANONYMOUS, Permission.PUBLIC, True),
        (ANONYMOUS, Permission.SIGNED_IN, False),
        (Principal(pending_user_id=1), Permission.SECOND_STEP, True),
        (Principal(pending_user_id=1, role=Role.ADMIN), Permission.ADMINISTER, False),
        (Principal(user_id=1, role=Role.PATIENT), Permission.SIGNED_IN, True),
        (Principal(user_id=1, role=Role.PATIENT), Permission.MODERATE, False),
        # The rule allows, but staff work needs the second factor on the session.
        (Principal(user_id=2, role=Role.MODERATOR), Permission.MODERATE, False),
        (Principal(user_id=2, role=Role.MODERATOR, second_factor=True), Permission.MODERATE, True),
        (Principal(user_id=3, groups={1: "member"}), Permission.WORK_IN_GROUP, False),
        (
            Principal(user_id=3, groups={1: "member"}, second_factor=True),
            Permission.ADMINISTER,
            False,
        ),
        # Organisation work needs no second factor.
        (
            Principal(user_id=4, organisations={1: "member"}),
            Permission.BELONG_TO_ORGANISATION,
            True,
        ),
    ],
)
def test_a_link_is_offered_where_the_routes_guard_lets_the_person_in(
    principal: Principal, permission: Permission, shown: bool
) -> None:
    assert may(principal, permission) is shown
