"""The control panel and public pages: ``create_app(config)`` builds the Flask application.

It runs in its own process (``radiod web``): it reads the database through read-only connections,
the daemon's now-playing file through one watcher thread, and drives the daemon over the control
socket. Its own writes (accounts, sessions, login attempts) go through a writer connection.
"""

from __future__ import annotations

import logging
import os
import secrets
from typing import Any, Mapping

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from radiod.clock import Clock, SystemClock
from radiod.config import Config
from radiod.private import private_dir, tighten
from radiod.store import open_db
from radiod_web.nowplaying import NowPlayingHub
from radiod_web.pagecache import TtlCache

__all__ = ["Radiod", "create_app", "station"]

log = logging.getLogger(__name__)


def _secret_key(config: Config) -> str:
    """The configured key, else one generated once into the state folder (mode 0600)."""
    if config.web.secret_key:
        return config.web.secret_key
    path = config.paths.state / "web-secret"
    private_dir(path.parent)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    tighten(path)
    return path.read_text().strip()


def create_app(config: Config, test_config: Mapping[str, Any] | None = None, *,
               clock: Clock | None = None, watch: bool = True) -> Flask:
    """Build the app for one station. ``test_config`` overrides Flask settings; ``watch=False``
    leaves the now-playing watcher thread unstarted (call ``app.extensions['radiod'].hub.poll()``)."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=_secret_key(config),
        SESSION_COOKIE_NAME="radiod_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.web.behind_tls,
        MAX_CONTENT_LENGTH=1024 * 1024,
        SEND_FILE_MAX_AGE_DEFAULT=300,      # static files: browsers and nginx may keep them 5 min
        PROPAGATE_EXCEPTIONS=False,
        TRAP_HTTP_EXCEPTIONS=False,
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update(test_config)
    assert isinstance(app.json, DefaultJSONProvider)    # Flask's own, the one with these settings
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    # Make sure the database and this component's tables exist before any read-only connection.
    open_db(config.paths.database).close()

    hub = NowPlayingHub(config.now_playing_file, station=config.station.name,
                        hide_next=config.playout.hide_next)
    app.extensions["radiod"] = Radiod(config=config, clock=clock or SystemClock(), hub=hub)
    if watch:
        hub.start()

    from radiod_web import api, auth, dj, errors, i18n, manager, params, public, security

    i18n.init_app(app)                  # gettext (`_`) in every template and view
    params.init_app(app)                # before any route: <int:…> is bounded
    security.init_app(app)
    errors.init_app(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(dj.bp)
    app.register_blueprint(manager.bp)
    from radiod_web import controls, grid, library, reports, showpages, uploads
    app.register_blueprint(uploads.bp)
    app.register_blueprint(grid.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(library.bp)
    from radiod_web import logger as logger_page
    app.register_blueprint(logger_page.bp)
    app.register_blueprint(controls.bp)
    app.register_blueprint(showpages.bp)
    from radiod_web import hls
    app.register_blueprint(hls.bp)
    from radiod_web import episodes
    app.register_blueprint(episodes.bp)
    from radiod_web import listen
    app.register_blueprint(listen.bp)
    from radiod_web import webdj
    app.register_blueprint(webdj.bp)
    from radiod_web import livelog
    app.register_blueprint(livelog.bp)
    from radiod_web import fingerprints
    app.register_blueprint(fingerprints.bp)
    app.jinja_env.globals.update(station_name=config.station.name)
    return app


class Radiod:
    """What the views need from the station: configuration, clock, now-playing hub."""

    def __init__(self, config: Config, clock: Clock, hub: NowPlayingHub):
        self.config = config
        self.clock = clock
        self.hub = hub
        # Artist ledgers (a year of plays each): cached 30 s per artist and period, computed one at a time.
        self.ledgers = TtlCache(ttl_s=30, size=256, wait_s=5)


def station() -> Radiod:
    from flask import current_app
    return current_app.extensions["radiod"]
