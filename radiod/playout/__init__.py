"""Playout: the engine, the player port and its adapters (libVLC, the control socket, now playing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from radiod.faces import lazy_face

if TYPE_CHECKING:
    from radiod.playout.control import ControlServer, send_command
    from radiod.playout.engine import Engine
    from radiod.playout.fallback import Fallback
    from radiod.playout.log_port import PlayWriter
    from radiod.playout.nowplaying import NowPlayingWriter
    from radiod.playout.output import pulse_info
    from radiod.playout.port import Cue, Listener, Player, PlayerEvent
    from radiod.playout.recording import Retention
    from radiod.playout.vlc_player import VlcPlayer
    from radiod.playout.nowplaying import NowPlaying, from_status, off_air
    from radiod.playout.messages import (COMMANDS, ControlCommand, EngineState, ErrorEntry, Errors, GetStatus, Insert,
                                         Reload, Status, button_commands, parse_command)
    from radiod.playout.messages import LiveLogSong
    from radiod.playout.messages import LiveNow

__all__ = [
    "ControlServer", "Cue", "Engine", "Fallback", "Listener",
    "NowPlayingWriter", "Player", "PlayerEvent", "PlayWriter", "pulse_info", "Retention", "send_command",
    "VlcPlayer", "NowPlaying", "from_status", "off_air", "COMMANDS", "ControlCommand", "EngineState", "ErrorEntry", "Errors", "GetStatus", "Insert", "Reload", "Status", "button_commands", "parse_command",
    "LiveLogSong",
    "LiveNow",
]

# Imported on first use: the engine's modules import radiod.playout.port, and `radiod ctl`
# radiod.playout.control: neither may load libVLC.
__getattr__ = lazy_face(__name__, {
    "ControlServer": "control", "send_command": "control",
    "Engine": "engine",
    "Fallback": "fallback",
    "PlayWriter": "log_port",
    "NowPlayingWriter": "nowplaying",
    "pulse_info": "output",
    "Cue": "port", "Listener": "port", "Player": "port", "PlayerEvent": "port",
    "Retention": "recording",
    "VlcPlayer": "vlc_player",
    "NowPlaying": "nowplaying", "from_status": "nowplaying", "off_air": "nowplaying",
    "COMMANDS": "messages", "ControlCommand": "messages", "EngineState": "messages", "ErrorEntry": "messages", "Errors": "messages", "GetStatus": "messages", "Insert": "messages", "Reload": "messages", "Status": "messages", "button_commands": "messages", "parse_command": "messages",
    "LiveLogSong": "messages",
    "LiveNow": "messages",
})
