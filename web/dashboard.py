"""The manager's home in words: what is on air, the next timed event, each part of the air chain
as a word and a colour, and the alerts that need a person. Built from the daemon's status snapshot,
the now-playing document, the configuration, the schedule and the disks; nothing raw reaches the page."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask_babel import gettext

from radiod.config import Config
from radiod.playout import LiveNow, Status
from radiod.streams import plan_of
from radiod_web import i18n
from radiod_web import words as words_for
from radiod_web.showinfo import AiringView, UploadStatus


def _(text: str, **values: Any) -> str:
    """gettext, typed (Flask-Babel's returns Any)."""
    return str(gettext(text, **values))


SILENCE_KINDS = {"dead-air", "silence"}
DISK_LOW_FRACTION = 0.10          # under a tenth free counts as filling
TONIGHT = timedelta(hours=24)     # "tonight's shows": the airings of the next day


@dataclass(frozen=True)
class Part:
    """One part of the air chain: ``tone`` is ok (green), warn (amber), bad (red) or off (grey)."""

    name: str
    words: str
    tone: str


@dataclass(frozen=True)
class Alert:
    words: str
    tone: str                     # bad | warn
    link: str = ""                # the endpoint of the page to act on, when there is one
    link_words: str = ""


@dataclass(frozen=True)
class ErrorLine:
    when: str
    kind: str
    detail: str


@dataclass(frozen=True)
class Dashboard:
    state_words: str
    state_tone: str
    parts: tuple[Part, ...]
    alerts: tuple[Alert, ...]
    next_event: AiringView | None
    errors: tuple[ErrorLine, ...]
    on_air: str = ""              # the daemon's own account of the item on air (source, usage, times)
    live: str = ""                # 'Live: alex — Open Mic Live' while a DJ is on air


def state_words(state: str, daemon_up: bool, live: LiveNow | None = None) -> tuple[str, str]:
    """The station's state in words and a tone (the words translated here, from the state's code)."""
    if not daemon_up:
        return _("Off air: the playout daemon is not running"), "bad"
    if state == "live":
        return live_words(live), "ok"
    return {
        "playing": (_("On air, following the schedule"), "ok"),
        "paused": (_("Automation paused: nothing new starts until someone resumes"), "warn"),
        "fallback": (_("On air from the fallback: the schedule has nothing playable"), "warn"),
        "off-air": (_("Off air: the audio output is lost"), "bad"),
    }.get(state, (_("Off air: playout is stopped"), "bad"))


def live_words(live: LiveNow | None) -> str:
    """'Live: alex — Open Mic Live' (the DJ's account name: this is the manager's page)."""
    if live is None or not live.dj:
        return _("Live: a DJ is on air")
    if not live.show:
        return _("Live: %(dj)s", dj=live.dj)
    return _("Live: %(dj)s — %(show)s", dj=live.dj, show=live.show)


def live_slot_unattended(status: Status | None) -> str:
    """The live show on air with no DJ connected ('' when there is none): fallback fills its air."""
    if status is None or status.live is not None or status.show is None or status.show.kind != "live":
        return ""
    if status.state.value not in ("playing", "fallback"):
        return ""
    return status.show.title


def _live_part(config: Config, status: Status | None, liquidsoap: bool) -> Part:
    """The live input as a part of the air chain: connected (who), waiting (and for whom), or off."""
    ls = config.liquidsoap
    if not ls.harbor_port or not (liquidsoap or ls.live_input):
        return Part(_("Live input"), _("not configured"), "off")
    if status is None:
        return Part(_("Live input"), _("off: the playout daemon is not running"), "off")
    if status.live is not None:
        return Part(_("Live input"), _("connected: %(dj)s, live for %(show)s", dj=status.live.dj or "?",
                                       show=status.live.show or "?"), "ok")
    unattended = live_slot_unattended(status)
    if unattended:
        return Part(_("Live input"), _("waiting: no DJ connected for %(show)s", show=unattended), "bad")
    return Part(_("Live input"), _("waiting: DJs can connect on port %(port)d, mount /%(mount)s",
                                   port=ls.harbor_port, mount=ls.harbor_mount), "ok")


def countdown(start: datetime, now: datetime) -> str:
    """'in 2 h 05 min', 'in 4 min 10 s', 'now' — the page's script keeps it ticking."""
    s = int((start - now).total_seconds())
    if s <= 0:
        return _("now")
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    if h:
        return _("in {h} h {m} min").format(h=h, m=f"{m:02d}")
    return _("in {m} min {s} s").format(m=m, s=f"{sec:02d}")


def _parts(config: Config, status: Status | None) -> tuple[Part, ...]:
    ls, liquidsoap = config.liquidsoap, config.playout.engine == "liquidsoap"
    plan = plan_of(config)
    if status is None:
        output = Part(_("Audio output"), _("unknown: the playout daemon is not running"), "bad")
    elif status.state.value == "off-air":
        output = Part(_("Audio output"), _("lost: %(what)s", what=status.output or _("no device")), "bad")
    else:
        output = Part(_("Audio output"), status.output or _("working"), "ok")
    if liquidsoap and ls.icecast_host:
        mounts = ", ".join("/" + m for m in ls.icecast_mounts)
        streams = Part(_("Streams"), _("sent to Icecast at %(host)s:%(port)d (%(mounts)s, %(kbps)d kbit/s)",
                                       host=ls.icecast_host, port=ls.icecast_port, mounts=mounts,
                                       kbps=ls.icecast_bitrate), "ok" if status else "off")
    elif not liquidsoap and (plan.icecast or plan.hls):
        outputs = [str(m) for m in plan.icecast] + [_("HLS %(kbps)d kbit/s", kbps=h.bitrate_kbps) for h in plan.hls]
        streams = Part(_("Streams"), _("sent by Liquidsoap to %(outputs)s", outputs=", ".join(outputs)),
                       "ok" if status else "off")
    else:
        streams = Part(_("Streams"), _("not configured"), "off")
    live = _live_part(config, status, liquidsoap)
    recording = status is not None and status.output.startswith("file")
    if config.logger.enabled and not liquidsoap:
        logger = Part(_("Logger"), _("recording the air into hourly files, kept %(days)d days",
                                     days=config.logger.keep_days), "ok" if status else "off")
    elif liquidsoap and ls.archive:
        logger = Part(_("Logger"), _("recording the air into hourly files, kept %(days)d days",
                                     days=ls.archive_days), "ok" if status else "off")
    elif recording:
        logger = Part(_("Logger"), _("the audio output itself is recorded to files"), "ok")
    else:
        logger = Part(_("Logger"), _("not configured"), "off")
    return output, streams, live, logger


def disk_alerts(folders: dict[str, Path]) -> list[Alert]:
    """A disk with less than a tenth free, once per disk, naming the folders on it."""
    seen: dict[int, list[str]] = {}
    usage: dict[int, Any] = {}
    for name, path in folders.items():
        probe = path if path.exists() else path.parent
        try:
            dev = probe.stat().st_dev
            usage.setdefault(dev, shutil.disk_usage(probe))
        except OSError:
            continue
        seen.setdefault(dev, []).append(name)
    out = []
    for dev, names in seen.items():
        u = usage[dev]
        if u.total and u.free / u.total < DISK_LOW_FRACTION:
            out.append(Alert(_("The disk of %(names)s is filling: %(free).1f GB free of %(total).1f GB",
                               names=", ".join(names), free=u.free / 1e9, total=u.total / 1e9), "warn"))
    return out


def build(config: Config, *, status: Status | None, np_state: str, schedule_problem: str,
          next_event: AiringView | None, uploads_soon: list[UploadStatus], disks: list[Alert]) -> Dashboard:
    state = status.state.value if status is not None else np_state
    words, tone = state_words(state, status is not None, status.live if status is not None else None)
    alerts: list[Alert] = []
    unattended = live_slot_unattended(status)
    if unattended:
        alerts.append(Alert(_("%(show)s is on air, no DJ connected: fallback playing", show=unattended), "bad"))
    if tone == "bad":
        alerts.append(Alert(words, "bad"))
    elif state == "fallback":
        reason = status.now.reason if status is not None and status.now is not None else ""
        alerts.append(Alert(_("Fallback playing") + (f": {reason}" if reason else ""), "warn"))
    elif state == "paused":
        alerts.append(Alert(words, "warn"))
    errors = status.errors if status is not None else ()
    silence = [e for e in errors if e.kind in SILENCE_KINDS]
    if silence:
        alerts.append(Alert(_("Silence on air at %(when)s: %(detail)s", when=_clock(silence[-1].at, config, DAY_TIME)
                              or silence[-1].at, detail=silence[-1].detail), "bad"))
    for problem in filter(None, {schedule_problem, status.schedule_error if status else ""}):
        alerts.append(Alert(_("The schedule files have errors: %(problem)s", problem=problem.splitlines()[0]),
                            "bad", "grid.index", _("Open the grid")))
    for u in uploads_soon:
        if u.state in ("missing", "too-long"):
            alerts.append(Alert(_("%(show)s, %(day)s %(time)s: %(words)s", show=u.airing.title, day=u.airing.day,
                                  time=u.airing.time, words=u.words), "warn"))
    if status is not None and status.library_alert:
        alerts.append(Alert(_("Media folders left alone by the last scan: %(what)s", what=status.library_alert),
                            "warn", "library.index", _("Open the library")))
    for stopped in status.alerts if status is not None else ():
        alerts.append(Alert(_("Stopped, the air goes on: %(what)s", what=stopped), "bad"))
    alerts.extend(disks)
    lines = tuple(ErrorLine(_clock(e.at, config, DAY_TIME) or e.at, e.kind, e.detail) for e in errors[-5:])
    live = live_words(status.live) if status is not None and status.live is not None else ""
    return Dashboard(words, tone, _parts(config, status), tuple(alerts), next_event, lines,
                     on_air_words(status, config), live)


DAY_TIME = "%a %d %b %H:%M:%S"


def _clock(instant: str | None, config: Config, fmt: str = "") -> str:
    """An ISO instant from the daemon in the station's local time, in the page's language: hours to
    seconds, or with the day for ``DAY_TIME`` ('' when there is none)."""
    try:
        moment = datetime.fromisoformat((instant or "").replace("Z", "+00:00")).astimezone(config.zone)
    except ValueError:
        return ""
    return i18n.short(moment, seconds=True) if fmt == DAY_TIME else i18n.hms(moment)


def on_air_words(status: Status | None, config: Config) -> str:
    """'Tone – Title: rotation, feature; started 10:00:00, ends 10:03:00' from the daemon's snapshot."""
    if status is None or status.now is None:
        return ""
    item, now = status.now.item, status.now
    words = _("%(artist)s – %(title)s: %(source)s, %(usage)s", artist=item.artist or "?", title=item.title or "?",
              source=words_for.source(item.source) if item.source else "?",
              usage=words_for.usage(item.usage) if item.usage else "?")
    start, end = _clock(now.started_at, config), _clock(now.expected_end, config)
    if start:
        words += "; " + _("started %(start)s", start=start)
    if end:
        words += ", " + _("ends %(end)s", end=end)
    return words
