"""The panel's words in a language, read from the compiled catalogues the panel itself reads, so a
browser test can look for "Saved: …" in Malay or French without copying the translation."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import Translations

TRANSLATIONS = Path(__file__).resolve().parents[2] / "web" / "translations"
LANGS = ("en", "ms", "fr")


@cache
def _catalogue(lang: str) -> Translations:
    found = Translations.load(str(TRANSLATIONS), [lang])
    assert isinstance(found, Translations), f"no compiled catalogue for {lang} (scripts/setup.sh compiles them)"
    return found


def words(lang: str, msgid: str, **values: object) -> str:
    """``msgid`` translated to ``lang`` and filled in, as the panel's gettext does."""
    text = str(_catalogue(lang).gettext(msgid))
    assert lang == "en" or text != msgid or msgid.startswith("%("), f"{msgid!r} has no {lang} translation"
    return text % values if values else text


def before(lang: str, msgid: str, name: str, **values: object) -> str:
    """The translation of ``msgid`` up to its ``%(name)s`` placeholder, filled in (a flash's start:
    "Saved: moved … ." without the daemon's part that follows)."""
    text = str(_catalogue(lang).gettext(msgid)).split(f"%({name})s")[0]
    return (text % values if values else text).rstrip()
