"""The panel during a live show in Debian's Chromium, at 1280 px and at phone width, against a real
`radiod web` and a real control socket: the dashboard names the live DJ (state line, on-air card,
the live input in the air chain) and alerts on a live slot with no DJ, in English and French; the
DJ's home gives the go-live details with a ticking countdown; axe-core finds no violation on
either page in either state.

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

PORT = 21410
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
SHOTS = os.environ.get("PANEL_SCREENSHOTS", "")
AXE = Path(__file__).resolve().parents[2] / ".venv" / "vendor" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


OPENS: dict[str, datetime] = {}


def z(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    root = make_station(tmp_path_factory.mktemp("panel-live") / "station")
    with open(root / "radiod.toml", "a", encoding="utf-8") as f:
        f.write('[liquidsoap]\nlive_input = true\nharbor_port = 8123\nharbor_public_host = "live.example.org"\n')
    config = load_config(root, env={})
    add_users(config)
    # dj2's live show ninety minutes from now (kept inside one local day), and nothing else.
    start = (datetime.now(config.zone) + timedelta(minutes=90)).replace(second=0, microsecond=0)
    if (start + timedelta(hours=1)).date() != start.date():
        start = (start + timedelta(days=1)).replace(hour=0, minute=30)
    end = start + timedelta(hours=1)
    sched = config.paths.schedules
    with open(sched / "shows.toml", "a", encoding="utf-8") as f:
        f.write('\n[show.openmic]\ntitle = "Open Mic Live"\nkind = "live"\nhosts = ["dj2"]\n')
    (sched / "grid.toml").write_text(f'[[exception]]\ndate = "{start:%Y-%m-%d}"\nstart = "{start:%H:%M}"\n'
                                     f'end = "{end:%H:%M}"\nshow = "openmic"\n', encoding="utf-8")
    OPENS["at"] = start - timedelta(minutes=5)              # the harbor takes dj2 from here (5 min grace)
    return config


@pytest.fixture(scope="module")
def server(station):
    with RadiodWeb(station.station_dir, port=PORT) as url:
        yield url


@pytest.fixture(scope="module")
def daemon(station):
    """A control socket answering like the daemon; ``daemon["reply"]`` is what status says."""
    now = datetime.now(timezone.utc)
    show = {"title": "Open Mic Live", "hosts": ["dj2"], "start": z(now - timedelta(minutes=1)),
            "end": z(now + timedelta(minutes=59)), "kind": "live"}
    state = {
        "live": {"ok": True, "state": "live", "output": "PulseAudio sink 'transmitter'", "show": show,
                 "live": {"dj": "dj2", "show": "Open Mic Live", "since": z(now)},
                 "now": {"title": "Open Mic Live (live)", "artist": "dj2", "show": "Open Mic Live",
                         "source": "live", "usage": "talk", "started_at": z(now)}},
        "unattended": {"ok": True, "state": "fallback", "output": "PulseAudio sink 'transmitter'", "show": show,
                       "now": {"title": "Filler", "artist": "Robot", "source": "fallback", "usage": "feature",
                               "started_at": z(now), "reason": "a live slot with no DJ"}},
    }
    holder = {"reply": state["live"], "states": state}
    server = ControlServer(station.control_socket,
                           lambda r: holder["reply"] if isinstance(r, GetStatus) else {"ok": True})
    server.start()
    yield holder
    server.close()


@pytest.fixture(params=[(w, lang) for w in WIDTHS for lang in ("en", "fr")], ids=lambda p: f"{p[0]}-{p[1]}")
def sized(request, browser):
    width_name, lang = request.param
    width, height = WIDTHS[width_name]
    context = browser.new_context(viewport={"width": width, "height": height}, locale=lang, bypass_csp=True)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.width_name, page.lang = width_name, lang
    yield page
    context.close()


WORDS = {
    "en": {"live": "Live: dj2 — Open Mic Live", "card": "Live",
           "alert": "Open Mic Live is on air, no DJ connected: fallback playing",
           "connected": "connected: dj2, live for Open Mic Live",
           "waiting": "waiting: no DJ connected for Open Mic Live", "go": "Go live",
           "countdown": r"^in 1 h \d\d min$"},
    "fr": {"live": "En direct\u00a0: dj2 — Open Mic Live", "card": "En direct",
           "alert": "Open Mic Live est à l’antenne, aucun DJ connecté\u00a0: le secours joue",
           "connected": "connectée\u00a0: dj2, en direct pour Open Mic Live",
           "waiting": "en attente\u00a0: aucun DJ connecté pour Open Mic Live", "go": "Passer en direct",
           "countdown": r"^dans 1 h \d\d min$"},
}


def log_in(page, server, name):
    page.goto(server + "/login")
    page.fill('input[name="name"]', name)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
    assert page.console_errors == []


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async (tags) => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        return r.violations.map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')); }""",
                         AXE_TAGS)


