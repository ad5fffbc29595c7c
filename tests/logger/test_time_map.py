"""The hour file's time map: an output running off the system clock, and heard times corrected
while the audio runs on, still give extracts whose edges are where the air was heard."""

from __future__ import annotations

import logging

import numpy as np

from radiod.clock import FakeClock
from radiod.logger.extract import extract_span
from radiod.logger.files import hour_files
from radiod.playout.air_tap import AirBlock

from .helpers import BLOCK, RATE, bursts, epoch_ms, make_logger, onsets, utc
from .test_extract import RISE, read_wav

START_US = round(epoch_ms(utc(2026, 12, 3, 10, 15)) * 1000)


def feed_stamped(logger, pcm: np.ndarray, heard_us) -> None:
    for at in range(0, len(pcm), BLOCK):
        heard_ms = heard_us(at) / 1000
        logger.write(AirBlock(at, np.ascontiguousarray(pcm[at:at + BLOCK]).tobytes(), heard_ms, heard_ms, at > 0))


def test_an_output_running_2000_ppm_fast_is_followed_by_the_time_map(tmp_path):
    logger = make_logger(tmp_path / "logger", FakeClock(utc(2026, 12, 3, 10)))
    scale = 1 / 1.002                                     # each frame is heard a little sooner than nominal
    k = 50 * RATE                                         # a burst 50 s of frames in
    feed_stamped(logger, bursts(60 * RATE, [k], RATE // 4), lambda f: START_US + f * 1e6 / RATE * scale)
    logger.close()
    [entry] = hour_files(tmp_path / "logger")
    assert len(entry.anchors) == 12                       # a point every 5 s
    burst_us = START_US + k * 1e6 / RATE * scale
    result = extract_span(tmp_path / "logger", round(burst_us - 500_000), round(burst_us + 500_000),
                          tmp_path / "x.wav")
    pcm = read_wav(tmp_path / "x.wav")
    expected = round(0.5 * RATE / scale) + RISE           # frames heard in the half second before it
    assert abs(onsets(pcm)[0] - expected) <= 2, (onsets(pcm), expected)
    assert abs(result.frames - RATE / scale) <= 2         # every frame heard in the span: 1.002 s of them


def test_heard_times_corrected_after_the_first_blocks_move_the_file_with_them(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    logger = make_logger(tmp_path / "logger", FakeClock(utc(2026, 12, 3, 10)))
    early_us = 267_000                                    # the first blocks said "heard 267 ms sooner"
    feed_stamped(logger, bursts(6 * RATE, [2 * RATE], RATE // 4),
                 lambda f: START_US + f * 1e6 / RATE - (early_us if f < 3 * BLOCK else 0))
    logger.close()
    [entry] = hour_files(tmp_path / "logger")
    assert entry.start_us == START_US and "heard times corrected by +267.0 ms" in caplog.text
    burst_us = START_US + 2_000_000
    extract_span(tmp_path / "logger", burst_us - 250_000, burst_us + 250_000, tmp_path / "x.wav")
    assert onsets(read_wav(tmp_path / "x.wav")) == [round(0.25 * RATE) + RISE]
