"""The panel's language: gettext through Flask-Babel, so every text a person reads can be translated.

The language of a page is the visitor's choice (the ``radiod_lang`` cookie the switcher sets), else
the best match of the browser's Accept-Language, else English. The JSON API always answers in
English (its words are for programs, and caches key it by URL only). Dates and times are printed
for the page's language, in the station's zone, by the helpers here.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date as _babel_date, format_datetime as _babel_datetime, get_day_names
from babel.numbers import format_decimal as _babel_decimal
from flask import Blueprint, Flask, Response, current_app, has_request_context, redirect, request
from flask_babel import Babel, get_locale, gettext
from werkzeug.wrappers import Response as Redirect

from radiod.schedule import Problem

DEFAULT_LOCALE = "en"
# Code → the language's own name, as the switcher shows it (in that language, for its readers).
LANGUAGES = {"en": "English", "ms": "Bahasa Melayu", "fr": "Français"}
COOKIE = "radiod_lang"
COOKIE_MAX_AGE_S = 365 * 24 * 3600

# Date patterns per language (CLDR pattern letters); English keeps the panel's two-digit day.
DAY = {"en": "EEEE dd MMMM", "ms": "EEEE, d MMMM", "fr": "EEEE d MMMM"}
DAY_YEAR = {"en": "EEEE dd MMMM yyyy", "ms": "EEEE, d MMMM yyyy", "fr": "EEEE d MMMM yyyy"}
SHORT = {"en": "EEE dd MMM HH:mm", "ms": "EEE d MMM HH:mm", "fr": "EEE d MMM HH:mm"}
SHORT_SECONDS = {"en": "EEE dd MMM HH:mm:ss", "ms": "EEE d MMM HH:mm:ss", "fr": "EEE d MMM HH:mm:ss"}

bp = Blueprint("i18n", __name__)
log = logging.getLogger(__name__)


def _(text: str, **values: Any) -> str:
    """gettext, typed (Flask-Babel's returns Any)."""
    return str(gettext(text, **values))


def problem_text(message: str) -> str:
    """A check's message in the page's language (``radiod.schedule.problems``); another text as it is."""
    return message.line(_) if isinstance(message, Problem) else message


def select_locale() -> str:
    """The cookie's language, else the browser's best, else the station's (``web.language``, English
    by default); always English for the API."""
    if not has_request_context() or request.path.startswith("/api/"):
        return DEFAULT_LOCALE
    offered = available()
    chosen = request.cookies.get(COOKIE, "")
    if chosen in offered:
        return chosen
    from radiod_web import station
    fallback = station().config.web.language
    fallback = fallback if fallback in offered else DEFAULT_LOCALE
    return request.accept_languages.best_match(list(offered), default=fallback) or fallback


def available() -> dict[str, str]:
    """The languages this panel has catalogues for (English always): code → own name."""
    offered: dict[str, str] = current_app.config.get("RADIOD_LANGUAGES", LANGUAGES)
    return offered


def _station_zone() -> str:
    from radiod_web import station
    return station().config.station.timezone


def code() -> str:
    """This request's language code ('en' outside a request)."""
    if not has_request_context():
        return DEFAULT_LOCALE
    locale = get_locale()
    return locale.language if isinstance(locale, Locale) and locale.language in LANGUAGES else DEFAULT_LOCALE


def _in_zone(moment: datetime, zone: tzinfo | None) -> datetime:
    return moment.astimezone(zone) if zone is not None else moment


def day(moment: date | datetime, zone: tzinfo | None = None, *, year: bool = False) -> str:
    """'Wednesday 02 December', 'mercredi 2 décembre', 'Rabu, 2 Disember' (the station's day)."""
    lang = code()
    pattern = (DAY_YEAR if year else DAY)[lang]
    if isinstance(moment, datetime):
        moment = _in_zone(moment, zone).date()
    return _babel_date(moment, pattern, locale=lang)


def hm(moment: datetime, zone: tzinfo | None = None) -> str:
    """Hours and minutes, 24-hour, in the station's zone."""
    return _babel_datetime(_in_zone(moment, zone), "HH:mm", tzinfo=None, locale=code())


def hms(moment: datetime, zone: tzinfo | None = None) -> str:
    """Hours, minutes and seconds, 24-hour, in the station's zone."""
    return _babel_datetime(_in_zone(moment, zone), "HH:mm:ss", tzinfo=None, locale=code())


def short(moment: datetime, zone: tzinfo | None = None, *, seconds: bool = False) -> str:
    """'Wed 02 Dec 19:05' in the page's language and the station's zone."""
    lang = code()
    return _babel_datetime(_in_zone(moment, zone), (SHORT_SECONDS if seconds else SHORT)[lang],
                           tzinfo=None, locale=lang)


def day_month(moment: date) -> str:
    """'Mon 7 Dec', 'lun. 7 déc.', 'Isn 7 Dis' (a calendar column's heading)."""
    return _babel_date(moment, "EEE d MMM", locale=code())


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekday(code_: str) -> str:
    """'mon' → 'Mon', 'lun.', 'Isn' (the schedule files' day words, shown in the page's language)."""
    if code_ not in WEEKDAYS:
        return code_
    return str(get_day_names("abbreviated", locale=code())[WEEKDAYS.index(code_)])


def number(value: float | int, pattern: str | None = None) -> str:
    """A number with the language's separators ('1,234.5', '1 234,5')."""
    return str(_babel_decimal(value, format=pattern, locale=code()))


def percent(value: float | int) -> str:
    """A percentage figure without its sign ('35', '12.5' / '12,5')."""
    return number(value, "#,##0.#")


@bp.get("/language/<lang>")
def choose(lang: str) -> Redirect:
    """The switcher's links: remember the language in a cookie, back to the page it was chosen on."""
    from radiod_web import station
    from radiod_web.security import safe_next
    target = safe_next(request.args.get("next"), "/")
    response = redirect(target)
    if lang in available():
        response.set_cookie(COOKIE, lang, max_age=COOKIE_MAX_AGE_S, httponly=True, samesite="Lax",
                            secure=station().config.web.behind_tls)
    return response


def _vary(response: Response) -> Response:
    """Pages are in the visitor's language: a cache must keep one copy per language choice."""
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def _globals() -> dict[str, Any]:
    lang = code()
    here = request.full_path.rstrip("?") if has_request_context() else "/"
    return {"lang": lang, "languages": available(), "here": here}


def init_app(app: Flask) -> None:
    """Install ``_``/``gettext``/``ngettext`` in the templates; the locale is chosen per request."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    Babel(app, locale_selector=select_locale, timezone_selector=_station_zone)
    app.register_blueprint(bp)
    app.after_request(_vary)
    folder = Path(app.root_path) / app.config["BABEL_TRANSLATION_DIRECTORIES"]
    missing = [c for c in LANGUAGES if c != DEFAULT_LOCALE and not (folder / c / "LC_MESSAGES" / "messages.mo").exists()]
    app.config["RADIOD_LANGUAGES"] = {c: name for c, name in LANGUAGES.items() if c not in missing}
    if missing:
        # The pages still work, in English: say once what is missing and how to make it.
        log.warning("%s: no compiled catalogue for %s (run scripts/setup.sh); the panel offers English only",
                    folder, ", ".join(missing))
    app.context_processor(_globals)
    app.jinja_env.filters.update(number=number, percent=percent)
    from radiod_web import words
    app.jinja_env.globals.update(usage_words=words.usage, source_words=words.source, error_words=words.error_kind,
                                 command_words=words.command, role_words=words.role, field_words=words.field,
                                 day_words=weekday, day_words_long=lambda d: day(d, year=True),
                                 day_month=day_month)
