"""Fixtures for the panel tests (helpers live in panel_support)."""

from __future__ import annotations

import pytest

from radiod.config import load_config
from panel_support import make_station


@pytest.fixture
def station_dir(tmp_path):
    return make_station(tmp_path / "station")


@pytest.fixture
def config(station_dir):
    return load_config(station_dir, env={})
