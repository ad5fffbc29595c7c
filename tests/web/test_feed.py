"""Now playing through a real `radiod web`: the document the daemon's writer made, served byte for
byte from the event loop and from Flask alike, and the live feed (served only from the event
loop) with its places counted over every worker process."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from radiod.config import load_config

from feed_support import Feed
from panel_support import RadiodWeb, make_station, now_doc, write_now_playing

def get(url: str, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return load_config(make_station(tmp_path_factory.mktemp("feed") / "station", hide_next=True,
                                    web="workers = 1\nsse_clients = 2"), env={})


@pytest.fixture(scope="module")
def server(config):
    write_now_playing(config, now_doc("Low Tide", "Quiet Harbours", next_title="Secret Upcoming"))
    with RadiodWeb(config.station_dir) as url:
        yield url


def wait_for(url: str, title: str) -> None:
    deadline = time.monotonic() + 10
    while json.loads(get(url, "/api/now-playing")[2])["now"]["title"] != title:
        assert time.monotonic() < deadline, f"the server never served {title}"
        time.sleep(0.05)


def test_the_event_loop_and_flask_serve_the_daemons_bytes_with_one_etag(server, config):
    write_now_playing(config, now_doc("Same Bytes", "Band", next_title="Secret Upcoming"))
    wait_for(server, "Same Bytes")
    written = config.now_playing_file.read_bytes()
    status, fast, body = get(server, "/api/now-playing")
    _, flask, flask_body = get(server, "/api/now-playing?via=flask")   # a query string goes to Flask
    assert status == 200 and body == written == flask_body
    assert b"Secret Upcoming" not in body and "next" not in json.loads(body)   # filtered when written
    assert {k: v for k, v in fast.items() if k != "date"} == {k: v for k, v in flask.items() if k != "date"}
    for path in ("/api/now-playing", "/api/now-playing?via=flask"):
        status, headers, body = get(server, path, {"If-None-Match": fast["etag"]})
        assert status == 304 and body == b"" and headers["etag"] == fast["etag"], path


def test_the_feed_sends_the_current_document_then_each_change(server, config):
    write_now_playing(config, now_doc("One", "Band", next_title="Secret Upcoming"))
    wait_for(server, "One")
    feed = Feed(server)
    try:
        assert feed.status == 200 and feed.headers["content-type"] == "text/event-stream"
        assert feed.headers["x-accel-buffering"] == "no" and feed.headers["cache-control"] == "no-cache"
        head, data = feed.event()
        assert head.startswith(b"retry: 1000\nid: ") and b"event: now-playing\n" in head
        assert data == config.now_playing_file.read_bytes()
        assert b"Secret Upcoming" not in data and b'"next"' not in data
        write_now_playing(config, now_doc("Two", "Band", next_title="Secret Upcoming"))
        head2, data2 = feed.event()
        assert int(head2.split(b"id: ")[1].split(b"\n")[0]) > int(head.split(b"id: ")[1].split(b"\n")[0])
        assert json.loads(data2)["now"]["title"] == "Two" and data2 == config.now_playing_file.read_bytes()
    finally:
        feed.close()


def test_listeners_beyond_the_cap_are_told_to_poll_and_a_place_frees_when_one_leaves(server):
    feeds = [Feed(server) for _ in range(2)]                   # sse_clients = 2
    try:
        assert [f.status for f in feeds] == [200, 200]
        for f in feeds:
            f.event()
        status, headers, body = get(server, "/api/now-playing/events")
        assert status == 503 and headers["retry-after"] == "10" and b"poll /api/now-playing" in body
        feeds.pop(0).close()
        deadline = time.monotonic() + 10
        # (This listener sends a session cookie: the feed is public and never reads one.)
        while (third := Feed(server, cookie="radiod_session=x")).status != 200:   # the hang-up is seen at once
            third.close()
            assert time.monotonic() < deadline, "the place never came back"
            time.sleep(0.05)
        feeds.append(third)
    finally:
        for f in feeds:
            f.close()


def workers_of(pid: int, count: int = 2) -> list[int]:
    deadline = time.monotonic() + 20
    while True:
        pids = sorted(int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
        if len(pids) == count or time.monotonic() > deadline:
            return pids
        time.sleep(0.05)


def test_feed_limits_hold_across_both_workers(tmp_path):
    """Each worker is stopped in turn (SIGSTOP), so the other one must take the next feeds: both
    hold some, and the limits, in all and per address, still count them together."""
    config = load_config(make_station(tmp_path / "st", web="workers = 2\nsse_clients = 4\nfeeds_per_address = 2"),
                         env={})
    write_now_playing(config, now_doc("Shared", "Band"))
    server = RadiodWeb(config.station_dir)
    feeds: list[Feed] = []
    with server as url:
        first, second = workers_of(server.process.pid)
        try:
            os.kill(second, signal.SIGSTOP)                     # only the first worker accepts
            feeds += [Feed(url, "127.0.0.3"), Feed(url, "127.0.0.4")]
            for f in feeds:
                f.event()
            os.kill(second, signal.SIGCONT)
            os.kill(first, signal.SIGSTOP)                      # now only the second does
            same_address = Feed(url, "127.0.0.3")
            assert same_address.status == 200
            feeds.append(same_address)
            feeds[-1].event()
            # 127.0.0.3 holds one feed in each worker: a third is over feeds_per_address = 2.
            over = Feed(url, "127.0.0.3")
            assert over.status == 503 and over.headers["retry-after"] == "10"
            over.close()
            feeds.append(Feed(url, "127.0.0.5"))
            assert feeds[-1].status == 200
            feeds[-1].event()
            # Four feeds in all, two in each worker: a fifth is over sse_clients = 4.
            full = Feed(url, "127.0.0.6")
            assert full.status == 503
            full.close()
        finally:
            os.kill(first, signal.SIGCONT)
            os.kill(second, signal.SIGCONT)
            for f in feeds:
                f.close()
    log = (config.station_dir / "web.log").read_text()
    assert "refused a live feed over the per-address limit from 127.0.0.3" in log
    assert server.process.returncode == 0
