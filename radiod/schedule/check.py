"""Cross-checks of a parsed schedule: references, the grid, quotas, category sizes.

``check_schedule`` needs only the schedule; ``check_library`` adds what needs the library (empty
categories, categories too small for their separation rules, missing show content). Both return
(errors, warnings), every message a ``Problem`` located as ``file:line: key: message`` or
``file: key: message``.
"""

from __future__ import annotations

import math
from datetime import date, time
from pathlib import Path
from typing import Sequence

from radiod.errors import closest
from radiod.library.model import Track
from radiod.schedule.model import DAYS, Clock, Schedule, Slot
from radiod.schedule.pools import build_pools
from radiod.schedule.problems import N_, Problem

WEEK_MIN = 7 * 1440
UNKNOWN_CATEGORY = N_("unknown category '%(category)s'")
TOO_FEW_ARTISTS = N_("too small for the separation rules: %(have)d artists but about %(picks)s picks an hour "
                     "need %(need)d with artist separation of %(minutes)d min")
TOO_FEW_TITLES = N_("too small for the separation rules: %(have)d titles but about %(picks)s picks an hour "
                    "need %(need)d with title separation of %(minutes)d min")


def _minutes(t: time | None) -> int:
    return 1440 if t is None else t.hour * 60 + t.minute


def _span(slot: Slot) -> tuple[int, int]:
    """Start and end in minutes from the start of the slot's day."""
    start, end = _minutes(slot.start), _minutes(slot.end)
    if slot.crosses_midnight:
        end += 1440
    return start, end


def _describe(slot: Slot, day: int | None = None) -> str:
    when = DAYS[day] if day is not None else (slot.date.isoformat() if slot.date else "")
    end = "24:00" if slot.end is None else f"{slot.end:%H:%M}"
    return f"{when} {slot.start:%H:%M}–{end} {slot.show}"


def _where(slot: Slot) -> str:
    return slot.where or "grid.toml"


def _key_where(s: Schedule, slot: Slot, key: str) -> str:
    return s.locate("grid.toml", f"{slot.key}.{key}") if slot.key else f"{_where(slot)}.{key}"


def check_schedule(s: Schedule) -> tuple[list[str], list[str]]:
    errors: list[str] = []
    warnings: list[str] = list(s.warnings)

    for slot in s.slots + s.exceptions:
        if slot.show not in s.shows:
            errors.append(Problem(_key_where(s, slot, 'show'), N_("unknown show '%(show)s'"),
                                  closest(slot.show, s.shows), show=slot.show))

    for show in s.shows.values():
        def where(key: str) -> str:
            return s.locate("shows.toml", f"show.{show.id}.{key}")

        for host in show.hosts:
            if host not in s.djs:
                errors.append(Problem(where('hosts'), N_("unknown DJ '%(dj)s' (not in station.toml station.djs)"),
                                      closest(host, s.djs), dj=host))
        if show.clock and show.clock not in s.clocks:
            errors.append(Problem(where('clock'), N_("unknown clock '%(clock)s'"), closest(show.clock, s.clocks),
                                  clock=show.clock))
            continue
        clock = s.clocks.get(show.clock)
        has_show_event = clock is not None and any(e.type == "show" for e in clock.events)
        if show.kind == "rotation" and has_show_event:
            errors.append(Problem(where('clock'), N_("clock '%(clock)s' has a 'show' event, only for prerecorded shows"),
                                  clock=show.clock))
        if show.kind == "prerecorded" and clock is not None:
            if sum(e.type == "show" for e in clock.events) != 1:
                errors.append(Problem(where('clock'), N_("a prerecorded show's clock needs exactly one 'show' event")))
            if any(e.at_ms is not None or e.type == "fill" for e in clock.events):
                errors.append(Problem(where('clock'), N_("a prerecorded show's clock is an opener and closer around "
                                                         "its content: no timed or 'fill' events")))
    for clock in s.clocks.values():
        errors += _check_clock(s, clock)

    for i, entry in enumerate(s.fallback):
        if entry.category and entry.category not in s.categories:
            errors.append(Problem(s.locate('station.toml', f'fallback.chain[{i}]'), UNKNOWN_CATEGORY,
                                  closest(entry.category, s.categories), category=entry.category))
    if not s.fallback:
        warnings.append(Problem(s.locate('station.toml', 'fallback.chain'),
                                N_("no fallback: gaps and missing content will be silent")))
    for cid in s.rules.filler_categories:
        if cid not in s.categories:
            errors.append(Problem(s.locate('rules.toml', 'fill.filler_categories'), UNKNOWN_CATEGORY,
                                  closest(cid, s.categories), category=cid))

    errors += _check_quota(s)
    e, w = _check_grid(s)
    return errors + e, warnings + w


