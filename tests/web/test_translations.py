"""The panel in three languages: every message of the sources translated in each catalogue, the
language chosen from the browser or the switcher and remembered, pages rendered in it, dates and
numbers printed for it in the station's zone, the JSON API left in English."""

from __future__ import annotations

import importlib.util
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from babel.messages.mofile import read_mo

from radiod.config import load_config
from radiod.errors import ConfigError
from radiod.store import open_db
from radiod_web import create_app, i18n

from panel_support import add_play, add_users, login, make_station, now_doc, write_now_playing

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("translations", ROOT / "scripts" / "translations.py")
assert _spec is not None and _spec.loader is not None
catalogues = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(catalogues)

FIX = ("run `make translations` (scripts/translations.py update), then write the missing msgstr in "
       "web/translations/<lang>/LC_MESSAGES/messages.po (docs/translations.md)")


@pytest.fixture(scope="module")
def template():
    return catalogues.extract()


@pytest.mark.parametrize("lang", ["ms", "fr"])
def test_every_message_of_the_sources_is_translated(template, lang):
    """Fails, naming each msgid and where it is used, when a catalogue lacks a message, leaves it
    empty or fuzzy, or changes its placeholders."""
    problems = catalogues.problems(lang, template)
    assert not problems, f"{len(problems)} message(s) to fix; {FIX}:\n" + "\n".join(problems)


def test_english_is_the_source_text(template):
    assert catalogues.problems("en", template) == []


def test_extraction_finds_every_gettext_call_in_the_python(template):
    """Babel's Python extractor skips a gettext call nested in another call's arguments; such a text
    would never reach a catalogue (and this test's neighbours would not notice)."""
    literal = re.compile(r"""(?<![A-Za-z0-9_.])(?:_|gettext)\(\s*"((?:[^"\\]|\\.)*)"\s*[,)]""")
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template}
    found = {(path.name, text) for path in (ROOT / "web").glob("*.py")
             for text in literal.findall(path.read_text(encoding="utf-8"))}
    assert sorted(t for t in found if t[1] not in ids) == []
    assert len(template) > 300


def _tuple(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


@pytest.mark.parametrize("lang", ["en", "ms", "fr"])
def test_the_compiled_catalogue_matches_its_po_file(lang):
    """The .mo the panel reads (made by scripts/setup.sh) says what the .po says."""
    mo_path = catalogues.po_path(lang).with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} missing: run scripts/translations.py compile"
    with open(mo_path, "rb") as f:
        compiled = {(m.context, _tuple(m.id)): _tuple(m.string) for m in read_mo(f) if m.id}
    po = {(m.context, _tuple(m.id)): _tuple(m.string) for m in catalogues.read(lang) if m.id}
    assert compiled == po, f"{mo_path} is out of date: run scripts/translations.py compile"


# -- pages in each language -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def app(tmp_path_factory):
    config = load_config(make_station(tmp_path_factory.mktemp("i18n") / "station"), env={})
    add_users(config)
    conn = open_db(config.paths.database)
    add_play(conn, title="Low Tide", artist="Quiet Harbours", started=datetime.now(timezone.utc) - timedelta(hours=1))
    conn.close()
    write_now_playing(config, now_doc("Low Tide", "Quiet Harbours"))
    app = create_app(config, watch=False)
    yield app
    app.extensions["radiod"].hub.stop()


def client_in(app, lang: str, role: str | None = None):
    client = app.test_client()
    client.set_cookie(i18n.COOKIE, lang)
    if role:
        assert login(client, role).status_code == 302
    return client


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match
    return match.group(1)


# (path, who, the words that page shows in each language)
PAGES = [
    ("/", None, {"en": "Now playing", "ms": "Sedang dimainkan", "fr": "En ce moment"}),
    ("/schedule", None, {"en": "This week", "ms": "Minggu ini", "fr": "Cette semaine"}),
    ("/history", None, {"en": "Recently played", "ms": "Baru dimainkan", "fr": "Derniers titres"}),
    ("/login", None, {"en": "User name", "ms": "Nama pengguna", "fr": "Nom d'utilisateur"}),
    ("/shows/morning", None, {"en": "Next airings", "ms": "Siaran akan datang", "fr": "Prochaines diffusions"}),
    ("/dj/", "dj1", {"en": "Your next airing", "ms": "Siaran anda seterusnya", "fr": "Votre prochaine diffusion"}),
    ("/manager/", "boss", {"en": "Needs a person", "ms": "Perlu perhatian", "fr": "À traiter"}),
    ("/manager/grid/", "boss", {"en": "Weekly grid", "ms": "Grid mingguan", "fr": "Grille de la semaine"}),
    ("/manager/users", "boss", {"en": "Add a user", "ms": "Tambah pengguna", "fr": "Ajouter un utilisateur"}),
]


