"""The music library: tracks scanned from the media folders, their tags, loudness and artists."""

from __future__ import annotations

from typing import TYPE_CHECKING

from radiod.faces import lazy_face

if TYPE_CHECKING:
    from radiod.library.model import Track
    from radiod.library.artists import artist_key, split_artists
    from radiod.library.analyze import analyze_file, analyze_library
    from radiod.library.demo import FILE_COUNT, TIMEZONE, build_demo, check_target
    from radiod.library.ffmpeg import format_for_name, input_args, input_url
    from radiod.library.query import OVERRIDABLE, load_candidates, load_track, load_tracks, playable_count, search_tracks
    from radiod.library.registry import ArtistRegistry, load_registry, registry_path
    from radiod.library.scan import ScanSummary, library_roots, scan_library
    from radiod.library.tags import detect_format, read_tags
    from radiod.library.store import find_duplicates, overrides, set_overrides, artist_name

__all__ = [
    "analyze_file", "analyze_library", "artist_key", "ArtistRegistry", "build_demo", "check_target",
    "detect_format", "FILE_COUNT", "find_duplicates", "format_for_name", "input_args", "input_url",
    "library_roots", "load_candidates", "load_registry", "load_track", "load_tracks", "OVERRIDABLE", "read_tags",
    "registry_path", "scan_library", "search_tracks", "playable_count", "ScanSummary", "split_artists", "TIMEZONE", "Track", "overrides", "set_overrides", "artist_name",
]

# Imported on first use: the pure core imports radiod.library.model, which must not load the
# scanner, mutagen or SQLite.
__getattr__ = lazy_face(__name__, {
    "Track": "model",
    "artist_key": "artists", "split_artists": "artists",
    "analyze_file": "analyze", "analyze_library": "analyze",
    "FILE_COUNT": "demo", "TIMEZONE": "demo", "build_demo": "demo", "check_target": "demo",
    "format_for_name": "ffmpeg", "input_args": "ffmpeg", "input_url": "ffmpeg",
    "OVERRIDABLE": "query", "load_candidates": "query", "load_track": "query", "load_tracks": "query",
    "search_tracks": "query", "playable_count": "query",
    "ArtistRegistry": "registry", "load_registry": "registry", "registry_path": "registry",
    "ScanSummary": "scan", "library_roots": "scan", "scan_library": "scan",
    "detect_format": "tags", "read_tags": "tags",
    "find_duplicates": "store", "overrides": "store", "set_overrides": "store", "artist_name": "store",
})
