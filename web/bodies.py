"""Request bodies for the panel's ASGI server: bounded, timed, and large ones only streamed.

``read_body`` reads a small body in the event loop (at most ``limit`` bytes, each piece within
``timeout`` seconds). ``StreamedBody`` is the upload route's wsgi.input: it reads nothing until
the view asks, so a request that fails the login or CSRF check is answered without its body
being read. ``logged_in`` tells from the signed session cookie alone (no database) whether the
request may send a panel form's larger body.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Awaitable, Callable

from flask import Flask
from werkzeug.exceptions import ClientDisconnected, RequestTimeout

Receive = Callable[[], Awaitable[dict]]


@dataclass
class BodyRefused(Exception):
    """A body not accepted: answer ``status`` with ``text`` (status 0: the client left)."""

    status: int
    text: bytes = b""
    kind: str = ""


def too_large() -> BodyRefused:
    # A new one each time: raising one shared instance again and again chains every traceback
    # (and the frames they hold) onto it, for good: +40 MB a second under a flood of refusals.
    return BodyRefused(413, b"Request body too large\n", "a body over the size limit")


async def read_body(receive: Receive, limit: int, length: int | None, timeout: float) -> bytes:
    """The whole body, or BodyRefused: over ``limit`` (by Content-Length at once, before
    reading), a piece late by ``timeout`` seconds, or the client gone."""
    if length is not None and length > limit:
        raise too_large()
    chunks, size = [], 0
    while True:
        try:
            message = await asyncio.wait_for(receive(), timeout)
        except asyncio.TimeoutError:
            raise BodyRefused(408, b"Request body not received in time.\n", "a body that came too slowly") from None
        if message["type"] == "http.disconnect":
            raise BodyRefused(0)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class StreamedBody:
    """wsgi.input read from the ASGI connection on demand, from a pool thread."""

    def __init__(self, receive: Receive, loop: asyncio.AbstractEventLoop, timeout: float):
        self._receive, self._loop, self._timeout = receive, loop, timeout
        self._buffer = bytearray()
        self.finished = False
        self._gone: Exception | None = None

    async def _next(self) -> bytes:
        try:
            message = await asyncio.wait_for(self._receive(), self._timeout)
        except asyncio.TimeoutError:
            raise RequestTimeout("The upload stalled; send the rest again to resume.") from None
        if message["type"] == "http.disconnect":
            raise ClientDisconnected()
        if not message.get("more_body", False):
            self.finished = True
        return message.get("body", b"")

    def _fill(self, wanted: int) -> None:
        if self._gone is not None and not self._buffer:
            raise self._gone
        while len(self._buffer) < wanted and not self.finished and self._gone is None:
            try:
                self._buffer += asyncio.run_coroutine_threadsafe(self._next(), self._loop).result()
            except (ClientDisconnected, RequestTimeout) as exc:
                if not self._buffer:
                    raise
                self._gone = exc        # hand over what did arrive first (an upload keeps it)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            self._fill(1 << 62)
            size = len(self._buffer)
        else:
            self._fill(size)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)

    def readline(self, size: int = -1) -> bytes:
        while b"\n" not in self._buffer and not self.finished and (size < 0 or len(self._buffer) < size):
            self._fill(len(self._buffer) + 1)
        end = self._buffer.find(b"\n") + 1 or len(self._buffer)
        if size >= 0:
            end = min(end, size)
        data = bytes(self._buffer[:end])
        del self._buffer[:end]
        return data


def logged_in(app: Flask, cookie_header: str) -> bool:
    """Whether the request carries a session cookie signed by this panel for a logged-in user."""
    name = app.config["SESSION_COOKIE_NAME"]
    if name not in cookie_header:
        return False
    from http.cookies import CookieError, SimpleCookie
    try:
        jar = SimpleCookie(cookie_header)
    except CookieError:
        return False
    if name not in jar:
        return False
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    if serializer is None:
        return False
    try:
        data = serializer.loads(jar[name].value,
                                max_age=int(app.permanent_session_lifetime.total_seconds()))
    except Exception:                    # a forged, old or garbled cookie: anonymous
        return False
    return isinstance(data, dict) and isinstance(data.get("sid"), str)
