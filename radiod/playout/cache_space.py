"""Where an item is decoded to: the PCM cache on disk, or memory when the disk has no room.

A full disk (a runaway log, an operator's copy) must not take the station off air: every item
not yet decoded would fail with "No space left on device", and with an uncached fallback the air
would go silent. So before each decode the free space is compared with what the decode will
write; when it does not fit, the item is decoded into a private folder in RAM (``/dev/shm``, a
random 0700 name so no other user can plant or read it), said once in the log, and the disk is
used again as soon as it has room. Decodes already on disk are used as they are.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from radiod.playout.output import RATE
from radiod.playout.pcm_cache import FRAME_BYTES, cache_path, sweep_cache
from radiod.playout.port import Cue

log = logging.getLogger(__name__)

RAM_ROOT = Path("/dev/shm")
UNKNOWN_LENGTH_MS = 3_600_000      # an item without a cue-out may be an hour-long show
FLOOR_BYTES = 16 << 20             # left free on the disk beside each decode
RAM_KEEP_MS = 2 * 3_600_000        # decodes in memory older than this are removed (memory is scarce)


class CacheSpace:
    """Chooses the folder for each decode; ``close()`` removes the memory folder."""

    def __init__(self, disk: Path, ram_root: Path = RAM_ROOT):
        self.disk = Path(disk)
        self.ram_root = ram_root
        self._ram: Path | None = None
        self._spilling = False

    def folder_for(self, cue: Cue, offset_ms: int, now_ms: int) -> Path:
        if cache_path(self.disk, cue, offset_ms).exists() or self._fits(cue, offset_ms):
            if self._spilling:
                log.warning("PCM cache: %s has room again; decoding there", self.disk)
                self._spilling = False
            return self.disk
        ram = self._ram_folder()
        if ram is None:
            return self.disk            # no memory folder either: the decode fails and says why
        if not self._spilling:
            log.warning("PCM cache: %s has no room for the next decode; decoding into memory (%s) "
                        "until it has", self.disk, ram)
            self._spilling = True
        sweep_cache(ram, now_ms, older_than_ms=RAM_KEEP_MS)
        return ram

    def close(self) -> None:
        if self._ram is not None:
            shutil.rmtree(self._ram, ignore_errors=True)
            self._ram = None

    def _fits(self, cue: Cue, offset_ms: int) -> bool:
        length_ms = (UNKNOWN_LENGTH_MS if cue.cue_out_ms is None
                     else max(0, cue.cue_out_ms - cue.cue_in_ms - offset_ms))
        need = length_ms * RATE // 1000 * FRAME_BYTES + FLOOR_BYTES
        try:
            self.disk.mkdir(parents=True, exist_ok=True)
            return shutil.disk_usage(self.disk).free >= need
        except OSError:
            return False

    def _ram_folder(self) -> Path | None:
        if self._ram is None or not self._ram.is_dir():
            try:
                self._ram = Path(tempfile.mkdtemp(prefix="radiod-pcm-", dir=self.ram_root))
            except OSError as exc:
                log.error("PCM cache: no memory folder in %s either: %s", self.ram_root, exc)
                return None
        return self._ram
