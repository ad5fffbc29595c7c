"""The messages of playout: control commands and their one registry, the engine's states, and the
status snapshot with its one public form.

A control command travels as one JSON object per line over the control socket
(``{"cmd": "insert", "path": …}``); on either side of the socket it is a frozen dataclass.
``COMMANDS`` is the one registry: ``radiod ctl`` takes its choices and help from it, the daemon
parses what the socket receives with it, and the panel draws a button for every entry marked
``button``. Adding a control command is one entry here (and its handling in the daemon).

The status snapshot (``Status``) is built by the engine, completed by the daemon (output,
schedule error) and sent as ``Status.to_public()``; ``radiod ctl status``, the manager page
and the now-playing writer all read that one form (``Status.from_public`` on the far side).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any, Callable, ClassVar, Mapping, Union

MAX_TEXT = 200         # characters of a title or artist kept from a command
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]+")


class EngineState(StrEnum):
    """What the engine is doing; the public form is the value."""

    STARTING = "starting"
    PLAYING = "playing"
    FALLBACK = "fallback"      # a fallback item fills air the plan could not
    PAUSED = "paused"          # by a command (the engine's own state also while a DJ is live)
    LIVE = "live"              # a DJ is on air (the snapshot's word for paused-under-a-DJ; see ``LiveNow``)
    OFF_AIR = "off-air"        # the audio output is lost
    STOPPED = "stopped"

    @property
    def on_air(self) -> bool:
        """True while the engine follows its log (playing the plan or a fallback)."""
        return self in (EngineState.PLAYING, EngineState.FALLBACK)


# -- control commands ---------------------------------------------------------------------------

def _text(request: Mapping[str, Any], name: str) -> str:
    value = request.get(name, "")
    if not isinstance(value, str):
        raise ValueError(f"{name}: expected a string")
    # A title goes into the play log, now-playing and the stream's metadata: one clean line.
    return _CONTROL_CHARS.sub(" ", value).strip()[:MAX_TEXT]


@dataclass(frozen=True)
class GetStatus:
    """``status``: what is on air, what comes next, the output and recent errors."""

    NAME: ClassVar[str] = "status"


@dataclass(frozen=True)
class Skip:
    """``skip``: end the item on air now; the log goes on with the next one."""

    NAME: ClassVar[str] = "skip"


@dataclass(frozen=True)
class Pause:
    """``pause``: finish the item on air, then stand still until resumed."""

    NAME: ClassVar[str] = "pause"


@dataclass(frozen=True)
class Resume:
    """``resume``: come back to the log (by the clock when nothing is on air)."""

    NAME: ClassVar[str] = "resume"


@dataclass(frozen=True)
class Reload:
    """``reload``: read the schedule files again and re-plan today and tomorrow."""

    NAME: ClassVar[str] = "reload"


@dataclass(frozen=True)
class Errors:
    """``errors``: the engine's recent errors, fallbacks and outages."""

    NAME: ClassVar[str] = "errors"


@dataclass(frozen=True)
class Insert:
    """``insert``: play a file now, shown and logged with this title and artist (the file's name
    when no title is given)."""

    path: str
    title: str = ""
    artist: str = ""
    NAME: ClassVar[str] = "insert"

    @classmethod
    def from_request(cls, request: Mapping[str, Any]) -> "Insert":
        """From a received command; ValueError (one line) when a field is not a string."""
        path = request.get("path", "")
        if not isinstance(path, str):
            raise ValueError("path: expected a string")
        return cls(path, _text(request, "title"), _text(request, "artist"))


@dataclass(frozen=True)
class LiveLogSong:
    """``live-log``: a DJ of the show on air live says this song is on now (the live-log page).

    ``user`` is who pressed (the panel's signed-in account; the daemon checks they host the live
    show); ``track_id`` names a library track (0: typed by hand, kept as written and flagged
    unmatched); ``press`` is the page's id of the one press, so a retried request logs it once.
    The daemon takes the instant: when the DJ's audio at that moment is heard."""

    user: str
    title: str = ""
    artist: str = ""
    track_id: int = 0
    press: str = ""
    NAME: ClassVar[str] = "live-log"

    @classmethod
    def from_request(cls, request: Mapping[str, Any]) -> "LiveLogSong":
        """From a received command; ValueError (one line) when a field has the wrong type."""
        track_id = request.get("track_id", 0)
        if not isinstance(track_id, int) or isinstance(track_id, bool) or not 0 <= track_id < 2**63:
            raise ValueError("track_id: expected a track id (0 = typed by hand)")
        song = cls(_text(request, "user"), _text(request, "title"), _text(request, "artist"), track_id,
                   _text(request, "press")[:64])
        if not song.user:
            raise ValueError("user: who logs the song is needed")
        if not song.track_id and not (song.title or song.artist):
            raise ValueError("give a track id or a title and artist")
        return song


