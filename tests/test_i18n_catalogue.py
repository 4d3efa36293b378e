"""The English catalogue is complete and up to date with the sources (scripts/i18n.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from babel.messages.pofile import read_po

from medskapa.i18n import LOCALE_DIR, catalogue, translate

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
assert _spec is not None
assert _spec.loader is not None
i18n_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(i18n_script)


def test_every_message_has_english_and_the_catalogue_matches_the_sources() -> None:
    """Fails when a marked message has no English (or only a fuzzy guess), when the sources
    mark a message the catalogue lacks, or when it keeps one no source uses any more: run
    ``python scripts/i18n.py update`` and write the missing English."""
    assert i18n_script.problems() == []


def test_the_english_keeps_every_placeholder_of_the_swedish() -> None:
    """A translation that loses %(name)s or {time} would show a wrong or empty value."""
    import re

    placeholder = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]*\}")
    with (LOCALE_DIR / "en/LC_MESSAGES/messages.po").open("rb") as handle:
        english = read_po(handle)
    for message in english:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        # Each form says what its Swedish form says; the singular of a plural may leave the
        # count out ("a minute"), never name anything else.
        for swedish, text in zip((*ids, ids[-1]), strings, strict=False):
            found, wanted = placeholder.findall(text), placeholder.findall(swedish)
            if len(ids) > 1 and text is strings[0]:
                assert set(found) <= set(placeholder.findall(ids[-1])), message.id
            else:
                assert sorted(found) == sorted(wanted), message.id


def test_the_catalogue_is_read_from_the_po_when_no_mo_was_built() -> None:
    assert catalogue("en").gettext("Logga in") != "Logga in"
    assert translate("Logga in", "en") == "Sign in"
    assert translate("Logga in", "sv") == "Logga in"


def test_every_template_compiles_with_the_i18n_extension() -> None:
    """A template Jinja cannot parse is skipped by the extraction without a word, so its
    messages would silently be missing from the catalogue."""
    from litestar.plugins.jinja import JinjaTemplateEngine

    from medskapa.catalogue.filters import template_filters
    from medskapa.web import templating

    engine = JinjaTemplateEngine(directory=ROOT / "templates")
    templating.configure(engine, template_filters())
    broken = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        name = path.relative_to(ROOT / "templates").as_posix()
        try:
            engine.engine.get_template(name)
        except Exception as exc:
            broken.append(f"{name}: {exc}")
    assert broken == []
