"""Hosts' public names: an optional name per account (its own migration), set by a manager on
/manager/users or by the DJ on their home; the show and host pages name hosts by it, link them to
/hosts/<name>, and never print an account name shows.toml does not publish."""

from __future__ import annotations

import pytest

from radiod.accounts import AccountError, Accounts
from radiod.clock import SystemClock
from radiod.store import open_db
from radiod_web import create_app

from panel_support import add_users, login, token_of


@pytest.fixture
def app(config):
    add_users(config)
    app = create_app(config, watch=False)
    yield app
    app.extensions["radiod"].hub.stop()


def accounts_of(config) -> Accounts:
    return Accounts(open_db(config.paths.database), SystemClock())


def test_a_public_name_is_one_line_kept_in_the_accounts_table(config):
    add_users(config)
    acc = accounts_of(config)
    assert acc.get("dj1").public_name == "" and acc.get("dj1").shown_name == "dj1"
    acc.set_public_name("dj1", "  DJ   Kim\tLee ")
    assert acc.get("dj1").public_name == "DJ Kim Lee" and acc.get("dj1").shown_name == "DJ Kim Lee"
    with pytest.raises(AccountError, match="at most 80"):
        acc.set_public_name("dj1", "x" * 81)
    with pytest.raises(AccountError, match="one line"):
        acc.set_public_name("dj1", "a\x01b")
    acc.set_public_name("dj1", "")
    assert acc.get("dj1").shown_name == "dj1"


def test_a_manager_sets_it_and_the_show_and_host_pages_use_it(app, config):
    client = app.test_client()
    login(client, "boss")
    assert 'name="public_name"' in client.get("/manager/users").get_data(as_text=True)
    response = client.post("/manager/users/dj1/public-name",
                           data={"public_name": "Kim <Tide> Lee", "csrf_token": token_of(client)})
    assert response.status_code == 302
    assert "dj1: public name saved." in client.get("/manager/users").get_data(as_text=True)
    listener = app.test_client()
    show = listener.get("/shows/morning").get_data(as_text=True)
    assert '<a href="/hosts/dj1">Kim &lt;Tide&gt; Lee</a>' in show          # escaped, linked
    host = listener.get("/hosts/dj1").get_data(as_text=True)
    assert "<h1>Kim &lt;Tide&gt; Lee</h1>" in host


def test_a_dj_sets_their_own_and_only_their_own(app, config):
    client = app.test_client()
    login(client, "dj2")
    assert 'action="/dj/public-name"' in client.get("/dj/").get_data(as_text=True)
    client.post("/dj/public-name", data={"public_name": "Static Sam", "csrf_token": token_of(client)})
    assert "Your public name is saved." in client.get("/dj/").get_data(as_text=True)
    acc = accounts_of(config)
    assert acc.get("dj2").public_name == "Static Sam" and acc.get("dj1").public_name == ""
    assert '<a href="/hosts/dj2">Static Sam</a>' in app.test_client().get("/shows/evening").get_data(as_text=True)
    # Without the form's CSRF token nothing changes.
    client.post("/dj/public-name", data={"public_name": "Forged"})
    assert accounts_of(config).get("dj2").public_name == "Static Sam"


def test_names_without_a_host_page_are_never_traced(app, config):
    """A name in shows.toml that is no active account is shown as the schedule writes it, unlinked;
    a disabled host loses the page and the public name."""
    sched = config.paths.schedules
    text = (sched / "shows.toml").read_text(encoding="utf-8").replace('hosts = ["dj1"]', 'hosts = ["dj1", "guest"]')
    (sched / "shows.toml").write_text(text, encoding="utf-8")
    station = (sched / "station.toml").read_text(encoding="utf-8").replace('"dj2"]', '"dj2", "guest"]')
    (sched / "station.toml").write_text(station, encoding="utf-8")
    acc = accounts_of(config)
    acc.set_public_name("dj1", "Kim Lee")
    listener = app.test_client()
    page = listener.get("/shows/morning").get_data(as_text=True)
    assert '<a href="/hosts/dj1">Kim Lee</a>, guest</p>' in page
    assert listener.get("/hosts/guest").status_code == 404
    assert listener.get("/hosts/boss").status_code == 404                 # an account, but no host
    acc.set_disabled("dj1", True)
    page = listener.get("/shows/morning").get_data(as_text=True)
    assert "Kim Lee" not in page and listener.get("/hosts/dj1").status_code == 404


def test_the_schedule_and_its_api_name_hosts_as_the_show_page_does(app, config):
    """The week's schedule (page and /api/schedule): each airing's hosts by public name, linked to
    their host page; a name without an active account unlinked; each airing linked to its show page."""
    sched = config.paths.schedules
    text = (sched / "shows.toml").read_text(encoding="utf-8").replace('hosts = ["dj1"]', 'hosts = ["dj1", "guest"]')
    (sched / "shows.toml").write_text(text, encoding="utf-8")
    station = (sched / "station.toml").read_text(encoding="utf-8").replace('"dj2"]', '"dj2", "guest"]')
    (sched / "station.toml").write_text(station, encoding="utf-8")
    accounts_of(config).set_public_name("dj1", "Kim <Tide> Lee")
    listener = app.test_client()
    page = listener.get("/schedule").get_data(as_text=True)
    assert page.count('with <a href="/hosts/dj1">Kim &lt;Tide&gt; Lee</a>, guest</span>') == 7     # every morning
    assert page.count('<a class="show" href="/shows/morning">Morning Tide</a>') == 7
    assert ">dj1<" not in page                                             # the account name is only the address
    week = listener.get("/api/schedule").get_json()
    morning = [a for d in week["days"] for a in d["airings"] if a["show_id"] == "morning"]
    assert len(morning) == 7
    assert {str(a["hosts"]) for a in morning} == {str([{"name": "Kim <Tide> Lee", "page": "/hosts/dj1"},
                                                       {"name": "guest", "page": None}])}
    assert {a["page"] for a in morning} == {"/shows/morning"}
    accounts_of(config).set_disabled("dj1", True)                          # no host page any more: no link
    week = listener.get("/api/schedule").get_json()
    hosts = next(a["hosts"] for d in week["days"] for a in d["airings"] if a["show_id"] == "morning")
    assert hosts == [{"name": "dj1", "page": None}, {"name": "guest", "page": None}]
    assert "Kim" not in listener.get("/schedule").get_data(as_text=True)