@pytest.mark.parametrize("lang", ["en", "ms", "fr"])
def test_pages_render_in_the_chosen_language(app, lang):
    for path, role, words in PAGES:
        html = client_in(app, lang, role).get(path).get_data(as_text=True)
        assert html_lang(html) == lang, path
        assert words[lang] in html, (path, lang)
        for other, text in words.items():
            if other != lang and text not in words[lang]:
                assert text not in html.split("</header>", 1)[1], (path, lang, other)


@pytest.mark.parametrize("lang,day_word", [("ms", "Kali dimainkan"), ("fr", "Diffusions")])
def test_the_switcher_is_on_every_page_and_its_choice_sticks(app, lang, day_word):
    client = app.test_client()
    first = client.get("/history").get_data(as_text=True)
    assert html_lang(first) == "en"
    link = re.search(rf'<a href="([^"]+)" lang="{lang}" hreflang="{lang}">', first)
    assert link, "no switcher link"
    answer = client.get(link.group(1).replace("&amp;", "&"))
    assert answer.status_code == 302 and answer.headers["Location"] == "/history"
    cookie = answer.headers["Set-Cookie"]
    assert f"{i18n.COOKIE}={lang}" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    for path in ("/history", "/schedule", "/artists/quiet-harbours", "/login"):
        html = client.get(path).get_data(as_text=True)
        assert html_lang(html) == lang, path
        assert f'lang="{lang}" hreflang="{lang}" aria-current="true"' in html
    assert day_word in client.get("/artists/quiet-harbours").get_data(as_text=True)
    # The choice outlives a login and a logout.
    assert login(client, "dj1").status_code == 302
    assert html_lang(client.get("/dj/").get_data(as_text=True)) == lang


def test_the_browser_language_is_used_until_the_visitor_chooses(app):
    client = app.test_client()
    assert html_lang(client.get("/", headers={"Accept-Language": "ms-MY,ms;q=0.9,en;q=0.5"}).get_data(as_text=True)) == "ms"
    assert html_lang(client.get("/", headers={"Accept-Language": "fr-CA,fr;q=0.8"}).get_data(as_text=True)) == "fr"
    assert html_lang(client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)) == "en"
    client.set_cookie(i18n.COOKIE, "fr")
    assert html_lang(client.get("/", headers={"Accept-Language": "ms"}).get_data(as_text=True)) == "fr"
    client.set_cookie(i18n.COOKIE, "xx")           # a cookie for no language we have is ignored
    assert html_lang(client.get("/", headers={"Accept-Language": "ms"}).get_data(as_text=True)) == "ms"


def test_the_station_language_is_for_visitors_whose_browser_asks_for_none_we_have(tmp_path):
    config = load_config(make_station(tmp_path / "st", web='language = "ms"'), env={})
    app = create_app(config, watch=False)
    client = app.test_client()
    assert html_lang(client.get("/", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)) == "ms"
    assert html_lang(client.get("/").get_data(as_text=True)) == "ms"
    assert html_lang(client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)) == "fr"
    app.extensions["radiod"].hub.stop()
    bad = make_station(tmp_path / "bad", web='language = "de"')
    with pytest.raises(ConfigError, match="language: must be one of en, ms, fr"):
        load_config(bad, env={})


def test_the_switcher_goes_back_only_to_a_local_page_and_knows_its_languages(app):
    client = app.test_client()
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        answer = client.get("/language/fr", query_string={"next": evil})
        assert answer.status_code == 302 and answer.headers["Location"] == "/"
    unknown = client.get("/language/xx", query_string={"next": "/schedule"})
    assert unknown.status_code == 302 and "Set-Cookie" not in unknown.headers


