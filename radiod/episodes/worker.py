"""Making episodes: find the airings of archived shows that have ended, cut each once, expire
old ones, rewrite the feeds — in a thread of its own in the daemon (never the engine's, and
ffmpeg at a lower CPU priority), or once from `radiod episodes cut`.

A failure is one line (the show, the airing, why) and the episode is marked failed; the next
airing is cut as usual, and playout never waits for any of it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone

from radiod.clock import Clock, to_ms
from radiod.config import Config
from radiod.errors import RadiodError
from radiod.episodes import publish, store
from radiod.episodes.cut import Encoding, encode, extension, mime_type, render
from radiod.episodes.plan import AIRING_BREAK_MS, JOIN_MS, aired_entries, find_airings, merged_spans, plan_episode, settled
from radiod.episodes.store import Episode, EpisodeFile
from radiod.logger import hour_files
from radiod.playlog.store import PlayLog, read_itemised, read_plays
from radiod.schedule.model import Schedule, Show
from radiod.schedule_files import load_schedule
from radiod.db import BUSY_TIMEOUT_MS, connect

log = logging.getLogger(__name__)

LOOKBACK_MS = 2 * 86_400_000        # airings this recent are looked for (a daemon down longer misses older ones)
DAY_MS = 86_400_000


@dataclass(frozen=True)
class Pass:
    """What one pass did."""

    found: int = 0
    cut: int = 0
    failed: int = 0
    expired: int = 0


def _title(config: Config, show: Show, start_ms: int) -> str:
    local = datetime.fromtimestamp(start_ms / 1000, timezone.utc).astimezone(config.zone)
    return f"{show.title} – {local:%Y-%m-%d %H:%M}"


def find_new(conn: sqlite3.Connection, config: Config, shows: dict[str, Show], now_ms: int) -> int:
    """Add a pending episode for each archived show's airing that has ended; returns how many."""
    archived = {sid for sid, s in shows.items() if s.archive}
    if not archived:
        return 0
    since = now_ms - LOOKBACK_MS
    rows = read_plays(conn, started_from_ms=since - AIRING_BREAK_MS, corrected=False,
                      columns=("show_id", "started_at_ms", "ended_at_ms"))
    open_rows = PlayLog(conn).open_plays()
    known = store.known_airings(conn, since - AIRING_BREAK_MS)
    added = 0
    for airing in find_airings(rows, archived):
        if airing.start_ms < since or (airing.show_id, airing.start_ms) in known:
            continue
        if any(r["show_id"] == airing.show_id for r in open_rows):
            continue                                   # the show is (back) on air
        later = [r["started_at_ms"] for r in [*rows, *open_rows] if r["show_id"] != airing.show_id]
        if not settled(airing, later, now_ms, config.episodes.settle_seconds * 1000):
            continue
        if store.add_pending(conn, show_id=airing.show_id, aired_from_ms=airing.start_ms,
                             aired_to_ms=airing.end_ms, title=_title(config, shows[airing.show_id], airing.start_ms),
                             now_ms=now_ms) is not None:
            added += 1
    return added


def cut(conn: sqlite3.Connection, config: Config, episode: Episode, show: Show, now_ms: int) -> Episode:
    """Cut, normalise and encode one episode from the logger, publish its files; the updated row."""
    settings = config.episodes
    window = (episode.cut_from_ms - AIRING_BREAK_MS, episode.cut_to_ms + 1)
    rows = [r for r in read_plays(conn, started_from_ms=window[0], started_before_ms=window[1], corrected=False,
                                  columns=("started_at_ms", "ended_at_ms"))
            if r["ended_at_ms"] > episode.cut_from_ms and r["started_at_ms"] < episode.cut_to_ms]
    spans = merged_spans((r["started_at_ms"], r["ended_at_ms"]) for r in rows)
    itemised = read_itemised(conn, started_from_ms=window[0], started_before_ms=window[1],
                             columns=("started_at_ms", "ended_at_ms", "usage", "title", "artist"))
    aired = [a for a in aired_entries(itemised) if a.end_ms > episode.cut_from_ms + JOIN_MS
             and a.start_ms < episode.cut_to_ms - JOIN_MS]
    plan = plan_episode(spans, aired, show.on_demand_music, from_ms=episode.cut_from_ms, to_ms=episode.cut_to_ms,
                        clip_ms=round(settings.clip_seconds * 1000), fade_ms=round(settings.clip_fade_seconds * 1000))
    if not plan.pieces:
        raise RadiodError("nothing of it aired between its boundaries (or the rights leave nothing)")
    from_us, to_us = episode.cut_from_ms * 1000, episode.cut_to_ms * 1000
    if not any(f.start_us < to_us and (f.end_us is None or f.end_us > from_us) and (config.logger.folder / f.name).exists()
               for f in hour_files(config.logger.folder)):
        raise RadiodError(f"the logger holds none of it ({config.logger.folder})")
    work = publish.work_dir(config)
    wav = work / f"episode-{episode.id}.wav"
    name = publish.stem(config, episode)
    files: list[EpisodeFile] = []
    try:
        frames, loudness = render(config.logger.folder, plan, wav, lufs=settings.loudness_lufs,
                                  true_peak=settings.true_peak_db, nice=settings.nice)
        for fmt in settings.formats:
            public_name = f"{episode.show_id}/{name}{extension(fmt)}"
            kbps = settings.mp3_kbps if fmt == "mp3" else settings.aac_kbps
            size = encode(wav, publish.held_path(config, public_name), Encoding(fmt, kbps), loudness,
                          lufs=settings.loudness_lufs, true_peak=settings.true_peak_db, title=episode.title,
                          nice=settings.nice)
            files.append(EpisodeFile(fmt, public_name, size, mime_type(fmt)))
    finally:
        wav.unlink(missing_ok=True)
    chapters = [{"at_ms": c.at_ms, "title": c.title, "artist": c.artist, "music": c.music, "clipped": c.clipped,
                 "aired_at_ms": c.aired_at_ms} for c in plan.chapters]
    gaps = [{"at_ms": g.at_ms, "from_ms": g.from_ms, "to_ms": g.to_ms, "missing_ms": g.missing_ms} for g in plan.gaps]
    length_ms = round(frames * 1000 / 44100)
    if not store.mark_ready(conn, episode.id, files=files, length_ms=length_ms, chapters=chapters, gaps=gaps,
                            rights=show.on_demand_music, now_ms=now_ms, revision=episode.revision):
        for f in files:                                    # deleted or re-cut meanwhile: this cut is void
            publish.held_path(config, f.name).unlink(missing_ok=True)
        current = store.get(conn, episode.id)
        assert current is not None
        return current
    publish.remove(config, episode)                        # an earlier cut's files (a re-cut)
    ready = store.get(conn, episode.id)
    assert ready is not None
    publish.held_path(config, publish.chapters_name(ready.files)).write_bytes(publish.chapters_json(ready))
    publish.public_folder(config, episode.show_id)
    publish.place(config, ready)
    return ready


