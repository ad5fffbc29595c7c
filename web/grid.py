"""Manager: the weekly grid editor, its history with undo, and a preview of a day's planned log.

Every change is checked with the checks of ``radiod check`` on a copy of the schedule folder; on
error nothing is written and each message is shown next to the slot it names.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from datetime import timedelta
from pathlib import Path
from typing import Sequence

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from radiod.clock import to_ms
from radiod.errors import ControlError, ScheduleError
from radiod.schedule import DAYS, FILES, edit
from radiod.schedule_files import atomic_write, check_files, load_schedule
from radiod.schedule_history import History
from radiod_web import grid_week as calendar, station
from radiod_web.i18n import _, problem_text
from radiod_web.params import ParamError, parse_day
from radiod_web.security import accounts, require_role, signed_in_user

bp = Blueprint("grid", __name__, url_prefix="/manager/grid")

_SLOT_REF = re.compile(r"\bslot\[(\d+)\]")


def _grid_path() -> Path:
    return station().config.paths.schedules / edit.GRID


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _short(message: str) -> str:
    """A check's message in the page's language, naming files relative to the schedules folder (the
    page is about that folder)."""
    return problem_text(message).replace(f"{station().config.paths.schedules}/", "")


def _history() -> History:
    return History(accounts().conn)


def _fields() -> edit.SlotFields:
    f = request.form
    return edit.SlotFields(days=f.get("days", ""), start=f.get("start", ""), end=f.get("end", ""),
                           show=f.get("show", ""), overnight=f.get("overnight") == "on")


def _show_ids() -> list[str]:
    try:
        return sorted(load_schedule(station().config.paths.schedules).shows)
    except ScheduleError:
        return []


def _page(text: str, *, errors: Sequence[str] = (), typed: dict[int, edit.SlotFields] | None = None,
          new: edit.SlotFields | None = None, status: int = 200, moving: Moving | None = None):
    """The editor; ``errors`` are placed next to the slots they name, the rest above the grid
    (or, for a refused calendar edit, ``moving``, on the block it was about and in its form)."""
    rows = edit.slots(text)
    for index, fields in (typed or {}).items():
        if index < len(rows):
            rows[index] = fields                   # show what was typed, not what is on disk
    by_slot: dict[int, list[str]] = {}
    general = []
    for message in errors if moving is None else ():
        refs = {int(i) for i in _SLOT_REF.findall(message)}
        for i in refs:
            by_slot.setdefault(i, []).append(_short(message))
        if not refs or (new is not None and len(rows) in refs):
            general.append(_short(message))
    first, current = _week_args(moving)
    if moving is not None:
        moving = dataclasses.replace(moving, errors=tuple(_short(e) for e in errors))
    titles = _show_titles()
    days = calendar.week(text, titles, first, current=current,
                         errors={moving.block: moving.errors} if moving is not None else _file_errors())
    editing = moving or _editing(text)
    return render_template("manager/grid.html", rows=list(enumerate(rows)), errors=by_slot, general=general,
                           digest=_digest(text), shows=_show_ids(), new=new, days=days, first=first, titles=titles,
                           current=current, editing=editing, prev_week=(first - timedelta(days=7)).isoformat(),
                           next_week=(first + timedelta(days=7)).isoformat(), day_names=DAYS, today=_today(),
                           history=_history().recent(), undo=_history().last_undoable()), status


# The week calendar (radiod_web.grid_week): which week and day are shown, and the block being edited.

@dataclasses.dataclass(frozen=True)
class Moving:
    """A calendar edit of one airing: slot ``slot`` on ``day`` to ``to_day`` at ``start``–``end``."""

    slot: int
    day: str
    to_day: str
    start: str
    end: str
    whole: bool = False
    many_days: bool = False           # the slot airs on other days too (the form offers "every day")
    show: str = ""
    errors: tuple[str, ...] = ()

    @property
    def block(self) -> str:
        return f"block-{self.slot}-{self.day}"


def _today():
    return station().clock.now().astimezone(station().config.zone).date()


def _week_args(moving: Moving | None = None):
    """The Monday of the week shown (``week=YYYY-MM-DD``, any day of it; default this week) and the
    day shown at phone width (``day=mon…sun``; default today, or the day being edited)."""
    f = request.values
    try:
        first = calendar.monday(parse_day(f["week"], "week")) if f.get("week") else calendar.monday(_today())
    except ParamError as exc:
        abort(400, description=str(exc))
    current = f.get("day", "") if f.get("day", "") in DAYS else ""
    if moving is not None:
        current = moving.to_day
    return first, current or (DAYS[_today().weekday()] if first == calendar.monday(_today()) else DAYS[0])


def _editing(text: str) -> Moving | None:
    """The block named by ``edit=<slot>-<day>`` (its link), as a form to fill."""
    slot, _sep, day = request.args.get("edit", "").partition("-")
    rows = edit.slots(text)
    if not (slot.isascii() and slot.isdigit() and int(slot) < len(rows)):
        return None
    s = rows[int(slot)]
    if day not in edit.expand_days(s.days):
        return None
    return Moving(slot=int(slot), day=day, to_day=day, start=s.start, end=s.end, show=s.show,
                  many_days=len(edit.expand_days(s.days)) > 1)


_KEY_REF = re.compile(r"\b(?:slot|exception)\[\d+\]")


def _file_errors() -> dict[str, tuple[str, ...]]:
    """The checks' errors about grid.toml as it is (a hand edit), by the keys they name
    (``slot[1]``): the calendar shows each on the blocks of that slot. The library's checks are
    left to saving (they read every track)."""
    errors, _warnings = check_files(station().config.paths.schedules, {})
    found: dict[str, tuple[str, ...]] = {}
    for message in errors:
        if message.startswith(f"{station().config.paths.schedules / edit.GRID}:"):
            for key in set(_KEY_REF.findall(message)):
                found[key] = found.get(key, ()) + (_short(message),)
    return found


def _show_titles() -> dict[str, str]:
    try:
        return {sid: show.title for sid, show in load_schedule(station().config.paths.schedules).shows.items()}
    except ScheduleError:
        return {sid: sid for sid in _show_ids()}


@bp.get("/")
@require_role("manager")
def index():
    return _page(_grid_path().read_text(encoding="utf-8"))[0]


def _save(before: str, after: str, summary: str, *, file: str = edit.GRID, on_error=None, back: str = "",
          **page_args):
    """Check ``after``; write it, record it and tell the daemon, or show the errors (nothing written).
    ``on_error(errors)`` renders the errors (default: the grid page, next to the slots); ``back`` is
    where to go afterwards (default: the grid, or the file's text page). ``summary`` is in the editor's
    language: the history keeps what they were told, as a commit keeps its author's words."""
    back = back or (url_for("grid.index") if file == edit.GRID else url_for("grid.file", name=file))
    if request.form.get("digest") != _digest(before):
        flash(_("%(file)s was changed by someone else since you opened it; your change was not saved. "
                "Here is the current version.", file=file))
        return redirect(back)
    errors, _warnings = _check({file: after})
    if errors:
        if on_error is not None:
            return on_error(errors)
        return _page(before, errors=errors, **page_args, status=400)
    atomic_write(station().config.paths.schedules / file, after)
    _history().record(file=file, user=signed_in_user().name, at_ms=to_ms(station().clock.now()),
                      before=before, after=after, summary=summary)
    flash(_("Saved: %(change)s. %(reload)s", change=summary, reload=_reload()))
    return redirect(back)


def _check(changes: dict[str, str]) -> tuple[list[str], list[str]]:
    from radiod.app import library_for_checks      # the library half of `radiod check`
    config = station().config
    tracks, problems = library_for_checks(config)
    errors, warnings = check_files(config.paths.schedules, changes, tracks=tracks,
                                        media_roots=config.paths.media, uploads_root=config.paths.uploads,
                                        day=station().clock.now().astimezone(config.zone).date())
    return errors + problems, warnings


def _reload() -> str:
    from radiod.playout import Reload, send_command
    try:
        reply = send_command(station().config.control_socket, Reload())
    except ControlError:
        return _("The playout daemon is not running; it reads the new grid when it starts.")
    refused = _("refused")
    return (_("The daemon reloaded the schedule.") if reply.get("ok")
            else _("Reload: %(why)s", why=reply.get("error", refused)))


def _describe(f: edit.SlotFields) -> str:
    return f"{f.show} {f.days} {f.start}–{f.end}"


@bp.post("/slots/<int:index>")
@require_role("manager")
def change(index: int):
    before = _grid_path().read_text(encoding="utf-8")
    try:
        if request.form.get("action") == "remove":
            old = edit.slots(before)[index] if index < len(edit.slots(before)) else None
            if old is None:
                abort(404)
            return _save(before, edit.remove_slot(before, index), _("removed %(slot)s", slot=_describe(old)))
        fields = _fields()
        return _save(before, edit.set_slot(before, index, fields), _("slot %(num)s: %(slot)s", num=index + 1, slot=_describe(fields)),
                     typed={index: fields})
    except ScheduleError as exc:
        return _page(before, errors=exc.problems, status=400)


@bp.post("/slots")
@require_role("manager")
def add():
    before = _grid_path().read_text(encoding="utf-8")
    fields = _fields()
    return _save(before, edit.add_slot(before, fields), _("added %(slot)s", slot=_describe(fields)), new=fields)


@bp.post("/airings/<int:index>/<day>")
@require_role("manager")
def airing(index: int, day: str):
    """A calendar edit: one airing moved or resized (dragged, or typed in its form), or removed.
    Checked and saved like every other edit; a refused one is shown on its block."""
    before = _grid_path().read_text(encoding="utf-8")
    rows = edit.slots(before)
    if index >= len(rows) or day not in edit.expand_days(rows[index].days):
        abort(404)
    f = request.form
    old = rows[index]
    moving = Moving(slot=index, day=day, to_day=f.get("to_day", day), start=f.get("start", "").strip(),
                    end=f.get("end", "").strip(), whole=f.get("whole") == "on", show=old.show,
                    many_days=len(edit.expand_days(old.days)) > 1)
    first, _current = _week_args(moving)
    week = first.isoformat()
    if f.get("action") == "remove":
        left = [d for d in edit.expand_days(old.days) if d != day]
        after = (edit.set_slot(before, index, dataclasses.replace(old, days=", ".join(left))) if left
                 else edit.remove_slot(before, index))
        return _save(before, after, _("removed %(show)s on %(day)s %(start)s–%(end)s", show=old.show, day=day,
                                              start=old.start, end=old.end),
                     back=url_for("grid.index", week=week, day=day, _anchor="calendar"))
    try:
        after, new_index = edit.move_airing(before, index, day, moving.to_day, moving.start, moving.end,
                                            whole=moving.whole)
    except ScheduleError as exc:
        return _page(before, errors=exc.problems, moving=moving, status=400)
    if after == before:
        flash(_("No change."))
        return redirect(url_for("grid.index", week=week, day=day, _anchor=moving.block))
    which = _("every day of the slot") if moving.whole and moving.many_days else day
    summary = _("moved %(show)s (%(which)s %(start)s–%(end)s) to %(day)s %(to_start)s–%(to_end)s", show=old.show,
                which=which, start=old.start, end=old.end, day=moving.to_day, to_start=moving.start,
                to_end=moving.end)
    return _save(before, after, summary,
                 on_error=lambda errors: _page(before, errors=errors, moving=moving, status=400),
                 back=url_for("grid.index", week=week, day=moving.to_day,
                              _anchor=f"block-{new_index}-{moving.to_day}"))


@bp.post("/undo")
@require_role("manager")
def undo():
    history = _history()
    last = history.last_undoable()
    if last is None:
        flash(_("Nothing to undo."))
        return redirect(url_for("grid.index"))
    path = station().config.paths.schedules / last["file"]
    current = path.read_text(encoding="utf-8")
    if current != last["after"]:
        flash(_("%(file)s changed since that edit (by hand?); undo it by editing.", file=last["file"]))
        return redirect(url_for("grid.index"))
    errors, _warnings = _check({last["file"]: last["before"]})
    if errors:
        flash(_("Undo refused: %(why)s", why=_short(errors[0])))
        return redirect(url_for("grid.index"))
    now_ms = to_ms(station().clock.now())
    atomic_write(path, last["before"])
    history.mark_undone(last["id"], now_ms)
    history.record(file=last["file"], user=signed_in_user().name, at_ms=now_ms, before=current,
                   after=last["before"], summary=_("undo: %(change)s", change=last["summary"]), kind="undo")
    flash(_("Undone: %(change)s. %(reload)s", change=last["summary"], reload=_reload()))
    return redirect(url_for("grid.index"))


# The other schedule files (shows, clocks, categories, rules, dated exceptions in grid.toml) are
# edited as text, through the same checks, atomic write, history and undo.
TEXT_FILES = FILES


def _read(name: str) -> str:
    """A schedule file's text ('' for an optional file not written yet)."""
    path = station().config.paths.schedules / name
    return path.read_text(encoding="utf-8") if path.exists() else ""


@bp.get("/files/<name>")
@require_role("manager")
def file(name: str):
    if name not in TEXT_FILES:
        abort(404)
    text = _read(name)
    return render_template("manager/schedule_file.html", name=name, text=text, digest=_digest(text),
                           files=TEXT_FILES, errors=[])


@bp.post("/files/<name>")
@require_role("manager")
def save_file(name: str):
    if name not in TEXT_FILES:
        abort(404)
    before = _read(name)
    after = request.form.get("text", "").replace("\r\n", "\n")

    def show_errors(errors: list[str]):
        return render_template("manager/schedule_file.html", name=name, text=after, digest=_digest(before),
                               files=TEXT_FILES, errors=[_short(e) for e in errors]), 400
    if after == before:
        flash(_("No change."))
        return redirect(url_for("grid.file", name=name))
    return _save(before, after, _("edited %(file)s", file=name), file=name, on_error=show_errors)


@bp.get("/preview")
@require_role("manager")
def preview():
    """A day's log as it will air, with the local share per hour: the one playout saved, else planned now."""
    from radiod.app import day_as_it_airs, library_for_checks
    config = station().config
    today = station().clock.now().astimezone(config.zone).date()
    problem, log, saved = None, None, False
    try:
        # Checked here: year 9999 or year 1 cannot be planned (their hours overflow).
        day = parse_day(request.args["day"], "day") if request.args.get("day") else today
    except ParamError as exc:
        day, problem = today, str(exc)
    try:
        if problem is None:
            schedule = load_schedule(config.paths.schedules)
            tracks, _problems = library_for_checks(config)
            if not tracks:
                raise ScheduleError([_("The library has no tracks yet (run 'radiod scan'); there is nothing to plan with.")])
            # The saved day log, or the day planned as playout will plan it: the preview is what airs.
            log, saved = day_as_it_airs(config, schedule, day, tracks=tracks)
    except ScheduleError as exc:
        problem = _short(exc.problems[0])
    return render_template("manager/preview.html", day=day, log=log, problem=problem, zone=config.zone,
                           saved=saved)


# The show editor (radiod_web.showpages) writes shows.toml through this same path: checks, atomic
# write, history, undo and reload.
digest, read_text_file, save_checked, short = _digest, _read, _save, _short
