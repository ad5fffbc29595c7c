"""LiquidsoapPlayer: the Player port over a supervised Liquidsoap process.

How the port maps onto Liquidsoap:
- ``prepare`` queues the cue (a missing file fails at once); ``start`` releases it. The script
  pulls released items in order through the bridge client (``next``), so Liquidsoap plays them
  back to back, gapless. An item started at a future instant while nothing plays is handed out
  a little early and held back by the script until that instant.
- 'started' comes from the ``PLAYLOG`` line Liquidsoap prints when the item's first frame is
  produced (stamped with Liquidsoap's clock); 'ended' when the next item starts, automation
  falls idle, or a live DJ takes over.
- ``stop`` writes the handle and the instant its fade ends into the control file; the script
  ramps the volume down to that instant and skips the item. An item Liquidsoap already queued
  but not started is skipped the moment it starts.
- An item Liquidsoap drops (it cannot decode it) is noticed when it asks for another item
  instead; it is handed out once more, then reported 'failed'.
- If Liquidsoap dies, the item on air is 'failed' and the supervisor restarts it with backoff.
- Live: harbor logins are checked by ``HarborAuth``; switches to and from live and the DJ's
  metadata are reported to ``on_live`` as ``LiveEvent``s (``LiveLog`` turns them into plays).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from radiod.bridge.archive import archive_dir, prune
from radiod.bridge.harbor import HarborAuth, HarborDecision
from radiod.bridge.live import LiveEvent, LiveListener, parse_metadata, song_of
from radiod.bridge.process import Supervisor
from radiod.bridge.render import ScriptOptions, render
from radiod.clock import Clock, to_ms
from radiod.config import Config
from radiod.errors import BridgeError, MediaError, PlayerError
from radiod.library.tags import detect_format
from radiod.playout.port import Cue, Listener, PlayerEvent

if TYPE_CHECKING:
    from radiod.bridge.server import BridgeServer

log = logging.getLogger(__name__)

NEXT_WAIT_MS = 2000        # how long a 'next' request waits for an item before answering empty
HANDOUT_LEAD_MS = 1500     # from silence, an item due at an instant is handed out this early and
                           # held back by the script until the instant (time to probe the file)
DECODE_GRACE_MS = 300      # a handed-out item not started by the following 'next' had this long
MAX_HANDOUTS = 2           # an item Liquidsoap drops this many times fails
MAX_SOCKET_PATH = 100      # AF_UNIX paths are limited to 108 bytes
STARTUP_TIMEOUT_MS = 20_000
ARCHIVE_PRUNE_EVERY_S = 3600
SKIP_LEAD_MS = 40          # one Liquidsoap frame: a skip takes effect at the next frame
MAX_STAMP_LAG_MS = 2_000   # a stamp further back than this is not trusted (clock stepped)


@dataclass
class _Item:
    cue: Cue
    offset_ms: int = 0
    released: bool = False
    at_ms: int | None = None
    handed: bool = False
    handed_ms: int = 0
    handouts: int = 0
    started_ms: int | None = None
    stopping: bool = False
    cancelled: bool = False        # stopped before it started; skip it if Liquidsoap starts it anyway

    @property
    def start_position_ms(self) -> int:
        return self.cue.cue_in_ms + self.offset_ms


def annotate_uri(cue: Cue, offset_ms: int) -> str:
    """The ``annotate:`` request for a cue: handle, cue points, gain and fades as metadata."""
    meta: list[tuple[str, str]] = [("radiod_handle", cue.handle)]
    cue_in = cue.cue_in_ms + offset_ms
    if cue_in > 0:
        meta.append(("liq_cue_in", f"{cue_in / 1000:.3f}"))
    if cue.cue_out_ms is not None:
        meta.append(("liq_cue_out", f"{cue.cue_out_ms / 1000:.3f}"))
    if cue.gain_db:
        meta.append(("liq_amplify", f"{cue.gain_db:.2f} dB"))
    if cue.fade_in_ms:
        meta.append(("liq_fade_in", f"{cue.fade_in_ms / 1000:.3f}"))
    if cue.fade_out_ms:
        meta.append(("liq_fade_out", f"{cue.fade_out_ms / 1000:.3f}"))
    if cue.title:
        meta.append(("title", cue.title))
    if cue.artist:
        meta.append(("artist", cue.artist))

    def quote(value: str) -> str:
        value = re.sub(r"[\r\n]+", " ", value)
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "annotate:" + ",".join(f"{k}={quote(v)}" for k, v in meta) + ":" + cue.path


def resolve_output(config: Config, runtime_dir: Path) -> str:
    """playout.output → the script's output ('pulse:…', 'file:…' or 'none')."""
    out = config.playout.output
    if out.startswith("file:"):
        path = Path(out[5:])
        return f"file:{path if path.is_absolute() else config.station_dir / path}"
    if out.startswith("pulse:"):
        return out
    if out == "none":
        return "none"
    if out == "default":
        return "pulse:"
    # auto: the default sound server when one answers, else a file in the state folder.
    from radiod.playout.output import pulse_info
    return "pulse:" if pulse_info() is not None else f"file:{runtime_dir / 'output.raw'}"


