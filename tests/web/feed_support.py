"""A live-feed listener on a raw socket, for tests against a real `radiod web`."""

from __future__ import annotations

import socket

FEED = b"GET /api/now-playing/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


class Feed:
    """One live-feed connection from ``source``: its status, then its events as they come."""

    def __init__(self, url: str, source: str = "127.0.0.1", cookie: str = ""):
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=10, source_address=(source, 0))
        self.sock.sendall(FEED.replace(b"\r\n\r\n", f"\r\nCookie: {cookie}\r\n\r\n".encode()) if cookie else FEED)
        self.reader = self.sock.makefile("rb")
        self.status = int(self.reader.readline().split()[1])
        self.headers: dict[str, str] = {}
        for line in self.reader:
            if line == b"\r\n":
                break
            name, value = line.decode("latin-1").split(":", 1)
            self.headers[name.strip().lower()] = value.strip()

    def event(self) -> tuple[bytes, bytes]:
        """The next event: (its lines up to data, the data's bytes)."""
        lines = b""
        for line in self.reader:
            if line.startswith((b"retry:", b"id:", b"event:")):
                lines += line
            elif line.startswith(b"data: "):
                return lines, line[6:].rstrip(b"\r\n")
        raise AssertionError("the feed ended")

    def close(self) -> None:
        self.reader.close()
        self.sock.close()
