"""The demo station (``radiod demo init DIR``): a small, realistic, deterministic example station.

The station (Demo FM, Toronto) gets 80 tagged music tracks by the fictional artists of
``schedules/artists.toml``, station IDs, jingles, PSAs, one DJ's pre-recorded show, a copy of the
repository's ``schedules/`` folder and a ``radiod.toml``. Everything follows from the catalogue
below and the reference date (``--today``): new local releases are dated within the twelve months
before it. Audio is synthetic (a chord per track, made by ``synth.make_tone``).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import unicodedata
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable

import radiod
from radiod.errors import RadiodError, ScheduleError
from radiod.library.registry import ArtistRegistry, load_registry, registry_path
from radiod.library.synth import make_tone

STATION_NAME = "Demo FM"
SERVICE_NAME = "DemoFM"
TIMEZONE = "America/Toronto"
SHOW_ID = "night-owl"
SHOW_HOST = "sam"
NEW_RELEASE_DAYS = 365          # "local-new": released within the last twelve months
FORMATS = (".mp3", ".ogg", ".flac")


def repository_schedules() -> Path:
    """The example station's schedules folder, next to the package in the repository."""
    return Path(radiod.__file__).resolve().parent.parent / "schedules"


# --------------------------------------------------------------------------- the catalogue

@dataclass(frozen=True)
class Album:
    artist: str                      # album artist, as named in artists.toml
    title: str
    label: str
    released: str | int              # 'YYYY-MM-DD' / 'YYYY', or days before the reference date
    genre: str
    language: str                    # ISO 639-2 ('zxx': instrumental)
    composer: str
    isrc_prefix: str | None          # country + registrant code; None: the label issued no ISRCs
    tracks: tuple[str | tuple[str, str], ...]   # title, or (title, artist credit) for co-credits


