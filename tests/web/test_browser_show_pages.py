"""A show's page and the week's schedule in Chromium, in Malay and French (and English), at 1280 px
and at phone width: the labels, the days and the airings in the page's language, hosts by their
public name linked to their page, each airing linked to its show, nothing wider than the screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from babel.dates import format_date
from playwright.sync_api import expect

from radiod.accounts import Accounts
from radiod.clock import SystemClock
from radiod.config import Config, load_config
from radiod.store import open_db

from lang_support import LANGS, words
from panel_support import RadiodWeb, add_users, make_station
from show_support import add_past_morning, add_show_facts

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
# The English names of the days: none may be left on a Malay or French page.
ENGLISH_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Station:
    config: Config
    yesterday: datetime               # the start of the morning airing that logged plays

    @property
    def zone(self):
        return self.config.zone


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    config = load_config(make_station(tmp_path_factory.mktemp("show-pages") / "station"), env={})
    add_users(config)
    add_show_facts(config)
    yesterday = add_past_morning(config)
    conn = open_db(config.paths.database)
    Accounts(conn, SystemClock()).set_public_name("dj1", "Kim Lee")
    conn.close()
    return Station(config, yesterday)


@pytest.fixture(scope="module")
def server(station):
    with RadiodWeb(station.config.station_dir) as url:
        yield url


@pytest.fixture(params=[(lang, width) for lang in LANGS for width in WIDTHS], ids=lambda p: f"{p[0]}-{p[1]}")
def page(request, browser, server):
    lang, width_name = request.param
    width, height = WIDTHS[width_name]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies([{"name": "radiod_lang", "value": lang, "url": server}])
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.lang = lang
    yield page
    context.close()


def weekday(lang: str, day: date) -> str:
    """The day's full name in ``lang`` as CLDR writes it ('Isnin', 'lundi')."""
    return format_date(day, "EEEE", locale=lang)


def local_date(page, locator, station) -> date:
    """The local date of a <time datetime="…Z"> inside ``locator``."""
    stamp = locator.locator("time").first.get_attribute("datetime")
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(station.zone).date()


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
    assert page.console_errors == []


def no_english_days(page, lang: str) -> None:
    if lang != "en":
        text = page.locator("main").inner_text()
        assert [d for d in ENGLISH_DAYS if d in text] == [], page.url


def test_a_show_page_is_in_the_language(page, server, station):
    lang = page.lang
    page.goto(server + "/shows/morning")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("h1")).to_have_text("Morning Tide")
    hosts = page.locator(".show-head .hosts")
    expect(hosts).to_have_text(words(lang, "Hosted by") + " Kim Lee")
    expect(hosts.get_by_role("link", name="Kim Lee")).to_have_attribute("href", "/hosts/dj1")
    expect(page.get_by_role("heading", name=words(lang, "Next airings"))).to_be_visible()
    expect(page.get_by_role("heading", name=words(lang, "Recent airings"))).to_be_visible()
    first = page.locator("#next-airings li").first
    expect(first).to_contain_text(weekday(lang, local_date(page, first, station)), ignore_case=False)
    expect(first).to_contain_text("07:00–09:00")
    past = page.locator(".past-airing").first
    expect(past.locator("h3")).to_contain_text(weekday(lang, station.yesterday.date()))
    expect(past.locator(".plays")).to_contain_text("Low Water")
    expect(page.get_by_role("link", name=words(lang, "The week's schedule"))).to_be_visible()
    no_english_days(page, lang)
    fits(page)


def test_the_schedule_is_in_the_language_and_leads_to_the_show_and_its_host(page, server, station):
    lang = page.lang
    page.goto(server + "/schedule")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("h1")).to_have_text(words(lang, "This week"))
    today = page.locator(".day").first
    expect(today.locator("h2")).to_contain_text(words(lang, "today"))
    expect(today.locator("h2")).to_contain_text(weekday(lang, local_date(page, today, station)))
    morning = page.locator(".day .block").filter(has=page.locator('a.show[href="/shows/morning"]'))
    expect(morning).to_have_count(7)
    expect(morning.first.locator(".hosts")).to_have_text(words(lang, "with %(hosts)s", hosts="Kim Lee"))
    for box in (morning.first.locator(".hosts a").bounding_box(), morning.first.bounding_box()):
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    no_english_days(page, lang)
    fits(page)
    morning.first.locator(".hosts").get_by_role("link", name="Kim Lee").click()       # to the host's page
    expect(page).to_have_url(server + "/hosts/dj1")
    expect(page.locator("h1")).to_have_text("Kim Lee")
    page.go_back()
    morning.first.get_by_role("link", name="Morning Tide").click()                     # to the show's page
    expect(page).to_have_url(server + "/shows/morning")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("heading", name=words(lang, "Next airings"))).to_be_visible()
    fits(page)
