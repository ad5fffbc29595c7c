"""A DJ's "go live" details on their home page (radiod_web.golive): the harbor's address as the
station names it, their own login, the window the harbor takes them in (slot ± grace) with a
countdown, and encoder settings — only for their own live shows, only when the station takes DJs."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from radiod.config import load_config
from radiod_web import create_app

from panel_support import PASSWORD, add_users, login, make_station


def midday_station(root):
    """The panel's test station in a zone where it is about noon now, so a slot of an hour or two
    from now (or just begun) lies inside one station day whenever the tests run."""
    root = make_station(root)
    offset = 12 - datetime.now(timezone.utc).hour                   # UTC−12 … UTC+12
    zone = f"Etc/GMT{-offset:+d}" if offset else "Etc/UTC"            # Etc/GMT-5 is UTC+5
    for path in (root / "radiod.toml", root / "schedules" / "station.toml"):
        text = path.read_text(encoding="utf-8")
        assert 'timezone = "America/Toronto"' in text
        path.write_text(text.replace('timezone = "America/Toronto"', f'timezone = "{zone}"'), encoding="utf-8")
    return root


def live_station(tmp_path, liquidsoap: str, start: datetime, minutes: int = 60):
    root = midday_station(tmp_path / "station")
    with open(root / "radiod.toml", "a", encoding="utf-8") as f:
        f.write(liquidsoap)
    config = load_config(root, env={})
    sched = config.paths.schedules
    with open(sched / "shows.toml", "a", encoding="utf-8") as f:
        f.write('\n[show.openmic]\ntitle = "Open Mic Live"\nkind = "live"\nhosts = ["dj2"]\n')
    end = start + timedelta(minutes=minutes)
    # Only this slot in the grid: the DJs' other live shows never come first.
    (sched / "grid.toml").write_text(
        f'[[exception]]\ndate = "{start:%Y-%m-%d}"\nstart = "{start:%H:%M}"\nend = "{end:%H:%M}"\nshow = "openmic"\n',
        encoding="utf-8")
    add_users(config)
    return config


def soon(config, minutes: int) -> datetime:
    """A slot start ``minutes`` from now in the station's zone, whole minutes (the station's midday)."""
    start = (datetime.now(config.zone) + timedelta(minutes=minutes)).replace(second=0, microsecond=0)
    assert (start + timedelta(minutes=60)).date() == start.date() == datetime.now(config.zone).date()
    return start


def home(config, who: str, lang: str = "en") -> str:
    app = create_app(config, watch=False)
    try:
        client = app.test_client()
        login(client, who)
        response = client.get("/dj/", headers={"Accept-Language": lang})
        assert response.status_code == 200
        return response.get_data(as_text=True)
    finally:
        app.extensions["radiod"].hub.stop()


def zone_of(tmp_path):
    return load_config(midday_station(tmp_path / "probe"), env={}).zone


def test_a_dj_sees_where_and_when_to_connect_with_a_countdown(tmp_path):
    start = soon(load_config(midday_station(tmp_path / "probe"), env={}), 90)
    config = live_station(tmp_path, '[liquidsoap]\nlive_input = true\nharbor_port = 8123\nharbor_mount = "studio"\n'
                                    'live_grace_minutes = 5\nharbor_public_host = "live.example.org"\n', start)
    page = home(config, "dj2")
    section = page.split('id="go-live"')[1].split("</section>")[0]
    assert "Open Mic Live" in section
    assert "<code>live.example.org:8123/studio</code>" in section
    assert "<code>dj2</code>" in section and "your radiod password" in section
    opens, closes = start - timedelta(minutes=5), start + timedelta(minutes=65)
    assert f"{opens:%H:%M}–{closes:%H:%M}" in section and "5 minutes either side of your slot" in section
    # The countdown to the window's opening ticks (countdown.js), from the instant the harbor opens.
    assert re.search(r'data-countdown="\d{4}-\d\d-\d\dT[\d:.]+Z"[^>]*>in 1 h \d\d min<', section)
    assert "icecast://dj2:YOUR_RADIOD_PASSWORD@live.example.org:8123/studio" in section
    for field in ("Icecast mountpoint", "Icecast user", "Mount", "Login"):
        assert f"<th scope=\"row\">{field}</th>" in section
    assert PASSWORD not in page


def test_the_window_open_now_and_the_panel_host_when_no_public_host_is_set(tmp_path):
    zone = zone_of(tmp_path)
    now = datetime.now(zone)
    start = now.replace(second=0, microsecond=0) - timedelta(minutes=1)
    assert start.date() == (start + timedelta(minutes=60)).date()
    config = live_station(tmp_path, "[liquidsoap]\nlive_input = true\n", start)
    section = home(config, "dj2").split('id="go-live"')[1].split("</section>")[0]
    assert "The harbor takes you now, until" in section
    assert "<code>localhost:8005/live</code>" in section         # the host the DJ opened the panel on


def test_the_panel_host_without_its_port():
    from radiod_web.golive import _host_only

    assert _host_only("radio.example.org:8080") == "radio.example.org"
    assert _host_only("radio.example.org") == "radio.example.org"
    assert _host_only("[::1]:8080") == "[::1]" and _host_only("10.0.0.2") == "10.0.0.2"


def test_in_french(tmp_path):
    start = soon(load_config(midday_station(tmp_path / "probe"), env={}), 90)
    config = live_station(tmp_path, "[liquidsoap]\nlive_input = true\n", start)
    section = home(config, "dj2", "fr").split('id="go-live"')[1].split("</section>")[0]
    assert "Passer en direct" in section and "votre mot de passe radiod" in section


def test_no_details_for_others_or_when_the_station_takes_no_live_djs(tmp_path):
    start = soon(load_config(midday_station(tmp_path / "probe"), env={}), 90)
    config = live_station(tmp_path, "[liquidsoap]\nlive_input = true\n", start)
    assert 'id="go-live"' not in home(config, "dj1")          # not a host of the live show
    off = live_station(tmp_path / "off", "[liquidsoap]\nlive_input = false\n", start)
    assert 'id="go-live"' not in home(off, "dj2")

