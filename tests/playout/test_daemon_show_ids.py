"""The daemon gives older plays their show id when it starts (from the schedule it plans with)."""

from __future__ import annotations

from datetime import datetime, timezone

from radiod.clock import FakeClock
from radiod.config import load_config
from radiod.daemon import Daemon
from radiod.playlog.store import PlayLog, play_values
from radiod.playout.fake_player import FakePlayer
from radiod.store import open_db, transaction
from schedule.helpers import write_schedule

SHOWS = '[show.music]\ntitle = "Night Shift"\nkind = "rotation"\nclock = "main"\n'


def test_the_daemon_fills_the_show_id_of_older_plays_at_start(tmp_path):
    station = tmp_path / "station"
    write_schedule(station / "schedules", shows=SHOWS)
    (station / "radiod.toml").write_text('[station]\nname = "Test FM"\ntimezone = "UTC"\n'
                                         '[library]\nrescan_minutes = 0\n', encoding="utf-8")
    config = load_config(station, env={})
    conn = open_db(config.paths.database)
    log = PlayLog(conn)
    for n, show in enumerate(("Night Shift", "Night Shift", "Unknown Show"), start=1):
        values = play_values(started_at_ms=n * 1000, source="rotation", usage="feature", show=show)
        values["show_id"] = ""                     # as written before rows carried the id
        with transaction(conn):
            play_id = log.insert(values)
        log.close_play(play_id, ended_at_ms=n * 1000 + 500, played_ms=500, end_reason="end")
    conn.close()

    clock = FakeClock(datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc))
    daemon = Daemon(config, clock=clock, player=FakePlayer(clock))
    daemon.build()
    daemon.playlog.journal.close()

    conn = open_db(config.paths.database)
    assert [tuple(r) for r in conn.execute("SELECT show, show_id FROM plays ORDER BY id")] == [
        ("Night Shift", "music"), ("Night Shift", "music"), ("Unknown Show", "")]
    conn.close()
