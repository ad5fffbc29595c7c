"""The tiny client the Liquidsoap script runs: ``python -m radiod.bridge.client SOCKET next|auth``.

It asks the running bridge (a Unix socket served by LiquidsoapPlayer) and prints the one-line
answer. Harbor credentials come in the environment (RADIOD_HARBOR_USER, _PASSWORD, _ADDRESS), so
they never appear in a command line. Only the standard library is imported: it runs once per track.
"""

from __future__ import annotations

import json
import os
import socket
import sys

TIMEOUT_S = 10.0


def ask(socket_path: str, request: dict) -> str:
    """Send one JSON request line; return the reply's ``line`` ('' if the bridge is unreachable)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(TIMEOUT_S)
            sock.connect(socket_path)
            sock.sendall(json.dumps(request).encode() + b"\n")
            reply = sock.makefile("rb").readline()
        return str(json.loads(reply).get("line", ""))
    except (OSError, ValueError):
        return ""


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in ("next", "auth"):
        print("usage: python -m radiod.bridge.client SOCKET next|auth", file=sys.stderr)
        return 2
    socket_path, cmd = argv
    request: dict = {"cmd": cmd}
    if cmd == "auth":
        request.update(user=os.environ.get("RADIOD_HARBOR_USER", ""),
                       password=os.environ.get("RADIOD_HARBOR_PASSWORD", ""),
                       address=os.environ.get("RADIOD_HARBOR_ADDRESS", ""))
    line = ask(socket_path, request)
    if cmd == "auth" and not line:
        line = "no bridge unreachable"
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
