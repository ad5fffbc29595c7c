"""DJ pages: a DJ sees their own shows (when they air, what played); managers see every show."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from radiod.accounts import User
from radiod_web import station
from radiod.playlog import show_plays
from radiod_web.queries import local_time, public_play
from radiod_web.schedule import week_schedule
from radiod_web.security import reader, require_role, signed_in_user

bp = Blueprint("dj", __name__, url_prefix="/dj")

SHOW_PLAYS = 200           # latest plays a show page lists


def own_shows(user: User, shows: dict[str, dict]) -> list[str]:
    """Show ids linked to the account, plus those whose schedule entry names the user as a host
    (every show for a manager)."""
    if user.is_manager:
        return sorted(shows)
    hosted = {sid for sid, s in shows.items() if user.name in s["hosts"]}
    return sorted(set(user.shows) | hosted)


@bp.get("/")
@require_role("dj", "manager")
def index():
    user = signed_in_user()
    week = week_schedule(station().config, station().clock.now())
    mine = own_shows(user, week["shows"])
    upcoming = [dict(a, day=d["label"]) for d in week["days"] for a in d["airings"] if a["show_id"] in mine]
    titles = {sid: week["shows"].get(sid, {}).get("title", sid) for sid in mine}
    return render_template("dj/index.html", user=user, shows=titles, upcoming=upcoming, problem=week["problem"])


@bp.get("/shows/<show_id>")
@require_role("dj", "manager")
def show(show_id: str):
    user = signed_in_user()
    week = week_schedule(station().config, station().clock.now())
    if show_id not in own_shows(user, week["shows"]) and not user.is_manager:
        abort(403, description="This is not one of your shows.")
    title = week["shows"].get(show_id, {}).get("title", show_id)
    zone = station().config.zone
    rows = show_plays(reader(), show_id, limit=SHOW_PLAYS)
    plays = [dict(public_play(r), when=local_time(r["started_at_ms"], zone), usage=r["usage"]) for r in rows]
    return render_template("dj/show.html", show=title, show_id=show_id, plays=plays)
