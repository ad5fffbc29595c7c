"""The HLS program date-times checked from outside: a real `radiod run` streams distinct tones as HLS
through a real Liquidsoap; every segment is decoded with ffmpeg, each tone change in it is dated
by the segment's EXT-X-PROGRAM-DATE-TIME plus its offset into the segment, and compared with the
play log's heard start of that item. Quiet, under a busy machine, after Liquidsoap was stalled
long enough for the air tap to drop blocks (a slow consumer), and after Liquidsoap was killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from audio_capture import private_pulse
from icecast_server import wait_until
from tests.playout.daemon_station import Daemon, make_station, rows

from .test_streams_daemon import TONES, HlsCollector, children, names
from .tones import decode, is_in_order, runs, sequence

# The bound, in ms, on |date-time + offset − play log start|. The measurement reads tone changes
# in 100 ms windows (±50 ms) and a segment opens on a Liquidsoap frame (40 ms); the encoder's own
# lead is taken off by radiod (hls.ENCODER_LEAD_S). 100 ms holds those and fails on an error of a
# few blocks; before radiod took the lead off, every run read +65…+175 ms.
BOUND_MS = 100
PHASE_S = 24
STARTUP_BOUND_MS = 500
AFTER_A_START = ("quiet", "after Liquidsoap was killed")


def dated_changes(tmp_path, segments: list[tuple[float, bytes]], plays: list[dict], in_order: bool = True
                  ) -> list[float]:
    """Each item's start read from the HLS stream (its segment's date-time plus the change's offset
    into it) minus its heard start in the play log, in ms. As in test_streams_daemon.hls_offsets,
    a segment is decoded behind the one before it, and a change with silence before it in its
    segment (the encoder's input ran dry) is left out: that is a gap on the stream, not a date."""
    joined = tmp_path / "hls.ts"
    joined.write_bytes(b"".join(data for _, data in segments))
    heard = sequence(decode(joined), TONES)
    collapsed = [n for i, n in enumerate(heard) if i == 0 or heard[i - 1] != n]   # an item cut by a gap
    assert not in_order or (len(collapsed) >= 3 and is_in_order(collapsed, names(plays))), (heard, names(plays))
    starts = [(r["title"].split(" #")[0], r["started_at_ms"]) for r in plays]
    errors = []
    for (_, before), (pdt, data) in zip(segments, segments[1:]):
        joined.write_bytes(before)
        lead_s = len(decode(joined)) / 44100
        joined.write_bytes(before + data)
        found = runs(decode(joined), TONES, min_windows=2)
        for run in found[1:]:
            gap = any(not r.name and lead_s <= r.start_s < run.start_s for r in found)
            if run.name and not gap and lead_s + 0.2 <= run.start_s < lead_s + 1.9:
                at = (pdt + run.start_s - lead_s) * 1000
                errors.append(at - min((s for n, s in starts if n == run.name), key=lambda s: abs(s - at)))
    return errors


def collect(hls, seconds: float) -> list[tuple[float, bytes]]:
    collector = HlsCollector(hls, "live-64.m3u8")
    time.sleep(seconds)
    return collector.stop()


def spread(errors_ms: list[float]) -> str:
    a = np.array(errors_ms)
    return (f"n={len(a)} min {a.min():+.0f} p50 {np.median(a):+.0f} max {a.max():+.0f} "
            f"|err| p90 {np.percentile(np.abs(a), 90):.0f} ms")


@pytest.mark.slow
def test_hls_date_times_say_when_each_segments_audio_was_heard(tmp_path):
    station, _ = make_station(tmp_path, song_ms=3000, show_ms=4000, minutes=6, lead_ms=1000)
    with (station / "radiod.toml").open("a") as toml:
        toml.write("[streams]\nhls_bitrates = [64]\nhls_segment_seconds = 2\nhls_segments = 10\n")
    hls = station / "state" / "hls"
    phases: dict[str, list[tuple[float, bytes]]] = {}
    with private_pulse(tmp_path):
        daemon = Daemon(station, tmp_path / "daemon.log")
        try:
            wait_until(lambda: (hls / "live-64.m3u8").exists()
                       and (hls / "live-64.m3u8").read_text().count(".ts") >= 3, "HLS segments", timeout_s=60)
            # The first seconds after Liquidsoap starts are dated late (docs/streams.md, an open
            # start-up limit: +150…+260 ms): measured, like the phase after the kill below, 6 s on.
            time.sleep(6)
            phases["quiet"] = collect(hls, PHASE_S)

            busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(3)]
            try:
                phases["loaded (3 busy loops on 2 cores)"] = collect(hls, PHASE_S)
            finally:
                for b in busy:
                    b.kill()
                    b.wait()

            # Liquidsoap stalled for 14 s: radiod's writes time out and the air tap's queue (10 s)
            # overflows, so blocks are dropped before the feed and in it.
            [encoder] = children(daemon.proc.pid, "liquidsoap")
            os.kill(encoder, signal.SIGSTOP)
            time.sleep(14)
            os.kill(encoder, signal.SIGCONT)
            # Liquidsoap catches up the 14 s it missed. What follows is an open limit
            # (docs/streams.md: dates off by seconds for a while), reported here, not bounded.
            stalled = collect(hls, 10 + PHASE_S)

            [encoder] = children(daemon.proc.pid, "liquidsoap")
            os.kill(encoder, signal.SIGKILL)
            wait_until(lambda: children(daemon.proc.pid, "liquidsoap") not in ([], [encoder]),
                       "a new Liquidsoap", timeout_s=20)
            time.sleep(6)
            phases["after Liquidsoap was killed"] = collect(hls, PHASE_S)
        finally:
            code = daemon.terminate()
    log = daemon.log()
    assert code == 0, log[-3000:]
    plays = rows(station)
    report, failures = [], []
    for phase, segments in phases.items():
        try:
            errors = dated_changes(tmp_path, segments, plays)
        except AssertionError as exc:           # items missing or out of order: say which phase
            failures.append((phase, str(exc)))
            continue
        report.append(f"{phase}: {spread(errors) if errors else 'no change measured'}")
        # The first change after a Liquidsoap start may still carry the start-up limit (docs/
        # streams.md: +150…+370 ms, seen 12 s after the start): held to its own bound, as in
        # test_streams_daemon; every later change to BOUND_MS.
        first_bound = STARTUP_BOUND_MS if phase in AFTER_A_START else BOUND_MS
        if len(errors) < 4 or abs(errors[0]) > first_bound or any(abs(e) > BOUND_MS for e in errors[1:]):
            failures.append((phase, [round(e) for e in errors]))
    errors = dated_changes(tmp_path, stalled, plays, in_order=False)
    report.append(f"34 s after a 14 s stall of Liquidsoap (an open limit, not bounded): {[round(e) for e in errors]}")
    print("\nHLS date-time + offset − play log start:\n  " + "\n  ".join(report))
    print("\n".join(line for line in log.splitlines() if "lost" in line or "streams:" in line)[-2000:])
    assert not failures, failures
