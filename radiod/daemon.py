"""The daemon (`radiod run`): the composition root that builds, starts and stops everything in order.

Threads and who talks to whom:

- the engine thread owns playout (``radiod.playout.engine``); everything else only posts to it;
- a worker thread does the slow jobs (planning, library rescans, housekeeping) and hands the
  results to the engine as messages;
- an APScheduler 3.x BackgroundScheduler whose jobs only put a job message (a frozen dataclass
  below) in the worker's queue (nightly: plan the next day; every few seconds: look for schedule
  file changes; periodic library rescan; hourly housekeeping);
- with ``reports.icecast_status_url`` set, a listener poller thread reads Icecast's status every
  ``reports.listener_poll_seconds`` (each read bounded by a timeout) and appends the count to the
  play-log journal; a failed read is one log line and never reaches the engine;
- the control socket server (``radiod ctl``, the web panel) forwards commands to the engine;
- the play-log drainer writes the journal the engine appends to into SQLite, retrying while the
  database is locked, full or failing (``radiod.playlog.drain``): the engine thread never
  touches SQLite, so no database error can stop playout or make it wait;
- the daemon is the one place that wires parts together: it gets its clock from the caller
  (``radiod run`` passes the system clock) and hands it down; nothing below picks its own.
- the main thread waits for SIGTERM/SIGINT and watches the engine thread: if it dies the daemon
  exits non-zero so systemd restarts it. SIGUSR1 dumps every thread's stack to stderr.
"""

from __future__ import annotations

import faulthandler
import hashlib
import logging
import queue
import signal
import sqlite3
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Callable, Union

from radiod.app.daylogs import DayLogs
from radiod.app.show_tracklists import ShowTracklists
from radiod.clock import Clock, to_ms
from radiod.config import Config
from radiod.errors import PlayerError, RadiodError, ScheduleError
from radiod.playlog.drain import Drainer
from radiod.playlog.journal import journal_path
from radiod.playlog.listeners import ListenerPoller, http_fetch
from radiod.playlog.writer import JournaledPlayLog, open_journaled
from radiod.playout.air_tap import AirConsumer, AirTap
from radiod.playout.control import ControlServer
from radiod.playout.engine import Engine, Report, SetFallback
from radiod.playout.fallback import Fallback
from radiod.playout.messages import (ControlCommand, Errors, GetStatus, Insert, LiveLogSong, Pause, PlayNow, Reload,
                                     Resume, Skip, Status)
from radiod.playout.nowplaying import NowPlayingWriter
from radiod.playout.port import Player
from radiod.private import private_dir
from radiod.store import open_db, open_readonly

if TYPE_CHECKING:
    from radiod.live.desk import LiveDesk

DRAIN_AT_STOP_S = 5.0
DRAIN_BUSY_TIMEOUT_MS = 1000

log = logging.getLogger("radiod")

COMMAND_TIMEOUT_S = 5.0
SCHEDULE_POLL_S = 10
LISTENER_FETCH_TIMEOUT_MS = 3000     # one Icecast status read; a hung server costs the poller this, no more


# -- the worker's jobs ------------------------------------------------------------------------------

@dataclass(frozen=True)
class HandOver:
    """Give the engine its log window again (after midnight: the next day joins it)."""


@dataclass(frozen=True)
class CheckSchedule:
    """Re-plan when a schedule file was added, removed or changed."""


@dataclass(frozen=True)
class Replan:
    """Read the schedule again and re-plan today and tomorrow from now on."""


@dataclass(frozen=True)
class Rescan:
    """Rescan the library (and analyse new files); the fallback chain is rebuilt from it."""


@dataclass(frozen=True)
class Housekeeping:
    """Prune old day logs and plan ahead again."""


Job = Union[HandOver, CheckSchedule, Replan, Rescan, Housekeeping]


