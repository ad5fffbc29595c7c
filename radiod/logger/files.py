"""Hour files in the logger's folder and the sidecar beside each that says exactly when it starts.

A file is named by the UTC instant of its first frame (``air-2026-12-03T140000Z.opus``); its
sidecar (``….opus.json``) keeps that instant to the microsecond, and, once the file is closed, its
frame count, length and SHA-256. The sidecar is what extraction and the hash chain read: the name
is for people.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import os
import subprocess
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from radiod.playout.output import CHANNELS, RATE
from radiod.playout.recording import stamp
from radiod.private import FILE_MODE

log = logging.getLogger(__name__)

PREFIX = "air-"
SIDECAR = ".json"
EXTENSIONS = {"opus": ".opus", "mp3": ".mp3", "flac": ".flac"}
DAY_MS = 86_400_000


Anchor = tuple[int, int]           # (frame of the file, epoch microseconds it was heard)


@dataclass(frozen=True)
class HourFile:
    """One recording: where it is, when its frames were heard, and (once closed) what it holds.

    ``anchors`` is the file's time map: a frame every few seconds with the instant it was heard,
    by the air's heard times. Between anchors a frame's instant is interpolated, so an output
    running some ppm off the system clock maps right to the end of the hour; with no anchor
    beyond the first the frames follow the nominal rate from ``start_us``."""

    name: str
    start_us: int                 # epoch microseconds of the first frame, by the air's heard times
    format: str
    frames: int | None = None     # None while the file is being written
    bytes: int | None = None
    sha256: str | None = None
    anchors: tuple[Anchor, ...] = ()

    @property
    def closed(self) -> bool:
        return self.frames is not None

    def _map(self) -> tuple[Anchor, ...]:
        return self.anchors or ((0, self.start_us),)

    def instant_us(self, frame: float) -> float:
        """When a frame of this file was heard (epoch µs), from the time map (beyond its ends:
        the nominal rate)."""
        points = self._map()
        if len(points) == 1 or frame <= points[0][0] or frame >= points[-1][0]:
            f0, t0 = points[0] if frame <= points[0][0] else points[-1]
            return t0 + (frame - f0) * 1_000_000 / RATE
        i = bisect.bisect_right([p[0] for p in points], frame) - 1
        (f0, t0), (f1, t1) = points[i], points[i + 1]
        return t0 + (frame - f0) * (t1 - t0) / (f1 - f0)

    def frame_at(self, instant_us: float) -> float:
        """The (fractional) frame of this file heard at an instant: the time map inverted."""
        points = self._map()
        if len(points) == 1 or instant_us <= points[0][1] or instant_us >= points[-1][1]:
            f0, t0 = points[0] if instant_us <= points[0][1] else points[-1]
            return f0 + (instant_us - t0) * RATE / 1_000_000
        i = bisect.bisect_right([p[1] for p in points], instant_us) - 1
        (f0, t0), (f1, t1) = points[i], points[i + 1]
        return f0 + (instant_us - t0) * (f1 - f0) / (t1 - t0)

    @property
    def end_us(self) -> int | None:
        return None if self.frames is None else round(self.instant_us(self.frames))

    def closed_with(self, frames: int, folder: Path) -> "HourFile":
        """This file once written: its frame count, length and SHA-256 read from the disk."""
        size, digest = file_digest(folder / self.name)
        return replace(self, frames=frames, bytes=size, sha256=digest)


def file_name(start_us: int, fmt: str, folder: Path) -> str:
    """A new file's name (a second file starting within the same second gets a suffix)."""
    base = f"{PREFIX}{stamp(start_us // 1000)}"
    name, n = f"{base}{EXTENSIONS[fmt]}", 0
    while (folder / name).exists():
        n += 1
        name = f"{base}-{n}{EXTENSIONS[fmt]}"
    return name


def file_digest(path: Path) -> tuple[int, str]:
    """Length and SHA-256 (hex) of a file."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def write_sidecar(folder: Path, entry: HourFile) -> None:
    """Write (or replace) a file's sidecar atomically: a reader sees the old one or the new one."""
    path = folder / (entry.name + SIDECAR)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE)
    try:
        data = json.dumps(asdict(entry), sort_keys=True).encode()
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    os.replace(tmp, path)


