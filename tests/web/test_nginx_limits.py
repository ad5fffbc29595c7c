"""The shipped nginx config's bounds, in front of a real `radiod web`: an anonymous upload body is
passed on as it arrives (radiod refuses it before reading; nginx spools nothing to disk), large
form bodies are refused by nginx, and one address holds at most 8 live feeds."""

from __future__ import annotations

import socket
import ssl
import time

import pytest

from radiod.config import load_config
from radiod_web.nginx import Nginx

from hostile import answer, code, folder_bytes
from panel_support import RadiodWeb, make_station, now_doc, write_now_playing


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("nginx-limits")
    config = load_config(make_station(root / "station", web="behind_tls = true\nworkers = 1"), env={})
    write_now_playing(config, now_doc("Song", "Band"))
    with RadiodWeb(config.station_dir) as url:
        nginx = Nginx(root / "nginx", upstream_port=int(url.rsplit(":", 1)[1])).start()
        try:
            yield config, nginx
        finally:
            nginx.stop()


def tls(nginx: Nginx) -> ssl.SSLSocket:
    context = ssl.create_default_context(cafile=str(nginx.cert))
    raw = socket.create_connection(("127.0.0.1", nginx.https_port), timeout=10)
    return context.wrap_socket(raw, server_hostname="127.0.0.1")


def test_an_anonymous_upload_body_is_not_spooled_by_nginx(setup):
    config, nginx = setup
    s = tls(nginx)
    s.sendall(b"PUT /dj/uploads/" + b"0" * 32 + b"?offset=0 HTTP/1.1\r\nHost: radio.example.org\r\n"
              b"Content-Type: application/octet-stream\r\nContent-Length: 943718400\r\n\r\n")
    start = time.monotonic()
    for _ in range(32):                                   # 2 MiB of the 900 MB
        s.sendall(b"a" * 65536)
    got = answer(s)
    s.close()
    assert code(got) == 400 and time.monotonic() - start < 3      # radiod's CSRF refusal, at once
    assert folder_bytes(nginx.folder / "body") == 0
    assert folder_bytes(config.paths.state / "uploads-partial") == 0


def test_a_large_login_body_is_refused_by_nginx(setup):
    _, nginx = setup
    s = tls(nginx)
    s.sendall(b"POST /login HTTP/1.1\r\nHost: radio.example.org\r\nContent-Type: application/x-www-form-urlencoded"
              b"\r\nContent-Length: 2097152\r\n\r\n")
    assert code(answer(s)) == 413
    s.close()


def test_one_address_holds_at_most_eight_feeds_through_nginx(setup):
    _, nginx = setup
    feeds, statuses = [], []
    try:
        for _ in range(10):
            s = tls(nginx)
            s.sendall(b"GET /api/now-playing/events HTTP/1.1\r\nHost: radio.example.org\r\n\r\n")
            statuses.append(code(s.recv(4096)))
            feeds.append(s)
    finally:
        for s in feeds:
            s.close()
    assert statuses.count(200) == 8 and statuses.count(503) == 2
