"""The now-playing pipeline end to end: a real `radiod run` (libVLC into a private PulseAudio null
sink) writes the document, `radiod web` on the same station serves it. What listeners get is the
daemon's file byte for byte, from the event loop, from Flask and in the live feed, and with
``playout.hide_next`` the next play is in none of them, because the daemon never wrote it."""

from __future__ import annotations

import json
import time
import urllib.request

from feed_support import Feed
from panel_support import RadiodWeb
from tests.audio_capture import private_pulse
from tests.playout.daemon_station import Daemon, make_station, rows, wait_for


def fetch(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read(), r.headers["ETag"]


def steady(read_file, read_served) -> tuple[bytes, bytes]:
    """(file, served) read while the daemon did not rewrite the file in between (it changes it
    on every play, so a read that straddles a change is tried again)."""
    deadline = time.monotonic() + 30
    while True:
        before = read_file()
        served = read_served()
        if read_file() == before == served or time.monotonic() > deadline:
            return before, served
        time.sleep(0.1)


def test_listeners_get_the_daemons_bytes_and_never_the_hidden_next_play(tmp_path):
    station, items = make_station(tmp_path, minutes=5)
    toml = station / "radiod.toml"
    toml.write_text(toml.read_text().replace("[playout]\n", "[playout]\nhide_next = true\n")
                    + '[web]\nsecret_key = "test-key-not-secret"\nworkers = 1\n')
    path = station / "state" / "now-playing.json"
    with private_pulse(tmp_path):
        daemon = Daemon(station, tmp_path / "daemon.log")
        try:
            with RadiodWeb(station) as url:
                # The document names the item as it is mixed; its play id follows when it is heard.
                on_air = wait_for(lambda: path.exists() and (json.loads(path.read_bytes()).get("now") or {})
                                  .get("play_id") and json.loads(path.read_bytes())["now"],
                                  what="the daemon's first now-playing document with a play on air")
                # The row reaches the database when the journal is drained (ids come from the journal).
                wait_for(lambda: on_air["play_id"] in {r["id"] for r in rows(station)},
                         what="the play's row in the database")
                written, served = steady(path.read_bytes, lambda: fetch(url + "/api/now-playing")[0])
                assert served == written
                assert b"\n" not in written and "next" not in json.loads(written)
                written, via_flask = steady(path.read_bytes, lambda: fetch(url + "/api/now-playing?via=flask")[0])
                assert via_flask == written

                def first_event() -> bytes:
                    feed = Feed(url)
                    try:
                        return feed.event()[1]
                    finally:
                        feed.close()

                written, event = steady(path.read_bytes, first_event)
                assert event == written
                # The play after the one on air appears nowhere a listener can read.
                titles = [i.title for i in items]
                following = titles[titles.index(json.loads(written)["now"]["title"]) + 1]
                for body in (written, served, via_flask, event):
                    assert f'"{following}"'.encode() not in body
        finally:
            daemon.terminate()
    assert "Traceback" not in daemon.log()
