"""Shows as first-class: public show and host pages, the week view, the show facts editor, the DJ's home."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from radiod.schedule_files import load_schedule
from radiod_web import create_app

from panel_support import add_users, login, token_of
from show_support import add_past_morning, add_show_facts, tone


@pytest.fixture
def app(config):
    add_users(config)
    app = create_app(config, watch=False)
    yield app
    app.extensions["radiod"].hub.stop()


@pytest.fixture
def facts(config):
    return add_show_facts(config), add_past_morning(config)


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_show_has_a_public_page(app, facts):
    (first_tape, _), yesterday = facts
    page = app.test_client().get("/shows/morning").get_data(as_text=True)
    assert "<h1>Morning Tide</h1>" in page and "Tide tables and new local music." in page
    assert '<a href="/hosts/dj1">dj1</a>' in page
    assert '<img class="show-image" src="/shows/morning/image"' in page
    image = app.test_client().get("/shows/morning/image")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data.startswith(b"\x89PNG")
    nxt = words(page.split('id="next-airings"')[1].split("</ul>")[0])
    assert "07:00–09:00" in nxt
    past = words(page.split("Recent airings")[1])
    assert f"{yesterday:%A %d %B} 07:00–09:00" in past
    assert "07:05 Low Water Quiet Harbours" in past and "07:09 Spring Tide Ana Ng" in past


def test_hosts_link_only_to_active_accounts(app, facts):
    page = app.test_client().get("/shows/tape").get_data(as_text=True)
    assert '<a href="/hosts/dj1">dj1</a>, guest' in page         # "guest" has no account: no link
    host = app.test_client().get("/hosts/dj1").get_data(as_text=True)
    assert '<a href="/shows/morning">Morning Tide</a>' in host and '<a href="/shows/tape">Tape Hour</a>' in host
    assert app.test_client().get("/hosts/guest").status_code == 404         # a host without an account
    assert app.test_client().get("/hosts/boss").status_code == 404          # an account that hosts nothing
    assert app.test_client().get("/shows/nothing").status_code == 404
    assert app.test_client().get("/shows/evening/image").status_code == 404     # no image set


def test_the_week_view_links_every_airing_to_its_show(app, facts):
    (first_tape, _), _y = facts
    page = app.test_client().get("/schedule").get_data(as_text=True)
    assert page.count('href="/shows/morning"') == 7 and page.count('href="/shows/evening"') == 7
    assert page.count('href="/shows/tape"') == 2
    day = page.split(f'id="day-{first_tape:%Y-%m-%d}"')[1].split("</section>")[0]
    assert "12:00–12:02" in day and 'with <a href="/hosts/dj1">dj1</a>, guest' in day      # "guest": no account


def test_managers_edit_show_facts_into_shows_toml_with_comments_kept(app, config, facts):
    client = app.test_client()
    login(client, "boss")
    form = client.get("/manager/shows/morning").get_data(as_text=True)
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', form).group(1)
    path = config.paths.schedules / "shows.toml"
    before = path.read_text(encoding="utf-8")
    r = client.post("/manager/shows/morning", data={
        "csrf_token": token_of(client), "digest": digest, "title": "Morning Tide & Co",
        "description": "Tides.\r\nAnd music.", "hosts": "dj1, dj2", "image": ""})
    assert r.status_code == 302 and r.location.endswith("/manager/shows/morning")
    after = path.read_text(encoding="utf-8")
    assert "# Pre-recorded: the DJ's files" in after and "# the host's account" in after   # comments kept
    assert 'title = "Morning Tide & Co"' in after and 'hosts = ["dj1", "dj2"]' in after
    assert "image" not in after.split("[show.evening]")[0]                  # emptied: removed
    assert load_schedule(config.paths.schedules).shows["morning"].description == "Tides.\nAnd music."
    # Only the lines of the values touched changed (the hosts line keeps its comment).
    removed = [l for l in before.splitlines() if l not in after.splitlines()]
    added = [l for l in after.splitlines() if l not in before.splitlines()]
    assert added == ['title = "Morning Tide & Co"', 'hosts = ["dj1", "dj2"]  # the host\'s account',
                     'description = "Tides.\\nAnd music."']
    assert removed == ['title = "Morning Tide"', 'hosts = ["dj1"]  # the host\'s account',
                       'description = "Tide tables and new local music."', 'image = "morning.png"']
    history = client.get("/manager/grid/").get_data(as_text=True)
    assert "show morning: facts" in history


def test_a_bad_image_name_is_refused_and_nothing_written(app, config, facts):
    client = app.test_client()
    login(client, "boss")
    path = config.paths.schedules / "shows.toml"
    before = path.read_text(encoding="utf-8")
    form = client.get("/manager/shows/morning").get_data(as_text=True)
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', form).group(1)
    r = client.post("/manager/shows/morning", data={"csrf_token": token_of(client), "digest": digest,
                                                    "title": "Morning Tide", "image": "../../etc/passwd"})
    assert r.status_code == 400
    assert "show.morning.image: expected a file name in images/" in r.get_data(as_text=True)
    assert path.read_text(encoding="utf-8") == before


def test_the_dj_home_counts_down_and_tells_the_upload_status(app, config, facts):
    (first_tape, second_tape), yesterday = facts
    client = app.test_client()
    login(client, "dj1")
    page = client.get("/dj/").get_data(as_text=True)
    found = re.search(r'id="next-airing".*?data-countdown="([\d-]+T[\d:.]+Z)"[^>]*>([^<]*)<', page, re.S)
    assert found
    # An airing already on (the suite runs inside the show's hours) counts down to "now".
    started = datetime.fromisoformat(found[1].replace("Z", "+00:00")) <= datetime.now(timezone.utc)
    assert re.fullmatch("now" if started else r"in \d+ (h \d\d min|min \d\d s)", found[2]), found[2]
    uploads = words(page.split('id="uploads"')[1].split("</ul>")[0])
    assert f"Tape Hour, {first_tape:%A %d %B} 12:00–12:02 missing: nothing uploaded, the slot is 2:00" in uploads
    assert uploads.count("missing") == 2

    folder = config.paths.uploads / "tape"
    tone(folder / "01 part one.mp3", 120)
    uploads = words(client.get("/dj/").get_data(as_text=True).split('id="uploads"')[1].split("</ul>")[0])
    assert "ready: 1 file(s), 2:00, the slot is 2:00" in uploads
    tone(folder / "02 part two.mp3", 30)
    page = client.get("/dj/").get_data(as_text=True)
    uploads = page.split('id="uploads"')[1].split("</ul>")[0]
    assert 'class="tone-bad"' in uploads and "too long: 2 file(s), 2:30, the slot is 2:00" in uploads
    (folder / "01 part one.mp3").unlink()
    uploads = words(client.get("/dj/").get_data(as_text=True).split('id="uploads"')[1].split("</ul>")[0])
    assert "ready but short: 1 file(s), 0:30, the slot is 2:00; the station fills the rest" in uploads
    # The last airings, with what played.
    past = words(page.split("Your last airings")[1])
    assert f"Morning Tide, {yesterday:%A %d %B} 07:00–09:00 2 items played" in past
    assert "07:05 Low Water Quiet Harbours" in past


def test_a_dj_cannot_edit_show_facts(app, facts):
    client = app.test_client()
    login(client, "dj1")
    assert client.get("/manager/shows/").status_code == 403
    assert client.post("/manager/shows/morning", data={"csrf_token": token_of(client), "title": "x"}).status_code == 403


def test_the_show_editor_refuses_an_unknown_dj_and_a_stale_page(app, config, facts):
    client = app.test_client()
    login(client, "boss")
    path = config.paths.schedules / "shows.toml"
    before = path.read_text(encoding="utf-8")
    form = client.get("/manager/shows/tape").get_data(as_text=True)
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', form).group(1)
    r = client.post("/manager/shows/tape", data={"csrf_token": token_of(client), "digest": digest,
                                                 "title": "Tape Hour", "hosts": "dj1, nobody"})
    assert r.status_code == 400 and "show.tape.hosts: unknown DJ &#39;nobody&#39;" in r.get_data(as_text=True)
    assert 'value="dj1, nobody"' in r.get_data(as_text=True)                # what was typed is kept
    assert path.read_text(encoding="utf-8") == before
    path.write_text(before + "\n# edited by hand meanwhile\n", encoding="utf-8")
    r = client.post("/manager/shows/tape", data={"csrf_token": token_of(client), "digest": digest,
                                                 "title": "Tape Hours"}, follow_redirects=True)
    assert "was changed by someone else since you opened it" in r.get_data(as_text=True)
    assert 'title = "Tape Hour"' in path.read_text(encoding="utf-8")


def test_broken_schedule_files_keep_every_page_up(app, config, facts):
    path = config.paths.schedules / "shows.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[show.broken\n", encoding="utf-8")
    anon = app.test_client()
    r = anon.get("/shows/morning")
    assert r.status_code == 503 and "The schedule is being updated" in r.get_data(as_text=True)
    assert anon.get("/schedule").status_code == 200
    client = app.test_client()
    login(client, "boss")
    page = client.get("/manager/shows/").get_data(as_text=True)
    assert "shows.toml cannot be read (shows.toml:" in page and "fix it as text first" in page
    assert client.get("/manager/shows/morning").status_code == 302
    dash = client.get("/manager/")
    assert dash.status_code == 200 and "The schedule files have errors: " in dash.get_data(as_text=True)
    dj = app.test_client()
    login(dj, "dj1")
    assert dj.get("/dj/").status_code == 200
