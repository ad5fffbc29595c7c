"""The live HLS stream, served from the state folder the stream encoder writes (public, read-only).

Only the names the encoder makes are served (``radiod.streams.outputs.HLS_FILE``), opened without
following links and bounded in size: nothing else in the state folder can be reached from here.
"""

from __future__ import annotations

import os
import re
import stat

from flask import Blueprint, Response, abort

from radiod.streams import HLS_FILE, hls_dir
from radiod_web import station

bp = Blueprint("hls", __name__)

MAX_BYTES = 16 * 1024 * 1024           # a segment is some 100 KB; anything this big is not ours
TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t"}


@bp.get("/hls/<name>")
def hls_file(name: str) -> Response:
    if not re.fullmatch(HLS_FILE, name):
        abort(404)
    path = hls_dir(station().config.paths.state) / name
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        abort(404)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
            abort(404)
        data = f.read(MAX_BYTES)
    playlist = name.endswith(".m3u8")
    response = Response(data, mimetype=TYPES[".m3u8" if playlist else ".ts"])
    # A playlist changes every segment; a segment never changes while it is listed.
    response.headers["Cache-Control"] = "public, max-age=1" if playlist else "public, max-age=60"
    return response
