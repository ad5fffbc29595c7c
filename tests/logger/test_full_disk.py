"""A full disk under the logger's folder (a real small tmpfs): the logger stops with one error
line naming the file, the tap reports it, and feeding the air never waits for it."""

from __future__ import annotations

import logging
import time

from radiod.clock import SystemClock
from radiod.logger.recorder import AirLogger
from radiod.playout.air_tap import AirTap
from tests.db_faults import fill, small_tmpfs

from .helpers import BLOCK, RATE, bursts


def test_enospc_stops_the_logger_with_one_line_and_never_holds_up_the_air(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    with small_tmpfs(tmp_path / "disk", "2m") as disk:
        clock = SystemClock()
        tap = AirTap(clock)
        logger = AirLogger(disk / "logger", fmt="opus", bitrate_kbps=64, keep_days=31, clock=clock)
        tap.attach(logger)
        pcm = bursts(60 * RATE, list(range(0, 60 * RATE, RATE)), RATE // 2).tobytes()
        fed = 0

        def feed(seconds: int) -> float:
            nonlocal fed
            slowest = 0.0
            for _ in range(seconds * RATE // BLOCK):
                began = time.monotonic()
                at = fed % (len(pcm) // 4 - BLOCK)
                tap.feed(fed, pcm[at * 4:(at + BLOCK) * 4], clock.monotonic_ms() + 100)
                slowest = max(slowest, time.monotonic() - began)
                fed += BLOCK
                time.sleep(0.0005)
            return slowest

        feed(2)
        deadline = time.monotonic() + 5
        while logger.current is None and time.monotonic() < deadline:
            time.sleep(0.01)
        name = logger.current.name if logger.current else ""
        assert name, "the logger did not begin a file"
        fill(disk)
        slowest = feed(60)
        deadline = time.monotonic() + 20
        while not tap.health()[0].failed and time.monotonic() < deadline:
            time.sleep(0.05)
        failed = tap.health()[0].failed
        assert failed and "No space left on device" in failed and name in failed, failed
        assert slowest < 0.05, f"feeding the air waited {slowest * 1000:.0f} ms for the logger"
        feed(2)                                    # after the stop: still no error, no wait
        tap.close()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].getMessage().startswith("air: logger stopped: "), \
        [r.getMessage() for r in errors]
    assert "\n" not in errors[0].getMessage() and not errors[0].exc_info
