"""The panel as a public server under hostile clients: a real `radiod web` on real sockets, attacked
from 127.0.0.1 while an ordinary listener on 127.0.0.2 keeps being answered. Memory, temporary
files and the server's own log are checked."""

from __future__ import annotations

import http.client
import json
import resource
import socket
import threading
import time

import pytest

from radiod.config import load_config

from hostile import (ATTACKER, ORDINARY, Session, answer, folder_bytes, get, raw, rss_kb, code)
from panel_support import RadiodWeb, make_station, now_doc, write_now_playing
from part2_support import GRID, SHOWS, add_part2_users

LIMITS = """workers = 1
threads = 4
header_timeout_s = 1
body_timeout_s = 2
connections_per_address = 40
feeds_per_address = 3
"""


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    root = tmp_path_factory.mktemp("abuse") / "station"
    make_station(root, web=LIMITS)
    (root / "schedules" / "shows.toml").write_text(SHOWS, encoding="utf-8")
    (root / "schedules" / "grid.toml").write_text(GRID, encoding="utf-8")
    config = load_config(root, env={})
    add_part2_users(config)
    write_now_playing(config, now_doc("Abuse Song", "Band"))
    return config


@pytest.fixture(scope="module")
def server(station, tmp_path_factory):
    """The server with its own TMPDIR (to see any spooled body) and the file-descriptor limit a
    default system gives it (soft 1024, raised by `radiod web` itself to what it asks for)."""
    tmp = tmp_path_factory.mktemp("server-tmp")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))
    try:
        web = RadiodWeb(station.station_dir, env={"TMPDIR": str(tmp)})
        url = web.__enter__()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    web.tmp = tmp
    web.base = url
    yield web
    web.__exit__(None, None, None)


def log_of(server) -> str:
    return server.log.read_text()


def wait_for_log(server, text: str, seconds: float = 5) -> str:
    deadline = time.monotonic() + seconds
    while text not in (log := log_of(server)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return log


def ordinary_ok(server) -> float:
    status, seconds = get(server.base, "/api/now-playing")
    assert status == 200
    return seconds


def test_slow_headers_are_cut_off_and_others_still_served(server):
    socks = []
    for _ in range(30):
        s = raw(server.base)
        s.sendall(b"GET /api/now-playing HTTP/1.1\r\nHost: x\r\n")
        socks.append(s)
    start = time.monotonic()
    trickle_stop = threading.Event()

    def trickle():                          # slowloris: one header line now and then, never the end
        while not trickle_stop.wait(0.3):
            for s in socks:
                try:
                    s.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    pass
    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        assert ordinary_ok(server) < 1.0
        answers = [answer(s) for s in socks]
    finally:
        trickle_stop.set()
        thread.join()
        for s in socks:
            s.close()
    assert time.monotonic() - start < 4                       # header timeout 1 s, not forever
    assert all(code(a) == 408 for a in answers), answers[:2]
    assert f"refused a request whose headers came too slowly from {ATTACKER}" in wait_for_log(
        server, "headers came too slowly")


def test_a_huge_header_is_refused_without_growing_memory(server):
    before = rss_kb(server.process.pid)
    s = raw(server.base)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ")
    sent = 0
    try:
        while sent < 64 << 20:                                # 64 MiB of one header, if let
            s.sendall(b"a" * 65536)
            sent += 65536
    except (BrokenPipeError, ConnectionResetError):
        pass
    got = answer(s)
    s.close()
    # The server stops reading at its limit (tens of KiB); what still went in is what the kernel's
    # loopback buffers took before the connection was reset (a few MiB, more when the server's
    # one loop is slow to close). A server that read on would have taken all 64 MiB.
    assert sent < 16 << 20, sent
    assert got == b"" or code(got) == 431
    assert rss_kb(server.process.pid) - before < 8 * 1024
    assert f"refused headers over the size limit from {ATTACKER}" in wait_for_log(server, "size limit")
    ordinary_ok(server)


def test_too_many_headers_are_refused(server):
    s = raw(server.base)
    s.sendall(b"GET /api/now-playing HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150))
              + b"\r\n")
    assert code(answer(s)) == 431
    s.close()


def test_anonymous_large_bodies_to_login_get_413_at_once_and_nothing_grows(server):
    before = rss_kb(server.process.pid)
    for _ in range(6):                  # rounds: memory kept per refusal would add up
        socks = []
        for n in range(30):
            s = raw(server.base)
            if n % 2:                   # announced: refused on the Content-Length alone
                s.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                          b"Content-Length: 1048576\r\n\r\n" + b"a" * 65536)
            else:                       # chunked: refused once past the form limit
                s.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                          + (b"10000\r\n" + b"a" * 65536 + b"\r\n") * 2)
            socks.append(s)
        start = time.monotonic()
        answers = [answer(s) for s in socks]
        for s in socks:
            s.close()
        assert time.monotonic() - start < 2
        assert all(a == b"" or code(a) == 413 for a in answers)
        assert sum(code(a) == 413 for a in answers) >= 20
    assert rss_kb(server.process.pid) - before < 16 * 1024
    assert folder_bytes(server.tmp) == 0
    ordinary_ok(server)