class LiquidsoapPlayer:
    """A Player whose audio engine is a Liquidsoap child process (see the module docstring)."""

    def __init__(self, config: Config, clock: Clock, *, output: str | None = None,
                 harbor: HarborAuth | None = None, on_live: LiveListener | None = None,
                 runtime_dir: Path | None = None, python: str = sys.executable):
        self.config = config
        self.clock = clock
        self.harbor = harbor
        self.on_live = on_live
        self.runtime_dir = Path(runtime_dir or config.paths.state / "liquidsoap")
        self.runtime_dir.mkdir(parents=True, exist_ok=True)
        socket_path = self.runtime_dir / "bridge.sock"
        self._socket_tmp: Path | None = None
        if len(str(socket_path)) > MAX_SOCKET_PATH:
            self._socket_tmp = Path(tempfile.mkdtemp(prefix="radiod-bridge-"))
            socket_path = self._socket_tmp / "bridge.sock"
        self.socket_path = socket_path
        self.control_file = self.runtime_dir / "cut"
        self.script_file = self.runtime_dir / "station.liq"
        self.output = output or resolve_output(config, self.runtime_dir)
        self.options = ScriptOptions(
            client=(python, "-m", "radiod.bridge.client", str(socket_path)),
            control_file=self.control_file, output=self.output,
            log_file=self.runtime_dir / "liquidsoap.log", allow_root=os.geteuid() == 0)
        self._listener: Listener = lambda event: None
        self._cond = threading.Condition()
        self._items: dict[str, _Item] = {}
        self._current: str | None = None
        self._on_air = "idle"
        self._pending_live: HarborDecision | None = None
        self._live: HarborDecision | None = None
        self._last_song: tuple[str, str] | None = None
        self._supervisor: Supervisor | None = None
        self._server: BridgeServer | None = None
        self._closed = False
        self._streaming = threading.Event()     # set once Liquidsoap reports what is on air
        self._pruning_stop = threading.Event()

    # -- the port ---------------------------------------------------------------------------------

    def set_listener(self, listener: Listener) -> None:
        self._listener = listener

    def check_output(self) -> str:
        """Start Liquidsoap and wait until it streams; describe the output.

        A script Liquidsoap rejects makes it exit at once; the error is in the message.
        """
        version = self.version()
        self._ensure_running()
        if not self._streaming.wait(STARTUP_TIMEOUT_MS / 1000):
            tail = list(self._supervisor.tail) if self._supervisor else []
            last = next((ln for ln in reversed(tail) if ln.strip()), "no output")
            self.close()            # no Liquidsoap left running (and restarting) behind the error
            raise PlayerError(f"Liquidsoap did not start streaming within {STARTUP_TIMEOUT_MS} ms: {last} "
                              f"(see {self.options.log_file})")
        return f"Liquidsoap {version} → {self.output}"

    def version(self) -> str:
        try:
            done = subprocess.run([self.config.liquidsoap.binary, "--version"], capture_output=True,
                                  text=True, timeout=10, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PlayerError(f"liquidsoap.binary: cannot run {self.config.liquidsoap.binary}: {exc}") from None
        first = done.stdout.splitlines()[0] if done.stdout else ""
        return first.removeprefix("Liquidsoap ").strip() or "unknown version"

    def prepare(self, cue: Cue) -> None:
        if not cue.path:
            self._emit(PlayerEvent("failed", cue.handle, self.clock.monotonic_ms(),
                                   detail="no file to play (a live slot is aired by the DJ through the harbor)"))
            return
        if not os.path.isfile(cue.path):
            self._emit(PlayerEvent("failed", cue.handle, self.clock.monotonic_ms(),
                                   detail=f"{cue.path}: no such file"))
            return
        try:
            # Liquidsoap probes what it is given (a playlist behind an ID3 tag would play another
            # file): only content radiod recognises as audio is handed over, checked again here
            # because the file may have changed since it was scanned.
            detect_format(cue.path)
        except MediaError as exc:
            self._emit(PlayerEvent("failed", cue.handle, self.clock.monotonic_ms(), detail=f"{cue.path}: {exc}"))
            return
        self._ensure_running()
        with self._cond:
            self._items[cue.handle] = _Item(cue)
        self._emit(PlayerEvent("ready", cue.handle, self.clock.monotonic_ms(), position_ms=cue.cue_in_ms))

    def start(self, handle: str, at_ms: int | None = None, offset_ms: int = 0) -> None:
        with self._cond:
            item = self._items.get(handle)
            if item is None or item.released:
                return          # unknown (already failed or stopped) or started twice
            item.released, item.at_ms = True, at_ms
            if not item.handed:
                item.offset_ms = offset_ms
            self._cond.notify_all()

    def stop(self, handle: str, fade_ms: int = 0) -> None:
        now = self.clock.monotonic_ms()
        with self._cond:
            item = self._items.get(handle)
            if item is None:
                if handle == self._current:
                    self._write_cut(handle, fade_ms)
                return
            if item.started_ms is None:
                # Not on air yet: forget it (and skip it if Liquidsoap already queued it).
                if item.handed:
                    item.cancelled = True
                else:
                    del self._items[handle]
                event = PlayerEvent("ended", handle, now, position_ms=item.start_position_ms,
                                    reason="stopped")
            else:
                item.stopping = True
                self._write_cut(handle, fade_ms)
                return      # 'ended' follows when Liquidsoap moves on
        self._emit(event)

    def position_ms(self, handle: str) -> int | None:
        with self._cond:
            item = self._items.get(handle)
            if item is None or item.started_ms is None or handle != self._current:
                return None
            pos = item.start_position_ms + self.clock.monotonic_ms() - item.started_ms
            if item.cue.cue_out_ms is not None:
                pos = min(pos, item.cue.cue_out_ms)
            return pos

    def close(self) -> None:
        self._pruning_stop.set()
        with self._cond:
            self._closed = True
            self._items.clear()
            self._current = None
            self._cond.notify_all()
        if self._supervisor is not None:
            self._supervisor.stop()
            self._supervisor = None
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._socket_tmp is not None:
            shutil.rmtree(self._socket_tmp, ignore_errors=True)
            self._socket_tmp = None

    # -- live state, for the daemon and tests -----------------------------------------------------

    @property
    def on_air(self) -> str:
        """'auto', 'live' or 'idle' (as last reported by Liquidsoap)."""
        return self._on_air

    @property
    def pid(self) -> int | None:
        return self._supervisor.pid if self._supervisor else None

    # -- process and script -----------------------------------------------------------------------

    def script(self) -> str:
        return render(self.config, self.options)

    def _write_script(self) -> None:
        self.script_file.write_text(self.script(), encoding="utf-8")
        os.chmod(self.script_file, 0o600)      # it holds the Icecast password

    def _ensure_running(self) -> None:
        if self._supervisor is not None or self._closed:
            return
        from radiod.bridge.server import BridgeServer
        self._write_script()
        self.control_file.write_text("")
        self._server = BridgeServer(self.socket_path, self._serve)
        self._supervisor = Supervisor([self.config.liquidsoap.binary, str(self.script_file)],
                                      self._on_line, on_exit=self._on_exit, clock=self.clock,
                                      name="liquidsoap")
        try:
            self._supervisor.start()
        except BridgeError as exc:
            self._supervisor = None
            raise PlayerError(str(exc)) from None
        if self.config.liquidsoap.archive:
            threading.Thread(target=self._prune_archive, name="archive-prune", daemon=True).start()

    def _prune_archive(self) -> None:
        """Delete archive files past ``liquidsoap.archive_days``, now and every hour."""
        directory = archive_dir(self.config.paths.state)
        while True:
            local_now = self.clock.now().astimezone().replace(tzinfo=None)   # files are named in local time
            for path in prune(directory, self.config.liquidsoap.archive_days, local_now):
                log.info("archive: deleted %s", path.name)
            if self._pruning_stop.wait(ARCHIVE_PRUNE_EVERY_S):
                return

    def _write_cut(self, handle: str, fade_ms: int = 0) -> None:
        """Ask the script to cut ``handle``: faded out until now + fade_ms (epoch seconds), or at once."""
        # The next item starts a frame after the skip: end the fade (and skip) that much early.
        end = (to_ms(self.clock.now()) + fade_ms - SKIP_LEAD_MS) / 1000 if fade_ms > SKIP_LEAD_MS else 0.0
        tmp = self.control_file.with_suffix(".tmp")
        tmp.write_text(f"{handle} {end:.3f}")
        tmp.replace(self.control_file)

    # -- requests from the script (bridge server threads) -----------------------------------------

    def _serve(self, request: dict) -> str:
        cmd = request.get("cmd")
        if cmd == "next":
            return self._next_uri()
        if cmd == "auth":
            return self._auth(str(request.get("user", "")), str(request.get("password", "")),
                              str(request.get("address", "")))
        return ""

    def _next_uri(self) -> str:
        deadline = self.clock.monotonic_ms() + NEXT_WAIT_MS
        failed: list[_Item] = []
        with self._cond:
            # Liquidsoap asks again once what it was given is on air — or was dropped: it could
            # not be decoded, or Liquidsoap let its queue go while starting up. Such an item is
            # handed out once more, and fails the second time.
            lost = [i for i in self._items.values() if i.handed and i.started_ms is None]
            if lost:
                self._cond.wait_for(lambda: all(i.started_ms is not None for i in lost) or self._closed,
                                    DECODE_GRACE_MS / 1000)
                for i in lost:
                    if i.started_ms is not None or self._items.get(i.cue.handle) is not i:
                        continue
                    if i.cancelled or i.handouts >= MAX_HANDOUTS:
                        del self._items[i.cue.handle]
                        if not i.cancelled:
                            failed.append(i)
                    else:
                        i.handed = False
            reply = ""
            while not self._closed:
                now = self.clock.monotonic_ms()
                item, wait_ms = self._due(now)
                if item is not None:
                    item.handed, item.handed_ms = True, now
                    item.handouts += 1
                    release = 0.0
                    if item.at_ms is not None and not self._busy():
                        release = (self.clock.now().timestamp() * 1000 + item.at_ms - now) / 1000
                    reply = f"{annotate_uri(item.cue, item.offset_ms)}\n{release:.3f}"
                    break
                if now >= deadline:
                    break
                self._cond.wait(min(deadline - now, wait_ms) / 1000)
        for i in failed:
            self._emit(PlayerEvent("failed", i.cue.handle, self.clock.monotonic_ms(),
                                   detail=f"{i.cue.path}: Liquidsoap could not decode it"))
        return reply

    def _busy(self) -> bool:
        """Automation is on air: whatever is handed out follows it, gapless."""
        return self._current is not None and self._on_air == "auto"

    def _due(self, now: int) -> tuple[_Item | None, int]:
        """The next item to hand out, or how long to wait before looking again."""
        if self._on_air == "live":
            return None, NEXT_WAIT_MS        # nothing is queued behind a live DJ
        for item in self._items.values():
            if item.handed:
                continue
            if not item.released:
                return None, NEXT_WAIT_MS
            if item.at_ms is None or self._busy() or item.at_ms - now <= HANDOUT_LEAD_MS:
                return item, 0
            return None, item.at_ms - HANDOUT_LEAD_MS - now
        return None, NEXT_WAIT_MS

    def _auth(self, user: str, password: str, address: str) -> str:
        if self.harbor is None:
            return "no live broadcasting is not set up"
        decision = self.harbor.check(user, password, address)
        log.info("harbor login %s from %s: %s", user, address, "accepted" if decision.ok else decision.reason)
        if decision.ok:
            with self._cond:
                self._pending_live = decision
        return decision.reply()

    # -- Liquidsoap's output (reader thread) ------------------------------------------------------

    def _on_line(self, line: str) -> None:
        word, _, payload = line.partition(" ")
        now = self.clock.monotonic_ms()
        if word == "PLAYLOG":
            stamp, _, meta = payload.partition(" ")
            self._on_track(parse_metadata(meta), self._event_ms(stamp, now))
        elif word == "SWITCH":
            to, _, stamp = payload.strip().partition(" ")
            self._on_switch(to, self._event_ms(stamp, now))
            self._streaming.set()
        elif word == "STREAMING":
            self._streaming.set()
        elif word == "LIVEMETA":
            live_meta = parse_metadata(payload)
            song = song_of(live_meta)
            if song == self._last_song:
                return          # the same song again (a replay, or a repeated update): one play
            self._last_song = song
            live = self._live
            self._emit_live(LiveEvent("metadata", now, dj=live.user if live else "", show=live.show if live else "",
                                      title=song[0], artist=song[1], metadata=live_meta))
        elif word == "LIVEEND":
            log.info("live DJ disconnected: %s", payload)
        elif line.strip():
            log.debug("liquidsoap: %s", line)

    def _event_ms(self, stamp: str, read_ms: int) -> int:
        """Liquidsoap's epoch-seconds stamp as a monotonic instant (never after the line was read)."""
        try:
            epoch_ms = round(float(stamp) * 1000)
        except ValueError:
            return read_ms
        lag = to_ms(self.clock.now()) - epoch_ms
        return read_ms - max(0, min(lag, MAX_STAMP_LAG_MS))

    def _on_track(self, meta: dict[str, str], now: int) -> None:
        handle = meta.get("radiod_handle")
        if not handle:
            return                  # a cue-out remainder or a track radiod did not hand out
        events = []
        with self._cond:
            events += self._end_current(now)
            item = self._items.get(handle)
            if item is None or item.cancelled or item.started_ms is not None:
                # Stopped before it started, or a second copy of an item handed out twice: skip it.
                if item is None or item.cancelled:
                    self._items.pop(handle, None)
                self._write_cut(handle)
            else:
                item.started_ms = now
                self._current = handle
                events.append(PlayerEvent("started", handle, now, position_ms=item.start_position_ms))
            self._cond.notify_all()
        for e in events:
            self._emit(e)

    def _end_current(self, now: int, reason: Literal["end", "stopped"] | None = None, detail: str = "") -> list[PlayerEvent]:
        """Close the item on air (caller holds the lock)."""
        handle, self._current = self._current, None
        item = self._items.pop(handle, None) if handle else None
        if handle is None or item is None or item.started_ms is None:
            return []
        played = max(0, now - item.started_ms)
        why = reason or ("stopped" if item.stopping else "end")
        return [PlayerEvent("ended", handle, now, position_ms=item.start_position_ms + played,
                            played_ms=played, reason=why, detail=detail)]

    def _on_switch(self, to: str, now: int) -> None:
        events: list[PlayerEvent] = []
        live_events: list[LiveEvent] = []
        with self._cond:
            was = self._on_air
            self._on_air = to
            if to in ("live", "idle"):
                events += self._end_current(now, "stopped" if to == "live" else None,
                                            "a live DJ took over" if to == "live" else "")
            if was == "live" and to != "live":
                live = self._live
                self._live = None
                live_events.append(LiveEvent("end", now, dj=live.user if live else "",
                                             show=live.show if live else ""))
            if to == "live":
                self._live, self._pending_live = self._pending_live, None
                live = self._live
                live_events.append(LiveEvent("start", now, dj=live.user if live else "",
                                             show=live.show if live else ""))
            self._cond.notify_all()
        # Live news first: whoever pauses automation for a DJ hears of it before the cut item ends.
        for le in live_events:
            self._emit_live(le)
        for e in events:
            self._emit(e)

    def _on_exit(self, code: int, tail: str) -> None:
        """Liquidsoap died: what was on air failed; queued items are handed out again after restart."""
        now = self.clock.monotonic_ms()
        last = next((line for line in reversed(tail.splitlines()) if line.strip()), "")
        detail = f"Liquidsoap exited with code {code}" + (f": {last}" if last else "")
        log.warning("%s (see %s)", detail, self.options.log_file)
        events = []
        with self._cond:
            handle, self._current = self._current, None
            self._on_air = "idle"
            self._streaming.clear()
            item = self._items.pop(handle, None) if handle else None
            if handle is not None and item is not None and item.started_ms is not None:
                events.append(PlayerEvent("failed", handle, now, played_ms=max(0, now - item.started_ms),
                                          detail=detail))
            for i in self._items.values():
                i.handed = False
            self._cond.notify_all()
        for e in events:
            self._emit(e)

    def _emit(self, event: PlayerEvent) -> None:
        self._listener(event)

    def _emit_live(self, event: LiveEvent) -> None:
        if self.on_live is not None:
            self.on_live(event)


def check_script(binary: str, script: Path) -> str:
    """Run ``liquidsoap --check``; '' when the script is sound, else its first error lines."""
    try:
        done = subprocess.run([binary, "--check", str(script)], capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run {binary} --check: {exc}"
    if done.returncode == 0:
        return ""
    lines = [ln for ln in (done.stdout + done.stderr).splitlines() if ln.strip()]
    return " / ".join(lines[-4:]) or f"liquidsoap --check exited with code {done.returncode}"