ALBUMS: tuple[Album, ...] = (
    # local, new releases (dated relative to the reference date)
    Album("The Quiet Harbours", "Lanterns on the Spit", "Spit Records", 40, "Indie Folk", "eng",
          "Eli Marchetti / Rosa Quinn", "CAS9P",
          ("Harbour Lights", "Cherry Beach in March",
           ("Salt and Ferry Horns", "The Quiet Harbours feat. Aoife Brennan"), "Leaving the Spit")),
    Album("Marisol Okafor", "Steel City Lullabies", "Hammer Town Music", 95, "R&B", "eng",
          "Marisol Okafor", "CAH7M",
          ("Locke Street Morning", "Escarpment", "Gold on the Bay", "Slow Burn Sunday")),
    Album("Dundas West Social Club", "Streetcar Hours", "Junction Sound", 150, "Indie Rock", "eng",
          "Theo Vance / Amir Haddad / Lou Petrakis", "CAJ2S",
          ("505 Eastbound", "Last Car to Roncesvalles", "Trinity Bellwoods")),
    Album("Lakeshore Static", "Gardiner at Night", "Junction Sound", 210, "Synthpop", "eng",
          "Kai Lindqvist", "CAJ2S",
          (("Gardiner at Night", "Lakeshore Static feat. Marisol Okafor"), "Sodium Lights",
           "Port Credit Drift", "Humber Loop")),
    Album("Tamsin Wolde", "Signal Fires", "Wolde Music", 270, "Pop", "eng",
          "Tamsin Wolde / Dev Mistry", "CAW0L",
          ("Signal Fires", "Lakeview Park", ("Paper Crowns", "Tamsin Wolde & Priya Saldanha"),
           "Northbound 401")),
    Album("Priya Saldanha", "Monsoon Transit", "Flower City Records", 330, "Indie Pop", "eng",
          "Priya Saldanha", "CAF1C",
          ("Monsoon Transit", "Chinguacousy", "Late Bus Home")),
    # local, older releases
    Album("The Quiet Harbours", "Low Water", "Spit Records", "2019-05-17", "Indie Folk", "eng",
          "Eli Marchetti / Rosa Quinn", "CAS9P",
          ("Low Water", "Scarborough Bluffs", "Winter Ferry")),
    Album("Dundas West Social Club", "Ossington Tapes", "Junction Sound", "2016-09-30", "Indie Rock",
          "eng", "Theo Vance / Amir Haddad / Lou Petrakis", "CAJ2S",
          ("Ossington", "Basement Show", "Queen West, 4 a.m.")),
    Album("Nadia Greyeyes", "Otonabee", "Otonabee Songs", "2021-03-12", "Folk", "eng",
          "Nadia Greyeyes", "CAO7B",
          ("Otonabee", "Lift Lock", "Jack Pine", "Rice Lake Hymn")),
    Album("Jonah Ferreira-Pike", "Kensington Blue", "Spadina Jazz", "2014-11-07", "Jazz", "zxx",
          "Jonah Ferreira-Pike", "CAS4J",
          ("Kensington Blue", "Augusta Avenue", ("Baldwin Street", "Jonah Ferreira-Pike Trio"))),
    Album("The Leslieville Ramblers", "Porch Light", "Riverdale Roots", "2018-06-22", "Bluegrass",
          "eng", "Hank Dorsey / Mae Dorsey", "CAR3R",
          ("Porch Light", "Queen Street Shuffle", "Don Valley Breakdown",
           ("Jones Avenue Waltz", "The Leslieville Ramblers & Callum Redsky"))),
    Album("Ghost Ferry", "Ward's Island", "Ghost Ferry", "2012", "Post-Rock", "zxx",
          "Ghost Ferry", None,
          ("Ward's Island", "Hanlan's Point", "Last Boat")),
    # national
    Album("Les Sœurs Boréales", "Chansons du fleuve", "Disques Boréal", "2020-10-02", "Folk", "fra",
          "Élise Caron / Margot Caron", "CAD8B",
          ("Le fleuve en hiver", "Tadoussac", "Les oies blanches", "Chanson pour Gaspé")),
    Album("Tidewater Radio", "Bedford Basin", "Eastern Passage Records", "2017-04-14", "Indie Rock",
          "eng", "Ciaran MacNeil", "CAE5P",
          ("Bedford Basin", "Fog Signal", "Point Pleasant",
           ("Fog Signal (Lyon Remix)", "Tidewater Radio vs. Maxime Laurent"))),
    Album("Callum Redsky", "Red River Miles", "Prairie Sky Music", "2022-08-19", "Country", "eng",
          "Callum Redsky", "CAP6S",
          ("Red River Miles", "Portage and Main", "Assiniboine", "Winter Road")),
    Album("Saltspring Collective", "Cedar and Fog", "Gulf Islands Audio", "2015-02-27", "Ambient",
          "zxx", "Saltspring Collective", None,
          ("Cedar and Fog", "Ganges Harbour", "Ruckle Park")),
    # international
    Album("Juniper Vale", "Slow Orbit", "Rosebud Records", "2019-08-02", "Dream Pop", "eng",
          "Juniper Vale", "USR8B",
          ("Slow Orbit", "Hawthorne Bridge", ("Two Harbours", "Juniper Vale & Ghost Ferry"),
           "Willamette")),
    Album("The Midnight Cartographers", "Maps for Nowhere", "Northern Quarter Recordings", "2011",
          "Indie", "eng", "Sam Whitley / Joe Ashworth", "GBN4Q",
          ("Maps for Nowhere", "Piccadilly at Dawn", "Ancoats", "Ship Canal")),
    Album("Aoife Brennan", "Salt Roads", "Claddagh Sound", "2023-09-15", "Folk", "eng",
          "Aoife Brennan / Trad.", "IEC2S",
          ("Salt Roads", "The Claddagh Ring", "Corrib", "Spanish Arch")),
    Album("Los Relámpagos de Oaxaca", "Noches de tormenta", "Discos Mezcal", "2018-07-13", "Cumbia",
          "spa", "Rubén Santiago / Ana Luz Méndez", "MXD3M",
          ("Noches de tormenta", "Cumbia del mezcal", "Monte Albán",
           ("Relámpago x Trueno", "Los Relámpagos de Oaxaca x Billie Moana"))),
    Album("Billie Moana", "Southerly", "Aro Valley Records", "2021-11-05", "Soul", "eng",
          "Billie Moana", "NZA9V",
          ("Southerly", "Cuba Street", "Oriental Bay")),
    Album("Maxime Laurent", "Traboules", "Croix-Rousse Musique", "2020-01-24", "Electronic", "fra",
          "Maxime Laurent", "FRC6R",
          ("Traboules", "Fourvière", "Presqu'île", "Confluence")),
)

# (folder under media/, title, seconds, genre)
IMAGING: tuple[tuple[str, str, float, str], ...] = (
    ("ids", "Demo FM Station ID (short)", 4, "Station ID"),
    ("ids", "Demo FM Station ID: Toronto's Community Radio", 6, "Station ID"),
    ("ids", "Demo FM Legal ID", 10, "Station ID"),
    ("jingles", "Demo FM Jingle: Mornings", 12, "Jingle"),
    ("jingles", "Demo FM Jingle: Local Music Hour", 15, "Jingle"),
    ("jingles", "Demo FM Jingle: Weekend", 8, "Jingle"),
    ("psa", "PSA: Fall Food Bank Drive", 30, "PSA"),
    ("psa", "PSA: Volunteer with Demo FM", 30, "PSA"),
)
SHOW_PARTS = 3
# The night-owl slot (schedules/grid.toml) is 15 minutes: an ID, these parts and a jingle fill it.
SHOW_PART_SECONDS = 290
FILE_COUNT = sum(len(album.tracks) for album in ALBUMS) + len(IMAGING) + SHOW_PARTS