def _check_clock(s: Schedule, clock: Clock) -> list[str]:
    errors: list[str] = []
    for i, ev in enumerate(clock.events):
        where = ev.where or s.locate("clocks.toml", f"clock.{clock.id}.event[{i}]")
        for cid in ev.categories:
            cat = s.categories.get(cid)
            if cat is None:
                errors.append(Problem(where, UNKNOWN_CATEGORY, closest(cid, s.categories), category=cid))
            elif ev.type in ("music", "fill") and not cat.is_music:
                errors.append(Problem(where, N_("category '%(category)s' is not music (usage '%(usage)s'); "
                                                "use an 'item' event"), category=cid, usage=cat.usage))
            elif ev.type == "item" and cat.is_music:
                errors.append(Problem(where, N_("category '%(category)s' is music; use a 'music' event"),
                                      category=cid))
        if ev.type == "fill":
            rest = clock.events[i + 1:]
            nxt = next((j for j, e in enumerate(rest) if e.at_ms is not None), len(rest))
            if nxt > 0:
                errors.append(Problem(where, N_("a 'fill' event must be the last before the next timed event "
                                                "(or the end of the clock)")))
    return errors


def _check_quota(s: Schedule) -> list[str]:
    rules = s.rules
    errors: list[str] = []
    need = max(rules.local_hour_percent, rules.local_day_percent)
    if not need:
        return errors
    used = {cid for c in s.clocks.values() for e in c.events if e.type in ("music", "fill") for cid in e.categories}
    local_ok = [cid for cid in used if cid in s.categories and s.categories[cid].local is not False]
    if used and not local_ok:
        errors.append(Problem(s.locate('rules.toml', 'local'),
                              N_("impossible quota: %(percent)s %% local but every music category in the clocks "
                                 "is non-local (local = false)"), percent=f"{need:g}"))
    for clock in s.clocks.values():
        music = [e for e in clock.events if e.type in ("music", "fill")]
        if not music or any(e.type == "fill" for e in music):
            continue
        capable = sum(1 for e in music if s.categories.get(e.categories[0]) and
                      s.categories[e.categories[0]].local is not False)
        if capable * 100 < rules.local_hour_percent * len(music):
            errors.append(Problem(s.locate('clocks.toml', f'clock.{clock.id}'),
                                  N_("impossible quota: at most %(local)d of %(picks)d music picks can be local, "
                                     "below local.hour_min_percent = %(percent)s"),
                                  local=capable, picks=len(music), percent=f"{rules.local_hour_percent:g}"))
    return errors


def _check_grid(s: Schedule) -> tuple[list[str], list[str]]:
    errors: list[str] = []
    warnings: list[str] = []
    spans: list[tuple[int, int, Slot, int]] = []          # minutes of the week, Monday 00:00 = 0
    for slot in s.slots:
        start, end = _span(slot)
        for day in slot.days:
            a, b = day * 1440 + start, day * 1440 + end
            if b > WEEK_MIN:                               # Sunday night into Monday: wrap the week
                spans += [(a, WEEK_MIN, slot, day), (0, b - WEEK_MIN, slot, day)]
            else:
                spans.append((a, b, slot, day))
    spans.sort(key=lambda x: x[:2])
    reported = set()
    for i, (a, b, slot, day) in enumerate(spans):
        for a2, b2, slot2, day2 in spans[i + 1:]:
            if a2 >= b:
                break
            key = (id(slot), day, id(slot2), day2)
            if key not in reported:
                reported.add(key)
                errors.append(Problem(_where(slot2), N_("%(slot)s overlaps %(other)s (%(other_where)s)"),
                                      slot=_describe(slot2, day2), other=_describe(slot, day), other_where=_where(slot)))
    # Gaps in the weekly grid are allowed (the fallback plays) but worth a warning.
    cursor = 0
    slots_at = s.locate('grid.toml', 'slot')
    for a, b, slot, day in spans:
        if a > cursor:
            warnings.append(_gap(slots_at, cursor, a))
        cursor = max(cursor, b)
    if spans and cursor < WEEK_MIN:
        warnings.append(_gap(slots_at, cursor, WEEK_MIN))
    if not spans:
        warnings.append(Problem(slots_at, N_("the weekly grid is empty (the fallback plays all week)")))
    # Exceptions may not overlap each other (they override the weekly grid, not one another).
    dated = []
    for slot in s.exceptions:
        assert slot.date is not None
        start, end = _span(slot)
        base = slot.date.toordinal() * 1440
        dated.append((base + start, base + end, slot))
    dated.sort(key=lambda x: x[:2])
    for i, (a, b, slot) in enumerate(dated):
        for a2, b2, slot2 in dated[i + 1:]:
            if a2 >= b:
                break
            errors.append(Problem(_where(slot2), N_("%(slot)s overlaps exception %(other)s (%(other_where)s)"),
                                  slot=_describe(slot2), other=_describe(slot), other_where=_where(slot)))
    return errors, warnings


