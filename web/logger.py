"""Manager: the compliance logger's recordings — the hour files kept, and a download of any span
(station time, at most MAX_MINUTES, across files, to the sample) as MP3."""

from __future__ import annotations

import os
import tempfile

from flask import Blueprint, Response, abort, render_template, request, send_file

from radiod.errors import RadiodError
from radiod.localtimes import LocalTimes
from radiod.logger import extract_span, hour_files, listing, station_instant
from radiod.private import private_dir
from radiod_web import station
from radiod_web.i18n import _
from radiod_web.security import require_role

bp = Blueprint("logger", __name__, url_prefix="/manager/logger")

MAX_MINUTES = 180        # a download is decoded and encoded by this request: keep it bounded


@bp.get("/")
@require_role("manager")
def index():
    config = station().config
    local = LocalTimes(config.zone)
    rows = listing(config.logger.folder, lambda us: local.iso(us // 1000)[:19].replace("T", " "))
    return render_template("manager/logger.html", rows=rows, enabled=config.logger.enabled,
                           keep_days=config.logger.keep_days, max_minutes=MAX_MINUTES, zone=config.station.timezone)


@bp.get("/download")
@require_role("manager")
def download() -> Response:
    config = station().config
    first, last = request.args.get("from", ""), request.args.get("to", "")
    try:
        from_us, to_us = station_instant(first, config.zone), station_instant(last, config.zone)
    except RadiodError as exc:
        abort(400, description=str(exc))
    if to_us <= from_us:
        abort(400, description=_("The end of the span must come after its start."))
    if to_us - from_us > MAX_MINUTES * 60_000_000:
        abort(400, description=_("A download is at most %(num)d minutes; use `radiod logger extract` for more.", num=MAX_MINUTES))
    if not any(f.start_us < to_us and (f.end_us is None or f.end_us > from_us) for f in hour_files(config.logger.folder)):
        abort(404, description=_("No recording covers this span."))
    folder = private_dir(config.paths.state / "logger-downloads")
    fd, name = tempfile.mkstemp(dir=folder, suffix=".mp3")          # 0600
    os.close(fd)
    try:
        extract_span(config.logger.folder, from_us, to_us, folder / os.path.basename(name))
        data = open(name, "rb")
    except RadiodError as exc:
        abort(500, description=str(exc))
    finally:
        os.unlink(name)             # the open file is still read to the end; nothing is left behind
    label = f"{config.service_name}-air-{first}-{last}".replace(":", "")
    return send_file(data, mimetype="audio/mpeg", as_attachment=True, download_name=f"{label}.mp3")
