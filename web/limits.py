"""The panel's HTTP connection bounds, applied before a request reaches the application.

uvicorn's httptools protocol has no limit on header size or count and no header timeout, and it
accepts any number of connections from one address, so one client could hold the memory, the file
descriptors or the event loop. ``bounded_protocol(limits)`` returns that protocol with:

- request line plus headers at most ``max_header_bytes`` and ``max_headers`` lines (else 431),
- the headers complete within ``header_timeout_s`` of the connection or of a request's first byte
  (else 408; slow-header clients are dropped),
- at most ``per_address`` open connections from one address in this process (else 503 at once);
  ``exempt`` addresses (the nginx in front) are not counted.

Each refusal carries the security headers every answer does, and is logged as one line naming
the address, at most once a minute per address and kind.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass, field

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("radiod.web")
NOTE_EVERY_S = 60.0


@dataclass(frozen=True)
class ConnectionLimits:
    max_header_bytes: int
    max_headers: int
    header_timeout_s: float
    per_address: int
    exempt: frozenset[str] = field(default_factory=frozenset)
    # Every refusal carries them, as every other answer does (web/headers.py's answer_headers).
    headers: tuple[tuple[str, str], ...] = ()


class Refusals:
    """One log line per (address, kind) per minute, with how many were refused meanwhile."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], float] = {}
        self._count: Counter[tuple[str, str]] = Counter()

    def note(self, address: str, kind: str) -> None:
        key = (address, kind)
        self._count[key] += 1
        now = time.monotonic()
        if now - self._last.get(key, -NOTE_EVERY_S) >= NOTE_EVERY_S:
            log.warning("refused %s from %s (%d in the last minute)", kind, address, self._count[key])
            self._last[key] = now
            self._count[key] = 0
        if len(self._last) > 10_000:            # many addresses: forget the old ones
            cutoff = now - NOTE_EVERY_S
            self._last = {k: t for k, t in self._last.items() if t >= cutoff}


REFUSALS = Refusals()


def _answer(status: bytes, text: bytes, headers: tuple[tuple[str, str], ...]) -> bytes:
    extra = b"".join(f"{name}: {value}\r\n".encode("latin-1") for name, value in headers)
    return (b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\n"
            b"content-length: " + str(len(text)).encode() + b"\r\nconnection: close\r\n" + extra + b"\r\n" + text)


def bounded_protocol(limits: ConnectionLimits) -> type[HttpToolsProtocol]:
    """The httptools protocol class with ``limits`` (one class per server process)."""
    open_per_address: Counter[str] = Counter()

    class BoundedHttpToolsProtocol(HttpToolsProtocol):
        _address = ""
        _counted = False
        _refused = False
        _in_headers = True
        _header_bytes = 0
        _header_lines = 0
        _parsed_bytes = 0
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # as uvicorn
            super().connection_made(transport)
            self._address = self.client[0] if self.client else ""
            if self._address not in limits.exempt:
                if open_per_address[self._address] >= limits.per_address:
                    self._refuse(b"503 Service Unavailable", b"Too many connections from your address.\n",
                                 "a connection over the per-address limit")
                    return
                open_per_address[self._address] += 1
                self._counted = True
            self._arm_header_timer()

        def connection_lost(self, exc) -> None:
            if self._counted:
                self._counted = False
                open_per_address[self._address] -= 1
                if open_per_address[self._address] <= 0:
                    del open_per_address[self._address]
            self._cancel_header_timer()
            super().connection_lost(exc)

        # -- headers ---------------------------------------------------------------------------

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            self._unset_keepalive_if_required()
            if self._in_headers:
                self._header_bytes += len(data)
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserUpgrade:
                if self._should_upgrade():
                    self.handle_websocket_upgrade()  # pragma: no cover (ws is off)
                else:
                    self._unsupported_upgrade_warning()
            except httptools.HttpParserError:
                if not self._refused:
                    self.logger.warning("Invalid HTTP request received.")
                    self.send_400_response("Invalid HTTP request received.")
                return
            if self._in_headers and not self._refused and self._header_bytes > limits.max_header_bytes:
                self._refuse(b"431 Request Header Fields Too Large", b"Request headers too large.\n",
                             "headers over the size limit")

        def on_message_begin(self) -> None:
            # A request's first byte: its headers are counted and timed from here. (Not from the
            # previous answer: that may go out before its request's body has all arrived.)
            self._in_headers, self._header_bytes, self._header_lines, self._parsed_bytes = True, 0, 0, 0
            if self._header_timer is None:
                self._arm_header_timer()
            super().on_message_begin()

        def on_url(self, url: bytes) -> None:
            self._count_parsed(len(url))
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._header_lines += 1
            if self._header_lines > limits.max_headers:
                self._refuse(b"431 Request Header Fields Too Large", b"Too many request headers.\n",
                             "a request with too many headers")
                raise _Stop                       # ends this feed_data; nothing more is parsed
            self._count_parsed(len(name) + len(value) + 4)
            super().on_header(name, value)

        def _count_parsed(self, size: int) -> None:
            """Headers that arrive whole in one read are never seen half-way by data_received:
            count what the parser found, too."""
            self._parsed_bytes += size
            if self._parsed_bytes > limits.max_header_bytes:
                self._refuse(b"431 Request Header Fields Too Large", b"Request headers too large.\n",
                             "headers over the size limit")
                raise _Stop

        def on_headers_complete(self) -> None:
            self._in_headers = False
            self._cancel_header_timer()
            super().on_headers_complete()

        # -- timer and refusal -----------------------------------------------------------------

        def _arm_header_timer(self) -> None:
            self._cancel_header_timer()
            self._header_timer = self.loop.call_later(limits.header_timeout_s, self._headers_too_slow)

        def _cancel_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if self._in_headers and not self.transport.is_closing():
                self._refuse(b"408 Request Timeout", b"Request headers not received in time.\n",
                             "a request whose headers came too slowly")

        def send_400_response(self, msg: str) -> None:
            """A request the parser cannot read: 400, with the headers every answer carries."""
            self._refused = True
            self._cancel_header_timer()
            if not self.transport.is_closing():
                self.transport.write(_answer(b"400 Bad Request", msg.encode("ascii", "replace"), limits.headers))
                self.transport.close()

        def _refuse(self, status: bytes, text: bytes, kind: str) -> None:
            self._refused = True
            self._cancel_header_timer()
            REFUSALS.note(self._address, kind)
            if not self.transport.is_closing():
                self.transport.write(_answer(status, text, limits.headers))
                self.transport.close()

    return BoundedHttpToolsProtocol


class _Stop(httptools.HttpParserError):
    """Raised in a parser callback to stop parsing a refused request."""
