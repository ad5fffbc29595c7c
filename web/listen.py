"""Listen live: what the public pages' play button plays, and the plays it names.

The button plays the HLS stream (hls.js, or the browser's own HLS) or else an MP3 mount. A
listener is 10–30 s behind the sound card, so the player names the item that aired at the instant
it is playing — read from the stream's program date-time — out of ``/api/aired``: the plays on air
in the last minutes, each with its heard start and end in epoch ms (when the sound card played
them, the instants the HLS date-times are given in). The answer is small, bounded and computed at
most once every ``TTL_S`` per process, however many listeners ask.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, jsonify, url_for
from flask.blueprints import BlueprintSetupState

from radiod.clock import to_ms
from radiod.config import Config
from radiod.playlog import aired_since, row_dict
from radiod.streams import StreamPlan, hls_dir, plan_of
from radiod_web import station
from radiod_web.pagecache import Busy, TtlCache
from radiod_web.security import reader

bp = Blueprint("listen", __name__)

WINDOW_MS = 15 * 60_000        # further back than any player's buffer (HLS playlists list minutes)
MAX_PLAYS = 40
TTL_S = 2.0
# An MP3 listener starts about Icecast's burst behind the sound card (65,536 bytes by default:
# 5.5 s at 96 kbit/s) plus the mount's own delay (0.8-1.0 s), less what the player counts itself
# between asking and playing. Without a program date-time in MP3 this is only an estimate: in
# Chromium the true delay varied 3.9-7.3 s from run to run (docs/streams.md).
ICECAST_BURST_BYTES = 65_536
MP3_EXTRA_MS = 500
MOUNT_KBPS = 128               # when the public URL names none of the [streams] mounts
EXTENSION = "radiod_listen"


@dataclass(frozen=True)
class Aired:
    """One play as the player needs it: what to show, and when it was heard."""
    id: int
    title: str
    artist: str
    show: str
    usage: str
    start_ms: int
    end_ms: int | None          # None while on air


@dataclass(frozen=True)
class Player:
    """What the play button offers on this station (None of it when no stream is configured)."""
    hls_url: str                # "" without HLS
    mp3_url: str                # "" without a public MP3 mount
    aired_url: str
    hlsjs_url: str
    script_url: str
    mp3_delay_ms: int


def aired(conn: sqlite3.Connection, now_ms: int) -> list[Aired]:
    """The plays on air in the last ``WINDOW_MS`` before ``now_ms``, oldest first."""
    rows = [row_dict(r) for r in aired_since(conn, now_ms - WINDOW_MS, limit=MAX_PLAYS)]
    return [Aired(id=r["id"], title=r["title"] or "", artist=r["artist"] or "", show=r["show"] or "",
                  usage=r["usage"], start_ms=r["started_at_ms"], end_ms=r["ended_at_ms"])
            for r in reversed(rows)]


def player(config: Config) -> Player | None:
    """The play button's sources, or None when the station streams nothing a browser can play."""
    # HLS once the encoder has written its playlist (without Liquidsoap there is none to play).
    streaming = bool(config.streams.hls_bitrates) and (hls_dir(config.paths.state) / StreamPlan.master_playlist).exists()
    hls = url_for("hls.hls_file", name=StreamPlan.master_playlist) if streaming else ""
    mp3 = config.web.listen_mp3_url
    if not hls and not mp3:
        return None
    return Player(hls_url=hls, mp3_url=mp3, aired_url=url_for("listen.aired_plays"),
                  hlsjs_url=url_for("static", filename="vendor/hls.light.min.js"),
                  script_url=url_for("static", filename="listen.js"), mp3_delay_ms=mp3_delay_ms(config))


def mp3_delay_ms(config: Config) -> int:
    """``web.listen_mp3_delay_ms``, else Icecast's burst at the bitrate of the ``[streams]`` mount
    the public URL names (128 kbit/s when none matches) plus the rest of the chain's delay."""
    if config.web.listen_mp3_delay_ms:
        return config.web.listen_mp3_delay_ms
    path = urlsplit(config.web.listen_mp3_url).path
    kbps = next((m.bitrate_kbps for m in plan_of(config).icecast if m.mount == path), MOUNT_KBPS)
    return round(ICECAST_BURST_BYTES * 8 / kbps) + MP3_EXTRA_MS


@bp.record_once
def _cache(state: BlueprintSetupState) -> None:
    state.app.extensions[EXTENSION] = TtlCache(ttl_s=TTL_S, size=1, wait_s=5)


@bp.get("/api/aired")
def aired_plays() -> Response:
    """``{"now_ms": …, "plays": [{id, title, artist, show, usage, start_ms, end_ms}, …]}``."""
    cache: TtlCache = current_app.extensions[EXTENSION]

    def compute() -> dict[str, Any]:
        now_ms = to_ms(station().clock.now())
        return {"now_ms": now_ms, "plays": [asdict(a) for a in aired(reader(), now_ms)]}

    try:
        doc = cache.get("aired", compute)
    except Busy:
        abort(503, description="The station is busy; try again in a few seconds.")
    response = jsonify(doc)
    response.headers["Cache-Control"] = f"public, max-age={int(TTL_S)}"
    return response
