"""Error pages: a short message for the visitor, the traceback only in the server log."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from radiod.errors import RadiodError
from radiod_web.i18n import _

log = logging.getLogger(__name__)


def _render(code: int, title: str, message: str):
    response: Response | str
    if request.path.startswith("/api/"):
        response = jsonify(error=message or title)
    else:
        response = render_template("error.html", code=code, title=title, message=message)
    return response, code


def _titles() -> dict[int, tuple[str, str]]:
    """The visitor's words for the answers the panel gives, with the text used when a view gave none."""
    return {
        400: (_("Bad Request"), _("The request could not be understood.")),
        401: (_("Unauthorized"), _("Log in to see this page.")),
        403: (_("Forbidden"), _("Your account may not open this page.")),
        404: (_("Not Found"), _("There is no page at this address.")),
        405: (_("Method Not Allowed"), _("This page cannot be used that way.")),
        408: (_("Request Timeout"), _("The request took too long to arrive.")),
        413: (_("Request Entity Too Large"), _("What was sent is larger than this page takes.")),
        429: (_("Too Many Requests"), _("Too many requests from your address; wait a little and try again.")),
        500: (_("Internal Server Error"), _("Something went wrong on our side. It has been logged.")),
        503: (_("Service Unavailable"), _("The service is not available right now; try again in a moment.")),
    }


def _http_error(exc: HTTPException):
    code = exc.code or 500
    title, default = _titles().get(code, (exc.name, ""))
    # A view's own description (already in the visitor's language) wins over werkzeug's English default.
    own = exc.description if exc.description and exc.description != type(exc).description else ""
    return _render(code, title, own or default or exc.description or "")


def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    if isinstance(exc, RadiodError):
        # Expected failures (daemon not running, database missing) have a one-line message.
        log.warning("%s %s: %s", request.method, request.path, exc)
        return _render(503, _titles()[503][0], str(exc).splitlines()[0])
    log.exception("%s %s failed", request.method, request.path)
    return _render(500, *_titles()[500])


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
