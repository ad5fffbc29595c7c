"""A live DJ through a real `radiod run` on the default engine: the DJ's tone is on every output of
the air (the sound card's null sink, an Icecast MP3 mount on a real icecast2, the HLS stream, the
compliance logger's files), the DJ's
metadata becomes live rows in the play log's hash chain, and `radiod verify-log` accepts it."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from audio_capture import Capture, private_pulse
from radiod.accounts.users import Accounts
from radiod.clock import SystemClock
from radiod.playout.control import send_command
from radiod.playout.messages import LiveLogSong
from radiod.store import open_db
from tests.playout.daemon_station import RADIOD, Daemon, make_station, now_playing, rows, wait_for
from tests.streams.test_streams_daemon import HlsCollector, Recorder, icecast_at
from tests.streams.tones import decode, runs

from .rig import DJ_HZ, PASSWORD, dj, send_song

PORT = 21003
ICECAST_PORT = 21004
TONES = {"a": 440.0, "b": 554.0, "c": 659.0, "show": 330.0, "dj": float(DJ_HZ)}
SCHEDULE = {
    "station.toml": '[station]\nname = "Test FM"\ntimezone = "UTC"\ndjs = ["kim"]\n',
    "shows.toml": '[show.night]\ntitle = "Night Moves"\nkind = "live"\nhosts = ["kim"]\n',
    "grid.toml": '[[slot]]\ndays = "daily"\nstart = "00:00"\nend = "24:00"\nshow = "night"\n',
}


def names(found: list) -> list[str]:
    """The tones heard for at least half a second, in order, repeats folded."""
    seq = [r.name for r in found if r.name not in ("", "?") and r.length_s >= 0.5]
    return [n for i, n in enumerate(seq) if i == 0 or seq[i - 1] != n]


def harbor_listens() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def aired(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("live-daemon")
    station, _ = make_station(tmp, song_ms=3000, show_ms=4000, minutes=5, lead_ms=1000)
    with (station / "radiod.toml").open("a") as toml:
        toml.write(f"[liquidsoap]\nlive_input = true\nharbor_port = {PORT}\nlive_grace_minutes = 0\n"
                   '[logger]\nenabled = true\nformat = "flac"\n'
                   "[streams]\nhls_bitrates = [64]\nhls_segment_seconds = 2\nhls_segments = 30\n"
                   f'icecast = ["icecast://source:srcpw@127.0.0.1:{ICECAST_PORT}/radio.mp3"]\n')
    (station / "schedules").mkdir()
    for name, text in SCHEDULE.items():
        (station / "schedules" / name).write_text(text)
    conn = open_db(station / "radiod.db")
    Accounts(conn, SystemClock()).add_user("kim", "dj", PASSWORD, shows=("night",))
    conn.close()
    with icecast_at(tmp, ICECAST_PORT) as icecast, private_pulse(tmp) as pulse, Capture(pulse) as cap:
        daemon = Daemon(station, tmp / "daemon.log")
        try:
            wait_for(harbor_listens, 40, "the harbor to listen")
            wait_for(lambda: len(rows(station)) >= 1, 30, "automation on air")
            wait_for(lambda: "/radio.mp3" in icecast.mounts(), 40, "the mount on icecast")
            hls = HlsCollector(station / "state" / "hls", "live-64.m3u8")
            mount = Recorder(icecast.url + "/radio.mp3", tmp / "mount.mp3", 22)
            client = dj(PORT, "kim", DJ_HZ, 7)
            time.sleep(3)
            dj_now = now_playing(station)
            song_reply = send_song(PORT, "kim", "Local Band - Great Song")
            time.sleep(1.5)
            song_now = now_playing(station)
            # The live-log page's "on now" (the panel's command): a stranger is refused, the host's song logged.
            log_replies = [send_command(station / "state" / "control.sock", LiveLogSong(user, "Typed Song", "Duo",
                                                                                        press="p1"))
                           for user in ("nobody", "kim", "kim")]
            time.sleep(0.5)
            client.wait(30)
            time.sleep(6)                     # automation back for a while, the last segments written
            segments = hls.stop()
            mount.join()
        finally:
            code = daemon.terminate()
    verify = subprocess.run([*RADIOD, "--station", str(station), "verify-log"], capture_output=True, text=True)
    sink = cap.frames.astype(np.float64).mean(axis=1)
    hls_file = tmp / "hls.ts"
    hls_file.write_bytes(b"".join(data for _, data in segments))
    logger = [decode(p) for p in sorted((station / "logger").rglob("*.flac"))]
    return {"dj_now": dj_now, "song_now": song_now, "code": code, "log": daemon.log(), "rows": rows(station), "verify": verify, "reply": song_reply,
            "log_replies": log_replies,
            "sink": runs(sink, TONES), "hls": runs(decode(hls_file), TONES), "icecast": runs(decode(tmp / "mount.mp3"), TONES),
            "logger": runs(np.concatenate(logger) if logger else np.zeros(0), TONES)}


def test_the_dj_is_on_the_sound_card_the_icecast_mount_the_hls_stream_and_the_logger_between_automation(aired):
    assert aired["code"] == 0, aired["log"][-3000:]
    for output in ("sink", "icecast", "hls", "logger"):
        heard = names(aired[output])
        assert "dj" in heard, (output, heard)
        at = heard.index("dj")
        assert at > 0 and at < len(heard) - 1, (output, heard)      # automation before and after
        assert heard.count("dj") == 1, (output, heard)


def test_the_live_rows_are_in_the_play_logs_chain(aired):
    live = [r for r in aired["rows"] if r["source"] == "live"]
    assert [(r["title"], r["artist"], r["show"]) for r in live] == [
        ("Night Moves (live)", "kim", "Night Moves"), ("Great Song", "Local Band", "Night Moves"),
        ("Typed Song", "Duo", "Night Moves")]
    assert aired["log_replies"] == [
        {"ok": False, "error": "nobody is not a host of Night Moves, the show on air live"},
        {"ok": True, "logged": True, "show": "Night Moves"},
        {"ok": True, "logged": False, "why": "this press was logged already"}]
    assert live[2]["started_at_ms"] == live[1]["ended_at_ms"] and live[2]["detail"].startswith("live log: kim")
    assert all(r["ended_at_ms"] is not None for r in live)
    assert aired["verify"].returncode == 0, aired["verify"].stdout + aired["verify"].stderr
    assert "live input on: DJs connect to icecast://USER:PASSWORD@HOST:21003/live" in aired["log"]


def test_now_playing_names_the_live_show_then_the_djs_song(aired):
    assert aired["dj_now"] is not None and aired["dj_now"]["now"]["title"] == "Night Moves (live)"
    assert aired["dj_now"]["now"]["artist"] == "kim" and aired["dj_now"]["now"]["source"] == "live"
    assert aired["dj_now"]["state"] == "live"              # not "paused": the DJ is on air
    assert (aired["song_now"]["now"]["title"], aired["song_now"]["now"]["artist"]) == ("Great Song", "Local Band")
