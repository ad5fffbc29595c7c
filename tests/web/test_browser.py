"""Headless Chromium (Debian's, through Playwright) against a real `radiod web` process."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from radiod.config import load_config
from radiod.store import open_db

from panel_support import PASSWORD, add_play, add_users, make_station, now_doc, write_now_playing

@pytest.fixture(scope="module")
def station(tmp_path_factory):
    config = load_config(make_station(tmp_path_factory.mktemp("browser") / "station"), env={})
    add_users(config)
    conn = open_db(config.paths.database)
    add_play(conn, title="Earlier Song", artist="Quiet Harbours", started=datetime.now(timezone.utc) - timedelta(hours=1))
    conn.close()
    write_now_playing(config, now_doc("First Song", "Quiet Harbours"))
    return config


def test_now_playing_page_follows_the_file_within_a_second(page, server, station):
    page.goto(server + "/")
    card = page.locator("#now-playing")
    expect(card).to_have_attribute("data-version", "1")            # the live feed is connected
    expect(card.locator('[data-field="title"]')).to_have_text("First Song")
    expect(card.locator('[data-field="local"]')).to_be_hidden()

    started = datetime.now(timezone.utc) - timedelta(seconds=65)
    write_now_playing(station, now_doc("Second Song", "Ana Ng", local=True, show="Evening Static",
                                       started=started, length_ms=240_000))
    expect(card.locator('[data-field="title"]')).to_have_text("Second Song", timeout=1000)
    expect(card.locator('[data-field="artist"]')).to_have_text("Ana Ng")
    expect(card.locator('[data-field="show"]')).to_have_text("Evening Static")
    expect(card.locator('[data-field="local"]')).to_be_visible()
    expect(card.locator('[data-field="length"]')).to_have_text("4:00")
    # Elapsed time comes from the track's real start, computed in the browser.
    elapsed = card.locator('[data-field="elapsed"]').inner_text()
    assert elapsed in ("1:05", "1:06", "1:07")
    assert page.console_errors == []                                  # no CSP violation, no script error


def test_login_works_and_a_dj_cannot_open_a_manager_page(page, server):
    page.goto(server + "/dj/")
    assert page.url.startswith(server + "/login")
    page.fill('input[name="name"]', "dj1")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    expect(page).to_have_url(server + "/dj/")
    expect(page.locator("main")).to_contain_text("Morning Tide")
    expect(page.locator("nav")).not_to_contain_text("Manager")

    response = page.goto(server + "/manager/")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("Forbidden")
    assert [e for e in page.console_errors if "403" in e]         # Chromium logs the refused page
    page.console_errors.clear()

    page.goto(server + "/")
    page.click("text=Log out dj1")
    expect(page.locator("nav")).to_contain_text("Log in")
    page.goto(server + "/login")
    page.fill('input[name="name"]', "boss")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    expect(page).to_have_url(server + "/manager/")
    expect(page.locator("main")).to_contain_text("The playout daemon is not reachable")
    assert page.console_errors == []


def test_wrong_password_shows_a_message(page, server):
    page.goto(server + "/login")
    page.fill('input[name="name"]', "dj2")
    page.fill('input[name="password"]', "not the password")
    page.click('button[type="submit"]')
    expect(page.locator(".error")).to_have_text("Wrong user name or password.")


def test_public_pages_fit_a_phone_screen(page, server):
    for path in ("/", "/history", "/schedule", "/artists/quiet-harbours", "/widget", "/login"):
        response = page.goto(server + path)
        assert response.status == 200, path
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a phone"
    assert page.console_errors == []