def make_player(config: Config, clock: Clock, playlog: JournaledPlayLog | None = None) -> Player:
    """The audio engine named by ``playout.engine`` (imported only when used)."""
    engine = config.playout.engine
    if engine == "vlc":
        from radiod.playout.recording import Retention
        from radiod.playout.vlc_player import VlcPlayer

        state, playout = config.paths.state, config.playout
        retention = Retention(segment_ms=playout.record_minutes * 60_000,
                              keep_ms=round(playout.record_keep_days * 86_400_000),
                              keep_bytes=round(playout.record_keep_gb * 1000**3))
        air = AirTap(clock)
        for consumer in air_consumers(config, clock):
            air.attach(consumer)
        return VlcPlayer(clock, output=playout.output, cache_dir=state / "cache", state_dir=state,
                         stall_ms=playout.watchdog_ms, recording=retention, air=air)
    if engine == "liquidsoap":
        try:
            from radiod.bridge.liquidsoap import LiquidsoapPlayer
        except ImportError:
            raise PlayerError("playout.engine = 'liquidsoap': the Liquidsoap player is not available "
                              "in this installation; use 'vlc'") from None
        if playlog is None:
            return LiquidsoapPlayer(config, clock)
        from radiod.bridge.live import LiveLog

        # Live rows through the same journal: ids come from one place, the chain in one order.
        return LiquidsoapPlayer(config, clock, on_live=LiveLog(playlog, clock))
    raise PlayerError(f"playout.engine: unknown engine {engine!r}")


def air_consumers(config: Config, clock: Clock) -> list[AirConsumer]:
    """What carries the rendered air beyond the sound card, from ``radiod.toml`` (none by default)."""
    from radiod import streams

    consumers: list[AirConsumer] = [*streams.consumers(config, clock)]
    if config.logger.enabled:
        from radiod.logger.wiring import logger_consumers

        consumers += logger_consumers(config, clock)
    return consumers


