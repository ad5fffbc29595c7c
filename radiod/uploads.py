"""DJs' pre-recorded shows: resumable uploads streamed to disk, checked, then filed under the show.

An upload is created with its name and size, then receives its bytes in one or more pieces, each
written at the offset the server reports (so a cut connection resumes where it stopped). The
bytes go into ``<state>/uploads-partial/<id>.part`` — outside the uploads folder, so nothing half
received is ever scanned or aired. When the last byte arrives the file is checked (audio type by
content, duration, loudness) and either moved into ``<uploads>/<show-id>/`` or deleted. Partial
uploads left alone for a day are swept away.

Storage is bounded (``Quota``): per DJ, in total, and by a free-space floor on the disks the bytes
land on. An upload in progress reserves its announced size, so the checks at creation hold for the
whole transfer; the floor is checked again for every piece written, and an upload that reaches it
is removed (one DJ never fills the station's disk).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from radiod.errors import MediaError, RadiodError

PIECE = 64 * 1024                         # read/write unit: memory stays flat whatever the size
PARTIAL_TTL_MS = 24 * 3600 * 1000
MAX_NAME = 100                            # characters kept of an uploaded file name
EXTENSIONS = {"mp3": ".mp3", "aac": ".aac", "flac": ".flac", "ogg": ".ogg", "opus": ".opus",
              "oggflac": ".oga", "m4a": ".m4a", "wav": ".wav", "aiff": ".aiff"}
_ID = re.compile(r"[0-9a-f]{32}")


class UploadError(RadiodError):
    """An upload refused or failed; the message is one line for the DJ."""


@dataclass(frozen=True)
class Quota:
    """Storage bounds for uploads, in bytes (0 = no bound of that kind)."""

    per_dj: int = 0
    total: int = 0
    min_free: int = 0


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f}".removesuffix(".0") + " MB"


def sanitise_name(name: str) -> str:
    """A safe file name from whatever the browser sent: no folders, no control characters, no
    leading dots, only letters, digits, '.', '-', '_' and spaces, at most MAX_NAME characters."""
    name = name.replace("\x00", "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^A-Za-z0-9._ -]+", "_", name).strip(" ._-")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext[:10]
    stem = stem[:MAX_NAME - len(ext) - 1].rstrip(" ._-") or "upload"
    return f"{stem}.{ext}" if ext else stem


def fmt_ms(ms: int) -> str:
    """1:02:03 or 2:03 — how durations are shown to DJs."""
    s = round(ms / 1000)
    h, m, s = s // 3600, s // 60 % 60, s % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@dataclass
class Partial:
    """One upload in progress (its sidecar JSON plus the bytes received so far)."""

    id: str
    show: str
    user: str
    name: str                  # sanitised
    size: int                  # announced total
    created_ms: int
    folder: Path

    @property
    def path(self) -> Path:
        return self.folder / f"{self.id}.part"

    @property
    def offset(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def remove(self) -> None:
        for p in (self.path, self.folder / f"{self.id}.json"):
            p.unlink(missing_ok=True)


@dataclass
class Checked:
    """What the checks found in a completed file."""

    name: str
    format: str
    length_ms: int
    loudness_lufs: float | None
    messages: list[str] = field(default_factory=list)


class Uploads:
    """Partial uploads in ``partial_dir``, finished files in ``uploads_dir/<show>/``."""

    def __init__(self, uploads_dir: Path, partial_dir: Path, *, limit_bytes: int, quota: Quota = Quota()):
        self.uploads_dir = uploads_dir
        self.partial_dir = partial_dir
        self.limit_bytes = limit_bytes
        self.quota = quota

    @property
    def _owners_file(self) -> Path:
        return self.partial_dir.parent / "upload-owners.json"     # "<show>/<file>" -> the DJ who filed it

    def _owners(self) -> dict[str, str]:
        try:
            data = json.loads(self._owners_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _record_owner(self, target: Path, user: str) -> None:
        """Remember who filed ``target`` (locked: several panel processes finish uploads)."""
        self.partial_dir.mkdir(parents=True, exist_ok=True)
        with open(self.partial_dir.parent / "upload-owners.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            owners = {k: v for k, v in self._owners().items() if (self.uploads_dir / k).is_file()}
            owners[f"{target.parent.name}/{target.name}"] = user
            tmp = self._owners_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(owners), encoding="utf-8")
            os.replace(tmp, self._owners_file)

    def _in_progress(self) -> list[Partial]:
        if not self.partial_dir.is_dir():
            return []
        return [p for p in (self.get(m.stem) for m in self.partial_dir.glob("*.json")) if p is not None]

    def used(self, user: str | None = None) -> int:
        """Bytes held by uploads (one DJ's when ``user`` is given): filed files plus the announced
        size of each upload in progress."""
        reserved = sum(p.size for p in self._in_progress() if user is None or p.user.lower() == user.lower())
        if user is None:
            filed = sum(f.stat().st_size for f in self.uploads_dir.rglob("*") if f.is_file()) \
                if self.uploads_dir.is_dir() else 0
        else:
            filed = 0
            for rel, owner in self._owners().items():
                if owner.lower() == user.lower():
                    try:
                        filed += (self.uploads_dir / rel).stat().st_size
                    except OSError:
                        pass
        return filed + reserved

    def free_bytes(self) -> int:
        """Free space on the emptier-looking of the two disks an upload is written to (the least)."""
        free = []
        for folder in (self.partial_dir, self.uploads_dir):
            probe = folder
            while not probe.exists() and probe != probe.parent:
                probe = probe.parent
            st = os.statvfs(probe)
            free.append(st.f_bavail * st.f_frsize)
        return min(free)

    def _check_room(self, name: str, user: str, size: int) -> None:
        q = self.quota
        if q.per_dj:
            mine = self.used(user)
            if mine + size > q.per_dj:
                raise NoRoom(f"{name}: {_mb(size)} would put your uploads at {_mb(mine + size)}, "
                                  f"over your {_mb(q.per_dj)} quota; remove a file first")
        if q.total:
            everyone = self.used()
            if everyone + size > q.total:
                raise NoRoom(f"{name}: {_mb(size)} would put the station's uploads over their "
                                  f"{_mb(q.total)} quota ({_mb(everyone)} used); ask the manager")
        if q.min_free and self.free_bytes() - size < q.min_free:
            raise NoRoom(f"{name}: not enough free disk space for {_mb(size)} (the station keeps "
                              f"{_mb(q.min_free)} free); ask the manager")

    def show_dir(self, show: str) -> Path:
        return self.uploads_dir / show

    def files(self, show: str) -> list[Path]:
        """The show's files in airing order (file-name order, as the planner reads them)."""
        folder = self.show_dir(show)
        if not folder.is_dir():
            return []
        return sorted((p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")),
                      key=lambda p: p.name)

    def create(self, *, show: str, user: str, name: str, size: int, now_ms: int) -> Partial:
        if size <= 0:
            raise UploadError(f"{name or 'upload'}: the file is empty")
        if size > self.limit_bytes:
            raise UploadError(f"{sanitise_name(name)}: {size / 2**20:.0f} MB is over the "
                              f"{self.limit_bytes / 2**20:.0f} MB upload limit")
        self.sweep(now_ms)
        self._check_room(sanitise_name(name), user, size)
        self.partial_dir.mkdir(parents=True, exist_ok=True)
        p = Partial(id=secrets.token_hex(16), show=show, user=user, name=sanitise_name(name), size=size,
                    created_ms=now_ms, folder=self.partial_dir)
        p.path.touch()
        meta = {"show": p.show, "user": p.user, "name": p.name, "size": p.size, "created_ms": p.created_ms}
        (self.partial_dir / f"{p.id}.json").write_text(json.dumps(meta), encoding="utf-8")
        return p

    def get(self, upload_id: str) -> Partial | None:
        if not _ID.fullmatch(upload_id):
            return None
        try:
            meta = json.loads((self.partial_dir / f"{upload_id}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return Partial(id=upload_id, folder=self.partial_dir, **meta)

    def receive(self, p: Partial, offset: int, stream: IO[bytes]) -> int:
        """Append the stream's bytes at ``offset`` (which must be what was received so far);
        returns the new offset. A cut connection keeps what arrived, for a resume; reaching the
        free-space floor (or a full disk) removes the upload and raises UploadError."""
        have = p.offset
        if offset != have:
            raise UploadError(f"{p.name}: expected the piece at byte {have}, got one at {offset}")
        floor = self.quota.min_free
        with open(p.path, "r+b") as f:
            f.seek(have)
            try:
                while have < p.size:
                    piece = stream.read(min(PIECE, p.size - have))
                    if not piece:
                        break
                    if floor and self.free_bytes() - len(piece) < floor:
                        raise NoRoom(f"{p.name}: stopped at {_mb(have)}: the disk is down to the "
                                      f"{_mb(floor)} the station keeps free; the upload was removed")
                    try:
                        f.write(piece)
                        f.flush()         # a full disk shows here, not later at close
                    except OSError as exc:
                        raise NoRoom(f"{p.name}: stopped at {_mb(have)}: cannot write "
                                      f"({exc.strerror or exc}); the upload was removed") from None
                    have += len(piece)
                if have == p.size and stream.read(1):
                    raise UploadError(f"{p.name}: more bytes than the announced {p.size}")
            except NoRoom:
                have = 0
                p.remove()
                raise
            finally:
                try:
                    f.flush()
                    f.truncate(have)      # what was written is exactly what was received
                except OSError:
                    pass
        return have

    def sweep(self, now_ms: int) -> int:
        """Delete partial uploads older than a day; returns how many."""
        if not self.partial_dir.is_dir():
            return 0
        gone = 0
        for meta in self.partial_dir.glob("*.json"):
            p = self.get(meta.stem)
            if p is None or now_ms - p.created_ms > PARTIAL_TTL_MS:
                (p or Partial(meta.stem, "", "", "", 0, 0, self.partial_dir)).remove()
                gone += 1
        return gone

    def finish(self, p: Partial, *, slot_ms: int | None, tolerance_ms: int,
               silence_threshold_db: float) -> Checked:
        """Check a complete upload; file it under the show, or delete it and raise UploadError."""
        try:
            checked = check_file(p.path, p.name, slot_ms=slot_ms, tolerance_ms=tolerance_ms,
                                 others=[f for f in self.files(p.show) if f.stem != Path(p.name).stem],
                                 silence_threshold_db=silence_threshold_db)
        except BaseException:
            p.remove()
            raise
        folder = self.show_dir(p.show)
        folder.mkdir(parents=True, exist_ok=True)
        stem = Path(p.name).stem if Path(p.name).suffix else p.name
        target = folder / (stem + EXTENSIONS.get(checked.format, ".audio"))
        for old in folder.glob(f"{glob_escape(stem)}.*"):     # replacing before air: one file per name
            if old != target and old.stem == stem:
                old.unlink()
        _move(p.path, target)
        p.remove()
        self._record_owner(target, p.user)
        checked.name = target.name
        return checked


class NoRoom(UploadError):
    """No room for an upload: a quota or the free-space floor (the partial file, if any, is gone)."""


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _move(src: Path, dst: Path) -> None:
    """Atomic within one file system; a copy then rename across file systems."""
    try:
        os.replace(src, dst)
    except OSError:
        tmp = dst.with_name(f".{dst.name}.tmp")
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
        src.unlink()


def check_file(path: Path, name: str, *, slot_ms: int | None, tolerance_ms: int, others: list[Path],
               silence_threshold_db: float) -> Checked:
    """Audio type by content, duration against the slot (with the show's other files), loudness.
    Raises UploadError naming the file when it is not audio or makes the show too long.

    The type comes from the bytes (tags.read_tags): what follows an ID3 tag must be real audio
    frames, so a playlist or script dressed as an MP3 is refused here, before ffmpeg sees it.
    """
    from radiod.library.analyze import analyze_file
    from radiod.library.tags import read_tags

    try:
        info = read_tags(path)
    except MediaError as exc:
        raise UploadError(f"{name}: {exc}") from None
    if info.length_ms <= 0:
        raise UploadError(f"{name}: no audio in the file")
    try:
        # ffmpeg reads the file as the format read_tags found in its content, nothing else
        measured = analyze_file(path, silence_threshold_db=silence_threshold_db, fmt=info.format)
        length_ms, loudness = measured.decoded_length_ms or info.length_ms, measured.loudness_lufs
    except MediaError as exc:
        raise UploadError(f"{name}: cannot be decoded ({getattr(exc, 'reason', exc)})") from None
    checked = Checked(name=name, format=info.format, length_ms=length_ms, loudness_lufs=loudness)
    if slot_ms is None:
        checked.messages.append("No airing of this show in the next 7 days to compare the length with.")
        return checked
    total = length_ms + sum(_length(o) for o in others)
    with_others = f" with the show's other {len(others)} file(s)" if others else ""
    if total > slot_ms + tolerance_ms:
        raise UploadError(f"{name}: too long: {fmt_ms(total)}{with_others}, the slot is {fmt_ms(slot_ms)}")
    if total < slot_ms - tolerance_ms:
        checked.messages.append(f"Shorter than the slot: {fmt_ms(total)}{with_others}, the slot is "
                                f"{fmt_ms(slot_ms)}; the rest is filled by the station.")
    return checked


def file_length_ms(path: Path) -> int:
    """An uploaded file's length from its header (0 when unreadable)."""
    return _length(path)


def _length(path: Path) -> int:
    from radiod.library.tags import read_tags
    try:
        return read_tags(path).length_ms
    except MediaError:
        return 0


def total_length_ms(paths: list[Path]) -> int:
    """The summed duration of a show's files, from their tags (0 for a file that cannot be read)."""
    return sum(_length(p) for p in paths)
