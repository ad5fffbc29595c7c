"""Package faces that import what they name on first use (PEP 562 module ``__getattr__``).

A package whose modules sit in different layers (the library's Track is pure, its scanner is
not) cannot import everything it names when it is first imported: importing the pure
``radiod.library.model`` runs ``radiod/library/__init__.py`` first, and would load the scanner,
mutagen and SQLite with it. Its face names each export's module instead; the name is imported
from there when someone asks for it. The face's ``if TYPE_CHECKING:`` imports say the same for
mypy, and tests/test_architecture.py checks that the two agree.
"""

from __future__ import annotations

import importlib
from typing import Callable, Mapping


def lazy_face(package: str, homes: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package``: ``homes`` maps each name to its module there."""
    def __getattr__(name: str) -> object:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{home}"), name)
    return __getattr__
