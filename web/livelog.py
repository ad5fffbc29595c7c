"""The live-log page (/dj/live-log): a host of the show on air live logs the songs as they play.

Search the library or type artist and title; "on now" sends ``LiveLogSong`` over the control
socket, and the daemon (which alone knows when the DJ's audio is heard, and checks again that
the user hosts the live show) closes the running live row and opens the song's. The page lists
this airing's live rows from the play log (polled) and lets its hosts correct them until
``liquidsoap.live_correction_hours`` after the slot: each correction is an audit row
(``PlayLog.correct``), the row itself never changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request

from radiod.accounts import User
from radiod.clock import iso, to_ms
from radiod.errors import ControlError, ScheduleError, StoreError
from radiod.library import artist_key, load_registry, registry_path, search_tracks, split_artists
from radiod.playlog import PlayLog, aired_since, read_plays
from radiod.playout import LiveLogSong, send_command
from radiod.schedule import Airing, airings
from radiod.store import open_db
from radiod_web import station
from radiod_web.dj import own_shows
from radiod_web.i18n import _
from radiod_web.params import SQLITE_MAX, ParamError, parse_int
from radiod_web.queries import local_time
from radiod_web.security import reader, require_role, signed_in_user
from radiod_web.showinfo import schedule_or_none

bp = Blueprint("livelog", __name__, url_prefix="/dj/live-log")

RESULTS = 8               # library matches offered for a search (a phone's screenful)
MIN_QUERY = 2             # characters before the library is searched
NOT_PLAYED = "not played (live log)"     # the reason of the usage correction that takes a song out


@dataclass(frozen=True)
class LiveAiring:
    """The airing the page is about: live now (songs may be logged) or over but still correctable."""

    airing: Airing
    live_now: bool
    correctable_until: datetime

    @property
    def title(self) -> str:
        return self.airing.show.title


def user_airings(user: User, now: datetime) -> list[LiveAiring]:
    """The user's airings that are live now (grace included) or still in their correction window,
    the live one first, then the latest ended first."""
    schedule = schedule_or_none()
    if schedule is None:
        return []
    lq = station().config.liquidsoap
    grace, window = timedelta(minutes=lq.live_grace_minutes), timedelta(hours=lq.live_correction_hours)
    mine = set(own_shows(user, {sid: {"hosts": tuple(s.hosts)} for sid, s in schedule.shows.items()}))
    found = [LiveAiring(a, now < a.end + grace, a.end + grace + window)
             for a in airings(schedule, now - window - grace - timedelta(days=1), now + grace)
             if a.show.id in mine and a.start - grace <= now < a.end + grace + window]
    return sorted(found, key=lambda live: (live.live_now, live.airing.end), reverse=True)


def current_airing(user: User, now: datetime) -> LiveAiring | None:
    """The airing the page is about: the user's live one now, else their last one still correctable."""
    found = user_airings(user, now)
    return found[0] if found else None


def airing_songs(live: LiveAiring) -> list[dict[str, Any]]:
    """The live rows of the airing, oldest first: closed ones with corrections applied, then the open one."""
    grace = timedelta(minutes=station().config.liquidsoap.live_grace_minutes)
    start, end = to_ms(live.airing.start - grace), to_ms(live.airing.end + grace)
    zone = station().config.zone

    def live_rows(corrected: bool) -> list[dict[str, Any]]:
        return [r for r in read_plays(reader(), started_from_ms=start, started_before_ms=end, corrected=corrected)
                if r["source"] == "live" and r["show"] == live.title]
    # Songs as logged (the DJ's own stretches between songs are usage talk); a song a host took
    # out is one whose usage a correction made talk.
    logged = {r["id"] for r in live_rows(False) if r["usage"] == "feature"}
    rows = [r for r in live_rows(True) if r["id"] in logged]
    on_now = [dict(r) for r in aired_since(reader(), to_ms(station().clock.now()), limit=5)
              if r["ended_at_ms"] is None and r["source"] == "live" and r["show"] == live.title
              and r["usage"] == "feature"]
    return [{"id": r["id"], "title": r["title"], "artist": r["artist"], "isrc": r["isrc"] or "",
             # (the open row's track id is read once it is closed: the page marks it "playing" meanwhile)
             "matched": r.get("track_id") is not None, "on_now": r["ended_at_ms"] is None,
             "not_played": r["usage"] != "feature",
             "started_at": iso(r["started_at_ms"]), "when": local_time(r["started_at_ms"], zone)}
            for r in rows + on_now]


