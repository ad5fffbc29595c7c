"""Error pages: a short message for the visitor, the traceback only in the server log."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from radiod.errors import RadiodError

log = logging.getLogger(__name__)


def _render(code: int, title: str, message: str):
    response: Response | str
    if request.path.startswith("/api/"):
        response = jsonify(error=message or title)
    else:
        response = render_template("error.html", code=code, title=title, message=message)
    return response, code


def _http_error(exc: HTTPException):
    return _render(exc.code or 500, exc.name, exc.description or "")


def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    if isinstance(exc, RadiodError):
        # Expected failures (daemon not running, database missing) have a one-line message.
        log.warning("%s %s: %s", request.method, request.path, exc)
        return _render(503, "Service Unavailable", str(exc).splitlines()[0])
    log.exception("%s %s failed", request.method, request.path)
    return _render(500, "Internal Server Error", "Something went wrong on our side. It has been logged.")


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
