"""DJ uploads of pre-recorded shows: the show's files page and the resumable upload API it uses.

``POST /dj/shows/<id>/uploads`` (name, size) → ``{"id", "offset"}``; then ``PUT /dj/uploads/<id>?offset=N``
with raw bytes (any number of pieces); ``GET`` tells how much arrived (to resume); ``DELETE`` cancels.
The piece that completes the file answers with the checks' result.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from radiod.clock import to_ms
from radiod.errors import ScheduleError
from radiod.schedule import airings
from radiod.schedule_files import load_schedule
from radiod.uploads import NoRoom, Partial, Quota, UploadError, Uploads, fmt_ms
from radiod_web import station
from radiod_web.dj import own_shows
from radiod_web.schedule import week_schedule
from radiod_web.security import current_user, require_role, signed_in_user

bp = Blueprint("uploads", __name__, url_prefix="/dj")
log = logging.getLogger("radiod.web")


def store() -> Uploads:
    web = station().config.web
    quota = Quota(per_dj=web.upload_quota_mb * 2**20, total=web.uploads_total_mb * 2**20,
                  min_free=web.uploads_min_free_mb * 2**20)
    paths = station().config.paths
    return Uploads(paths.uploads, paths.state / "uploads-partial", limit_bytes=web.upload_limit_mb * 2**20,
                   quota=quota)


def _own(show_id: str) -> dict:
    """The show's schedule entry if the user may manage it; 403 otherwise."""
    week = week_schedule(station().config, station().clock.now())
    if show_id not in week["shows"] or show_id not in own_shows(signed_in_user(), week["shows"]):
        abort(403, description="This is not one of your shows.")
    return week["shows"][show_id]


def next_airing(show_id: str):
    """(the show's next airing that has not started, the Show), or (None, Show|None)."""
    try:
        schedule = load_schedule(station().config.paths.schedules)
    except ScheduleError:
        return None, None
    now = station().clock.now()
    for airing in airings(schedule, now, now + timedelta(days=8)):
        if airing.show.id == show_id and airing.start > now:
            return airing, schedule.shows[show_id]
    return None, schedule.shows.get(show_id)


def _who() -> str:
    user = current_user()
    return user.name if user is not None else "?"


def _error(message: str, code: int = 400):
    return jsonify(ok=False, error=message), code


def _partial(upload_id: str) -> Partial:
    p = store().get(upload_id)
    user = signed_in_user()
    if p is None:
        abort(404, description="No such upload (finished, cancelled or expired).")
    if p.user.lower() != user.name.lower() and not user.is_manager:
        abort(403, description="This upload is not yours.")
    return p


@bp.get("/shows/<show_id>/files")
@require_role("dj", "manager")
def files(show_id: str):
    show = _own(show_id)
    airing, _ = next_airing(show_id)
    slot = None
    if airing is not None:
        zone = station().config.zone
        slot = {"when": f"{airing.start.astimezone(zone):%A %d %B %H:%M}",
                "length": fmt_ms(int((airing.end - airing.start).total_seconds() * 1000))}
    names = [p.name for p in store().files(show_id)]
    return render_template("dj/files.html", show_id=show_id, title=show["title"], files=names, slot=slot,
                           limit_mb=station().config.web.upload_limit_mb)


@bp.post("/shows/<show_id>/uploads")
@require_role("dj", "manager")
def create(show_id: str):
    _own(show_id)
    try:
        size = int(request.form.get("size", ""))
    except ValueError:
        return _error("size: expected the file size in bytes")
    try:
        p = store().create(show=show_id, user=signed_in_user().name, name=request.form.get("name", ""),
                           size=size, now_ms=to_ms(station().clock.now()))
    except NoRoom as exc:
        log.warning("upload refused for %s: %s", _who(), exc)
        return _error(str(exc), 507)
    except UploadError as exc:
        return _error(str(exc))
    return jsonify(ok=True, id=p.id, offset=0, size=p.size, name=p.name)


@bp.get("/uploads/<upload_id>")
@require_role("dj", "manager")
def status(upload_id: str):
    p = _partial(upload_id)
    return jsonify(ok=True, id=p.id, offset=p.offset, size=p.size, name=p.name)


@bp.delete("/uploads/<upload_id>")
@require_role("dj", "manager")
def cancel(upload_id: str):
    _partial(upload_id).remove()
    return jsonify(ok=True)


@bp.put("/uploads/<upload_id>")
@require_role("dj", "manager")
def receive(upload_id: str):
    p = _partial(upload_id)
    _own(p.show)
    try:
        offset = int(request.args.get("offset", ""))
    except ValueError:
        return _error("offset: expected a byte offset")
    # This request may carry the whole rest of the file; it is read in small pieces, never whole.
    # (One byte more than the rest, so that reading to the end of the body is not itself refused.)
    request.max_content_length = max(p.size - offset, 0) + 1
    uploads = store()
    try:
        received = uploads.receive(p, offset, request.stream)
    except NoRoom as exc:
        log.warning("upload stopped for %s: %s", _who(), exc)
        return _error(str(exc), 507)
    except UploadError as exc:
        return _error(str(exc), 409)
    if received < p.size:
        return jsonify(ok=True, id=p.id, offset=received, size=p.size, done=False)
    airing, show = next_airing(p.show)
    slot_ms = int((airing.end - airing.start).total_seconds() * 1000) if airing else None
    try:
        checked = uploads.finish(p, slot_ms=slot_ms,
                                 tolerance_ms=show.content_tolerance_ms if show else 120_000,
                                 silence_threshold_db=station().config.library.silence_threshold_db)
    except UploadError as exc:
        return _error(str(exc), 422)
    loudness = "not measurable" if checked.loudness_lufs is None else f"{checked.loudness_lufs:.1f} LUFS"
    return jsonify(ok=True, done=True, name=checked.name, format=checked.format, length_ms=checked.length_ms,
                   message=f"{checked.name}: accepted, {fmt_ms(checked.length_ms)}, loudness {loudness}",
                   notes=checked.messages, files=[f.name for f in uploads.files(p.show)])


@bp.post("/shows/<show_id>/files/<name>/delete")
@require_role("dj", "manager")
def delete(show_id: str, name: str):
    _own(show_id)
    match = [f for f in store().files(show_id) if f.name == name]     # only names listed, never a path
    if not match:
        abort(404, description="No such file in this show.")
    match[0].unlink()
    flash(f"{name} removed.")
    return redirect(url_for("uploads.files", show_id=show_id))
