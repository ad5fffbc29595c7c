"""The public JSON API (CORS-enabled, cacheable) and the now-playing event stream."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, jsonify, request

from radiod_web import station
from radiod_web.headers import cors_headers
from radiod_web.ledger import ledger_for_request
from radiod_web.params import MAX_EPOCH_MS, int_arg
from radiod_web.queries import MAX_LIMIT, public_play, recent_plays
from radiod_web.schedule import week_schedule
from radiod_web.security import reader

bp = Blueprint("api", __name__, url_prefix="/api")

KEEPALIVE_S = 15.0     # a comment line this often keeps proxies from closing a quiet feed
CHECK_S = 1.0          # how often a waiting feed checks whether its listener left
OPENAPI = Path(__file__).parent / "openapi.json"


def _cached(response: Response, seconds: int) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    return response


@bp.after_request
def _cors(response: Response) -> Response:
    for name, value in cors_headers(station().config.web, request.headers.get("Origin")):
        if name == "Vary":
            response.vary.add(value)
        else:
            response.headers[name] = value
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
    snap = station().hub.current()
    if request.if_none_match.contains(snap.etag.strip('"')):
        response = Response(status=304)
    else:
        response = Response(snap.body, mimetype="application/json")
    response.headers["ETag"] = snap.etag
    return _cached(response, 1)


def _event(snap) -> bytes:
    return b"id: %d\nevent: now-playing\ndata: %s\n\n" % (snap.version, snap.body)


@bp.get("/now-playing/events")
def now_playing_events():
    """Server-sent events: the now-playing document at once, then on every change."""
    radiod = station()
    hub, slots = radiod.hub, radiod.sse_slots
    if not slots.acquire(blocking=False):
        response = jsonify(error="Too many listeners on the live feed; poll /api/now-playing instead.")
        response.status_code = 503
        response.headers["Retry-After"] = "10"
        return response

    radiod.feed_opened()
    # `radiod web` answers this route in web/asgi.py; under another WSGI server that can tell when
    # the listener has gone (waitress's flag), the thread and the slot free at once.
    gone = request.environ.get("waitress.client_disconnected", lambda: False)

    def stream():
        snap = hub.current()
        yield b"retry: 1000\n" + _event(snap)
        quiet_s = 0.0
        while not hub.stopping and not gone():
            newer = hub.wait_for_change(snap.version, CHECK_S)
            if newer.version > snap.version:
                snap, quiet_s = newer, 0.0
                yield _event(snap)
            elif (quiet_s := quiet_s + CHECK_S) >= KEEPALIVE_S:
                quiet_s = 0.0
                yield b": keep-alive\n\n"

    response = Response(stream(), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"   # nginx: pass each event through at once
    # The server closes every response, even one that never started streaming: free the slot there.
    response.call_on_close(radiod.feed_closed)
    response.call_on_close(slots.release)
    return response


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
