"""Fixtures shared by every test package. Keep this small; package-specific ones live beside their tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from radiod.library.synth import make_tone


@pytest.fixture(scope="session")
def tone_file(tmp_path_factory) -> Callable[..., Path]:
    """``tone_file("a.flac", seconds=2, tags={...})``: a real ffmpeg-made file, made once per session.

    Identical arguments return the same file, so treat it as read-only (copy it to change it).
    """
    folder = tmp_path_factory.mktemp("tones")
    made: dict[str, Path] = {}

    def make(name: str, **kwargs: Any) -> Path:
        key = repr((name, sorted(kwargs.items())))
        if key not in made:
            target = folder / str(len(made)) / name
            made[key] = make_tone(target, **{"seconds": 1.0, **kwargs})
        return made[key]

    return make
