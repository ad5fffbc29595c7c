"""Manager: the library — search and filter, local flag and missing metadata as overrides (the
files are not rewritten), the preflight list of played recordings lacking ISRC/label/composer,
and files with identical content."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from radiod.clock import to_ms
from radiod.errors import ScheduleError
from radiod.library import (OVERRIDABLE, find_duplicates, load_registry, load_track, overrides, playable_count,
                            registry_path, search_tracks, set_overrides)
from radiod.playlog import read_plays
from radiod.reports import Period, preflight
from radiod_web import station
from radiod_web.i18n import _
from radiod_web.security import accounts, reader, require_role, signed_in_user
from radiod_web.words import field as field_words

bp = Blueprint("library", __name__, url_prefix="/manager/library")

EDITABLE = ("title", "artist", "album", "label", "isrc", "composer", "lyricist", "release_date", "genre",
            "language", "local")
MISSING = ("isrc", "label", "composer")
MAX_RESULTS = 200
PREFLIGHT_DAYS = 90


def _registry():
    try:
        return load_registry(registry_path(station().config.paths.schedules))
    except ScheduleError:
        return None


@bp.get("/")
@require_role("manager")
def index():
    q = request.args.get("q", "").strip().casefold()
    local = request.args.get("local", "")
    missing = request.args.get("missing", "")
    conn = reader()
    # SQLite narrows and streams the rows: a 200,000-track library is never loaded whole here.
    found, total = search_tracks(conn, _registry(), q=q, local=local,
                                 missing=missing if missing in MISSING else "", limit=MAX_RESULTS)
    return render_template("manager/library.html", tracks=found, total=total, q=q, local=local,
                           missing=missing, missing_fields=MISSING, library_size=playable_count(conn))


@bp.get("/tracks/<int:track_id>")
@require_role("manager")
def track(track_id: int):
    t = load_track(reader(), track_id, _registry())
    if t is None:
        abort(404, description=_("No playable track with this id."))
    return render_template("manager/track.html", t=t, fields=EDITABLE, overrides=overrides(reader(), track_id))


@bp.post("/tracks/<int:track_id>")
@require_role("manager")
def save(track_id: int):
    """Each field typed becomes an override; a field emptied (or 'local' set to 'as tagged') drops it."""
    if load_track(reader(), track_id) is None:
        abort(404, description=_("No playable track with this id."))
    values = {}
    for field in EDITABLE:
        if field not in OVERRIDABLE or field not in request.form:
            continue
        value = request.form[field].strip()
        if field == "local" and value not in ("", "yes", "no"):
            abort(400, description=_("local: expected yes, no or empty (as tagged)"))
        values[field] = value
    set_overrides(accounts().conn, track_id, values, changed_by=signed_in_user().name,
                  changed_at_ms=to_ms(station().clock.now()))
    changed = list(values)
    flash(_("Saved (%(fields)s). The files are unchanged; playout and reports use these values.",
            fields=", ".join(field_words(f) for f in changed) or _("nothing")))
    return redirect(url_for("library.track", track_id=track_id))


@bp.get("/preflight")
@require_role("manager")
def preflight_list():
    zone = station().config.zone
    today = station().clock.now().astimezone(zone).date()
    period = Period(today - timedelta(days=PREFLIGHT_DAYS - 1), today, zone)
    rows = read_plays(reader(), started_from_ms=period.start_ms, started_before_ms=period.end_ms,
                      columns=preflight.COLUMNS)
    return render_template("manager/preflight.html", gaps=preflight.gaps(rows, period), period=period)


@bp.get("/duplicates")
@require_role("manager")
def duplicates():
    return render_template("manager/duplicates.html", groups=find_duplicates(reader()))
