"""Printing, in Chromium with print media: a document prints as clean text (nothing to click,
no dark header, the list of versions open), and the traceability report and a consultation's
response table print on A4 without running past the printable width."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from playwright.async_api import Page

from medskapa.consultations.service import ConsultationInput, ConsultationService
from medskapa.security.auth import DEV_SESSION_COOKIE
from medskapa.security.secrets import RECEIPT_KEY, instance_secret
from medskapa.security.sessions import create_session
from medskapa.statements.round_service import RoundInput, RoundService
from medskapa.statements.service import StatementService
from tests.factories import make_feedback, make_organisation, make_staff, principal_for, route_to

pytestmark = pytest.mark.slow

DOC = "hjartsvikt-nyupptackt"  # two published versions in the demo
GROUP = "nag-hjartsvikt"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
# A4 is 210 mm wide; the print styles give it 15 mm margins: 180 mm of text, in CSS pixels
# (96 per inch). Laid out at that width, a page is as wide as it will be on paper.
PRINTABLE_WIDTH = int(180 / 25.4 * 96)
A4_POINTS = (595.3, 841.9)
# Screenshots of what prints, to look at (not compared): in the temporary folder.
SHOTS = Path(tempfile.gettempdir()) / "medskapa-print"


async def sign_in(page: Page, conn: asyncpg.Connection, base_url: str, user_id: int) -> None:
    token, _ = await create_session(conn, user_id, dt.datetime.now(dt.UTC), second_factor=True)
    await page.context.add_cookies([{"name": DEV_SESSION_COOKIE, "value": token, "url": base_url}])


async def visible(page: Page, selector: str) -> list[str]:
    """The selector's elements that are rendered (have a box), by their text."""
    return [
        (await element.inner_text()).strip()
        for element in await page.query_selector_all(selector)
        if await element.is_visible()
    ]


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The size in points of each page of a PDF that Chromium wrote."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


def assert_a4(pdf: bytes) -> None:
    pages = pdf_pages(pdf)
    assert pages, "the PDF has pages"
    for width, height in pages:
        assert abs(width - A4_POINTS[0]) < 2, (width, height)
        assert abs(height - A4_POINTS[1]) < 2, (width, height)


async def assert_fits_the_paper(page: Page, table: str = "table.data") -> None:
    """Laid out at A4's printable width with print media: neither the page nor the table is
    wider than the paper."""
    await page.set_viewport_size({"width": PRINTABLE_WIDTH, "height": 1100})
    await page.emulate_media(media="print")
    widths = await page.evaluate(
        """(selector) => {
            const table = document.querySelector(selector);
            return {
                page: document.documentElement.scrollWidth,
                table: table.getBoundingClientRect().right,
                scrolls: table.parentElement.scrollWidth > table.parentElement.clientWidth,
            };
        }""",
        table,
    )
    assert widths["page"] <= PRINTABLE_WIDTH, widths
    assert widths["table"] <= PRINTABLE_WIDTH, widths
    assert not widths["scrolls"], widths


async def test_a_document_prints_as_clean_text_with_its_versions_open(
    page: Page, live_server: str
) -> None:
    await page.goto(f"{live_server}/kunskapsstod/{DOC}")
    versions = "details.versions li"
    assert await visible(page, versions) == [], "on screen the list of versions starts closed"
    assert await visible(page, ".feedback-whole .button"), "on screen there is a button"

    await page.emulate_media(media="print")
    listed = await visible(page, versions)
    assert len(listed) == 2, listed
    assert listed[0].startswith("Version 1.1"), listed
    assert listed[1].startswith("Version 1.0"), listed
    assert not any("Vad ändrades" in v for v in listed), "links to other pages are left out"
    for hidden in (
        "a.button",
        "button",
        "form",
        ".site-header nav",
        ".site-footer",
        ".breadcrumbs",
        ".toc",
        "details.follow-document",
    ):
        assert await visible(page, hidden) == [], f"{hidden} is printed"
    header = await page.evaluate(
        """() => {
            const style = getComputedStyle(document.querySelector('.site-header'));
            const name = getComputedStyle(document.querySelector('.site-name'));
            const summary = getComputedStyle(document.querySelector('.versions summary'));
            return [style.backgroundColor, style.backgroundImage, name.color, summary.color];
        }"""
    )
    assert header == ["rgba(0, 0, 0, 0)", "none", "rgb(0, 0, 0)", "rgb(0, 0, 0)"], (
        "no dark header; black text"
    )
    sections = await visible(page, "section.section h2")
    assert len(sections) >= 3, "the text itself prints"
    assert await visible(page, "section.section .section-text p")

    SHOTS.mkdir(exist_ok=True)
    await page.set_viewport_size({"width": PRINTABLE_WIDTH, "height": 1100})
    await page.screenshot(path=str(SHOTS / "print-document.png"), full_page=True)
    await page.screenshot(
        path=str(SHOTS / "print-document-top.png"),
        clip={"x": 0, "y": 0, "width": PRINTABLE_WIDTH, "height": 700},
    )
    assert_a4(await page.pdf(format="A4", prefer_css_page_size=True))

    # Back on screen nothing was changed for good.
    await page.emulate_media(media="screen")
    assert await visible(page, versions) == []