def _page_state(user: User) -> tuple[LiveAiring | None, datetime]:
    now = station().clock.now()
    return current_airing(user, now), now


@bp.get("/")
@require_role("dj", "manager")
def page():
    user = signed_in_user()
    live, now = _page_state(user)
    return render_template("dj/live_log.html", live=live,
                           until=local_time(to_ms(live.correctable_until), station().config.zone) if live else "")


@bp.get("/songs")
@require_role("dj", "manager")
def songs():
    live, now = _page_state(signed_in_user())
    if live is None:
        return jsonify(show=None, live_now=False, songs=[])
    return jsonify(show=live.title, live_now=live.live_now, correctable=now < live.correctable_until,
                   songs=airing_songs(live))


@bp.get("/search")
@require_role("dj", "manager")
def search():
    q = request.args.get("q", "").strip()[:100]
    if len(q) < MIN_QUERY:
        return jsonify(tracks=[])
    try:
        registry = load_registry(registry_path(station().config.paths.schedules))
    except ScheduleError:
        registry = None
    found, _total = search_tracks(reader(), registry, q=q, limit=RESULTS)
    return jsonify(tracks=[{"id": t.id, "title": t.title, "artist": t.artist, "album": t.album} for t in found])


@bp.post("/on-now")
@require_role("dj", "manager")
def on_now():
    user = signed_in_user()
    try:
        track_id = parse_int(request.form.get("track_id") or "0", "track_id", lo=0, hi=SQLITE_MAX)
    except ParamError:
        abort(400)
    title, artist = request.form.get("title", "").strip(), request.form.get("artist", "").strip()
    if not track_id and not (title or artist):
        return _refused(400, _("Choose a song from the library or type its artist and title."))
    live, _now = _page_state(user)
    if live is None or not live.live_now:
        return _refused(403, _("None of your shows is on air live now."))
    command = LiveLogSong(user.name, title, artist, track_id, request.form.get("press", "")[:64])
    try:
        reply = send_command(station().config.control_socket, command)
    except ControlError as exc:
        return _refused(503, _("The playout daemon is not reachable: %(why)s", why=str(exc).splitlines()[0]))
    if not reply.get("ok"):
        return _refused(409, _("Not logged: %(why)s", why=str(reply.get("error", ""))))
    return jsonify(ok=True, logged=bool(reply.get("logged")))


@bp.post("/plays/<int:play_id>")
@require_role("dj", "manager")
def correct(play_id: int):
    """A host's correction of a logged song: artist and title, or "that was not played"."""
    user = signed_in_user()
    now = station().clock.now()
    found = [(live, s) for live in user_airings(user, now) for s in airing_songs(live) if s["id"] == play_id]
    if not found:
        return _refused(403, _("This song is not in a live airing of yours that may still be corrected."))
    live, song = found[0]
    if song["on_now"]:
        return _refused(409, _("This song is still on now; correct it after the next one starts."))
    changes: list[tuple[str, Any, str]] = []
    if request.form.get("not_played"):
        changes.append(("usage", "talk", NOT_PLAYED))
    for name in ("title", "artist"):
        value = request.form.get(name, "").strip()[:200]
        if value and value != song[name]:
            changes.append((name, value, "live log"))
            if name == "artist":        # reports credit artists by key: the keys follow the name
                changes.append(("artist_keys", [artist_key(a) for a in split_artists(value)], "live log"))
    if not changes:
        return _refused(400, _("Nothing to correct."))
    conn = open_db(station().config.paths.database, migrate=False)
    try:
        log = PlayLog(conn)
        for name, value, reason in changes:
            log.correct(play_id, name, value, changed_by=user.name, changed_at_ms=to_ms(now), reason=reason)
    except StoreError as exc:
        return _refused(409, str(exc))
    finally:
        conn.close()
    return jsonify(ok=True, corrected=[name for name, *_rest in changes])


def _refused(status: int, why: str):
    response = jsonify(ok=False, error=why)
    response.status_code = status
    return response
