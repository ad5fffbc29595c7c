"""Liquidsoap as a supervised subprocess: render the script, run it, serve it items, read its plays."""

from __future__ import annotations

from typing import TYPE_CHECKING

from radiod.faces import lazy_face

if TYPE_CHECKING:
    from radiod.bridge.liquidsoap import LiquidsoapPlayer
    from radiod.bridge.live import LiveLog
    from radiod.bridge.player import check_script, resolve_output
    from radiod.bridge.render import ScriptOptions, render
    from radiod.bridge.harbor import HarborDecision, LiveSlot, decide, linked, station_slots

__all__ = ["LiquidsoapPlayer", "LiveLog", "ScriptOptions", "check_script", "render", "resolve_output",
           "HarborDecision", "LiveSlot", "decide", "linked", "station_slots"]

# Imported on first use: the harbor's login client (``python -m radiod.bridge.client``) runs at
# every DJ login and must start in milliseconds, with the standard library only.
__getattr__ = lazy_face(__name__, {
    "LiquidsoapPlayer": "liquidsoap", "LiveLog": "live", "check_script": "player", "resolve_output": "player",
    "ScriptOptions": "render", "render": "render",
    "HarborDecision": "harbor", "LiveSlot": "harbor", "decide": "harbor", "linked": "harbor", "station_slots": "harbor",
})
