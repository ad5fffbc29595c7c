"""The language switcher in Chromium at desktop and phone width: reachable by mouse and keyboard,
the page and its live now-playing card in the chosen language, the choice kept across pages and
a login."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

from radiod.config import load_config
from radiod.store import open_db

from lang_support import LANGS, words
from panel_support import PASSWORD, RadiodWeb, add_play, add_users, make_station, now_doc, write_now_playing

PORT = 21301            # this suite's own port


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    config = load_config(make_station(tmp_path_factory.mktemp("browser-i18n") / "station"), env={})
    add_users(config)
    conn = open_db(config.paths.database)
    add_play(conn, title="Earlier Song", artist="Quiet Harbours", started=datetime.now(timezone.utc) - timedelta(hours=1))
    conn.close()
    write_now_playing(config, now_doc("First Song", "Quiet Harbours"))
    return config


@pytest.fixture(scope="module")
def server(station):
    with RadiodWeb(station.station_dir, port=PORT) as url:
        yield url


@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)])
def test_the_switcher_changes_the_language_and_it_sticks(browser, server, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    try:
        page.goto(server + "/")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("navigation", name="Language")).to_be_visible()     # a named landmark
        switcher = page.locator('.languages[role="navigation"]')
        for name in ("English", "Bahasa Melayu", "Français"):
            link = switcher.get_by_role("link", name=name)
            expect(link).to_be_visible()
            box = link.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (name, box)
        expect(switcher.get_by_role("link", name="English")).to_have_attribute("aria-current", "true")

        # By keyboard: the link takes focus and Enter follows it.
        switcher.get_by_role("link", name="Français").focus()
        page.keyboard.press("Enter")
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page).to_have_url(server + "/")
        expect(page.get_by_role("navigation", name="Langue")).to_be_visible()
        expect(page.locator("header nav")).to_contain_text("Programme")
        card = page.locator("#now-playing")
        expect(card).to_have_attribute("data-version", "1")              # the live feed rendered the card
        expect(card.locator('[data-field="state"]')).to_have_text("À l'antenne")
        expect(switcher.get_by_role("link", name="Français")).to_have_attribute("aria-current", "true")

        page.goto(server + "/schedule")                                  # the choice sticks
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page.locator("h1")).to_have_text("Cette semaine")

        # By mouse, to Malay, then a DJ logs in and gets the panel in Malay.
        switcher.get_by_role("link", name="Bahasa Melayu").click()
        expect(page.locator("html")).to_have_attribute("lang", "ms")
        expect(page).to_have_url(server + "/schedule")
        expect(page.locator("h1")).to_have_text("Minggu ini")
        page.goto(server + "/dj/")
        expect(page.locator("h1")).to_have_text("Log masuk")
        page.get_by_label("Nama pengguna").fill("dj1")
        page.get_by_label("Kata laluan").fill(PASSWORD)
        page.get_by_role("button", name="Log masuk").click()
        expect(page).to_have_url(server + "/dj/")
        expect(page.locator("h1")).to_have_text("Hai dj1")
        expect(page.locator("#next-h")).to_have_text("Siaran anda seterusnya")
        expect(page.locator("html")).to_have_attribute("lang", "ms")
        assert errors == []
    finally:
        context.close()


def test_the_browser_language_is_the_first_choice(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(server + "/history")
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page.locator("h1")).to_have_text("Derniers titres")
    finally:
        context.close()


# axe-core (installed by scripts/setup.sh --test) over pages in Malay and French: the lang attributes
# (html-has-lang, html-lang-valid, valid-lang), the switcher's landmark and the translated labels.
AXE = Path(__file__).resolve().parents[2] / ".venv" / "vendor" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_PAGES = [(None, "/"), (None, "/schedule"), (None, "/history"), (None, "/login"), (None, "/shows/morning"),
             ("dj1", "/dj/"), ("dj1", "/dj/shows/morning/files"), ("boss", "/manager/"), ("boss", "/manager/grid/"),
             ("boss", "/manager/users")]


@pytest.mark.parametrize("lang", ["ms", "fr"])
@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)])
def test_axe_finds_no_violation_in_each_language(browser, server, lang, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    context.add_cookies([{"name": "radiod_lang", "value": lang, "url": server}])
    page = context.new_page()
    found, who_now = {}, None
    try:
        for who, path in AXE_PAGES:
            if who != who_now:
                context.clear_cookies()                     # the next account logs in afresh
                context.add_cookies([{"name": "radiod_lang", "value": lang, "url": server}])
                page.goto(server + "/login")
                page.fill('input[name="name"]', who)
                page.fill('input[name="password"]', PASSWORD)
                page.click('button[type="submit"]')
                page.wait_for_url(lambda url: "/login" not in url)
                who_now = who
            assert page.goto(server + path).status == 200
            assert page.locator("html").get_attribute("lang") == lang
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("""async (tags) => {
                const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                return {passes: r.passes.length, violations: r.violations.map(v => v.id + ' (' + v.nodes.length + '): '
                        + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))}; }""", AXE_TAGS)
            assert result["passes"] >= 5
            found[f"{who or 'anon'} {path}"] = result["violations"]
    finally:
        context.close()
    print("\naxe-core", lang, width, {k: len(v) for k, v in found.items()})
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.parametrize("lang", LANGS)
def test_the_users_table_scrolls_in_its_region_at_phone_width(browser, server, lang):
    """Six columns do not fit 390 px (the longer Malay and French words even less): the table
    scrolls inside its own named, focusable region, and the page never sideways."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_cookies([{"name": "radiod_lang", "value": lang, "url": server}])
    page = context.new_page()
    try:
        page.goto(server + "/login")
        page.fill('input[name="name"]', "boss")
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_url(server + "/manager/")
        page.goto(server + "/manager/users")
        expect(page.locator("h1")).to_have_text(words(lang, "Users"))
        region = page.get_by_role("region", name=words(lang, "Users"))
        expect(region.locator("table.users")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert region.evaluate("el => el.scrollWidth > el.clientWidth")        # it does scroll, inside
        region.focus()
        for _ in range(40):                                                  # by keyboard, to its last column
            page.keyboard.press("ArrowRight")
        assert region.evaluate("el => el.scrollLeft > 0")
        expect(page.get_by_role("button", name=words(lang, "Disable")).first).to_be_in_viewport()
    finally:
        context.close()
