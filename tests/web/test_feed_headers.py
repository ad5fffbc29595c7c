"""The live feed served from the event loop carries the same security and CORS headers as the
Flask routes, with a list of allowed origins too (it used to send none of them then)."""

from __future__ import annotations

import socket
import time

import pytest

from radiod.config import load_config

from http_support import Visitor
from panel_support import RadiodWeb, make_station, now_doc, write_now_playing

FAN, OTHER = "https://fan.example", "https://other.example"
SECURITY = ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy",
            "strict-transport-security")


def open_feed(url: str, origin: str | None) -> tuple[socket.socket, int, dict[str, list[str]]]:
    """GET /api/now-playing/events: the open connection, the status and the headers."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    extra = f"Origin: {origin}\r\n" if origin else ""
    sock.sendall(f"GET /api/now-playing/events HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        assert chunk, "closed before the head"
        head += chunk
    lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, value = line.split(":", 1)
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return sock, int(lines[0].split()[1]), headers


def feed_place(url: str, origin: str | None = None) -> tuple[socket.socket, dict[str, list[str]]]:
    """A feed that got the place (the one place may take a moment to come back from the last test)."""
    deadline = time.monotonic() + 10
    while True:
        sock, status, headers = open_feed(url, origin)
        if status == 200 or time.monotonic() > deadline:
            assert status == 200, headers
            return sock, headers
        sock.close()
        time.sleep(0.05)


def feed_head(url: str, origin: str | None) -> tuple[int, dict[str, list[str]]]:
    """Status and headers of a feed that got its place (closed after the head)."""
    sock, headers = feed_place(url, origin)
    sock.close()
    return 200, headers


def flask_head(url: str, path: str, origin: str | None) -> dict[str, list[str]]:
    answer = Visitor(url).get(path, headers={"Origin": origin} if origin else {})
    assert answer.status == 200
    return {name.lower(): answer.headers.get_all(name) for name in set(answer.headers.keys())}


def varies_by_origin(headers: dict[str, list[str]]) -> bool:
    return any("origin" in v.lower() for value in headers.get("vary", []) for v in value.split(","))


@pytest.fixture(scope="module")
def panel(tmp_path_factory):
    config = load_config(make_station(tmp_path_factory.mktemp("feed") / "station",
                                      web=f'cors_origins = ["{FAN}", "{OTHER}"]\nbehind_tls = true\n'
                                          "sse_clients = 1\nworkers = 1"), env={})
    write_now_playing(config, now_doc("Feed Song", "Band"))
    with RadiodWeb(config.station_dir) as url:
        yield url


@pytest.mark.parametrize("origin", [FAN, OTHER])
def test_a_listed_origin_gets_its_grant_and_the_security_headers_on_the_feed(panel, origin):
    status, feed = feed_head(panel, origin)
    assert status == 200 and feed["content-type"] == ["text/event-stream"]
    assert feed["access-control-allow-origin"] == [origin] and varies_by_origin(feed)
    for path in ("/api/now-playing", "/api/history"):
        flask = flask_head(panel, path, origin)
        assert flask["access-control-allow-origin"] == [origin]
        for name in SECURITY:
            assert feed[name] == flask[name], name


def test_another_origin_gets_no_grant_but_still_the_security_headers(panel):
    status, feed = feed_head(panel, "https://evil.example")
    assert status == 200
    assert "access-control-allow-origin" not in feed and varies_by_origin(feed)
    assert feed["strict-transport-security"] == ["max-age=31536000"]
    assert feed["x-content-type-options"] == ["nosniff"] and "frame-ancestors 'none'" in feed["content-security-policy"][0]


def test_the_feed_full_answer_carries_them_too(panel):
    holder, _ = feed_place(panel)                       # the only place (sse_clients = 1)
    with holder:
        sock, status, full = open_feed(panel, FAN)
        sock.close()
    assert status == 503 and full["retry-after"] == ["10"]
    assert full["access-control-allow-origin"] == [FAN]
    assert all(name in full for name in SECURITY)


def test_with_any_origin_the_feed_grants_every_origin(tmp_path):
    config = load_config(make_station(tmp_path / "st"), env={})
    write_now_playing(config, now_doc("Feed Song", "Band"))
    with RadiodWeb(config.station_dir) as url:
        status, feed = feed_head(url, FAN)
        assert status == 200 and feed["access-control-allow-origin"] == ["*"]
        assert feed["x-frame-options"] == ["DENY"] and "strict-transport-security" not in feed
