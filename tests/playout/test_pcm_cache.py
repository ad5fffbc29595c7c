"""The PCM cache: exact lengths, cue points, fades, gain and errors, checked on the decoded samples."""

from __future__ import annotations

import os
import wave
from pathlib import Path

import numpy as np
import pytest

from radiod.errors import MediaError
from radiod.playout.output import RATE
from radiod.playout.pcm_cache import decode, frames_of, sweep_cache
from radiod.playout.port import Cue
from tests.audio_capture import LEFT, decoded_frames, write_tone


def samples(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)[:, LEFT].astype(float)


@pytest.mark.parametrize("ext", ["mp3", "ogg", "flac", "wav"])
def test_decoded_length_is_the_true_length(tmp_path, ext):
    tone = write_tone(tmp_path / f"t.{ext}", 440, 1500)
    got = decode(Cue("h", str(tone)), tmp_path / "cache")
    assert got.frames == decoded_frames(tone)
    pcm = samples(got.path)
    assert len(pcm) == got.frames
    assert abs(pcm[:200]).max() > 10000 and abs(pcm[-200:]).max() > 10000, "no padding at either end"


def test_cue_points_and_a_late_join_cut_exactly(tmp_path):
    tone = write_tone(tmp_path / "t.mp3", 440, 3000)
    cue = Cue("h", str(tone), cue_in_ms=1200, cue_out_ms=2700)
    assert decode(cue, tmp_path / "c").frames == frames_of(1500)
    late = decode(cue, tmp_path / "c", offset_ms=1000)
    assert late.frames == frames_of(500)
    # the join-late decode continues the very same samples (no zeros from the MP3 seek)
    full = samples(decode(Cue("f", str(tone)), tmp_path / "c").path)
    part = samples(late.path)
    start = frames_of(2200)
    assert np.array_equal(part, full[start:start + len(part)])


def test_gain_and_fades_are_applied_to_the_samples(tmp_path):
    tone = write_tone(tmp_path / "t.flac", 440, 2000)
    got = decode(Cue("h", str(tone), gain_db=-6.0, fade_in_ms=500, fade_out_ms=500), tmp_path / "c")
    pcm = np.abs(samples(got.path))
    block = RATE // 20                                       # 50 ms
    peaks = pcm[: len(pcm) // block * block].reshape(-1, block).max(axis=1)
    assert peaks[15] == pytest.approx(0.5 * 32767 * 10 ** (-6 / 20), rel=0.02)
    assert np.all(np.diff(peaks[:10]) > 0) and np.all(np.diff(peaks[-10:]) < 0)
    assert pcm[-1] < 50 and pcm[0] < 50


def test_long_items_announce_a_playable_head_before_the_end(tmp_path):
    tone = write_tone(tmp_path / "t.flac", 440, 3000)
    heads = []

    def on_head(path: Path) -> None:
        with wave.open(str(path)) as w:       # a valid WAV already, its header claiming more
            heads.append((path.suffix, w.getnframes() > frames_of(3000)))

    got = decode(Cue("h", str(tone)), tmp_path / "c", on_head=on_head, head_ms=500)
    assert heads == [(".wav", True)]
    with wave.open(str(got.path)) as w:
        assert w.getnframes() == frames_of(3000) == got.frames    # finished header


def test_missing_and_undecodable_files_raise_one_line_media_errors(tmp_path):
    with pytest.raises(MediaError, match=r"nope\.ogg: file not found"):
        decode(Cue("h", str(tmp_path / "nope.ogg")), tmp_path / "c")
    bad = tmp_path / "bad.flac"
    bad.write_bytes(b"fLaC" + bytes(300))
    with pytest.raises(MediaError, match=r"bad\.flac: cannot decode: ") as err:
        decode(Cue("h", str(bad)), tmp_path / "c")
    assert "\n" not in str(err.value)
    assert list((tmp_path / "c").iterdir()) == [], "nothing half-written is left in the cache"


def test_sweep_removes_only_old_decoded_files(tmp_path):
    old, recent, other = tmp_path / ("a" * 20 + ".wav"), tmp_path / ("b" * 20 + ".wav"), tmp_path / "keep.wav"
    for path in (old, recent, other):
        path.write_bytes(b"x")
    os.utime(old, (0, 0))
    os.utime(other, (0, 0))
    now_ms = recent.stat().st_mtime_ns // 1_000_000
    assert sweep_cache(tmp_path, now_ms, older_than_ms=3_600_000) == 1
    assert not old.exists() and recent.exists() and other.exists()
