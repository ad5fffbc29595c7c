"""Is a media folder there at all? Tells a vanished folder from bad files.

When a file fails to open, the engine asks whether its folder is reachable: the configured media
root it lies under (a share that was unmounted leaves an empty or missing mount point) and its own
folder (a renamed sub-folder). An unreachable folder is an outage, not a bad item: nothing from it
is failed or used up, and it is probed again every few seconds until it is back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Sequence

RETRY_MS = 3000       # how often an unreachable folder is looked at again


@dataclass(frozen=True)
class Unreachable:
    """A folder that cannot be read, and why ('missing', 'not a folder', 'empty', 'unreadable: …')."""

    folder: str
    why: str


def probe(folder: str) -> str | None:
    """None when ``folder`` can be listed and holds something, else why not (one short phrase)."""
    try:
        with os.scandir(folder) as entries:
            for _ in entries:
                return None
        return "empty"
    except FileNotFoundError:
        return "missing"
    except NotADirectoryError:
        return "not a folder"
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"


class MediaRoots:
    """The station's media roots; answers which folder of a file is unreachable.

    With no roots at all (an engine playing loose files) the engine looks for no outages."""

    def __init__(self, roots: Sequence[str | os.PathLike[str]] = ()):
        self.roots = sorted((os.path.abspath(r) for r in roots), key=len, reverse=True)

    def root_of(self, path: str) -> str | None:
        """The configured root ``path`` lies under (the deepest one), or None."""
        full = os.path.abspath(path)
        for root in self.roots:
            if full == root or full.startswith(root.rstrip("/") + "/"):
                return root
        return None

    def folders(self, path: str) -> list[str]:
        """The folders a file depends on, outermost first: its root (if any), then its own folder."""
        own = os.path.dirname(os.path.abspath(path))
        root = self.root_of(path)
        return [root, own] if root is not None and root != own else [own]

    def unreachable(self, path: str) -> Unreachable | None:
        """The outermost folder of ``path`` that cannot be read, or None when they all can."""
        if not path:
            return None
        for folder in self.folders(path):
            why = probe(folder)
            if why is not None:
                return Unreachable(folder, why)
        return None


def under(path: str, folder: str) -> bool:
    """Whether ``path`` lies inside ``folder``."""
    full = os.path.abspath(path)
    return full.startswith(folder.rstrip("/") + "/")


@dataclass
class MediaOutage:
    """A folder that went away: since when, and the planned items passed over meanwhile."""

    folder: str
    why: str
    since_wall: int
    retry_mono: int
    missed: dict[str, tuple[str, int]]      # item key → (title, planned start), as they came due

    def miss(self, key: str, title: str, planned_ms: int) -> None:
        self.missed.setdefault(key, (title, planned_ms))

    def missed_by(self, instant_ms: int, except_key: str | None = None) -> list[str]:
        """Titles of the items passed over whose slot began before ``instant_ms`` (the one still
        joined on return excepted)."""
        return [title for key, (title, start) in self.missed.items() if start < instant_ms and key != except_key]

    @staticmethod
    def summary(titles: list[str]) -> str:
        """'3 planned items missed (Song 1 … Song 3)' or 'no planned item missed'."""
        if not titles:
            return "no planned item missed"
        span = titles[0] if len(titles) == 1 else f"{titles[0]} … {titles[-1]}"
        return f"{len(titles)} planned item{'s' if len(titles) > 1 else ''} missed ({span})"