def shoot(page, name: str) -> None:
    if SHOTS and page.lang == "en":
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{page.width_name}.png"), full_page=True)


def test_the_dashboard_names_the_live_dj_and_alerts_on_an_unattended_slot(sized, server, station, daemon, capsys):
    page, words = sized, WORDS[sized.lang]
    write_now_playing(station, {**now_doc("Open Mic Live (live)", "dj2", show="Open Mic Live"), "state": "live"})
    log_in(page, server, "boss")
    expect(page).to_have_url(server + "/manager/")
    daemon["reply"] = daemon["states"]["live"]
    page.goto(server + "/manager/")
    expect(page.locator("#station-state")).to_have_text(words["live"])
    expect(page.locator("#on-air-live")).to_have_text(words["live"])
    expect(page.locator("#now-playing [data-field='state']")).to_have_text(words["card"])
    live_part = page.locator("#parts div").filter(has_text=words["connected"])
    expect(live_part).to_have_class("tone-ok")
    live_violations = axe_violations(page)
    fits(page)
    shoot(page, "dashboard-live")
    daemon["reply"] = daemon["states"]["unattended"]
    try:
        page.goto(server + "/manager/")
        expect(page.locator("#alerts li.tone-bad").first).to_have_text(words["alert"])
        expect(page.locator("#parts div").filter(has_text=words["waiting"])).to_have_class("tone-bad")
        unattended_violations = axe_violations(page)
        fits(page)
    finally:
        daemon["reply"] = daemon["states"]["live"]
    with capsys.disabled():
        print(f"\naxe-core {page.width_name} {page.lang}: /manager/ live {len(live_violations)}, "
              f"no DJ {len(unattended_violations)} violations")
    assert live_violations == [] and unattended_violations == []


def test_the_dj_home_gives_the_go_live_details_with_a_ticking_countdown(sized, server, station, capsys):
    page, words = sized, WORDS[sized.lang]
    log_in(page, server, "dj2")
    expect(page).to_have_url(server + "/dj/")
    section = page.locator("#go-live")
    expect(section.locator("h2")).to_have_text(words["go"])
    expect(section.locator("#go-live-login")).to_contain_text("live.example.org:8123/live")
    expect(section.locator("#go-live-login")).to_contain_text("dj2")
    countdown = section.locator("[data-countdown]")
    assert countdown.get_attribute("data-countdown") == z(OPENS["at"])
    expect(countdown).to_have_text(re.compile(words["countdown"]))
    shoot(page, "dj-home-live")
    # The countdown ticks in the browser: point it 65 s ahead and watch it count.
    page.evaluate("""() => { const el = document.querySelector('#go-live [data-countdown]');
                             el.dataset.countdown = new Date(Date.now() + 65500).toISOString(); }""")
    expect(countdown).to_have_text(re.compile(r"^(in|dans) 1 min 0[0-5] s$"), timeout=2500)
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first, timeout=2500)
    # The encoders' settings open by keyboard (a <details> summary takes Enter).
    section.locator("#encoder-butt summary").focus()
    page.keyboard.press("Enter")
    expect(section.locator("#encoder-butt table")).to_be_visible()
    expect(section.locator("#encoder-butt table")).to_contain_text("live.example.org")
    section.locator("#encoder-ffmpeg summary").click()
    expect(section.locator("#encoder-ffmpeg pre")).to_have_text(
        "ffmpeg -re -i YOUR_FILE.mp3 -c:a libmp3lame -b:a 128k -f mp3 -content_type audio/mpeg "
        "icecast://dj2:YOUR_RADIOD_PASSWORD@live.example.org:8123/live")
    violations = axe_violations(page)
    fits(page)
    with capsys.disabled():
        print(f"\naxe-core {page.width_name} {page.lang}: /dj/ with go-live details {len(violations)} violations")
    assert violations == []