def expire(conn: sqlite3.Connection, config: Config, shows: dict[str, Show], now_ms: int) -> int:
    """Delete the episodes older than their show's keep_days (never those kept forever)."""
    n = 0
    for episode in store.every(conn, public_only=False, limit=100_000):
        show = shows.get(episode.show_id)
        if show is None or show.keep_days is None or episode.status == "pending":
            continue
        if now_ms >= episode.aired_to_ms + show.keep_days * DAY_MS:
            publish.remove(config, episode)
            store.mark_deleted(conn, episode.id, actor="radiod", now_ms=now_ms, action="expire")
            n += 1
    return n


def run_once(config: Config, clock: Clock, schedule: Schedule | None = None) -> Pass:
    """One pass: find, cut what is pending, expire, rewrite the feeds."""
    if schedule is None:
        schedule = load_schedule(config.paths.schedules)
    shows = dict(schedule.shows)
    if not any(s.archive for s in shows.values()):
        return Pass()
    # The database is migrated by whoever runs this (the daemon at start, the CLI).
    conn = connect(f"file:{config.paths.database}", read_only=False, busy_timeout_ms=BUSY_TIMEOUT_MS)
    try:
        found = find_new(conn, config, shows, to_ms(clock.now()))
        done = failed = 0
        for episode in store.pending(conn):
            show = shows.get(episode.show_id)
            try:
                if show is None:
                    raise RadiodError("the show is no longer in shows.toml")
                cut(conn, config, episode, show, to_ms(clock.now()))
                done += 1
            except (RadiodError, OSError) as exc:
                failed += 1
                log.error("episodes: %s aired %s: not cut: %s", episode.show_id,
                          datetime.fromtimestamp(episode.aired_from_ms / 1000, timezone.utc).isoformat(), exc)
                store.mark_failed(conn, episode.id, str(exc), to_ms(clock.now()))
        expired = expire(conn, config, shows, to_ms(clock.now()))
        if found or done or failed or expired or not (publish.public_dir(config) / publish.FEED).exists():
            publish.write_feeds(config, store.every(conn, limit=100_000), shows)
        return Pass(found, done, failed, expired)
    finally:
        conn.close()


class EpisodeWorker:
    """The daemon's episode maker: a pass every ``poll_seconds`` in its own thread."""

    def __init__(self, config: Config, clock: Clock):
        self.config = config
        self.clock = clock
        self._stop = threading.Event()
        self._last_warning = ""
        self._thread = threading.Thread(target=self._main, name="episodes", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _main(self) -> None:
        while not self._stop.wait(self.config.episodes.poll_seconds):
            try:
                done = run_once(self.config, self.clock)
                self._last_warning = ""
                if done.cut or done.expired:
                    log.info("episodes: %d cut, %d expired", done.cut, done.expired)
            except (RadiodError, OSError, sqlite3.Error) as exc:
                if str(exc) != self._last_warning:            # once, not every poll
                    log.warning("episodes: pass skipped: %s", exc)
                self._last_warning = str(exc)
            except Exception:                      # never take the daemon down
                log.exception("episodes: pass failed")


def episode_worker(config: Config, clock: Clock) -> EpisodeWorker | None:
    """The worker when the logger records (episodes are cut from it), else None."""
    if not config.logger.enabled:
        return None
    return EpisodeWorker(config, clock)
