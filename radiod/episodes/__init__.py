"""Listen again: each airing of an archived show becomes an episode — cut from the logger at the
play log's boundaries, within the show's rights, with chapters, public pages and podcast feeds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from radiod.faces import lazy_face

if TYPE_CHECKING:
    from radiod.episodes.publish import URL_PREFIX, chapters_name, place, public_dir, remove, write_feeds
    from radiod.episodes.store import (Episode, EpisodeFile, HistoryRow, every, get, history, mark_deleted, of_show,
                                       request_recut, set_hidden)
    from radiod.episodes.worker import EpisodeWorker, Pass, episode_worker, run_once

__all__ = ["chapters_name", "Episode", "EpisodeFile", "EpisodeWorker", "episode_worker", "HistoryRow", "Pass",
           "place", "public_dir", "remove", "run_once", "URL_PREFIX", "write_feeds",
           "every", "get", "history", "mark_deleted", "of_show", "request_recut", "set_hidden"]

# Imported on first use: the panel's pages need the store, not numpy or ffmpeg.
__getattr__ = lazy_face(__name__, {
    "URL_PREFIX": "publish", "chapters_name": "publish", "place": "publish", "public_dir": "publish",
    "remove": "publish", "write_feeds": "publish",
    "Episode": "store", "EpisodeFile": "store", "HistoryRow": "store", "every": "store", "get": "store",
    "history": "store", "mark_deleted": "store", "of_show": "store", "request_recut": "store", "set_hidden": "store",
    "EpisodeWorker": "worker", "Pass": "worker", "episode_worker": "worker", "run_once": "worker",
})
