"""The error families radiod reports to users as one line each (see cli.main)."""

from __future__ import annotations

import difflib
from typing import Iterable


class RadiodError(Exception):
    """Base of every error radiod expects and reports without a traceback."""

    exit_code = 1


class ConfigError(RadiodError):
    """radiod.toml (or an environment override) is wrong.

    Carries every problem found, each already formatted as ``file: key: message``.
    """

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class ScheduleError(RadiodError):
    """Schedule files are invalid; ``problems`` holds one located message each."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class MediaError(RadiodError):
    """An audio file cannot be read, decoded or analysed."""


class PlayerError(RadiodError):
    """The audio output or the playout engine failed."""


class StoreError(RadiodError):
    """The database cannot be opened or migrated."""


class DuplicatePlay(StoreError):
    """A play with this item_key already exists (the engine replayed an item after a crash)."""

    def __init__(self, item_key: str, play_id: int):
        self.item_key = item_key
        self.play_id = play_id
        super().__init__(f"play log: item {item_key!r} already has play {play_id}")


class StateError(RadiodError):
    """A runtime folder or file (the state folder, the database's folder) cannot be created."""


class BridgeError(RadiodError):
    """The Liquidsoap bridge failed."""


class ControlError(RadiodError):
    """The running daemon cannot be reached or refused a command."""

    exit_code = 2


def closest(word: str, candidates: Iterable[str]) -> str:
    """The candidate closest to a mistyped ``word``, or ''."""
    close = difflib.get_close_matches(word, list(candidates), n=1)
    return close[0] if close else ""


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the candidate closest to a mistyped ``word``, else ''."""
    close = closest(word, candidates)
    return f" (did you mean '{close}'?)" if close else ""
