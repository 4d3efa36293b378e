"""The message catalogues: extract the Swedish messages from the sources, update English.

    python scripts/i18n.py update [--seed FILE.json]   # add new messages, drop gone ones
    python scripts/i18n.py missing > todo.json          # the messages without English
    python scripts/i18n.py check                        # what tests/test_i18n_catalogue checks

``update`` extracts every marked message (babel.cfg: _(), N_(), ngettext() in Python; _(),
{% trans %}, ngettext() in templates) and merges them into
src/medskapa/locale/en/LC_MESSAGES/messages.po: a new message gets an empty English msgstr
(or the one in the optional seed file, {"Swedish": "English"}), a message no source uses any
more is dropped, every translation already made is kept. Then write the English of each empty
msgstr. The message ids are Swedish: Swedish is the source language and has no catalogue.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "babel.cfg"
LOCALE = ROOT / "src" / "medskapa" / "locale"
ENGLISH = LOCALE / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
WIDTH = 100
FIXED_DATE = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def extract() -> Catalog:
    """Every message the sources mark, as a template catalogue (a .pot)."""
    with CONFIG.open() as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(CONFIG))
    template = Catalog(project="medskapa", locale=None, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def read_english() -> Catalog:
    with ENGLISH.open("rb") as handle:
        return read_po(handle, locale="en")


def update(seed: dict[str, str | list[str]] | None = None) -> Catalog:
    template = extract()
    if ENGLISH.exists():
        english = read_english()
    else:
        ENGLISH.parent.mkdir(parents=True, exist_ok=True)
        english = Catalog(locale="en", project="medskapa", fuzzy=False)
    english.update(template, no_fuzzy_matching=True, update_header_comment=False)
    english.obsolete.clear()
    for message in english:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not message.id or all(strings) or not seed:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        found = seed.get(key)
        if isinstance(message.id, tuple) and isinstance(found, list) and len(found) == 2:
            message.string = tuple(found)
        elif isinstance(message.id, str) and isinstance(found, str):
            message.string = found
    # Sorted, without line numbers and with a fixed date, so that two branches that each add
    # messages touch different lines and a merge of them is clean.
    english.creation_date = english.revision_date = FIXED_DATE
    english.project, english.version = "medskapa", "1"
    english.msgid_bugs_address = english.last_translator = english.language_team = ""
    with ENGLISH.open("wb") as handle:
        write_po(handle, english, width=WIDTH, no_location=True, sort_output=True)
    return english


def missing() -> dict[str, str | list[str]]:
    """The messages without English, as a seed file to fill in: {"Swedish": ""}, and for a
    message with a plural {"Swedish singular": ["English singular", "English plural"]}."""
    found: dict[str, str | list[str]] = {}
    for message in read_english():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not message.id or all(strings):
            continue
        if isinstance(message.id, tuple):
            found[message.id[0]] = [f"(plural of: {message.id[1]})", ""]
        else:
            found[message.id] = ""
    return found


def problems() -> list[str]:
    """What is wrong with the English catalogue: messages without English, messages the
    sources mark but the catalogue lacks, and entries no source uses any more."""
    template = extract()
    english = read_english()
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in english if m.id}
    found = [f"not in the catalogue (run scripts/i18n.py update): {m!r}" for m in wanted - have]
    found += [f"no source uses it any more: {m!r}" for m in have - wanted]
    for message in english:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            found.append(f"no English: {message.id!r}")
        if message.fuzzy:
            found.append(f"marked fuzzy (check the English, then remove the flag): {message.id!r}")
    return sorted(found)


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        seed = None
        if len(argv) == 3 and argv[1] == "--seed":
            seed = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
        english = update(seed)
        untranslated = len(missing())
        print(f"{len(english)} messages; {untranslated} without English")
        return 0
    if argv[:1] == ["missing"]:
        print(json.dumps(missing(), ensure_ascii=False, indent=1))
        return 0
    if argv[:1] == ["check"]:
        found = problems()
        print("\n".join(found) or "The catalogue is complete.")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
