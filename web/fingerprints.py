"""Recordings found by acoustic fingerprint in shows without a tracklist, to confirm or reject (a
confirmed one becomes an item row of its show and counts in reports): a manager decides any, a
DJ those of their own shows."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from radiod.errors import RadiodError
from radiod.fingerprints import Listed, decide, listing
from radiod_web import station
from radiod_web.dj import own_shows
from radiod_web.i18n import _
from radiod_web.schedule import week_schedule
from radiod_web.security import accounts, reader, require_role, signed_in_user

bp = Blueprint("fingerprints", __name__)


def _visible() -> list[Listed]:
    """The waiting detections the signed-in user may decide."""
    rows = listing(reader())
    user = signed_in_user()
    if user.is_manager:
        return rows
    mine = set(own_shows(user, week_schedule(station().config, station().clock.now())["shows"]))
    return [r for r in rows if r.show_id and r.show_id in mine]


def _page(endpoint: str):
    return render_template("manager/detections.html", rows=_visible(), endpoint=endpoint,
                           accept_above=station().config.fingerprints.accept_above)


def _decide(detection_id: int, back: str):
    choice = request.form.get("decision", "")
    if choice not in ("confirmed", "rejected"):
        abort(400, description=_("decision: expected confirmed or rejected"))
    if not any(r.detection.id == detection_id for r in _visible()):
        # Decided before, someone else's show, or none at all: the user cannot tell which
        abort(404, description=_("No detection with this id is waiting for you."))
    try:
        decide(accounts().conn, detection_id, choice, by=signed_in_user().name, clock=station().clock)
    except RadiodError:
        abort(409, description=_("Detection %(num)d was decided before (or its show row or track is gone).",
                                 num=detection_id))
    flash(_("Detection %(num)d confirmed: it counts in reports now.", num=detection_id) if choice == "confirmed"
          else _("Detection %(num)d rejected: it never counts.", num=detection_id))
    return redirect(url_for(back))


@bp.get("/manager/detections/")
@require_role("manager")
def index():
    return _page("fingerprints.decision")


@bp.post("/manager/detections/<int:detection_id>")
@require_role("manager")
def decision(detection_id: int):
    return _decide(detection_id, "fingerprints.index")


@bp.get("/dj/detections/")
@require_role("dj", "manager")
def dj_index():
    return _page("fingerprints.dj_decision")


@bp.post("/dj/detections/<int:detection_id>")
@require_role("dj", "manager")
def dj_decision(detection_id: int):
    return _decide(detection_id, "fingerprints.dj_index")
