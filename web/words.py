"""The panel's words for the codes the daemon and the play log use (usage, source, error kind,
control command, login result): translated here, at the panel's edge, from the typed value. A code
this table does not know is shown as it is."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext, pgettext


def _(text: str, **values: Any) -> str:
    """gettext, typed (Flask-Babel's returns Any)."""
    return str(gettext(text, **values))


def usage(code: str) -> str:
    """What a play was used as (radiod.schedule.log.USAGES)."""
    return {
        "feature": _("feature"), "theme": _("theme"), "background": _("background music"), "jingle": _("jingle"),
        "promo": _("promo"), "station_id": _("station ID"), "psa": _("public service announcement"),
        "sponsorship": _("sponsorship"), "talk": _("talk"),
    }.get(code, code)


def usages() -> dict[str, str]:
    """Every usage's words, for templates that look them up."""
    return {code: usage(code) for code in ("feature", "theme", "background", "jingle", "promo", "station_id",
                                           "psa", "sponsorship", "talk")}


def source(code: str) -> str:
    """Where an item came from (radiod.schedule.log.SOURCES)."""
    return {"rotation": _("rotation"), "show": _("show"), "fallback": _("fallback"), "live": _("live"),
            "insert": _("inserted by hand")}.get(code, code)


def error_kind(code: str) -> str:
    """The kind of an error the engine met (its ErrorEntry.kind); the detail stays as the daemon wrote it."""
    # (pgettext: "failed" and "fallback" mean other things elsewhere in the panel)
    return str({
        "interrupted": pgettext("error kind", "interrupted"), "output": pgettext("error kind", "output"),
        "dead-air": pgettext("error kind", "dead air"), "silence": pgettext("error kind", "silence"),
        "duplicate": pgettext("error kind", "duplicate"), "missed": pgettext("error kind", "missed"),
        "fallback": pgettext("error kind", "fallback"), "failed": pgettext("error kind", "failed"),
        "media-outage": pgettext("error kind", "media outage"), "insert": pgettext("error kind", "insert"),
    }.get(code, code))


def command(name: str) -> tuple[str, str]:
    """A control button's label and its help line (radiod.playout.COMMANDS)."""
    return {
        "skip": (_("Skip"), _("end the item on air now; the next one starts at once")),
        "pause": (_("Pause"), _("automation off: the item on air plays out, nothing follows")),
        "resume": (_("Resume"), _("automation on again, joining the log where the clock stands")),
        "reload": (_("Reload"), _("read the schedule files again and re-plan from two minutes ahead")),
    }.get(name, (name.capitalize(), ""))


def role(code: str) -> str:
    return {"dj": _("DJ"), "manager": _("manager")}.get(code, code)


def field(name: str) -> str:
    """A track field's label in the library editor."""
    return {
        "title": _("Title"), "artist": _("Artist"), "album": _("Album"), "label": _("Label"), "isrc": _("ISRC"),
        "composer": _("Composer"), "lyricist": _("Lyricist"), "release_date": _("Release date"),
        "genre": _("Genre"), "language": _("Language"),
    }.get(name, name.replace("_", " ").capitalize())
