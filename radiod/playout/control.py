"""The control socket: one JSON object per line each way over a local Unix socket.

Request ``{"cmd": "status"}``, reply ``{"ok": true, ...}`` or ``{"ok": false, "error": "one line"}``.
On both ends a command is a message of ``radiod.playout.messages`` (the registry ``COMMANDS``):
the daemon serves the socket (``ControlServer``, whose handler gets the parsed message);
``radiod ctl`` and the web panel send with ``send_command``.
Anyone who can open the socket controls the station, so it is created mode 0660.
"""

from __future__ import annotations

import json
import os
import socket
import socketserver
import threading
from pathlib import Path
from typing import Any, Callable

from radiod.errors import ControlError
from radiod.playout.messages import ControlCommand, parse_command, to_request
from radiod.private import private_dir

Handler = Callable[[ControlCommand], dict[str, Any]]
MAX_LINE = 64 * 1024
SUN_PATH_MAX = 100     # sockaddr_un holds 108 bytes


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
                command = parse_command(request)
            except ValueError as exc:
                self._reply({"ok": False, "error": str(exc)})
                continue
            try:
                reply = self.server.handler(command)      # type: ignore[attr-defined]
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
        if self._thread.is_alive():
            self._server.shutdown()         # waits for serve_forever: only when it runs
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


def send_command(socket_path: Path | str, command: ControlCommand, timeout_s: float = 10.0) -> dict[str, Any]:
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
            s.sendall(json.dumps(to_request(command)).encode() + b"\n")
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
        reply = json.loads(data)
    except ValueError:
        raise ControlError(f"{path}: unreadable answer from radiod") from None
    if not isinstance(reply, dict):
        raise ControlError(f"{path}: unreadable answer from radiod (not an object)")
    return reply
