"""The live-log page in Chromium on a phone (390 px): a co-host searches the library, taps "on
now", types a song that is not in it; the list updates without a reload. A real `radiod web`
process drives the real desk (tests/live/livelog_rig.py) over the control socket."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from radiod.clock import SystemClock

from panel_support import RadiodWeb
from tests.live.livelog_rig import PASSWORD, SHOW, LiveShow, add_people, add_track, station

PORT = 21100               # this test's own port


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    clock = SystemClock()
    show = LiveShow(station(tmp_path_factory.mktemp("livelog") / "station", datetime.now(timezone.utc)), clock)
    add_people(show.config, clock)
    show.track_id = add_track(show.config, clock)
    show.serve_control()
    show.go_live("kim")
    yield show
    show.close()


@pytest.fixture(scope="module")
def server(rig):
    with RadiodWeb(rig.config.station_dir, port=PORT) as url:
        yield url


def test_a_co_host_logs_songs_from_a_phone(rig, server, page):
    page.goto(f"{server}/login?next=/dj/live-log/")
    page.fill('input[name="name"]', "ana")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url("**/dj/live-log/")
    assert SHOW in page.inner_text("#live-log")
    page.wait_for_selector("#ll-songs li")                 # the first poll has answered
    assert page.inner_text("#ll-songs") == "No songs logged yet."

    page.fill("#ll-q", "tide")
    result = page.locator("#ll-results li", has_text="Quiet Harbours – Low Tide")
    result.get_by_role("button", name="On now").click()
    first = page.locator("#ll-songs li", has_text="Quiet Harbours – Low Tide")
    first.get_by_text("playing").wait_for()
    assert "Logged: Quiet Harbours – Low Tide" in page.inner_text("#ll-status")

    page.fill("#ll-artist", "The Gulls")
    page.fill("#ll-title", "Harbour Lights")
    page.click("#ll-typed button[type=submit]")
    page.locator("#ll-songs li", has_text="The Gulls – Harbour Lights").get_by_text("playing").wait_for()
    # The first song is closed now and may be corrected; no horizontal scrolling on the phone.
    first.get_by_role("button", name="Correct").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.console_errors == []

    rows = [r for r in rig.rows() if r["usage"] == "feature"]
    assert [(r["title"], r["track_id"], r["isrc"]) for r in rows] == \
        [("Low Tide", rig.track_id, "CAAB12600001"), ("Harbour Lights", None, "")]
    assert rows[0]["ended_at_ms"] == rows[1]["started_at_ms"]

    # A song the DJ's encoder names appears by the page's poll, without a reload.
    rig.encoder_song("Mira", "Third Song")
    page.locator("#ll-songs li", has_text="Mira – Third Song").get_by_text("playing").wait_for(timeout=10_000)
    assert page.locator("#ll-songs li").count() == 3


def test_the_live_page_passes_axe_at_390_px(rig, server, browser):
    """The page with a show live and songs listed (tests/web/test_browser_axe.py sees it with none)."""
    from tests.web.test_browser_axe import AXE, AXE_TAGS

    for n in (1, 2):        # songs in the list, the first closed (so its Correct button shows)
        rig.desk.log_song("kim", f"Axe Song {n}", "Mira", press=f"axe-{n}")
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{server}/login?next=/dj/live-log/")
        page.fill('input[name="name"]', "kim")
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_url("**/dj/live-log/")
        page.fill("#ll-q", "tide")
        page.locator("#ll-results li").first.wait_for()
        page.locator("#ll-songs li button").first.wait_for()         # a song listed with its Correct button
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("""async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return {passes: r.passes.length, violations: r.violations.map(v => v.id + ': '
                    + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))}; }""", AXE_TAGS)
    finally:
        context.close()
    assert result["passes"] >= 5 and result["violations"] == []
