"""Live DJs on the default engine: the harbor's Liquidsoap, its logins, the DJ's audio and rows.

- A supervised Liquidsoap (``script``) takes source clients on the harbor; each login is asked of
  radiod through the bridge's Unix socket and decided by ``radiod.bridge.harbor`` (the DJ's own
  live slot ± the grace), so a refusal says why in radiod's log.
- The DJ's PCM comes through a FIFO (``pcm_in``) into the player's live voice. When it starts,
  the engine is told (``LiveOn``: automation fades out as the DJ fades in); when the DJ
  disconnects or their audio stops, ``LiveOff`` (the DJ fades out as automation comes back by
  the clock; in a live slot, its fallback).
- Live play rows (``radiod.bridge.live.LiveLog``) at the instants the mixer says they are heard:
  the DJ's first frame, each metadata update's frame, their last frame.
- The live-log page (``log_song``): a host of the live show names the song on now; it is a
  new row from the frame the DJ's audio is at when the daemon takes the press. Encoder metadata
  and the page both name songs: the last one heard wins, and the same song named again by the
  other (or the same press sent twice) opens no second row.

Liquidsoap's lines, the reader's news and the logins are handled in order on one thread.
"""

from __future__ import annotations

import logging
import os
import queue
from collections import deque
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, runtime_checkable

from radiod.bridge.harbor import HarborAuth, HarborDecision
from radiod.bridge.live import LiveEvent, LiveListener, parse_metadata, song_of
from radiod.bridge.process import Supervisor
from radiod.bridge.server import BridgeServer
from radiod.clock import Clock
from radiod.config import Config
from radiod.live.pcm_in import PcmReader
from radiod.live.script import HarborPaths, render
from radiod.playout.engine import LiveOff, LiveOn, LiveSong
from radiod.playout.live_voice import LiveVoice
from radiod.playout.messages import LiveLogSong
from radiod.private import private_dir

log = logging.getLogger(__name__)

PRESSES_KEPT = 64          # live-log presses remembered, so a retried request logs its song once
HostCheck = Callable[[str, str], bool]     # (user name, show title on air live) → may they log songs?
BEGIN_WAIT_MS = 3000        # longest the start row waits for the mixer to take the DJ's first frame
MAX_SOCKET_PATH = 100       # AF_UNIX paths are limited to 108 bytes


@runtime_checkable
class LivePlayer(Protocol):
    """What the desk needs of the player (``VlcPlayer``)."""

    live: LiveVoice

    def live_heard_ms(self, live_frame: int) -> int | None: ...

    def live_began_ms(self) -> int | None: ...


@dataclass(frozen=True)
class _Line:
    text: str


@dataclass(frozen=True)
class _Audio:
    flowing: bool


