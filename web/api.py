"""The public JSON API (CORS-enabled, cacheable). Its live feed, ``/api/now-playing/events``, is
answered in the event loop by web/asgi.py, the one implementation of it."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, jsonify, request

from radiod_web import nowplaying, station
from radiod_web.ledger import ledger_for_request
from radiod_web.params import MAX_EPOCH_MS, int_arg
from radiod_web.queries import MAX_LIMIT, public_play, recent_plays
from radiod_web.schedule import week_schedule
from radiod_web.security import reader

bp = Blueprint("api", __name__, url_prefix="/api")

OPENAPI = Path(__file__).parent / "openapi.json"


def _cached(response: Response, seconds: int) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    return response


@bp.before_request
def _preflight():
    """CORS preflight for any API route (only GET is offered)."""
    if request.method == "OPTIONS":
        response = Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, If-None-Match, Last-Event-ID"
        response.headers["Access-Control-Max-Age"] = "86400"
        return response
    return None


@bp.get("/now-playing")
def now_playing():
    """The daemon's file as it is (the live feed, /api/now-playing/events, is web/asgi.py's)."""
    ans = nowplaying.answer(station().hub.current(), station().config.web, origin=request.headers.get("Origin"),
                            if_none_match=request.headers.get("If-None-Match", ""))
    return Response(ans.body, status=ans.status, headers=ans.headers)


@bp.get("/history")
def history():
    limit = int_arg(request.args, "limit", 50, lo=1, hi=MAX_LIMIT)
    before_ms = int_arg(request.args, "before_ms", None, lo=0, hi=MAX_EPOCH_MS)
    rows = recent_plays(reader(), limit=limit, before_ms=before_ms)
    return _cached(jsonify(plays=[public_play(r) for r in rows]), 5)


@bp.get("/schedule")
def schedule():
    week = week_schedule(station().config, station().clock.now())
    return _cached(jsonify(week), 60)


@bp.get("/artists/<artist_id>/plays")
def artist_plays(artist_id: str):
    return _cached(jsonify(ledger_for_request(artist_id, "unknown artist")), 30)


@bp.get("/openapi.json")
def openapi():
    doc = json.loads(OPENAPI.read_text(encoding="utf-8"))
    doc["info"]["title"] = f"{station().config.station.name} API"
    # Relative: the document is cached (here and by proxies) and must not echo the request's Host.
    doc["servers"] = [{"url": "/"}]
    if station().config.playout.hide_next:
        doc["components"]["schemas"]["NowPlaying"]["properties"].pop("next", None)
    return _cached(jsonify(doc), 300)
