"""GET /api/now-playing without entering Flask for every request.

It is the URL every listener's page, widget and cache asks most often, and its answer only changes
with the now-playing file. So Flask renders it once per change (all headers included: security,
CORS, caching, ETag) and this WSGI middleware serves that copy, or 304 when the client has it.
`radiod web` serves the same copy straight from its event loop (web/asgi.py).
"""

from __future__ import annotations

import threading
from typing import Callable, Iterable, NamedTuple

from flask import Flask
from werkzeug.test import EnvironBuilder, run_wsgi_app

PATH = "/api/now-playing"
NOT_FOR_304 = {"content-length", "content-type"}   # headers a 304 answer leaves out


class Copy(NamedTuple):
    version: int
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str


class NowPlayingFastPath:
    path = PATH

    def __init__(self, app: Flask):
        self.inner = app.wsgi_app
        self.hub = app.extensions["radiod"].hub
        # With a list of CORS origins the answer depends on the request's Origin: let Flask decide.
        self.enabled = "*" in app.extensions["radiod"].config.web.cors_origins
        self._copy: Copy | None = None
        self._lock = threading.Lock()

    def render(self) -> Copy | None:
        """The answer for the current now-playing version (None when Flask must answer itself)."""
        if not self.enabled:
            return None
        version = self.hub.current().version
        copy = self._copy
        if copy is not None and copy.version == version:
            return copy
        with self._lock:
            environ = EnvironBuilder(path=PATH, method="GET").get_environ()
            app_iter, status, headers = run_wsgi_app(self.inner, environ, buffered=True)
            body = b"".join(app_iter)
            if not status.startswith("200") or "Set-Cookie" in headers:
                return None
            copy = Copy(version, status, list(headers.items()), body, headers.get("ETag", ""))
            self._copy = copy
            return copy

    def matches(self, if_none_match: str) -> bool:
        """Whether an If-None-Match header names the current copy (so 304 is the answer)."""
        copy = self._copy
        if copy is None or not copy.etag or not if_none_match:
            return False
        sent = [tag.strip() for tag in if_none_match.split(",")]
        return copy.etag in sent or f"W/{copy.etag}" in sent or "*" in sent

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if (environ.get("PATH_INFO") != PATH or environ.get("QUERY_STRING")
                or environ.get("REQUEST_METHOD") not in ("GET", "HEAD")):
            return self.inner(environ, start_response)
        copy = self.render()
        if copy is None:
            return self.inner(environ, start_response)
        if self.matches(environ.get("HTTP_IF_NONE_MATCH", "")):
            start_response("304 NOT MODIFIED", [h for h in copy.headers if h[0].lower() not in NOT_FOR_304])
            return []
        start_response(copy.status, copy.headers)
        return [copy.body] if environ["REQUEST_METHOD"] == "GET" else []
