"""Listener figures from a real Icecast 2 server on 127.0.0.1, fed by ffmpeg, with real listeners."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from icecast_server import Listener, icecast_server, wait_until
from radiod.clock import FakeClock, to_ms
from radiod.playlog.listeners import ListenerPoller, http_fetch, parse_icestats


@pytest.fixture
def icecast(tmp_path):
    with icecast_server(tmp_path) as server:
        yield server


def test_listener_figures_from_a_real_icecast(icecast, log):
    url, add_source, _ = icecast
    status = f"{url}/status-json.xsl"
    clock = FakeClock(datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc))
    poller = ListenerPoller(log, status, clock=clock)
    assert parse_icestats(http_fetch(status)) == {}          # no mount: 'source' absent
    assert poller.poll_once() == 0

    add_source("radio.mp3")                                  # one mount: 'source' is an object
    pid = log.open_play(started_at_ms=to_ms(clock.now()), source="rotation", usage="feature")
    listeners = [Listener(f"{url}/radio.mp3"), Listener(f"{url}/radio.mp3")]
    wait_until(lambda: parse_icestats(http_fetch(status)).get("/radio.mp3") == 2, "two listeners")
    clock.advance(10_000)
    assert poller.poll_once() == 2

    add_source("radio2.mp3")                                 # two mounts: 'source' is a list
    listeners.append(Listener(f"{url}/radio2.mp3"))
    wait_until(lambda: parse_icestats(http_fetch(status)) == {"/radio.mp3": 2, "/radio2.mp3": 1}, "three listeners")
    clock.advance(10_000)
    assert poller.poll_once() == 3

    listeners.pop(0).close()
    wait_until(lambda: parse_icestats(http_fetch(status)).get("/radio.mp3") == 1, "a listener to leave")
    clock.advance(10_000)
    assert poller.poll_once() == 2
    clock.advance(10_000)
    row = log.close_play(pid, ended_at_ms=to_ms(clock.now()), played_ms=40_000, end_reason="end")
    for listener in listeners:
        listener.close()

    assert (row["listeners_start"], row["listeners_peak"], row["listeners_end"]) == (0, 3, 2)
    assert row["listener_ms"] == (0 + 2 + 3 + 2) * 10_000
    assert row["performances"] == 3
