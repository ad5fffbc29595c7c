"""Every kind of answer a real `radiod web` gives carries the security headers, and the API's
answers the CORS grant: Flask's pages and API, the event loop's now-playing and live feed, its
body refusals, and the refusals made before a request is read (431, 408, 503, 400), which used
to carry none of them."""

from __future__ import annotations

import socket
import time

import pytest

from radiod.config import load_config

from panel_support import RadiodWeb, make_station, now_doc, write_now_playing

FAN = "https://fan.example"
CLIENT = "127.0.0.3"     # not the nginx address: behind_tls exempts only 127.0.0.1 from per-address limits
LIMITS = f"""cors_origins = ["{FAN}"]
behind_tls = true
workers = 1
header_timeout_s = 2
body_timeout_s = 1
connections_per_address = 4
feeds_per_address = 1
"""
SECURITY = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "strict-transport-security": "max-age=31536000",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    config = load_config(make_station(tmp_path_factory.mktemp("headers") / "station", web=LIMITS), env={})
    write_now_playing(config, now_doc("Headers Song", "Band"))
    with RadiodWeb(config.station_dir) as url:
        yield url


def connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10, source_address=(CLIENT, 0))


def head_of(sock: socket.socket) -> tuple[int, dict[str, list[str]]]:
    """Read an answer's status line and headers (until the blank line or the connection's end)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, value = line.split(":", 1)
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return int(lines[0].split()[1]), headers


def ask(url: str, request: bytes, *, then: bytes = b"", wait_s: float = 0) -> tuple[int, dict[str, list[str]]]:
    with connect(url) as sock:
        sock.sendall(request)
        if wait_s:
            time.sleep(wait_s)
        if then:
            sock.sendall(then)
        return head_of(sock)


def get(path: str, origin: bool = True, extra: str = "") -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: x\r\n" + (f"Origin: {FAN}\r\n" if origin else "") + extra
            + "Connection: close\r\n\r\n").encode()


def assert_secure(headers: dict[str, list[str]]) -> None:
    for name, value in SECURITY.items():
        assert headers.get(name) == [value], (name, headers)
    csp = headers["content-security-policy"]
    assert len(csp) == 1 and "frame-ancestors 'none'" in csp[0] and "script-src 'self'" in csp[0]


def varies_by_origin(headers: dict[str, list[str]]) -> bool:
    return any(v.strip().lower() == "origin" for value in headers.get("vary", []) for v in value.split(","))


def assert_granted(headers: dict[str, list[str]]) -> None:
    assert headers.get("access-control-allow-origin") == [FAN] and varies_by_origin(headers), headers


POST = "POST /login HTTP/1.1\r\nHost: x\r\nOrigin: " + FAN + "\r\nContent-Type: application/x-www-form-urlencoded\r\n"

# (name, request, status, API answer: True = grant, False = none, None = refused unread: Vary only)
KINDS = [
    ("flask page", lambda url: ask(url, get("/")), 200, False),
    ("flask API", lambda url: ask(url, get("/api/history")), 200, True),
    ("flask 404", lambda url: ask(url, get("/no-such-page")), 404, False),
    ("flask API 404", lambda url: ask(url, get("/api/artists/nobody-at-all/plays")), 404, True),
    ("now-playing (event loop)", lambda url: ask(url, get("/api/now-playing")), 200, True),
    ("now-playing 304 (event loop)", lambda url: ask(url, get("/api/now-playing", extra="If-None-Match: *\r\n")),
     304, True),
    ("live feed", lambda url: ask(url, get("/api/now-playing/events")), 200, True),
    ("body: bad length", lambda url: ask(url, (POST + "Content-Length: many\r\n\r\n").encode()), 400, False),
    ("body: too large", lambda url: ask(url, (POST + "Content-Length: 10000000\r\n\r\n").encode()), 413, False),
    ("body: stalled", lambda url: ask(url, (POST + "Content-Length: 100\r\n\r\nuser=a").encode()), 408, False),
    ("headers too large", lambda url: ask(url, get("/", extra="X-Pad: " + "a" * 300_000 + "\r\n")), 431, None),
    # 40 kB, over max_header_kb (32) but whole in the server's first read: it used to get through.
    ("headers too large in one piece", lambda url: ask(url, get("/", extra="X-Pad: " + "a" * 40_000 + "\r\n")),
     431, None),
    ("too many headers", lambda url: ask(url, get("/", extra="".join(f"X-{i}: 1\r\n" for i in range(150)))),
     431, None),
    ("headers too slow", lambda url: ask(url, b"GET / HTTP/1.1\r\nHost: x\r\n"), 408, None),
    ("unreadable request", lambda url: ask(url, b"NOT HTTP AT ALL\r\n\r\n"), 400, None),
]


@pytest.mark.parametrize("kind, make, status, api", KINDS, ids=[k[0] for k in KINDS])
def test_each_kind_of_answer_carries_the_headers(server, kind, make, status, api):
    got, headers = make(server)
    assert got == status, (kind, headers)
    assert_secure(headers)
    if api:
        assert_granted(headers)
    else:
        assert "access-control-allow-origin" not in headers
    if api is None:                      # refused before the Origin was read: no grant, but a cache
        assert varies_by_origin(headers)  # must not hand this answer to another origin


def test_a_full_live_feed_and_the_per_address_connection_limit_carry_them_too(server):
    with connect(server) as holder:                                 # feeds_per_address = 1
        holder.sendall(get("/api/now-playing/events"))
        assert head_of(holder)[0] == 200
        status, headers = ask(server, get("/api/now-playing/events"))
        assert status == 503 and headers["retry-after"] == ["10"]
        assert_secure(headers)
        assert_granted(headers)
    held = [connect(server) for _ in range(4)]                      # connections_per_address = 4
    try:
        time.sleep(0.2)
        with connect(server) as over:
            status, headers = head_of(over)
        assert status == 503
        assert_secure(headers)
        assert varies_by_origin(headers) and "access-control-allow-origin" not in headers
    finally:
        for sock in held:
            sock.close()
