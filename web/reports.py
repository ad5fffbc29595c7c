"""Manager: reports — download any report for a period, the local-content share per day and per
week as an inline SVG chart with the quota line, and the play log's hash-chain verification."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _

from radiod.app import FORMATS, ReportOptions, local_rules, make_report, report_format
from radiod.playlog import read_plays, verify_chain
from radiod.reports import Period, ReportError, compliance, parse_period, soundexchange
from radiod_web import station
from radiod_web.i18n import percent
from radiod_web.params import ParamError, parse_day
from radiod_web.security import reader, require_role

bp = Blueprint("reports", __name__, url_prefix="/manager/reports")

CHART_W, CHART_H, PAD = 600, 180, 24


def _period() -> Period:
    """From the form's dates; the last 28 days by default."""
    zone = station().config.zone
    today = station().clock.now().astimezone(zone).date()
    first = request.args.get("from") or (today - timedelta(days=27)).isoformat()
    last = request.args.get("to") or today.isoformat()
    try:
        # Days whose midnight cannot be computed (year 9999) are refused here, with the form's names.
        parse_day(first, "from"), parse_day(last, "to")
    except ParamError as exc:
        raise ReportError(str(exc)) from None
    return parse_period(first, last, zone)


def _rules(per: str) -> compliance.LocalRules:
    return local_rules(station().config, ReportOptions(per=per))


def chart(results: list[dict[str, Any]], threshold: float) -> dict[str, Any]:
    """Bars (x, y, width, height, label, share) and the quota line's y, in SVG units."""
    bars = [r for r in results if r["period"] != "total"]
    inner_w, inner_h = CHART_W - 2 * PAD, CHART_H - 2 * PAD
    step = inner_w / max(len(bars), 1)

    def y(percent: float) -> float:
        return round(PAD + inner_h * (1 - min(percent, 100) / 100), 1)
    shapes = []
    for i, r in enumerate(bars):
        share = float(r["share_by_count"] or 0)
        shapes.append({"x": round(PAD + i * step + step * 0.1, 1), "y": y(share), "width": round(step * 0.8, 1),
                       "height": round(PAD + inner_h - y(share), 1), "label": r["period"], "share": share,
                       "under": r["result"] == "fail"})
    return {"bars": shapes, "quota_y": y(threshold), "threshold": threshold, "width": CHART_W,
            "height": CHART_H, "left": PAD, "right": CHART_W - PAD, "bottom": CHART_H - PAD}


@bp.get("/")
@require_role("manager")
def index():
    problem, charts, verification = None, [], None
    try:
        period = _period()
    except ReportError as exc:
        problem, period = str(exc), None
    if period is not None:
        rows = read_plays(reader(), started_from_ms=period.start_ms, started_before_ms=period.end_ms,
                          columns=compliance.COLUMNS)
        for per, heading in (("day", _("Share per day")), ("week", _("Share per week"))):
            rules = _rules(per)
            label = (_("Local share per day, quota %(percent)s %%", percent=percent(rules.threshold_percent))
                     if per == "day" else
                     _("Local share per week, quota %(percent)s %%", percent=percent(rules.threshold_percent)))
            charts.append({"heading": heading, "label": label, "id": f"chart-{per}",
                           **chart(compliance.evaluate(rows, period, rules), rules.threshold_percent)})
        verification = verify_chain(reader())
    return render_template("manager/reports.html", period=period, problem=problem, charts=charts,
                           verification=verification, formats=FORMATS, rules=_rules("week"))


@bp.get("/download")
@require_role("manager")
def download():
    try:
        return _download(request.args.get("format", ""))
    except ReportError as exc:
        abort(400, description=str(exc))


def _download(fmt: str) -> Response:
    report_format(fmt)                    # an unknown format is named before the period is read
    period = _period()
    hours_text = request.args.get("ath_hours", "").strip()
    options = ReportOptions(
        ath_hours=soundexchange.parse_ath_hours(hours_text, "ath_hours") if hours_text else None,
        per=request.args.get("per") or "week")
    result = make_report(reader(), station().config, fmt, period, options,
                         today=station().clock.now().astimezone(period.zone).date())
    name = result.filename or f"{station().config.service_name}-{fmt}-{period.label()}.csv"
    return Response(result.data, mimetype="text/csv" if name.endswith(".csv") else "application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
