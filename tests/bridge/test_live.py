"""Live DJs through the harbor, with a real Liquidsoap, the real engine and ffmpeg as the DJ.

A DJ is refused outside their slot, takes over (faded) during it, their metadata becomes play
rows (source live), automation resumes when they disconnect, and the slot's end disconnects them.
"""

from __future__ import annotations

import base64
import subprocess
import threading
import time
import urllib.request
from datetime import timedelta

import pytest

from radiod.accounts.users import Accounts
from radiod.bridge.harbor import HarborAuth, LiveSlot, accounts_login
from radiod.bridge.liquidsoap import LiquidsoapPlayer, connect_engine
from radiod.clock import SystemClock
from radiod.config import PlayoutConfig
from radiod.playlog.store import PlayLog
from radiod.playout.engine import Engine
from radiod.playout.messages import GetStatus
from radiod.schedule.log import LogItem
from radiod.store import open_db

from .helpers import free_port, read_pcm, segments, station, tone, wait_until

AUTO = [300, 500]          # automation alternates these tones
KIM, LEE = 2000, 2600      # what each DJ sends
PASSWORD = "correct horse battery"


def dj(port: int, user: str, freq: int, seconds: int) -> subprocess.Popen:
    """ffmpeg as a DJ's source client, streaming a tone as MP3 to the harbor in real time."""
    return subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i", f"sine=frequency={freq}:sample_rate=44100",
         "-t", str(seconds), "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k", "-content_type", "audio/mpeg",
         "-f", "mp3", f"icecast://{user}:{PASSWORD.replace(' ', '%20')}@127.0.0.1:{port}/live"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def send_song(port: int, user: str, song: str) -> bytes:
    """What DJ software does when a song starts: the Icecast metadata update."""
    query = urllib.parse.urlencode({"mount": "/live", "mode": "updinfo", "song": song})
    req = urllib.request.Request(f"http://127.0.0.1:{port}/admin/metadata?{query}")
    req.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode())
    return urllib.request.urlopen(req, timeout=10).read()


