"""`radiod run` (real libVLC into a private null sink) with the logger on: its files hold the
items in the play log's order (each play's span, extracted, is that item's tone), and a full disk
under the logger's folder stops the logger with one error and a status alert, never the air."""

from __future__ import annotations

import subprocess
import wave
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from tests.audio_capture import Capture, private_pulse
from tests.db_faults import fill, small_tmpfs
from tests.playout.daemon_station import RADIOD, Daemon, db_rows, make_station, wait_for
from tests.playout.test_db_faults import longest_silence_ms

TONES = {"a": 440, "b": 554, "c": 659, "show": 330}      # make_station's tracks


def dominant_hz(path: Path) -> float:
    with wave.open(str(path)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)[:, 0].astype(float)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum) * 44100 / len(x))


def change_ms(path: Path, before_hz: float, after_hz: float) -> float:
    """Where (ms into the file) the tone changes from ``before_hz`` to ``after_hz``, from the zero
    crossings of 2 ms windows."""
    with wave.open(str(path)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)[:, 0].astype(np.int32)
    win = 88
    crossings = np.array([np.count_nonzero(np.diff(np.signbit(x[i:i + 4 * win]))) for i in range(0, len(x) - 4 * win, win)])
    hz = crossings / 2 / (4 * win) * 44100
    after = np.abs(hz - after_hz) < np.abs(hz - before_hz)
    first = int(np.argmax(after & np.concatenate([after[1:], [True]])))
    return (first + 2) * win * 1000 / 44100         # the window's middle: a 4-window run straddles it


def iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, timezone.utc).isoformat()


def closed(station: Path) -> list[dict]:
    return [r for r in db_rows(station / "radiod.db") if r["ended_at_ms"] is not None]


@pytest.mark.slow
def test_the_logger_records_the_play_log_and_a_full_disk_under_it_never_reaches_the_air(tmp_path):
    station, _ = make_station(tmp_path, song_ms=4000, show_ms=4000, minutes=10)
    with small_tmpfs(tmp_path / "disk", "4m") as disk:
        with (station / "radiod.toml").open("a") as f:
            f.write(f'[logger]\nenabled = true\nfolder = "{disk / "logger"}"\nformat = "opus"\n')
        with private_pulse(tmp_path) as pulse, Capture(pulse) as cap:
            daemon = Daemon(station, tmp_path / "daemon.log")
            try:
                wait_for(lambda: len(closed(station)) >= 6, timeout_s=60, what="six plays on air")
                # The logger holds what the play log says aired, in its order.
                for row in closed(station)[1:4]:
                    out = tmp_path / f"play-{row['id']}.wav"
                    done = subprocess.run([*RADIOD, "--station", str(station), "logger", "extract",
                                           "--from", iso(row["started_at_ms"] + 300),
                                           "--to", iso(row["ended_at_ms"] - 300), "-o", str(out)],
                                          capture_output=True, text=True, timeout=60)
                    assert done.returncode == 0, done.stderr
                    assert "silence there" not in done.stderr, done.stderr
                    expected = TONES[Path(row["path"]).stem]
                    assert abs(dominant_hz(out) - expected) < 5, (row["title"], dominant_hz(out), expected)
                # ... and when: where the tone changes in the logger is where the play log says
                # the next item started (both by the output's heard times).
                offsets = []
                rows = closed(station)
                for before, after in zip(rows[1:4], rows[2:5]):
                    out = tmp_path / f"edge-{after['id']}.wav"
                    done = subprocess.run([*RADIOD, "--station", str(station), "logger", "extract",
                                           "--from", iso(after["started_at_ms"] - 1000),
                                           "--to", iso(after["started_at_ms"] + 1000), "-o", str(out)],
                                          capture_output=True, text=True, timeout=60)
                    assert done.returncode == 0, done.stderr
                    offsets.append(change_ms(out, TONES[Path(before["path"]).stem],
                                             TONES[Path(after["path"]).stem]) - 1000)
                print(f"\nlogger vs play log, item changes: {', '.join(f'{o:+.1f}' for o in offsets)} ms")
                assert max(abs(o) for o in offsets) < 10, offsets
                listing = subprocess.run([*RADIOD, "--station", str(station), "logger", "list"],
                                         capture_output=True, text=True, timeout=60)
                assert listing.returncode == 0 and "air-" in listing.stdout and "recording" in listing.stdout

                # Now the logger's disk fills up: the air goes on.
                filler = fill(disk)
                on_air = len(closed(station))
                wait_for(lambda: "air: logger stopped: " in daemon.log(), timeout_s=60, what="the logger to stop")
                wait_for(lambda: len(closed(station)) >= on_air + 4, timeout_s=60, what="four more plays")
                assert daemon.proc.poll() is None
                status = subprocess.run([*RADIOD, "--station", str(station), "ctl", "status"],
                                        capture_output=True, text=True, timeout=30)
                assert "alert" in status.stdout and "logger stopped" in status.stdout, status.stdout
                assert "No space left on device" in status.stdout
            finally:
                code = daemon.terminate()
        log = daemon.log()
        assert code == 0, log[-3000:]
        assert log.count("logger stopped") == 1 and "Traceback" not in log, log[-3000:]
        silence = longest_silence_ms(cap)

        # Space again, a restart: the file the full disk left open is closed and chained, this
        # run's file is closed and chained at the stop, and verify-log checks both.
        filler.unlink()
        with private_pulse(tmp_path / "again"):
            again = Daemon(station, tmp_path / "again.log")
            try:
                wait_for(lambda: "was left open by an earlier run" in again.log(), timeout_s=60,
                         what="the open file to be recovered")
                played = len(closed(station))
                wait_for(lambda: len(closed(station)) >= played + 2, timeout_s=60, what="two more plays")
            finally:
                assert again.terminate() == 0, again.log()[-3000:]
        verify = subprocess.run([*RADIOD, "--station", str(station), "verify-log"], capture_output=True,
                                text=True, timeout=120)
        assert verify.returncode == 0, verify.stdout + verify.stderr
        # Two runs give two files, one more for each hour the station's clock turned while recording.
        listed = subprocess.run([*RADIOD, "--station", str(station), "logger", "list"],
                                capture_output=True, text=True, timeout=60).stdout
        files = [line for line in listed.splitlines() if line.startswith("air-")]
        assert len(files) >= 2 and not any(line.rstrip().endswith("open") for line in files), listed
        assert f"ok: {len(files)} logger recordings match their hashes" in verify.stdout, (verify.stdout, listed)
    print(f"\nlongest silence on air, logger's disk full: {silence:.0f} ms")
    assert silence < 500
