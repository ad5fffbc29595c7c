#!/usr/bin/env python3
"""The panel's translation catalogues (web/translations/<lang>/LC_MESSAGES/messages.po).

    scripts/translations.py update    extract every message (babel.cfg), merge it into each catalogue,
                                      fill English from the source text, compile; then list what
                                      each language still lacks
    scripts/translations.py compile   .po → .mo only (scripts/setup.sh runs this)
    scripts/translations.py missing   list the untranslated messages per language; exit 1 if any

Run with the project's Python (.venv/bin/python); `make translations` runs `update`.
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "web" / "translations"
LANGUAGES = ("en", "ms", "fr")          # keep in step with web/i18n.py LANGUAGES
SOURCE = "en"                           # the source text is English: en's translations are the msgids
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None}
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifgeExXr%]|\{[a-z]+\}")


def po_path(lang: str) -> Path:
    return FOLDER / lang / "LC_MESSAGES" / "messages.po"


def extract() -> Catalog:
    """Every message in the panel's sources, as babel.cfg says, with where it was found."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    catalog = Catalog(project="radiod", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, project="radiod", charset="utf-8")
    with open(path, "rb") as f:
        return read_po(f, locale=lang)


NAMES = {"en": "English", "ms": "Malay", "fr": "French"}


def write(lang: str, catalog: Catalog) -> None:
    path = po_path(lang)
    catalog.fuzzy = False                    # the header: pybabel compile skips a "fuzzy" catalogue
    catalog.version = "0.1"
    catalog.last_translator = catalog.language_team = "radiod"
    catalog.header_comment = (f"# {NAMES.get(lang, lang)} messages of radiod's control panel and public pages.\n"
                              "# Update with `make translations` (docs/translations.md).")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        # File names without line numbers: a catalogue changes only when its messages do.
        write_po(f, catalog, width=110, omit_header=False, sort_output=False, include_lineno=False)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def problems(lang: str, template: Catalog | None = None) -> list[str]:
    """One line per message of the sources that ``lang`` lacks, leaves empty, marks fuzzy, or
    translates with other placeholders than the English."""
    template = template or extract()
    catalog = read(lang)
    out = []
    for message in template:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
        found = catalog.get(message.id, context=message.context)
        if found is None:
            out.append(f"{lang}: missing msgid {ids[0]!r} ({where})")
            continue
        strings = found.string if isinstance(found.string, tuple) else (found.string,)
        if not all(strings) or found.fuzzy:
            out.append(f"{lang}: untranslated{' (fuzzy)' if found.fuzzy else ''} msgid {ids[0]!r} ({where})")
            continue
        want = placeholders(ids[-1]) if len(ids) > 1 else placeholders(ids[0])
        for s in strings:
            # A plural's singular may leave out the number ("one song"), never add a placeholder.
            have = placeholders(s)
            if have != want and not (len(ids) > 1 and set(have) <= set(want)):
                out.append(f"{lang}: placeholders differ in msgid {ids[0]!r}: {have} in {s!r}, English has {want}")
                break
    return out


def update() -> None:
    template = extract()
    FOLDER.mkdir(parents=True, exist_ok=True)
    with open(FOLDER / "messages.pot", "wb") as f:          # for PO editors; not kept in git
        write_po(f, template, width=110, omit_header=False, include_lineno=False)
    for lang in LANGUAGES:
        catalog = read(lang)
        created = catalog.creation_date
        catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)   # (update shares its messages)
        catalog.creation_date = created
        catalog.obsolete.clear()             # a message gone from the sources is gone from the catalogue
        if lang == SOURCE:
            for message in catalog:
                if message.id:
                    message.string = message.id
                    message.flags.discard("fuzzy")
        write(lang, catalog)
    compile_all()
    report = [p for lang in LANGUAGES for p in problems(lang, template)]
    print(f"{len(template) - 1} messages; {len(report)} to translate or fix")
    for line in report:
        print(line)


def compile_all() -> None:
    for lang in LANGUAGES:
        if not po_path(lang).exists():
            continue
        catalog = read(lang)
        with open(po_path(lang).with_suffix(".mo"), "wb") as f:
            write_mo(f, catalog, use_fuzzy=False)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "update"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "missing":
        report = [p for lang in LANGUAGES for p in problems(lang)]
        for line in report:
            print(line)
        return 1 if report else 0
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
