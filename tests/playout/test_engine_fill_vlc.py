"""A short gap before a hard item, filled for real: the engine on real libVLC into a private null
sink, the air recorded from its monitor. The fill piece (a cut of a long fallback tone) sounds in
the gap, fades, and is silent by the hard start, which lands on its instant."""

from __future__ import annotations

import threading
import time

import numpy as np

from radiod.clock import SystemClock, from_ms
from radiod.config import PlayoutConfig
from radiod.playlog.store import PlayLog
from radiod.playout.engine import Engine
from radiod.playout.fallback import Fallback
from radiod.playout.vlc_player import VlcPlayer
from radiod.schedule.log import LogItem
from radiod.store import open_db

from tests.audio_capture import LEFT, Capture, private_pulse, write_tone

RATE = 44100


def tone_item(path, start_ms, length_ms, title, timing="follow", source="rotation"):
    return LogItem(start=from_ms(start_ms), length_ms=length_ms, kind="music", source=source, usage="feature",
                   timing=timing, path=str(path), cue_out_ms=length_ms, title=title)


def test_a_gap_of_1_2_s_before_a_hard_start_is_music_not_silence(tmp_path):
    song = write_tone(tmp_path / "song.wav", 440, 3000, channel=LEFT)
    hard = write_tone(tmp_path / "hard.wav", 660, 2000, channel=LEFT)
    fill = write_tone(tmp_path / "fill.wav", 1100, 60_000, channel=LEFT)
    with private_pulse(tmp_path) as pulse, Capture(pulse) as cap:
        clock = SystemClock()
        t0 = int(time.time() * 1000) + 8000          # the stream opens with 3 s of preamble: time to settle
        items = [tone_item(song, t0, 3000, "song", timing="hard"),
                 tone_item(hard, t0 + 4200, 2000, "hard", timing="hard")]
        fallback = Fallback([tone_item(fill, t0, 60_000, "fill", source="fallback")])
        conn = open_db(tmp_path / "r.db")
        player = VlcPlayer(clock, output="auto", cache_dir=tmp_path / "cache", state_dir=tmp_path)
        engine = Engine(player, clock, PlayLog(conn), PlayoutConfig(fade_out_ms=300, preroll_ms=2000),
                        items=items, fallback=fallback)
        thread = threading.Thread(target=engine.run, daemon=True)
        thread.start()
        time.sleep((t0 + 6800 - time.time() * 1000) / 1000)
        engine.stop()
        thread.join(timeout=10)
    rows = [r for r in PlayLog(conn).plays() if t0 + 2900 <= r["started_at_ms"] <= t0 + 4300]
    assert [(r["title"], r["end_reason"]) for r in rows] == [("fill", "cut"), ("hard", "end")]
    assert abs(rows[0]["started_at_ms"] - (t0 + 3000)) <= 10 and abs(rows[0]["played_ms"] - 1200) <= 2
    wall_minus_mono = time.time() * 1000 - time.monotonic() * 1000
    x = cap.frames[:, LEFT].astype(np.float64) / 32767

    def at(wall_ms: float) -> int:
        return cap.frame_at(wall_ms - wall_minus_mono)

    def freq(a: int, b: int) -> float:
        return np.count_nonzero(np.diff(np.signbit(x[a:b]))) / 2 / ((b - a) / RATE)

    gap_a, gap_b = at(t0 + 3000), at(t0 + 4200)
    # The gap is sound: the fill tone from its first 20 ms to the start of its fade.
    mid = slice(gap_a + 882, gap_b - 300 * RATE // 1000)
    assert np.abs(x[mid]).min() < 0.5 and np.sqrt(np.mean(x[mid] ** 2)) > 0.2
    assert abs(freq(gap_a + 882, gap_a + 10 * 882) - 1100) < 30
    # Faded out by the hard start: from 10 to 5 ms before it, far below the tone's level (the hard
    # start itself may land up to its goal of 5 ms early; measured here: 2-3 ms early).
    tail = x[gap_b - 441:gap_b - 221]
    assert np.sqrt(np.mean(tail ** 2)) < 0.05
    # The hard item comes in on its instant (within the rig's 10 ms) with its own tone.
    loud = np.flatnonzero(np.abs(x[gap_b - 441:gap_b + 2205]) > 0.1)     # the fade is below 0.1 here
    onset_hard = gap_b - 441 + int(loud[0])
    assert abs(onset_hard - gap_b) * 1000 / RATE <= 10
    assert abs(freq(gap_b + 882, gap_b + 10 * 882) - 660) < 30
