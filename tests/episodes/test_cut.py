"""An episode's audio from real logger files (FLAC, across an hour's cut): the pieces the plan
takes, in order, at their positions within 50 ms, read back from the encoded episode; clips fade
out; a gap in the air is skipped; the loudness is the target's."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from radiod.clock import FakeClock
from radiod.episodes.cut import Encoding, encode, render
from radiod.episodes.plan import Aired, plan_episode

from tests.logger.helpers import epoch_ms, feed, make_logger, utc

from .audio import RATE, decode, rms, runs, tones

T0 = utc(2026, 12, 3, 13, 59, 50)        # the air crosses the 14:00 cut of the hour files
# (tone Hz, from s, to s, music?) after T0
SECTIONS = [(330, 0, 4, False), (550, 4, 12, True), (770, 12, 16, False), (990, 16, 19, True), (330, 19, 22, False)]
HZ = sorted({s[0] for s in SECTIONS})


def air() -> np.ndarray:
    pcm = np.zeros((22 * RATE, 2), dtype=np.int16)
    for hz, a, b, _ in SECTIONS:
        t = np.arange(round(a * RATE), round(b * RATE)) / RATE
        pcm[round(a * RATE):round(b * RATE), :] = (9000 * np.sin(2 * np.pi * hz * t))[:, None]
    return pcm


@pytest.fixture(scope="module")
def logger_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("episodes-cut") / "logger"
    logger = make_logger(folder, FakeClock(utc(2026, 12, 3, 13, 59)), fmt="flac")
    feed(logger, air(), epoch_ms(T0))
    logger.close()
    return folder


def at(s: float) -> int:
    return round(epoch_ms(T0) + s * 1000)


AIRED = [Aired(at(a), at(b), f"{hz} Hz", "Tone", music) for hz, a, b, music in SECTIONS]


def episode(tmp_path, logger_folder, rights, spans=((0, 22),), fmt="mp3", clip_s=4.0, fade_s=1.0):
    plan = plan_episode([(at(a), at(b)) for a, b in spans], AIRED, rights, from_ms=at(0), to_ms=at(22),
                        clip_ms=round(clip_s * 1000), fade_ms=round(fade_s * 1000))
    wav = tmp_path / "work.wav"
    frames, loudness = render(logger_folder, plan, wav, lufs=-16.0, true_peak=-1.5)
    out = tmp_path / f"episode.{'mp3' if fmt == 'mp3' else 'm4a'}"
    size = encode(wav, out, Encoding(fmt, 128), loudness, lufs=-16.0, true_peak=-1.5, title="Test")
    assert size == out.stat().st_size > 0
    assert frames == round(plan.length_ms * RATE / 1000)
    return plan, decode(out)


def check_runs(pcm, expected):
    """The decoded tones run as ``expected`` [(tone, from ms, to ms)], every edge within 50 ms."""
    found = runs(tones(pcm, HZ))
    assert [t for t, _, _ in found] == [t for t, _, _ in expected], (found, expected)
    worst = max(max(abs(fa - ea), abs(fb - eb)) for (_, fa, fb), (_, ea, eb) in zip(found, expected))
    assert worst <= 50, (found, expected)
    return worst


@pytest.mark.parametrize("fmt", ["mp3", "aac"])
def test_full_rights_keep_the_whole_air_in_place(tmp_path, logger_folder, fmt):
    plan, pcm = episode(tmp_path, logger_folder, "full", fmt=fmt)
    assert abs(len(pcm) / RATE - 22) < 0.05
    worst = check_runs(pcm, [(hz, a * 1000, b * 1000) for hz, a, b, _ in SECTIONS[:-1]] + [(330, 19_000, 22_000)])
    print(f"\n{fmt}: edges within {worst:.0f} ms")
    assert [c.at_ms for c in plan.chapters] == [0, 4000, 12_000, 16_000, 19_000]


def test_none_leaves_the_talk_only(tmp_path, logger_folder):
    plan, pcm = episode(tmp_path, logger_folder, "none")
    # 330 (4 s), 770 (4 s), 330 (3 s): the two talk pieces around the second song join into one run
    check_runs(pcm, [(330, 0, 4000), (770, 4000, 8000), (330, 8000, 11_000)])
    assert [c.title for c in plan.chapters] == ["330 Hz", "770 Hz", "330 Hz"]
    assert not any(c.music for c in plan.chapters)


def test_clips_keep_an_excerpt_of_each_long_song_with_a_fade(tmp_path, logger_folder):
    plan, pcm = episode(tmp_path, logger_folder, "clips", clip_s=4.0, fade_s=1.0)
    # the 8 s song becomes 4 s; the 3 s song is under the threshold and stays whole
    check_runs(pcm, [(330, 0, 4000), (550, 4000, 8000), (770, 8000, 12_000), (990, 12_000, 15_000),
                     (330, 15_000, 18_000)])
    steady, tail = rms(pcm, 4500, 6500), rms(pcm, 7750, 7990)
    assert tail < 0.3 * steady, (tail, steady)          # faded out, not cut
    assert [c.clipped for c in plan.chapters] == [False, True, False, False, False]


def test_a_gap_in_the_air_is_skipped_and_marked(tmp_path, logger_folder):
    plan, pcm = episode(tmp_path, logger_folder, "full", spans=((0, 10), (14, 22)))
    assert [(g.at_ms, g.missing_ms) for g in plan.gaps] == [(10_000, 4000)]
    check_runs(pcm, [(330, 0, 4000), (550, 4000, 10_000), (770, 10_000, 12_000), (990, 12_000, 15_000),
                     (330, 15_000, 18_000)])


def test_the_episode_is_normalised_to_the_target_loudness(tmp_path, logger_folder):
    _, _ = episode(tmp_path, logger_folder, "full")
    done = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(tmp_path / "episode.mp3"), "-af",
                           "loudnorm=print_format=json", "-f", "null", "-"], capture_output=True, text=True)
    text = done.stderr
    measured = json.loads(text[text.rfind("{"):text.rfind("}") + 1])
    assert abs(float(measured["input_i"]) - -16.0) < 1.0, measured
