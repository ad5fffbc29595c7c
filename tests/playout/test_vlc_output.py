"""Outputs for the libVLC player: the private PulseAudio server behind file output."""

from __future__ import annotations

import signal
import wave

from radiod.playout.output import pulse_info, start_private_pulse


def test_a_server_left_behind_by_a_killed_daemon_is_replaced(tmp_path):
    first = start_private_pulse(tmp_path / "pulse")
    first.record_to(tmp_path / "out.wav")
    # radiod was killed -9: nobody stopped these two
    second = start_private_pulse(tmp_path / "pulse")
    try:
        assert first.process.wait(timeout=5) is not None
        assert first.recorder.wait(timeout=5) is not None
        assert pulse_info(second.server) is not None
        second.record_to(tmp_path / "out.wav")
    finally:
        second.stop()
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("out.") and p.name != "out.wav"]
    assert len(kept) == 1, "the earlier recording is kept beside the new one"
    for path in (kept[0], tmp_path / "out.wav"):
        with wave.open(str(path)) as rec:
            assert rec.getnframes() > 0


def test_stop_finishes_the_recording_header(tmp_path):
    server = start_private_pulse(tmp_path / "pulse")
    server.record_to(tmp_path / "rec.wav")
    recorder = server.recorder
    server.stop()
    assert recorder.returncode in (0, -signal.SIGINT)
    with wave.open(str(tmp_path / "rec.wav")) as rec:
        assert rec.getnframes() * 4 + 44 <= (tmp_path / "rec.wav").stat().st_size
        assert rec.getnframes() > 0
