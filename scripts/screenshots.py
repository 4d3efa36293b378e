"""Screenshots of the public pages for the README, from a server that is already running.

    medskapa serve --port 8000 &          # embedded PostgreSQL with the demo catalogue
    python scripts/screenshots.py --base-url http://127.0.0.1:8000

Saves home.png, catalogue.png and document.png (the first document in the catalogue list)
into docs/screenshots/, then goes through the feedback flow on that document's first section
as a patient does: feedback-form.png (the form with its personal-data warning),
feedback-receipt.png (the receipt code) and feedback-status.png ("Följ din synpunkt" with the
code). That feedback is real: afterwards the script withdraws it and erases its text, so the
server keeps only an empty, withdrawn entry.

Uses Debian's chromium (apt-get install chromium) through Playwright; it never downloads a
browser.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTH, HEIGHT = 1280, 900
MAX_HEIGHT = 1800
CODE = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}")
# Made-up personal data, to show the warning: the test personnummer of the Swedish Tax Agency
# and a number from the range reserved for drama and examples.
EXAMPLE_TEXT = (
    "Jag förstår inte vad som menas med stegvis vård. Jag heter Anna, 19121212-1212, "
    "och nås på 070-174 06 05 om ni vill fråga något."
)


def shoot(page: Page, url: str, path: Path) -> None:
    response = page.goto(url, wait_until="networkidle")
    if response is None or response.status != 200:
        status = response.status if response else "no response"
        raise SystemExit(f"screenshots: {url} answered {status}")
    height = page.evaluate("() => document.documentElement.scrollHeight")
    page.screenshot(
        path=path,
        full_page=True,
        clip={"x": 0, "y": 0, "width": WIDTH, "height": min(height, MAX_HEIGHT)},
    )
    saved(path)


def saved(path: Path) -> None:
    print(f"saved {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")


def shoot_feedback(page: Page, base_url: str, href: str, out: Path) -> None:
    """The feedback form with its personal-data warning, the receipt and the status page."""
    page.goto(f"{base_url}{href}", wait_until="networkidle")
    page.locator("a[data-section-feedback]").first.click()
    slot = page.locator(".feedback-slot:has(form.feedback-form)")
    form = slot.locator("form.feedback-form")
    form.wait_for()
    form.get_by_role("radio", name="Patient", exact=True).check()
    form.get_by_role("radio", name="Svårt att förstå", exact=True).check()
    form.get_by_label("Din synpunkt").fill(EXAMPLE_TEXT)
    form.get_by_role("button", name="Skicka synpunkt").click()
    page.locator(".pd-warning").wait_for()
    page.mouse.move(0, 0)  # no hover effect on the button in the picture
    slot.screenshot(path=out / "feedback-form.png")
    saved(out / "feedback-form.png")

    form.get_by_label("Jag har kontrollerat texten. Skicka ändå.").check()
    form.get_by_role("button", name="Skicka synpunkt").click()
    receipt = page.locator(".receipt")
    receipt.wait_for()
    page.evaluate("() => document.activeElement.blur()")  # the picture without a focus ring
    receipt.screenshot(path=out / "feedback-receipt.png")
    saved(out / "feedback-receipt.png")
    found = CODE.search(page.locator(".receipt-code").inner_text())
    if not found:
        raise SystemExit("screenshots: the receipt shows no receipt code")

    page.goto(f"{base_url}/folj")
    page.get_by_label("Kvittokod").fill(found.group(0))
    page.get_by_role("button", name="Visa status").click()
    page.locator("ol.timeline").wait_for()
    height = page.evaluate("() => document.documentElement.scrollHeight")
    page.screenshot(
        path=out / "feedback-status.png",
        full_page=True,
        clip={"x": 0, "y": 0, "width": WIDTH, "height": min(height, MAX_HEIGHT)},
    )
    saved(out / "feedback-status.png")

    page.get_by_label(re.compile("^Jag vill ta tillbaka synpunkten")).check()
    page.get_by_role("button", name="Ta tillbaka synpunkten").click()
    page.get_by_label(re.compile("^Jag vill radera min text")).check()
    page.get_by_role("button", name="Radera texten").click()
    page.get_by_text("Texten är raderad.").wait_for()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--chromium", type=Path, default=CHROMIUM)
    args = parser.parse_args(argv)
    base_url = args.base_url.rstrip("/")
    if not args.chromium.exists():
        raise SystemExit(f"screenshots: no browser at {args.chromium} (apt-get install chromium)")
    args.out.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(args.chromium), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT}, locale="sv-SE")
            shoot(page, f"{base_url}/", args.out / "home.png")
            shoot(page, f"{base_url}/kunskapsstod", args.out / "catalogue.png")
            first = page.locator(".document-list li h2 a").first
            if not first.count():
                raise SystemExit("screenshots: the catalogue list shows no document")
            href = first.get_attribute("href")
            shoot(page, f"{base_url}{href}", args.out / "document.png")
            shoot_feedback(page, base_url, href, args.out)
        finally:
            browser.close()


if __name__ == "__main__":
    sys.exit(main())
