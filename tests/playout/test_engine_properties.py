"""Properties of the engine over generated logs, failures and crashes (hypothesis, fake clock)."""

from __future__ import annotations

import re

import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from radiod.playout.fallback import Fallback
from radiod.playout.timing import MIN_FILL_MS, item_key
from radiod.schedule.log import LogItem

from .helpers import Rig, T0, ms
from .test_engine import emergency, station_id

# Many small databases: keep them in memory-backed /dev/shm when there is one.
SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None

FAILURES = st.one_of(
    st.none(), st.none(), st.none(),
    st.tuples(st.just("missing")), st.tuples(st.just("corrupt")),
    st.tuples(st.just("fail_midway"), st.integers(0, 100)),
    st.tuples(st.just("stall"), st.integers(0, 100)),
)

ITEM = st.tuples(
    st.integers(5, 400),                                   # length in s
    st.sampled_from(["follow", "follow", "follow", "hard", "soft"]),
    st.integers(0, 120),                                   # soft tolerance in s
    st.sampled_from([0, 0, 0, 0, 7, 90, 900]),             # hole in the plan before it, s
    st.booleans(),                                         # a show (joined late) or a song
    FAILURES,
)


def build(specs):
    items, failures, t = [], {}, T0
    for n, (length_s, timing, tol_s, hole_s, is_show, failure) in enumerate(specs, start=1):
        t += timedelta(seconds=hole_s)
        if hole_s and timing == "follow":
            timing = "hard"                  # the planner starts what follows a hole on its time
        length = length_s * 1000
        items.append(LogItem(start=t, length_ms=length, kind="show" if is_show else "music",
                             source="show" if is_show else "rotation", usage="talk" if is_show else "feature",
                             timing=timing, tolerance_ms=tol_s * 1000 if timing == "soft" else 0, track_id=n,
                             path=f"/media/{n}.mp3", cue_out_ms=length, title=f"Item {n}"))
        if failure:
            failures[items[-1].path] = failure
        t += timedelta(milliseconds=length)
    return items, failures


def inject(player, failures, items):
    lengths = {i.path: i.length_ms for i in items}
    for path, failure in failures.items():
        kind = failure[0]
        after = lengths[path] * failure[1] // 100 if len(failure) > 1 else 0
        player.inject(path, kind, after_ms=after)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=st.lists(ITEM, min_size=1, max_size=14),
       crash=st.one_of(st.none(), st.tuples(st.integers(0, 100), st.integers(0, 20_000))))
def test_on_air_invariants(specs, crash):
    items, failures = build(specs)
    scratch = tempfile.TemporaryDirectory(dir=SCRATCH)
    try:
        check(items, failures, crash, Path(scratch.name) / "r.db")
    finally:
        scratch.cleanup()


def check(items, failures, crash, db):
    fallback = lambda: Fallback([emergency(1), emergency(2)], [station_id(1), station_id(2)])  # noqa: E731
    start = T0 - timedelta(seconds=10)
    end = items[-1].end + timedelta(minutes=10)
    rig = Rig(db, items, start=start, fallback=fallback())
    inject(rig.player, failures, items)
    crashed_at = restarted_at = None
    if crash is not None:
        crashed_at = start + (end - start) * crash[0] / 100
        rig.run_until(crashed_at)                 # then the process dies: nothing is closed
        rig.clock.advance(crash[1])
        restarted_at = ms(rig.clock.now())
        rig = Rig(db, items, fallback=fallback(), clock=rig.clock)
        inject(rig.player, failures, items)
    rig.run_until(end)
    rig.engine.shutdown()

    rows = rig.rows()
    assert rig.open_rows() == []
    keys = [r["item_key"] for r in rows]
    assert len(keys) == len(set(keys)), "an item was logged twice"

    aired = sorted((r for r in rows if r["played_ms"] > 0 or r["end_reason"] != "failed"),
                   key=lambda r: (r["started_at_ms"], r["id"]))
    for a, b in zip(aired, aired[1:]):
        assert b["started_at_ms"] >= a["ended_at_ms"], f"overlap: {a['title']} / {b['title']}"
        if restarted_at is not None and a["end_reason"] == "interrupted":
            continue                               # the crash itself is the one silence allowed
        if restarted_at is not None and a["ended_at_ms"] <= restarted_at <= b["started_at_ms"]:
            continue
        # An item that stalled before a sound is a failed row with 0 ms: the silence it caused
        # lasts until the stall watchdog gives up on it (its detail says how long), no longer.
        stalled = [int(m.group(1)) for r in rows if r["end_reason"] == "failed" and r["played_ms"] == 0
                   and a["ended_at_ms"] <= r["started_at_ms"] <= b["started_at_ms"]
                   and (m := re.search(r"stalled: .* for (\d+) ms", r["detail"] or ""))]
        allowed = MIN_FILL_MS + sum(stalled)
        assert b["started_at_ms"] - a["ended_at_ms"] < allowed, f"silence before {b['title']}"

    by_key = {r["item_key"]: r for r in rows}
    for item in items:
        s = ms(item.start)
        if item.timing != "hard" or item.path in failures:
            continue
        if crashed_at is not None and ms(crashed_at) - 3_600_000 * 24 <= s <= restarted_at + 1:
            continue                               # around the crash it may be joined late instead
        row = by_key.get(item_key(item))
        assert row is not None, f"hard item {item.title} never aired"
        assert row["started_at_ms"] == s, f"hard item {item.title} started {row['started_at_ms'] - s} ms off"
