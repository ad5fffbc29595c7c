"""Public pages: now playing, recently played, this week's schedule, artist pages, embeddable player."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from radiod.reports import hms
from radiod_web import station
from radiod_web.i18n import _
from radiod_web.ledger import ledger_for_request
from radiod_web.listen import player
from radiod_web.queries import local_time, public_play, recent_plays
from radiod_web.schedule import week_schedule
from radiod_web.security import reader

bp = Blueprint("public", __name__)


def _np_context() -> dict:
    snap = station().hub.current()
    return {"np": snap.doc, "hide_next": station().config.playout.hide_next, "player": player(station().config)}


@bp.get("/")
def index():
    return render_template("now_playing.html", **_np_context())


@bp.get("/embed")
def embed():
    """A small now-playing card other sites may put in an iframe."""
    return render_template("embed.html", **_np_context())


@bp.get("/widget")
def widget():
    """How to embed the now-playing widget on another site."""
    return render_template("widget.html", base=request.host_url.rstrip("/"), player=player(station().config))


@bp.get("/history")
def history():
    zone = station().config.zone
    rows = recent_plays(reader(), limit=100)
    plays = [dict(public_play(r), when=local_time(r["started_at_ms"], zone)) for r in rows]
    return render_template("history.html", plays=plays)


@bp.get("/schedule")
def schedule():
    week = week_schedule(station().config, station().clock.now())
    return render_template("schedule.html", week=week)


@bp.get("/artists/<artist_id>")
def artist(artist_id: str):
    ledger = ledger_for_request(artist_id, _("No artist by that name has been played or is in the library."))
    return render_template("artist.html", ledger=ledger, hms=hms)
