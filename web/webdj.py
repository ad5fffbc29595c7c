"""The Web DJ: a DJ broadcasts from the browser into the harbor (MediaRecorder → WebSocket, the
webcast protocol). The page never holds the DJ's password: it asks here for a one-time harbor
token (radiod.webdj), which is issued only inside the DJ's live slot ± the grace."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from radiod.accounts import User
from radiod.bridge import HarborDecision, LiveSlot, decide, linked, station_slots
from radiod.clock import to_ms
from radiod.webdj import TTL_MS, issue
from radiod_web import station
from radiod_web.dashboard import countdown
from radiod_web.i18n import _
from radiod_web.security import accounts, require_role, signed_in_user

bp = Blueprint("webdj", __name__, url_prefix="/dj/live")

HOST_NAME = re.compile(r"[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:.]{2,45}")   # a DNS name, IPv4 or IPv6 address
LOOK_BACK = timedelta(days=1)      # a slot that began this long ago may still be running
LOOK_AHEAD = timedelta(days=7)     # how far the next slot is looked for


def _grace() -> timedelta:
    return timedelta(minutes=station().config.liquidsoap.live_grace_minutes)


def _slots(user: User, now: datetime) -> list[LiveSlot]:
    """The user's live slots around ``now``, by start."""
    found = station_slots(station().config)(now - _grace() - LOOK_BACK, now + LOOK_AHEAD)
    return sorted((s for s in found if linked(user, s)), key=lambda s: s.start)


def harbor_socket(host: str, secure: bool) -> tuple[str, str]:
    """The WebSocket URL of the harbor as the page reaches it, and the origin its CSP must allow
    ('' when it is the page's own: ``web.webdj_harbor_url`` a path nginx proxies)."""
    config = station().config
    url = config.web.webdj_harbor_url
    if url.startswith("/"):
        return url, ""
    if not url:
        name = urlsplit("//" + host).hostname or ""
        if not HOST_NAME.fullmatch(name):      # it goes into a header (the CSP): nothing but a host name
            name = "localhost"
        name = f"[{name}]" if ":" in name else name
        lq = config.liquidsoap
        url = f"{'wss' if secure else 'ws'}://{name}:{lq.harbor_port}/{lq.harbor_mount.lstrip('/')}"
    parts = urlsplit(url)
    return url, f"{parts.scheme}://{parts.netloc}"


def _refusal(decision: HarborDecision, slots: list[LiveSlot], now: datetime) -> str:
    """Why the harbor would refuse the DJ now, in the page's language."""
    if not slots:
        return _("You are not a host of any live show.")
    ahead = [s for s in slots if s.start - _grace() > now]
    if ahead:
        zone = station().config.zone
        return _("Outside your live slot: %(show)s starts %(time)s.", show=ahead[0].title,
                 time=ahead[0].start.astimezone(zone).strftime("%Y-%m-%d %H:%M"))
    return _("Outside your live slot: none of your live shows is scheduled in the next week.")


@bp.get("/")
@require_role("dj", "manager")
def page() -> ResponseReturnValue:
    """The broadcast page: level meter, the slot's countdown, on-air state, title, start/stop."""
    user = signed_in_user()
    now = station().clock.now()
    slots = _slots(user, now)
    grace = _grace()
    current = [s for s in slots if s.start - grace <= now < s.end + grace]
    ahead = [s for s in slots if s.start - grace > now]
    slot: dict[str, Any] | None = None
    if current:
        s = max(current, key=lambda s: s.end)
        slot = {"title": s.title, "live": True, "at": (s.end + grace).isoformat(),
                "until": countdown(s.end + grace, now)}
    elif ahead:
        s = ahead[0]
        slot = {"title": s.title, "live": False, "at": (s.start - grace).isoformat(),
                "until": countdown(s.start - grace, now)}
    url, origin = harbor_socket(request.host, request.is_secure or station().config.web.behind_tls)
    g.connect_src = origin
    return render_template("dj/live.html", user=user, slot=slot, harbor_url=url)


@bp.post("/token")
@require_role("dj", "manager")
def token() -> ResponseReturnValue:
    """A one-time harbor token for the logged-in DJ (JSON), or why not (403, with the reason)."""
    user = signed_in_user()
    now = station().clock.now()
    slots = _slots(user, now)
    decision = decide(user.name, user, slots, now, _grace())
    if not decision.ok:
        return jsonify(ok=False, reason=_refusal(decision, slots, now)), 403
    issued = issue(accounts().conn, user.name, to_ms(now))
    return jsonify(ok=True, user=user.name, token=issued, show=decision.show, expires_in_ms=TTL_MS)


@bp.get("/state")
@require_role("dj", "manager")
def state() -> ResponseReturnValue:
    """Whether a live DJ is on air now (from the daemon's now-playing document)."""
    now = station().hub.current().doc.get("now") or {}
    on_air = now.get("source") == "live"
    return jsonify(on_air=on_air, title=now.get("title", "") if on_air else "",
                   artist=now.get("artist", "") if on_air else "")
