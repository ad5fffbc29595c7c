"""Manager: playout controls beyond part 1's buttons — insert an emergency item or a library track
now, and the daemon's recent errors and fallbacks. Paths are never taken from the browser: an item
is chosen by its place in the emergency playlists or by library track id."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from radiod.app import emergency_files
from radiod.errors import ControlError
from radiod.library import load_track
from radiod.playout import ControlCommand, ErrorEntry, Errors, Insert, send_command
from radiod_web import station
from radiod_web.i18n import _
from radiod_web.params import SQLITE_MAX, ParamError, parse_int
from radiod_web.security import reader, require_role

bp = Blueprint("controls", __name__, url_prefix="/manager/controls")


def emergency_items() -> list[Path]:
    """The fallback playlists' files that exist, resolved against the media folders, in order."""
    return emergency_files(station().config)


def _send(command: ControlCommand) -> dict:
    return send_command(station().config.control_socket, command)


@bp.get("/")
@require_role("manager")
def index():
    errors: list[ErrorEntry] = []
    try:
        reply, problem = _send(Errors()), None
        errors = [ErrorEntry.from_public(e) for e in reply.get("errors") or () if isinstance(e, dict)]
    except ControlError as exc:
        problem = _("The playout daemon is not reachable: %(why)s", why=str(exc).splitlines()[0])
    return render_template("manager/controls.html", errors=list(reversed(errors)), problem=problem,
                           items=[p.name for p in emergency_items()])


@bp.post("/insert")
@require_role("manager")
def insert():
    if "track_id" in request.form:
        try:
            track = load_track(reader(), parse_int(request.form["track_id"], "track_id", lo=1, hi=SQLITE_MAX))
        except ParamError:
            track = None
        if track is None:
            abort(404, description=_("No playable track with this id."))
        insert = Insert(track.path, track.title, track.artist)
    else:
        items = emergency_items()
        try:
            index = parse_int(request.form.get("item", ""), "item", lo=0, hi=len(items) - 1)
        except ParamError:
            abort(404, description=_("No such emergency item."))
        # The manager may name what airs (it is what the log and now-playing show); else the file's name.
        insert = Insert(str(items[index]), request.form.get("title", "").strip() or items[index].stem)
    shown = f"{insert.artist} – {insert.title}".strip(" –")
    try:
        reply, refused = _send(insert), _("refused")
        flash(_("Playing now: %(what)s", what=shown) if reply.get("ok")
              else _("insert: %(why)s", why=reply.get("error", refused)))
    except ControlError as exc:
        flash(_("insert: the playout daemon is not reachable (%(why)s)", why=str(exc).splitlines()[0]))
    if "track_id" in request.form:
        return redirect(url_for("library.track", track_id=track.id))
    return redirect(url_for("controls.index"))
