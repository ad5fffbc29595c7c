"""Every codec on a real icecast2: the feed's air (a tone) through Liquidsoap to an MP3, an AAC, an Opus
and a Vorbis mount at once; each is listed with its content type and decodes back to the tone."""

from __future__ import annotations

import shutil
import threading
import time

import numpy as np
import pytest

from icecast_server import wait_until
from radiod.clock import SystemClock, to_ms
from radiod.playlog.listeners import http_fetch
from radiod.playout.air_tap import AirBlock
from radiod.streams.feed import StreamFeed
from radiod.streams.outputs import StreamPlan, parse_mount

from .test_streams_daemon import Recorder, icecast_at
from .tones import decode, sequence

PORT = 21012
TYPES = {"mp3": "audio/mpeg", "aac": "audio/aac", "opus": "application/ogg", "ogg": "application/ogg"}


@pytest.mark.slow
def test_mp3_aac_opus_and_vorbis_mounts_carry_the_air(tmp_path):
    clock = SystemClock()
    mounts = tuple(parse_mount(f"icecast://source:srcpw@127.0.0.1:{PORT}/t.{ext}?bitrate=64") for ext in TYPES)
    stop = threading.Event()
    with icecast_at(tmp_path, PORT) as icecast:
        feed = StreamFeed(StreamPlan("T", mounts, (), 2, 5), shutil.which("liquidsoap") or "liquidsoap",
                          tmp_path / "state", clock)

        def air() -> None:                    # a 440 Hz tone at the air's own pace
            began, n = time.monotonic(), 0
            while not stop.is_set():
                tone = (np.sin(2 * np.pi * 440 * np.arange(n, n + 1024) / 44100) * 8000).astype("<i2")
                feed.write(AirBlock(n, np.repeat(tone, 2).tobytes(), clock.monotonic_ms(), to_ms(clock.now()),
                                    n > 0))
                n += 1024
                time.sleep(max(0.0, began + n / 44100 - time.monotonic()))

        feeder = threading.Thread(target=air, daemon=True)
        feeder.start()
        try:
            wait_until(lambda: {f"/t.{e}" for e in TYPES} <= icecast.mounts(), "all four mounts", timeout_s=30)
            status = http_fetch(f"{icecast.url}/status-json.xsl", timeout_ms=2000).decode()
            recorders = {ext: Recorder(f"{icecast.url}/t.{ext}", tmp_path / f"t-{ext}", 5) for ext in TYPES}
            for r in recorders.values():
                r.join()
        finally:
            stop.set()
            feeder.join(5)
            feed.close()
    for ext, content_type in TYPES.items():
        assert f'"server_type":"{content_type}"' in status.replace(" ", ""), (ext, status[:2000])
        heard = sequence(decode(recorders[ext].path), {"tone": 440.0, "other": 880.0})
        assert heard == ["tone"], (ext, heard)


def test_an_icecast_that_is_not_there_is_one_warning_and_the_feed_keeps_taking_the_air(tmp_path, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="radiod.streams")
    clock = SystemClock()
    mount = parse_mount("icecast://source:srcpw@127.0.0.1:21013/t.mp3")      # nothing listens there
    feed = StreamFeed(StreamPlan("T", (mount,), (), 2, 5), shutil.which("liquidsoap") or "liquidsoap",
                      tmp_path / "state", clock)
    try:
        began, n, slowest = time.monotonic(), 0, 0.0
        while time.monotonic() - began < 7:
            t = time.monotonic()
            feed.write(AirBlock(n, bytes(4096), clock.monotonic_ms(), to_ms(clock.now()), n > 0))
            slowest = max(slowest, time.monotonic() - t)
            n += 1024
            time.sleep(max(0.0, began + n / 44100 - time.monotonic()))
    finally:
        feed.close()
    warnings = [r.getMessage() for r in caplog.records if "icecast mount /t.mp3" in r.getMessage()]
    assert len(warnings) == 1 and "trying again" in warnings[0], warnings
    assert "srcpw" not in " ".join(r.getMessage() for r in caplog.records)
    assert slowest < 1.1, f"a write waited {slowest:.2f} s"
