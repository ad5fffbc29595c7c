"""Synthetic tone files: real ffmpeg output, checked by decoding the samples."""

from __future__ import annotations

import array
import math
import wave

import pytest

from radiod.errors import MediaError
from radiod.library import synth
from radiod.library.synth import FORMATS, make_tone
from radiod.library.tags import read_tags


def _samples(path) -> tuple[int, int, array.array]:
    with wave.open(str(path)) as w:
        frames = w.readframes(w.getnframes())
        return w.getframerate(), w.getnchannels(), array.array("h", frames)


def _rms(values) -> float:
    return math.sqrt(sum(v * v for v in values) / len(values)) if values else 0.0


def test_tone_with_lead_and_tail_silence_has_exact_layout(tmp_path):
    path = make_tone(tmp_path / "t.wav", seconds=0.5, lead_silence_ms=250, tail_silence_ms=300,
                     channels=1, sample_rate=8000)
    rate, channels, data = _samples(path)
    assert (rate, channels, len(data)) == (8000, 1, 8 * (250 + 500 + 300))
    lead, body, tail = data[:8 * 245], data[8 * 255:8 * 745], data[8 * 755:]
    assert max(map(abs, lead)) == 0 and max(map(abs, tail)) == 0
    # A single sine peaking at PEAK of full scale has an RMS of PEAK/sqrt(2).
    assert _rms(body) == pytest.approx(synth.PEAK * 32767 / math.sqrt(2), rel=0.02)


def test_chord_sums_the_tones_below_the_peak(tmp_path):
    rate, channels, data = _samples(make_tone(tmp_path / "c.wav", seconds=0.5, freqs=(220.0, 330.0, 440.0)))
    assert (rate, channels) == (44100, 2)
    assert max(map(abs, data)) <= synth.PEAK * 32767 + 1
    left, right = data[0::2], data[1::2]
    assert left == right
    # Three equal tones: RMS of the sum is sqrt(3) times one tone's RMS at amplitude PEAK/3.
    assert _rms(left) == pytest.approx(synth.PEAK / 3 * 32767 * math.sqrt(3 / 2), rel=0.02)


@pytest.mark.parametrize("suffix", FORMATS)
def test_every_format_is_made_and_tagged(tmp_path, suffix):
    tags = None if suffix in synth.TAGLESS else {"title": "Tone", "artist": "Synth"}
    path = make_tone(tmp_path / f"t{suffix}", seconds=1, tags=tags)
    info = read_tags(path)
    assert (info.title, info.artists) == (("Tone", ["Synth"]) if tags else ("", []))
    assert 990 <= info.length_ms <= 1100


def test_output_is_deterministic(tmp_path):
    a = make_tone(tmp_path / "a.flac", seconds=0.3, freqs=(300.0,))
    b = make_tone(tmp_path / "b.flac", seconds=0.3, freqs=(300.0,))
    assert a.read_bytes() == b.read_bytes()


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="cannot make .xyz files"):
        make_tone(tmp_path / "t.xyz", seconds=1)
    with pytest.raises(ValueError):
        make_tone(tmp_path / "t.wav", seconds=0)
    with pytest.raises(ValueError):
        make_tone(tmp_path / "t.wav", seconds=1, freqs=())


def test_missing_ffmpeg_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(synth, "FFMPEG", "ffmpeg-that-is-not-installed")
    with pytest.raises(MediaError, match="^ffmpeg-that-is-not-installed: not found"):
        make_tone(tmp_path / "t.wav", seconds=1)