async def test_beforeprint_opens_closed_details_and_afterprint_closes_them(
    page: Page, live_server: str
) -> None:
    """For browsers without ::details-content: the script opens them around printing."""
    await page.goto(f"{live_server}/kunskapsstod/{DOC}")
    state = "() => document.querySelector('details.versions').open"
    assert await page.evaluate(state) is False
    await page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    assert await page.evaluate(state) is True
    await page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert await page.evaluate(state) is False


async def test_the_traceability_report_prints_on_a4(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    member = await make_staff(conn, "anna@region.se", GROUP)
    for n in range(12):
        submitted = await make_feedback(
            conn,
            document=DOC,
            text=f"Synpunkt nummer {n} om hur uppföljningen av behandlingen beskrivs i texten.",
        )
        await route_to(conn, submitted.id, GROUP)
    await sign_in(page, conn, live_server, member)
    await page.goto(f"{live_server}/arbetsgrupp/{GROUP}/sparbarhet")
    assert len(await page.query_selector_all("table.data tbody tr")) == 12
    await assert_fits_the_paper(page)
    # A date is not broken after a hyphen: each takes one line.
    lines = await page.evaluate(
        """() => [...document.querySelectorAll('tbody td')]
            .filter(td => /^\\d{4}-\\d{2}-\\d{2}$/.test(td.textContent))
            .map(td => {
                const range = document.createRange();
                range.selectNodeContents(td);
                return range.getClientRects().length;
            })"""
    )
    assert len(lines) == 24, "received and routed, for each of the twelve"
    assert set(lines) == {1}, lines
    SHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SHOTS / "print-traceability.png"), full_page=True)
    pdf = await page.pdf(format="A4", prefer_css_page_size=True)
    assert_a4(pdf)


async def test_a_response_table_prints_on_a4(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    now = dt.datetime.now(dt.UTC)
    opened = now - dt.timedelta(days=30)

    def day(moment: dt.datetime) -> str:
        return moment.astimezone(STOCKHOLM).date().isoformat()

    org, coordinator_id = await make_organisation(
        conn, "Hjärt- och lungsjukas förening", "a@exempel.se"
    )
    coordinator = await principal_for(conn, coordinator_id)
    member_id = await make_staff(conn, "kol@exempel.se", group="nag-kol")
    member = await principal_for(conn, member_id, second_factor=True)
    consultation = await ConsultationService(conn, lambda: opened).open_consultation(
        member,
        ConsultationInput(
            document="kol",
            version="2.0",
            title="Remiss: KOL, version 2.0",
            questions=["Är handlingsplanen vid försämring begriplig?"],
            start=day(opened),
            deadline=day(opened + dt.timedelta(days=20)),
            organisations=[org],
        ),
    )
    meanwhile = opened + dt.timedelta(days=5)
    round_ = await RoundService(conn, lambda: meanwhile).open_round(
        coordinator,
        org,
        RoundInput(
            title="KOL",
            deadline=day(opened + dt.timedelta(days=15)),
            consultation=str(consultation.id),
        ),
    )
    statements = StatementService(conn, lambda: meanwhile, await instance_secret(conn, RECEIPT_KEY))
    statement = await statements.create_statement(
        coordinator, org, "Yttrande över KOL 2.0", round_id=str(round_.id)
    )
    await statements.save_section(
        coordinator,
        org,
        statement.id,
        heading="Handlingsplanen",
        body="Handlingsplanen vid försämring behöver bilder och ett enklare språk. " * 8,
    )
    sent = await statements.submit(coordinator, org, statement.id, category="suggestion")
    await route_to(conn, sent.feedback_id, "nag-kol", meanwhile)

    await sign_in(page, conn, live_server, member_id)
    await page.goto(f"{live_server}/remisser/{consultation.id}/svarssammanstallning")
    assert len(await page.query_selector_all("table.data tbody tr")) == 1
    await assert_fits_the_paper(page)
    assert await visible(page, ".breadcrumbs") == []
    SHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SHOTS / "print-responses.png"), full_page=True)
    assert_a4(await page.pdf(format="A4", prefer_css_page_size=True))
