"""Retention on a fake clock: a closed hour file goes ``keep_days`` after its last frame, never a
millisecond before; the presets are the regulators' periods."""

from __future__ import annotations

from datetime import timedelta

from radiod.clock import FakeClock, to_ms
from radiod.config import load_config
from radiod.logger.files import expire, hour_files

from .helpers import RATE, counter, epoch_ms, feed, make_logger, utc


def test_a_file_is_deleted_after_its_keeping_period_and_never_before(tmp_path):
    folder = tmp_path / "logger"
    clock = FakeClock(utc(2026, 12, 3, 13, 59))
    logger = make_logger(folder, clock, keep_days=28)
    feed(logger, counter(4 * RATE), epoch_ms(utc(2026, 12, 3, 13, 59, 58)))     # two files, cut at 14:00
    logger.close()
    first, second = hour_files(folder)
    assert first.end_us == second.start_us == round(epoch_ms(utc(2026, 12, 3, 14)) * 1000)

    due_ms = first.end_us // 1000 + 28 * 86_400_000
    assert expire(folder, 28, due_ms - 1) == []
    assert (folder / first.name).exists()
    assert expire(folder, 28, due_ms) == [first.name]
    assert not (folder / first.name).exists() and not (folder / (first.name + ".json")).exists()
    assert [f.name for f in hour_files(folder)] == [second.name]


def test_the_logger_expires_as_it_cuts_by_its_clock_and_keeps_the_file_it_writes(tmp_path):
    folder = tmp_path / "logger"
    clock = FakeClock(utc(2026, 11, 1, 9, 59))
    logger = make_logger(folder, clock, keep_days=31)
    feed(logger, counter(2 * RATE), epoch_ms(utc(2026, 11, 1, 9, 59, 59)))     # 09:59:59 … 10:00:01
    old = [f.name for f in hour_files(folder)]
    assert len(old) == 2 and not hour_files(folder)[-1].closed
    # 31 days after the first file's last frame (10:00:00) less a millisecond: nothing goes
    clock.set(utc(2026, 12, 2, 10) - timedelta(milliseconds=1))
    feed(logger, counter(2 * RATE), epoch_ms(utc(2026, 12, 2, 10, 59, 59)), first_frame=10**9)
    names = [f.name for f in hour_files(folder)]
    assert old[0] in names
    clock.set(utc(2026, 12, 2, 10))
    feed(logger, counter(2 * RATE), epoch_ms(utc(2026, 12, 2, 11, 59, 59)), first_frame=2 * 10**9)
    names = [f.name for f in hour_files(folder)]
    assert old[0] not in names and old[1] in names          # the second ran to 10:00:01: still kept
    assert to_ms(clock.now()) < hour_files(folder)[0].end_us // 1000 + 31 * 86_400_000
    logger.close()


def test_the_presets_are_the_regulators_periods(tmp_path):
    (tmp_path / "radiod.toml").write_text('[logger]\nenabled = true\n')
    assert load_config(tmp_path, env={}).logger.keep_days == 31
    for preset, days in (("crtc", 28), ("ofcom", 42)):
        (tmp_path / "radiod.toml").write_text(f'[logger]\nretention_preset = "{preset}"\nretention_days = 5\n')
        assert load_config(tmp_path, env={}).logger.keep_days == days