def hour_files(folder: Path) -> list[HourFile]:
    """Every recording in the folder with a readable sidecar, oldest first (a bad sidecar is one
    warning naming it, and is left out)."""
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return []
    found = []
    for name in names:
        if not (name.startswith(PREFIX) and name.endswith(SIDECAR)):
            continue
        try:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
            found.append(HourFile(name=str(data["name"]), start_us=int(data["start_us"]), format=str(data["format"]),
                                  frames=_int(data.get("frames")), bytes=_int(data.get("bytes")),
                                  sha256=None if data.get("sha256") is None else str(data["sha256"]),
                                  anchors=anchors_from(data.get("anchors") or [])))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("logger: %s: not a recording's sidecar (%s); left out", folder / name, exc)
    found.sort(key=lambda f: (f.start_us, f.name))
    return found


def anchors_from(value: object) -> tuple[Anchor, ...]:
    """A time map back from its JSON form (a list of [frame, instant] pairs, frames increasing)."""
    if not isinstance(value, list):
        raise ValueError("anchors: expected a list")
    points = []
    for pair in value:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, int) for v in pair)):
            raise ValueError(f"anchors: expected [frame, instant] pairs, got {pair!r}")
        points.append((pair[0], pair[1]))
    if any(b[0] <= a[0] or b[1] <= a[1] for a, b in zip(points, points[1:])):
        raise ValueError("anchors: frames and instants must increase")
    return tuple(points)


def _int(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {value!r}")
    return value


def expires_us(entry: HourFile, keep_days: int) -> int | None:
    """When a closed file may go: ``keep_days`` after its last frame (None while it is open)."""
    end = entry.end_us
    return None if end is None else end + keep_days * DAY_MS * 1000


def expire(folder: Path, keep_days: int, now_ms: int) -> list[str]:
    """Delete closed files (and their sidecars) kept their full period; never one before. Returns
    the names deleted."""
    gone = []
    for entry in hour_files(folder):
        due = expires_us(entry, keep_days)
        if due is None or now_ms * 1000 < due:
            continue
        try:
            (folder / entry.name).unlink(missing_ok=True)
            (folder / (entry.name + SIDECAR)).unlink(missing_ok=True)
        except OSError as exc:
            log.error("logger: %s could not be deleted: %s", folder / entry.name, exc.strerror or exc)
            continue
        gone.append(entry.name)
    if gone:
        log.info("logger: deleted %d hour file(s) kept %d days: %s%s", len(gone), keep_days, gone[0],
                 f" … {gone[-1]}" if len(gone) > 1 else "")
    return gone


def decoded_frames(path: Path, ffmpeg: str = "ffmpeg") -> int:
    """How many frames a file decodes to (at RATE), counted by decoding it."""
    process = subprocess.Popen([ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error", "-i", str(path),
                                "-f", "s16le", "-ar", str(RATE), "-ac", str(CHANNELS), "pipe:1"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    total = 0
    while chunk := process.stdout.read(1 << 20):
        total += len(chunk)
    process.wait()
    return total // (2 * CHANNELS)


def recover(folder: Path, left_open: list[HourFile], ffmpeg: str = "ffmpeg") -> list[HourFile]:
    """Close the files an earlier run left open (a crash, a power cut, a full disk): their frame
    count from decoding what was written, then length and digest. Returns them, closed."""
    closed = []
    for entry in left_open:
        path = folder / entry.name
        try:
            done = entry.closed_with(decoded_frames(path, ffmpeg) if path.exists() else 0, folder)
            if done.frames == 0:
                path.unlink(missing_ok=True)
                (folder / (entry.name + SIDECAR)).unlink()
                continue
            write_sidecar(folder, done)
        except OSError as exc:
            log.error("logger: %s, left open by an earlier run, cannot be closed: %s", path, exc.strerror or exc)
            continue
        log.warning("logger: %s was left open by an earlier run; closed at %.3f s", entry.name,
                    (done.frames or 0) / RATE)
        closed.append(done)
    return closed
