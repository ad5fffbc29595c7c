"""Sessions, CSRF tokens, role checks and security headers, applied to every request."""

from __future__ import annotations

import functools
import hmac
import secrets
import sqlite3
from typing import Callable
from urllib.parse import urlsplit

from flask import Flask, abort, g, redirect, request, session, url_for

from radiod.accounts import Accounts, User
from radiod.store import open_db, open_readonly
from radiod_web import station
from radiod_web.headers import answer_headers
from radiod_web.i18n import _

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}

def reader() -> sqlite3.Connection:
    """This request's read-only database connection."""
    if "ro" not in g:
        g.ro = open_readonly(station().config.paths.database)
    return g.ro


def accounts() -> Accounts:
    """Accounts over this request's writer connection (the panel's own tables only)."""
    if "rw" not in g:
        g.rw = open_db(station().config.paths.database, migrate=False)
    return Accounts(g.rw, station().clock)


def _close_connections(_exc: BaseException | None) -> None:
    for name in ("ro", "rw"):
        conn = g.pop(name, None)
        if conn is not None:
            conn.close()


def current_user() -> User | None:
    """The logged-in user, looked up once per request from the session token."""
    if "user" not in g:
        token = session.get("sid")
        g.user = accounts().session_user(token) if isinstance(token, str) else None
    return g.user


def signed_in_user() -> User:
    """The user of a view behind require_role (which has turned anonymous visitors away)."""
    user = current_user()
    if user is None:
        abort(401)
    return user


def csrf_token() -> str:
    """The session's CSRF token (made on first use, so pages without forms set no cookie)."""
    g.personal = True
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _check_csrf() -> None:
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get("X-CSRF-Token")
    if not sent and request.mimetype in FORM_TYPES:    # any other body (an upload) is not read for it
        sent = request.form.get("csrf_token", "")
    expected = session.get("csrf")
    if not expected or not sent or not hmac.compare_digest(str(sent), str(expected)):
        abort(400, description=_("The form's security token is missing or out of date. Reload the page and try again."))


def start_session(user: User) -> None:
    """Log a user in: a fresh session and CSRF token (no fixation of an earlier one)."""
    end_session()
    session["sid"] = accounts().create_session(user)
    session["csrf"] = secrets.token_urlsafe(32)
    g.user = user


def end_session() -> None:
    token = session.get("sid")
    if isinstance(token, str):
        accounts().end_session(token)
    session.clear()
    g.user = None


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def require_role(*roles: str) -> Callable:
    """Route decorator: a logged-in user with one of ``roles`` (any role when none given).
    Anonymous visitors are sent to the login page (401 for the API); wrong roles get 403."""
    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                if _wants_json():
                    abort(401)
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if roles and user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def safe_next(target: str | None, default: str) -> str:
    """Only local paths are followed after login (no open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    # Browsers read "/\\host" like "//host", so backslashes are refused too.
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def _headers(response):
    h = response.headers
    for name, value in answer_headers(station().config.web, path=request.path, origin=request.headers.get("Origin"),
                                      embed=request.endpoint == "public.embed", connect=g.get("connect_src", "")):
        if name == "Vary":
            response.vary.add(value)
        else:
            h.setdefault(name, value)
    # Pages that depend on who is logged in are never stored by a cache.
    # (Checked through g, not the session object: touching that adds "Vary: Cookie" to every
    # response, which would split the public API's cache entries per visitor.)
    if g.get("user") is not None or g.get("personal"):
        h["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    elif "Cache-Control" not in h:
        h["Cache-Control"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    app.before_request(_check_csrf)
    app.after_request(_headers)
    app.teardown_appcontext(_close_connections)
    app.jinja_env.globals.update(csrf_token=csrf_token, current_user=current_user)
