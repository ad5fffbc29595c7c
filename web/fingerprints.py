"""Manager: recordings found by acoustic fingerprint in shows without a tracklist, to confirm or
reject (a confirmed one becomes an item row of its show and counts in reports)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from radiod.errors import RadiodError
from radiod.fingerprints import decide, listing
from radiod_web import station
from radiod_web.i18n import _
from radiod_web.security import accounts, reader, require_role, signed_in_user

bp = Blueprint("fingerprints", __name__, url_prefix="/manager/detections")


@bp.get("/")
@require_role("manager")
def index():
    return render_template("manager/detections.html", rows=listing(reader()),
                           accept_above=station().config.fingerprints.accept_above)


@bp.post("/<int:detection_id>")
@require_role("manager")
def decision(detection_id: int):
    choice = request.form.get("decision", "")
    if choice not in ("confirmed", "rejected"):
        abort(400, description=_("decision: expected confirmed or rejected"))
    try:
        decide(accounts().conn, detection_id, choice, by=signed_in_user().name, clock=station().clock)
    except RadiodError as exc:
        if "no such detection" in str(exc):
            abort(404, description=_("No detection with this id."))
        abort(409, description=_("Detection %(num)d was decided before (or its show row or track is gone).",
                                 num=detection_id))
    flash(_("Detection %(num)d confirmed: it counts in reports now.", num=detection_id) if choice == "confirmed"
          else _("Detection %(num)d rejected: it never counts.", num=detection_id))
    return redirect(url_for("fingerprints.index"))