ControlCommand = Union[GetStatus, Skip, Pause, Resume, Reload, Errors, Insert, LiveLogSong]


def _no_arguments(cls: type) -> Callable[[Mapping[str, Any]], Any]:
    return lambda request: cls()


@dataclass(frozen=True)
class CommandSpec:
    """One control command: its name on the socket and in ``radiod ctl``, its message type, the
    help line, how a received request becomes the message, and whether the panel has a button."""

    name: str
    type: type
    help: str
    parse: Callable[[Mapping[str, Any]], Any]
    button: bool = False          # a one-click button on the manager page
    takes_path: bool = False      # `radiod ctl NAME PATH`
    ctl: bool = True              # offered by `radiod ctl` (False: only the panel sends it)


def _spec(cls: type, help_line: str, *, button: bool = False, takes_path: bool = False,
          parse: Callable[[Mapping[str, Any]], Any] | None = None, ctl: bool = True) -> CommandSpec:
    return CommandSpec(cls.NAME, cls, help_line, parse or _no_arguments(cls),  # type: ignore[attr-defined]
                       button=button, takes_path=takes_path, ctl=ctl)


COMMANDS: dict[str, CommandSpec] = {spec.name: spec for spec in (
    _spec(GetStatus, "what is on air and next, the show, the output, recent errors"),
    _spec(Skip, "end the item on air now; the next one starts at once", button=True),
    _spec(Pause, "automation off: the item on air plays out, nothing follows", button=True),
    _spec(Resume, "automation on again, joining the log where the clock stands", button=True),
    _spec(Reload, "read the schedule files again and re-plan from two minutes ahead", button=True),
    _spec(Insert, "play a file now (--title, --artist), then the log carries on", takes_path=True,
          parse=Insert.from_request),
    _spec(Errors, "recent errors, fallbacks and outages with their reasons"),
    _spec(LiveLogSong, "the live-log page: a song on now in the live show (the panel sends it)",
          parse=LiveLogSong.from_request, ctl=False),
)}


def parse_command(request: Mapping[str, Any]) -> ControlCommand:
    """The message a received request stands for; ValueError (one line) when it is unknown or
    its arguments are wrong."""
    name = request.get("cmd")
    spec = COMMANDS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise ValueError(f"unknown command {name!r} ({', '.join(COMMANDS)})")
    try:
        return spec.parse(request)     # type: ignore[no-any-return]
    except ValueError as exc:
        raise ValueError(f"{spec.name}: {exc}") from None


def to_request(command: ControlCommand) -> dict[str, Any]:
    """The JSON object sent over the socket for ``command``."""
    return {"cmd": command.NAME, **{f.name: getattr(command, f.name) for f in fields(command)}}


def button_commands() -> tuple[CommandSpec, ...]:
    """The commands the manager page offers as buttons, in registry order."""
    return tuple(spec for spec in COMMANDS.values() if spec.button)


# -- engine-only messages -------------------------------------------------------------------------

@dataclass(frozen=True)
class PlayNow:
    """The engine's form of ``insert``: the daemon has checked the file and measured its length."""

    path: str
    length_ms: int | None = None
    title: str = ""
    artist: str = ""
    NAME: ClassVar[str] = "insert"


EngineCommand = Union[GetStatus, Skip, Pause, Resume, Errors, PlayNow]


# -- the status snapshot ----------------------------------------------------------------------------

