"""The demo's pre-recorded show ships with tracklists that name songs of the demo library."""

from __future__ import annotations

import shutil
from datetime import date

from radiod.app.show_tracklists import write_demo_tracklists
from radiod.library.demo import SHOW_ID, SHOW_PARTS, plan_demo, repository_schedules
from radiod.library.registry import load_registry, registry_path
from radiod.tracklist_files import load_tracklist

TODAY = date(2026, 12, 2)


def test_each_show_part_has_a_tracklist_of_demo_library_songs(tmp_path):
    shutil.copytree(repository_schedules(), tmp_path / "schedules")
    songs = write_demo_tracklists(tmp_path, TODAY)
    plan = plan_demo(TODAY, load_registry(registry_path(tmp_path / "schedules")))
    library = {(f.tags["artist"], f.tags["title"]) for f in plan if f.relpath.startswith("media/music/")}
    parts = [f for f in plan if f.relpath.startswith(f"uploads/{SHOW_ID}/")]
    assert len(parts) == SHOW_PARTS
    total = 0
    for part in parts:
        tracklist = load_tracklist(tmp_path / "state", SHOW_ID, part.relpath.rsplit("/", 1)[1])
        assert tracklist is not None and tracklist.entries[0].offset_ms == 0
        assert all((e.artist, e.title) in library for e in tracklist.entries)
        assert tracklist.entries[-1].offset_ms < part.seconds * 1000
        total += len(tracklist.entries)
    assert total == songs >= 3 * SHOW_PARTS
