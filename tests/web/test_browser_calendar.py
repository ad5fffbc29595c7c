"""The grid's week calendar in Debian's Chromium against a real `radiod web`: drag a block to
another day, drag its edge to a new end, a conflicting drop refused on the block, click an empty
time to add, and the same edits with the keyboard alone; at 1280 px and at phone width (390 px,
the day view). Every edit must change grid.toml through the editor's round trip, comments kept.

The edits (drag to another day, an edge, a conflicting drop, click to add, the keyboard) run in
each language (en, ms, fr: the ``radiod_lang`` cookie), the page checked to be in it, its messages
looked for in the language's catalogue; the other tests run in English."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from radiod.config import load_config
from radiod.schedule import DAYS, edit

from lang_support import LANGS, before, words
from panel_support import PASSWORD, RadiodWeb, add_users, make_station

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
SHOTS = os.environ.get("PANEL_SCREENSHOTS", "")
WEEK = "2026-12-21"                      # Monday of Christmas week: the dated exception is on Friday

SHOWS = """# Shows of the calendar's test station.
[show.morning]
title = "Morning Tide"
kind = "live"
hosts = ["dj1"]

[show.evening]
title = "Evening Static"
kind = "live"
hosts = ["dj2"]
"""

GRID = """# The calendar's test grid.
# Keep this comment: the calendar must not lose it.

[[slot]]
days = ["mon", "wed"]   # two mornings
start = "07:00"
end = "09:00"
show = "morning"

# Tuesday evening only.
[[slot]]
days = ["tue"]
start = "19:00"
end = "21:00"
show = "evening"

# A holiday special.
[[exception]]
date = "2026-12-25"
start = "10:00"
end = "12:00"
show = "evening"
note = "Christmas special"
"""


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    config = load_config(make_station(tmp_path_factory.mktemp("calendar") / "station"), env={})
    (config.paths.schedules / "shows.toml").write_text(SHOWS, encoding="utf-8")
    add_users(config)
    return config


@pytest.fixture(scope="module")
def server(station):
    with RadiodWeb(station.station_dir) as url:
        yield url


@pytest.fixture(autouse=True)
def fresh_grid(station):
    (station.paths.schedules / "grid.toml").write_text(GRID, encoding="utf-8")


def grid(station) -> str:
    return (station.paths.schedules / "grid.toml").read_text(encoding="utf-8")


# The week's days as each language names them: the day links (the day view's bar) and the columns' headings.
DAY_LINK = {"en": dict(zip(DAYS, ("Mon 21", "Tue 22", "Wed 23", "Thu 24", "Fri 25", "Sat 26", "Sun 27"))),
            "ms": dict(zip(DAYS, ("Isn 21", "Sel 22", "Rab 23", "Kha 24", "Jum 25", "Sab 26", "Ahd 27"))),
            "fr": dict(zip(DAYS, ("lun. 21", "mar. 22", "mer. 23", "jeu. 24", "ven. 25", "sam. 26", "dim. 27")))}
HEADING = {"en": "Fri 25 Dec", "ms": "Jum 25 Dis", "fr": "ven. 25 déc."}
MONDAY = {"en": "Monday 21 December 2026", "ms": "Isnin, 21 Disember 2026", "fr": "lundi 21 décembre 2026"}


@pytest.fixture(params=LANGS)
def lang(request) -> str:
    """The panel's language for the edits' tests (tests that do not ask for it run in English)."""
    return request.param


SIGNED_IN: dict[str, dict] = {}          # the manager's cookies after the first login, by server


def logged_in(browser, server, width_name: str, lang: str = "en"):
    """A manager's page; the login form is used once per server, later pages reuse its cookies."""
    width, height = WIDTHS[width_name]
    context = browser.new_context(viewport={"width": width, "height": height}, storage_state=SIGNED_IN.get(server))
    context.add_cookies([{"name": "radiod_lang", "value": lang, "url": server}])
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.width_name = width_name
    page.lang = lang
    if server not in SIGNED_IN:
        page.goto(server + "/login")
        page.fill('input[name="name"]', "boss")
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        expect(page).to_have_url(server + "/manager/")
        SIGNED_IN[server] = context.storage_state()
    return context, page


