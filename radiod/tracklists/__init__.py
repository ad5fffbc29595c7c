"""Tracklists of pre-recorded shows: what songs a DJ's mix holds, and where in it.

Pure core: bytes in, checked entries out (``parse.read_tracklist``); entries matched to library
tracks and the artist registry (``match``). No file, database or clock is touched here; the
upload path and the panel call these functions and store the result.

Formats (``parse``): CUE sheets, plain text (``[h:]mm:ss Artist – Title``), Mixxx's
"readable text" history export (``01. 0:00:00 Artist - Title``) and rekordbox's playlist/history
export (``.txt``: tab-separated, UTF-16 LE with a BOM, a ``#`` header row).
"""

from radiod.tracklists.match import Matched, lookup_keys, match_entries, unmatched_by_artist
from radiod.tracklists.model import MAX_BYTES, Entry, Tracklist, TracklistError, fmt_time
from radiod.tracklists.parse import read_tracklist

__all__ = ["MAX_BYTES", "Entry", "Matched", "Tracklist", "TracklistError", "fmt_time", "lookup_keys", "match_entries", "read_tracklist",
           "unmatched_by_artist"]