class LiveDesk:
    """Runs the live input until ``close()``. ``post`` is the engine's inbox."""

    def __init__(self, config: Config, clock: Clock, player: LivePlayer, post: Callable[[Any], None],
                 on_live: LiveListener, harbor: HarborAuth, *, binary: str, python: str = sys.executable,
                 may_log: HostCheck | None = None):
        self.clock = clock
        self.may_log: HostCheck = may_log or (lambda user, show: False)
        self.player = player
        self.post = post
        self.on_live = on_live
        self.harbor = harbor
        self.dir = private_dir(config.paths.state / "live")
        socket_path = self.dir / "harbor.sock"
        self._socket_tmp: Path | None = None
        if len(str(socket_path)) > MAX_SOCKET_PATH:
            self._socket_tmp = Path(tempfile.mkdtemp(prefix="radiod-live-"))
            socket_path = self._socket_tmp / "harbor.sock"
        self._events: queue.Queue[_Line | _Audio | None] = queue.Queue()
        self._lock = threading.Lock()
        self._login_lock = threading.Lock()
        self._pending: HarborDecision | None = None     # the last accepted login
        self._dj: HarborDecision | None = None          # the DJ connected now
        self._on_air: HarborDecision | None = None      # the DJ whose audio is on air
        self._last_song: tuple[str, str] | None = None
        self._song_lock = threading.Lock()              # encoder metadata and live-log presses, in turn
        self._presses: deque[str] = deque(maxlen=PRESSES_KEPT)
        self.fifo = self.dir / "dj.pcm"
        self.reader = PcmReader(self.fifo, player.live.push, lambda flowing: self._events.put(_Audio(flowing)),
                                clock=clock, reset=player.live.reset)
        self.server = BridgeServer(socket_path, self._request)
        self.script = self.dir / "harbor.liq"
        self.script.write_text(render(config, HarborPaths(
            client=(python, "-m", "radiod.bridge.client", str(socket_path)), fifo=self.fifo,
            log_file=self.dir / "liquidsoap.log", allow_root=os.geteuid() == 0)), encoding="utf-8")
        os.chmod(self.script, 0o600)
        self.address = f"icecast://USER:PASSWORD@HOST:{config.liquidsoap.harbor_port}/{config.liquidsoap.harbor_mount}"
        self.supervisor = Supervisor([binary, str(self.script)], lambda line: self._events.put(_Line(line)),
                                     on_exit=self._exited, clock=clock, name="harbor")
        self._stopping = threading.Event()
        self.closing: list[Callable[[], None]] = []     # run last by close() (the logins' database)
        self._thread = threading.Thread(target=self._run, name="live-desk", daemon=True)

    def start(self) -> None:
        self.reader.start()
        self._thread.start()
        self.supervisor.start()
        log.info("live input on: DJs connect to %s (Liquidsoap pid %s)", self.address, self.supervisor.pid)

    # -- the bridge socket (its own threads) ---------------------------------------------------------

    def _request(self, request: dict[str, Any]) -> str:
        if request.get("cmd") != "auth":
            return ""
        user, address = str(request.get("user", "")), str(request.get("address", ""))
        with self._login_lock:          # one database connection answers every login
            decision = self.harbor.check(user, str(request.get("password", "")), address)
        if decision.ok:
            log.info("harbor: %s from %s accepted for %s", user, address or "?", decision.show)
            with self._lock:
                self._pending = decision
        else:
            log.warning("harbor: %s from %s refused: %s", user, address or "?", decision.reason)
        return decision.reply()

    def _exited(self, code: int, tail: str) -> None:
        last = tail.strip().splitlines()[-1:] or ["no output"]
        log.error("live input: Liquidsoap exited with %d (%s); restarting it, the air plays on", code, last[0])

    # -- the desk's thread ------------------------------------------------------------------------

    def _run(self) -> None:
        while (event := self._events.get()) is not None:
            try:
                if isinstance(event, _Line):
                    self._on_line(event.text)
                else:
                    self._on_audio(event.flowing)
            except Exception:        # one bad event must not end live input
                log.exception("live: handling %s failed", event)

    def _on_line(self, line: str) -> None:
        word, _, payload = line.partition(" ")
        if word == "LIVECONNECT":
            with self._lock:
                self._dj, self._pending = self._pending, None
            self._last_song = None
        elif word == "LIVEDISCONNECT":
            # Automation comes in at once and the DJ fades out under it: what the harbor still
            # holds (harbor_buffer_ms) is faded, not waited for.
            self.reader.disconnected()
            self._end("disconnected")
            self._dj = None
        elif word == "LIVEEND":
            log.info("live: the slot of %s is over; disconnecting them", self._dj.user if self._dj else "the DJ")
        elif word == "LIVEMETA":
            song = song_of(parse_metadata(payload))
            with self._song_lock:
                if self._on_air is None or not any(song) or _same(song, self._last_song):
                    return
                self._last_song = song
                self._emit("metadata", self.player.live.received, title=song[0], artist=song[1],
                           metadata=parse_metadata(payload))
            self.post(LiveSong(*song))
        elif line.strip():
            log.debug("harbor liquidsoap: %s", line)

    def _on_audio(self, flowing: bool) -> None:
        if not flowing:
            self._end("no audio")
            return
        dj = self._dj
        if dj is None or self._on_air is not None:
            return
        self._on_air = dj
        self.post(LiveOn(dj.user, dj.show))
        began = self._began_ms()
        self.on_live(LiveEvent("start", began, dj=dj.user, show=dj.show))

    def _began_ms(self) -> int:
        """When the DJ's first frame is heard, once the mixer has taken it (now, if it does not)."""
        deadline = self.clock.monotonic_ms() + BEGIN_WAIT_MS
        while self.clock.monotonic_ms() < deadline:
            heard = self.player.live_began_ms()
            if heard is not None:
                return heard
            self._stopping.wait(0.01)
        return self.clock.monotonic_ms()

    def _end(self, why: str) -> None:
        with self._song_lock:        # a live-log press in flight finishes its row first
            dj, self._on_air = self._on_air, None
        if dj is None:
            return
        self.post(LiveOff(f"{dj.user}: {why}"))
        at = self.player.live_heard_ms(self.player.live.received)
        self.on_live(LiveEvent("end", at if at is not None else self.clock.monotonic_ms(), dj=dj.user,
                               show=dj.show, detail=why))

    def _emit(self, kind: str, live_frame: int, **fields: Any) -> None:
        dj = self._on_air
        assert dj is not None
        at = self.player.live_heard_ms(live_frame)
        self.on_live(LiveEvent(kind, at if at is not None else self.clock.monotonic_ms(), dj=dj.user,
                               show=dj.show, **fields))

    # -- the live-log page (the control socket's threads) ------------------------------------------

    def take_song(self, song: LiveLogSong, find_track: Callable[[int], Any],
                  credit: Callable[[str], Mapping[str, Any]] | None = None) -> dict[str, Any]:
        """The control command: a library track (``find_track(id)``: a Track or None) or a typed
        song, kept as written; ``credit(artist)`` gives its artist keys and local flag from the
        artist registry, so a local artist a DJ typed counts as local."""
        if not song.track_id:
            return self.log_song(song.user, song.title, song.artist, press=song.press,
                                 snapshot=credit(song.artist) if credit else None)
        track = find_track(song.track_id)
        if track is None:
            return {"ok": False, "error": f"no playable track {song.track_id} in the library"}
        return self.log_song(song.user, track.title, track.artist, press=song.press, track_id=track.id,
                             snapshot=track.snapshot())

    def log_song(self, user: str, title: str, artist: str, *, press: str = "", track_id: int | None = None,
                 snapshot: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A host of the live show says this song is on now: the running row closes and the song's
        opens at the instant the DJ's audio is at now is heard. The reply is the socket's JSON."""
        with self._song_lock:
            dj = self._on_air
            if dj is None:
                return {"ok": False, "error": "no DJ is on air live now"}
            with self._login_lock:          # the logins' database connection, one caller at a time
                allowed = self.may_log(user, dj.show)
            if not allowed:
                log.warning("live log: %s refused: not a host of %s, the show on air live", user, dj.show)
                return {"ok": False, "error": f"{user} is not a host of {dj.show}, the show on air live"}
            song = (title, artist)
            if press and press in self._presses:
                return {"ok": True, "logged": False, "why": "this press was logged already"}
            if _same(song, self._last_song):
                return {"ok": True, "logged": False, "why": "this song is already the one on now"}
            if press:
                self._presses.append(press)
            self._last_song = song
            self._emit("metadata", self.player.live.received, title=title, artist=artist, track_id=track_id,
                       snapshot=dict(snapshot or {}), logged_by=user)
        log.info("live log: %s logged %s – %s%s", user, artist, title, "" if track_id else " (typed)")
        self.post(LiveSong(title, artist))
        return {"ok": True, "logged": True, "show": dj.show}

    def close(self) -> None:
        self._stopping.set()
        self.supervisor.stop()
        self.reader.stop()
        self._events.put(None)
        self._thread.join(timeout=5)
        self._end("radiod stopped")
        self.server.close()
        if self._socket_tmp is not None:
            self._socket_tmp.rmdir()
        for close in self.closing:
            close()


def _same(song: tuple[str, str], other: tuple[str, str] | None) -> bool:
    """The same (title, artist), whoever typed it (case and spacing aside)."""
    if other is None:
        return False
    return all(" ".join(a.split()).casefold() == " ".join(b.split()).casefold() for a, b in zip(song, other))