def _lang_of(request) -> str:
    return request.getfixturevalue("lang") if "lang" in request.fixturenames else "en"


@pytest.fixture(params=list(WIDTHS))
def sized(request, browser, server):
    """A manager's page at 1280 px, then at 390 px (in each language when the test asks for ``lang``)."""
    context, page = logged_in(browser, server, request.param, _lang_of(request))
    yield page
    context.close()


@pytest.fixture
def wide(request, browser, server):
    """A manager's page at 1280 px only (seven days side by side)."""
    context, page = logged_in(browser, server, "desktop", _lang_of(request))
    yield page
    context.close()


@pytest.fixture
def narrow(request, browser, server):
    """A manager's page at 390 px only (the day view)."""
    context, page = logged_in(browser, server, "phone", _lang_of(request))
    yield page
    context.close()


def open_week(page, server, day: str = "tue") -> None:
    page.goto(f"{server}/manager/grid/?week={WEEK}&day={day}")
    expect(page.locator("#cal.placed")).to_have_count(1)            # the script placed the blocks
    in_language(page, day)


def in_language(page, day: str) -> None:
    """The page is in the page's language: its lang, its headings, the days named in it; at phone
    width the day shown is the current link, and every day's link is on the screen (the longer
    French names wrap, they are not cut off)."""
    lang = page.lang
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("h1")).to_have_text(words(lang, "Weekly grid"))
    expect(page.locator("#calendar-title")).to_have_text(words(lang, "The week of %(day)s", day=MONDAY[lang]))
    for name, text in DAY_LINK[lang].items():
        expect(page.locator(f'.cal-days a[data-day="{name}"]')).to_have_text(text)
    if page.width_name == "phone":
        link = page.locator(f'.cal-days a[data-day="{day}"]')
        expect(link).to_have_attribute("aria-current", "true")
        expect(link).to_be_in_viewport()
        assert page.eval_on_selector_all(".cal-days a", "els => els.every(e => { const r = e.getBoundingClientRect();"
                                         " return r.left >= 0 && r.right <= innerWidth; })")
    if day == "fri":
        expect(page.locator("#cal-fri")).to_have_text(HEADING[lang])


def saved(lang: str, msgid: str, **values: object) -> str:
    """The flash after a saved edit ("Saved: moved …."), in ``lang``."""
    return before(lang, "Saved: %(change)s. %(reload)s", "reload", change=words(lang, msgid, **values))


MOVED = "moved %(show)s (%(which)s %(start)s–%(end)s) to %(day)s %(to_start)s–%(to_end)s"


def moved(lang: str, show: str, which: str, old: str, new: str) -> str:
    """The flash of a moved airing: ``old`` and ``new`` are "tue 19:00–21:00"."""
    start, end = old.split()[-1].split("–")
    day, times = new.split()
    to_start, to_end = times.split("–")
    return saved(lang, MOVED, show=show, which=which, start=start, end=end, day=day, to_start=to_start,
                 to_end=to_end)


def column(page, day: str):
    return page.locator(f'.cal-day[data-day="{day}"] .cal-col')


def hour_px(page) -> float:
    return page.locator(".cal-day.current .cal-col").bounding_box()["height"] / 24


def drag(page, source, dx: float, dy: float, *, at: str = "middle") -> None:
    """Press on ``source`` (its middle, or 2 px inside its bottom edge) and move by dx, dy."""
    source.evaluate("(el, up) => el.scrollIntoView({block: up ? 'end' : 'start'})", dy < 0)   # room to travel
    box = source.bounding_box()
    x = box["x"] + box["width"] / 2
    y = box["y"] + (box["height"] - 2 if at == "bottom" else min(12, box["height"] / 2))
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx / 2, y + dy / 2, steps=4)
    page.mouse.move(x + dx, y + dy, steps=4)


def slot_of(text: str, show: str) -> list[edit.SlotFields]:
    return [s for s in edit.slots(text) if s.show == show]


