"""A small real media library made once per session: every supported format, tagged, plus broken files."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from radiod.library.synth import make_tone
from tests.library.samples import FORMATS, FULL_TAGS

@dataclass(frozen=True)
class Media:
    """Paths of the session's files. ``good[fmt]`` is fully tagged; ``broken[name]`` are not playable."""

    root: Path
    good: dict[str, Path]
    broken: dict[str, Path]

    def copy_to(self, target: Path, *, broken: bool = True) -> Path:
        """A writable copy of the whole library (tests that change files use this)."""
        shutil.copytree(self.root / "good", target / "good")
        if broken:
            shutil.copytree(self.root / "broken", target / "broken")
        return target


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> Media:
    root = tmp_path_factory.mktemp("media")
    good = {fmt: make_tone(root / "good" / f"harbour.{fmt}", seconds=1.5, freqs=(440.0, 554.4),
                           tags={**FULL_TAGS, "title": f"Harbour Lights ({fmt})"})
            for fmt in FORMATS}
    broken_dir = root / "broken"
    broken_dir.mkdir()
    broken = {}
    broken["empty"] = broken_dir / "empty.flac"
    broken["empty"].write_bytes(b"")
    broken["text"] = broken_dir / "readme.mp3"
    broken["text"].write_text("These are the liner notes, not a song.\n" * 20, encoding="utf-8")
    flac = good["flac"].read_bytes()
    broken["truncated"] = broken_dir / "cut.flac"
    broken["truncated"].write_bytes(flac[: len(flac) // 2])
    # Overwrite the FLAC STREAMINFO block: the parser rejects the header.
    broken["corrupt"] = broken_dir / "corrupt.flac"
    broken["corrupt"].write_bytes(flac[:4] + bytes([0x00, 0xFF, 0xFF, 0xFF]) + b"\x00" * 60 + flac[68:])
    broken["unsupported"] = broken_dir / "song.wma"
    broken["unsupported"].write_bytes(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11" + b"\x00" * 200)
    return Media(root, good, broken)
