"""`radiod logger extract`: any span in station time, across hour files, to the sample (checked
with tone bursts whose onsets are known to the frame), for each codec the logger writes."""

from __future__ import annotations

import wave
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from radiod.clock import FakeClock
from radiod.logger.extract import extract_span, station_instant
from radiod.logger.files import hour_files

from .helpers import RATE, bursts, decode, epoch_ms, feed, make_logger, onsets, utc

TORONTO = ZoneInfo("America/Toronto")      # UTC-5 in December: 14:00 UTC is 09:00 there
AIR_START = utc(2026, 12, 3, 13, 59, 58)
BURSTS_S = [1.0, 1.9, 2.5, 4.0]            # after AIR_START; the second one runs across the hour's cut
BURST_S = 0.3
RISE = 2                                   # frames a burst takes to pass the onset threshold (it starts at 0)


def record(tmp_path, fmt: str):
    clock = FakeClock(utc(2026, 12, 3, 13, 59))
    logger = make_logger(tmp_path / "logger", clock, fmt=fmt)
    air = bursts(5 * RATE, [round(s * RATE) for s in BURSTS_S], round(BURST_S * RATE))
    feed(logger, air, epoch_ms(AIR_START))
    logger.close()
    return tmp_path / "logger"


def read_wav(path):
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 2, 2)
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)


@pytest.mark.parametrize("fmt", ["opus", "mp3", "flac"])
def test_an_extract_across_two_hour_files_has_its_edges_within_a_few_samples(tmp_path, fmt):
    folder = record(tmp_path, fmt)
    assert len(hour_files(folder)) == 2
    out = tmp_path / "span.wav"
    span_from = station_instant("2026-12-03T08:59:58.750", TORONTO)
    span_to = station_instant("2026-12-03T09:00:02.500", TORONTO)
    result = extract_span(folder, span_from, span_to, out)
    pcm = read_wav(out)
    assert len(pcm) == result.frames == round(3.75 * RATE)
    assert result.files == tuple(f.name for f in hour_files(folder)) and result.gaps == ()
    expected = [round((s - 0.75) * RATE) + RISE for s in BURSTS_S if s - 0.75 < 3.75]
    found = onsets(pcm)
    assert len(found) == len(expected), (found, expected)
    worst = max(abs(a - b) for a, b in zip(found, expected))
    print(f"\n{fmt}: extract onsets off by at most {worst} samples")
    assert worst <= (0 if fmt == "flac" else 4), (found, expected)
    # the burst across the cut is whole: loud to its end, nothing lost or doubled at 14:00:00
    crossing = pcm[expected[1]:expected[1] + round(BURST_S * RATE)]
    loud = np.flatnonzero(np.abs(crossing[:, 0].astype(np.int32)) > 4000)
    assert abs((loud[-1] - loud[0]) - BURST_S * RATE) <= 8


def test_a_span_reaching_beyond_the_recordings_is_padded_with_silence_and_says_so(tmp_path):
    folder = record(tmp_path, "flac")
    out = tmp_path / "wide.wav"
    result = extract_span(folder, station_instant("2026-12-03T08:59:57", TORONTO),
                     station_instant("2026-12-03T09:00:04", TORONTO), out)
    pcm = read_wav(out)
    assert len(pcm) == 7 * RATE
    assert [round((g.to_us - g.from_us) / 1000) for g in result.gaps] == [1000, 1000]
    assert onsets(pcm) == [round((s + 1) * RATE) + RISE for s in BURSTS_S]


def test_an_extract_can_be_encoded_by_its_extension(tmp_path):
    folder = record(tmp_path, "flac")
    out = tmp_path / "span.flac"
    extract_span(folder, station_instant("2026-12-03T13:59:59Z", TORONTO), station_instant("2026-12-03T14:00:01Z", TORONTO),
            out)
    pcm = decode(out)
    assert len(pcm) == 2 * RATE and onsets(pcm) == [RISE, round(0.9 * RATE) + RISE, round(1.5 * RATE) + RISE]
