"""File output's recordings: cut by the clock, nothing lost or doubled at a cut, expired by age and
size, valid after a crash, and a full disk reported — real PulseAudio, parec, libVLC and files."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import wave
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from radiod.clock import SystemClock, to_ms
from radiod.playout.output import start_private_pulse
from radiod.playout.port import Cue
from radiod.playout.recording import Recorder, Retention, recordings, stamp
from radiod.playout.vlc_player import VlcPlayer
from tests.audio_capture import LEFT, write_tone
from tests.playout.test_vlc_player import Events

RATE = 44100
DAY_MS = 86_400_000


def now_ms() -> int:
    return to_ms(SystemClock().now())


def read(path: Path) -> np.ndarray:
    with wave.open(str(path)) as rec:
        return np.frombuffer(rec.readframes(rec.getnframes()), dtype="<i2").reshape(-1, 2)


def start_of(path: Path) -> datetime:
    return datetime.strptime(path.name.split("-", 1)[1][:18], "%Y-%m-%dT%H%M%SZ").replace(tzinfo=timezone.utc)


@pytest.fixture
def small_disk(tmp_path):
    """A real 1 MiB filesystem (tmpfs) for recordings."""
    folder = tmp_path / "disk"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], check=True)
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.fixture
def server(tmp_path):
    pulse = start_private_pulse(tmp_path / "pulse")
    yield pulse
    pulse.stop()


def test_recordings_are_cut_on_the_clock_with_nothing_lost_or_doubled_at_a_cut(tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'no-server'}")
    tone = write_tone(tmp_path / "tone.wav", 500, 3500, LEFT)
    p = VlcPlayer(SystemClock(), output="auto", cache_dir=tmp_path / "cache", state_dir=tmp_path / "state",
                  recording=Retention(segment_ms=1000, keep_ms=0, keep_bytes=0))
    try:
        assert "output-<UTC start>.wav, a file every 0.0166667 min" in p.check_output()
        events = Events(p)
        p.prepare(Cue("tone", str(tone)))
        p.start("tone")
        events.wait("ended", "tone")
        time.sleep(0.3)
    finally:
        p.close()
    files = recordings(tmp_path / "state" / "output.wav")
    assert len(files) >= 5
    pcms = [read(f) for f in files]
    starts = [start_of(f) for f in files]
    for n, (path, pcm) in enumerate(zip(files, pcms)):
        if 0 < n < len(files) - 1:
            assert len(pcm) == RATE, f"{path.name} holds exactly one second"
            assert starts[n].microsecond == 0 and (starts[n] - starts[n - 1]).total_seconds() <= 1
        if n:
            assert (starts[n] - starts[n - 1]).total_seconds() == 1, "each file starts a second after the last"
    left = np.concatenate(pcms)[:, LEFT].astype(np.int32)
    loud = np.flatnonzero(np.abs(left) > 300)
    assert abs((loud[-1] - loud[0]) * 1000 / RATE - 3500) < 2, "the tone is whole across the cuts"
    # a sine joined without a frame lost or doubled steps no further at a cut than anywhere else
    steps = np.abs(np.diff(left[loud[0]:loud[-1]]))
    bends = np.abs(np.diff(left[loud[0] + 100:loud[-1] - 100], 2))     # a frame lost bends ~1000
    cuts = np.cumsum([len(pcm) for pcm in pcms])[:-1]
    in_tone = [c for c in cuts if loud[0] < c < loud[-1]]
    assert len(in_tone) >= 3
    for cut in in_tone:
        assert abs(int(left[cut]) - int(left[cut - 1])) <= steps.max()
        bend = abs(int(left[cut + 1]) - 2 * int(left[cut]) + int(left[cut - 1]))
        assert bend <= bends.max() + 2, f"the sine bends {bend} at the cut (at most {bends.max()} elsewhere)"


def test_old_recordings_of_earlier_runs_and_versions_expire_by_the_clock(tmp_path, monkeypatch, caplog):
    """Recordings whose last audio is older than the limit go when recording starts — the single
    output.wav / output.<ms>.wav of older versions too; others' files stay."""
    folder = tmp_path / "air"
    folder.mkdir()
    old = to_ms(SystemClock().now()) - 3 * DAY_MS
    expired = ["air.wav", "air.1764000000000.wav", f"air-{stamp(old)}.wav", f"air-{stamp(old)}-1.wav"]
    kept = [f"air-{stamp(old + 2 * DAY_MS)}.wav"]             # an earlier run, a day old
    others = ["air-notes.txt", "airs.wav", "other.wav", "air-2026.wav"]
    for name in expired + kept + others:
        (folder / name).write_bytes(write_tone(tmp_path / "t.wav", 300, 100, LEFT).read_bytes())
        mtime = old if name not in kept else old + 2 * DAY_MS
        os.utime(folder / name, ns=(mtime * 1_000_000, mtime * 1_000_000))
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'no-server'}")
    p = VlcPlayer(SystemClock(), output=f"file:{folder / 'air.wav'}", cache_dir=tmp_path / "cache",
                  state_dir=tmp_path / "state", recording=Retention(keep_ms=2 * DAY_MS, keep_bytes=0))
    with caplog.at_level(logging.INFO, logger="radiod.playout.recording"):
        try:
            p.check_output()
            time.sleep(0.5)
        finally:
            p.close()
    names = sorted(path.name for path in folder.iterdir())
    new = [n for n in names if n not in kept + others]
    assert len(new) == 1 and start_of(folder / new[0]).timestamp() * 1000 > old + 3 * DAY_MS - 60_000
    assert sorted(kept + others + new) == names
    [line] = [r.getMessage() for r in caplog.records if "recordings: deleted" in r.getMessage()]
    assert line.startswith("recordings: deleted 4 (kept at most 2 days and any size): air")


