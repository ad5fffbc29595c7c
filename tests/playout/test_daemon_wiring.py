"""The daemon as the one place that wires parts: its jobs are typed messages, a failed job is listed
with the engine's errors, the status it answers is the engine's snapshot plus what only the daemon
knows, and the listener poller exists exactly when a status URL is configured. In process, on the
fake player, the engine pumped by the test (no audio)."""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import ThreadPoolExecutor

from radiod.clock import SystemClock
from radiod.config import load_config
from radiod.daemon import CheckSchedule, Daemon, HandOver, Housekeeping, Replan
from radiod.playout.fake_player import FakePlayer
from radiod.playout.messages import GetStatus, Skip

from .daemon_station import make_station


def built(tmp_path, extra: str = "") -> Daemon:
    station, _ = make_station(tmp_path, minutes=2)
    if extra:
        with (station / "radiod.toml").open("a") as toml:
            toml.write(extra)
    clock = SystemClock()
    daemon = Daemon(load_config(station), clock=clock, player=FakePlayer(clock))
    daemon.build()
    return daemon


def close(daemon: Daemon) -> None:
    daemon.control.close()
    daemon.engine.shutdown()


def answer(daemon: Daemon, command) -> dict:
    """handle_command from a socket thread while the test pumps the engine thread's inbox."""
    with ThreadPoolExecutor(1) as pool:
        reply = pool.submit(daemon.handle_command, command)
        deadline = time.monotonic() + 5
        while not reply.done() and time.monotonic() < deadline:
            daemon.engine.pump()
            time.sleep(0.01)
        return reply.result(timeout=0)


def test_scheduled_jobs_are_frozen_messages_and_a_failed_one_is_listed(tmp_path):
    daemon = built(tmp_path)
    try:
        jobs = {job.id: job.args for job in daemon._scheduler().get_jobs()}
        assert jobs == {"plan-next-day": (HandOver(),), "schedule-watch": (CheckSchedule(),),
                        "housekeeping": (Housekeeping(),)}          # library.rescan_minutes = 0: no rescan
        for (job,) in jobs.values():
            assert dataclasses.is_dataclass(job) and type(job).__dataclass_params__.frozen   # type: ignore[attr-defined]
        assert daemon.listeners is None                            # no reports.icecast_status_url

        # The station has saved logs but no schedule files: re-planning fails, the station plays on.
        daemon.work.put(Replan())
        daemon.work.put(None)
        daemon._worker_main()
        daemon.engine.start()
        errors = answer(daemon, GetStatus())["errors"]
        assert [e["kind"] for e in errors if e["kind"] == "job"] == ["job"]
        assert next(e for e in errors if e["kind"] == "job")["detail"].startswith("Replan: ")
    finally:
        close(daemon)


def test_status_is_the_engine_snapshot_with_the_daemons_output(tmp_path):
    daemon = built(tmp_path)
    try:
        daemon.engine.start()
        status = answer(daemon, GetStatus())
        assert status["ok"] is True and status["state"] == "playing" and status["output"] == daemon.output
        # What only the daemon knows: the station has no schedule folder (it plays its saved logs).
        assert status["schedule_error"].endswith("schedules folder does not exist")
        assert status["next"]["planned_start"] and "stats" in status
        # Engine commands are answered by the engine (the fake player has not started anything yet).
        assert answer(daemon, Skip()) == {"ok": False, "error": "nothing is playing"}
    finally:
        close(daemon)


def test_a_status_url_gets_a_poller_at_the_configured_interval(tmp_path):
    daemon = built(tmp_path, '[reports]\nicecast_status_url = "http://127.0.0.1:9/status-json.xsl"\n'
                             'listener_poll_seconds = 30\n')
    try:
        assert daemon.listeners is not None
        assert daemon.listeners.url == "http://127.0.0.1:9/status-json.xsl"
        assert daemon.listeners.interval_ms == 30_000 and daemon.listeners.playlog is daemon.playlog
    finally:
        close(daemon)
