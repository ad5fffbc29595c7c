"""Which stable show id a show title stood for: the current shows and every recorded version.

Play rows written before rows carried the show's id hold only its title. The title → id map
is built from the current ``shows.toml`` and from every version of it the panel's change
history kept (so a show renamed from the panel still maps its old title). A title two ids have
used is left out: such rows stay without an id rather than get a wrong one.
"""

from __future__ import annotations

import tomllib
from typing import Iterable, Mapping

from radiod.schedule.model import Show


def titles_in(text: str) -> dict[str, str]:
    """{id: title} of the shows in one shows.toml text ({} when it is not readable TOML)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}
    shows = data.get("show", {})
    if not isinstance(shows, dict):
        return {}
    found = {}
    for sid, entry in shows.items():
        title = entry.get("title", sid) if isinstance(entry, dict) else sid
        found[str(sid)] = title if isinstance(title, str) else str(sid)
    return found


def ids_by_title(current: Mapping[str, Show], versions: Iterable[str] = ()) -> dict[str, str]:
    """{title or id as written in a play row: show id} where exactly one id fits."""
    pairs = [(sid, s.title) for sid, s in current.items()]
    for text in versions:
        pairs += list(titles_in(text).items())
    claims: dict[str, set[str]] = {}
    for sid, title in pairs:
        for name in (sid, title):
            if name:
                claims.setdefault(name, set()).add(sid)
    # An id always stands for itself, even where an old title of another show was the same text.
    result = {name: next(iter(ids)) for name, ids in claims.items() if len(ids) == 1}
    result.update({sid: sid for sid, _ in pairs})
    return result
