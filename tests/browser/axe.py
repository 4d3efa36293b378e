"""Accessibility checks with axe-core, run inside the real browser page.

axe-core is vendored next to this file (pinned, checked by test_vendor.py) and injected as
inline script text: the tests never fetch anything from the network.
"""

from __future__ import annotations

import asyncio
import re
from functools import cache
from pathlib import Path

import pytest
from playwright.async_api import Frame, Page

AXE_VERSION = "4.14.1"
AXE_DIR = Path(__file__).parent / "vendor" / f"axe-core-{AXE_VERSION}"
AXE_SCRIPT = AXE_DIR / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SHOWN_TARGETS = 3
# Playwright's evaluate has no time limit of its own, and a run that never answers (a renderer
# that stopped, a frame gone mid-run) would hold its worker, and the whole suite, for good. Twice
# in one day a full run stopped so, with no test named; now such a run fails, and says where.
AXE_SECONDS = 60

_RUN_AXE = """
async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    targets: v.nodes.map((n) => n.target.join(" ")),
  }));
}
"""


@cache
def _axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


def _screenshot_path(name: str) -> Path:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise ValueError(f"screenshot name {name!r}: use lower-case letters, digits, - and _")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(v["targets"][:SHOWN_TARGETS])
        more = len(v["targets"]) - SHOWN_TARGETS
        if more > 0:
            targets += f" (and {more} more)"
        lines.append(f"- {v['id']} [{v['impact']}]: {v['help']} ({v['helpUrl']})\n    at {targets}")
    return "\n".join(lines)


async def violations_in(where: Page | Frame) -> list[dict]:
    """axe's WCAG 2.1 A/AA violations in the page or frame, injecting axe where it is missing;
    a failure if it has not answered in AXE_SECONDS."""
    try:
        async with asyncio.timeout(AXE_SECONDS):
            if not await where.evaluate("() => typeof window.axe === 'object'"):
                await where.add_script_tag(content=_axe_source())
            return await where.evaluate(_RUN_AXE, WCAG_TAGS)
    except TimeoutError:
        pytest.fail(f"axe-core did not answer in {AXE_SECONDS} s on {where.url}", pytrace=False)


async def assert_accessible(page: Page, name: str) -> None:
    """Fail on any WCAG 2.1 A/AA violation axe finds, with a full-page screenshot of the page
    saved as `name` to look at. Only then: a full-page screenshot on each of the ~150 checks
    cost ~0.6 s of CPU apiece (chromium's and ours; tests/browser/test_organisations.py, 14
    checks: 27 s of CPU with them, 18-20 s without) for pictures nobody looked at."""
    path = _screenshot_path(name)
    violations = await violations_in(page)
    if violations:
        await page.screenshot(path=path, full_page=True)
        pytest.fail(
            f"axe-core {AXE_VERSION} found {len(violations)} accessibility violation(s) "
            f"on {page.url} ({name}):\n{describe(violations)}",
            pytrace=False,
        )
