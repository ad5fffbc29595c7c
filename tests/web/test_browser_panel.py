"""The dashboard, the DJ's home, show pages, the week view and the show editor in Debian's Chromium,
at 1280 px and at phone width, against a real `radiod web` and a real control socket.

With PANEL_SCREENSHOTS=DIR set, each page is also saved there (how docs/screenshots/ is made)."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

from radiod.config import load_config
from radiod.playout.control import ControlServer
from radiod.playout.messages import GetStatus

from panel_support import PASSWORD, RadiodWeb, add_users, make_station, now_doc, write_now_playing
from show_support import add_past_morning, add_show_facts, tone

PORT = 21401
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
SHOTS = os.environ.get("PANEL_SCREENSHOTS", "")


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    config = load_config(make_station(tmp_path_factory.mktemp("panel-browser") / "station"), env={})
    add_users(config)
    add_show_facts(config)
    add_past_morning(config)
    tone(config.paths.uploads / "tape" / "01 tape.mp3", 110)
    started = datetime.now(timezone.utc) - timedelta(seconds=40)
    write_now_playing(config, now_doc("Low Water", "Quiet Harbours", local=True, started=started))
    return config


@pytest.fixture(scope="module")
def server(station):
    with RadiodWeb(station.station_dir, port=PORT) as url:
        yield url


@pytest.fixture(scope="module")
def daemon(station):
    started = datetime.now(timezone.utc) - timedelta(seconds=40)
    reply = {"ok": True, "state": "playing", "output": "PulseAudio sink 'transmitter'",
             "now": {"title": "Low Water", "artist": "Quiet Harbours", "source": "show", "usage": "feature",
                     "started_at": started.isoformat().replace("+00:00", "Z"),
                     "expected_end": (started + timedelta(minutes=3)).isoformat().replace("+00:00", "Z")},
             "errors": [{"at": "2026-12-02T09:12:04.000Z", "kind": "dead-air",
                         "detail": "the process stood still for 4.2 s"}]}
    server = ControlServer(station.control_socket, lambda r: reply if isinstance(r, GetStatus) else {"ok": True})
    server.start()
    yield
    server.close()


@pytest.fixture(params=list(WIDTHS))
def sized(request, browser):
    width, height = WIDTHS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.width_name = request.param
    yield page
    context.close()


def log_in(page, server, name):
    page.goto(server + "/login")
    page.fill('input[name="name"]', name)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')


def fits(page) -> None:
    """Nothing wider than the screen: no sideways scrolling at this width."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
    assert page.console_errors == []


def shoot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{page.width_name}.png"), full_page=True)


def test_dashboard(sized, server, daemon):
    page = sized
    log_in(page, server, "boss")
    expect(page).to_have_url(server + "/manager/")
    expect(page.locator("#station-state")).to_have_text("On air, following the schedule")
    expect(page.locator("#alerts")).to_contain_text("Silence on air at Wed 02 Dec 04:12:04")
    parts = page.locator("#parts")
    expect(parts.locator("div.tone-ok")).to_contain_text("PulseAudio sink 'transmitter'")
    expect(parts.locator("div.tone-off")).to_have_count(3)
    expect(page.locator("#now-playing [data-field='title']")).to_have_text("Low Water")
    expect(page.locator("#daemon-now")).to_contain_text("Quiet Harbours – Low Water: show, feature")
    for name in ("Skip", "Pause", "Resume", "Reload"):
        expect(page.get_by_role("button", name=name)).to_be_visible()
    # The countdown ticks in the browser: point it 65 s ahead and watch it count.
    page.evaluate("""() => { const el = document.querySelector('#next-event [data-countdown]');
                             el.dataset.countdown = new Date(Date.now() + 65500).toISOString(); }""")
    countdown = page.locator("#next-event [data-countdown]")
    expect(countdown).to_have_text(re.compile(r"^in 1 min 0[0-5] s$"), timeout=2500)
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first, timeout=2500)
    fits(page)
    shoot(page, "dashboard")


