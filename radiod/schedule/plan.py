"""A day's log from the schedule and the library: pure, deterministic for a given seed.

``plan_day(schedule, tracks, day, history=..., seed=..., media_roots=..., uploads_root=...)``
returns a ``DayLog``. The day runs from local midnight to local midnight (23 or 25 hours on DST
days). The day is cut into windows: airings from the grid, and the gaps between them (covered by
the fallback chain). Each window is filled in order:

- rotation: every local hour follows the show's clock. Timed events split an hour into segments;
  a segment ends where the next timed event (or the window) starts. A 'fill' event picks tracks
  until its segment is full, choosing lengths so the segment ends within the next event's
  tolerance (fit-to-time). A hard start cuts whatever still plays: the item gets ``cut_ms`` and a
  note; a remainder too short for any track is filled from ``fill.filler_categories`` (jingles).
  Missing the tolerance anyway is recorded as a 'fill_to_time' relaxation.
- prerecorded: optional opener from the show's clock (events before its 'show' event), the DJ's
  files in file-name order, the closer; content too long is cut at the slot end, content missing
  or short is flagged and the fallback fills the rest.
- live: one 'live' item for the whole slot.

Every rule that had to bend is recorded as a Relaxation on the item and in ``DayLog.relaxations``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

from radiod.clock import from_ms, to_ms
from radiod.library.model import Track
from radiod.schedule.fallback import chain_categories, path_index, resolve_chain
from radiod.schedule.log import KIND_OF_USAGE, LogItem, Relaxation, Source, Timing, Usage
from radiod.schedule.model import ClockEvent, Schedule, Show
from radiod.schedule.pools import build_pools, release_day, released_among
from radiod.schedule.resolve import Airing, airings, local_midnight
from radiod.schedule.rotation import Play, PlayRow, Rotation

HOUR_MS = 3_600_000
FALLBACK_SHOW = "Fallback"


@dataclass(frozen=True)
class HourShare:
    """Music items starting in one local hour and how many were local."""

    start: datetime
    music: int
    local: int
    quota_percent: float

    @property
    def share(self) -> float:
        return self.local / self.music if self.music else 0.0

    @property
    def quota_met(self) -> bool:
        return self.music == 0 or self.local * 100 >= self.quota_percent * self.music - 1e-9


@dataclass
class DayLog:
    """One local day's planned log."""

    day: date
    timezone: str
    items: list[LogItem]
    hours: list[HourShare]
    relaxations: list[Relaxation]
    warnings: list[str] = field(default_factory=list)

    @property
    def music_items(self) -> list[LogItem]:
        return [i for i in self.items if i.usage == "feature" and i.track_id is not None
                and i.source in ("rotation", "fallback")]

    def summary(self) -> dict[str, Any]:
        music = self.music_items
        local = sum(1 for i in music if i.local)
        return {
            "day": self.day.isoformat(), "timezone": self.timezone, "items": len(self.items),
            "music": len(music), "local": local,
            "local_share": round(local / len(music), 4) if music else 0.0,
            "hours_meeting_quota": sum(1 for h in self.hours if h.quota_met), "hours": len(self.hours),
            "relaxations": len(self.relaxations), "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class _Window:
    start_ms: int
    end_ms: int
    airing: Airing | None            # None: a gap in the grid (fallback)
    continued: bool = False          # the airing began before this window (across midnight)


@dataclass
class _Segment:
    anchor_ms: int
    timing: Timing
    tolerance_ms: int
    head: ClockEvent | None
    body: list[ClockEvent]


def history_from_log(items: Iterable[LogItem]) -> list[Play]:
    """Planned music items as play history (to plan the next day after this one)."""
    return [Play(i.track_id, tuple(i.snapshot.get("artist_keys", ())), i.snapshot.get("album", ""), i.title,
                 to_ms(i.start))
            for i in items if i.track_id is not None and i.usage == "feature"]


def show_content_from_tracks(schedule: Schedule, tracks: Sequence[Track], uploads_root: Path | str | None
                             ) -> dict[str, list[Track]]:
    """Each prerecorded show's files: tracks under ``<uploads_root>/<show-id>/``, in file-name order."""
    if uploads_root is None:
        return {}
    root = Path(uploads_root).as_posix().rstrip("/")
    content = {}
    for show in schedule.shows.values():
        if show.kind == "prerecorded":
            prefix = f"{root}/{show.id}/"
            content[show.id] = sorted((t for t in tracks if t.path.startswith(prefix)), key=lambda t: t.path)
    return content


def hour_shares(schedule: Schedule, items: Iterable[LogItem]) -> list[HourShare]:
    """Music items and local ones per local hour (rotation and fallback music; shows excluded)."""
    zone = ZoneInfo(schedule.timezone)
    counts: dict[int, list[int]] = {}
    for i in items:
        if i.usage == "feature" and i.track_id is not None and i.source != "show":
            hour = to_ms(i.start.astimezone(zone).replace(minute=0, second=0, microsecond=0))
            c = counts.setdefault(hour, [0, 0])
            c[0] += 1
            c[1] += int(i.local)
    pct = schedule.rules.local_hour_percent
    return [HourShare(from_ms(h), m, l, pct) for h, (m, l) in sorted(counts.items())]


def plan_day(schedule: Schedule, tracks: Sequence[Track], day: date, *, history: Iterable[Play | PlayRow] = (),
             seed: int | str = 0, media_roots: Sequence[Path | str] = (), uploads_root: Path | str | None = None,
             show_content: Mapping[str, Sequence[Track]] | None = None) -> DayLog:
    """Plan one local day. ``history``: past plays (track_id, artist_keys, album, title, played_at)."""
    return plan_days(schedule, tracks, day, 1, history=history, seed=seed, media_roots=media_roots,
                     uploads_root=uploads_root, show_content=show_content)[0]


def plan_days(schedule: Schedule, tracks: Sequence[Track], first_day: date, days: int, *,
              history: Iterable[Play | PlayRow] = (), seed: int | str = 0, media_roots: Sequence[Path | str] = (),
              uploads_root: Path | str | None = None,
              show_content: Mapping[str, Sequence[Track]] | None = None) -> list[DayLog]:
    """Plan consecutive days; each day sees the ones before it as history."""
    if show_content is None:
        show_content = show_content_from_tracks(schedule, tracks, uploads_root)
    # Categories with a release window change with the day: their other filters are applied once.
    dated = [c for c in schedule.categories.values() if c.released_within_days is not None]
    undated = [c for c in schedule.categories.values() if c.released_within_days is None]
    base = build_pools(dated, tracks, media_roots, first_day, ignore_release=True)
    release_days = {c.id: [(release_day(t.release_date), t) for t in base[c.id]] for c in dated}

    def dated_pools(day: date) -> dict[str, list[Track]]:
        return {c.id: released_among(c, release_days[c.id], day) for c in dated}

    pools = {**build_pools(undated, tracks, media_roots, first_day), **dated_pools(first_day)}
    rotation = Rotation(schedule.rules, pools, history, random.Random(f"{seed}:{first_day.isoformat()}"))
    needs_paths = any(e.paths for e in schedule.fallback) or any(
        ev.file for clock in schedule.clocks.values() for ev in clock.events)
    by_path = path_index(tracks, media_roots) if needs_paths else {}
    playlist = list(resolve_chain(schedule, tracks, media_roots, by_path).playlist)
    if playlist:
        rotation.set_pool(" playlist", playlist)
    logs = []
    for n in range(days):
        day = first_day + timedelta(days=n)
        if n and dated:   # release windows move with the day
            for cid, pool in dated_pools(day).items():
                rotation.update_pool(cid, pool)
        planner = _DayPlanner(schedule, rotation, day, show_content, by_path,
                              random.Random(f"{seed}:{day.isoformat()}"), bool(playlist))
        logs.append(planner.plan())
    return logs


class _DayPlanner:
    def __init__(self, schedule: Schedule, rotation: Rotation, day: date,
                 show_content: Mapping[str, Sequence[Track]], by_path: dict[str, Track], rng: random.Random,
                 has_playlist: bool):
        self.s = schedule
        self.rot = rotation
        self.day = day
        self.zone = ZoneInfo(schedule.timezone)
        self.content = show_content
        self.by_path = by_path
        self.rng = rng
        self.has_playlist = has_playlist
        self.day_start = to_ms(local_midnight(day, self.zone))
        self.day_end = to_ms(local_midnight(day + timedelta(days=1), self.zone))
        self.items: list[LogItem] = []
        self.warnings: list[str] = []
        self.pos = self.day_start
        self.gap_ms = 0
        self.pending: tuple[Timing, int, int] | None = None   # (timing, tolerance, anchor) for the next item
        self.show = ""
        self.show_id = ""
        self.source: Source = "rotation"
        self.turns: dict[str, int] = {}
        self.hour_counts: dict[int, list[int]] = {}    # local hour start → [music, local]
        self.outlook = (0, 0)                          # fixed music picks left this hour (all, local)
        rules = schedule.rules
        self.quota = max(rules.local_hour_percent, rules.local_day_percent) / 100

    # --- windows ---

    def plan(self) -> DayLog:
        windows = self._windows()
        for i, w in enumerate(windows):
            if w.start_ms >= self.day_end:
                break
            end_spec = self._start_spec(windows[i + 1]) if i + 1 < len(windows) else ("soft", 15_000)
            self._plan_window(w, end_spec)
        items = [i for i in self.items if self.day_start <= to_ms(i.start) < self.day_end]
        hours = self._hours(items)
        relaxations = [r for i in items for r in i.relaxations]
        rules = self.s.rules
        for h in hours:
            if rules.local_hour_percent and h.music and h.local * 100 < rules.local_hour_percent * h.music - 1e-9:
                relaxations.append(Relaxation(
                    "local_share_hour", f"{self._hhmm(to_ms(h.start))}: {h.local} of {h.music} music items local "
                    f"({h.share:.0%}), wanted {rules.local_hour_percent:g} %", h.start))
        music = [i for i in items if i.usage == "feature" and i.track_id is not None and i.source != "show"]
        if rules.local_day_percent and music:
            local = sum(1 for i in music if i.local)
            if local * 100 < rules.local_day_percent * len(music) - 1e-9:
                relaxations.append(Relaxation(
                    "local_share_day", f"{self.day}: {local} of {len(music)} music items local "
                    f"({local / len(music):.0%}), wanted {rules.local_day_percent:g} %", from_ms(self.day_start)))
        relaxations.sort(key=lambda r: r.at or from_ms(0))
        return DayLog(self.day, self.s.timezone, items, hours, relaxations, self.warnings)

    def _windows(self) -> list[_Window]:
        """Airings and gaps covering the day, plus the windows after it (for the end anchor).

        Rotation airings and gaps are cut at midnight (each day plans its own part); prerecorded and
        live airings are planned whole by every day they touch, and each day keeps the items that
        start in it.
        """
        horizon = self.day_end + 26 * HOUR_MS
        result: list[_Window] = []
        cursor = self.day_start
        for a in airings(self.s, from_ms(self.day_start), from_ms(horizon)):
            start, end = to_ms(a.start), to_ms(a.end)
            if start > cursor:
                self._add_split(result, cursor, start, None, None)
            if a.show.kind == "rotation":
                self._add_split(result, max(start, cursor), end, a, start)
            else:
                result.append(_Window(start, end, a))
            cursor = max(cursor, end)
        if cursor < horizon:
            self._add_split(result, cursor, horizon, None, None)
        return result

    def _add_split(self, result: list[_Window], start: int, end: int, airing: Airing | None,
                   airing_start: int | None) -> None:
        """Add [start, end) cut at midnight; parts after a cut are 'continued'."""
        first = airing_start if airing_start is not None else start
        if start < self.day_end < end:
            result.append(_Window(start, self.day_end, airing, start > first))
            start = self.day_end
        result.append(_Window(start, end, airing, start > first))

    def _start_spec(self, w: _Window) -> tuple[Timing, int]:
        """Timing and tolerance of a window's first item (the anchor the previous window fills to)."""
        if w.airing is None:
            return "soft", 15_000
        show = w.airing.show
        if show.kind == "rotation":
            clock = self.s.clocks.get(show.clock)
            offset = (w.start_ms - self._hour_start(w.start_ms)) % HOUR_MS
            for ev in clock.events if clock else ():
                if ev.at_ms == offset:
                    return ev.timing, ev.tolerance_ms
            if w.continued:
                return "soft", show.tolerance_ms
        return show.timing, show.tolerance_ms

    def _plan_window(self, w: _Window, end_spec: tuple[Timing, int]) -> None:
        airing = w.airing
        if airing is None:
            self.show, self.show_id, self.source = FALLBACK_SHOW, "", "fallback"
            self._arrive(w.start_ms, *self._start_spec(w), "grid gap")
            self._fallback_fill(w.end_ms, end_spec, f"no show in the grid {self._hhmm(w.start_ms)}–"
                                f"{self._hhmm(w.end_ms)}")
            return
        show = airing.show
        self.show, self.show_id, self.source = show.title, show.id, "rotation"
        if show.kind == "rotation":
            self._plan_rotation(w, show, end_spec)
        elif show.kind == "prerecorded":
            self._plan_prerecorded(w, show, end_spec)
        else:
            self._arrive(w.start_ms, show.timing, show.tolerance_ms, show.title)
            self.pos = w.start_ms
            self._append(LogItem(start=from_ms(w.start_ms), length_ms=w.end_ms - w.start_ms, kind="live",
                                 source="live", usage="feature", show=show.title, show_id=show.id, event="live",
                                 title=show.title, artist=", ".join(show.hosts)))
            self.pos = w.end_ms

    # --- placing items ---

    def _arrive(self, anchor_ms: int, timing: Timing, tolerance_ms: int, what: str) -> None:
        """Reach a timed event: a hard start cuts what still plays; the next item carries the timing.

        Content ending further than the tolerance from the anchor is recorded as 'fill_to_time'.
        """
        if self.items and abs(self.pos - anchor_ms) > tolerance_ms:
            off = self.pos - anchor_ms
            last = self.items[-1]
            rel = Relaxation("fill_to_time", f"{self._hhmm(anchor_ms, seconds=True)} {what} ({timing}, "
                             f"±{tolerance_ms / 1000:g} s): content before it ends {abs(off) / 1000:.1f} s "
                             f"{'late' if off > 0 else 'early'}", from_ms(anchor_ms))
            self.items[-1] = replace(last, relaxations=last.relaxations + (rel,))
        self.gap_ms = 0
        if timing == "hard":
            if self.pos > anchor_ms and self.items:
                last = self.items[-1]
                cut = self.pos - anchor_ms
                self.items[-1] = replace(last, cut_ms=last.cut_ms + cut, note=_join(
                    last.note, f"last {cut / 1000:.1f} s cut (faded) by the hard start of {what} "
                               f"at {self._hhmm(anchor_ms, seconds=True)}"))
            gap = anchor_ms - self.pos
            self.gap_ms = gap if gap >= 100 and self.items else 0     # below 0.1 s is no audible gap
            self.pos = anchor_ms
        self.pending = (timing, tolerance_ms, anchor_ms)

    def _append(self, item: LogItem) -> None:
        if self.pending is not None:
            timing, tol, anchor = self.pending
            note = item.note
            if self.gap_ms:
                note = _join(note, f"{self.gap_ms / 1000:.1f} s of silence before this hard start")
                self.gap_ms = 0
            item = replace(item, timing=timing, tolerance_ms=tol, note=note, anchor_ms=anchor)
            self.pending = None
        self.items.append(item)
        self.pos = to_ms(item.start) + item.length_ms

    def _track_item(self, track: Track, *, usage: Usage, category: str, event: str, source: Source | None = None,
                    kind: str | None = None, relaxations: tuple[Relaxation, ...] = (), note: str = "") -> LogItem:
        return LogItem(
            start=from_ms(self.pos), length_ms=track.play_ms, kind=kind or KIND_OF_USAGE.get(usage, "music"),
            source=source or self.source, usage=usage, show=self.show, show_id=self.show_id, category=category,
            track_id=track.id,
            path=track.path, cue_in_ms=track.cue_in_ms, cue_out_ms=track.cue_out_ms, title=track.title,
            artist=track.artist, local=track.local, loudness_lufs=track.loudness_lufs, snapshot=track.snapshot(),
            relaxations=relaxations, event=event, note=note)

    def _place_music(self, track: Track, cid: str, event: str, relaxations: tuple[Relaxation, ...] = (),
                     source: Source | None = None, note: str = "") -> None:
        self._append(self._track_item(track, usage="feature", category=cid, event=event, source=source,
                                      relaxations=relaxations, note=note))
        self.rot.record(track, to_ms(self.items[-1].start))
        counts = self.hour_counts.setdefault(self._hour_start(to_ms(self.items[-1].start)), [0, 0])
        counts[0] += 1
        counts[1] += int(track.local)

    def _place_item(self, ev: ClockEvent) -> None:
        label = ev.label or (ev.categories[0] if ev.categories else ev.file)
        if ev.file:
            track = self.by_path.get(ev.file.strip("/"))
            cid = ""
            usage: Usage = next((c.usage for c in self.s.categories.values() if not c.is_music and track is not None
                          and track.id in self.rot.queues.get(c.id, {})), "jingle")
        else:
            cid = ev.categories[0]
            track = self.rot.next_item(cid)
            cat = self.s.categories.get(cid)
            usage = cat.usage if cat else "jingle"
        if track is None:
            self._warn(f"{ev.where}: no audio for {label!r} (skipped)")
            return
        self._append(self._track_item(track, usage=usage, category=cid, event=label))

    # --- rotation ---

    def _hour_start(self, ms: int) -> int:
        local = from_ms(ms).astimezone(self.zone)
        floored = local.replace(minute=0, second=0, microsecond=0)
        return to_ms(floored)

    def _segments(self, w: _Window, show: Show) -> list[_Segment]:
        """The clock laid over the window: one segment per timed event (or hour without one).

        A window starting inside a segment (a show at 22:15 with a clock timed at :00) starts with
        that segment's events, untimed, at the window's start.
        """
        clock = self.s.clocks[show.clock]
        segments: list[_Segment] = []
        hour = self._hour_start(w.start_ms)
        while hour < w.end_ms:
            hour_end = min(hour + HOUR_MS, w.end_ms)
            hour_segments: list[_Segment] = []
            for ev in clock.events:
                if ev.at_ms is not None:
                    hour_segments.append(_Segment(hour + ev.at_ms, ev.timing, ev.tolerance_ms, ev, []))
                elif not hour_segments:
                    hour_segments.append(_Segment(hour, "soft", show.tolerance_ms, None, [ev]))
                else:
                    hour_segments[-1].body.append(ev)
            for i, seg in enumerate(hour_segments):
                seg_end = hour_segments[i + 1].anchor_ms if i + 1 < len(hour_segments) else hour + HOUR_MS
                if seg.anchor_ms >= hour_end or seg_end <= w.start_ms:
                    continue
                if seg.anchor_ms < w.start_ms and seg.head:
                    # Joined part-way: its timed head plays untimed, first, at the window's start.
                    seg = _Segment(seg.anchor_ms, seg.timing, seg.tolerance_ms, None,
                                   [replace(seg.head, at_ms=None, timing="follow"), *seg.body])
                if seg.anchor_ms <= w.start_ms:
                    # The window's first segment starts with the window's own timing.
                    seg = _Segment(w.start_ms, *self._start_spec(w), seg.head, seg.body)
                segments.append(seg)
            hour += HOUR_MS
        return segments

    def _plan_rotation(self, w: _Window, show: Show, end_spec: tuple[Timing, int]) -> None:
        segments = self._segments(w, show)
        if not segments:
            self._arrive(w.start_ms, *self._start_spec(w), show.title)
            self._fallback_fill(w.end_ms, end_spec, f"{show.title}: the clock places nothing here")
            return
        for i, seg in enumerate(segments):
            target = segments[i + 1].anchor_ms if i + 1 < len(segments) else w.end_ms
            spec = (segments[i + 1].timing, segments[i + 1].tolerance_ms) if i + 1 < len(segments) else end_spec
            what = seg.head.label if seg.head and seg.head.label else show.title
            self._arrive(seg.anchor_ms, seg.timing, seg.tolerance_ms, what)
            events = ([seg.head] if seg.head else []) + seg.body
            for j, ev in enumerate(events):
                last_music = ev.type == "music" and not any(e.type in ("music", "fill") for e in events[j + 1:])
                if ev.type == "item":
                    self._place_item(ev)
                elif ev.type == "music":
                    after = sum(self._estimate(e) for e in events[j + 1:])
                    if last_music:
                        self._pick_and_place([ev.categories[0]], ev, fit=(target - after, spec[1]))
                        continue
                    # Leave room for the picks still to come (at their shortest); before a fill,
                    # leave it nothing (within tolerance) or at least one of its shortest tracks.
                    later = events[j + 1:]
                    fills = [c for e in later if e.type == "fill" for c in e.categories]
                    last_fixed = not any(e.type == "music" for e in later)
                    min_fill = min((self.rot.shortest(c) for c in fills), default=0)
                    room = target - self.pos - after
                    tol = spec[1]

                    def score(length: int, room: int = room, tol: int = tol, min_fill: int = min_fill,
                              last_fixed: bool = last_fixed) -> int:
                        """0: leaves the fill an easy remainder, 1: a possible one, 2: a bad one."""
                        rest = room - length
                        if last_fixed and min_fill:
                            if abs(rest) <= tol or rest >= 2 * min_fill - tol:
                                return 0
                            return 1 if rest >= min_fill - tol else 2
                        return 0 if rest >= -tol else 2

                    self._pick_and_place([ev.categories[0]], ev, score=score)
                elif ev.type == "fill":
                    self.outlook = self._outlook(segments, i)
                    self._fill_to(target, spec, list(ev.categories), ev.label or "fill", key=ev.where)
                    self.outlook = (0, 0)

    def _outlook(self, segments: list[_Segment], i: int) -> tuple[int, int]:
        """Fixed music picks still to come this hour after segment ``i``: (all, surely local)."""
        hour = self._hour_start(segments[i].anchor_ms)
        total = local = 0
        for seg in segments[i + 1:]:
            if self._hour_start(seg.anchor_ms) != hour:
                break
            for ev in ([seg.head] if seg.head else []) + seg.body:
                if ev.type == "music":
                    total += 1
                    cat = self.s.categories.get(ev.categories[0])
                    local += int(cat is not None and cat.local is True)
        return total, local

    def _estimate(self, ev: ClockEvent) -> int:
        """The least time a not-yet-placed event will take (its category's shortest track or next item)."""
        if ev.type == "item" and ev.categories:
            queue = self.rot.queues.get(ev.categories[0], {})
            if queue:
                return next(iter(queue.values())).play_ms
        if ev.type == "music":
            return self.rot.shortest(ev.categories[0])
        return 0

    def _want_local(self) -> bool:
        """Quota steering: should this pick be local for the hour to reach its quota?

        Yes when the fixed picks still to come this hour cannot make up for a non-local one, or
        when a non-local pick now and another next would leave the hour below quota (one pick of
        margin for the last pick before a timed event, which is chosen by length).
        """
        if not self.quota:
            return False
        music, local = self.hour_counts.get(self._hour_start(self.pos), (0, 0))
        # The fixed picks still to come this hour may not bring enough local music on their own.
        future, future_local = self.outlook
        if local + future_local < self.quota * (music + 1 + future) - 1e-9:
            return True
        return local < self.quota * (music + 2) - 1e-9

    def _pick(self, cids: Sequence[str], limit: int, *, local: bool | None = None, first_only: bool = False
              ) -> tuple[list[tuple[str, Track]], frozenset[str]]:
        """Eligible (category, track) candidates, bending rules in order only when none is eligible.

        Order: categories as given, fairest first within each; when ``local`` steering is on, the
        local candidates of every category come before the others. ``first_only``: stop at the
        first category that has candidates (no length choice is needed).
        """
        blocked = self.rot.blocked(self.pos)
        relaxed: frozenset[str] = frozenset()
        order = [r for r in self.s.rules.relax_order if r != "local_share_hour"]
        for step in range(len(order) + 1):
            found: list[tuple[str, Track]] = []
            if local:
                for cid in cids:
                    found += [(cid, t) for t in self.rot.candidates(cid, blocked, limit, relaxed=relaxed, local=True)]
                    if found and first_only:
                        return found, relaxed
            # Then the others: when no local track fits the time, one of them may.
            seen = {t.id for _, t in found}
            for cid in cids:
                found += [(cid, t) for t in self.rot.candidates(cid, blocked, limit, relaxed=relaxed)
                          if t.id not in seen]
                if found and first_only:
                    return found, relaxed
            if found:
                return found, relaxed
            if step < len(order):
                relaxed = relaxed | {order[step]}
        return [], relaxed

    def _relaxations(self, track: Track, cid: str, relaxed: frozenset[str]) -> tuple[Relaxation, ...]:
        if not relaxed:
            return ()
        broken = self.rot.blocked(self.pos).broken(track)
        return tuple(Relaxation(rule, f"{self._hhmm(self.pos)} {self.show} ({cid}): no track of "
                                f"{self.rot.size(cid)} met {rule.replace('_', ' ')}; chose {track.artist} – "
                                f"{track.title}", from_ms(self.pos))
                     for rule in self.s.rules.relax_order if rule in relaxed and rule in broken)

    def _pick_and_place(self, cids: list[str], ev: ClockEvent, fit: tuple[int, int] | None = None,
                        score: Callable[[int], int] | None = None) -> None:
        """One track for a 'music' event: ``fit`` (target, tolerance) lands it on a target;
        ``score(length)`` ranks lengths by how fillable they leave the segment (0 best): the fairest
        of the best-ranked is taken."""
        want = self._want_local()
        choose = fit is not None or score is not None
        cands, relaxed = self._pick(cids, self.s.rules.fit_choices if choose else 1, local=want or None)
        if not cands:
            self._warn(f"{ev.where}: category {cids[0]!r} has no playable track; the fallback covers it")
            cands, relaxed = self._pick(self._chain(), 1)
            if not cands:
                return
            cid, track = cands[0]
            self._place_music(track, cid, ev.label or cid, self._relaxations(track, cid, relaxed),
                              source="fallback", note=f"category {cids[0]!r} empty")
            return
        cid, track = cands[0]
        if fit:
            remaining = fit[0] - self.pos
            fitting = [c for c in cands if abs(remaining - c[1].play_ms) <= fit[1]]
            cid, track = fitting[0] if fitting else min(cands, key=lambda c: abs(remaining - c[1].play_ms))
        elif score is not None and score(track.play_ms) > 0:
            if min(score(c[1].play_ms) for c in cands) == 2:
                # Nothing good among the fairest few: look further down the queue.
                cands, relaxed = self._pick(cids, self.s.rules.fit_choices * 5, local=want or None)
            best = min(score(c[1].play_ms) for c in cands)
            cid, track = next(c for c in cands if score(c[1].play_ms) == best)
        self._place_music(track, cid, ev.label or cid, self._relaxations(track, cid, relaxed))

    def _chain(self) -> list[str]:
        chain = list(chain_categories(self.s))
        if self.has_playlist:
            chain.append(" playlist")
        return chain

    def _fallback_fill(self, target: int, spec: tuple[Timing, int], why: str) -> None:
        source, self.source = self.source, "fallback"
        first = len(self.items)
        self._fill_to(target, spec, self._chain(), "fallback", chain=True)
        if len(self.items) > first and why:
            self.items[first] = replace(self.items[first], note=_join(self.items[first].note, why))
        elif target - self.pos > spec[1]:
            self._warn(f"{self._hhmm(self.pos)}: nothing to play until {self._hhmm(target)} "
                       "(the fallback chain is empty)")
        self.source = source

    def _fill_to(self, target: int, spec: tuple[Timing, int], cids: list[str], label: str, *, key: str = "",
                 chain: bool = False) -> None:
        """Pick tracks until the content ends within ``spec``'s tolerance of ``target``."""
        timing, tol = spec
        limit = self.s.rules.fit_choices
        while True:
            remaining = target - self.pos
            if remaining <= tol:
                if timing == "hard" and remaining > 1000:
                    self._filler(remaining, 1000)      # only one that is barely cut, if any
                break
            if chain:
                order = cids
            else:
                turn = self.turns.get(key, 0)
                order = cids[turn % len(cids):] + cids[:turn % len(cids)]
                self.turns[key] = turn + 1
            want = self._want_local()
            if want and not chain:
                order = sorted(order, key=lambda c: not self.rot.has_local(c))
            # The category whose turn it is first; the others before any rule is bent. Far from
            # the target any track will do; near it, candidates of every category compete on length.
            far = remaining > 3 * max((self.rot.longest(c) for c in order), default=0) + tol
            cands, relaxed = self._pick(order, 2 if far else limit, local=want or None, first_only=far)
            if not cands:
                if not chain:
                    self._warn(f"{key}: no playable track in {', '.join(cids)}; the fallback covers it")
                    self._fallback_fill(target, spec, f"categories {', '.join(cids)} empty")
                return
            choice = None
            if want:
                # The quota wants a local track: a local one that fits the time, looking further
                # down the queues if need be, before any other.
                choice = self._choose_fit([c for c in cands if c[1].local], remaining, tol, timing, local_pair=True)
                if choice is None and not far:
                    wider, wider_relaxed = self._pick(order, limit * 5, local=True)
                    choice = self._choose_fit([c for c in wider if c[1].local], remaining, tol, timing,
                                              local_pair=True)
                    if choice is not None:
                        relaxed = wider_relaxed
            choice = choice or self._choose_fit(cands, remaining, tol, timing)
            if choice is None and not far:
                # Nothing fits among the fairest few: look further down the queues before cutting.
                cands, relaxed = self._pick(order, limit * 5, local=want or None)
                choice = self._choose_fit(cands, remaining, tol, timing)
            if choice is None:
                if self._filler(remaining, tol, must_land=True):
                    continue
                choice = min(cands, key=lambda c: (c[1].play_ms < remaining, abs(c[1].play_ms - remaining)))
            cid, track = choice
            self._place_music(track, cid, label, self._relaxations(track, cid, relaxed))

    def _choose_fit(self, cands: list[tuple[str, Track]], remaining: int, tol: int, timing: Timing, *,
                    local_pair: bool = False) -> tuple[str, Track] | None:
        """The fairest candidate that lands within tolerance now, or leaves a remainder others can fill.

        ``local_pair``: a remainder meant for one more track must fit a local one (the quota).
        """
        if not cands:
            return None
        lengths = [t.play_ms for _, t in cands]
        shortest, longest = min(lengths), max(lengths)
        first = cands[0]
        if remaining > 2 * longest + tol:                       # far away: keep the remainder fillable
            return first if remaining - first[1].play_ms >= shortest else \
                next((c for c in cands if remaining - c[1].play_ms >= shortest), first)
        # Lands now. Before a hard start a small cut (faded) is better than silence.
        if timing == "hard":
            for c in cands:
                if remaining <= c[1].play_ms <= remaining + tol:
                    return c
        for c in cands:
            if abs(remaining - c[1].play_ms) <= tol:
                return c
        for c in cands:                                          # two more tracks close the gap
            rest = remaining - c[1].play_ms
            if rest > 0 and any(u[1] is not c[1] and abs(rest - u[1].play_ms) <= tol
                                and (u[1].local or not local_pair)
                                and not set(u[1].artist_keys) & set(c[1].artist_keys) for u in cands):
                return c
        for c in cands:                                          # at least keep going
            if remaining - c[1].play_ms >= shortest:
                return c
        return None

    def _filler(self, remaining: int, tol: int, *, must_land: bool = False) -> bool:
        """Place a short item (jingle) into a remainder too short for a track; True if one was placed.

        ``must_land``: only an item that ends within the tolerance of the target.
        """
        best: tuple[int, Track, str] | None = None
        for cid in self.s.rules.filler_categories:
            for t in self.rot.queues.get(cid, {}).values():
                if t.play_ms <= remaining + tol and (not must_land or abs(remaining - t.play_ms) <= tol):
                    score = abs(remaining - t.play_ms)
                    if best is None or score < best[0]:
                        best = (score, t, cid)
        if best is None:
            return False
        _, track, cid = best
        queue = self.rot.queues[cid]
        queue.pop(track.id)
        queue[track.id] = track
        cat = self.s.categories.get(cid)
        usage = cat.usage if cat else "jingle"
        self._append(self._track_item(track, usage=usage, category=cid, event="filler",
                                      note=f"fills {remaining / 1000:.1f} s before the next timed event"))
        return True

    # --- prerecorded ---

    def _plan_prerecorded(self, w: _Window, show: Show, end_spec: tuple[Timing, int]) -> None:
        self.source = "show"
        self._arrive(w.start_ms, show.timing, show.tolerance_ms, show.title)
        clock = self.s.clocks.get(show.clock)
        events = list(clock.events) if clock else []
        split = next((i for i, e in enumerate(events) if e.type == "show"), len(events))
        content = list(self.content.get(show.id, ()))
        for ev in events[:split]:
            self._run_simple(ev)
        when = f"{self.day} {self._hhmm(w.start_ms)} {show.title}"
        if not content:
            self._warn(f"{when}: no content uploaded for '{show.id}'; the fallback covers the slot")
        first_content = len(self.items)
        for track in content:
            if self.pos >= w.end_ms:
                self._warn(f"{when}: content is {(self._content_end(content, first_content) - w.end_ms) / 60000:.1f}"
                           f" min too long; files from {Path(track.path).name} on do not air")
                break
            self._append(self._track_item(track, usage="feature", category="", event="show content",
                                          source="show", kind="show"))
        for ev in events[split + 1:]:
            self._run_simple(ev)
        short = w.end_ms - self.pos
        if content and short > show.content_tolerance_ms:
            self._warn(f"{when}: content is {short / 60000:.1f} min short; the fallback fills the rest")
        if short > 1000:
            # The fallback fills what is left (or only a filler item, when within tolerance);
            # content running over is cut by the next window's hard start (noted on it).
            self._fallback_fill(w.end_ms, end_spec, f"{show.title}: content ended early"
                                if short > end_spec[1] else "")

    def _content_end(self, content: list[Track], first: int) -> int:
        return to_ms(self.items[first].start) + sum(t.play_ms for t in content) if first < len(self.items) else 0

    def _run_simple(self, ev: ClockEvent) -> None:
        if ev.type == "item":
            self._place_item(ev)
        elif ev.type == "music":
            self._pick_and_place([ev.categories[0]], ev, None)

    # --- bookkeeping ---

    def _hours(self, items: list[LogItem]) -> list[HourShare]:
        return hour_shares(self.s, items)

    def _hhmm(self, ms: int, *, seconds: bool = False) -> str:
        return from_ms(ms).astimezone(self.zone).strftime("%H:%M:%S" if seconds else "%H:%M")

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b
