"""The live log's "on now" in the daemon: only a host of the show on air live may log a song; the
row opens at the instant the DJ's audio is heard, once per press, in the hash chain; encoder
metadata and the page's songs follow "the last one heard", never logging one song twice."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from radiod.clock import FakeClock, to_ms
from radiod.playlog.verify import verify_chain
from radiod.playout.messages import LiveLogSong, parse_command

from tests.live.livelog_rig import SHOW, LiveShow, add_people, add_track, station

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc)     # 10:00 in Toronto, inside Night Moves


@pytest.fixture
def show(tmp_path):
    clock = FakeClock(NOW)
    root = station(tmp_path / "station", NOW)
    rig = LiveShow(root, clock)
    add_people(rig.config, clock)
    rig.track_id = add_track(rig.config, clock)
    yield rig
    rig.close()


def heard_wall_ms(rig: LiveShow) -> int:
    """Where the stand-in mixer says the DJ's audio at this moment is heard, as a wall instant."""
    heard_mono = rig.player.live_heard_ms(rig.player.live.received)
    return to_ms(rig.clock.now()) + heard_mono - rig.clock.monotonic_ms()


def songs(rig: LiveShow) -> list[dict]:
    return [r for r in rig.rows() if r["usage"] == "feature"]


def test_the_shows_host_logs_a_typed_song_at_the_instant_it_is_heard(show):
    show.go_live("kim")
    show.clock.advance(timedelta(seconds=42))
    expected = heard_wall_ms(show)
    reply = show.desk.take_song(LiveLogSong("kim", "Harbour Lights", "The Gulls & Ana Roy", press="p1"),
                                show.find_track)
    assert reply == {"ok": True, "logged": True, "show": SHOW}
    talk = [r for r in show.rows() if r["usage"] == "talk"][0]
    song = songs(show)[0]
    assert talk["ended_at_ms"] == expected == song["started_at_ms"]
    assert talk["played_ms"] == 42_000            # from the DJ's first frame heard to the song heard
    assert (song["title"], song["artist"], song["source"], song["show"]) == \
        ("Harbour Lights", "The Gulls & Ana Roy", "live", SHOW)
    assert song["artist_keys"] == ["gulls", "ana roy"] and song["track_id"] is None
    assert show.posted[-1].title == "Harbour Lights"          # the engine shows it as on air
    show.clock.advance(timedelta(seconds=180))
    end = heard_wall_ms(show)
    show.drop()
    song = [r for r in show.playlog.plays() if r["usage"] == "feature"][0]
    assert song["ended_at_ms"] == end and song["played_ms"] == 180_000
    assert song["detail"] == "live log: kim; unmatched (as typed)"
    assert verify_chain(show.conn).ok


def test_a_library_match_carries_the_tracks_id_isrc_and_artist_keys(show):
    show.go_live("kim")
    show.clock.advance(timedelta(seconds=5))
    assert show.desk.take_song(LiveLogSong("ana", track_id=show.track_id, press="p1"), show.find_track)["logged"]
    song = songs(show)[0]
    assert (song["track_id"], song["title"], song["artist"], song["isrc"], song["label"]) == \
        (show.track_id, "Low Tide", "Quiet Harbours", "CAAB12600001", "Dock Records")
    assert song["artist_keys"] == ["quiet harbours"]
    show.clock.advance(timedelta(seconds=60))
    show.drop()
    assert [r["detail"] for r in show.playlog.plays() if r["usage"] == "feature"] == ["live log: ana"]
    assert verify_chain(show.conn).ok


@pytest.mark.parametrize("user,why", [
    ("lee", "lee is not a host of Night Moves, the show on air live"),
    ("boss", "boss is not a host of Night Moves, the show on air live"),
    ("nobody", "nobody is not a host of Night Moves, the show on air live"),
])
def test_others_are_refused_with_a_reason(show, user, why):
    show.go_live("kim")
    before = show.rows()
    assert show.desk.take_song(LiveLogSong(user, "A", "B", press="x"), show.find_track) == {"ok": False, "error": why}
    assert show.rows() == before


def test_nothing_is_logged_when_no_dj_is_live(show):
    assert show.desk.take_song(LiveLogSong("kim", "A", "B"), show.find_track) == \
        {"ok": False, "error": "no DJ is on air live now"}
    show.go_live("kim")
    show.clock.advance(1000)
    show.drop()
    assert show.desk.take_song(LiveLogSong("kim", "A", "B"), show.find_track)["ok"] is False
    assert songs(show) == []


def test_an_unknown_track_is_refused(show):
    show.go_live("kim")
    assert show.desk.take_song(LiveLogSong("kim", track_id=999_999), show.find_track) == \
        {"ok": False, "error": "no playable track 999999 in the library"}


