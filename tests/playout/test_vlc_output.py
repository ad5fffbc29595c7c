"""Outputs for the libVLC player: the private PulseAudio server behind file output."""

from __future__ import annotations

import wave

from radiod.clock import SystemClock, to_ms
from radiod.playout.output import pulse_info, start_private_pulse
from radiod.playout.recording import Recorder, Retention, recordings


def now_ms() -> int:
    return to_ms(SystemClock().now())


def test_a_server_left_behind_by_a_killed_daemon_is_replaced(tmp_path):
    first = start_private_pulse(tmp_path / "pulse")
    recorder = Recorder(first.monitor, tmp_path / "out.wav", Retention(), now_ms, first.env(),
                        first.directory / "parec.pid")
    recorder.start()
    # radiod was killed -9: nobody stopped these two
    second = start_private_pulse(tmp_path / "pulse")
    try:
        assert first.process.wait(timeout=5) is not None
        assert recorder.process.wait(timeout=5) is not None
        assert pulse_info(second.server) is not None
        again = Recorder(second.monitor, tmp_path / "out.wav", Retention(), now_ms, second.env())
        again.start()
        again.stop()
    finally:
        second.stop()
    kept = recordings(tmp_path / "out.wav")
    assert len(kept) == 2, "the earlier recording is kept beside the new one"
    for path in kept:
        with wave.open(str(path)) as rec:
            assert rec.getnframes() > 0


def test_stop_finishes_the_recording(tmp_path):
    server = start_private_pulse(tmp_path / "pulse")
    recorder = Recorder(server.monitor, tmp_path / "rec.wav", Retention(), now_ms, server.env())
    try:
        recorder.start()
        recorder.stop()
    finally:
        server.stop()
    assert recorder.process.returncode in (0, -2)
    [path] = recordings(tmp_path / "rec.wav")
    with wave.open(str(path)) as rec:
        assert rec.getnframes() * 4 + 44 == path.stat().st_size
        assert rec.getnframes() > 0
