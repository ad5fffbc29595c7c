"""The artist listing (`radiod artists`): who is credited on the library and who is registered."""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Any

from radiod.library.registry import ArtistRegistry


def artist_listing(conn: sqlite3.Connection, registry: ArtistRegistry) -> dict[str, Any]:
    """Artists credited on playable tracks and registered artists, plus tracks with unknown artists."""
    credits: dict[int, tuple[str, str, list[tuple[str, str]]]] = {}
    for track_id, path, credit, name, key in conn.execute(
            "SELECT t.id, t.path, t.artist, ta.name, ta.artist_key FROM track_artists ta"
            " JOIN tracks t ON t.id = ta.track_id WHERE t.status = 'ok' ORDER BY t.path, ta.position"):
        credits.setdefault(track_id, (path, credit or "", []))[2].append((name, key))
    counts: dict[str, set[int]] = {}
    names: dict[str, Counter[str]] = {}
    unknown_tracks: dict[int, dict[str, Any]] = {}
    for track_id, (path, credit, split) in credits.items():
        keys = registry.credit_keys(credit, tuple(key for _, key in split))
        if len(keys) < len(split):
            split = [(credit, keys[0])]
        for name, key in split:
            artist = registry.get(key)
            canonical = artist.key if artist else key
            counts.setdefault(canonical, set()).add(track_id)
            names.setdefault(canonical, Counter())[artist.name if artist else name] += 1
            if artist is None:
                entry = unknown_tracks.setdefault(track_id, {"path": path, "artist": credit, "unknown": []})
                entry["unknown"].append(name)
    untagged = [row[0] for row in conn.execute(
        "SELECT path FROM tracks t WHERE status = 'ok'"
        " AND NOT EXISTS (SELECT 1 FROM track_artists ta WHERE ta.track_id = t.id) ORDER BY path")]
    for artist in registry:
        counts.setdefault(artist.key, set())
        names.setdefault(artist.key, Counter())[artist.name] += 1
    artists: list[dict[str, Any]] = []
    for key, track_ids in counts.items():
        artist = registry.get(key)
        artists.append({
            "name": names[key].most_common(1)[0][0], "key": key, "tracks": len(track_ids),
            "registered": artist is not None, "local": artist.local if artist else None,
            "city": artist.city if artist else "", "region": artist.region if artist else "",
            "country": artist.country if artist else ""})
    artists.sort(key=lambda a: (-a["tracks"], a["name"].casefold()))
    return {"artists": artists, "unknown_artist_tracks": list(unknown_tracks.values()),
            "untagged_tracks": untagged}