def test_a_refused_body_carries_the_security_headers_every_answer_does(server):
    s = raw(server.base)
    s.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
              b"Content-Length: 1048576\r\n\r\n")
    got = answer(s)
    s.close()
    head = got.split(b"\r\n\r\n", 1)[0].lower()
    assert code(got) == 413
    assert b"\r\nx-content-type-options: nosniff" in head and b"\r\ncontent-security-policy: " in head
    assert b"\r\nx-frame-options: deny" in head


def test_a_stalled_form_body_gets_408(server):
    s = raw(server.base)
    s.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nname=a")
    start = time.monotonic()
    got = answer(s)
    s.close()
    assert code(got) == 408
    assert 1.5 < time.monotonic() - start < 4                 # body_timeout_s = 2


def test_anonymous_upload_body_is_answered_before_it_is_read(server, station):
    """900 MB announced to the upload route without a login: answered at once, nothing stored."""
    partial = station.paths.state / "uploads-partial"
    before = rss_kb(server.process.pid)
    # The CSRF check refuses it, before the body is read (with no token, or a forged one).
    for token, expected in ((b"", 400), (b"X-CSRF-Token: forged\r\n", 400)):
        socks = []
        for _ in range(3):
            s = raw(server.base)
            s.sendall(b"PUT /dj/uploads/" + b"0" * 32 + b"?offset=0 HTTP/1.1\r\nHost: x\r\n" + token +
                      b"Content-Type: application/octet-stream\r\nContent-Length: 943718400\r\n\r\n"
                      + b"a" * (1 << 20))
            socks.append(s)
        start = time.monotonic()
        answers = [answer(s) for s in socks]
        for s in socks:
            s.close()
        assert time.monotonic() - start < 2
        assert [code(a) for a in answers] == [expected] * 3
        assert all(b"connection: close" in a.lower() for a in answers)
    assert folder_bytes(server.tmp) == 0 and folder_bytes(partial) == 0
    assert rss_kb(server.process.pid) - before < 16 * 1024


def test_logged_in_upload_without_csrf_token_is_refused_before_the_body(server):
    dj = Session(server.base).login("dj1")
    status, created = dj.create_upload("night", "show.mp3", 50 << 20)
    assert status == 200, created
    s = raw(server.base, ORDINARY)
    cookie = "; ".join(f"{k}={v}" for k, v in dj.cookies.items()).encode()
    s.sendall(b"PUT /dj/uploads/" + created["id"].encode() + b"?offset=0 HTTP/1.1\r\nHost: x\r\nCookie: "
              + cookie + b"\r\nContent-Type: application/octet-stream\r\nContent-Length: 52428800\r\n\r\n"
              + b"a" * 65536)
    got = answer(s)
    s.close()
    assert code(got) == 400
    assert dj.request("GET", f"/dj/uploads/{created['id']}")[2].count(b'"offset":0') == 1
    dj.request("DELETE", f"/dj/uploads/{created['id']}", headers={"X-CSRF-Token": dj.csrf})


