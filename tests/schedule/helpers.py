"""Building blocks for schedule tests: tracks, schedule folders, and an independent rule checker."""

from __future__ import annotations

import textwrap
from datetime import date, datetime
from pathlib import Path

from radiod.clock import to_ms
from radiod.library.artists import artist_key, split_artists
from radiod.library.demo import plan_demo
from radiod.library.model import Track
from radiod.library.registry import load_registry
from radiod.schedule.log import LogItem

REPO = Path(__file__).resolve().parents[2]
MEDIA = "/station/media"
UPLOADS = "/station/uploads"


def track(id: int, artist: str, *, title: str = "", album: str = "", ms: int = 180_000, local: bool = False,
          folder: str = "music/pop", release: str = "2020", language: str = "eng", genre: str = "Pop",
          path: str = "") -> Track:
    names = split_artists(artist)
    return Track(id=id, path=path or f"{MEDIA}/{folder}/{id:05d}.mp3", title=title or f"Song {id}", artist=artist,
                 artist_keys=tuple(artist_key(n) for n in names), album=album, label="", isrc="", composer="",
                 lyricist="", release_date=release, genre=genre, language=language, length_ms=ms + 300,
                 cue_in_ms=100, cue_out_ms=100 + ms, loudness_lufs=-14.0, true_peak_dbtp=-1.0, local=local)


def demo_tracks(today: date = date(2026, 11, 21)) -> list[Track]:
    """The demo station's catalogue (as `radiod demo init` writes it) as Track objects, without audio."""
    registry = load_registry(REPO / "schedules" / "artists.toml")
    tracks = []
    for i, f in enumerate(plan_demo(today, registry), start=1):
        tags = f.tags
        names = split_artists(tags.get("artist", ""))
        ms = int(f.seconds * 1000)
        root = "/station" if f.relpath.startswith("uploads/") else MEDIA
        rel = f.relpath[len("media/"):] if f.relpath.startswith("media/") else f.relpath[len("uploads/"):]
        path = f"{root}/{rel}" if root == MEDIA else f"{UPLOADS}/{rel}"
        tracks.append(Track(
            id=i, path=path, title=tags.get("title", ""), artist=tags.get("artist", ""),
            artist_keys=tuple(artist_key(n) for n in names), album=tags.get("album", ""),
            label=tags.get("label", ""), isrc=tags.get("isrc", ""), composer="", lyricist="",
            release_date=str(tags.get("release_date", "")), genre=tags.get("genre", ""),
            language=tags.get("language", ""), length_ms=ms + 300, cue_in_ms=0, cue_out_ms=ms,
            loudness_lufs=-16.0, true_peak_dbtp=-1.0, local=any(registry.is_local(n) for n in names)))
    return tracks


def write_schedule(folder: Path, **files: str) -> Path:
    """Write schedule files (name without .toml → text); a minimal valid set unless overridden."""
    base = {
        "station": """
            [station]
            name = "Test FM"
            timezone = "America/Toronto"
            djs = ["sam"]
            [fallback]
            chain = [{ category = "pop" }]
        """,
        "categories": """
            [category.pop]
            folders = ["music/pop"]
            [category.ids]
            folders = ["ids"]
            usage = "station_id"
        """,
        "clocks": """
            [clock.main]
            [[clock.main.event]]
            at = "00:00"
            timing = "hard"
            tolerance = "15s"
            type = "item"
            category = "ids"
            [[clock.main.event]]
            type = "fill"
            categories = ["pop"]
        """,
        "shows": """
            [show.music]
            kind = "rotation"
            clock = "main"
        """,
        "grid": """
            [[slot]]
            days = ["daily"]
            start = "00:00"
            end = "24:00"
            show = "music"
        """,
        "rules": """
            [separation]
            artist_minutes = 30
            title_minutes = 120
            album_minutes = 20
        """,
    }
    base.update(files)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in base.items():
        path = folder / f"{name}.toml"
        if text is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return folder


def music(items: list[LogItem]) -> list[LogItem]:
    return [i for i in items if i.usage == "feature" and i.track_id is not None and i.source != "show"]


def rule_violations(items: list[LogItem], rules, history: list[tuple] = ()) -> list[str]:
    """Every rule an unrelaxed music item breaks, computed independently of the planner."""
    sep = rules.separation
    past = [(int(p[4]), set(p[1]), artist_key(p[2]), artist_key(p[3]), p[0]) for p in history]
    found = []
    for item in sorted(music(items), key=lambda i: i.start):
        at = to_ms(item.start)
        keys = set(item.snapshot["artist_keys"])
        album, title = artist_key(item.snapshot["album"]), artist_key(item.title)
        relaxed = {r.rule for r in item.relaxations}
        before = sorted((p for p in past if p[0] <= at), key=lambda p: p[0])
        for n, (t, a_keys, a_album, a_title, a_id) in enumerate(reversed(before), start=1):
            age = at - t
            if keys & a_keys and (age < sep.artist_minutes * 60_000 or n <= sep.artist_songs) \
                    and "artist_separation" not in relaxed:
                found.append(f"{item.start} {item.title}: artist separation ({age // 1000} s, {n} songs)")
            if ((title and title == a_title) or a_id == item.track_id) and \
                    (age < sep.title_minutes * 60_000 or n <= sep.title_songs) and "title_separation" not in relaxed:
                found.append(f"{item.start} {item.title}: title separation ({age // 1000} s)")
            if album and album == a_album and (age < sep.album_minutes * 60_000 or n <= sep.album_songs) \
                    and "album_separation" not in relaxed:
                found.append(f"{item.start} {item.title}: album separation ({age // 1000} s)")
        if rules.complement and "performance_complement" not in relaxed:
            window = [p for p in before if at - p[0] < 3 * 3_600_000]
            for key in keys:
                if sum(1 for p in window if key in p[1]) >= 4:
                    found.append(f"{item.start} {item.title}: more than 4 by {key} in 3 hours")
                if len(before) >= 3 and all(key in p[1] for p in before[-3:]):
                    found.append(f"{item.start} {item.title}: more than 3 by {key} in a row")
            if album and sum(1 for p in window if p[2] == album) >= 3:
                found.append(f"{item.start} {item.title}: more than 3 from {album} in 3 hours")
            if album and len(before) >= 2 and all(p[2] == album for p in before[-2:]):
                found.append(f"{item.start} {item.title}: more than 2 from {album} in a row")
        past.append((at, keys, album, title, item.track_id))
    return found


def local_hour(dt: datetime, zone) -> str:
    return dt.astimezone(zone).strftime("%Y-%m-%d %H")
