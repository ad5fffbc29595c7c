"""The live voice in the mixer: the DJ's audio fades in and out on the stream's frames, the buffer
stays short, and the DJ's frames map to the stream frames they are heard at."""

from __future__ import annotations

import numpy as np

from radiod.playout.live_voice import LiveVoice
from radiod.playout.mixer import Mixer

BLOCK = 1024


def pcm(frames: int, value: int = 10_000) -> bytes:
    return np.full(frames * 2, value, dtype="<i2").tobytes()


def rendered(mixer: Mixer, blocks: int) -> np.ndarray:
    out = [np.frombuffer(mixer.render(BLOCK), dtype="<i2").reshape(-1, 2)[:, 0] for _ in range(blocks)]
    return np.concatenate(out).astype(np.int32)


def rig(target: int = 2048, most: int = 8192) -> tuple[Mixer, LiveVoice]:
    mixer = Mixer(lambda: 0, lambda: None)
    mixer.live = LiveVoice(target_frames=target, max_frames=most)
    return mixer, mixer.live


def test_a_voice_not_engaged_is_silent_and_keeps_only_the_newest_audio():
    mixer, voice = rig()
    voice.push(pcm(20_000))
    assert not rendered(mixer, 4).any()
    assert voice.received == 20_000 and voice.dropped_frames == 20_000 - 2048     # cut back to the target


def test_engaged_it_rises_over_the_fade_then_plays_at_full_level():
    mixer, voice = rig(target=4096)
    rendered(mixer, 2)                      # the stream is already running
    voice.push(pcm(12_000))
    voice.engage(fade_frames=1000)
    out = rendered(mixer, 4)
    assert voice.began_at == 2 * BLOCK
    assert out[0] == 0 and 4000 < out[500] < 6000 and out[999] > 9900
    assert (out[1000:4096] == 10_000).all()
    assert not out[4096:].any()             # only the target was kept: the rest ran dry, silence (no stop)
    assert voice.engaged


def test_released_it_falls_to_silence_over_the_fade_and_says_where():
    mixer, voice = rig(target=8192)
    voice.push(pcm(8192))
    voice.engage(fade_frames=1)
    rendered(mixer, 2)
    voice.release(fade_frames=1500)
    out = rendered(mixer, 4)
    assert out[0] > 9900 and 4000 < out[750] < 6000 and out[1499] < 100
    assert not out[1500:].any()
    assert not voice.engaged and voice.ended_at == 2 * BLOCK + 1500


def test_the_djs_frames_map_to_the_stream_frames_they_are_heard_at():
    mixer, voice = rig(target=2048)
    rendered(mixer, 3)
    voice.push(pcm(3000))                   # the DJ's frames 0..2999; 952 are dropped on engage
    voice.engage(fade_frames=1)
    rendered(mixer, 1)
    assert voice.stream_frame_of(952) == 3 * BLOCK
    voice.push(pcm(500))
    rendered(mixer, 2)
    assert voice.stream_frame_of(3000) == 3 * BLOCK + 2048


def test_it_mixes_over_the_voices_without_disturbing_them():
    mixer, voice = rig()
    voice.push(pcm(4096, value=1000))
    voice.engage(fade_frames=1)
    out = rendered(mixer, 1)
    assert (out[1:] == 1000).all()


def test_a_buffer_grown_past_its_most_is_cut_back_to_the_target_in_one_step():
    mixer, voice = rig(target=2048, most=8192)
    voice.push(pcm(2048))
    voice.engage(fade_frames=1)
    rendered(mixer, 1)
    voice.push(pcm(8192))                   # 1024 + 8192 > 8192: one jump back to 2048, no trims per push
    assert voice.dropped_frames == 1024 + 8192 - 2048
    voice.push(pcm(1000))
    assert voice.dropped_frames == 1024 + 8192 - 2048


def test_once_dry_it_waits_for_the_target_before_it_plays_again_rather_than_stutter():
    mixer, voice = rig(target=2048)
    voice.push(pcm(2048))
    voice.engage(fade_frames=1)
    out = rendered(mixer, 3)
    assert out[1:2048].all() and not out[2048:].any()
    for _ in range(3):                      # the harbor trickles in less than the target: still silent
        voice.push(pcm(600))
        assert not rendered(mixer, 1).any()
    voice.push(pcm(600))                    # 2400 in hand: it plays again
    assert rendered(mixer, 1).all()
