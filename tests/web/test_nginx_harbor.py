"""The shipped nginx config's /harbor/ path: the Web DJ's WebSocket reaches the harbor through
TLS on the panel's own origin (the upgrade and its headers pass, then bytes both ways); a plain
request never reaches the harbor."""

from __future__ import annotations

import socket
import ssl
import threading

import pytest

from radiod_web.nginx import Nginx, free_port

HARBOR = 21022


class Harbor:
    """A stand-in for the harbor's socket: records the request head, answers 101, echoes bytes."""

    def __init__(self, port: int):
        self.server = socket.create_server(("127.0.0.1", port))
        self.heads: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    head += chunk
                self.heads.append(head.decode("latin-1"))
                conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             b"Sec-WebSocket-Protocol: webcast\r\n\r\n")
                data = conn.recv(4096)
                conn.sendall(b"echo:" + data)

    def close(self) -> None:
        self.server.close()


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    harbor = Harbor(HARBOR)
    nginx = Nginx(tmp_path_factory.mktemp("nginx-harbor"), upstream_port=free_port(), harbor_port=HARBOR).start()
    try:
        yield nginx, harbor
    finally:
        nginx.stop()
        harbor.close()


def tls(nginx: Nginx) -> ssl.SSLSocket:
    context = ssl.create_default_context(cafile=str(nginx.cert))
    context.set_alpn_protocols(["http/1.1"])
    return context.wrap_socket(socket.create_connection(("127.0.0.1", nginx.https_port), timeout=10),
                               server_hostname="127.0.0.1")


def test_the_websocket_upgrade_reaches_the_harbors_mount(setup):
    nginx, harbor = setup
    with tls(nginx) as sock:
        sock.sendall(b"GET /harbor/live HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                     b"Sec-WebSocket-Protocol: webcast\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 101"), answer
        sock.sendall(b"opus bytes")
        assert sock.recv(4096) == b"echo:opus bytes"
    head = harbor.heads[-1].lower()
    assert head.startswith("get /live http/1.1")
    assert "upgrade: websocket" in head and "connection: upgrade" in head
    assert "sec-websocket-protocol: webcast" in head


def test_a_plain_request_to_the_harbor_path_is_refused(setup):
    nginx, harbor = setup
    before = len(harbor.heads)
    with tls(nginx) as sock:
        sock.sendall(b"GET /harbor/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 403"), answer[:100]
    assert len(harbor.heads) == before
