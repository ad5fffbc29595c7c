"""DJ uploads of pre-recorded shows: the show's files page and the resumable upload API it uses.

``POST /dj/shows/<id>/uploads`` (name, size) → ``{"id", "offset"}``; then ``PUT /dj/uploads/<id>?offset=N``
with raw bytes (any number of pieces); ``GET`` tells how much arrived (to resume); ``DELETE`` cancels.
The piece that completes the file answers with the checks' result.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import ngettext

from radiod.clock import to_ms
from radiod.errors import ScheduleError
from radiod.schedule import airings
from radiod.schedule_files import load_schedule
from radiod.library import ArtistRegistry, artist_key, load_candidates, load_registry, registry_path, split_artists
from radiod.tracklist_files import load_tracklist, remove_tracklist, save_tracklist
from radiod.tracklists import MAX_BYTES as TRACKLIST_MAX_BYTES
from radiod.tracklists import Tracklist, TracklistError, fmt_time, lookup_keys, match_entries, read_tracklist, unmatched_by_artist
from radiod.uploads import NoRoom, Partial, Quota, UploadError, Uploads, file_length_ms, fmt_ms
from radiod_web import station
from radiod_web import i18n
from radiod_web.i18n import _
from radiod_web.dj import own_shows
from radiod_web.schedule import week_schedule
from radiod_web.security import current_user, reader, require_role, signed_in_user

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
        abort(403, description=_("This is not one of your shows."))
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
        abort(404, description=_("No such upload (finished, cancelled or expired)."))
    if p.user.lower() != user.name.lower() and not user.is_manager:
        abort(403, description=_("This upload is not yours."))
    return p


@bp.get("/shows/<show_id>/files")
@require_role("dj", "manager")
def files(show_id: str):
    show = _own(show_id)
    airing, _show = next_airing(show_id)
    slot = None
    if airing is not None:
        zone = station().config.zone
        slot = {"when": f"{i18n.day(airing.start, zone)} {i18n.hm(airing.start, zone)}",
                "length": fmt_ms(int((airing.end - airing.start).total_seconds() * 1000))}
    state = station().config.paths.state
    names = [p.name for p in store().files(show_id)]
    tracklists = {name: load_tracklist(state, show_id, name) for name in names}
    return render_template("dj/files.html", show_id=show_id, title=show["title"], files=names, slot=slot,
                           limit_mb=station().config.web.upload_limit_mb, tracklists=tracklists,
                           tracklist_kb=TRACKLIST_MAX_BYTES // 1024)


@bp.post("/shows/<show_id>/uploads")
@require_role("dj", "manager")
def create(show_id: str):
    _own(show_id)
    try:
        size = int(request.form.get("size", ""))
    except ValueError:
        return _error(_("size: expected the file size in bytes"))
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
        return _error(_("offset: expected a byte offset"))
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
    if remove_tracklist(station().config.paths.state, p.show, checked.name):
        checked.messages.append(_("The file was replaced: attach its tracklist again."))
    loudness = (_("not measurable") if checked.loudness_lufs is None
                else _("%(lufs)s LUFS", lufs=i18n.number(round(checked.loudness_lufs, 1), "0.0")))
    return jsonify(ok=True, done=True, name=checked.name, format=checked.format, length_ms=checked.length_ms,
                   message=_("%(name)s: accepted, %(length)s, loudness %(loudness)s", name=checked.name,
                             length=fmt_ms(checked.length_ms), loudness=loudness),
                   notes=checked.messages, files=[f.name for f in uploads.files(p.show)])


@bp.post("/shows/<show_id>/files/<name>/delete")
@require_role("dj", "manager")
def delete(show_id: str, name: str):
    _own(show_id)
    match = [f for f in store().files(show_id) if f.name == name]     # only names listed, never a path
    if not match:
        abort(404, description=_("No such file in this show."))
    match[0].unlink()
    remove_tracklist(station().config.paths.state, show_id, name)
    flash(_("%(name)s removed.", name=name))
    return redirect(url_for("uploads.files", show_id=show_id))


@bp.app_template_filter("tracklist_time")
def tracklist_time(ms: int) -> str:
    return fmt_time(ms)


def _own_file(show_id: str, name: str):
    _own(show_id)
    match = [f for f in store().files(show_id) if f.name == name]     # only names listed, never a path
    if not match:
        abort(404, description=_("No such file in this show."))
    return match[0]


@bp.post("/shows/<show_id>/files/<name>/tracklist")
@require_role("dj", "manager")
def attach_tracklist(show_id: str, name: str):
    """A tracklist for one uploaded file: an attached file, or text typed or pasted in the form."""
    # Bounded before the body is parsed: a tracklist, the text box and the form's own fields.
    request.max_content_length = min(2 * TRACKLIST_MAX_BYTES + 64 * 1024, station().config.web.panel_limit_kb * 1024)
    path = _own_file(show_id, name)
    sent = request.files.get("tracklist")
    data = sent.read(TRACKLIST_MAX_BYTES + 1) if sent is not None and sent.filename else b""
    if not data:
        data = request.form.get("text", "").encode("utf-8")
    back = redirect(url_for("uploads.files", show_id=show_id))
    length_ms = file_length_ms(path)
    try:
        tracklist = read_tracklist(data, length_ms or None)
    except TracklistError as exc:
        flash(_("%(name)s: tracklist not saved:", name=name))
        for problem in exc.problems:
            flash(problem)
        return back
    save_tracklist(station().config.paths.state, show_id, name, tracklist)
    flash(_("%(name)s: tracklist saved: %(summary)s", name=name, summary=_summary(tracklist)))
    log.info("tracklist for %s/%s saved by %s: %d songs", show_id, name, _who(), len(tracklist.entries))
    return back


@bp.post("/shows/<show_id>/files/<name>/tracklist/delete")
@require_role("dj", "manager")
def delete_tracklist(show_id: str, name: str):
    _own_file(show_id, name)
    if remove_tracklist(station().config.paths.state, show_id, name):
        flash(_("%(name)s: tracklist removed; the file airs as one row.", name=name))
    return redirect(url_for("uploads.files", show_id=show_id))


def _summary(tracklist: Tracklist) -> str:
    """'12 songs (cue); 9 in the library; kept as written: Unsigned Band ×2 (local)'."""
    try:
        registry = load_registry(registry_path(station().config.paths.schedules))
    except ScheduleError:
        registry = ArtistRegistry()          # a broken registry is the manager's to fix; match on
    isrcs, artist_keys = lookup_keys(tracklist.entries, registry)
    candidates = load_candidates(reader(), registry, isrcs=isrcs, artist_keys=artist_keys)
    found = match_entries(tracklist.entries, candidates, registry)
    songs = ngettext("%(count)s song", "%(count)s songs", len(found), count=i18n.number(len(found)))
    text = _("%(songs)s (%(format)s); %(matched)s in the library", songs=songs, format=tracklist.format,
             matched=i18n.number(sum(m.matched for m in found)))
    unmatched = unmatched_by_artist(found)
    if unmatched:
        names = {artist_key(part): part for m in found for part in split_artists(m.entry.artist)}
        names |= {a.key: a.name for a in registry}
        kept = [_("%(artist)s ×%(num)s (local)", artist=names.get(k, k), num=n) if registry.is_local(k)
                else _("%(artist)s ×%(num)s", artist=names.get(k, k), num=n) for k, n in unmatched.most_common()]
        text += "; " + _("kept as written: %(artists)s", artists=", ".join(kept))
    if any(e.estimated for e in tracklist.entries):
        text += "; " + _("start times estimated from track lengths (the export has none)")
    return text
