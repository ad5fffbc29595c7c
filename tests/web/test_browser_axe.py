"""axe-core (WCAG 2.0–2.2, levels A and AA) over every page of the panel, in Debian's Chromium, at
1280 px and at 390 px: anonymous visitors on the public pages, a DJ on /dj/, a manager on
/manager/. The pages are listed from the app's url_map, so a new page is checked without being
added here (a new page with a parameter fails until it gets a sample below). The control room
is driven by keyboard alone and the focus is followed after each action.

The count of violations per page is printed in the test output."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

from radiod.clock import SystemClock
from radiod.config import load_config
from radiod.library.artists import artist_key
from radiod.library.scan import scan_library
from radiod.playout.control import ControlServer
from radiod.playout.messages import GetStatus
from radiod.store import open_db
from radiod_web import create_app

from panel_support import PASSWORD, RadiodWeb, add_users, make_station, now_doc, write_now_playing
from show_support import add_past_morning, add_show_facts, tone

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.episodes.support import add_episode  # noqa: E402

PORT = 21202
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
AXE = Path(__file__).resolve().parents[2] / ".venv" / "vendor" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# A value for each page parameter (endpoint → its URL's arguments).
SAMPLES = {
    "public.artist": {"artist_id": artist_key("Quiet Harbours")},
    "dj.show": {"show_id": "morning"},
    "uploads.files": {"show_id": "tape"},
    "showpages.host": {"name": "dj1"},
    "showpages.show": {"show_id": "morning"},
    "showpages.edit_show": {"show_id": "tape"},
    "grid.file": {"name": "grid.toml"},
    "library.track": {"track_id": 1},
    "episodes.episode": {"show_id": "morning", "episode_id": 1},
    "episodes.manage_one": {"episode_id": 1},
}
# GET routes that are not pages (JSON, files, streams, downloads), each with why.
NOT_PAGES = {
    "static": "style sheets, scripts, images",
    "api.artist_plays": "JSON", "api.history": "JSON", "api.now_playing": "JSON", "api.openapi": "JSON",
    "api.schedule": "JSON",
    "uploads.status": "JSON: an upload's progress",
    "hls.hls_file": "the live stream's playlists and segments",
    "showpages.image": "a show's picture",
    "logger.download": "audio download", "reports.download": "report download",
    "episodes.podcast_file": "episode audio, chapters and feeds",
    "i18n.choose": "the language switcher's redirect",
    "webdj.state": "JSON: whether a live DJ is on air",
    "listen.aired_plays": "JSON: the plays the listen-live player names",
    "livelog.songs": "JSON: the live-log page's list", "livelog.search": "JSON: the live-log page's search",
}
# More states of a page worth checking: the calendar with a block's form open, a show page of
# another kind, the public pages as seen logged in.
EXTRA = [("boss", "/manager/grid/?edit=0-mon#move-form"), (None, "/shows/tape"), ("boss", "/"),
         ("dj1", "/schedule")]


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    root = make_station(tmp_path_factory.mktemp("axe") / "station")
    with open(root / "radiod.toml", "a", encoding="utf-8") as f:      # DJs go live: /dj/ has the go-live details
        f.write("[liquidsoap]\nlive_input = true\n")
    config = load_config(root, env={})
    add_users(config)
    add_show_facts(config)
    add_past_morning(config)
    shows = config.paths.schedules / "shows.toml"
    text = shows.read_text()
    assert 'hosts = ["dj1"]' in text
    shows.write_text(text.replace('hosts = ["dj1"]', 'hosts = ["dj1"]\narchive = true', 1))
    assert add_episode(config, "morning", 1_796_000_000_000) == 1     # an episode page to check
    tone(config.paths.uploads / "tape" / "01 tape.mp3", 110)
    tone(config.paths.media[0] / "harbour.mp3", 240)   # long enough that a planned day stays short
    sched = config.paths.schedules                       # an emergency item for the controls page
    (sched / "emergency.m3u").write_text("harbour.mp3\n", encoding="utf-8")
    with open(sched / "station.toml", "a", encoding="utf-8") as f:
        f.write('\n[fallback]\nchain = [{ playlist = "emergency.m3u" }]\n')
    conn = open_db(config.paths.database)
    scan_library(conn, [config.paths.media[0]], clock=SystemClock())
    conn.close()
    started = datetime.now(timezone.utc) - timedelta(seconds=40)
    write_now_playing(config, now_doc("Low Water", "Quiet Harbours", local=True, started=started))
    return config


@pytest.fixture(scope="module")
def server(station):
    with RadiodWeb(station.station_dir, port=PORT) as url:
        yield url


@pytest.fixture(scope="module")
def daemon(station):
    """A control socket that answers like the daemon: status, and ok to every command."""
    started = datetime.now(timezone.utc) - timedelta(seconds=40)
    reply = {"ok": True, "state": "playing", "output": "PulseAudio sink 'transmitter'",
             "now": {"title": "Low Water", "artist": "Quiet Harbours", "source": "rotation", "usage": "feature",
                     "started_at": started.isoformat().replace("+00:00", "Z"),
                     "expected_end": (started + timedelta(minutes=3)).isoformat().replace("+00:00", "Z")}}
    server = ControlServer(station.control_socket, lambda r: reply if isinstance(r, GetStatus) else {"ok": True})
    server.start()
    yield
    server.close()


def pages(station) -> list[tuple[str | None, str]]:
    """(who, path) for every HTML page of the app: its GET routes less NOT_PAGES, each as the role
    it is for (the /manager/ pages as a manager, /dj/ as a DJ, the rest anonymous)."""
    app = create_app(station, watch=False)
    try:
        found, missing = [], []
        with app.test_request_context():
            from flask import url_for
            for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
                if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_PAGES:
                    continue
                if rule.arguments and rule.endpoint not in SAMPLES:
                    missing.append(rule.rule)
                    continue
                path = url_for(rule.endpoint, **SAMPLES.get(rule.endpoint, {}))
                who = "boss" if path.startswith("/manager/") else "dj1" if path.startswith("/dj/") else None
                found.append((who, path))
    finally:
        app.extensions["radiod"].hub.stop()
    assert missing == [], f"pages without a sample in SAMPLES (or list them in NOT_PAGES): {missing}"
    return found + EXTRA


def log_in(page, server, name):
    page.goto(server + "/login")
    page.fill('input[name="name"]', name)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    expect(page.locator("header.top")).to_contain_text(f"Log out {name}")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_page_passes_axe(browser, server, station, daemon, width, capsys):
    w, h = WIDTHS[width]
    # The panel's CSP allows no injected script; axe is injected by the test, so this context bypasses it.
    context = browser.new_context(viewport={"width": w, "height": h}, bypass_csp=True)
    page = context.new_page()
    found, who_now = {}, None
    try:
        for who, path in sorted(pages(station), key=lambda p: (p[0] or "", p[1])):
            if who != who_now:
                context.clear_cookies()
                if who:
                    log_in(page, server, who)
                who_now = who
            answer = page.goto(server + path)
            assert answer.status == 200 and page.url.split("#")[0] == server + path.split("#")[0], (who, path)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("""async (tags) => {
                const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                return {passes: r.passes.length, violations: r.violations.map(v => v.id + ' (' + v.nodes.length + '): '
                        + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))}; }""", AXE_TAGS)
            assert result["passes"] >= 5, path                   # the rules did run over this page
            found[f"{who or 'anonymous'} {path}"] = result["violations"]
    finally:
        context.close()
    with capsys.disabled():                                    # the counts are shown in every run
        print(f"\naxe-core at {width} ({w} px), {len(found)} pages, violations per page:")
        for name, violations in found.items():
            print(f"  {len(violations)}  {name}")
    assert len(found) >= 30
    assert {k: v for k, v in found.items() if v} == {}


def test_the_control_room_by_keyboard_alone(browser, server, station, daemon):
    """Skip and pause from the dashboard, insert from the controls page: Tab and Enter only, and
    after each the focus is back on the control used (the page's message says what happened)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, server, "boss")
        page.goto(server + "/manager/")
        region = page.locator("#now-playing [aria-live=polite]")
        expect(region).to_contain_text("Low Water")                 # now playing, read out when it changes
        for name in ("Skip", "Pause"):
            tab_to(page, f"button[value='{name.lower()}'], button", text=name)
            page.keyboard.press("Enter")
            expect(page.locator("#flash")).to_have_text(f"{name.lower()}: done")
            expect(page.get_by_role("button", name=name, exact=True)).to_be_focused()
        # A new song reaches the live region without a reload.
        write_now_playing(station, now_doc("Spring Tide", "Ana Ng"))
        expect(region).to_contain_text("Spring Tide", timeout=10_000)
        page.goto(server + "/manager/controls/")
        tab_to(page, "input[name=title]")
        page.keyboard.type("Storm warning")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(page.locator("#flash")).to_contain_text("Storm warning")
        expect(page.get_by_role("button", name="Play now")).to_be_focused()
    finally:
        context.close()


def tab_to(page, selector: str, *, text: str = "", limit: int = 120) -> None:
    """Tab until the focus is on an element matching ``selector`` (and showing ``text``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("([s, t]) => document.activeElement.matches(s) && (!t || document.activeElement"
                         ".textContent.trim() === t)", [selector, text]):
            return
    raise AssertionError(f"Tab never reached {selector} {text}")
