"""Headless Chromium on an episode's page (a real `radiod web`): the player names the item at its
position — seeking the audio moves the mark through the chapter list — with no script error."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from radiod.config import load_config

from panel_support import add_users, make_station

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.episodes.support import add_episode  # noqa: E402


EPISODE = 1                     # the first row of a fresh database


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    root = make_station(tmp_path_factory.mktemp("browser-episodes") / "station")
    shows = root / "schedules" / "shows.toml"
    shows.write_text(shows.read_text().replace('hosts = ["dj1"]', 'hosts = ["dj1"]\narchive = true'))
    config = load_config(root, env={})
    add_users(config)
    assert add_episode(config, "morning", 1_796_000_000_000) == EPISODE
    return config


def test_the_player_names_the_item_playing_at_its_position(page, server, station):
    page.goto(f"{server}/shows/morning/episodes/{EPISODE}")
    now = page.locator("#episode-now")
    items = page.locator(".chapters li[data-at]")
    expect(items).to_have_count(2)
    page.wait_for_function("document.getElementById('episode-player').readyState >= 1")    # metadata loaded
    expect(now).to_have_text("Hello")
    expect(items.nth(0)).to_have_class("playing")
    page.evaluate("document.getElementById('episode-player').currentTime = 1.4")
    expect(now).to_have_text("Quiet Harbours – Low Tide")
    expect(items.nth(1)).to_have_class("playing")
    expect(items.nth(0)).not_to_have_class("playing")
    page.evaluate("document.getElementById('episode-player').currentTime = 0.2")
    expect(now).to_have_text("Hello")
    assert page.console_errors == []                                  # no CSP violation, no script error
