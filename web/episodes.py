"""Listen again: each published episode's public page (player, chapters, download), the podcast
files and feeds (``/podcasts/…``, with range requests; nginx may serve the same folder itself),
and the panel's episode list for managers and a show's DJs — hide, show, delete, re-cut."""

from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _

from radiod.clock import to_ms
from radiod.episodes import (URL_PREFIX, Episode, every, get, history, mark_deleted, of_show, place,
                             public_dir, remove, request_recut, set_hidden, write_feeds)
from radiod.localtimes import LocalTimes
from radiod_web import station
from radiod_web.dj import own_shows
from radiod_web.schedule import week_schedule
from radiod_web.security import accounts, reader, require_role, signed_in_user
from radiod_web.showinfo import schedule_or_none

bp = Blueprint("episodes", __name__)

RECUT_LIMIT_MS = 30 * 60_000     # a re-cut may move each boundary at most this far


def length_text(ms: int | None) -> str:
    s = round((ms or 0) / 1000)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _when(ms: int) -> str:
    return LocalTimes(station().config.zone).iso(ms)[:16].replace("T", " ")


def episode_view(e: Episode) -> dict:
    """What the templates show of an episode."""
    return {"id": e.id, "show_id": e.show_id, "title": e.title, "aired": _when(e.aired_from_ms),
            "aired_iso": LocalTimes(station().config.zone).iso(e.aired_from_ms), "length": length_text(e.length_ms),
            "status": e.status, "hidden": e.hidden, "rights": e.rights, "detail": e.detail,
            "files": [{"format": f.format, "url": f"{URL_PREFIX}/{f.name}", "type": f.type, "bytes": f.bytes}
                      for f in e.files],
            "chapters": [{**c, "at": length_text(c["at_ms"])} for c in e.chapters],
            "gaps": [{**g, "at": length_text(g["at_ms"]), "missing": length_text(g["missing_ms"])} for g in e.gaps],
            "cut_from": _when(e.cut_from_ms), "cut_to": _when(e.cut_to_ms)}


def show_episodes(show_id: str) -> list[dict]:
    """The published episodes of a show, newest first, for its public page."""
    return [episode_view(e) for e in of_show(reader(), show_id)]


@bp.get("/shows/<show_id>/episodes/<int:episode_id>")
def episode(show_id: str, episode_id: int):
    e = get(reader(), episode_id)
    schedule = schedule_or_none()
    if e is None or e.show_id != show_id or not e.public or not e.files:
        abort(404, description=_("No episode by that number."))
    show = schedule.shows.get(show_id) if schedule is not None else None
    chapters = json.dumps([{"at": c["at_ms"] / 1000, "title": c["title"], "artist": c["artist"]} for c in e.chapters])
    return render_template("episode.html", episode=episode_view(e), show=show, show_id=show_id,
                           chapters_json=chapters,
                           feed_url=f"{URL_PREFIX}/{show_id}/feed.xml")


@bp.get(f"{URL_PREFIX}/<path:name>")
def podcast_file(name: str):
    """A published file (audio, chapters, feed); ranges and conditional requests as Flask serves them."""
    mimetype = None
    if name.endswith(".xml"):
        mimetype = "application/rss+xml"
    elif name.endswith(".chapters.json"):
        mimetype = "application/json+chapters"
    return send_from_directory(public_dir(station().config), name, mimetype=mimetype, conditional=True,
                               max_age=60)


# -- the panel -------------------------------------------------------------------------------------

def _shows_of_user() -> list[str]:
    week = week_schedule(station().config, station().clock.now())
    return own_shows(signed_in_user(), week["shows"])


def _own(episode_id: int) -> Episode:
    e = get(accounts().conn, episode_id)
    if e is None or e.status == "deleted":
        abort(404)
    if e.show_id not in _shows_of_user():
        abort(403, description=_("This is not one of your shows."))
    return e


def _republish(e: Episode) -> None:
    """Files where they belong, and every feed rewritten (the change is public at once)."""
    conn = accounts().conn
    fresh = get(conn, e.id)
    if fresh is not None:
        place(station().config, fresh)
    schedule = schedule_or_none()
    if schedule is not None:
        write_feeds(station().config, every(conn, limit=100_000), dict(schedule.shows))


@bp.get("/dj/episodes/")
@require_role("dj", "manager")
def manage():
    mine = _shows_of_user()
    rows = [episode_view(e) for show_id in mine for e in of_show(reader(), show_id, public_only=False)]
    rows.sort(key=lambda r: r["aired_iso"], reverse=True)
    return render_template("dj/episodes.html", episodes=rows)


@bp.get("/dj/episodes/<int:episode_id>")
@require_role("dj", "manager")
def manage_one(episode_id: int):
    return _page(_own(episode_id))


def _page(e: Episode, errors: list[str] | None = None, status: int = 200):
    local = LocalTimes(station().config.zone)
    events = [{"at": local.iso(h.at_ms)[:19].replace("T", " "), "actor": h.actor, "action": h.action,
               "detail": h.detail} for h in history(accounts().conn, e.id)]
    return render_template("dj/episode.html", episode=episode_view(e), history=events, errors=errors or [],
                           cut_from=local.iso(e.cut_from_ms)[:23], cut_to=local.iso(e.cut_to_ms)[:23]), status


def _actor() -> str:
    return signed_in_user().name


def _now_ms() -> int:
    return to_ms(station().clock.now())


@bp.post("/dj/episodes/<int:episode_id>/hide")
@require_role("dj", "manager")
def hide(episode_id: int):
    return _set_hidden(episode_id, True, _("Episode hidden: it is no longer on the show's page or in the feeds."))


@bp.post("/dj/episodes/<int:episode_id>/show")
@require_role("dj", "manager")
def unhide(episode_id: int):
    return _set_hidden(episode_id, False, _("Episode published again."))


def _set_hidden(episode_id: int, hidden: bool, done: str):
    e = _own(episode_id)
    set_hidden(accounts().conn, e.id, hidden, actor=_actor(), now_ms=_now_ms())
    _republish(e)
    flash(done)
    return redirect(url_for("episodes.manage_one", episode_id=e.id))


@bp.post("/dj/episodes/<int:episode_id>/delete")
@require_role("dj", "manager")
def delete(episode_id: int):
    e = _own(episode_id)
    remove(station().config, e)
    mark_deleted(accounts().conn, e.id, actor=_actor(), now_ms=_now_ms())
    _republish(e)
    flash(_("Episode deleted."))
    return redirect(url_for("episodes.manage"))


def _instant(text: str) -> int | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=station().config.zone)
    return round(moment.timestamp() * 1000)


@bp.post("/dj/episodes/<int:episode_id>/recut")
@require_role("dj", "manager")
def recut(episode_id: int):
    e = _own(episode_id)
    start, end = _instant(request.form.get("from", "")), _instant(request.form.get("to", ""))
    if start is None or end is None or end <= start:
        return _page(e, [_("Give a start and an end (station time), the end after the start.")], 400)
    if abs(start - e.aired_from_ms) > RECUT_LIMIT_MS or abs(end - e.aired_to_ms) > RECUT_LIMIT_MS:
        return _page(e, [_("A re-cut may move each boundary at most %(minutes)d minutes from the airing's.",
                           minutes=RECUT_LIMIT_MS // 60_000)], 400)
    request_recut(accounts().conn, e.id, from_ms=start, to_ms=end, actor=_actor(), now_ms=_now_ms())
    _republish(e)
    flash(_("Re-cut requested: the new cut replaces this one within a minute."))
    return redirect(url_for("episodes.manage_one", episode_id=e.id))


