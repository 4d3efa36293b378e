"""The repository's licence is the one pyproject.toml names, and every page has an icon."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient

ROOT = Path(__file__).resolve().parents[2]
# SPDX's text of the EUPL 1.2 (npm spdx-license-list 6.12.0, licenses/EUPL-1.2.json), as the
# LICENSE file holds it: a changed file is a changed licence text, and must be looked at.
EUPL_12_SHA256 = "57fb42fbcd0b037ce528ed8f72f1ec095d67bc6825ecf1448ff39be1fe68a4b4"


def test_the_license_file_is_the_eupl_12_that_pyproject_names() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "EUPL-1.2"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith(
        "EUROPEAN UNION PUBLIC LICENCE v. 1.2\nEUPL © the European Union 2007, 2016"
    )
    for article in ("1.Definitions", "5.Obligations of the Licensee", "15.Applicable Law"):
        assert article in text
    assert "Québec Free and Open-Source Licence" in text  # the 1.2 appendix, not 1.1's
    assert hashlib.sha256(text.encode()).hexdigest() == EUPL_12_SHA256


async def test_pages_link_an_icon_that_is_served(client: AsyncTestClient[Litestar]) -> None:
    page = await client.get("/")
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page.text
    assert '<link rel="icon" href="/static/favicon.ico"' in page.text
    assert '<link rel="apple-touch-icon" href="/static/apple-touch-icon.png">' in page.text
    svg = await client.get("/static/favicon.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    ico = await client.get("/static/favicon.ico")
    assert ico.status_code == 200
    assert ico.content[:4] == b"\x00\x00\x01\x00"  # an icon resource
    png = await client.get("/static/apple-touch-icon.png")
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
