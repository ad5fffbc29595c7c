"""Shows as first-class: a public page per show (hosts, description, image, next and recent airings
with what played), a page per host, and the managers' editor of show facts, written back to
shows.toml through the grid editor's round trip, checks, history and undo."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _

from radiod.errors import ScheduleError
from radiod.schedule import IMAGES, edit
from radiod_web import station
from radiod_web.episodes import show_episodes
from radiod_web.hosts import host_views as _hosts
from radiod_web.grid import digest as _digest, read_text_file as _read, save_checked as _save, short as _short
from radiod_web.security import reader, require_role
from radiod_web.showinfo import past_airings, schedule_or_none, upcoming, view

bp = Blueprint("showpages", __name__)

NEXT_AIRINGS = 5


@bp.get("/shows/<show_id>")
def show(show_id: str):
    schedule = schedule_or_none()
    if schedule is None:       # the details are for managers (`radiod check`, the dashboard)
        abort(503, description=_("The schedule is being updated; check back soon."))
    if show_id not in schedule.shows:
        abort(404, description=_("No show by that id is on the schedule."))
    s, now, zone = schedule.shows[show_id], station().clock.now(), station().config.zone
    nxt = [view(a, zone) for a in upcoming(schedule, now, [show_id])[:NEXT_AIRINGS]]
    past = [p for p in past_airings(reader(), schedule, show_id, now) if p.plays]   # listeners: what played
    return render_template("show.html", show=s, hosts=_hosts(s.hosts), upcoming=nxt, past=past,
                           episodes=show_episodes(show_id))


@bp.get("/shows/<show_id>/image")
def image(show_id: str):
    schedule = schedule_or_none()
    s = schedule.shows.get(show_id) if schedule is not None else None
    if s is None or not s.image:
        abort(404)
    # The name was checked by the parser (a plain file name of an image type); send_from_directory
    # refuses anything outside the folder besides.
    return send_from_directory(station().config.paths.schedules / IMAGES, s.image, max_age=300)


@bp.get("/hosts/<name>")
def host(name: str):
    """A host's public page: only for a name the schedule publishes as a host that is an active
    account (no other account name is ever confirmed to a visitor)."""
    schedule = schedule_or_none()
    shows = [s for s in schedule.shows.values() if name in s.hosts] if schedule is not None else []
    host_view = _hosts((name,))[0]
    if schedule is None or not shows or not host_view.linked:
        abort(404, description=_("No host by that name."))
    zone, now = station().config.zone, station().clock.now()
    nxt = [view(a, zone) for a in upcoming(schedule, now, [s.id for s in shows])[:NEXT_AIRINGS]]
    return render_template("host.html", name=host_view.shown, shows=shows, upcoming=nxt)


def _facts(text: str) -> dict[str, edit.ShowFacts] | None:
    """The shows' facts, or None (with the reason flashed) when shows.toml is not TOML at all."""
    try:
        return edit.show_facts(text)
    except ScheduleError as exc:
        flash(_("shows.toml cannot be read (%(why)s); fix it as text first.", why=_short(exc.problems[0])))
        return None


@bp.get("/manager/shows/")
@require_role("manager")
def manage():
    facts = _facts(_read(edit.SHOWS))
    return render_template("manager/shows.html", shows=facts or {})


def _form() -> edit.ShowFacts:
    f = request.form
    return edit.ShowFacts(title=f.get("title", ""), description=f.get("description", ""),
                          hosts=f.get("hosts", ""), image=f.get("image", ""))


def _editor(show_id: str, facts: edit.ShowFacts, digest: str, errors: list[str], status: int = 200):
    return render_template("manager/show_edit.html", show_id=show_id, facts=facts, digest=digest,
                           errors=[_short(e) for e in errors]), status


@bp.get("/manager/shows/<show_id>")
@require_role("manager")
def edit_show(show_id: str):
    text = _read(edit.SHOWS)
    shows = _facts(text)
    if shows is None:
        return redirect(url_for("showpages.manage"))
    if show_id not in shows:
        abort(404)
    return _editor(show_id, shows[show_id], _digest(text), [])


@bp.post("/manager/shows/<show_id>")
@require_role("manager")
def save_show(show_id: str):
    before = _read(edit.SHOWS)
    shows = _facts(before)
    if shows is None:
        return redirect(url_for("showpages.manage"))
    if show_id not in shows:
        abort(404)
    facts = _form()
    if not facts.title.strip():
        return _editor(show_id, facts, _digest(before), [_("title: a show needs a title")], 400)
    after = edit.set_show_facts(before, show_id, facts)
    if after == before:
        flash(_("No change."))
        return redirect(url_for("showpages.edit_show", show_id=show_id))
    return _save(before, after, _("show %(show)s: facts", show=show_id), file=edit.SHOWS,
                 back=url_for("showpages.edit_show", show_id=show_id),
                 on_error=lambda errors: _editor(show_id, facts, _digest(before), errors, 400))