def fits(page, *, refused: bool = False) -> None:
    """No sideways scrolling, no script error (a refused edit is answered 400, which Chromium logs)."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
    expected = "the server responded with a status of 400" if refused else "\0"
    assert [e for e in page.console_errors if expected not in e] == []


def test_the_week_shows_each_airing_and_the_dated_exception_on_its_date(sized, server):
    page = sized
    open_week(page, server, "fri")
    if page.width_name == "desktop":
        expect(page.locator(".cal-day:visible")).to_have_count(7)
    else:                                        # the day view: one day, chosen from the day links
        expect(page.locator(".cal-day:visible")).to_have_count(1)
        expect(page.locator(".cal-days a[aria-current]")).to_have_text(DAY_LINK["en"]["fri"])
    special = page.locator('.cal-day[data-day="fri"] .cal-block.exception')
    expect(special).to_contain_text("10:00–12:00 Evening Static Christmas special (dated exception)")
    expect(special).to_be_visible()
    expect(page.locator('.cal-day[data-day="wed"] #block-0-wed')).to_contain_text("07:00–09:00 Morning Tide")
    # Placed on the time axis: the 10:00 special starts 10/24 down its column.
    block = page.locator("#exception-0").bounding_box()
    col = column(page, "fri").bounding_box()
    assert abs((block["y"] - col["y"]) - 10 * col["height"] / 24) < 2
    fits(page)


def test_drag_a_slot_to_another_day_then_its_edge_to_a_new_end(lang, wide, server, station):
    """Seven days side by side (at phone width one day is shown: a block goes to another day by a
    drop on the day's name, test_in_the_day_view_a_block_dropped_on_a_days_name_moves_there)."""
    page = wide
    open_week(page, server)
    tue, thu = column(page, "tue").bounding_box(), column(page, "thu").bounding_box()
    drag(page, page.locator("#block-1-tue"), thu["x"] - tue["x"], 0)
    expect(page.locator("#block-1-tue")).to_contain_text("thu 19:00–21:00")       # where it lands, before saving
    page.mouse.up()
    expect(page.locator("#flash")).to_contain_text(moved(lang, "evening", "tue", "tue 19:00–21:00", "thu 19:00–21:00"))
    after = grid(station)
    assert after == GRID.replace('days = ["tue"]', 'days = ["thu"]')             # only that value, comments kept
    expect(page.locator("#block-1-thu a")).to_be_focused()                       # focus on the block moved
    drag(page, page.locator("#block-1-thu"), 0, hour_px(page) * 1.5, at="bottom")
    expect(page.locator("#block-1-thu")).to_contain_text("thu 19:00–22:30")
    page.mouse.up()
    expect(page.locator("#flash")).to_contain_text(moved(lang, "evening", "thu", "thu 19:00–21:00", "thu 19:00–22:30"))
    assert grid(station) == after.replace('end = "21:00"', 'end = "22:30"')
    assert "# Keep this comment: the calendar must not lose it." in grid(station)
    fits(page)


def test_in_the_day_view_a_block_dropped_on_a_days_name_moves_there(lang, narrow, server, station):
    page = narrow
    open_week(page, server, "tue")
    block = page.locator("#block-1-tue")
    block.evaluate("el => el.scrollIntoView({block: 'center'})")
    bar = page.locator(".cal-days")
    assert bar.bounding_box()["y"] == 0                            # the day names stay in sight (sticky)
    thu = page.locator('.cal-days a[data-day="thu"]').bounding_box()
    box = block.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 12)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] - 40, steps=4)
    page.mouse.move(thu["x"] + thu["width"] / 2, thu["y"] + thu["height"] / 2, steps=6)
    expect(page.locator('.cal-days a.drop[data-day="thu"]')).to_have_count(1)
    expect(block).to_contain_text("thu 19:00–21:00")                # where it lands, before saving
    page.mouse.up()
    expect(page.locator("#flash")).to_contain_text(moved(lang, "evening", "tue", "tue 19:00–21:00", "thu 19:00–21:00"))
    assert grid(station) == GRID.replace('days = ["tue"]', 'days = ["thu"]')
    expect(page.locator(".cal-days a[aria-current]")).to_have_text(DAY_LINK[lang]["thu"])   # the day view follows it
    expect(page.locator("#block-1-thu a")).to_be_focused()
    fits(page)


def settle(page) -> None:
    """Wait until the page has stopped scrolling."""
    last = None
    for _ in range(50):
        now = page.evaluate("scrollY")
        if now == last:
            return
        last = now
        page.wait_for_timeout(150)


