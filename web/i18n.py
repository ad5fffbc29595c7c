"""The panel's language: gettext through Flask-Babel, so every text a person reads can be translated."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel

DEFAULT_LOCALE = "en"


def init_app(app: Flask) -> None:
    """Install ``_``/``gettext``/``ngettext`` in the templates; the locale is chosen per request."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    Babel(app)
