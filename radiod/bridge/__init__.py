"""Liquidsoap as a supervised subprocess: render the script, run it, serve it items, read its plays."""

from radiod.bridge.liquidsoap import LiquidsoapPlayer
from radiod.bridge.live import LiveLog
from radiod.bridge.player import check_script, resolve_output
from radiod.bridge.render import ScriptOptions, render

__all__ = ["LiquidsoapPlayer", "LiveLog", "ScriptOptions", "check_script", "render", "resolve_output"]