def test_on_a_touch_screen_a_swipe_scrolls_and_a_held_block_moves(browser, server, station):
    """A finger on a phone: a swipe over a block scrolls the day (nothing moves); held still for a
    moment, the block follows the finger (touch events sent as Chromium's own input, over CDP)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        page = context.new_page()
        page.lang, page.width_name = "en", "phone"
        page.goto(server + "/login")
        page.fill('input[name="name"]', "boss")
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        open_week(page, server, "wed")
        cdp = context.new_cdp_session(page)

        def touch(kind, x=0.0, y=0.0):
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [] if kind == "touchEnd"
                                                  else [{"x": x, "y": y}]})

        block = page.locator("#block-0-wed")
        block.evaluate("el => el.scrollIntoView({block: 'start'})")
        box = block.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        scrolled = page.evaluate("scrollY")
        touch("touchStart", x, y)
        for i in range(1, 11):
            touch("touchMove", x, y - 20 * i)
        touch("touchEnd")
        settle(page)
        assert page.evaluate("scrollY") > scrolled + 50                      # the page scrolled
        assert grid(station) == GRID and "/manager/grid/" in page.url and "edit=" not in page.url

        settle(page)                                                         # the swipe's fling is over
        block.evaluate("el => el.scrollIntoView({block: 'start'})")
        settle(page)
        box = block.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        hour = hour_px(page)
        touch("touchStart", x, y)
        page.wait_for_timeout(600)                                           # held: picked up
        for i in range(1, 11):
            touch("touchMove", x, y + hour * i / 10)
        expect(block).to_contain_text("wed 08:00–10:00")
        touch("touchEnd")
        expect(page.locator("#flash")).to_contain_text("Saved: moved morning (wed 07:00–09:00) to wed 08:00–10:00")
        assert [(s.days, s.start) for s in slot_of(grid(station), "morning")] == [("mon", "07:00"), ("wed", "08:00")]
    finally:
        context.close()


def test_dragging_every_day_of_a_slot_at_once(wide, server, station):
    page = wide
    open_week(page, server)
    page.get_by_label("Dragging moves every day of a slot").check()
    drag(page, page.locator("#block-0-mon"), 0, hour_px(page))
    expect(page.locator("#block-0-mon")).to_contain_text("mon 08:00–10:00")
    page.mouse.up()
    expect(page.locator("#flash")).to_contain_text("Saved: moved morning (every day of the slot 07:00–09:00) "
                                                   "to mon 08:00–10:00")
    assert grid(station) == GRID.replace('start = "07:00"\nend = "09:00"', 'start = "08:00"\nend = "10:00"')
    expect(page.locator("#block-0-wed")).to_contain_text("08:00–10:00 Morning Tide")


def test_drag_an_edge_in_the_day_view(lang, sized, server, station):
    page = sized
    open_week(page, server, "wed")
    drag(page, page.locator("#block-0-wed"), 0, hour_px(page), at="bottom")
    page.mouse.up()
    expect(page.locator("#flash")).to_contain_text(moved(lang, "morning", "wed", "wed 07:00–09:00", "wed 07:00–10:00"))
    # Only Wednesday's airing changed: it is a slot of its own now, right after Monday's.
    text = grid(station)
    assert [(s.days, s.start, s.end) for s in slot_of(text, "morning")] == [("mon", "07:00", "09:00"),
                                                                            ("wed", "07:00", "10:00")]
    assert "# Tuesday evening only." in text and "days = [\"mon\"]   # two mornings" in text
    expect(page.locator("#block-1-wed a")).to_be_focused()
    fits(page)


SERVER_OVERLAP = "%(slot)s overlaps %(other)s (%(other_where)s)"      # radiod.schedule.check's message


def test_a_conflicting_drop_is_refused_on_the_block(lang, sized, server, station):
    page = sized
    open_week(page, server, "tue")
    # Tuesday's evening dropped on Wednesday 08:00, over Wednesday's morning (in the day view, where
    # one day is shown, the evening is on Wednesday already and only its hours change).
    if page.width_name == "desktop":
        tue, wed = column(page, "tue").bounding_box(), column(page, "wed").bounding_box()
        drag(page, page.locator("#block-1-tue"), wed["x"] - tue["x"], -hour_px(page) * 11)     # wed 08:00
        expect(page.locator("#block-1-tue.conflict .problem")).to_have_text(words(      # before anything is saved
            lang, "%(where)s overlaps %(other)s", where="wed 08:00–10:00", other="wed 07:00–09:00 Morning Tide"))
        page.mouse.up()
        expect(page.locator("#block-1-tue.bad .problem")).to_contain_text(before(     # the server's check, on the block
            lang, SERVER_OVERLAP, "other_where", slot="wed 08:00–10:00 evening", other="wed 07:00–09:00 morning"))
    else:
        (station.paths.schedules / "grid.toml").write_text(GRID.replace('days = ["tue"]', 'days = ["wed"]'),
                                                           encoding="utf-8")
        open_week(page, server, "wed")
        drag(page, page.locator("#block-1-wed"), 0, -hour_px(page) * 11)
        expect(page.locator("#block-1-wed.conflict .problem")).to_have_text(words(
            lang, "%(where)s overlaps %(other)s", where="wed 08:00–10:00", other="wed 07:00–09:00 Morning Tide"))
        page.mouse.up()
        expect(page.locator("#block-1-wed.bad .problem")).to_contain_text(before(
            lang, SERVER_OVERLAP, "other_where", slot="", other="wed 07:00–09:00 morning").strip())
    assert "evening" in page.locator("#move-errors").inner_text()           # and in the block's form
    expect(page.locator("#flash")).to_have_count(0)
    assert grid(station) in (GRID, GRID.replace('days = ["tue"]', 'days = ["wed"]'))   # unchanged
    fits(page, refused=True)


def test_click_an_empty_time_to_add_a_show(lang, sized, server, station):
    page = sized
    open_week(page, server, "sun")
    col = column(page, "sun").bounding_box()               # 14:30 to the middle of the screen (the text above
    page.evaluate("y => window.scrollBy(0, y)", col["y"] + hour_px(page) * 14.5 - 400)    # is longer in French)
    col = column(page, "sun").bounding_box()
    page.mouse.click(col["x"] + col["width"] / 2, col["y"] + hour_px(page) * 14.5)
    expect(page.locator('#add-slot input[name="show"]')).to_be_focused()
    expect(page.locator('#add-slot input[name="days"]')).to_have_value("sun")
    expect(page.locator('#add-slot input[name="start"]')).to_have_value("14:00")
    expect(page.locator('#add-slot input[name="end"]')).to_have_value("15:00")
    expect(page.locator("#cal-status")).to_have_text(words(lang, "New slot: %(day)s %(time)s; choose its show below.",
                                                           day="sun", time="14:00"))
    page.keyboard.type("morning")
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_contain_text(saved(lang, "added %(slot)s", slot="morning sun 14:00–15:00"))
    assert grid(station).startswith(GRID.split("# A holiday special.")[0])
    assert slot_of(grid(station), "morning")[-1] == edit.SlotFields("sun", "14:00", "15:00", "morning")


def tab_to(page, selector: str, limit: int = 200) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_same_edits_by_keyboard_alone(lang, sized, server, station):
    page = sized
    open_week(page, server, "tue")
    tab_to(page, "#block-1-tue a")
    page.keyboard.press("Enter")                                   # the block's form
    expect(page.locator('#move-form select[name="to_day"]')).to_be_focused()
    page.keyboard.press("ArrowDown")                               # tue → wed → thu
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")                                     # start stays 19:00; to the end
    page.keyboard.press("Control+A")
    page.keyboard.type("22:30")
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_contain_text(moved(lang, "evening", "tue", "tue 19:00–21:00", "thu 19:00–22:30"))
    assert grid(station) == GRID.replace('days = ["tue"]\nstart = "19:00"\nend = "21:00"',
                                         'days = ["thu"]\nstart = "19:00"\nend = "22:30"')
    expect(page.locator("#block-1-thu a")).to_be_focused()        # back on the block, in its new place
    # A conflict typed in the form is refused the same way, the form kept with the message.
    page.keyboard.press("Enter")
    expect(page.locator('#move-form select[name="to_day"]')).to_be_focused()
    page.keyboard.press("ArrowUp")                                 # thu → wed
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("08:00")
    page.keyboard.press("Enter")
    expect(page.locator("#move-errors")).to_contain_text(before(
        lang, SERVER_OVERLAP, "other_where", slot="wed 08:00–22:30 evening", other="wed 07:00–09:00 morning"))
    expect(page.locator('#move-form select[name="to_day"]')).to_be_focused()
    assert 'days = ["thu"]' in grid(station)
    # Remove this day, by keyboard: the focus goes to the message saying so.
    page.goto(f"{server}/manager/grid/?week={WEEK}&day=mon")
    tab_to(page, "#block-0-mon a")
    page.keyboard.press("Enter")
    expect(page.locator('#move-form select[name="to_day"]')).to_be_focused()
    tab_to(page, "#move-form button[value=remove]")
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_contain_text(saved(lang, "removed %(show)s on %(day)s %(start)s–%(end)s",
                                                         show="morning", day="mon", start="07:00", end="09:00"))
    expect(page.locator("#flash")).to_be_focused()
    assert [s.days for s in slot_of(grid(station), "morning")] == ["wed"]
    # Undo, by keyboard too (twice): the file is back as it was.
    tab_to(page, "form[action$='/undo'] button")
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_contain_text(
        before(lang, "Undone: %(change)s. %(reload)s", "change") + " " + words(lang, "removed %(show)s on %(day)s %(start)s–%(end)s",
                                                                              show="morning", day="mon", start="07:00", end="09:00"))
    tab_to(page, "form[action$='/undo'] button")
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_contain_text(
        before(lang, "Undone: %(change)s. %(reload)s", "change") + " " + words(lang, MOVED, show="evening", which="tue",
                                                                              start="19:00", end="21:00", day="thu",
                                                                              to_start="19:00", to_end="22:30"))
    assert grid(station) == GRID
    fits(page, refused=True)


def test_the_slots_table_shows_its_buttons_at_1280_px(wide, server):
    """(At phone width the table scrolls inside its own region, focusable and labelled: axe checks it.)"""
    page = wide
    open_week(page, server)
    region = page.locator(".scroll[role=region]")
    assert region.evaluate("el => el.scrollWidth <= el.clientWidth")          # nothing cut off or scrolled away
    for button in page.locator(".grid-table button").all():
        box = button.bounding_box()
        assert box["x"] + box["width"] <= 1280 - 8, button.inner_text()
    expect(page.locator(".grid-table tbody tr")).to_have_count(2)


def test_the_demo_stations_week(sized, server, station):
    """The repository's own grid (schedules/): every airing drawn, Christmas on its Friday; with
    PANEL_SCREENSHOTS=DIR set the calendar is saved there (docs/screenshots/calendar-*.png)."""
    page = sized
    demo = Path(__file__).resolve().parents[2] / "schedules"
    folder = station.paths.schedules
    kept = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    try:
        for p in demo.iterdir():
            if p.is_file():
                shutil.copyfile(p, folder / p.name)
        page.goto(f"{server}/manager/grid/?week={WEEK}&day=fri")
        expect(page.locator("#cal.placed")).to_have_count(1)
        text = (demo / "grid.toml").read_text(encoding="utf-8")
        heads = sum(len(edit.expand_days(s.days)) for s in edit.slots(text))
        expect(page.locator(".cal-block:not(.tail):not(.exception)")).to_have_count(heads)
        expect(page.locator('.cal-day[data-day="fri"] .exception')).to_contain_text("Christmas Day")
        fits(page)
        if page.width_name == "desktop":          # the table below: show ids whole, buttons in sight
            cut = page.eval_on_selector_all(".grid-table input[name=show], .grid-table input.days",
                                            "els => els.filter(e => e.scrollWidth > e.clientWidth).map(e => e.value)")
            assert cut == []
            assert page.eval_on_selector_all(".grid-table button", "els => Math.max(...els.map("
                                             "e => e.getBoundingClientRect().right))") <= 1280 - 8
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.locator("#calendar").screenshot(path=str(Path(SHOTS) / f"calendar-{page.width_name}.png"))
    finally:
        for p in folder.iterdir():
            if p.is_file() and p.name not in kept:
                p.unlink()
        for name, data in kept.items():
            (folder / name).write_bytes(data)