def _pick(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


@dataclass(frozen=True)
class ItemInfo:
    """What an item is, as shown to people (on air or next)."""

    title: str = ""
    artist: str = ""
    album: str = ""
    artist_keys: tuple[str, ...] = ()
    local: bool = False
    show: str = ""
    source: str = ""
    usage: str = ""
    category: str = ""

    def to_public(self) -> dict[str, Any]:
        return {"title": self.title, "artist": self.artist, "album": self.album,
                "artist_keys": list(self.artist_keys), "local": self.local, "show": self.show,
                "source": self.source, "usage": self.usage, "category": self.category}

    @classmethod
    def from_public(cls, data: Mapping[str, Any]) -> "ItemInfo":
        values = _pick(ItemInfo, data)
        values["artist_keys"] = tuple(values.get("artist_keys") or ())
        return cls(**values)


@dataclass(frozen=True)
class OnAir:
    """The item on air: which play row it has, when it started and is expected to end."""

    item: ItemInfo
    play_id: int | None = None
    item_key: str = ""
    started_at: str | None = None
    expected_end: str | None = None
    planned_start: str | None = None
    offset_ms: int = 0
    length_ms: int = 0
    reason: str = ""              # why a fallback item airs

    def to_public(self) -> dict[str, Any]:
        return {"play_id": self.play_id, "item_key": self.item_key, **self.item.to_public(),
                "started_at": self.started_at, "expected_end": self.expected_end,
                "planned_start": self.planned_start, "offset_ms": self.offset_ms,
                "length_ms": self.length_ms, "reason": self.reason}

    @classmethod
    def from_public(cls, data: Mapping[str, Any]) -> "OnAir":
        values = _pick(OnAir, data)
        values.pop("item", None)          # the item's fields sit beside the play's in the public form
        return cls(item=ItemInfo.from_public(data), **values)


@dataclass(frozen=True)
class Upcoming:
    """The next timed event: the item the engine will start next and when."""

    item: ItemInfo
    planned_start: str | None

    def to_public(self) -> dict[str, Any]:
        return {**self.item.to_public(), "planned_start": self.planned_start}

    @classmethod
    def from_public(cls, data: Mapping[str, Any]) -> "Upcoming":
        return cls(ItemInfo.from_public(data), data.get("planned_start"))


@dataclass(frozen=True)
class ShowOnAir:
    """The scheduled show at this instant (or the show the item on air belongs to)."""

    title: str
    hosts: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None
    kind: str = ""                # the show's kind (rotation, prerecorded, live) when the schedule says

    def to_public(self) -> dict[str, Any]:
        data: dict[str, Any] = {"title": self.title}
        if self.hosts or self.start or self.end:
            data.update(hosts=list(self.hosts), start=self.start, end=self.end)
        if self.kind:
            data["kind"] = self.kind
        return data

    @classmethod
    def from_public(cls, data: Mapping[str, Any]) -> "ShowOnAir":
        return cls(str(data.get("title", "")), tuple(data.get("hosts") or ()), data.get("start"), data.get("end"),
                   str(data.get("kind") or ""))


@dataclass(frozen=True)
class LiveNow:
    """The DJ on air (their account name), the show they are live for, and since when (ISO)."""

    dj: str
    show: str = ""
    since: str | None = None

    def to_public(self) -> dict[str, Any]:
        return {"dj": self.dj, "show": self.show, "since": self.since}

    @classmethod
    def from_public(cls, data: Mapping[str, Any]) -> "LiveNow":
        since = data.get("since")
        return cls(str(data.get("dj") or ""), str(data.get("show") or ""), since if isinstance(since, str) else None)


@dataclass(frozen=True)
class ErrorEntry:
    """One error, fallback or outage the engine met; ``figures`` are its measured numbers
    (e.g. ``length_ms`` of dead air)."""

    at: str
    kind: str
    detail: str
    figures: Mapping[str, int] = field(default_factory=dict)

    def to_public(self) -> dict[str, Any]:
        return {"at": self.at, "kind": self.kind, "detail": self.detail, **self.figures}

    @classmethod
    def from_public(cls, data: Mapping[str, Any]) -> "ErrorEntry":
        figures = {k: v for k, v in data.items() if k not in ("at", "kind", "detail")}
        return cls(str(data.get("at", "")), str(data.get("kind", "")), str(data.get("detail", "")), figures)


@dataclass(frozen=True)
class Stats:
    """Counts since the engine started."""

    items: int = 0
    failed: int = 0
    fallbacks: int = 0
    skipped: int = 0

    def to_public(self) -> dict[str, int]:
        return {"items": self.items, "failed": self.failed, "fallbacks": self.fallbacks, "skipped": self.skipped}


@dataclass(frozen=True)
class Timing:
    """The output clock's health: where its rate comes from, the rate, libVLC's own corrections
    (should stay 0) and the last hard starts' errors as heard by that clock."""

    source: str = ""
    rate_ppm: float = 0.0
    resyncs: int = 0
    hard_start_errors_ms: tuple[float, ...] = ()

    def to_public(self) -> dict[str, Any]:
        return {"source": self.source, "rate_ppm": round(self.rate_ppm, 1), "resyncs": self.resyncs,
                "hard_start_errors_ms": [round(e, 2) for e in self.hard_start_errors_ms]}

    @classmethod
    def from_public(cls, data: Mapping[str, Any]) -> "Timing":
        errors = data.get("hard_start_errors_ms") or ()
        return cls(source=str(data.get("source") or ""), rate_ppm=float(data.get("rate_ppm") or 0.0),
                   resyncs=int(data.get("resyncs") or 0),
                   hard_start_errors_ms=tuple(float(e) for e in errors if isinstance(e, (int, float))))

    def words(self) -> str:
        errors = ", ".join(f"{e:+.1f}" for e in self.hard_start_errors_ms[-5:]) or "none yet"
        return (f"output {self.rate_ppm:+.1f} ppm ({self.source}); libVLC corrections {self.resyncs}; "
                f"last hard starts {errors} ms")


@dataclass(frozen=True)
class Status:
    """The one status snapshot: engine state, on air, next, show, errors, counts; the daemon adds
    the audio output and the schedule's error, the output clock adds ``timing``."""

    state: EngineState
    now: OnAir | None = None
    next: Upcoming | None = None
    show: ShowOnAir | None = None
    errors: tuple[ErrorEntry, ...] = ()
    stats: Stats = Stats()
    output: str = ""              # the daemon's description of the audio output
    schedule_error: str = ""      # why the schedule files cannot be read ('' = they can)
    timing: Timing | None = None
    library_alert: str = ""       # media folders the last rescan found gone or empty ('' = none)
    alerts: tuple[str, ...] = ()  # what carries the air further and has stopped (the logger on a full disk)
    live: LiveNow | None = None   # the DJ on air (state ``live``)

    def with_daemon(self, *, output: str, schedule_error: str, library_alert: str = "",
                    alerts: tuple[str, ...] = ()) -> "Status":
        return replace(self, output=output, schedule_error=schedule_error, library_alert=library_alert,
                       alerts=alerts)

    def to_public(self) -> dict[str, Any]:
        """The JSON object the socket sends (``ok`` added there) and the panel and ctl read."""
        data: dict[str, Any] = {
            "state": self.state.value,
            "now": None if self.now is None else self.now.to_public(),
            "next": None if self.next is None else self.next.to_public(),
            "show": None if self.show is None else self.show.to_public(),
            "errors": [e.to_public() for e in self.errors],
            "stats": self.stats.to_public(),
            "output": self.output,
            "schedule_error": self.schedule_error,
            "alerts": list(self.alerts),
        }
        if self.library_alert:
            data["library_alert"] = self.library_alert
        if self.timing is not None:
            data["timing"] = self.timing.to_public()
        if self.live is not None:
            data["live"] = self.live.to_public()
        return data

    @classmethod
    def from_public(cls, data: Mapping[str, Any]) -> "Status":
        """Back from the public form (what ``radiod ctl`` and the panel receive); unknown keys
        are ignored and a state radiod does not know reads as stopped."""
        try:
            state = EngineState(str(data.get("state")))
        except ValueError:
            state = EngineState.STOPPED
        now, nxt, show, timing = data.get("now"), data.get("next"), data.get("show"), data.get("timing")
        live = data.get("live")
        return cls(
            state=state,
            now=OnAir.from_public(now) if isinstance(now, Mapping) else None,
            next=Upcoming.from_public(nxt) if isinstance(nxt, Mapping) else None,
            show=ShowOnAir.from_public(show) if isinstance(show, Mapping) else None,
            errors=tuple(ErrorEntry.from_public(e) for e in data.get("errors") or () if isinstance(e, Mapping)),
            stats=Stats(**_pick(Stats, data.get("stats") or {})),
            output=str(data.get("output") or ""),
            schedule_error=str(data.get("schedule_error") or ""),
            timing=Timing.from_public(timing) if isinstance(timing, Mapping) else None,
            library_alert=str(data.get("library_alert") or ""),
            alerts=tuple(str(a) for a in data.get("alerts") or () if isinstance(a, str)),
            live=LiveNow.from_public(live) if isinstance(live, Mapping) else None,
        )

    def lines(self) -> list[tuple[str, str]]:
        """The snapshot as (term, words) pairs, for `radiod ctl status` and the manager page."""
        out = [("state", self.state.value)]
        if self.live is not None:
            out.append(("live", self.live.dj + (f" ({self.live.show})" if self.live.show else "")
                        + (f" since {self.live.since}" if self.live.since else "")))
        if self.output:
            out.append(("output", self.output))
        if self.now is not None:
            item = self.now.item
            out.append(("now", f"{item.artist or '?'} – {item.title or '?'}  ({item.source}, {item.usage})"))
            out.append(("", f"started {self.now.started_at}, ends {self.now.expected_end}"))
        else:
            out.append(("now", "nothing"))
        if self.next is not None:
            item = self.next.item
            out.append(("next", f"{item.artist or '?'} – {item.title or '?'} at {self.next.planned_start}"))
        if self.show is not None:
            out.append(("show", self.show.title + (f" ({', '.join(self.show.hosts)})" if self.show.hosts else "")))
        for e in self.errors[-5:]:
            out.append(("error", f"{e.at} {e.kind}: {e.detail}"))
        if self.schedule_error:
            out.append(("schedule", self.schedule_error))
        if self.library_alert:
            out.append(("library", self.library_alert))
        for alert in self.alerts:
            out.append(("alert", alert))
        if self.timing is not None:
            out.append(("timing", self.timing.words()))
        return out
