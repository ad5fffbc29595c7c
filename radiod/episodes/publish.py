"""The episodes folder: ``public/`` holds exactly what listeners may fetch (each published
episode's audio and chapters, each show's ``feed.xml`` and the station's), readable by the web
server (0755/0644: nginx serves it as static files); ``work/`` is private to the station's user
(0700: the WAV being cut, the files of hidden episodes).

Feeds are rewritten whole (atomically) whenever an episode is cut, hidden, shown or deleted.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Mapping

from radiod.config import Config
from radiod.episodes import store
from radiod.episodes.feed import Channel, Item, chapters_document, rss
from radiod.episodes.store import Episode
from radiod.private import private_dir
from radiod.schedule.model import Show

PUBLIC_DIR_MODE = 0o755
PUBLIC_FILE_MODE = 0o644
FEED = "feed.xml"
URL_PREFIX = "/podcasts"       # where radiod web (and nginx) serve the public folder


def public_dir(config: Config) -> Path:
    return config.episodes.folder / "public"


def work_dir(config: Config) -> Path:
    return private_dir(config.episodes.folder / "work")


def base_url(config: Config) -> str:
    return (config.episodes.public_url or f"http://{config.web.host}:{config.web.port}").rstrip("/")


def public_folder(config: Config, show_id: str | None = None) -> Path:
    """The public folder (or a show's in it), made readable to the web server. The episodes folder
    itself is made 0711 (passable, not listable) only when radiod creates it."""
    top = config.episodes.folder
    if not top.exists():
        top.mkdir(parents=True)
        os.chmod(top, 0o711)
    folder = public_dir(config)
    for path in (folder,) if show_id is None else (folder, folder / show_id):
        path.mkdir(exist_ok=True)
        os.chmod(path, PUBLIC_DIR_MODE)
    return folder if show_id is None else folder / show_id


def stem(config: Config, episode: Episode) -> str:
    """``2026-12-03-1400-e12r0``: the airing's local start, the id and the revision."""
    local = datetime.fromtimestamp(episode.aired_from_ms / 1000, timezone.utc).astimezone(config.zone)
    return f"{local:%Y-%m-%d-%H%M}-e{episode.id}r{episode.revision}"


def chapters_name(files: tuple[store.EpisodeFile, ...]) -> str:
    """The chapters file beside an episode's audio: ``<show>/<stem>.chapters.json``."""
    return f"{files[0].name.rsplit('.', 1)[0]}.chapters.json" if files else ""


def write_public(path: Path, data: bytes) -> None:
    """Write atomically, readable by the web server."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, PUBLIC_FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def held_path(config: Config, name: str) -> Path:
    """Where a public name (``<show>/<file>``) is kept while it is not published (private)."""
    return work_dir(config) / name.replace("/", "--")


def place(config: Config, episode: Episode) -> None:
    """Move an episode's files where they belong: public when it is published, else work/."""
    names = [f.name for f in episode.files] + ([chapters_name(episode.files)] if episode.files else [])
    public = public_dir(config)
    for name in names:
        there, here = public / name, held_path(config, name)
        src, dst = (here, there) if episode.public else (there, here)
        if src.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(src, PUBLIC_FILE_MODE if episode.public else 0o600)
            os.replace(src, dst)


def remove(config: Config, episode: Episode) -> None:
    """Delete an episode's files, published or held."""
    names = [f.name for f in episode.files] + ([chapters_name(episode.files)] if episode.files else [])
    for name in names:
        (public_dir(config) / name).unlink(missing_ok=True)
        held_path(config, name).unlink(missing_ok=True)


def chapters_json(episode: Episode) -> bytes:
    return json.dumps(chapters_document(episode.chapters, episode.gaps), ensure_ascii=False).encode()


def _item(config: Config, base: str, show: Show | None, episode: Episode) -> Item:
    first = episode.files[0]
    aired = datetime.fromtimestamp(episode.aired_from_ms / 1000, timezone.utc)
    songs = [c for c in episode.chapters if c.get("music")]
    lines = [f"{c['artist']} – {c['title']}" if c.get("artist") else c["title"] for c in songs]
    description = (show.description + "\n\n" if show and show.description else "") + "\n".join(lines)
    return Item(guid=f"radiod:{config.service_name}:{episode.show_id}:{episode.aired_from_ms}",
                title=episode.title, link=f"{base}/shows/{episode.show_id}/episodes/{episode.id}",
                description=description.strip(), published=aired, url=f"{base}{URL_PREFIX}/{first.name}",
                length_bytes=first.bytes, mime_type=first.type, duration_ms=episode.length_ms or 0,
                chapters_url=f"{base}{URL_PREFIX}/{chapters_name(episode.files)}" if episode.chapters else "")


def _channel(config: Config, base: str, show: Show | None, show_id: str | None) -> Channel:
    station = config.station.name
    if show is None or show_id is None:
        return Channel(title=station, link=f"{base}/", feed_url=f"{base}{URL_PREFIX}/{FEED}",
                       description=f"Every show of {station}, to listen again.", language="en",
                       image_url=f"{base}/static/favicon.svg", author=station)
    image = f"{base}/shows/{show_id}/image" if show.image else f"{base}/static/favicon.svg"
    return Channel(title=show.title, link=f"{base}/shows/{show_id}", feed_url=f"{base}{URL_PREFIX}/{show_id}/{FEED}",
                   description=show.description, language="en", image_url=image,
                   author=", ".join(show.hosts) or station)


def write_feeds(config: Config, episodes: Iterable[Episode], shows: Mapping[str, Show]) -> None:
    """Every archived show's feed, and the station's feed of all of them (published episodes only)."""
    base = base_url(config)
    published = [e for e in episodes if e.public and e.files]
    for show_id, show in shows.items():
        if not show.archive:
            continue
        folder = public_folder(config, show_id)
        items = [_item(config, base, show, e) for e in published if e.show_id == show_id]
        write_public(folder / FEED, rss(_channel(config, base, show, show_id), items))
    station_items = [_item(config, base, shows.get(e.show_id), e) for e in published]
    write_public(public_folder(config) / FEED, rss(_channel(config, base, None, None), station_items))
