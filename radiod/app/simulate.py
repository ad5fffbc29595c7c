"""`radiod simulate`: plan a date range and play it with the real engine on a virtual clock.

The same Engine the daemon runs, a FakePlayer that "plays" every file (missing or empty files
fail as they would on air) and a FakeClock that jumps from one event to the next: a week of
playout takes seconds. What aired goes to a separate SQLite as-played log, so the summary (items,
failures, fallbacks, relaxations, local share per day) comes from the same rows reports read.
"""

from __future__ import annotations

import time as _cpu
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from radiod.app.fallback import runtime_fallback
from radiod.app.planning import readonly_planner
from radiod.app.show_tracklists import ShowTracklists
from radiod.clock import FakeClock, to_ms
from radiod.config import Config
from radiod.errors import StoreError
from radiod.playlog.store import PlayLog, read_plays
from radiod.playout.engine import Engine
from radiod.playout.fake_player import FakePlayer
from radiod.playout.simulation import run_until
from radiod.schedule_files import load_schedule
from radiod.db import open_readonly, relax_durability
from radiod.store import open_db

# The watchdog only matters for stalls, which a FakePlayer never has unless told: poll rarely.
SIM_WATCHDOG_POLL_MS = 60_000


def simulate(config: Config, first: date, last: date, out: Path) -> dict[str, Any]:
    """Plan ``first``..``last`` as playout would, play it on a virtual clock into ``out``; the summary."""
    cpu_start = _cpu.process_time_ns()
    schedule = load_schedule(config.paths.schedules)
    planner = readonly_planner(config)
    tracks = planner.tracks()
    n_days = (last - first).days + 1
    plans = planner.plan(schedule, first, n_days, tracks=tracks)
    items = [i for p in plans for i in p.items]

    try:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{out}{suffix}").unlink(missing_ok=True)
    except OSError as exc:
        raise StoreError(f"{out}: cannot replace the simulation log: {exc.strerror or exc}") from None
    conn = open_db(out)
    relax_durability(conn)                        # a throwaway preview: no need to survive power loss
    zone = config.zone
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(last + timedelta(days=1), time(0), zone)
    clock = FakeClock(start)
    player = FakePlayer(clock, check_files=True)
    playlog = PlayLog(conn)
    playlog.tracklists = ShowTracklists(config.paths.state, config.paths.schedules,
                                        lambda: open_readonly(config.paths.database))
    engine = Engine(player, clock, playlog, config.playout, items=items,
                    fallback=runtime_fallback(schedule, tracks, config.paths.media, first),
                    watchdog_poll_ms=SIM_WATCHDOG_POLL_MS)
    engine.start()
    run_until(engine, player, clock, end)
    engine.shutdown()
    rows = read_plays(conn)
    conn.close()

    days = []
    for plan in plans:
        day_start = to_ms(datetime.combine(plan.day, time(0), zone))
        day_end = to_ms(datetime.combine(plan.day + timedelta(days=1), time(0), zone))
        days.append(_summary(plan.day.isoformat(), [r for r in rows if day_start <= r["started_at_ms"] < day_end],
                             len(plan.relaxations)))
    total = _summary("total", rows, sum(len(p.relaxations) for p in plans))
    return {"log": str(out), "days": days, "total": total, "hours": round((to_ms(end) - to_ms(start)) / 3_600_000),
            "cpu_ms": (_cpu.process_time_ns() - cpu_start) // 1_000_000}


def _summary(label: str, rows: list[dict[str, Any]], relaxations: int) -> dict[str, Any]:
    aired = [r for r in rows if r["played_ms"] > 0]
    music = [r for r in aired if r["usage"] == "feature"]
    local = sum(1 for r in music if r["local"])
    return {"day": label, "items": len(aired), "failed": sum(1 for r in rows if r["end_reason"] == "failed"),
            "fallbacks": sum(1 for r in aired if r["source"] == "fallback"), "relaxations": relaxations,
            "music": len(music), "local": local, "local_share": round(local / len(music), 4) if music else 0.0,
            "air_ms": sum(r["played_ms"] for r in aired)}
