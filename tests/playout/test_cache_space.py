"""A full disk under the PCM cache: items are decoded into memory and still air (real libVLC into
a null sink, the cache on a real tmpfs filled to the last byte)."""

from __future__ import annotations

import logging
from pathlib import Path

from radiod.clock import SystemClock
from radiod.playout.port import Cue
from radiod.playout.vlc_player import VlcPlayer
from tests.audio_capture import LEFT, Capture, private_pulse, write_tone
from tests.db_faults import fill, small_tmpfs
from tests.playout.test_vlc_player import Events


def test_a_full_disk_under_the_cache_decodes_into_memory_and_the_item_airs(tmp_path, caplog):
    tone = write_tone(tmp_path / "song.mp3", 600, 1500, LEFT)
    with small_tmpfs(tmp_path / "disk", "1m") as disk, private_pulse(tmp_path / "pulse") as pulse:
        fill(disk)
        player = VlcPlayer(SystemClock(), output="auto", cache_dir=disk / "cache", state_dir=tmp_path / "state")
        events = Events(player)
        try:
            with caplog.at_level(logging.WARNING), Capture(pulse) as cap:
                player.prepare(Cue("song", str(tone)))
                events.wait("ready", "song")
                player.start("song")
                ended = events.wait_any("song")
            assert ended.kind == "ended", ended.detail
            [heard] = cap.sounds(LEFT)
            assert abs(heard.length_ms - 1500) <= 5
            ram = [Path(r.args[1]) for r in caplog.records if "decoding into memory" in r.getMessage()]
            assert len(ram) == 1 and ram[0].parent == Path("/dev/shm") and oct(ram[0].stat().st_mode)[-3:] == "700"
            assert list((disk / "cache").glob("*.wav")) == []
        finally:
            player.close()
    assert not ram[0].exists()                  # the memory folder goes with the player
