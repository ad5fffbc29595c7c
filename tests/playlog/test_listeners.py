"""Listener figures from a real HTTP server serving Icecast status JSON."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from radiod.clock import FakeClock, to_ms
from radiod.playlog.listeners import ListenerPoller, parse_icestats

ONE_MOUNT = {"icestats": {"admin": "x", "source": {"listenurl": "http://127.0.0.1:8000/radio.mp3",
                                                    "listeners": 7, "server_name": "Demo FM"}}}
TWO_MOUNTS = {"icestats": {"source": [
    {"listenurl": "http://127.0.0.1:8000/radio.mp3", "listeners": 7},
    {"listenurl": "http://127.0.0.1:8000/radio.ogg", "listeners": 3}]}}
NO_MOUNT = {"icestats": {"admin": "x", "server_id": "Icecast 2.4.4"}}


def test_parse_one_several_and_no_mounts():
    assert parse_icestats(json.dumps(ONE_MOUNT)) == {"/radio.mp3": 7}
    assert parse_icestats(json.dumps(TWO_MOUNTS).encode()) == {"/radio.mp3": 7, "/radio.ogg": 3}
    assert parse_icestats(NO_MOUNT) == {}


@pytest.mark.parametrize("document", [b"<html>", b"{}", b'{"icestats":"server_start":"x","dummy":null}}',
                                      b'{"icestats": {"source": {"listeners": "many"}}}'])
def test_parse_refuses_what_is_not_a_status_document(document):
    with pytest.raises(ValueError):
        parse_icestats(document)


class StatusServer:
    """A real HTTP server on 127.0.0.1 whose status document the test changes."""

    def __init__(self):
        self.document: bytes = json.dumps(NO_MOUNT).encode()
        self.status = 200
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(server.document)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/status-json.xsl"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def serve(self, data: dict) -> None:
        self.document = json.dumps(data).encode()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = StatusServer()
    yield s
    s.close()


def test_poller_keeps_figures_per_play(server, log):
    clock = FakeClock(datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc))
    poller = ListenerPoller(log, server.url, clock=clock)
    assert poller.poll_once() == 0                       # server up, no mount yet
    pid = log.open_play(started_at_ms=to_ms(clock.now()), source="rotation", usage="feature")
    server.serve(ONE_MOUNT)
    clock.advance(10_000)
    assert poller.poll_once() == 7
    server.serve(TWO_MOUNTS)
    clock.advance(10_000)
    assert poller.poll_once() == 10
    clock.advance(10_000)
    row = log.close_play(pid, ended_at_ms=to_ms(clock.now()), played_ms=30_000, end_reason="end")
    assert (row["listeners_start"], row["listeners_peak"], row["listeners_end"]) == (0, 10, 10)
    assert row["listener_ms"] == 0 * 10_000 + 7 * 10_000 + 10 * 10_000
    assert row["performances"] == 0 + 7 + 3


def test_poller_counts_only_chosen_mounts(server, log):
    clock = FakeClock(datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc))
    server.serve(TWO_MOUNTS)
    assert ListenerPoller(log, server.url, clock=clock, mounts=["radio.ogg"]).poll_once() == 3


def test_unreachable_or_broken_server_keeps_the_last_figure(server, log):
    clock = FakeClock(datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc))
    poller = ListenerPoller(log, server.url, clock=clock)
    server.serve(ONE_MOUNT)
    pid = log.open_play(started_at_ms=to_ms(clock.now()), source="rotation", usage="feature")
    poller.poll_once()
    server.status = 500
    clock.advance(60_000)
    assert poller.poll_once() is None and "500" in poller.last_error
    server.status, server.document = 200, b"Icecast error"
    assert poller.poll_once() is None
    dead = ListenerPoller(log, "http://127.0.0.1:9/status-json.xsl", clock=clock)
    assert dead.poll_once() is None and dead.last_error
    row = log.close_play(pid, ended_at_ms=to_ms(clock.now()), played_ms=60_000, end_reason="end")
    assert row["listener_ms"] == 7 * 60_000 and row["listeners_end"] == 7


def test_injected_fetch_and_thread(log):
    clock = FakeClock(datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc))
    polled = threading.Event()

    def fetch(url):
        polled.set()
        return json.dumps(ONE_MOUNT).encode()

    poller = ListenerPoller(log, "http://unused", clock=clock, fetch=fetch, interval_ms=10)
    poller.start()
    assert polled.wait(5)
    poller.stop()
    pid = log.open_play(started_at_ms=to_ms(clock.now()), source="rotation", usage="feature")
    assert log.open_plays()[0]["listeners_start"] == 7   # a play starting later takes the last count
    assert pid


def test_a_play_log_that_refuses_costs_the_poller_one_line_and_it_goes_on_polling(caplog):
    clock = FakeClock(datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc))
    polls = threading.Semaphore(0)

    class FullDisk:
        """A play log whose journal cannot take the first three counts (a full disk)."""

        def __init__(self):
            self.calls = 0
            self.recorded: list[int] = []

        def record_listeners(self, at_ms: int, listeners: int) -> int:
            self.calls += 1
            polls.release()
            if self.calls <= 3:
                raise OSError(28, "No space left on device")
            self.recorded.append(listeners)
            return 0

    sink = FullDisk()
    poller = ListenerPoller(sink, "http://unused", clock=clock, fetch=lambda url: json.dumps(ONE_MOUNT).encode(),
                            interval_ms=10)
    with caplog.at_level("WARNING", logger="radiod.playlog.listeners"):
        poller.start()
        for _ in range(5):
            assert polls.acquire(timeout=5)
        poller.stop()
    assert sink.recorded and set(sink.recorded) == {7}           # the thread survived and records again
    assert [r.getMessage() for r in caplog.records] == [
        "listener figures not recorded: [Errno 28] No space left on device", "listener figures recorded again"]
