"""The library scan: media folders → ``tracks`` and ``track_artists`` rows.

Incremental: a file whose size and mtime match its row is not opened again. New and changed files
are read (tags.read_tags_and_hash) and hashed; a new file whose content matches a row whose file
has gone is a move (the row keeps its id, so plays still refer to it). Files that disappeared are
marked ``missing``, never deleted. Unreadable files become ``error`` rows with a one-line reason and
never abort the scan. Writes go in batched transactions.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, NamedTuple

from radiod.clock import Clock, to_ms
from radiod.config import Config
from radiod.db import transaction
from radiod.errors import MediaError
from radiod.library import store
from radiod.library.artists import artist_key
from radiod.library.tags import AUDIO_SUFFIXES, TagInfo, audio_content, read_tags_and_hash

BATCH = 500                    # files per write transaction
# Threads reading files: hashing and file I/O release the GIL, so they overlap tag parsing.
READERS = min(4, os.cpu_count() or 1)
Progress = Callable[[int, int], None]      # (files read so far, files to read)
MISSING_THRESHOLD_PERCENT = 20.0   # library.missing_threshold_percent's default
MISSING_MINIMUM = 10               # fewer tracks gone from a root than this never need confirming


def content_hasher() -> "hashlib._Hash":
    """The content hash of library files (also the analysis cache key).

    SHA-256 of every byte: OpenSSL's is the fastest full hash in hashlib on CPUs with SHA
    extensions (about twice blake2b here), and hashing is most of a first scan's time.
    """
    return hashlib.sha256()


@dataclass(slots=True)
class FileOutcome:
    """What the scan did with one file."""

    path: str
    change: str                  # 'new' | 'changed' | 'unchanged' | 'moved' | 'missing' | 'skipped'
    status: str                  # 'ok' | 'error' | 'missing' (the row's status afterwards) | 'skipped'
    reason: str = ""             # when status is 'error' or 'skipped'
    track_id: int | None = None
    moved_from: str = ""


@dataclass
class ScanSummary:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    moved: int = 0
    missing: int = 0             # rows under the scanned folders whose file is gone
    errors: list[tuple[str, str]] = field(default_factory=list)          # (path, reason)
    duplicates: list[list[str]] = field(default_factory=list)            # paths with equal content
    skipped: int = 0             # files that are not audio (cover art, playlists, …) and hidden ones
    warnings: list[str] = field(default_factory=list)                    # about the scan itself
    # Media roots whose tracks were not marked missing although their files were not found (the
    # folder vanished, is empty or unreadable, or too much of it went at once): one line each.
    withheld: list[str] = field(default_factory=list)
    files: list[FileOutcome] = field(default_factory=list)
    keep_files: bool = True      # False: no per-file outcomes (a daemon rescan needs only the counts)

    def note(self, outcome: FileOutcome) -> None:
        if self.keep_files:
            self.files.append(outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {"new": self.new, "changed": self.changed, "unchanged": self.unchanged,
                "moved": self.moved, "missing": self.missing, "errors": len(self.errors),
                "duplicates": sum(len(group) - 1 for group in self.duplicates)}

    def line(self) -> str:
        """The one-line summary `radiod scan` prints."""
        c = self.counts
        files = self.new + self.changed + self.unchanged + self.moved
        dup = c["duplicates"]
        return (f"{files} files: {c['new']} new, {c['changed']} changed, {c['unchanged']} unchanged, "
                f"{c['moved']} moved, {c['missing']} missing, {c['errors']} "
                f"{'error' if c['errors'] == 1 else 'errors'}, {dup} {'duplicate' if dup == 1 else 'duplicates'}")


_INFO_COLUMNS = ("format", "codec", "bitrate", "sample_rate", "channels", "length_ms", "title", "artist",
                 "album", "album_artist", "label", "isrc", "composer", "lyricist", "release_date",
                 "year", "language", "genre", "replaygain_track_gain_db", "replaygain_track_peak")
_COLUMNS = ("path", "size", "mtime_ns", "content_hash", "status", "reason", "warnings",
            "missing_since_ms", "local_tag", *_INFO_COLUMNS, "scanned_at_ms")
assert _COLUMNS == store.SCAN_COLUMNS, "the values _values() makes are written in store.SCAN_COLUMNS order"


class _Known(NamedTuple):
    id: int
    size: int
    mtime_ns: int
    status: str
    reason: str | None


@dataclass
class _Read:
    """One file read during this scan, waiting to be written."""

    key: str                     # the path as stored
    size: int
    mtime_ns: int
    known: _Known | None
    info: TagInfo | None
    content_hash: str
    reason: str = ""


def library_roots(config: Config) -> list[Path]:
    """What a scan covers by default: the media folders and the uploads folder (DJs' shows), when it exists."""
    roots = list(config.paths.media)
    if config.paths.uploads.is_dir():
        roots.append(config.paths.uploads)
    return roots


def scan_library(conn: sqlite3.Connection, roots: Iterable[Path | str], *,
                 clock: Clock, progress: Progress | None = None,
                 missing_threshold_percent: float = MISSING_THRESHOLD_PERCENT,
                 confirm_missing: bool = False, keep_files: bool = True) -> ScanSummary:
    """Bring the library tables in line with the audio files under ``roots``.

    Tracks are not marked missing under a root that vanished, is empty where it had tracks,
    could not be listed, or lost more than ``missing_threshold_percent`` of its tracks at once
    (at least MISSING_MINIMUM), unless ``confirm_missing``: an unmounted share is not a deletion.
    ``keep_files=False`` leaves ``summary.files`` empty, so memory does not grow with the library.
    """
    summary = ScanSummary(keep_files=keep_files)
    scan_roots = _normalise_roots(roots, summary)

    known = _load_known(conn, scan_roots)
    seen: set[str] = set()
    unlisted: list[str] = []             # folders that could not be listed: their rows stay
    # (path for I/O, path as stored, size, mtime ns, row): small tuples, not stat results, since
    # a first scan of 200,000 files holds one per file.
    todo: list[tuple[str, str, int, int, _Known | None]] = []
    for real, key, st, by_name in _walk(scan_roots, summary, unlisted):
        row = known.get(key)
        if row is None and not by_name:
            reason = audio_content(real)   # an ending radiod does not know: the content decides
            if reason:
                summary.skipped += 1
                summary.note(FileOutcome(key, "skipped", "skipped", reason))
                continue
        seen.add(key)
        if row and row.size == st.st_size and row.mtime_ns == st.st_mtime_ns and row.status != "missing" \
                and not (row.status == "error" and (row.reason or "").startswith("unsupported format")):
            # (an "unsupported" file is read again: a newer radiod may read its format)
            summary.unchanged += 1
            summary.note(FileOutcome(key, "unchanged", row.status, row.reason or "", row.id))
            if row.status == "error":
                summary.errors.append((key, row.reason or "unreadable"))
        else:
            todo.append((real, key, st.st_size, st.st_mtime_ns, row))
    gone = {key: row for key, row in known.items() if key not in seen and not _under_any(key, unlisted)}

    total = len(todo)
    if progress:
        progress(0, total)
    now_ms = to_ms(clock.now())
    claimed: set[int] = set()            # rows taken over by a move in this scan
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        for start in range(0, total, BATCH):
            # Read the whole batch first: the write lock is then held only for the writes, so
            # playout's play-log rows never wait for file reading.
            batch = list(pool.map(lambda args: _read(*args), todo[start:start + BATCH]))
            with transaction(conn):
                for item in batch:
                    _write(conn, item, now_ms, seen, gone, claimed, summary)
            if progress:
                progress(min(start + BATCH, total), total)

    for root in scan_roots:
        held = _withhold(root, known, gone, claimed, unlisted, missing_threshold_percent, confirm_missing)
        if held:
            summary.withheld.append(held)
            summary.warnings.append(held)
            for key in [k for k in gone if _under_any(k, [root])]:
                del gone[key]
    newly_missing = [row for key, row in gone.items() if row.status != "missing" and row.id not in claimed]
    if newly_missing:
        with transaction(conn):
            store.mark_missing(conn, [row.id for row in newly_missing], now_ms)
    for key, row in sorted(gone.items()):
        if row.id not in claimed:
            summary.missing += 1
            if row.status != "missing":
                summary.note(FileOutcome(key, "missing", "missing", "", row.id))
    summary.duplicates = store.find_duplicates(conn)
    summary.errors.sort()
    return summary


def _under_any(key: str, folders: list[str]) -> bool:
    return any(key.startswith(folder.rstrip(os.sep) + os.sep) for folder in folders)


def _withhold(root: str, known: dict[str, _Known], gone: dict[str, _Known], claimed: set[int],
              unlisted: list[str], threshold: float, confirm: bool) -> str:
    """Why the tracks gone from ``root`` are not marked missing ('' when they are)."""
    present = [k for k, row in known.items() if row.status != "missing" and _under_any(k, [root])]
    lost = [k for k in gone if gone[k].status != "missing" and gone[k].id not in claimed
            and _under_any(k, [root])]
    kept = "its tracks were left as they were"
    if root in unlisted:
        return f"{root}: cannot list the folder (an unmounted or unreadable share?); {kept}"
    if not lost or confirm:
        return ""
    if len(lost) == len(present):
        return (f"{root}: the folder is empty where {len(present)} tracks were (an unmounted share?); "
                f"{kept} (run radiod scan --confirm-missing if they were removed)")
    share = 100 * len(lost) / len(present)
    if share > threshold and len(lost) >= MISSING_MINIMUM:
        return (f"{root}: {len(lost)} of {len(present)} tracks ({share:.0f}%) are gone at once, more than "
                f"library.missing_threshold_percent ({threshold:g}%); {kept} "
                "(run radiod scan --confirm-missing if they were removed)")
    return ""


def _normalise_roots(roots: Iterable[Path | str], summary: ScanSummary) -> list[str]:
    """Absolute, existing folders, none inside another."""
    result: list[str] = []
    for root in sorted({os.path.abspath(os.fspath(r)) for r in roots}):
        if not os.path.isdir(root):
            line = f"{root}: folder does not exist; skipped (its tracks were left as they were)"
            summary.warnings.append(line)
            summary.withheld.append(line)
            continue
        if any(root == r or root.startswith(r.rstrip(os.sep) + os.sep) for r in result):
            continue
        result.append(root)
    return result


def _range(root: str) -> tuple[str, str]:
    """SQL bounds of every path below ``root`` ('/' + 1 is '0')."""
    prefix = root.rstrip(os.sep) + os.sep
    return prefix, prefix[:-1] + chr(ord(os.sep) + 1)


def _load_known(conn: sqlite3.Connection, roots: list[str]) -> dict[str, _Known]:
    known: dict[str, _Known] = {}
    for root in roots:
        low, high = _range(root)
        for path, *rest in store.known_under(conn, low, high):
            known[path] = _Known(*rest)
    return known


def _walk(roots: list[str], summary: ScanSummary, unlisted: list[str]
          ) -> Iterator[tuple[str, str, os.stat_result, bool]]:
    """(path for I/O, path as stored, stat, has an audio ending) of every regular file, in a
    stable order. Folders that cannot be listed are added to ``unlisted``.

    Hidden files and folders (a leading dot, e.g. macOS '._song.mp3' companions) are passed over
    with a reason; symlinked folders are followed, each target once (so a link loop ends).
    """
    visited: set[tuple[int, int]] = set()
    stack = [(root, False) for root in reversed(roots)]
    while stack:
        folder, linked = stack.pop()
        try:
            if linked:
                st = os.stat(folder)
                if (st.st_dev, st.st_ino) in visited:
                    continue
                visited.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            summary.warnings.append(f"{folder}: cannot list folder: {exc.strerror or exc}")
            unlisted.append(folder)
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                summary.skipped += 1
                reason = ("hidden folder (its name starts with a dot); not scanned" if entry.is_dir()
                          else "hidden file (its name starts with a dot)")
                summary.note(FileOutcome(_storable(entry.path), "skipped", "skipped", reason))
                continue
            try:
                if entry.is_dir():
                    subfolders.append((entry.path, entry.is_symlink()))
                    continue
                suffix = os.path.splitext(entry.name)[1].lower()
                st = entry.stat()
            except OSError as exc:
                summary.warnings.append(f"{_storable(entry.path)}: cannot stat: {exc.strerror or exc}")
                continue
            if stat.S_ISREG(st.st_mode):
                yield entry.path, _storable(entry.path), st, suffix in AUDIO_SUFFIXES
        stack.extend(reversed(subfolders))


def _storable(path: str) -> str:
    """The path as stored: file names that are not UTF-8 get their odd bytes escaped (\\xNN)."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")


def _read(real: str, key: str, size: int, mtime_ns: int, known: _Known | None) -> _Read:
    if key != real:
        return _Read(key, size, mtime_ns, known, None, "",
                     "file name is not valid UTF-8; rename the file")
    try:
        info, digest = read_tags_and_hash(real, content_hasher)
    except MediaError as exc:
        return _Read(key, size, mtime_ns, known, None,
                     getattr(exc, "content_hash", ""), str(exc))
    return _Read(key, size, mtime_ns, known, info, digest)


def _values(item: _Read, now_ms: int) -> tuple:
    info = item.info
    if info is None:
        return (item.key, item.size, item.mtime_ns, item.content_hash or None, "error", item.reason,
                None, None, None, *([None] * len(_INFO_COLUMNS)), now_ms)
    local = None if info.local is None else int(info.local)
    return (item.key, item.size, item.mtime_ns, item.content_hash, "ok", None,
            "\n".join(info.warnings) or None, None, local,
            *[getattr(info, c) for c in _INFO_COLUMNS], now_ms)


def _write(conn: sqlite3.Connection, item: _Read, now_ms: int, seen: set[str], gone: dict[str, _Known],
           claimed: set[int], summary: ScanSummary) -> None:
    values = _values(item, now_ms)
    status = "ok" if item.info else "error"
    moved_from = ""
    if item.known is not None:
        track_id = item.known.id
        old_hash = store.content_hash_of(conn, track_id)
        store.update_track(conn, track_id, values)
        # Touched but identical content (same bytes) is not a change worth reporting.
        change = "unchanged" if (old_hash == item.content_hash and item.known.status == status
                                 and item.known.status != "missing") else "changed"
    else:
        source = _move_source(conn, item, seen, gone, claimed) if item.info else None
        if source is not None:
            track_id, moved_from = source
            claimed.add(track_id)
            store.update_track(conn, track_id, values)
            change = "moved"
        else:
            track_id = store.insert_track(conn, values)
            change = "new"
    setattr(summary, change, getattr(summary, change) + 1)
    credits = [(name, artist_key(name)) for name in item.info.artists] if item.info is not None else []
    if change != "new" or credits:
        store.set_credits(conn, track_id, credits, replace=change != "new")
    if item.info is None:
        summary.errors.append((item.key, item.reason))
    summary.note(FileOutcome(item.key, change, status, item.reason, track_id, moved_from))


def _move_source(conn: sqlite3.Connection, item: _Read, seen: set[str], gone: dict[str, _Known],
                 claimed: set[int]) -> tuple[int, str] | None:
    """A row with the same content whose file is gone (under the scanned folders or elsewhere)."""
    for track_id, path, status in store.with_content(conn, item.content_hash):
        if track_id in claimed or path in seen:
            continue
        if path in gone or status == "missing" or not os.path.exists(path):
            return track_id, path
    return None


