"""Where a pre-recorded show's tracklists are kept: ``<state>/tracklists/<show-id>/<file>.json``.

One per uploaded file, named after it. They live in the state folder, not beside the audio: the
uploads folder is scanned as media and its files are aired in name order, so nothing but audio
may sit there. Written private (0600 in a 0700 folder) and atomically (a temporary file renamed),
so a crash leaves the old tracklist or the new one, never half of one.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict
from pathlib import Path

from radiod.private import FILE_MODE, private_dir
from radiod.tracklists import Entry, Tracklist
from radiod.uploads import sanitise_name

log = logging.getLogger(__name__)


def tracklist_path(state_dir: Path, show_id: str, file_name: str) -> Path:
    return Path(state_dir) / "tracklists" / sanitise_name(show_id) / (sanitise_name(file_name) + ".json")


def save_tracklist(state_dir: Path, show_id: str, file_name: str, tracklist: Tracklist) -> Path:
    path = tracklist_path(state_dir, show_id, file_name)
    private_dir(path.parent)
    data = {"format": tracklist.format, "entries": [asdict(e) for e in tracklist.entries]}
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False, indent=1)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    return path


def load_tracklist(state_dir: Path, show_id: str, file_name: str) -> Tracklist | None:
    """The file's tracklist, or None when it has none (or the saved one cannot be read)."""
    path = tracklist_path(state_dir, show_id, file_name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Tracklist(str(data["format"]), tuple(Entry(**e) for e in data["entries"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s: cannot read this tracklist (%s); the file airs as one row", path, exc)
        return None


def remove_tracklist(state_dir: Path, show_id: str, file_name: str) -> bool:
    try:
        tracklist_path(state_dir, show_id, file_name).unlink()
        return True
    except FileNotFoundError:
        return False
