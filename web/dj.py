"""DJ pages: a DJ sees their own shows (when they air, what played); managers see every show."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from radiod.accounts import AccountError, User
from radiod_web import station
from radiod_web.i18n import _
from radiod.playlog import show_plays
from radiod_web.queries import local_time, public_play
from radiod_web.dashboard import countdown
from radiod_web.golive import go_live
from radiod_web.schedule import week_schedule
from radiod_web.showinfo import past_airings, schedule_or_none, upcoming, uploads_for, view
from radiod_web.security import accounts, reader, require_role, signed_in_user

bp = Blueprint("dj", __name__, url_prefix="/dj")

SHOW_PLAYS = 200           # latest plays a show page lists
UPCOMING_SHOWN = 8         # airings on the DJ's home
PAST_SHOWN = 3


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
    """The DJ's home: the next airing with a countdown, the upload status of each upcoming airing
    (pre-recorded shows), the last airings with what played."""
    user = signed_in_user()
    config, now = station().config, station().clock.now()
    week = week_schedule(config, now)
    mine = own_shows(user, week["shows"])
    titles = {sid: week["shows"].get(sid, {}).get("title", sid) for sid in mine}
    schedule = schedule_or_none()
    coming, uploads, past, until, live, live_until = [], [], [], "", None, ""
    if schedule is not None:
        ahead = upcoming(schedule, now, mine)
        live = go_live(config, user, ahead, now, request.host)
        if live is not None and live.opens_at is not None and not live.open_now:
            live_until = countdown(live.opens_at, now)
        coming = [view(a, config.zone) for a in ahead[:UPCOMING_SHOWN]]
        if ahead:
            until = countdown(ahead[0].start, now)
        uploads = uploads_for(schedule, ahead[:UPCOMING_SHOWN])
        done = [p for sid in mine for p in past_airings(reader(), schedule, sid, now, limit=PAST_SHOWN)]
        past = sorted(done, key=lambda p: p.airing.start, reverse=True)[:PAST_SHOWN]
    return render_template("dj/index.html", user=user, shows=titles, upcoming=coming, uploads=uploads,
                           past=past, until=until, problem=week["problem"], live=live, live_until=live_until)


@bp.post("/public-name")
@require_role("dj", "manager")
def public_name():
    """A DJ names themselves for the public show and host pages ('' clears it)."""
    user = signed_in_user()
    try:
        accounts().set_public_name(user.name, request.form.get("public_name", ""))
        flash(_("Your public name is saved."))
    except AccountError as exc:
        flash(str(exc))
    return redirect(url_for("dj.index"))


@bp.get("/shows/<show_id>")
@require_role("dj", "manager")
def show(show_id: str):
    user = signed_in_user()
    week = week_schedule(station().config, station().clock.now())
    if show_id not in own_shows(user, week["shows"]) and not user.is_manager:
        abort(403, description=_("This is not one of your shows."))
    title = week["shows"].get(show_id, {}).get("title", show_id)
    zone = station().config.zone
    rows = show_plays(reader(), show_id, limit=SHOW_PLAYS)
    plays = [dict(public_play(r), when=local_time(r["started_at_ms"], zone), usage=r["usage"]) for r in rows]
    return render_template("dj/show.html", show=title, show_id=show_id, plays=plays)