def test_the_size_limit_keeps_recordings_inside_a_small_disk(small_disk, server, caplog):
    """Half-second files on a 1 MiB disk with a 600 kB limit: the oldest go as new ones begin,
    the disk never fills, the recording never stops."""
    retention = Retention(segment_ms=500, keep_ms=0, keep_bytes=600_000)
    recorder = Recorder(server.monitor, small_disk / "output.wav", retention, now_ms, server.env())
    most = 0
    with caplog.at_level(logging.INFO, logger="radiod.playout.recording"):
        recorder.start()
        try:
            deadline = time.monotonic() + 6            # ~1 MB of audio, more than the disk holds
            while time.monotonic() < deadline:
                most = max(most, sum(f.stat().st_size for f in recordings(small_disk / "output.wav")
                                     if f.exists()))
                assert recorder.alive(), recorder.error
                time.sleep(0.05)
        finally:
            recorder.stop()
    assert most <= 600_000 + 64 * 1024        # the limit, give or take the last write seen mid-cut
    files = recordings(small_disk / "output.wav")
    assert 4 <= len(files) <= 7
    assert sum(f.stat().st_size for f in files) <= 600_000
    assert [r for r in caplog.records if r.getMessage().startswith("recordings: deleted")]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_full_disk_stops_the_recording_with_one_line_saying_where(small_disk, server, caplog):
    recorder = Recorder(server.monitor, small_disk / "output.wav", Retention(keep_ms=0, keep_bytes=0),
                        now_ms, server.env())
    with caplog.at_level(logging.INFO, logger="radiod.playout.recording"):
        recorder.start()
        try:
            deadline = time.monotonic() + 15
            while recorder.alive() and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            recorder.stop()
    assert not recorder.alive()
    assert recorder.error == f"{recorder.current}: No space left on device"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [f"recording stopped: cannot write {recorder.current}: No space left on device"]
    with wave.open(str(recorder.current)) as rec:           # what fitted is a valid file
        assert rec.getnframes() > RATE


CRASHING = """
import sys, time
from pathlib import Path
from radiod.clock import SystemClock, to_ms
from radiod.playout.output import start_private_pulse
from radiod.playout.recording import Recorder, Retention
folder = Path(sys.argv[1])
pulse = start_private_pulse(folder / "pulse")
Recorder(pulse.monitor, folder / "output.wav", Retention(), lambda: to_ms(SystemClock().now()),
         pulse.env(), folder / "pulse" / "parec.pid").start()
print("recording", flush=True)
time.sleep(60)
"""


