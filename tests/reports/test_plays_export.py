"""The plays export read the fast way (read_plays_csv) gives the very bytes of the dict way."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from radiod.playlog.store import PlayLog, read_plays, read_plays_csv
from radiod.reports import plays
from radiod.reports.period import parse_period
from radiod.store import open_db

from .fixture import ZONE, build

EXPECTED = Path(__file__).parent / "expected"
MARCH = parse_period("2026-03-01", "2026-03-31", ZONE)
T0 = MARCH.start_ms + 3_600_000


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("fixture") / "radiod.db"
    build(path)
    return path


def both_ways(conn, period=MARCH, corrected=True) -> tuple[bytes, bytes]:
    fast = plays.report(read_plays_csv(conn, corrected=corrected), period)
    slow = plays.report(read_plays(conn, corrected=corrected), period)
    return fast, slow


def test_fixture_month_is_the_expected_file_either_way(fixture_db):
    conn = open_db(fixture_db)
    fast, slow = both_ways(conn)
    # plays 1 (February) and 12 (April) are read but left out; "Live at the Rivoli, Toronto" is quoted
    assert fast == slow == (EXPECTED / "plays-2026-03.csv").read_bytes()
    assert all(type(item) is tuple for item in read_plays_csv(conn))


def test_reading_a_period_reads_only_its_plays(fixture_db):
    conn = open_db(fixture_db)
    items = read_plays_csv(conn, started_from_ms=MARCH.start_ms, started_before_ms=MARCH.end_ms)
    assert [item[0] for item in items] == [r["started_at_ms"] for r in read_plays(conn)][1:11]
    assert plays.report(items, MARCH) == (EXPECTED / "plays-2026-03.csv").read_bytes()


def log_plays(path: Path, titles: list[str], *, show: str = "Show, the first", detail: str = "",
              raw_updates: dict[int, str] | None = None, snapshots: dict[int, dict] | None = None) -> PlayLog:
    """One play per title, a minute apart; ``raw_updates`` changes an open play by SQL before it closes."""
    log = PlayLog(open_db(path))
    for n, title in enumerate(titles):
        snap = {"title": title, "artist": f"Artist {n}", "artist_keys": [f"artist {n}", "other"],
                "album": "Album", "length_ms": 60_000, "local": n % 2 == 0, **(snapshots or {}).get(n, {})}
        pid = log.open_play(started_at_ms=T0 + n * 60_000, source="rotation", usage="feature", snapshot=snap,
                            show=show, listeners=n)
        if n in (raw_updates or {}):
            log.conn.execute(f"UPDATE plays SET {raw_updates[n]} WHERE id = ?", (pid,))
        log.close_play(pid, ended_at_ms=T0 + n * 60_000 + 59_500, played_ms=59_500, end_reason="end",
                       detail=detail)
    return log


def test_values_sqlite_cannot_print_like_python_are_read_the_slow_way(tmp_path):
    titles = ["Hello, Goodbye", 'Say "Hi"', "Line\nbreak", "CR\rhere", "nul\x00inside", "unit\x1fseparator",
              "  spaces  ", "", "Ñandú", "float length", "local two", "keys not canonical", "corrected"]
    log = log_plays(tmp_path / "r.db", titles,
                    raw_updates={10: "local = 2", 11: """artist_keys = '["artist 11","other"]'"""},
                    snapshots={9: {"length_ms": 61_234.5}})
    log.correct(13, "title", "Corrected, at last", changed_by="manager", changed_at_ms=0)
    log.correct(13, "local", True, changed_by="manager", changed_at_ms=0)
    for corrected in (True, False):
        fast, slow = both_ways(log.conn, corrected=corrected)
        assert fast == slow
    assert b'"Hello, Goodbye"' in fast and b'"Say ""Hi"""' in fast and b"61234.5" in fast
    kinds = [type(item).__name__ for item in read_plays_csv(log.conn)]
    # NUL, the separator, a float, local 2 and the corrected play are dicts; quoting needs no help
    assert [n + 1 for n, kind in enumerate(kinds) if kind == "dict"] == [5, 6, 10, 11, 13]
    rows = {r["id"]: r for r in read_plays(log.conn)}
    assert rows[13]["corrected_fields"] == ["title", "local"]
    assert b"Corrected, at last" in plays.report(read_plays_csv(log.conn), MARCH)


TEXT = st.text(st.sampled_from(list(',"\r\n\x00\x1f ;|^\'\\ab Zë€Кино😀')), max_size=12)


@settings(max_examples=40, deadline=None)
@given(titles=st.lists(TEXT, min_size=1, max_size=4), show=TEXT, detail=TEXT)
def test_any_text_gives_the_same_bytes_either_way(titles, show, detail):
    with tempfile.TemporaryDirectory() as directory:
        log = log_plays(Path(directory) / "r.db", titles, show=show, detail=detail)
        fast, slow = both_ways(log.conn)
        log.conn.close()
    assert fast == slow
