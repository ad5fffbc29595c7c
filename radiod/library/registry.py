"""The artist registry: ``schedules/artists.toml``, one ``[[artist]]`` table per artist.

```toml
[[artist]]
name = "The Quiet Harbours"
local = true
city = "Halifax"
region = "NS"
country = "CA"
aliases = ["Quiet Harbours"]
society = "SOCAN"
notes = "Direct licence for webcasts"
```

Artists are looked up by ``artist_key`` of their name or any alias. Every problem in the file is
reported at once (``file:line: artist[3].local: expected true or false``); a missing file is an
empty registry.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from radiod import tomltext
from radiod.errors import ScheduleError, did_you_mean
from radiod.library.artists import artist_key

REGISTRY_FILE = "artists.toml"

_STRING_FIELDS = ("city", "region", "country", "society", "notes")
_KEYS = ("name", "local", "aliases", *_STRING_FIELDS)
_TABLE_HEADER = re.compile(r"^\s*\[\[\s*artist\s*\]\]")
_TOML_LOCATION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


@dataclass(frozen=True)
class Artist:
    name: str
    local: bool = False
    city: str = ""
    region: str = ""
    country: str = ""                 # ISO 3166 alpha-2, upper case
    aliases: tuple[str, ...] = ()
    society: str = ""                 # collecting society, e.g. SOCAN
    notes: str = ""

    @property
    def key(self) -> str:
        return artist_key(self.name)


class ArtistRegistry:
    """Artists by normalised name (aliases included)."""

    def __init__(self, artists: list[Artist] | tuple[Artist, ...] = (), path: Path | None = None):
        self.path = path
        self.artists: tuple[Artist, ...] = tuple(artists)
        self._by_key: dict[str, Artist] = {}
        for artist in self.artists:
            for name in (artist.name, *artist.aliases):
                self._by_key.setdefault(artist_key(name), artist)

    def __len__(self) -> int:
        return len(self.artists)

    def __iter__(self) -> Iterator[Artist]:
        return iter(self.artists)

    def get(self, name_or_key: str) -> Artist | None:
        """The artist a name (or an already normalised key) refers to, or None."""
        # Exact key first: artist_key is not idempotent ('The The Band' → 'the band' → 'band').
        return self._by_key.get(name_or_key) or self._by_key.get(artist_key(name_or_key))

    def credit_keys(self, credit: str, split_keys: tuple[str, ...]) -> tuple[str, ...]:
        """The artist keys of a credit: one artist when the whole credit is a registered name or
        alias (so 'Earth, Wind & Fire' is not three artists), else the keys split from it."""
        if len(split_keys) < 2 or not self._by_key:
            return split_keys            # nothing to join (this runs for every track the planner loads)
        artist = self._by_key.get(artist_key(credit)) if credit else None
        return (artist.key,) if artist else split_keys

    def __contains__(self, name_or_key: str) -> bool:
        return self.get(name_or_key) is not None

    def has_local(self) -> bool:
        """Whether any registered artist is local."""
        return any(artist.local for artist in self.artists)

    def is_local(self, name_or_key: str) -> bool:
        artist = self.get(name_or_key)
        return bool(artist and artist.local)


def registry_path(schedules_dir: Path) -> Path:
    return Path(schedules_dir) / REGISTRY_FILE


def load_registry(path: Path | str) -> ArtistRegistry:
    """Read and check an artists.toml; raises ScheduleError listing every problem."""
    path = Path(path)
    if not path.exists():
        return ArtistRegistry([], path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScheduleError([f"{path}: not UTF-8 text (byte {exc.start})"]) from None
    except OSError as exc:
        raise ScheduleError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    return parse_registry(text, path)


def parse_registry(text: str, path: Path | str = REGISTRY_FILE) -> ArtistRegistry:
    """Parse artists.toml text (``path`` only labels the messages)."""
    try:
        data = tomltext.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _TOML_LOCATION.search(message)
        if where:
            raise ScheduleError([f"{path}:{where.group(1)}: {message[:where.start()]}"]) from None
        raise ScheduleError([f"{path}: {message}"]) from None

    header_lines = [n for n, line in enumerate(text.splitlines(), start=1) if _TABLE_HEADER.match(line)]
    problems: list[str] = []

    def at(index: int) -> str:
        # 1-based artist number, and the line of its [[artist]] header when we can tell.
        line = f":{header_lines[index - 1]}" if len(header_lines) >= index else ""
        return f"{path}{line}: artist[{index}]"

    for key in data:
        if key != "artist":
            problems.append(f"{path}: {key}: unknown key{did_you_mean(key, ['artist'])}; "
                            "each artist is an [[artist]] table")
    entries = data.get("artist", [])
    if not isinstance(entries, list):
        problems.append(f"{path}: artist: expected [[artist]] tables")
        entries = []

    artists: list[Artist] = []
    owners: dict[str, tuple[int, str]] = {}
    for index, entry in enumerate(entries, start=1):
        artist = _parse_artist(entry, at(index), problems)
        if artist is None:
            continue
        for name in (artist.name, *artist.aliases):
            key = artist_key(name)
            if not key:
                problems.append(f"{at(index)}: {name!r} has no letters or digits to match on")
                continue
            if key in owners and owners[key][0] != index:
                other, other_name = owners[key]
                problems.append(f"{at(index)}: {name!r} is already listed as artist[{other}] ({other_name})")
            owners.setdefault(key, (index, artist.name))
        artists.append(artist)
    if problems:
        raise ScheduleError(problems)
    return ArtistRegistry(artists, Path(path))


def _parse_artist(entry: Any, where: str, problems: list[str]) -> Artist | None:
    if not isinstance(entry, dict):
        problems.append(f"{where}: expected a table")
        return None
    before = len(problems)
    for key in entry:
        if key not in _KEYS:
            problems.append(f"{where}.{key}: unknown key{did_you_mean(key, list(_KEYS))}")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}.name: " + ("missing" if name is None else f"expected a non-empty string, got {name!r}"))
    local = entry.get("local", False)
    if not isinstance(local, bool):
        problems.append(f"{where}.local: expected true or false, got {local!r}")
    aliases = entry.get("aliases", [])
    if isinstance(aliases, str):
        aliases = [aliases]
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        problems.append(f"{where}.aliases: expected a list of names, got {aliases!r}")
        aliases = []
    strings: dict[str, str] = {}
    for key in _STRING_FIELDS:
        value = entry.get(key, "")
        if not isinstance(value, str):
            problems.append(f"{where}.{key}: expected a string, got {value!r}")
            continue
        strings[key] = value.strip()
    country = strings.get("country", "")
    if country and not re.fullmatch(r"[A-Za-z]{2}", country):
        problems.append(f"{where}.country: expected a two-letter country code (e.g. CA), got {country!r}")
    strings["country"] = country.upper()
    if len(problems) > before or not isinstance(name, str):
        return None
    return Artist(name=name.strip(), local=local, aliases=tuple(a.strip() for a in aliases), **strings)