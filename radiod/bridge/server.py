"""The Unix socket the Liquidsoap script's client talks to: one JSON line in, one JSON line out."""

from __future__ import annotations

import json
import os
import socketserver
import threading
from pathlib import Path
from typing import Callable

Handler = Callable[[dict], str]      # request → the one line the client prints


class _ThreadingUnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class BridgeServer:
    """Serves ``handler`` on ``path`` from a background thread until ``close()``."""

    def __init__(self, path: Path, handler: Handler):
        self.path = path
        outer = handler

        class _Request(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                try:
                    request = json.loads(self.rfile.readline())
                    line = outer(request) if isinstance(request, dict) else ""
                except ValueError:
                    line = ""
                self.wfile.write(json.dumps({"line": line}).encode() + b"\n")

        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() or path.is_symlink():
            path.unlink()
        self._server = _ThreadingUnixServer(str(path), _Request)
        os.chmod(path, 0o600)      # only radiod's user (and Liquidsoap running as it) may ask
        self._thread = threading.Thread(target=self._server.serve_forever, name="bridge-server", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.path.unlink(missing_ok=True)