def _gap(where: str, start: int, end: int) -> Problem:
    return Problem(where, N_("gap in the weekly grid %(start)s–%(end)s (the fallback plays)"),
                   start=_week_time(start), end=_week_time(end))


def _week_time(minute: int) -> str:
    if minute >= WEEK_MIN:
        return "sun 24:00"
    return f"{DAYS[minute // 1440]} {minute % 1440 // 60:02d}:{minute % 60:02d}"


def check_library(s: Schedule, tracks: Sequence[Track], *, media_roots: Sequence[Path | str] = (),
                  uploads_root: Path | str | None = None, day: date) -> tuple[list[str], list[str]]:
    """Checks against the library: empty and too-small categories, missing show content."""
    from radiod.schedule.fallback import path_index
    from radiod.schedule.plan import show_content_from_tracks

    errors: list[str] = []
    warnings: list[str] = []
    pools = build_pools(s.categories.values(), tracks, media_roots, day)
    used = {cid for c in s.clocks.values() for e in c.events for cid in e.categories}
    used |= {e.category for e in s.fallback if e.category}
    for cid, pool in pools.items():
        if not pool:
            where = s.locate('categories.toml', f'category.{cid}')
            if cid in used:
                errors.append(Problem(where, N_("matches no playable track in the library")))
            else:
                warnings.append(Problem(where, N_("matches no playable track in the library (unused)")))
    sep = s.rules.separation
    for cid, per_hour in _picks_per_hour(s, pools).items():
        pool = pools.get(cid, [])
        if not pool:
            continue
        artists = len({k for t in pool for k in t.artist_keys} or {""})
        titles = len({t.title.casefold() for t in pool})
        for template, have, minutes in ((TOO_FEW_ARTISTS, artists, sep.artist_minutes),
                                        (TOO_FEW_TITLES, titles, sep.title_minutes)):
            # Within the separation time the category must offer a distinct one for every pick.
            need = max(1, math.ceil(per_hour * min(minutes, 60) / 60))
            if have < need:
                errors.append(Problem(s.locate('categories.toml', f'category.{cid}'), template, have=have,
                                      picks=f"{per_hour:.1f}", need=need, minutes=minutes))
    content = show_content_from_tracks(s, tracks, uploads_root)
    for show in s.shows.values():
        if show.kind == "prerecorded" and uploads_root is not None and not content.get(show.id):
            warnings.append(Problem(s.locate('shows.toml', f'show.{show.id}'),
                                    N_("no content in %(folder)s (the fallback will cover it)"),
                                    folder=str(Path(uploads_root) / show.id)))
    by_path = path_index(tracks, media_roots)
    for i, entry in enumerate(s.fallback):
        missing = [p for p in entry.paths if p.strip("/") not in by_path]
        if missing:
            warnings.append(Problem(s.locate('station.toml', f'fallback.chain[{i}]'),
                                    N_("%(count)d playlist entries not in the library, e.g. '%(example)s'"),
                                    count=len(missing), example=missing[0]))
    for clock in s.clocks.values():
        for ev in clock.events:
            if ev.file and ev.file.strip("/") not in by_path:
                errors.append(Problem(f"{ev.where}.file", N_("'%(file)s' is not in the library"), file=ev.file))
    return errors, warnings


def _picks_per_hour(s: Schedule, pools: dict[str, list[Track]]) -> dict[str, float]:
    """The most picks an hour any clock asks of each category (fills share their time evenly)."""
    result: dict[str, float] = {}
    for clock in s.clocks.values():
        counts: dict[str, float] = {}
        fixed_ms = 0
        fills = []
        for ev in clock.events:
            if ev.type == "music":
                counts[ev.categories[0]] = counts.get(ev.categories[0], 0) + 1
                fixed_ms += _average(pools.get(ev.categories[0], []))
            elif ev.type == "item" and ev.categories:
                fixed_ms += _average(pools.get(ev.categories[0], []))
            elif ev.type == "fill":
                fills.append(ev)
        left_ms = max(0, 3_600_000 - fixed_ms)
        for ev in fills:
            share = left_ms / len(fills) / len(ev.categories)
            for cid in ev.categories:
                avg = _average(pools.get(cid, []))
                if avg:
                    counts[cid] = counts.get(cid, 0) + share / avg
        for cid, n in counts.items():
            result[cid] = max(result.get(cid, 0), n)
    return result


def _average(pool: list[Track]) -> int:
    return sum(t.play_ms for t in pool) // len(pool) if pool else 0
