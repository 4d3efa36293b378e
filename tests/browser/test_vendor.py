from __future__ import annotations

import hashlib

from tests.browser.axe import AXE_DIR, AXE_SCRIPT, AXE_VERSION

# axe-core 4.14.1 from the npm registry (`npm pack axe-core@4.14.1`, package/axe.min.js). It
# matches the release's own sri-history.json entry for axe.min.js:
# sha256-KTSJmUUM3yhJqOcLeRL8LahahJ2jnA0NU5T1HUqe2Vw=
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"


def test_vendored_axe_is_the_pinned_release() -> None:
    assert hashlib.sha256(AXE_SCRIPT.read_bytes()).hexdigest() == AXE_SHA256
    assert AXE_SCRIPT.read_text(encoding="utf-8").startswith(f"/*! axe v{AXE_VERSION}\n")
    assert "Mozilla Public License, version 2.0" in (AXE_DIR / "LICENSE").read_text()
