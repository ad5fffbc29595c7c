"""The panel as an ASGI application for `radiod web` (uvicorn): two hot paths in the event loop,
everything else in Flask on a small thread pool.

- ``GET /api/now-playing`` is answered without leaving the event loop (no thread hand-off, no
  WSGI) by the same function as Flask's route: the daemon's file as it is, with its ETag, or 304
  (web/nowplaying.py's ``answer``).
- ``GET /api/now-playing/events`` (the live feed; its only implementation) is a coroutine per
  listener, woken by one thread that follows the now-playing hub, so hundreds of listeners cost
  no threads.
- Every answer made here carries the security and CORS headers of web/headers.py's
  ``answer_headers``, the function Flask's answers use too.
- Any other request is read whole first, in memory and bounded (``web.form_limit_kb`` without a
  logged-in session, ``web.panel_limit_kb`` with one), then handed to Flask on one of
  ``web.threads`` threads; a body cut off half-way never reaches Flask. Only the upload route
  (``PUT /dj/uploads/<id>``) takes a large body, and it is not read here: Flask checks the login
  and the CSRF token first, and only the view reads the body, piece by piece, into the checked
  upload file (web/bodies.py). A body that stalls longer than ``web.body_timeout_s`` gets 408.
- Live-feed places are limited in all (``web.sse_clients``) and per client address
  (``web.feeds_per_address``), over every worker process (web/places.py).
"""

from __future__ import annotations

import asyncio
import io
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Coroutine

from flask import Flask

from radiod_web import nowplaying
from radiod_web.bodies import BodyRefused, StreamedBody, logged_in, read_body
from radiod_web.headers import answer_headers, encoded
from radiod_web.limits import REFUSALS
from radiod_web.places import Refusal, WorkerPlaces, single_process

FEED_PATH = "/api/now-playing/events"
KEEPALIVE_S = 15.0     # a comment line this often keeps proxies from closing a quiet feed
FEED_FULL = b'{"error": "Too many listeners on the live feed; poll /api/now-playing instead."}'
UPLOAD_ROUTE = re.compile(r"/dj/uploads/[0-9a-f]{32}")     # the only route with large bodies

Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Coroutine[Any, Any, None]]


