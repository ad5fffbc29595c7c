"""The logger's hour files: cut on the station clock's hour by the blocks' heard times, to the
frame, nothing lost or doubled; named by their UTC start; a gap in the air begins a new file."""

from __future__ import annotations

import json
import math
import os
import stat

import pytest

import numpy as np

from radiod.clock import FakeClock
from radiod.logger.files import hour_files

from .helpers import RATE, counter, decode, epoch_ms, feed, make_logger, numbers, utc


@pytest.mark.parametrize("jitter_ms", [0.0, 0.4])
def test_files_are_cut_on_the_hour_to_the_frame_and_hold_every_frame_once(tmp_path, jitter_ms):
    clock = FakeClock(utc(2026, 12, 3, 13, 59))
    logger = make_logger(tmp_path / "logger", clock)
    start = epoch_ms(utc(2026, 12, 3, 13, 59, 57)) + 0.37          # not on a frame of the hour
    air = counter(6 * RATE)
    feed(logger, air, start, jitter_ms=jitter_ms)
    logger.close()

    files = hour_files(tmp_path / "logger")
    assert [f.name for f in files] == ["air-2026-12-03T135957Z.flac", "air-2026-12-03T140000Z.flac"]
    first, second = files
    # the cut: the first frame heard at or after 14:00:00.000 begins the second file
    hour_ms = epoch_ms(utc(2026, 12, 3, 14))
    cut = math.ceil((hour_ms - start) * RATE / 1000)
    # exact to the frame by the heard times; a block's heard time off by j ms moves it j * 44.1 frames
    slack = math.ceil(jitter_ms * RATE / 1000)
    assert abs(first.frames - cut) <= slack, (first.frames, cut)
    assert 0 <= second.start_us - hour_ms * 1000 <= 1_000_000 / RATE or jitter_ms
    assert abs(first.start_us - start * 1000) <= jitter_ms * 1000 + 1
    assert first.frames + second.frames == len(air)
    # lossless: the two files are the air, every frame once, in order
    decoded = [decode(tmp_path / "logger" / f.name) for f in files]
    assert [len(d) for d in decoded] == [first.frames, second.frames]
    assert np.array_equal(numbers(np.concatenate(decoded)), np.arange(len(air)))
    # the sidecar keeps the exact instant, the length and the digest; everything is private
    side = json.loads((tmp_path / "logger" / (second.name + ".json")).read_text())
    assert side["start_us"] == second.start_us and side["frames"] == second.frames and len(side["sha256"]) == 64
    for name in os.listdir(tmp_path / "logger"):
        assert stat.S_IMODE((tmp_path / "logger" / name).stat().st_mode) & 0o077 == 0, name


def test_a_gap_in_the_air_begins_a_new_file_named_by_its_own_start(tmp_path):
    clock = FakeClock(utc(2026, 12, 3, 10))
    logger = make_logger(tmp_path / "logger", clock)
    start = epoch_ms(utc(2026, 12, 3, 10, 15, 0))
    feed(logger, counter(2 * RATE), start)
    feed(logger, counter(RATE), start + 5000, first_frame=0)      # the output restarted, counting from 0
    logger.close()
    files = hour_files(tmp_path / "logger")
    assert [f.name for f in files] == ["air-2026-12-03T101500Z.flac", "air-2026-12-03T101505Z.flac"]
    assert [f.frames for f in files] == [2 * RATE, RATE]
    assert files[1].start_us == round((start + 5000) * 1000)


def test_a_file_left_open_by_a_crash_is_closed_and_chained_by_the_next_run(tmp_path):
    clock = FakeClock(utc(2026, 12, 3, 10))
    crashed = make_logger(tmp_path / "logger", clock, fmt="opus")
    feed(crashed, counter(3 * RATE), epoch_ms(utc(2026, 12, 3, 10, 20)))
    crashed._abandon()                                   # killed: the encoder dies, nothing is closed
    [left] = hour_files(tmp_path / "logger")
    assert not left.closed
    told = []
    restarted = make_logger(tmp_path / "logger", clock, fmt="opus", on_closed=told.append)
    feed(restarted, counter(RATE), epoch_ms(utc(2026, 12, 3, 10, 30)))
    restarted.recovered.join(timeout=30)
    files = hour_files(tmp_path / "logger")
    assert [f.name for f in files] == [left.name, "air-2026-12-03T103000Z.opus"]
    # what the encoder had written when it died (fed faster than real time, it was behind)
    assert files[0].closed and 0 < files[0].frames <= 3 * RATE and len(files[0].sha256) == 64
    assert files[0].frames == len(decode(tmp_path / "logger" / left.name))
    assert not files[1].closed and told == [None]        # the file being written is not touched
    restarted.close()


def test_the_cut_is_on_the_station_clocks_hour_whatever_its_offset_and_across_dst():
    from zoneinfo import ZoneInfo

    from radiod.logger.recorder import next_hour_us

    def us(moment) -> int:
        return round(moment.timestamp() * 1_000_000)

    kolkata, toronto = ZoneInfo("Asia/Kolkata"), ZoneInfo("America/Toronto")
    assert next_hour_us(us(utc(2026, 12, 3, 14, 10)), kolkata) == us(utc(2026, 12, 3, 14, 30))   # 20:00 IST
    assert next_hour_us(us(utc(2026, 12, 3, 14, 30)), kolkata) == us(utc(2026, 12, 3, 15, 30))
    # 1 November 2026 in Toronto: 01:00 EDT (05:00Z), 01:00 EST again (06:00Z), then 02:00 EST (07:00Z)
    assert next_hour_us(us(utc(2026, 11, 1, 4, 30)), toronto) == us(utc(2026, 11, 1, 5))
    assert next_hour_us(us(utc(2026, 11, 1, 5, 30)), toronto) == us(utc(2026, 11, 1, 6))
    assert next_hour_us(us(utc(2026, 11, 1, 6, 30)), toronto) == us(utc(2026, 11, 1, 7))


def test_a_station_half_an_hour_from_utc_gets_its_files_cut_at_half_past_utc(tmp_path):
    from zoneinfo import ZoneInfo

    clock = FakeClock(utc(2026, 12, 3, 14))
    logger = make_logger(tmp_path / "logger", clock, zone=ZoneInfo("Asia/Kolkata"))
    feed(logger, counter(4 * RATE), epoch_ms(utc(2026, 12, 3, 14, 29, 58)))
    logger.close()
    assert [f.name for f in hour_files(tmp_path / "logger")] == ["air-2026-12-03T142958Z.flac",
                                                                 "air-2026-12-03T143000Z.flac"]
