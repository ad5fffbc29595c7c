"""Files and folders only radiod's own user may open, whatever the umask.

The database holds password hashes and the state folder holds session keys, the control socket
and the play-log journal: they are created 0600/0700 and, when found looser (made by an older
version or by hand), tightened when radiod starts.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from radiod.errors import StateError

log = logging.getLogger(__name__)

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) and make it 0700; an existing one is tightened."""
    if path.exists() and not path.is_dir():
        raise StateError(f"{path}: is a file, not a folder")
    try:
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)   # parents keep the umask's mode
    except OSError as exc:
        raise StateError(f"{path}: cannot create the folder: {exc.strerror or exc}") from None
    tighten(path)
    return path


def create_private(path: Path) -> None:
    """Create an empty file 0600 if it does not exist (an existing one is tightened)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    except FileExistsError:
        tighten(path)
        return
    try:
        os.fchmod(fd, FILE_MODE)          # the umask may have taken bits off, never added: set exactly
    finally:
        os.close(fd)


def tighten(path: Path) -> None:
    """Take group and other permissions off ``path`` if it exists; a failure is logged, not raised.

    Failing to tighten must not stop the station: the file is still usable, only too open.
    """
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        return                             # a link's target is whoever's it is; not ours to change
    loose = stat.S_IMODE(st.st_mode) & 0o077
    if not loose:
        return
    try:
        os.chmod(path, stat.S_IMODE(st.st_mode) & 0o700)
    except OSError as exc:
        log.warning("%s: readable by other users and cannot be made private: %s", path, exc.strerror or exc)
    else:
        log.info("%s: made private (was %o)", path, stat.S_IMODE(st.st_mode))