@pytest.fixture(scope="module")
def show(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("live")
    port = free_port()
    config = station(tmp, f'[playout]\noutput = "file:out.raw"\nfade_out_ms = 300\n'
                          f'[liquidsoap]\nharbor_port = {port}\nlive_grace_minutes = 0\n')
    clock = SystemClock()
    conn = open_db(config.paths.database)
    accounts = Accounts(conn, clock)
    accounts.add_user("kim", "dj", PASSWORD, shows=("night",))
    accounts.add_user("lee", "dj", PASSWORD, shows=("morning",))
    now = clock.now()
    slots = {"night": LiveSlot("night", "Night Moves", now - timedelta(minutes=5), now + timedelta(hours=1)),
             "morning": LiveSlot("morning", "Morning", now + timedelta(hours=2), now + timedelta(hours=3))}
    harbor = HarborAuth(accounts_login(accounts), lambda start, end: list(slots.values()), clock, timedelta(0))
    player = LiquidsoapPlayer(config, clock, harbor=harbor)
    player.check_output()
    paths = [tone(tmp, f"auto{f}.wav", 1000, f) for f in AUTO]
    t0 = clock.now() + timedelta(seconds=1)
    items = [LogItem(start=t0 + timedelta(seconds=n), length_ms=1000, kind="music", source="rotation",
                     usage="feature", path=paths[n % 2], cue_out_ms=1000, title=f"Auto {n}", artist="Robot")
             for n in range(120)]
    playlog = PlayLog(conn)
    # Wired as the daemon wires it: the station player pauses the engine for live DJs.
    engine = Engine(player, clock, playlog, PlayoutConfig(preroll_ms=500, fade_out_ms=300), items=items)
    connect_engine(player, engine)

    def status() -> dict:
        return engine.command(GetStatus()).result(timeout=5)       # asked of the engine's own thread

    thread = threading.Thread(target=engine.run, daemon=True)
    thread.start()
    record: dict = {"port": port, "player": player, "playlog": playlog, "slots": slots, "clock": clock}
    try:
        wait_until(lambda: player.on_air == "auto", timeout_s=30)
        # 1. Lee's show is in two hours: refused, nothing of Lee's reaches the air.
        lee = dj(port, "lee", LEE, 3)
        record["lee_rc"] = lee.wait(30)
        record["lee_err"] = lee.stderr.read()
        record["on_air_after_lee"] = player.on_air
        # 2. Kim, during Night Moves: on air, announces a song, disconnects after 8 s (the song
        #    title travels with the audio, behind the harbor's 2 s buffer).
        kim = dj(port, "kim", KIM, 8)
        wait_until(lambda: player.on_air == "live", timeout_s=20)
        wait_until(lambda: status()["state"] == "live", timeout_s=5)
        record["status_live"] = status()
        record["song_reply"] = send_song(port, "kim", "Local Band feat. Guest - Great Song")
        record["kim_rc"] = kim.wait(30)
        wait_until(lambda: player.on_air == "auto", timeout_s=30)
        wait_until(lambda: status()["state"] != "live", timeout_s=5)
        record["status_after"] = status()
        record["resumed_1"] = clock.monotonic_ms()
        time.sleep(1.5)
        # 3. Night Moves ends 3 s after Kim reconnects: the harbor drops Kim at the slot's end.
        slots["night"] = LiveSlot("night", "Night Moves", now - timedelta(minutes=5), clock.now() + timedelta(seconds=4))
        kim = dj(port, "kim", KIM, 60)
        wait_until(lambda: player.on_air == "live", timeout_s=20)
        live_from = clock.monotonic_ms()
        wait_until(lambda: player.on_air != "live", timeout_s=30)
        record["second_live_ms"] = clock.monotonic_ms() - live_from
        record["kim_cut_rc"] = kim.wait(30)
        wait_until(lambda: player.on_air == "auto", timeout_s=30)
        time.sleep(1.5)
    finally:
        engine.stop()
        thread.join(10)
    record["rows"] = playlog.plays()
    record["pcm"] = read_pcm(tmp / "out.raw")
    return record


def test_a_dj_outside_their_slot_is_refused(show):
    assert show["lee_rc"] != 0
    assert "401" in show["lee_err"]
    assert show["on_air_after_lee"] == "auto"
    assert LEE not in [f for f, _, _ in segments(show["pcm"], AUTO + [KIM, LEE])]


def test_the_dj_takes_over_and_automation_resumes_after_each_live_stretch(show):
    runs = [f for f, _, _ in segments(show["pcm"], AUTO + [KIM, LEE], min_ms=200)]
    sequence = [("live" if f == KIM else "auto") for f in runs if f is not None]
    collapsed = [k for i, k in enumerate(sequence) if i == 0 or sequence[i - 1] != k]
    assert collapsed == ["auto", "live", "auto", "live", "auto"]


def test_the_status_says_who_is_live_then_automation(show):
    """The harbor's switch tells the engine who is live (the status the panel and ctl read)."""
    assert show["status_live"]["live"]["dj"] == "kim" and show["status_live"]["live"]["show"] == "Night Moves"
    assert show["status_after"]["state"] == "playing" and "live" not in show["status_after"]


def test_the_slot_end_disconnects_the_dj(show):
    assert show["kim_cut_rc"] != 0                    # ffmpeg lost its connection, it did not finish
    assert show["second_live_ms"] < 15_000            # well before its 60 s of audio ran out


def test_live_segments_are_logged_as_plays_with_the_djs_metadata(show):
    live = [r for r in show["rows"] if r["source"] == "live"]
    assert [(r["title"], r["artist"], r["usage"], r["show"]) for r in live] == [
        ("Night Moves (live)", "kim", "talk", "Night Moves"),
        ("Great Song", "Local Band feat. Guest", "feature", "Night Moves"),
        ("Night Moves (live)", "kim", "talk", "Night Moves"),
    ]
    assert live[1]["artist_keys"] == ["local band", "guest"]
    assert all(r["ended_at_ms"] is not None and r["played_ms"] > 0 for r in live)
    # Rows follow each other: automation, live, automation, live, automation.
    kinds = [("live" if r["source"] == "live" else "auto") for r in show["rows"]]
    collapsed = [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k]
    assert collapsed == ["auto", "live", "auto", "live", "auto"]