# Chords as frequency ratios over a root; each track gets its own (root, chord) pair.
CHORDS = ((1, 5 / 4, 3 / 2), (1, 6 / 5, 3 / 2), (1, 4 / 3, 3 / 2), (1, 5 / 4, 3 / 2, 15 / 8))


# --------------------------------------------------------------------------- the plan

@dataclass(frozen=True)
class DemoFile:
    """One file the demo writes: where, what it sounds like, how it is tagged."""

    relpath: str                     # relative to the station directory
    seconds: float                   # sounding part
    freqs: tuple[float, ...]
    lead_silence_ms: int
    tail_silence_ms: int
    tags: dict[str, Any] = field(hash=False)
    # Mono: the synthetic chords would be identical in both channels, and a second channel
    # doubles ffmpeg's expression evaluation, which dominates the generation time.
    channels: int = 1
    sample_rate: int = 44100


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _unit(*parts: object) -> float:
    """A stable pseudo-random number in [0, 1) from the parts (same on every machine and run)."""
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def _chord(index: int) -> tuple[float, ...]:
    # Roots step by fifths (7 semitones) over 40 semitones from G2, so no two tracks share a chord.
    root = 98.0 * 2 ** (((index * 7) % 40) / 12)
    return tuple(round(root * ratio, 2) for ratio in CHORDS[(index + index // 40) % len(CHORDS)])


def _music_folder(album: Album, registry: ArtistRegistry) -> str:
    """local-new / local-gold / national / international, from the registry's facts."""
    artist = registry.get(album.artist)
    if artist is None:
        raise ScheduleError([f"{registry.path}: {album.artist}: the demo's artist is missing from the registry"])
    if artist.local:
        new = isinstance(album.released, int) and album.released < NEW_RELEASE_DAYS
        return "media/music/local-new" if new else "media/music/local-gold"
    return "media/music/national" if artist.country == "CA" else "media/music/international"


def plan_demo(today: date, registry: ArtistRegistry) -> list[DemoFile]:
    """Every file of the demo station, decided by the catalogue and the reference date alone."""
    files: list[DemoFile] = []
    index = 0
    for album in ALBUMS:
        folder = _music_folder(album, registry)
        released = (today - timedelta(days=album.released)).isoformat() \
            if isinstance(album.released, int) else album.released
        for number, entry in enumerate(album.tracks, start=1):
            title, credit = entry if isinstance(entry, tuple) else (entry, album.artist)
            suffix = FORMATS[index % len(FORMATS)]
            tags: dict[str, Any] = {
                "title": title, "artist": credit, "album": album.title, "album_artist": album.artist,
                "label": album.label, "composer": album.composer, "release_date": released,
                "genre": album.genre, "language": album.language,
            }
            if album.isrc_prefix:
                serial = int(_unit(album.title) * 9000) * 10 + number
                isrc = f"{album.isrc_prefix}{released[2:4]}{serial:05d}"
                # Some labels write ISRCs with dashes; the scan normalises them.
                tags["isrc"] = f"{isrc[:2]}-{isrc[2:5]}-{isrc[5:7]}-{isrc[7:]}" if suffix == ".mp3" else isrc
            files.append(DemoFile(
                relpath=f"{folder}/{_slug(album.artist)}-{_slug(title)}{suffix}",
                # 20–90 s, mostly short (about 38 s on average) so the demo is generated quickly
                seconds=round(20 + 70 * _unit(credit, title) ** 3, 1),
                freqs=_chord(index),
                lead_silence_ms=round(400 * _unit("lead", title)),
                tail_silence_ms=round(200 + 1800 * _unit("tail", title)),
                tags=tags))
            index += 1
    for folder, title, seconds, genre in IMAGING:
        files.append(DemoFile(
            relpath=f"media/{folder}/{_slug(title)}.mp3", seconds=seconds,
            freqs=(523.25, 659.25, 783.99) if folder != "psa" else (196.0, 293.66),
            lead_silence_ms=50, tail_silence_ms=300,
            tags={"title": title, "artist": STATION_NAME, "album": "Station imaging",
                  "label": STATION_NAME, "genre": genre, "language": "eng"}))
    for part in range(1, SHOW_PARTS + 1):
        files.append(DemoFile(
            relpath=f"uploads/{SHOW_ID}/{part:02d}-night-owl-part-{part}.flac",
            seconds=SHOW_PART_SECONDS, freqs=(146.83 * part, 220.0 * part),
            lead_silence_ms=0, tail_silence_ms=500, sample_rate=22050,
            tags={"title": f"Night Owl, part {part} of {SHOW_PARTS}", "artist": STATION_NAME,
                  "album": "Night Owl", "genre": "Radio Show", "language": "eng",
                  "comment": f"Pre-recorded by {SHOW_HOST} for the {SHOW_ID} show"}))
    return files


# --------------------------------------------------------------------------- writing it

CONFIG_TEMPLATE = """\
# Demo FM: the example station written by `radiod demo init`.
# `radiod --station <this folder> config` prints every setting with its effective value;
# docs/configuration.md in the repository describes them.

[station]
name = "{name}"
service_name = "{service}"              # used in royalty report file names
timezone = "{timezone}"

[paths]
media = ["media"]                    # music, IDs, jingles and PSAs
uploads = "uploads"                  # DJs' pre-recorded shows, one folder per show
schedules = "schedules"              # grid, clocks, categories, rules and artists.toml
database = "radiod.db"
state = "state"

[playout]
output = "auto"                      # the default audio device, else a file in the state folder

[logger]
enabled = true                       # the air-check recording: hour files in logger/, kept 31 days
[streams]
hls_bitrates = [64, 128]             # the air as HLS at the panel's /hls/live.m3u8 (needs Liquidsoap)

[liquidsoap]
live_input = true                    # DJs go live on the harbor (port 8005, mount "live") in their own slot
"""


@dataclass(frozen=True)
class DemoSummary:
    directory: Path
    music: int
    imaging: int
    show_parts: int


def check_target(directory: Path) -> None:
    """Refuse anything but a new or empty directory: the demo never overwrites."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise RadiodError(f"{directory}: not an empty directory; the demo is only written into a new "
                          "or empty one (nothing was changed)")


def build_demo(directory: Path, *, today: date, workers: int = 0,
               progress: Callable[[int, int], None] | None = None,
               length_scale: float = 1.0) -> DemoSummary:
    """Write the demo station into ``directory``, which must be new or empty.

    ``workers`` ffmpeg processes run at once (0 = one per core). ``length_scale`` shortens every
    file (tests use it; the tags stay the same). On failure everything written is removed again.
    """
    directory = Path(directory)
    check_target(directory)
    created = not directory.exists()
    directory.mkdir(parents=True, exist_ok=True)
    try:
        return _write(directory, today, workers, progress, length_scale)
    except BaseException:
        # The directory was new or empty: removing what was written loses nothing of the user's.
        if created:
            shutil.rmtree(directory, ignore_errors=True)
        else:
            for child in directory.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise


def _write(directory: Path, today: date, workers: int,
           progress: Callable[[int, int], None] | None, length_scale: float) -> DemoSummary:
    source = repository_schedules()
    if not source.is_dir():
        raise RadiodError(f"{source}: the example station's schedules folder is missing "
                          "(the demo needs radiod's source tree)")
    shutil.copytree(source, directory / "schedules")
    registry = load_registry(registry_path(directory / "schedules"))
    (directory / "radiod.toml").write_text(
        CONFIG_TEMPLATE.format(name=STATION_NAME, service=SERVICE_NAME, timezone=TIMEZONE),
        encoding="utf-8")
    for folder in ("media/music/local-new", "media/music/local-gold", "media/music/national",
                   "media/music/international", "media/ids", "media/jingles", "media/psa",
                   f"uploads/{SHOW_ID}", "state"):
        (directory / folder).mkdir(parents=True, exist_ok=True)

    plan = plan_demo(today, registry)

    def make(item: DemoFile) -> None:
        make_tone(directory / item.relpath, seconds=max(0.5, item.seconds * length_scale),
                  freqs=item.freqs, tags=item.tags, lead_silence_ms=item.lead_silence_ms,
                  tail_silence_ms=item.tail_silence_ms, channels=item.channels,
                  sample_rate=item.sample_rate)

    # Longest first, so the pool does not end waiting on one long file.
    ordered = sorted(plan, key=lambda f: -f.seconds * f.channels * f.sample_rate)
    if progress:
        progress(0, len(plan))
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        futures = [pool.submit(make, item) for item in ordered]
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                future.result()
                if progress:
                    progress(done, len(plan))
        except BaseException:
            for future in futures:        # do not keep generating files that will be removed
                future.cancel()
            raise
    music = sum(1 for f in plan if f.relpath.startswith("media/music/"))
    show = sum(1 for f in plan if f.relpath.startswith("uploads/"))
    return DemoSummary(directory, music=music, imaging=len(plan) - music - show, show_parts=show)