def test_pages_vary_by_language_and_the_api_stays_english(app):
    client = client_in(app, "fr")
    page = client.get("/schedule")
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in page.headers["Vary"].split(",")}
    zone = ZoneInfo("America/Toronto")
    today = datetime.now(timezone.utc).astimezone(zone).date()
    assert format_date(today, "EEEE d MMMM", locale="fr") in page.get_data(as_text=True)
    api = client.get("/api/schedule", headers={"Accept-Language": "fr"}).get_json()
    assert api["days"][0]["label"] == today.strftime("%A %d %B")      # English, whatever the visitor reads
    assert client.get("/api/nope").get_json()["error"] == "There is no page at this address."


@pytest.mark.parametrize("lang,day,short,number", [
    ("en", "Wednesday 02 December", "Wed 02 Dec 19:05", "1,234.5"),
    ("fr", "mercredi 2 décembre", "mer. 2 déc. 19:05", "1\u202f234,5"),
    ("ms", "Rabu, 2 Disember", "Rab 2 Dis 19:05", "1,234.5"),
])
def test_dates_and_numbers_for_the_language_in_the_station_zone(app, lang, day, short, number):
    moment = datetime(2026, 12, 3, 0, 5, tzinfo=timezone.utc)          # 19:05 the day before in Toronto
    zone = ZoneInfo("America/Toronto")
    with app.test_request_context("/", headers={"Cookie": f"{i18n.COOKIE}={lang}"}):
        assert i18n.day(moment, zone) == day
        assert i18n.short(moment, zone) == short
        assert i18n.hm(moment, zone) == "19:05"
        assert i18n.number(1234.5) == number


def test_words_from_the_daemon_are_translated_from_their_codes(app):
    with app.test_request_context("/", headers={"Cookie": f"{i18n.COOKIE}=fr"}):
        from radiod_web import words
        assert words.error_kind("dead-air") == "blanc d'antenne" and words.error_kind("failed") == "lecture impossible"
        assert words.usage("jingle") == "jingle" and words.usage("talk") == "parole"
        assert words.command("skip")[0] == "Passer"
        assert words.error_kind("something-new") == "something-new"      # an unknown code shows as it is


def test_flash_messages_and_form_errors_are_translated(app):
    client = client_in(app, "ms")
    html = client.post("/login", data={"name": "dj1", "password": "wrong password",
                                       "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                                               client.get("/login").get_data(as_text=True)).group(1)}
                       ).get_data(as_text=True)
    assert "Nama pengguna atau kata laluan salah." in html
    boss = client_in(app, "fr", "boss")
    token = re.search(r'name="csrf_token" value="([^"]+)"', boss.get("/manager/users").get_data(as_text=True)).group(1)
    done = boss.post("/manager/users", data={"name": "newdj", "role": "dj", "password": "a fine password",
                                            "csrf_token": token}, follow_redirects=True)
    assert "Utilisateur newdj ajouté." in done.get_data(as_text=True)
    refused = boss.post("/manager/users", data={"name": "x", "role": "dj", "password": "short", "csrf_token": "stale"})
    assert refused.status_code == 400 and "Le jeton de sécurité du formulaire" in refused.get_data(as_text=True)
    assert "Introuvable" in client_in(app, "fr").get("/no-such-page").get_data(as_text=True)


def test_without_compiled_catalogues_the_panel_is_english_and_the_log_says_why(tmp_path, caplog):
    config = load_config(make_station(tmp_path / "st"), env={})
    with caplog.at_level("WARNING", logger="radiod_web.i18n"):
        app = create_app(config, {"BABEL_TRANSLATION_DIRECTORIES": str(tmp_path / "none")}, watch=False)
    assert [r.getMessage() for r in caplog.records if "no compiled catalogue for ms, fr" in r.getMessage()]
    client = app.test_client()
    client.set_cookie(i18n.COOKIE, "fr")
    html = client.get("/schedule", headers={"Accept-Language": "ms"}).get_data(as_text=True)
    assert html_lang(html) == "en" and "This week" in html            # still served, in English
    assert 'hreflang="fr"' not in html and 'hreflang="ms"' not in html   # and not offered
    app.extensions["radiod"].hub.stop()
