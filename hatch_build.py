"""Build hook: compiles the message catalogues (src/medskapa/locale/*/LC_MESSAGES/*.po) to the
``.mo`` files gettext reads, whenever the package is built: into the wheel (the container
image installs one), and beside the ``.po`` for an editable install (``pip install -e .``),
whose package is the source tree. The ``.mo`` files are build output, not kept in git.

A source tree run without installing (``PYTHONPATH=src``) compiles the ``.po`` in memory
instead (medskapa/i18n.py), so an out-of-date ``.mo`` is never read."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogues(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        package = Path(self.root) / "src" / "medskapa"
        editable = version == "editable"
        out_dir = package if editable else Path(tempfile.mkdtemp(prefix="medskapa-mo-"))
        for po in sorted((package / "locale").glob("*/LC_MESSAGES/*.po")):
            relative = po.relative_to(package).with_suffix(".mo")
            with po.open("rb") as handle:
                catalogue = read_po(handle, locale=po.parts[-3])
            mo = out_dir / relative
            mo.parent.mkdir(parents=True, exist_ok=True)
            with mo.open("wb") as handle:
                write_mo(handle, catalogue)
            if not editable:
                build_data["force_include"][str(mo)] = f"medskapa/{relative.as_posix()}"