def test_thousands_of_half_sent_requests_from_one_address_leave_others_served(server):
    """2,500 requests whose body never comes, from one address: more than the server's file
    descriptors. Over the per-address limit they are turned away at once; now-playing answers."""
    socks, refused = [], 0
    try:
        for _ in range(2500):
            try:
                s = raw(server.base, timeout=5)
                s.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
                socks.append(s)
            except OSError:
                refused += 1
        latencies = [ordinary_ok(server) for _ in range(20)]
        assert max(latencies) < 0.5, latencies
        assert get(server.base, "/schedule")[0] == 200
    finally:
        for s in socks:
            s.close()
    assert "refused a connection over the per-address limit from 127.0.0.1" in log_of(server)


def test_one_address_cannot_hold_every_feed_place(server):
    feeds = []
    try:
        statuses = []
        for _ in range(5):
            s = raw(server.base)
            s.sendall(b"GET /api/now-playing/events HTTP/1.1\r\nHost: x\r\n\r\n")
            first = s.recv(4096)
            statuses.append(code(first))
            feeds.append(s)
        assert statuses.count(200) == 3                 # feeds_per_address = 3
        assert statuses.count(503) == 2
        other = raw(server.base, ORDINARY)
        other.sendall(b"GET /api/now-playing/events HTTP/1.1\r\nHost: x\r\n\r\n")
        assert code(other.recv(4096)) == 200
        feeds.append(other)
    finally:
        for s in feeds:
            s.close()
    assert f"refused a live feed over the per-address limit from {ATTACKER}" in log_of(server)


def test_the_per_address_connection_limit_answers_503(server):
    socks = [raw(server.base) for _ in range(40)]
    try:
        time.sleep(0.2)
        extra = raw(server.base)
        assert code(answer(extra)) == 503
        extra.close()
        assert ordinary_ok(server) < 1
    finally:
        for s in socks:
            s.close()
    time.sleep(0.2)
    assert get(server.base, "/api/now-playing", source=ATTACKER)[0] == 200     # places given back


def test_clients_that_reset_mid_headers_leave_no_place_taken(server):
    for _ in range(60):
        s = raw(server.base)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.sendall(b"GET / HTTP/1.1\r\nHost:")
        s.close()                       # RST
    time.sleep(0.3)
    assert get(server.base, "/api/now-playing", source=ATTACKER)[0] == 200


def test_a_body_right_after_an_answer_on_a_keep_alive_connection_is_not_taken_for_headers(server):
    """Flask's answer goes out in pieces: a quick client has read it whole (Content-Length) and sent
    the next request, body and all, before the server marks the answer complete. That body is
    the next request's, not headers over the limit."""
    dj = Session(server.base).login("dj1")
    host, port = server.base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10, source_address=(ORDINARY, 0))
    cookie = "; ".join(f"{k}={v}" for k, v in dj.cookies.items())
    body = b"not audio " * 23_000
    try:
        for n in range(3):
            conn.request("POST", "/dj/shows/night/uploads", body=f"name=x{n}.mp3&size={len(body)}&csrf_token={dj.csrf}",
                         headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
            r = conn.getresponse()
            created = json.loads(r.read())
            conn.request("PUT", f"/dj/uploads/{created['id']}?offset=0", body=body,
                         headers={"Cookie": cookie, "X-CSRF-Token": dj.csrf, "Content-Type": "application/octet-stream"})
            r = conn.getresponse()
            answer_ = json.loads(r.read())
            assert r.status == 422 and "not an audio file" in answer_["error"], (r.status, answer_)
    finally:
        conn.close()
    assert "refused headers over the size limit from 127.0.0.2" not in log_of(server)