def schedule_fingerprint(directory: Path) -> str:
    """Changes whenever a schedule file is added, removed or modified."""
    h = hashlib.sha256()
    if directory.is_dir():
        for path in sorted(directory.rglob("*.toml")):
            try:
                st = path.stat()
            except OSError:
                continue
            h.update(f"{path}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


class _Tolerant:
    """An engine ``on_change`` callback whose file writes may fail (a full disk) without ending
    playout: the first failure of a run of them is logged, and when writing works again."""

    def __init__(self, write: Any):
        self.write = write
        self.failing = ""

    def __call__(self, status: dict[str, Any]) -> None:
        try:
            self.write(status)
        except OSError as exc:
            if not self.failing:
                log.warning("now-playing file not written (%s); playout goes on", exc)
            self.failing = str(exc)
            return
        if self.failing:
            log.warning("now-playing file written again")
            self.failing = ""


class Daemon:
    def __init__(self, config: Config, *, clock: Clock, player: Player | None = None):
        self.config = config
        self.clock = clock
        self._player = player
        self.stopping = threading.Event()
        self.work: queue.Queue[Job | None] = queue.Queue()
        self.listeners: ListenerPoller | None = None
        self.output = ""
        self.library_alert = ""          # the last rescan's withheld media folders (status, dashboard)
        self.engine_error: BaseException | None = None
        self.live: LiveDesk | None = None    # the live input (radiod.live), when configured
        self._fingerprint = ""

    # -- building ----------------------------------------------------------------------------------

    def _connect_ro(self) -> sqlite3.Connection:
        return open_readonly(self.config.paths.database, full_disk_fallback=True)

    def _connect_writer(self) -> sqlite3.Connection:
        return open_db(self.config.paths.database, busy_timeout_ms=DRAIN_BUSY_TIMEOUT_MS)

    def build(self) -> None:
        cfg = self.config
        private_dir(cfg.paths.state)     # control socket, journal, session keys
        self.playlog = open_journaled(cfg.paths.database, journal_path(cfg.paths.database),
                                      now_ms=to_ms(self.clock.now()))
        self.drainer = Drainer(self.playlog.journal, self._connect_writer)
        self.playlog.tracklists = ShowTracklists(cfg.paths.state, cfg.paths.schedules, self._connect_ro)
        self.daylogs = DayLogs(cfg, self._connect_ro)
        self._fingerprint = schedule_fingerprint(cfg.paths.schedules)
        try:
            self.daylogs.load_schedule()
        except ScheduleError:
            if not self.daylogs.path(self.daylogs.local_day(self.clock.now())).exists():
                raise               # nothing planned and nothing to plan from: refuse to start
        items = self._window()
        fallback = self._fallback()
        self.player = self._player or make_player(cfg, self.clock, self.playlog)
        self.output = self.player.check_output()
        self.engine = Engine(self.player, self.clock, self.playlog, cfg.playout, items=items, fallback=fallback,
                             show_info=self.daylogs.show_info,
                             media_roots=[*cfg.paths.media, cfg.paths.uploads],
                             on_change=_Tolerant(NowPlayingWriter(cfg.now_playing_file, station=cfg.station.name,
                                                                  hide_next=cfg.playout.hide_next,
                                                                  clock=self.clock)))
        if cfg.playout.engine == "liquidsoap":
            from radiod.bridge.liquidsoap import LiquidsoapPlayer, connect_engine

            if isinstance(self.player, LiquidsoapPlayer):
                connect_engine(self.player, self.engine)      # automation pauses while a DJ is live
        self.live = self._live_desk()
        self.listeners = self._listener_poller()
        self.control = ControlServer(cfg.control_socket, self.handle_command)
        self._fill_show_ids()

    def _live_desk(self) -> LiveDesk | None:
        """Live DJs on the default engine's harbor, when ``liquidsoap.live_input`` is set."""
        if not self.config.liquidsoap.live_input:
            return None
        from radiod.bridge.live import LiveLog
        from radiod.live import live_desk

        # Live rows through the same journal as the engine's: one chain, in one order.
        return live_desk(self.config, self.clock, self.player, self.engine.post, LiveLog(self.playlog, self.clock))

    def _listener_poller(self) -> ListenerPoller | None:
        """Listener figures for the royalty reports, when an Icecast status URL is configured."""
        reports = self.config.reports
        if not reports.icecast_status_url:
            return None
        return ListenerPoller(self.playlog, reports.icecast_status_url, clock=self.clock,
                              fetch=partial(http_fetch, timeout_ms=LISTENER_FETCH_TIMEOUT_MS),
                              interval_ms=reports.listener_poll_seconds * 1000)

    def _window(self) -> list:
        """The engine's log; with today's log saved, a failure to plan ahead (a full disk, an
        unreadable database) is a warning and the hourly job plans again."""
        now = self.clock.now()
        try:
            return self.daylogs.window(now, ensure=self.daylogs.schedule is not None)
        except (RadiodError, sqlite3.Error, OSError) as exc:
            if not self.daylogs.path(self.daylogs.local_day(now)).exists():
                raise
            log.warning("planning ahead failed, playing the saved logs: %s", exc)
            return self.daylogs.window(now, ensure=False)

    def _fallback(self) -> Fallback:
        try:
            return self.daylogs.fallback(self.daylogs.local_day(self.clock.now()))
        except (RadiodError, sqlite3.Error) as exc:
            log.warning("fallback chain unavailable: %s", exc)
            return Fallback()

    # -- running -----------------------------------------------------------------------------------

    def run(self) -> int:
        """Build, run until SIGTERM/SIGINT (0) or until the engine thread dies (raises PlayerError)."""
        self.build()
        self.drainer.start()
        if self.listeners is not None:
            self.listeners.start()
        previous = self._install_signals()
        threads = [threading.Thread(target=self._engine_main, name="engine", daemon=True),
                   threading.Thread(target=self._worker_main, name="worker", daemon=True)]
        for t in threads:
            t.start()
        self.control.start()
        episodes = self._episodes()
        scheduler = self._scheduler()
        scheduler.start()
        log.info("on air: %s; control socket %s", self.output, self.config.control_socket)
        try:
            while not self.stopping.wait(0.25):
                if not threads[0].is_alive():
                    break
        finally:
            scheduler.shutdown(wait=False)
            if episodes is not None:
                episodes.stop()
            if self.listeners is not None:
                self.listeners.stop()
            self.control.close()
            if self.live is not None:
                self.live.close()
            self.engine.stop()
            threads[0].join(timeout=10)
            self.work.put(None)
            threads[1].join(timeout=10)
            self._stop_drainer()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            faulthandler.unregister(signal.SIGUSR1)
        if self.engine_error is not None or not self.stopping.is_set():
            raise PlayerError(f"the playout engine stopped: {self.engine_error or 'thread ended'}")
        log.info("stopped cleanly")
        return 0

    def _episodes(self) -> Any:
        """Listen-again episodes cut in a thread of their own (radiod.episodes), when the logger records."""
        from radiod.episodes import episode_worker

        worker = episode_worker(self.config, self.clock)
        if worker is not None:
            worker.start()
        return worker

    def _stop_drainer(self) -> None:
        """Write what the database will take now; the rest stays in the journal for the next start."""
        waiting = self.drainer.stop(DRAIN_AT_STOP_S)
        lost = self.playlog.journal.unwritten()
        if lost:
            # Neither the database nor the journal could take them: the log is the last place left.
            log.error("play log: %d record(s) could be written neither to the database nor to the journal %s; "
                      "they follow, one per line", len(lost), self.playlog.journal.path)
            for line in lost:
                log.error("play log record: %s", line.decode(errors="replace").rstrip())
        elif waiting:
            log.warning("play log: %d record(s) wait in the journal %s; they are written at the next start",
                        waiting, self.playlog.journal.path)

    def _install_signals(self) -> dict[signal.Signals, Callable[[int, FrameType | None], Any] | int | None]:
        """SIGTERM/SIGINT stop cleanly, SIGUSR1 dumps every thread; returns the handlers replaced."""
        def stop(signum: int, frame: Any) -> None:
            log.info("signal %s: stopping", signal.Signals(signum).name)
            self.stopping.set()

        previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
        for signum in previous:
            signal.signal(signum, stop)
        faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)
        return previous

    def _engine_main(self) -> None:
        try:
            self.engine.run()
        except BaseException as exc:      # recorded for the exit status; the main thread reports it
            self.engine_error = exc
            log.exception("engine thread died")

    def _scheduler(self) -> Any:
        from apscheduler.schedulers.background import BackgroundScheduler

        post = self.work.put
        scheduler = BackgroundScheduler(timezone=self.config.station.timezone,
                                        job_defaults={"coalesce": True, "max_instances": 1,
                                                      "misfire_grace_time": 3600})
        scheduler.add_job(post, "cron", args=[HandOver()], hour=0, minute=5, id="plan-next-day")
        scheduler.add_job(post, "interval", args=[CheckSchedule()], seconds=SCHEDULE_POLL_S, id="schedule-watch")
        scheduler.add_job(post, "interval", args=[Housekeeping()], hours=1, id="housekeeping")
        if self.config.library.rescan_minutes > 0:
            scheduler.add_job(post, "interval", args=[Rescan()], minutes=self.config.library.rescan_minutes,
                              id="rescan")
        return scheduler

    # -- the worker: slow jobs off the engine thread ------------------------------------------------

    def _worker_main(self) -> None:
        while True:
            job = self.work.get()
            if job is None:
                return
            try:
                self._do(job)
            except Exception as exc:      # a failed job is reported; the station stays on air
                log.exception("job %s failed", job)
                self.engine.post(Report("job", f"{type(job).__name__}: {exc}"))

    def _do(self, job: Job) -> None:
        now = self.clock.now()
        if isinstance(job, CheckSchedule):
            fingerprint = schedule_fingerprint(self.config.paths.schedules)
            if fingerprint != self._fingerprint:
                self._fingerprint = fingerprint
                self._do(Replan())
        elif isinstance(job, Replan):
            self.daylogs.load_schedule()
            if self.daylogs.schedule_error:
                raise ScheduleError([self.daylogs.schedule_error])
            today = self.daylogs.local_day(now)
            for day in (today, today + timedelta(days=1)):
                self.daylogs.plan(day, after=now)
            self._hand_over(now)
        elif isinstance(job, HandOver):
            self._hand_over(now)
        elif isinstance(job, Rescan):
            self._rescan()
            self.engine.post(SetFallback(self._fallback()))
        elif isinstance(job, Housekeeping):
            self.daylogs.prune(self.daylogs.local_day(now))
            self._fill_show_ids()
            self._hand_over(now)
        else:
            raise TypeError(f"unknown job {job!r}")

    def _hand_over(self, now: datetime) -> None:
        self.engine.set_log(self.daylogs.window(now, ensure=self.daylogs.schedule is not None))

    def _fill_show_ids(self) -> None:
        """Plays logged without a show id (before rows carried one, or from a day log saved then)
        get it from the schedule; a failure only waits for the next hour."""
        from radiod.app.show_ids import fill_play_show_ids

        if self.daylogs.schedule is None:
            return
        try:
            conn = open_db(self.config.paths.database)
            try:
                filled = fill_play_show_ids(conn, self.daylogs.schedule.shows)
            finally:
                conn.close()
        except (RadiodError, sqlite3.Error) as exc:
            log.warning("play log: show ids of older plays not filled in: %s", exc)
            return
        if filled:
            log.info("play log: %d older play(s) now carry their show's id", filled)

    def _rescan(self) -> None:
        from radiod.library.analyze import analyze_library
        from radiod.library.scan import library_roots, scan_library

        conn = open_db(self.config.paths.database)
        try:
            summary = scan_library(conn, library_roots(self.config), clock=self.clock,
                                   missing_threshold_percent=self.config.library.missing_threshold_percent,
                                   keep_files=False)
            # A vanished or emptied media folder: its tracks stay, and the dashboard says so.
            self.library_alert = "; ".join(summary.withheld)
            for line in summary.withheld:
                log.warning("rescan: %s", line)
            if self.config.library.analyze:
                analyze_library(conn, workers=1, silence_threshold_db=self.config.library.silence_threshold_db,
                                clock=self.clock)
            log.info("rescan: %s", summary.line())
        finally:
            conn.close()

    # -- control -----------------------------------------------------------------------------------

    def handle_command(self, command: ControlCommand) -> dict[str, Any]:
        """A command from the control socket (already parsed by the registry); the reply is its JSON."""
        if isinstance(command, Reload):
            self.work.put(Replan())
            return {"ok": True, "reloading": str(self.config.paths.schedules)}
        if isinstance(command, Insert):
            return self._insert(command)
        if isinstance(command, GetStatus):
            return {"ok": True, **self.status().to_public()}
        if isinstance(command, (Skip, Pause, Resume, Errors)):
            return self.engine.command(command).result(timeout=COMMAND_TIMEOUT_S)
        if isinstance(command, LiveLogSong):
            return self._live_log(command)
        return {"ok": False, "error": f"the daemon does not handle {type(command).__name__}"}

    def status(self) -> Status:
        """The engine's snapshot with what only the daemon knows (the output, the schedule's error)."""
        snapshot = self.engine.snapshot_now().result(timeout=COMMAND_TIMEOUT_S)
        return snapshot.with_daemon(output=self.output, schedule_error=self.daylogs.schedule_error or "",
                                    library_alert=self.library_alert,
                                    alerts=self._air_alerts())

    def _air_alerts(self) -> tuple[str, ...]:
        """Consumers of the air that have stopped (the logger on a full disk): the air goes on."""
        air = getattr(self.player, "air", None)
        if not isinstance(air, AirTap):
            return ()
        return tuple(f"{h.name} stopped: {h.failed}" for h in air.health() if h.failed)

    def _live_log(self, song: LiveLogSong) -> dict[str, Any]:
        """The live-log page's "on now": the desk checks who pressed; a library track is read here."""
        if self.live is None:
            return {"ok": False, "error": "no live input on the default engine: no live show to log songs in"}
        return self.live.take_song(song, self._find_track, self._credit)

    def _registry(self) -> Any:
        from radiod.library import load_registry, registry_path

        try:
            return load_registry(registry_path(self.config.paths.schedules))
        except ScheduleError:
            return None

    def _find_track(self, track_id: int) -> Any:
        """A library track as the library says it is now (overrides and the registry's local flags)."""
        from radiod.library import load_track

        conn = self._connect_ro()
        try:
            return load_track(conn, track_id, self._registry())
        finally:
            conn.close()

    def _credit(self, artist: str) -> dict[str, Any]:
        """A typed artist credit through the artist registry (aliases to one key, local flags)."""
        from radiod.tracklists.match import credit_keys

        registry = self._registry()
        if registry is None:
            return {}
        keys = credit_keys(artist, registry)
        return {"artist_keys": list(keys), "local": any(registry.is_local(k) for k in keys)}

    def _insert(self, insert: Insert) -> dict[str, Any]:
        from radiod.library.analyze import analyze_file
        from radiod.errors import MediaError

        p = Path(insert.path)
        try:
            usable = p.is_absolute() and p.is_file()
        except OSError:                 # e.g. a name too long for the filesystem
            usable = False
        if not usable:
            return {"ok": False, "error": f"{insert.path}: not an existing file (give an absolute path)"}
        try:
            measured = analyze_file(p, silence_threshold_db=self.config.library.silence_threshold_db)
        except MediaError as exc:
            return {"ok": False, "error": str(exc)}
        return self.engine.command(
            PlayNow(str(p), measured.decoded_length_ms, insert.title, insert.artist)).result(timeout=COMMAND_TIMEOUT_S)
