"""Headless Chromium against a real `radiod web`: uploads, the grid editor, the reports page."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from datetime import time as dt_time

import pytest
from playwright.sync_api import expect

from radiod.config import load_config
from radiod.store import open_db

from panel_support import PASSWORD, add_play
from part2_support import GRID, add_part2_users, make_audio, make_part2_station

@pytest.fixture(scope="module")
def station(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser2")
    config = load_config(make_part2_station(root / "station"), env={})
    add_part2_users(config)
    conn = open_db(config.paths.database)
    # Noon yesterday in the station's zone: inside the Canadian preset's 06:00-24:00 broadcast day at any hour the suite runs.
    zone = config.zone
    yesterday = datetime.combine(datetime.now(zone).date() - timedelta(days=1), dt_time(12), tzinfo=zone)
    add_play(conn, title="Local One", artist="Quiet Harbours", local=True, started=yesterday)
    add_play(conn, title="Far One", artist="Far Away", started=yesterday + timedelta(minutes=5))
    conn.close()
    return config


@pytest.fixture(scope="module")
def audio(station):
    folder = station.station_dir.parent / "audio"
    return {"fits": make_audio(folder / "Night Owl.mp3", 58), "long": make_audio(folder / "Too Long.mp3", 90)}


def log_in(page, server, name):
    page.goto(server + "/login")
    page.fill('input[name="name"]', name)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    expect(page.locator("nav")).to_contain_text(f"Log out {name}")


def test_a_dj_uploads_a_show_that_fits_and_one_that_is_too_long(page, server, station, audio):
    log_in(page, server, "dj1")
    page.goto(server + "/dj/shows/night")
    page.click("text=Files and uploads")
    expect(page.locator("#slot")).to_contain_text("slot length 1:00")
    page.set_input_files('input[name="files"]', str(audio["fits"]))
    page.click('#upload button[type="submit"]')
    result = page.locator("#results li").first
    expect(result).to_have_class("ok", timeout=30_000)
    expect(result).to_contain_text("Night Owl.mp3: accepted, 0:58, loudness")
    expect(page.locator("#files")).to_contain_text("Night Owl.mp3")
    assert (station.paths.uploads / "night" / "Night Owl.mp3").read_bytes() == audio["fits"].read_bytes()

    page.set_input_files('input[name="files"]', str(audio["long"]))
    page.click('#upload button[type="submit"]')
    refused = page.locator("#results li").nth(1)
    expect(refused).to_have_class("refused", timeout=30_000)
    expect(refused).to_have_text("Too Long.mp3: too long: 2:28 with the show's other 1 file(s), the slot is 1:00")
    assert sorted(p.name for p in (station.paths.uploads / "night").iterdir()) == ["Night Owl.mp3"]
    assert page.console_errors == [] or all("422" in e for e in page.console_errors)


def test_a_dj_cannot_upload_into_another_djs_show(page, server, station):
    log_in(page, server, "dj1")
    response = page.goto(server + "/dj/shows/late/files")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("This is not one of your shows.")
    # Not through the API either, even with a valid session and CSRF token.
    page.goto(server + "/dj/shows/night/files")
    status = page.evaluate("""async () => {
        const form = document.getElementById('upload');
        const data = new FormData(); data.append('name', 'x.mp3'); data.append('size', '100');
        const r = await fetch('/dj/shows/late/uploads', {method: 'POST', body: data,
                              headers: {'X-CSRF-Token': form.dataset.csrf}});
        return r.status; }""")
    assert status == 403
    assert not (station.paths.uploads / "late").exists()


def test_a_manager_moves_a_slot_and_an_overlap_is_refused(page, server, station):
    grid = station.paths.schedules / "grid.toml"
    grid.write_text(GRID, encoding="utf-8")
    log_in(page, server, "boss")
    page.goto(server + "/manager/")
    page.click("text=Grid")
    row = page.locator("#slot-1")
    row.get_by_label("Start of slot 2").fill("18:00")
    row.get_by_label("End of slot 2").fill("20:00")
    row.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("Saved: slot 2: evening daily 18:00–20:00")
    text = grid.read_text(encoding="utf-8")
    assert text == GRID.replace('start = "19:00"\nend = "21:00"', 'start = "18:00"\nend = "20:00"')
    assert "# Keep this comment: the editor must not lose it." in text and "show = \"morning\"   # breakfast" in text

    row = page.locator("#slot-1")
    row.get_by_label("Start of slot 2").fill("08:00")
    row.get_by_label("End of slot 2").fill("10:00")
    row.get_by_role("button", name="Save").click()
    expect(page.locator("#slot-1 td.errors")).to_contain_text("overlaps mon 07:00–09:00 morning")
    expect(page.locator("#slot-1")).to_have_class("bad")
    assert grid.read_text(encoding="utf-8") == text                       # unchanged on disk

    page.get_by_role("button", name=re.compile("^Undo: slot 2")).click()
    expect(page.locator(".flash")).to_contain_text("Undone")
    assert grid.read_text(encoding="utf-8") == GRID
    assert page.console_errors == [] or all("400" in e for e in page.console_errors)


def test_a_report_downloads_and_the_chart_renders(page, server, station):
    log_in(page, server, "boss")
    page.goto(server + "/manager/")
    page.click("text=Reports")
    chart = page.locator("#chart-day")
    expect(chart).to_be_visible()
    bars = chart.locator("rect.bar")
    expect(bars).to_have_count(1)
    assert bars.first.get_attribute("data-share") == "50.0"
    box = bars.first.bounding_box()
    assert box["height"] > 10 and box["width"] > 1                          # drawn, not just present
    expect(page.locator("#verification")).to_contain_text("The hash chain holds: 2 plays")
    page.select_option('select[name="format"]', "plays")
    with page.expect_download() as info:
        page.click('#download button[type="submit"]')
    download = info.value
    assert re.fullmatch(r"TestFM-plays-\d{8}-\d{8}\.csv", download.suggested_filename)
    content = open(download.path(), encoding="utf-8").read()
    assert "Local One" in content and "Far One" in content
    assert page.console_errors == []


def test_an_upload_cut_off_half_way_leaves_nothing_and_can_be_resumed(page, server, station, audio):
    import socket
    from urllib.parse import urlsplit
    log_in(page, server, "dj1")
    page.goto(server + "/dj/shows/night/files")
    token = page.locator("#upload").get_attribute("data-csrf")
    data = audio["fits"].read_bytes()
    folder = station.paths.uploads / "night"
    folder.mkdir(parents=True, exist_ok=True)
    before = sorted(p.name for p in folder.iterdir())
    up = page.request.post(server + "/dj/shows/night/uploads", headers={"X-CSRF-Token": token},
                           multipart={"name": "cut.mp3", "size": str(len(data))}).json()
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
    host, port = urlsplit(server).hostname, urlsplit(server).port
    with socket.create_connection((host, port)) as s:       # half the body, then the connection drops
        s.sendall((f"PUT /dj/uploads/{up['id']}?offset=0 HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n"
                   f"X-CSRF-Token: {token}\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data[:len(data) // 2])
    # The body is streamed into the upload as it arrives: what the server read before it saw the
    # cut is kept (once the cut request is over, the offset no longer moves).
    seen = []
    while len(seen) < 3 or len(set(seen[-3:])) > 1:
        seen.append(page.request.get(server + f"/dj/uploads/{up['id']}").json()["offset"])
        time.sleep(0.2)
        assert len(seen) < 50
    status = {"offset": seen[-1]}
    assert 0 <= status["offset"] <= len(data) // 2             # what arrived, never more
    partial = station.paths.state / "uploads-partial" / f"{up['id']}.part"
    assert partial.read_bytes() == data[:status["offset"]]
    assert sorted(p.name for p in folder.iterdir()) == before
    done = page.request.put(server + f"/dj/uploads/{up['id']}?offset={status['offset']}",
                            headers={"X-CSRF-Token": token, "Content-Type": "application/octet-stream"},
                            data=data[status["offset"]:])
    assert done.status in (200, 422) and done.json().get("done", True)
    assert not list((station.paths.state / "uploads-partial").glob(f"{up['id']}*"))