def test_a_recording_cut_short_by_a_crash_is_a_valid_file(tmp_path):
    daemon = subprocess.Popen([sys.executable, "-c", CRASHING, str(tmp_path)], stdout=subprocess.PIPE,
                              text=True, cwd=Path(__file__).parents[2])
    try:
        assert daemon.stdout.readline().strip() == "recording"
        time.sleep(1.5)
        daemon.send_signal(signal.SIGKILL)
        daemon.wait(timeout=5)
    finally:
        if daemon.poll() is None:
            daemon.kill()
        start_private_pulse(tmp_path / "pulse").stop()      # reaps what the killed process left
    [path] = recordings(tmp_path / "output.wav")
    with wave.open(str(path)) as rec:
        frames = rec.getnframes()
    assert frames > RATE
    assert 0 <= path.stat().st_size - (44 + frames * 4) < 65536, "the header lags by one write at most"


STALLED = """
import logging, signal, sys, time
from pathlib import Path
from radiod.clock import SystemClock, to_ms
from radiod.playout.output import start_private_pulse
from radiod.playout.recording import Recorder, Retention
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])     # for sigwait; the threads inherit it
folder = Path(sys.argv[1])
pulse = start_private_pulse(folder / "pulse")
recorder = Recorder(pulse.monitor, folder / "output.wav", Retention(segment_ms=1000, keep_ms=0, keep_bytes=0),
                    lambda: to_ms(SystemClock().now()), pulse.env())
recorder.start()
print("recording", flush=True)
signal.sigwait([signal.SIGTERM])
recorder.stop()
pulse.stop()
"""


def test_a_recorder_stopped_for_seconds_catches_up_with_nothing_missing_and_files_named_true(tmp_path):
    """SIGSTOP for 5 s (a stalled VM): the server holds the audio, the recording catches up, and
    every file still holds the second its name says — not a false "missing" and shifted names."""
    daemon = subprocess.Popen([sys.executable, "-c", STALLED, str(tmp_path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=Path(__file__).parents[2])
    try:
        assert daemon.stdout.readline().strip() == "recording"
        began = time.time()
        time.sleep(1.5)
        daemon.send_signal(signal.SIGSTOP)
        time.sleep(5)
        daemon.send_signal(signal.SIGCONT)
        time.sleep(2)
        ended = time.time()
        daemon.send_signal(signal.SIGTERM)
        _, log_text = daemon.communicate(timeout=15)
    finally:
        if daemon.poll() is None:
            daemon.kill()
    assert "missing" not in log_text and "ERROR" not in log_text, log_text
    files = recordings(tmp_path / "output.wav")
    frames = [read(f).shape[0] for f in files]
    assert abs(sum(frames) / RATE - (ended - began)) < 0.5, "the whole time is recorded"
    for n in range(1, len(files) - 1):
        assert frames[n] == RATE
        assert (start_of(files[n]) - start_of(files[n - 1])).total_seconds() == 1
    assert abs(start_of(files[-1]).timestamp() - (ended - frames[-1] / RATE)) < 1.5, "the last name is true"


def test_file_output_on_a_full_disk_is_an_output_loss_and_comes_back_when_there_is_room(
        small_disk, tmp_path, monkeypatch, caplog):
    """The recording is the air in file output: a disk that fills stops it, the player says the
    output is lost and why, retries, and records again once room is made."""
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'no-server'}")
    p = VlcPlayer(SystemClock(), output=f"file:{small_disk / 'air.wav'}", cache_dir=tmp_path / "cache",
                  state_dir=tmp_path / "state", recording=Retention(keep_ms=0, keep_bytes=0))
    events = Events(p)
    caplog.set_level(logging.INFO)
    try:
        p.check_output()
        lost = events.wait("output-lost", "", timeout_s=20)
        full = p._recorder.current
        time.sleep(3)                                  # retried meanwhile, still full
        assert not [e for e in events.items if e.kind == "output-back"]
        full.unlink()                                  # an operator makes room
        events.wait("output-back", "", timeout_s=10)
    finally:
        p.close()
    assert lost.detail == f"the recording to {full} stopped ({full}: No space left on device)"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors[0] == f"recording stopped: cannot write {full}: No space left on device"
    assert errors[1].startswith("audio output stopped (the recording to")
    assert len(errors) == 3 and errors[2].startswith("audio output: cannot record: ")
    assert errors[2].endswith(".wav: No space left on device; trying again every 2 s"), "once, naming the file"
    [again] = recordings(small_disk / "air.wav")        # no empty files left by the retries
    with wave.open(str(again)) as rec:
        assert rec.getnframes() > 0
