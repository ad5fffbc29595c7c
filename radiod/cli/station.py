"""The per-invocation context every command gets: the station directory and its configuration."""

from __future__ import annotations

from pathlib import Path

import click

from radiod.config import Config, load_config


class Station:
    """The station directory and its configuration, loaded on first use."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.directory)
        return self._config


pass_station = click.make_pass_decorator(Station)


def one_line(text: str) -> str:
    """A message as one line: a newline in a file name (or a daemon's reply) must not start another."""
    return text.replace("\r", "\\r").replace("\n", "\\n")