class PanelASGI:
    def __init__(self, app: Flask, *, places: WorkerPlaces | None = None):
        radiod = app.extensions["radiod"]
        self.flask = app
        self.wsgi = app.wsgi_app
        self.hub = radiod.hub
        web = self.web = radiod.config.web
        self.places = places or single_process(web.sse_clients, web.feeds_per_address)
        self.body_timeout = float(web.body_timeout_s)
        self.form_limit, self.panel_limit = web.form_limit_kb * 1024, web.panel_limit_kb * 1024
        self.upload_limit = web.upload_limit_mb * 2**20
        self.pool = ThreadPoolExecutor(radiod.config.web.threads, thread_name_prefix="panel")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed: asyncio.Event | None = None   # replaced on every change, set to wake feeds
        self._stop: asyncio.Event | None = None
        # now-playing answers as ASGI bytes, for the current version, per CORS grant
        self._answers: dict[tuple[str, bool], tuple[int, list, bytes]] = {}
        self._answers_version = -1

    # -- lifecycle -----------------------------------------------------------------------------

    async def _startup(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._changed, self._stop = asyncio.Event(), asyncio.Event()
        threading.Thread(target=self._follow_hub, name="feed-waker", daemon=True).start()

    def stop(self) -> None:
        """End every live feed; safe from a signal handler (called on SIGTERM/SIGINT, before the
        server waits for open requests to finish)."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)

    def _follow_hub(self) -> None:
        loop = self._loop
        assert loop is not None                # started by _startup, once the loop runs
        version = self.hub.current().version
        while not self.hub.stopping:
            snap = self.hub.wait_for_change(version, 1.0)
            if snap.version != version:
                version = snap.version
                loop.call_soon_threadsafe(self._wake_feeds)

    def _wake_feeds(self) -> None:
        woken, self._changed = self._changed, asyncio.Event()
        if woken is not None:
            woken.set()

    # -- dispatch ------------------------------------------------------------------------------

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            if scope["path"] == nowplaying.PATH and not scope["query_string"] and scope["method"] in ("GET", "HEAD"):
                return await self._now_playing(scope, send)
            elif scope["path"] == FEED_PATH and scope["method"] == "GET" and self._changed is not None:
                return await self._feed(scope, receive, send)
            await self._wsgi(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self._startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._stop is not None:
                    self._stop.set()
                self.hub.stop()
                self.pool.shutdown(wait=False)
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- now playing ---------------------------------------------------------------------------

    def _answer(self, origin: str, if_none_match: str) -> tuple[int, list, bytes]:
        """The now-playing answer as ASGI bytes, made once per version and CORS grant."""
        snap = self.hub.current()
        if snap.version != self._answers_version:
            self._answers, self._answers_version = {}, snap.version
        # Only a listed origin changes the headers; any other origin gets the same answer.
        grant = origin if origin in self.web.cors_origins else ""
        key = (grant, nowplaying.matches(snap.etag, if_none_match))
        cached = self._answers.get(key)
        if cached is None:
            ans = nowplaying.answer(snap, self.web, origin=grant or None, if_none_match=if_none_match)
            cached = (ans.status, encoded(ans.headers), ans.body)
            self._answers[key] = cached           # at most two per listed origin, plus two
        return cached

    async def _now_playing(self, scope: dict, send: Send) -> None:
        status, headers, body = self._answer(_header(scope, b"origin"), _header(scope, b"if-none-match"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body if scope["method"] == "GET" else b""})

    # -- live feed -----------------------------------------------------------------------------

    def _headers(self, scope: dict) -> list[tuple[bytes, bytes]]:
        """Security and CORS headers for this request, from the function Flask's answers use."""
        return encoded(answer_headers(self.web, path=scope["path"], origin=_header(scope, b"origin") or None))

    async def _feed(self, scope: dict, receive: Receive, send: Send) -> None:
        address = (scope.get("client") or ("",))[0]
        refusal = self.places.take(address)
        if refusal is not None:
            if refusal is Refusal.ADDRESS:
                REFUSALS.note(address, refusal.value)
            await send({"type": "http.response.start", "status": 503, "headers": self._headers(scope) + [
                (b"content-type", b"application/json"), (b"retry-after", b"10")]})
            await send({"type": "http.response.body", "body": FEED_FULL})
            return
        try:
            await self._feed_open(scope, receive, send)
        finally:
            self.places.give_back(address)

    async def _feed_open(self, scope: dict, receive: Receive, send: Send) -> None:
        assert self._stop is not None          # feeds are served only after _startup
        gone = asyncio.ensure_future(_until_disconnect(receive))
        stopping = asyncio.ensure_future(self._stop.wait())
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self._headers(scope) + [
                (b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache"),
                (b"x-accel-buffering", b"no")]})   # nginx: pass each event through at once
            snap = self.hub.current()
            await send({"type": "http.response.body", "body": b"retry: 1000\n" + nowplaying.event(snap),
                        "more_body": True})
            while True:
                changed = self._changed        # taken before looking, so no change slips between
                assert changed is not None
                newer = self.hub.current()
                if newer.version > snap.version:
                    snap = newer
                    await send({"type": "http.response.body", "body": nowplaying.event(snap), "more_body": True})
                    continue
                waiting = asyncio.ensure_future(changed.wait())
                done, _ = await asyncio.wait({gone, stopping, waiting}, timeout=KEEPALIVE_S,
                                             return_when=asyncio.FIRST_COMPLETED)
                waiting.cancel()
                if gone in done or stopping in done:
                    break
                if not done:
                    await send({"type": "http.response.body", "body": b": keep-alive\n\n", "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            gone.cancel()
            stopping.cancel()

    # -- everything else: Flask ----------------------------------------------------------------

    async def _wsgi(self, scope: dict, receive: Receive, send: Send) -> None:
        loop = self._loop
        assert loop is not None                 # set at startup, before any request
        address = (scope.get("client") or ("",))[0]
        length = _header(scope, b"content-length")
        if length and not length.isdigit():
            await _plain(send, 400, b"Bad Content-Length\n", self._headers(scope))
            return
        if scope["method"] == "PUT" and UPLOAD_ROUTE.fullmatch(scope["path"]):
            if length and int(length) > self.upload_limit:
                REFUSALS.note(address, "an upload over the size limit")
                await _plain(send, 413, b"Request body too large\n", self._headers(scope))
                return
            # Not read here: Flask checks login and CSRF, then the view streams it to the upload file.
            body = StreamedBody(receive, loop, self.body_timeout)
            environ = _environ(scope, body, int(length) if length else None)
            await loop.run_in_executor(self.pool, self._run_wsgi, environ, send, body)
            return
        limit = self.panel_limit if logged_in(self.flask, _header(scope, b"cookie")) else self.form_limit
        try:
            data = await read_body(receive, limit, int(length) if length else None, self.body_timeout)
        except BodyRefused as refused:
            if refused.status:
                REFUSALS.note(address, refused.kind)
                await _plain(send, refused.status, refused.text, self._headers(scope))
            return                              # cut off: Flask never sees a partial request
        environ = _environ(scope, io.BytesIO(data), len(data))
        await loop.run_in_executor(self.pool, self._run_wsgi, environ, send, None)

    def _run_wsgi(self, environ: dict, send: Send, streamed: StreamedBody | None) -> None:
        """On a pool thread: run Flask and pass its answer to the event loop piece by piece.
        When Flask left part of a streamed body unread, the connection is closed after the answer
        (so the rest is never read)."""
        loop = self._loop
        assert loop is not None                # requests arrive only once the loop runs
        started: list[Any] = []

        def start_response(status: str, headers: list, exc_info=None):
            encoded = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
            if streamed is not None and not streamed.finished:
                encoded.append((b"connection", b"close"))
            started[:] = [int(status.split()[0]), encoded]
            return lambda data: None

        def push(message: dict) -> None:
            asyncio.run_coroutine_threadsafe(send(message), loop).result()

        result = self.wsgi(environ, start_response)
        try:
            sent_start = False
            for chunk in result:
                if not chunk:
                    continue
                if not sent_start:
                    push({"type": "http.response.start", "status": started[0], "headers": started[1]})
                    sent_start = True
                push({"type": "http.response.body", "body": chunk, "more_body": True})
            if not sent_start:
                push({"type": "http.response.start", "status": started[0], "headers": started[1]})
            push({"type": "http.response.body", "body": b""})
        finally:
            if hasattr(result, "close"):
                result.close()


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _plain(send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close"), *extra]})
    await send({"type": "http.response.body", "body": body})


def _header(scope: dict, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return ""


def _environ(scope: dict, body, size: int | None) -> dict:
    """The WSGI environ (PEP 3333) for an ASGI HTTP scope; ``size`` None: a body of unknown
    length, ended by the stream itself."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode("utf-8").decode("latin-1"),
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "REMOTE_ADDR": client[0],
        "REMOTE_PORT": str(client[1]),
        "CONTENT_LENGTH": "" if size is None else str(size),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if size is None:
        environ["wsgi.input_terminated"] = True
    for key, value in scope["headers"]:
        name = key.decode("latin-1").upper().replace("-", "_")
        if name in ("CONTENT_LENGTH",):
            continue
        if name == "CONTENT_TYPE":
            environ[name] = value.decode("latin-1")
            continue
        name = "HTTP_" + name
        value = value.decode("latin-1")
        environ[name] = f"{environ[name]},{value}" if name in environ else value
    return environ
