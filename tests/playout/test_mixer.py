"""The mixer on its own: voices land on exact frames whatever the block size, overlap by sum,
fade and stop where told, and wait (without losing their place) when their audio is late."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from radiod.playout.mixer import Mixer
from radiod.playout.pcm_cache import STREAMING_FRAMES, wav_header


def write_pcm(path: Path, values: np.ndarray, finished: bool = True) -> Path:
    """A decoded-item WAV whose frames carry ``values`` on both channels."""
    frames = np.repeat(values.astype("<i2"), 2)
    path.write_bytes(wav_header(len(values) if finished else STREAMING_FRAMES) + frames.tobytes())
    return path


def render(mixer: Mixer, frames: int, block: int) -> np.ndarray:
    """``frames`` frames rendered in blocks of ``block``; the left channel."""
    out = b"".join(mixer.render(min(block, frames - done)) for done in range(0, frames, block))
    return np.frombuffer(out, dtype="<i2").reshape(-1, 2)[:, 0]


class Clock:
    def __init__(self) -> None:
        self.ms = 0

    def __call__(self) -> int:
        return self.ms


@pytest.fixture
def mixer():
    changes = []
    m = Mixer(Clock(), lambda: changes.append(1))
    m.changes = changes
    yield m
    m.close()


@pytest.mark.parametrize("block", [1, 7, 100, 1024])
def test_a_voice_lands_on_its_frame_whatever_the_block_size(mixer, tmp_path, block):
    values = np.arange(1, 301)
    mixer.add("a", write_pcm(tmp_path / "a.wav", values), start_frame=250, length=300)
    out = render(mixer, 1000, block)
    assert not out[:250].any() and not out[550:].any()
    assert np.array_equal(out[250:550], values)
    voice = mixer.get("a")
    assert (voice.began_at, voice.ended_at, voice.cursor) == (250, 550, 300)
    assert mixer.changes, "the control thread is woken to announce it"


def test_overlapping_voices_add_up_and_clip(mixer, tmp_path):
    mixer.add("a", write_pcm(tmp_path / "a.wav", np.full(100, 20000)), start_frame=0, length=100)
    mixer.add("b", write_pcm(tmp_path / "b.wav", np.full(100, 1000)), start_frame=50, length=100)
    out = render(mixer, 200, 64)
    assert set(out[:50]) == {20000} and set(out[50:100]) == {21000} and set(out[100:150]) == {1000}
    mixer.add("c", write_pcm(tmp_path / "c.wav", np.full(10, 30000)), start_frame=200, length=10)
    mixer.add("d", write_pcm(tmp_path / "d.wav", np.full(10, 30000)), start_frame=200, length=10)
    assert set(render(mixer, 10, 10)) == {32767}


def test_a_start_already_rendered_begins_at_the_next_frame(mixer, tmp_path):
    render(mixer, 500, 100)
    mixer.add("late", write_pcm(tmp_path / "l.wav", np.full(50, 5)), start_frame=120, length=50)
    out = render(mixer, 100, 100)
    assert mixer.get("late").began_at == 500 and set(out[:50]) == {5} and not out[50:].any()


def test_stop_ramps_down_to_silence_on_the_frame_asked(mixer, tmp_path):
    mixer.add("a", write_pcm(tmp_path / "a.wav", np.full(1000, 10000)), start_frame=0, length=1000)
    render(mixer, 100, 100)
    assert mixer.stop("a", silent_at_frame=600)
    out = render(mixer, 600, 50)
    ramp = out[:500]
    assert ramp[0] == 10000 and np.all(np.diff(ramp) <= 0) and ramp[-1] < 100
    assert not out[500:].any()
    voice = mixer.get("a")
    assert voice.ended_at == 600 and voice.stopped


def test_stop_before_it_begins_means_it_never_sounds(mixer, tmp_path):
    mixer.add("a", write_pcm(tmp_path / "a.wav", np.full(100, 7)), start_frame=300, length=100)
    render(mixer, 100, 100)
    assert mixer.stop("a", silent_at_frame=0) is False
    assert not render(mixer, 500, 100).any()


def test_a_voice_whose_audio_is_late_waits_and_keeps_its_place(mixer, tmp_path):
    path = write_pcm(tmp_path / "g.wav", np.arange(1, 101), finished=False)    # decode under way
    mixer.add("g", path, start_frame=0, length=None)
    mixer.now_ms.ms = 10
    first = render(mixer, 200, 50)
    assert np.array_equal(first[:100], np.arange(1, 101)) and not first[100:].any()
    voice = mixer.get("g")
    assert voice.progress_ms == 10 and voice.ended_at is None      # starving, not ended
    mixer.now_ms.ms = 20
    render(mixer, 100, 50)
    assert voice.progress_ms == 10, "no audio came: the watchdog sees no progress"
    with path.open("ab") as f:                                     # the decode catches up
        f.write(np.repeat(np.arange(101, 151).astype("<i2"), 2).tobytes())
    mixer.set_length("g", 150)
    out = render(mixer, 100, 50)
    assert np.array_equal(out[:50], np.arange(101, 151)), "it continues where it stopped"
    assert voice.cursor == 150 and voice.ended_at == 350
