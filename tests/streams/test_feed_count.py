"""The stream feed counts the frames its reader gets, from the same 0: a position Liquidsoap reports
(seconds of air read) maps back to the block whose bytes sit there, and to when it was heard —
through a reader that stalls (blocks cut short by the deadline, blocks dropped)."""

from __future__ import annotations

import os
import threading
import time

import numpy as np

from radiod.clock import SystemClock
from radiod.playout.air_tap import AirBlock
from radiod.streams.feed import StreamFeed
from radiod.streams.outputs import StreamPlan

BLOCK_FRAMES = 3000                 # 12,000 bytes: more than the FIFO holds, so a stall cuts one short
HEARD_0_MS = 1_796_000_000_000.0


def block(n: int, heard_ago_ms: float = -600.0) -> AirBlock:
    """Block n: every sample is n, heard n seconds after HEARD_0_MS (so a wrong map shows); on the
    monotonic clock it is heard ``heard_ago_ms`` before now (by default 0.6 s from now, as from libVLC)."""
    pcm = np.full(BLOCK_FRAMES * 2, n, dtype="<i2").tobytes()
    return AirBlock(n * BLOCK_FRAMES, pcm, time.monotonic() * 1000 - heard_ago_ms, HEARD_0_MS + n * 1000.0, n > 0)


def fake_liquidsoap(tmp_path) -> str:
    """Prints its start line and never reads itself: the test is the reader."""
    fake = tmp_path / "fake-liquidsoap"
    fake.write_text("#!/bin/sh\necho STREAMING\nexec sleep 600\n")
    fake.chmod(0o700)
    return str(fake)


def wait_for_reader(feed: StreamFeed) -> None:
    deadline = time.monotonic() + 10    # its STREAMING line is handled before the reader comes
    while not feed._new_reader.is_set() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_the_position_liquidsoap_reports_maps_to_the_block_it_read_through_a_stalled_reader(tmp_path):
    feed = StreamFeed(StreamPlan("T", (), (), 2, 5), fake_liquidsoap(tmp_path), tmp_path / "state", SystemClock())
    got = bytearray()
    stalled, go_on, done = threading.Event(), threading.Event(), threading.Event()

    def reader() -> None:               # Liquidsoap's cat: reads all, but stops for 2.5 s once told
        go_on.set()
        fd = os.open(feed.fifo, os.O_RDONLY)          # returns once the feed opens its end
        while True:
            if stalled.is_set():
                time.sleep(2.5)
                stalled.clear()
            data = os.read(fd, 4096)
            if not data:
                break
            got.extend(data)
        os.close(fd)
        done.set()

    try:
        wait_for_reader(feed)
        threading.Thread(target=reader, daemon=True).start()
        assert go_on.wait(5)
        time.sleep(0.2)
        n = 0
        for n in range(20):
            feed.write(block(n))
        stalled.set()
        time.sleep(0.05)
        for n in range(20, 25):         # the reader is away: one is cut short, some dropped
            feed.write(block(n))
        for n in range(25, 40):
            feed.write(block(n))
        deadline = time.monotonic() + 10                # the reader takes what is left (a busy machine)
        while time.monotonic() < deadline and (len(got) % (4 * BLOCK_FRAMES) or got[-2:] != b"\x27\x00"):
            time.sleep(0.05)
        frames = np.frombuffer(bytes(got[:len(got) - len(got) % 4]), dtype="<i2").reshape(-1, 2)[:, 0]
        assert feed.lost_frames > 0, "the stall dropped nothing: the test did not stall the reader"
        assert len(frames) % BLOCK_FRAMES == 0, "a block was cut short in the reader's stream"
        blocks = frames.reshape(-1, BLOCK_FRAMES)
        assert all((b == b[0]).all() for b in blocks), "blocks interleaved or misaligned"
        assert blocks[-1][0] == 39 and len(blocks) < 40
        for at in range(0, len(frames), 1500):
            expected = HEARD_0_MS + int(frames[at]) * 1000.0 + (at % BLOCK_FRAMES) / 44.1
            assert abs(feed.heard_of(at / 44100) - expected) < 0.1, (at, frames[at])
    finally:
        feed.close()
    assert done.wait(5)


def test_air_the_sound_card_already_played_is_not_streamed_so_a_backlog_does_not_delay_the_streams(tmp_path):
    feed = StreamFeed(StreamPlan("T", (), (), 2, 5), fake_liquidsoap(tmp_path), tmp_path / "state", SystemClock())
    got = bytearray()

    def reader() -> None:
        fd = os.open(feed.fifo, os.O_RDONLY)
        while data := os.read(fd, 65536):
            got.extend(data)
        os.close(fd)

    try:
        wait_for_reader(feed)
        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        time.sleep(0.2)
        for n in range(10):                  # what queued up while Liquidsoap started: heard seconds ago
            feed.write(block(n, heard_ago_ms=10_000 - n * 68))
        feed.write(block(10, heard_ago_ms=200))      # late, but not yet by a quarter of a second
        for n in range(11, 20):
            feed.write(block(n))
        first_heard = feed.heard_of(0)
    finally:
        feed.close()
    thread.join(5)
    firsts = np.frombuffer(bytes(got), dtype="<i2").reshape(-1, BLOCK_FRAMES * 2)[:, 0]
    assert list(firsts) == list(range(10, 20)), "blocks already heard were streamed (or fresh ones lost)"
    assert feed.lost_frames == 10 * BLOCK_FRAMES
    assert first_heard is not None and abs(first_heard - (HEARD_0_MS + 10_000.0)) < 0.1, \
        "the first streamed frame maps to the wrong block"
