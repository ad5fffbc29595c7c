"""The control socket: one JSON object per line each way over a local Unix socket.

Request ``{"cmd": "status"}``, reply ``{"ok": true, ...}`` or ``{"ok": false, "error": "one line"}``.
The daemon serves it (``ControlServer``); ``radiod ctl`` and the web panel use ``send_command``.
Anyone who can open the socket controls the station, so it is created mode 0660.
"""

from __future__ import annotations

import json
import os
import re
import socket
import socketserver
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from radiod.errors import ControlError
from radiod.private import private_dir

Handler = Callable[[dict[str, Any]], dict[str, Any]]
MAX_LINE = 64 * 1024
SUN_PATH_MAX = 100     # sockaddr_un holds 108 bytes
MAX_TEXT = 200         # characters of a title or artist kept from a command
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]+")


def _text(request: dict[str, Any], name: str) -> str:
    value = request.get(name, "")
    if not isinstance(value, str):
        raise ValueError(f"{name}: expected a string")
    # A title goes into the play log, now-playing and the stream's metadata: one clean line.
    return _CONTROL_CHARS.sub(" ", value).strip()[:MAX_TEXT]


@dataclass(frozen=True)
class InsertRequest:
    """``insert``: play a file now, shown and logged with this title and artist (the file's name
    when no title is given)."""

    path: str
    title: str = ""
    artist: str = ""
    CMD = "insert"

    def args(self) -> dict[str, str]:
        """The command's fields, for ``send_command(socket, InsertRequest.CMD, **args)``."""
        return {"path": self.path, "title": self.title, "artist": self.artist}

    @classmethod
    def from_request(cls, request: dict[str, Any]) -> "InsertRequest":
        """From a received command; ValueError (one line) when a field is not a string."""
        path = request.get("path", "")
        if not isinstance(path, str):
            raise ValueError("path: expected a string")
        return cls(path, _text(request, "title"), _text(request, "artist"))


class _ShortPath:
    """A socket path short enough for sockaddr_un: long ones go through /proc/self/fd/N/."""

    def __init__(self, path: Path):
        self.fd: int | None = None
        self.path = str(path)
        if len(os.fsencode(self.path)) > SUN_PATH_MAX:
            self.fd = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
            self.path = f"/proc/self/fd/{self.fd}/{path.name}"

    def __enter__(self) -> str:
        return self.path

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True
    request_queue_size = 64      # the web panel's threads may all ask at once

    def __init__(self, path: str, handler: Handler):
        self.handler = handler
        super().__init__(path, _Connection)


class _Connection(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        for raw in self.rfile:
            if len(raw) > MAX_LINE:
                self._reply({"ok": False, "error": "request too long"})
                return
            line = raw.strip()
            if not line:
                continue
            try:
                request = json.loads(line)
                if not isinstance(request, dict) or not isinstance(request.get("cmd"), str):
                    raise ValueError('expected an object with a "cmd" string')
            except ValueError as exc:
                self._reply({"ok": False, "error": f"bad request: {exc}"})
                continue
            try:
                reply = self.server.handler(request)      # type: ignore[attr-defined]
            except Exception as exc:                      # one bad command must not kill the server
                reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            self._reply(reply)

    def _reply(self, data: dict[str, Any]) -> None:
        self.wfile.write(json.dumps(data, ensure_ascii=False).encode() + b"\n")
        self.wfile.flush()


class ControlServer:
    """Serves the socket on a background thread until ``close``."""

    def __init__(self, path: Path, handler: Handler):
        self.path = Path(path)
        private_dir(self.path.parent)
        if self.path.exists():
            if _answers(self.path):
                raise ControlError(f"{self.path}: another radiod is already running on this station")
            self.path.unlink()                      # left behind by a crash
        with _ShortPath(self.path) as short:
            self._server = _Server(short, handler)
        os.chmod(self.path, 0o600)          # only radiod's own user may drive the station
        self._thread = threading.Thread(target=self._server.serve_forever, name="control", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


def _answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s, _ShortPath(path) as short:
        try:
            s.connect(short)
            return True
        except OSError:
            return False


def send_command(socket_path: Path | str, cmd: str, timeout_s: float = 10.0, **args: Any) -> dict[str, Any]:
    """Send one command to the running daemon and return its reply.

    Raises ControlError when the daemon is not running or does not answer.
    """
    path = str(socket_path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout_s)
        try:
            with _ShortPath(Path(path)) as short:
                s.connect(short)
        except (FileNotFoundError, ConnectionRefusedError):
            raise ControlError(f"{path}: radiod is not running (no control socket)") from None
        except OSError as exc:
            raise ControlError(f"{path}: cannot connect: {exc.strerror or exc}") from None
        try:
            s.sendall(json.dumps({"cmd": cmd, **args}).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError as exc:
            raise ControlError(f"{path}: no answer from radiod: {exc}") from None
    if not data.strip():
        raise ControlError(f"{path}: radiod closed the connection without answering")
    try:
        answer = json.loads(data)
    except ValueError:
        raise ControlError(f"{path}: unreadable answer from radiod") from None
    if not isinstance(answer, dict):
        raise ControlError(f"{path}: unreadable answer from radiod (not an object)")
    return answer
