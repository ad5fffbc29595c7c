"""A DJ's "go live" details: where their encoder connects (the harbor's host, port and mount), the
login (their own account), the window in which the harbor takes them (their live slot ± the grace,
as ``radiod.bridge.harbor`` decides) and settings to copy into BUTT, Mixxx or ffmpeg.

Built from the configuration and the schedule only; the password is never shown (the DJ types
their own radiod password)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from radiod.accounts import User
from radiod.clock import iso, to_ms
from radiod.config import Config
from radiod.schedule import Airing
from radiod_web import i18n
from radiod_web.i18n import _

PASSWORD_PLACEHOLDER = "YOUR_RADIOD_PASSWORD"


@dataclass(frozen=True)
class Setting:
    """One line of an encoder's settings: the field's name there and what to type."""

    name: str
    value: str
    literal: bool = True         # typed as shown (False: words, like "your radiod password")


@dataclass(frozen=True)
class Encoder:
    name: str
    settings: tuple[Setting, ...]


@dataclass(frozen=True)
class GoLive:
    """The next live airing a DJ may take, and how."""

    show: str
    address: str                 # host:port/mount
    user: str
    opens: str                   # ISO instants (UTC) of the window the harbor accepts them in
    closes: str
    window: str                  # 'Friday 04 December 17:55–19:05' in the station's zone
    close_time: str              # '19:05'
    grace_minutes: int
    open_now: bool
    encoders: tuple[Encoder, ...]
    ffmpeg: str                  # a command line to test the connection
    opens_at: datetime | None = None


def live_input_on(config: Config) -> bool:
    """True when this station takes DJs on a harbor (either engine)."""
    ls = config.liquidsoap
    return bool(ls.harbor_port) and (config.playout.engine == "liquidsoap" or ls.live_input)


def linked_shows(user: User, hosts: dict[str, tuple[str, ...]]) -> set[str]:
    """Shows the harbor takes this account for: its linked shows and those naming it a host."""
    return set(user.shows) | {sid for sid, names in hosts.items() if user.name in names}


def go_live(config: Config, user: User, ahead: Iterable[Airing], now: datetime, host: str) -> GoLive | None:
    """The details for the DJ's next live airing (None when they have none or the station takes
    no live DJs). ``host`` is the panel's host, used when ``harbor_public_host`` is not set."""
    if not live_input_on(config):
        return None
    ls = config.liquidsoap
    grace = timedelta(minutes=ls.live_grace_minutes)
    airings = list(ahead)
    mine = linked_shows(user, {a.show.id: tuple(a.show.hosts) for a in airings})
    live = [a for a in airings if a.show.kind == "live" and a.show.id in mine and a.end + grace > now]
    if not live:
        return None
    airing = min(live, key=lambda a: a.start)
    opens, closes = airing.start - grace, airing.end + grace
    server = ls.harbor_public_host or _host_only(host)
    local_open, local_close = opens.astimezone(config.zone), closes.astimezone(config.zone)
    window = f"{i18n.day(local_open)} {i18n.hm(local_open)}–{i18n.hm(local_close)}"
    port, mount = str(ls.harbor_port), ls.harbor_mount
    password = _("your radiod password")
    encoders = (
        Encoder("BUTT", (Setting(_("Server type"), "Icecast"), Setting(_("Address"), server), Setting(_("Port"), port),
                         Setting(_("Icecast mountpoint"), mount), Setting(_("Icecast user"), user.name),
                         Setting(_("Password"), password, literal=False))),
        Encoder("Mixxx", (Setting(_("Type"), "Icecast 2"), Setting(_("Host"), server), Setting(_("Port"), port),
                          Setting(_("Mount"), "/" + mount), Setting(_("Login"), user.name),
                          Setting(_("Password"), password, literal=False))),
    )
    ffmpeg = (f"ffmpeg -re -i YOUR_FILE.mp3 -c:a libmp3lame -b:a 128k -f mp3 -content_type audio/mpeg "
              f"icecast://{user.name}:{PASSWORD_PLACEHOLDER}@{server}:{port}/{mount}")
    return GoLive(show=airing.show.title, address=f"{server}:{port}/{mount}", user=user.name,
                  opens=iso(to_ms(opens)) or "", closes=iso(to_ms(closes)) or "", window=window,
                  close_time=i18n.hm(local_close),
                  grace_minutes=ls.live_grace_minutes, open_now=opens <= now < closes,
                  encoders=encoders, ffmpeg=ffmpeg, opens_at=opens)


def _host_only(host: str) -> str:
    """'radio.example.org' of 'radio.example.org:8080' (and '[::1]' of '[::1]:8080')."""
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
