"""Fixtures for the panel tests (helpers live in panel_support)."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from radiod.config import load_config
from browser_flags import CHROMIUM, FLAGS
from panel_support import RadiodWeb, make_station


@pytest.fixture
def station_dir(tmp_path):
    return make_station(tmp_path / "station")


@pytest.fixture
def config(station_dir):
    return load_config(station_dir, env={})



@pytest.fixture(scope="module")
def server(station):
    """A real `radiod web` process for the module's ``station`` fixture."""
    with RadiodWeb(station.station_dir) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A phone-sized page that collects console errors and accepts downloads."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    yield page
    context.close()
