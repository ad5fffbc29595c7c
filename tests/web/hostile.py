"""Clients for the abuse tests and bench/abuse.py: raw sockets from a chosen loopback address, a
logged-in panel session over real HTTP, and the server's memory and temporary files."""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
from http.cookies import SimpleCookie
from pathlib import Path

from panel_support import PASSWORD, csrf_from

ATTACKER = "127.0.0.1"
ORDINARY = "127.0.0.2"     # another address on the loopback: an ordinary listener


def host_port(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def raw(url: str, source: str = ATTACKER, timeout: float = 10) -> socket.socket:
    sock = socket.create_connection(host_port(url), timeout=timeout, source_address=(source, 0))
    return sock


def answer(sock: socket.socket) -> bytes:
    """What the server sent until it closed the connection ('' if it reset it)."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return data


def code(data: bytes) -> int:
    """The status code of a raw answer (0 for none)."""
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0


def get(url: str, path: str, source: str = ORDINARY, timeout: float = 10) -> tuple[int, float]:
    """(status, seconds) of one GET from ``source``."""
    host, port = host_port(url)
    start = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - start
    finally:
        conn.close()


class Session:
    """A panel session over real HTTP (cookie and CSRF token kept)."""

    def __init__(self, url: str, source: str = ORDINARY):
        self.host, self.port = host_port(url)
        self.source = source
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None
                ) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30, source_address=(self.source, 0))
        try:
            sent = dict(headers or {})
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=sent)
            r = conn.getresponse()
            data = r.read()
            for value in r.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie(value)
                self.cookies.update({k: m.value for k, m in jar.items()})
            return r.status, dict(r.headers), data
        finally:
            conn.close()

    def login(self, name: str) -> "Session":
        _, _, page = self.request("GET", "/login")
        token = csrf_from(page.decode())
        form = f"name={name}&password={PASSWORD.replace(' ', '+')}&csrf_token={token}".encode()
        status, _, _ = self.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, status
        _, _, page = self.request("GET", "/")
        self.csrf = csrf_from(page.decode())
        return self

    def create_upload(self, show: str, name: str, size: int) -> tuple[int, dict]:
        form = f"name={name}&size={size}&csrf_token={self.csrf}".encode()
        status, _, data = self.request("POST", f"/dj/shows/{show}/uploads", form,
                                       {"Content-Type": "application/x-www-form-urlencoded"})
        return status, json.loads(data)

    def put_upload(self, upload_id: str, offset: int, data: bytes) -> tuple[int, dict]:
        status, _, body = self.request("PUT", f"/dj/uploads/{upload_id}?offset={offset}", data,
                                       {"X-CSRF-Token": self.csrf, "Content-Type": "application/octet-stream"})
        return status, json.loads(body)


def rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (KiB)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, AttributeError):
            continue
    return total


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.exists() else 0
