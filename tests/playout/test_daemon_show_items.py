"""A pre-recorded show with a tracklist through the real daemon and libVLC, killed -9 mid-show:
its songs become item rows at the show row's measured start, each logged once across the crash."""

from __future__ import annotations

import sqlite3
import time

import pytest

from radiod.playlog.verify import verify_chain
from radiod.store import open_db
from radiod.tracklist_files import save_tracklist
from radiod.tracklists import read_tracklist

from audio_capture import private_pulse
from .daemon_station import Daemon, make_station, rows, wait_for, wall_ms

SHOW_MS = 40_000
TRACKLIST = "0:00 Alpha – One\n0:10 Bravo – Two\n0:20 Charlie – Three\n0:30 Delta – Four\n"


def item_rows(station) -> list[dict]:
    conn = sqlite3.connect(f"file:{station / 'radiod.db'}?mode=ro", uri=True, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(
            "SELECT i.*, t.file_offset_ms AS show_offset FROM play_items i JOIN play_tracklists t USING (play_id)"
            " ORDER BY i.id")]
    finally:
        conn.close()


@pytest.mark.slow
def test_a_show_killed_mid_song_logs_each_song_once_at_its_aired_time(tmp_path):
    station, items = make_station(tmp_path, show_ms=SHOW_MS, minutes=4, lead_ms=1000)
    show_file = station / "media" / "show.wav"
    save_tracklist(station / "state", "media", "show.wav", read_tracklist(TRACKLIST.encode(), SHOW_MS))
    with private_pulse(tmp_path):
        daemon = Daemon(station, tmp_path / "daemon.log")
        try:
            show = wait_for(lambda: [r for r in rows(station) if r["source"] == "show"], timeout_s=60,
                            what="the show on air")[0]
            # Kill 14 s into the show: inside the second song.
            time.sleep(max(0.0, (show["started_at_ms"] + 14_000 - wall_ms()) / 1000))
        finally:
            daemon.kill9()
        daemon = Daemon(station, tmp_path / "daemon.log")
        try:
            # The show continues after the restart and plays on to its end.
            wait_for(lambda: [r for r in rows(station) if r["source"] == "show" and r["id"] != show["id"]
                              and r["seq"] is not None], timeout_s=90, what="the continued show closed")
        finally:
            assert daemon.terminate() == 0, daemon.log()[-3000:]
    shows = {r["id"]: r for r in rows(station) if r["source"] == "show"}
    first = shows[show["id"]]
    assert first["end_reason"] == "interrupted" and 13_000 <= first["played_ms"] <= 15_000
    got = item_rows(station)
    print("\n".join(f"{r['play_id']} line {r['entry_line']} +{r['started_at_ms'] - shows[r['play_id']]['started_at_ms']}"
                    f" played {r['played_ms']} {r['end_reason']}" for r in got))
    # Every song once, none doubled across the crash; the cut one ends with the crash.
    assert sorted(r["entry_line"] for r in got) == [1, 2, 3, 4]
    by_line = {r["entry_line"]: r for r in got}
    assert by_line[1]["play_id"] == by_line[2]["play_id"] == first["id"]
    assert by_line[2]["end_reason"] == "interrupted"
    assert by_line[1]["played_ms"] + by_line[2]["played_ms"] == first["played_ms"]
    for r in got:
        row = shows[r["play_id"]]
        # Aired times from the show row's measured start and where in the file it started.
        aired_from = max(r["file_offset_ms"], r["show_offset"])
        assert r["started_at_ms"] == row["started_at_ms"] + aired_from - r["show_offset"]
        # (A row's end and its played ms are measured apart and may differ by a millisecond.)
        assert row["started_at_ms"] <= r["started_at_ms"] < r["ended_at_ms"] <= row["ended_at_ms"] + 2
    second = shows[by_line[3]["play_id"]]
    assert second["item_key"].startswith(first["item_key"] + "@") and by_line[4]["play_id"] == second["id"]
    conn = open_db(station / "radiod.db")
    try:
        assert verify_chain(conn).ok and verify_chain(conn).items_checked == 4
    finally:
        conn.close()


@pytest.mark.slow
def test_a_show_cut_short_by_a_hard_start_logs_only_what_aired(tmp_path):
    from datetime import timezone

    from radiod.app.daylogs import save_log
    from radiod.clock import from_ms
    from radiod.schedule.log import LogItem

    station, _ = make_station(tmp_path, show_ms=SHOW_MS, minutes=1, lead_ms=0)
    media = station / "media"
    save_tracklist(station / "state", "media", "show.wav", read_tracklist(TRACKLIST.encode(), SHOW_MS))
    t0 = wall_ms() - 1000

    def item(name: str, at: int, length: int, **kw) -> LogItem:
        show = name == "show"
        return LogItem(start=from_ms(at), length_ms=length, kind="show" if show else "music",
                       source="show" if show else "rotation", usage="feature", path=str(media / f"{name}.wav"),
                       cue_out_ms=length, title=f"{name} {at}", artist="Tone", show="Tone Show" if show else "", **kw)

    show_at, hard_at = t0 + 6000, t0 + 6000 + 25_000       # a hard start 25 s into the 40 s show
    items = [item("a", t0, 6000), item("show", show_at, SHOW_MS),
             item("b", hard_at, 6000, timing="hard", anchor_ms=hard_at), item("c", hard_at + 6000, 6000),
             item("a", hard_at + 12_000, 6000), item("b", hard_at + 18_000, 6000)]
    day = from_ms(t0).astimezone(timezone.utc).date()
    for old in (station / "state" / "logs").glob("*.json"):
        old.unlink()
    save_log(station / "state" / "logs" / f"{day.isoformat()}.json", day, items)
    with private_pulse(tmp_path):
        daemon = Daemon(station, tmp_path / "daemon.log")
        try:
            wait_for(lambda: [r for r in rows(station) if r["source"] == "show" and r["seq"] is not None],
                     timeout_s=90, what="the show closed")
        finally:
            assert daemon.terminate() == 0, daemon.log()[-3000:]
    (show,) = [r for r in rows(station) if r["source"] == "show"]
    got = item_rows(station)
    print(show["end_reason"], show["played_ms"], [(r["entry_line"], r["played_ms"], r["end_reason"]) for r in got])
    assert show["end_reason"] == "cut" and 20_000 <= show["played_ms"] <= 27_000
    # Songs 1 and 2 whole, song 3 up to the cut, song 4 never aired and is not logged.
    assert [(r["entry_line"], r["end_reason"]) for r in got] == [(1, "end"), (2, "end"), (3, "cut")]
    assert sum(r["played_ms"] for r in got) == show["played_ms"]
    assert got[-1]["ended_at_ms"] == show["started_at_ms"] + show["played_ms"]
