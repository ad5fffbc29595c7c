"""GET /api/now-playing without entering Flask for every request.

It is the URL every listener's page, widget and cache asks most often, and its answer only changes
with the now-playing file. So Flask renders it once per change (all headers included: security,
CORS, caching, ETag) and this WSGI middleware serves that copy, or 304 when the client has it.
"""

from __future__ import annotations

import threading
from typing import Callable, Iterable

from flask import Flask
from werkzeug.test import EnvironBuilder, run_wsgi_app

PATH = "/api/now-playing"
_NOT_FOR_304 = {"content-length", "content-type"}


class NowPlayingFastPath:
    def __init__(self, app: Flask):
        self.inner = app.wsgi_app
        self.hub = app.extensions["radiod"].hub
        # With a list of CORS origins the answer depends on the request's Origin: let Flask decide.
        self.enabled = "*" in app.extensions["radiod"].config.web.cors_origins
        self._copy: tuple[int, str, list[tuple[str, str]], bytes, str] | None = None
        self._lock = threading.Lock()

    def _render(self) -> tuple[int, str, list[tuple[str, str]], bytes, str] | None:
        version = self.hub.current().version
        copy = self._copy
        if copy is not None and copy[0] == version:
            return copy
        with self._lock:
            environ = EnvironBuilder(path=PATH, method="GET").get_environ()
            app_iter, status, headers = run_wsgi_app(self.inner, environ, buffered=True)
            body = b"".join(app_iter)
            if not status.startswith("200") or "Set-Cookie" in headers:
                return None
            copy = (version, status, list(headers.items()), body, headers.get("ETag", ""))
            self._copy = copy
            return copy

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if (not self.enabled or environ.get("PATH_INFO") != PATH or environ.get("QUERY_STRING")
                or environ.get("REQUEST_METHOD") not in ("GET", "HEAD")):
            return self.inner(environ, start_response)
        copy = self._render()
        if copy is None:
            return self.inner(environ, start_response)
        _, status, headers, body, etag = copy
        sent = [tag.strip() for tag in environ.get("HTTP_IF_NONE_MATCH", "").split(",")]
        if etag and (etag in sent or f"W/{etag}" in sent or "*" in sent):
            start_response("304 NOT MODIFIED", [h for h in headers if h[0].lower() not in _NOT_FOR_304])
            return []
        start_response(status, headers)
        return [body] if environ["REQUEST_METHOD"] == "GET" else []