def test_one_press_logs_once_and_the_last_song_heard_wins(show):
    show.go_live("kim")
    show.clock.advance(10_000)
    song = LiveLogSong("kim", "Harbour Lights", "The Gulls", press="press-1")
    assert show.desk.take_song(song, show.find_track)["logged"] is True
    show.clock.advance(300)
    assert show.desk.take_song(song, show.find_track) == \
        {"ok": True, "logged": False, "why": "this press was logged already"}         # the same press, retried
    show.encoder_song("the gulls", "harbour  lights")         # the encoder names the same song: no new row
    assert len(songs(show)) == 1
    show.clock.advance(200_000)
    show.encoder_song("Mira", "Second Song")                  # the encoder names the next one: it wins
    show.clock.advance(1000)
    again = LiveLogSong("ana", "Second Song", "Mira", press="press-2")
    assert show.desk.take_song(again, show.find_track)["logged"] is False     # the co-host a moment late
    show.clock.advance(150_000)
    show.desk.take_song(LiveLogSong("ana", "Third", "Mira", press="press-3"), show.find_track)
    show.clock.advance(5000)
    show.drop()
    rows = [r for r in show.playlog.plays() if r["usage"] == "feature"]
    assert [r["title"] for r in rows] == ["Harbour Lights", "Second Song", "Third"]
    assert [r["played_ms"] for r in rows] == [200_300, 151_000, 5000]
    done = subprocess.run([str(Path(sys.executable).parent / "radiod"), "--station", str(show.config.station_dir),
                           "verify-log"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [r["detail"] for r in rows] == ["live log: kim; unmatched (as typed)", "live: kim",
                                           "live log: ana; unmatched (as typed)"]
    # Rows follow each other without a gap or overlap, all in one verified chain.
    every = show.playlog.plays()
    assert all(a["ended_at_ms"] == b["started_at_ms"] for a, b in zip(every, every[1:]))
    assert verify_chain(show.conn).ok


def test_the_command_on_the_socket():
    assert parse_command({"cmd": "live-log", "user": "kim", "title": "T\x00itle", "artist": "A", "press": "p"}) == \
        LiveLogSong("kim", "T itle", "A", 0, "p")
    assert parse_command({"cmd": "live-log", "user": "kim", "track_id": 7}) == LiveLogSong("kim", track_id=7)
    for bad, why in [({"user": "kim"}, "give a track id or a title and artist"),
                     ({"title": "x"}, "user: who logs the song is needed"),
                     ({"user": "kim", "track_id": "7"}, "track_id: expected a track id"),
                     ({"user": "kim", "track_id": True}, "track_id: expected a track id")]:
        with pytest.raises(ValueError, match=why):
            parse_command({"cmd": "live-log", **bad})


def test_radiod_ctl_does_not_offer_it():
    from click.testing import CliRunner
    from radiod.cli.playout import ctl_command

    out = CliRunner().invoke(ctl_command, ["--help"]).output
    assert "insert" in out and "live-log" not in out


def test_the_daemon_hands_the_command_to_the_desk_with_the_librarys_track(show):
    from types import SimpleNamespace

    from radiod.daemon import Daemon
    from radiod.store import open_readonly

    off = SimpleNamespace(live=None)
    assert Daemon._live_log(off, LiveLogSong("kim", "A", "B")) == \
        {"ok": False, "error": "no live input on the default engine: no live show to log songs in"}
    daemon = SimpleNamespace(live=show.desk, config=show.config,
                             _connect_ro=lambda: open_readonly(show.config.paths.database))
    daemon._find_track = lambda track_id: Daemon._find_track(daemon, track_id)
    daemon._credit = lambda artist: Daemon._credit(daemon, artist)
    daemon._registry = lambda: Daemon._registry(daemon)
    show.go_live("kim")
    show.clock.advance(1000)
    assert Daemon._live_log(daemon, LiveLogSong("kim", track_id=show.track_id))["logged"] is True
    assert songs(show)[0]["isrc"] == "CAAB12600001"
    # A typed song goes through the artist registry: an alias counts as its artist, local included.
    show.clock.advance(1000)
    assert Daemon._live_log(daemon, LiveLogSong("kim", "Harbour Lights", "Gulls feat. Mira"))["logged"] is True
    typed = songs(show)[1]
    assert (typed["artist"], typed["artist_keys"], typed["local"], typed["track_id"]) == \
        ("Gulls feat. Mira", ["gulls", "mira"], True, None)
    show.clock.advance(1000)
    Daemon._live_log(daemon, LiveLogSong("kim", "Elsewhere", "Mira"))
    assert songs(show)[2]["local"] is False
