"""The whole air chain at once, every output of one `radiod run`: real libVLC into a private null
sink (recorded), a real Liquidsoap sending an MP3 mount to a real icecast2 and writing HLS, and the
compliance logger. On distinct-tone items, the sink capture, the Icecast mount (decoded with
ffmpeg), the HLS stream (decoded) and the logger's files (extracted) hold the same items in the
same order as the play log: one chain, one air."""

from __future__ import annotations

import subprocess
import time
from datetime import datetime, timezone

import numpy as np
import pytest

from audio_capture import STEADY_MS, Capture, private_pulse
from icecast_server import wait_until
from tests.playout.daemon_station import RADIOD, Daemon, make_station, rows

from .test_streams_daemon import HlsCollector, Recorder, icecast_at, names
from .tones import decode, is_in_order, runs, sequence

ICECAST_PORT = 21110
TONES = {"a": 440.0, "b": 554.0, "c": 659.0, "show": 330.0}
MOUNT = "/chain.mp3"


def iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, timezone.utc).isoformat()


@pytest.mark.slow
def test_sink_icecast_hls_and_logger_hold_the_play_logs_items_in_its_order(tmp_path):
    station, _ = make_station(tmp_path, song_ms=3000, show_ms=4000, minutes=5, lead_ms=1000)
    with (station / "radiod.toml").open("a") as toml:
        toml.write(f'[streams]\nicecast = ["icecast://source:srcpw@127.0.0.1:{ICECAST_PORT}{MOUNT}?bitrate=96"]\n'
                   "hls_bitrates = [64, 128]\nhls_segment_seconds = 2\nhls_segments = 10\n"
                   f'[logger]\nenabled = true\nfolder = "{station / "logger"}"\nformat = "opus"\n')
    with icecast_at(tmp_path, ICECAST_PORT) as icecast, private_pulse(tmp_path) as pulse, \
            Capture(pulse, latency_ms=STEADY_MS) as sink:
        wall_minus_mono_ms = (time.time_ns() - time.monotonic_ns()) / 1e6
        daemon = Daemon(station, tmp_path / "daemon.log")
        try:
            wait_until(lambda: MOUNT in icecast.mounts(), "the mount on icecast", timeout_s=40)
            hls = HlsCollector(station / "state" / "hls", "live-64.m3u8")
            mount = Recorder(icecast.url + MOUNT, tmp_path / "mount.mp3", 24)
            mount.join()
            segments = hls.stop()
        finally:
            code = daemon.terminate()
    log = daemon.log()
    assert code == 0, log[-3000:]
    assert "streams on: icecast://127.0.0.1" in log and "Traceback" not in log, log[-3000:]
    plays = rows(station)
    played = names([p for p in plays if (p["played_ms"] or 0) >= 600])    # the last may be cut at the stop

    # The sound card: every item of the play log, in its order, each where the log says it began.
    sink_samples = sink.frames[:, 0].astype(np.float64)
    on_sink = sequence(sink_samples, TONES)
    assert on_sink == played, (on_sink, played)
    starts = [r for r in runs(sink_samples, TONES) if r.name][1:]
    errors_ms = [sink.ms_of(int(r.start_s * 44100)) + wall_minus_mono_ms - p["started_at_ms"]
                 for r, p in zip(starts, [p for p in plays if (p["played_ms"] or 0) >= 600][1:])]
    print(f"\nsink vs play log, item starts (ms, 100 ms windows): {[round(e) for e in errors_ms]}")
    assert all(abs(e) < 150 for e in errors_ms), errors_ms

    # The Icecast mount and the HLS stream, decoded: a stretch of the same sequence, gap-free.
    on_mount = sequence(decode(mount.path), TONES)
    joined = tmp_path / "hls.ts"
    joined.write_bytes(b"".join(data for _, data in segments))
    on_hls = sequence(decode(joined), TONES)

    # The logger: its files over the whole run, extracted in one piece.
    out = tmp_path / "logger.wav"
    done = subprocess.run([*RADIOD, "--station", str(station), "logger", "extract",
                           "--from", iso(plays[0]["started_at_ms"]), "--to", iso(plays[-1]["ended_at_ms"]),
                           "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    on_logger = sequence(decode(out), TONES)
    print(f"items: play log {len(played)}, sink {len(on_sink)}, Icecast {len(on_mount)}, "
          f"HLS {len(on_hls)}, logger {len(on_logger)}")
    assert len(on_mount) >= 6 and is_in_order(on_mount, played), (on_mount, played)
    assert len(on_hls) >= 6 and is_in_order(on_hls, played), (on_hls, played)
    assert on_logger == played, (on_logger, played)
