"""Outages on the fake clock: a media folder that goes away (renamed for real on disk), and a
process that stood still (a clock jump)."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from radiod.clock import SystemClock
from radiod.config import PlayoutConfig
from radiod.playout.fallback import Fallback
from radiod.playout.media_roots import RETRY_MS, MediaRoots, probe
from radiod.playout.stall import ClockJump, overran
from radiod.playout.messages import ErrorEntry
from radiod.playout.timing import item_key
from radiod.schedule.log import LogItem

from .helpers import Rig, T0, at, ms, sequence, show, song

REPO = Path(__file__).resolve().parents[2]


def files(folder: Path, items: list[LogItem]) -> list[LogItem]:
    """The items with their audio moved into ``folder`` (a real file each, as FakePlayer checks)."""
    folder.mkdir(parents=True, exist_ok=True)
    moved = []
    for item in items:
        path = folder / Path(item.path).name
        path.write_bytes(b"audio")
        moved.append(dataclasses.replace(item, path=str(path)))
    return moved


def station_ids(folder: Path, n: int = 3, length_s: float = 10) -> list[LogItem]:
    ids = [dataclasses.replace(song(900 + i, T0, length_s), path=f"/x/id{i}.mp3", usage="station_id",
                               title=f"ID {i}") for i in range(n)]
    return files(folder, ids)


def rig_on_disk(tmp_path: Path, items: list[LogItem], roots: list[Path], *, fallback: Fallback | None = None,
                start=T0) -> Rig:
    rig = Rig(tmp_path / "r.db", items, start=start, fallback=fallback)
    rig.player.check_files = True          # a file that is not on disk fails to open ('file not found')
    rig.engine.media = MediaRoots(roots)
    return rig


def outage_lines(rig: Rig) -> list[ErrorEntry]:
    return [e for e in rig.engine.errors if e.kind == "media-outage"]


def test_a_music_folder_away_for_90_s_is_an_outage_not_72_bad_items(tmp_path):
    music, ids = tmp_path / "music", tmp_path / "ids"
    items = files(music, sequence(T0, [20] * 60))            # 20 s songs: 4–5 come due during the outage
    rig = rig_on_disk(tmp_path, items, [music, ids], fallback=Fallback(station_ids=station_ids(ids)))
    rig.run_until(at(1, T0) + timedelta(seconds=5))           # song 4 on air since 1:00
    music.rename(tmp_path / "music.away")
    rig.run_until(at(2, T0) + timedelta(seconds=35))          # 90 s away
    (tmp_path / "music.away").rename(music)
    back = ms(at(2, T0) + timedelta(seconds=35))
    rig.run_until(at(6))

    rows = rig.rows()
    assert [r for r in rows if r["end_reason"] == "failed"] == []          # nothing marked bad
    assert rig.engine.fallback.failed == set()
    lines = outage_lines(rig)
    assert len(lines) == 2, lines                                            # one at the start, one at the end
    assert lines[0].detail.startswith(f"{music}: missing")
    assert f"{music} is back after" in lines[1].detail
    # Away from the first failed open (song 5, opened preroll ahead of 1:20) until seen back (≤ 3 s).
    assert 72_000 <= lines[1].figures["length_ms"] <= 90_000, lines[1]
    assert lines[1].figures["missed"] == len([i for i in items if ms(at(1, T0) + timedelta(seconds=20)) <= ms(i.start) < back])
    # The outage was bridged by station IDs, back to back (no gap, nothing silent).
    fill = [r for r in rows if r["source"] == "fallback"]
    assert fill and all(r["path"].startswith(str(ids)) for r in fill)
    aired = sorted(rows, key=lambda r: r["started_at_ms"])
    for a, b in zip(aired, aired[1:]):
        if a["end_reason"] in ("end", "cut"):
            assert b["started_at_ms"] <= a["ended_at_ms"] + 1, (a, b)
    # The plan resumed by itself (no reload) at the item due then: within the retry interval and
    # a preroll (the fallback item on air is cut once the planned one is prepared).
    resumed = [r for r in rows if r["source"] == "rotation" and r["started_at_ms"] >= back]
    assert resumed and resumed[0]["started_at_ms"] - back <= RETRY_MS + PlayoutConfig().preroll_ms
    t = resumed[0]["started_at_ms"]
    n = next(n for n, i in enumerate(items) if ms(i.start) <= t < ms(i.start) + i.length_ms)
    due = items[n] if t - ms(items[n].start) <= items[n].length_ms // 2 else items[n + 1]   # as after a restart
    assert resumed[0]["item_key"] == item_key(due)
    # From then on every planned item aired on its slot, in order.
    first = items.index(due)
    assert len(resumed) >= 8
    assert [r["item_key"] for r in resumed] == [item_key(i) for i in items[first:first + len(resumed)]]
    assert all(r["end_reason"] == "end" for r in resumed)


def test_a_song_due_when_the_folder_returns_still_airs(tmp_path):
    """Passed-over items are not used up: the one due at the return airs (less than half gone)."""
    music, ids = tmp_path / "music", tmp_path / "ids"
    items = files(music, sequence(T0, [60] * 10))
    rig = rig_on_disk(tmp_path, items, [music, ids], fallback=Fallback(station_ids=station_ids(ids)))
    rig.run_until(at(0.5))
    music.rename(tmp_path / "away")
    rig.run_until(at(3, T0) + timedelta(seconds=5))          # song 4's slot began at 3:00; it was passed over
    (tmp_path / "away").rename(music)
    rig.run_until(at(5))
    keys = [r["item_key"] for r in rig.rows() if r["source"] == "rotation"]
    assert item_key(items[3]) in keys and item_key(items[2]) not in keys


def test_no_reachable_fallback_means_one_line_not_a_flood(tmp_path):
    music = tmp_path / "music"
    items = files(music, sequence(T0, [20] * 30))
    ids = station_ids(music)                                 # the IDs live in the same folder
    rig = rig_on_disk(tmp_path, items, [music], fallback=Fallback(station_ids=ids))
    rig.run_until(at(0.5))
    music.rename(tmp_path / "away")
    rig.run_until(at(3))
    (tmp_path / "away").rename(music)
    rig.run_until(at(5))
    assert [r for r in rig.rows() if r["end_reason"] == "failed"] == []
    assert rig.engine.fallback.failed == set()          # the IDs were away, not bad
    assert len(outage_lines(rig)) == 2
    assert len([e for e in rig.engine.errors if e.kind == "fallback" and "no fallback" in e.detail]) <= 3
    assert [r for r in rig.rows() if r["started_at_ms"] >= ms(at(3)) + 3_500 and r["source"] == "rotation"]


def test_a_renamed_sub_folder_is_an_outage_of_that_folder_only(tmp_path):
    root = tmp_path / "media"
    rock = files(root / "rock", sequence(T0, [30] * 20)[::2])
    jazz = files(root / "jazz", sequence(T0, [30] * 20)[1::2])
    items = sorted(rock + jazz, key=lambda i: i.start)
    rig = rig_on_disk(tmp_path, items, [root], fallback=Fallback(station_ids=station_ids(tmp_path / "ids")))
    rig.run_until(at(0.2))
    (root / "rock").rename(root / "rock.old")
    rig.run_until(at(4))
    lines = outage_lines(rig)
    assert len(lines) == 1 and lines[0].detail.startswith(f"{root / 'rock'}: missing")
    aired = {r["item_key"] for r in rig.rows() if r["source"] == "rotation"}
    assert {item_key(i) for i in jazz if ms(i.start) + i.length_ms <= ms(at(4))} <= aired
    assert [r for r in rig.rows() if r["end_reason"] == "failed"] == []


def test_an_unmounted_share_leaves_an_empty_mount_point_which_is_an_outage(tmp_path):
    """A real tmpfs mounted on the music folder, unmounted mid-hour and mounted again."""
    music = tmp_path / "music"
    music.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(music)]
    subprocess.run(mount, check=True)
    try:
        items = files(music, sequence(T0, [30] * 12))
        rig = rig_on_disk(tmp_path, items, [music], fallback=Fallback(station_ids=station_ids(tmp_path / "ids")))
        rig.run_until(at(0.2))
        subprocess.run(["umount", str(music)], check=True)
        rig.run_until(at(2))
        subprocess.run(mount, check=True)
        files(music, items)                  # the share is back with its files
        rig.run_until(at(4))
    finally:
        subprocess.run(["umount", str(music)], capture_output=True)
    lines = outage_lines(rig)
    assert len(lines) == 2 and lines[0].detail.startswith(f"{music}: empty"), lines
    assert [r for r in rig.rows() if r["end_reason"] == "failed"] == []
    assert [r for r in rig.rows() if r["source"] == "rotation" and r["started_at_ms"] >= ms(at(2))]


def test_one_missing_file_in_a_folder_that_is_there_is_still_a_bad_item(tmp_path):
    music = tmp_path / "music"
    items = files(music, sequence(T0, [60, 60, 60]))
    Path(items[1].path).unlink()
    rig = rig_on_disk(tmp_path, items, [music])
    rig.run_until(at(3))
    failed = [r for r in rig.rows() if r["end_reason"] == "failed"]
    assert [r["item_key"] for r in failed] == [item_key(items[1])]
    assert outage_lines(rig) == []


def test_probe_tells_why_a_folder_cannot_be_used(tmp_path):
    assert probe(str(tmp_path / "nope")) == "missing"
    (tmp_path / "f").write_text("x")
    assert probe(str(tmp_path / "f")) == "not a folder"
    (tmp_path / "d").mkdir()
    assert probe(str(tmp_path / "d")) == "empty"
    assert probe(str(tmp_path)) is None


def test_a_folder_the_service_user_cannot_read_is_unreadable():
    """As a real non-root user (root reads anything): a music folder of mode 0700 owned by root."""
    base = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        base.chmod(0o755)
        music = base / "music"
        music.mkdir(mode=0o700)
        (music / "a.wav").write_bytes(b"audio")
        code = (f"import sys; sys.path.insert(0, {str(REPO)!r}); "
                f"from radiod.playout.media_roots import MediaRoots; "
                f"print(MediaRoots([{str(music)!r}]).unreachable({str(music / 'a.wav')!r}))")
        out = subprocess.run(["runuser", "-u", "nobody", "--", "/usr/bin/python3", "-c", code],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == f"Unreachable(folder='{music}', why='unreadable: Permission denied')"
    finally:
        shutil.rmtree(base)


# -- a process that stood still ------------------------------------------------------------------

def freeze(rig: Rig, seconds: float) -> None:
    """The whole process stops: the clock runs on while nothing happens, then it wakes."""
    before = rig.clock.monotonic_ms()
    rig.clock.advance(int(seconds * 1000))
    rig.engine.post(ClockJump(before, rig.clock.monotonic_ms()))
    rig.engine.pump()


def test_a_stall_is_logged_as_dead_air_and_the_row_claims_only_what_was_heard(tmp_path):
    items = sequence(T0, [60] * 6)
    rig = Rig(tmp_path / "r.db", items)
    rig.run_until(at(1.5))                                   # 30 s into song 2
    freeze(rig, 15)
    rig.run_until(at(4))
    rows = {r["item_key"]: r for r in rig.rows()}
    two = rows[item_key(items[1])]
    assert two["end_reason"] == "interrupted" and two["played_ms"] == 30_000
    assert "stood still for 15.0 s" in two["detail"]
    dead = [e for e in rig.engine.errors if e.kind == "dead-air"]
    assert len(dead) == 1 and dead[0].figures["length_ms"] == 15_000
    # Back by the clock: song 2 (interrupted) is not replayed, song 3 comes on at once.
    three = rows[item_key(items[2])]
    assert three["started_at_ms"] == ms(at(1.5)) + 15_000
    assert rows[item_key(items[3])]["started_at_ms"] == ms(at(2.75))         # and the flow runs on


def test_a_show_stalled_mid_way_continues_at_the_clock_offset(tmp_path):
    items = [show("Talk", T0, 600), song(9, at(10), 180, timing="hard")]
    rig = Rig(tmp_path / "r.db", items)
    rig.run_until(at(3))
    freeze(rig, 15)
    rig.run_until(at(11))
    rows = rig.rows()
    assert rows[0]["end_reason"] == "interrupted" and rows[0]["played_ms"] == 180_000
    assert rows[1]["item_key"] == f"{item_key(items[0])}@195000"
    assert rows[1]["started_at_ms"] == ms(at(3)) + 15_000 and rows[1]["ended_at_ms"] == ms(at(10))
    assert rig.open_rows()[0]["started_at_ms"] == ms(at(10))


def test_a_late_wake_is_a_jump_and_an_early_or_slightly_late_one_is_not():
    assert overran(0, 250, 100) is None                      # woke early, for a message
    assert overran(0, 250, 1900) is None                     # a loaded machine
    jump = overran(1000, 1250, 16_250)
    assert jump is not None and jump.length_ms == 15_250


def test_a_long_fallback_song_is_faded_for_the_plan_when_the_folder_is_back(tmp_path):
    music, spare = tmp_path / "music", tmp_path / "spare"
    items = files(music, sequence(T0, [60] * 10))
    emergency = files(spare, [dataclasses.replace(song(800 + i, T0, 200), path=f"/x/e{i}.mp3") for i in range(2)])
    rig = rig_on_disk(tmp_path, items, [music, spare], fallback=Fallback(emergency=emergency))
    rig.run_until(at(0.5))
    music.rename(tmp_path / "away")
    rig.run_until(at(2, T0) + timedelta(seconds=10))
    (tmp_path / "away").rename(music)
    rig.run_until(at(6))
    rows = sorted(rig.rows(), key=lambda r: r["started_at_ms"])
    fill = [r for r in rows if r["source"] == "fallback"]
    assert len(fill) == 1 and fill[0]["end_reason"] == "cut"          # 200 s song, cut for the plan
    after = rows[rows.index(fill[0]) + 1]
    assert after["started_at_ms"] == fill[0]["ended_at_ms"]           # no gap, no overlap past the fade
    # Song 3's slot (2:00–3:00) was less than half gone when the folder came back: it airs.
    assert after["item_key"] == item_key(items[2])
    assert after["started_at_ms"] - ms(at(2, T0) + timedelta(seconds=10)) <= RETRY_MS + PlayoutConfig().preroll_ms
    assert [r for r in rows if r["end_reason"] == "failed"] == []


class LeapingClock(SystemClock):
    """The system clock, plus a jump the test makes while the engine thread waits (a frozen
    process sees both clocks leap when it wakes)."""

    def __init__(self) -> None:
        self.leap_ms = 0

    def now(self):
        return super().now() + timedelta(milliseconds=self.leap_ms)

    def monotonic_ms(self) -> int:
        return super().monotonic_ms() + self.leap_ms


def test_the_engine_thread_notices_its_own_wait_overran(tmp_path):
    """run() on its own thread: a wait that ends 15 s late is dead air, logged once."""
    clock = LeapingClock()
    start = clock.now()
    rig = Rig(tmp_path / "r.db", sequence(start - timedelta(seconds=1), [60] * 3), clock=clock)  # type: ignore[arg-type]
    thread = threading.Thread(target=rig.engine.run, daemon=True)
    thread.start()
    try:
        time.sleep(0.6)                       # running, waiting in 250 ms steps
        clock.leap_ms = 15_000
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not [e for e in rig.engine.errors if e.kind == "dead-air"]:
            time.sleep(0.05)
        time.sleep(0.6)
    finally:
        rig.engine.stop()
        thread.join(timeout=10)
    dead = [e for e in rig.engine.errors if e.kind == "dead-air"]
    assert len(dead) == 1 and 15_000 <= dead[0].figures["length_ms"] <= 15_000 + 250 + 200, dead
