"""The fallback chain, resolved once: playout's runtime fallback and the planner fall back to the
same categories and playlist tracks, and the panel offers the playlist's files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from radiod.app.fallback import emergency_files, runtime_fallback
from radiod.clock import from_ms
from radiod.config import load_config
from radiod.schedule.fallback import resolve_chain
from radiod.schedule_files import load_schedule
from schedule.helpers import MEDIA, track, write_schedule

DAY = date(2026, 11, 21)
STATION = """
    [station]
    name = "Test FM"
    timezone = "America/Toronto"
    djs = ["sam"]
    [fallback]
    chain = [{ category = "pop" }, { playlist = "emergency.m3u" }]
"""


def library() -> list:
    pop = [track(i, f"Artist {i}") for i in range(1, 4)]
    safe = [track(100 + i, "Safe", folder="safe") for i in range(2)]
    ids = [track(200, "Test FM", title="ID", ms=8000, folder="ids")]
    return pop + safe + ids


def schedule(tmp_path: Path):
    folder = write_schedule(tmp_path / "schedules", station=STATION)
    # One entry is not in the library: passed over, never a hole in the chain.
    (folder / "emergency.m3u").write_text("# the safe songs\nsafe/00101.mp3\nsafe/gone.mp3\nsafe/00100.mp3\n")
    return load_schedule(folder)


def test_runtime_fallback_is_the_chain_the_planner_resolves(tmp_path):
    s = schedule(tmp_path)
    tracks = library()
    chain = resolve_chain(s, tracks, [MEDIA])
    assert chain.categories == ("pop",)
    assert [t.id for t in chain.playlist] == [101, 100]           # playlist order, the missing one skipped

    fallback = runtime_fallback(s, tracks, [Path(MEDIA)], DAY)
    emergency = dict(fallback.chain)["emergency"]
    assert [(i.category, i.track_id) for i in emergency] == [
        ("pop", 1), ("pop", 2), ("pop", 3), ("playlist", 101), ("playlist", 100)]
    assert [(i.usage, i.track_id) for i in dict(fallback.chain)["station_id"]] == [("station_id", 200)]
    first = fallback.next_item(from_ms(0), "empty log")
    assert first is not None and first.source == "fallback" and first.track_id == 1


def test_no_schedule_means_an_empty_chain():
    assert not runtime_fallback(None, library(), [Path(MEDIA)], DAY)


def test_the_panel_offers_the_playlist_files_that_exist(tmp_path):
    station = tmp_path / "station"
    write_schedule(station / "schedules", station=STATION)
    (station / "schedules" / "emergency.m3u").write_text("safe/one.mp3\nsafe/missing.mp3\nsafe/two.mp3\n")
    (station / "radiod.toml").write_text('[station]\nname = "Test FM"\ntimezone = "America/Toronto"\n')
    for name in ("one", "two"):
        (station / "media" / "safe").mkdir(parents=True, exist_ok=True)
        (station / "media" / "safe" / f"{name}.mp3").write_bytes(b"audio")
    config = load_config(station, env={})
    assert [p.name for p in emergency_files(config)] == ["one.mp3", "two.mp3"]


def test_one_vocabulary_of_usages():
    """Categories may use a subset of what the play log accepts, and each plans as a known kind."""
    from radiod.playlog.store import USAGES as PLAY_USAGES
    from radiod.schedule.log import CATEGORY_USAGES, KIND_OF_USAGE, USAGES, Usage
    from typing import get_args

    assert PLAY_USAGES is USAGES and tuple(get_args(Usage)) == USAGES
    assert set(CATEGORY_USAGES) <= set(USAGES)
    assert set(KIND_OF_USAGE) == set(CATEGORY_USAGES)