def test_dj_home(sized, server, station):
    page = sized
    log_in(page, server, "dj1")
    expect(page).to_have_url(server + "/dj/")
    # The next airing is the one on air when the suite runs inside the show's hours: "now" then.
    next_airing = page.locator("#next-airing [data-countdown]")
    started = page.evaluate("el => Date.parse(el.dataset.countdown) <= Date.now()", next_airing.element_handle())
    expect(next_airing).to_have_text("now" if started else re.compile(r"^in \d+ (h \d\d min|min \d\d s)$"))
    uploads = page.locator("#uploads li")
    expect(uploads).to_have_count(2)
    expect(uploads.first).to_contain_text("ready: 1 file(s), 1:50, the slot is 2:00")
    # Yesterday's airing holds the plays (today's, once started, is listed first and may be empty).
    yesterday = datetime.now(station.zone) - timedelta(days=1)
    past = page.locator("details.past-airing").filter(has_text=yesterday.strftime("%A %d %B"))
    expect(past).to_contain_text("Morning Tide")
    expect(past).to_contain_text("Low Water")
    fits(page)
    shoot(page, "dj-home")


def test_show_page_and_week(sized, server):
    page = sized
    page.goto(server + "/schedule")
    expect(page.locator("#week .day")).to_have_count(7)
    page.locator("#week a.show", has_text="Morning Tide").first.click()
    expect(page).to_have_url(server + "/shows/morning")
    expect(page.locator("h1")).to_have_text("Morning Tide")
    expect(page.locator(".hosts a")).to_have_text("dj1")
    assert page.evaluate("document.querySelector('.show-image').naturalWidth") == 320   # the image loaded
    expect(page.locator(".past-airing").first).to_contain_text("Spring Tide")
    fits(page)
    shoot(page, "show-page")
    page.goto(server + "/schedule")
    fits(page)
    shoot(page, "schedule")


def test_a_manager_edits_a_show_and_listeners_read_it(sized, server, station):
    page = sized
    log_in(page, server, "boss")
    page.goto(server + "/manager/shows/")
    page.locator("#shows a", has_text="Tape Hour").click()
    text = f"Cassettes from the archive ({page.width_name})."
    page.fill('textarea[name="description"]', text)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("Saved: show tape: facts")
    assert text in (station.paths.schedules / "shows.toml").read_text(encoding="utf-8")
    assert "# Pre-recorded: the DJ's files" in (station.paths.schedules / "shows.toml").read_text(encoding="utf-8")
    fits(page)
    page.goto(server + "/shows/tape")
    expect(page.locator(".description")).to_have_text(text)


# axe-core from npm (scripts/setup.sh --test puts it in the venv's vendor folder), WCAG 2.x A and AA rules.
AXE = Path(__file__).resolve().parents[2] / ".venv" / "vendor" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_PAGES = [(None, "/schedule"), (None, "/shows/morning"), (None, "/shows/tape"), (None, "/hosts/dj1"),
             ("dj1", "/dj/"), ("boss", "/manager/"), ("boss", "/manager/shows/"), ("boss", "/manager/shows/tape")]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_axe_finds_no_violation(browser, server, daemon, width):
    w, h = WIDTHS[width]
    # The panel's CSP allows no injected script; axe is injected by the test, so this context bypasses it.
    context = browser.new_context(viewport={"width": w, "height": h}, bypass_csp=True)
    page = context.new_page()
    found = {}
    try:
        for who, path in AXE_PAGES:
            if who and page.evaluate("document.body.innerText").find(f"Log out {who}") < 0:
                context.clear_cookies()
                log_in(page, server, who)
            assert page.goto(server + path).status == 200 and page.url == server + path
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("""async (tags) => {
                const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                return {passes: r.passes.length, violations: r.violations.map(v => v.id + ' (' + v.nodes.length + '): '
                        + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))}; }""", AXE_TAGS)
            assert result["passes"] >= 5                       # the rules did run over this page
            found[f"{who or 'anon'} {path}"] = result["violations"]
    finally:
        context.close()
    print("\naxe-core", width, {k: len(v) for k, v in found.items()})
    assert {k: v for k, v in found.items() if v} == {}


def test_the_dashboard_controls_work_from_the_keyboard(sized, server, daemon):
    page = sized
    log_in(page, server, "boss")
    expect(page).to_have_url(server + "/manager/")
    for _ in range(60):                             # Tab along the page until Skip has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Skip":
            break
    else:
        raise AssertionError("Tab never reached the Skip button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(server + "/manager/")
    expect(page.locator(".flash")).to_have_text("skip: done")
    assert page.console_errors == []
