"""Artist names: splitting co-artist credits and the normalised key artists are matched by."""

from __future__ import annotations

import re
import unicodedata

# Separators between co-credited artists. " x ", "vs." and "/" need spaces around them so that
# names like "Xenia", "Max" or "AC/DC" are not split; "feat." may sit in brackets ("A (feat. B)").
# " and " is not a separator: too many band names contain it ("Mumford and Sons"). A credit that
# is registered as a whole ("Earth, Wind & Fire") is kept whole by the artist registry.
_SPLIT = re.compile(
    r"\s*(?:,|;|\s/\s|\s&\s|\s\+\s|\s[(\[]?(?:feat|ft|featuring)\.?\s|\swith\s|\sx\s|\svs\.?\s)\s*",
    re.IGNORECASE,
)


def split_artists(credit: str) -> list[str]:
    """'A feat. B & C' → ['A', 'B', 'C'] (order kept, duplicates and blanks dropped)."""
    names: list[str] = []
    seen: set[str] = set()
    for part in _SPLIT.split(credit or ""):
        part = part.strip().strip("()[]").strip()
        key = artist_key(part)
        if part and key and key not in seen:
            seen.add(key)
            names.append(part)
    return names


def artist_key(name: str) -> str:
    """Case-, accent- and punctuation-insensitive key: 'Beyoncé' and 'BEYONCE' match.

    A leading 'The ' is dropped so 'The Quiet Harbours' matches 'Quiet Harbours'.
    """
    text = unicodedata.normalize("NFKD", name or "").casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^\w]+", " ", text).strip()
    if text.startswith("the "):
        text = text[4:]
    return text
