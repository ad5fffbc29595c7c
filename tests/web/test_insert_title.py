"""The title given to an inserted item reaches the play log and now-playing: the real panel
(`radiod web`) → the control socket → the real daemon (`radiod run`, libVLC into a private null
sink). The daemon used to drop it, so every insert was logged under its file name, no artist."""

from __future__ import annotations

import json
import subprocess

import pytest

from audio_capture import private_pulse
from playout.daemon_station import RADIOD, Daemon, make_station, now_playing, rows, wait_for
from radiod.accounts.users import Accounts
from radiod.clock import SystemClock
from radiod.config import load_config
from radiod.playout.control import ControlServer
from radiod.playout.messages import MAX_TEXT, Insert, parse_command, to_request
from radiod.store import open_db
from radiod_web import create_app

from http_support import Visitor
from panel_support import PASSWORD, RadiodWeb, csrf_from, login
from part2_support import add_part2_users, make_part2_station

TYPED = "Storm warning – Route 9 closed"


def tagged_mp3(path, title: str, artist: str, seconds: float = 1.5):
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=880:duration={seconds}",
                    "-ac", "1", "-ar", "44100", "-b:a", "64k", "-metadata", f"title={title}",
                    "-metadata", f"artist={artist}", str(path)], check=True)
    return path


def inserts(station) -> list[dict]:
    return [r for r in rows(station) if r["source"] == "insert"]


@pytest.mark.slow
def test_the_managers_title_reaches_the_log_and_now_playing(tmp_path):
    station, _ = make_station(tmp_path, song_ms=20_000, minutes=10)
    alert = tagged_mp3(station / "media" / "alerts" / "storm.mp3", "Storm Warning", "Weather Desk")
    scan = subprocess.run([*RADIOD, "--station", str(station), "scan"], capture_output=True, text=True, timeout=120)
    assert scan.returncode == 0, scan.stderr
    conn = open_db(station / "radiod.db")
    Accounts(conn, SystemClock()).add_user("boss", "manager", PASSWORD)
    track_id = conn.execute("SELECT id FROM tracks WHERE path = ?", (str(alert),)).fetchone()[0]
    conn.close()

    with private_pulse(tmp_path):
        daemon = Daemon(station, tmp_path / "daemon.log")
        try:
            wait_for(lambda: [r for r in rows(station) if r["seq"] is None], what="on air")
            with RadiodWeb(station) as url:
                boss = Visitor(url)
                assert boss.login("boss").status == 302
                page = f"/manager/library/tracks/{track_id}"
                # The manager types the title the item should air under (an override of its tag) ...
                assert boss.post(page, {"csrf_token": boss.csrf(page), "title": TYPED}).status == 302
                # ... and plays it now from the track's page.
                answer = boss.post("/manager/controls/insert", {"csrf_token": boss.csrf(page),
                                                                "track_id": str(track_id)})
                assert answer.status == 302
                assert f"Playing now: Weather Desk – {TYPED}" in boss.get(page).text
                row = wait_for(lambda: inserts(station), what="the insert")[0]
                assert (row["title"], row["artist"], row["path"]) == (TYPED, "Weather Desk", str(alert))
                shown = wait_for(lambda: (now_playing(station) or {}).get("now") or None, what="now playing")
                assert (shown["title"], shown["artist"]) == (TYPED, "Weather Desk")

            # The console's insert takes a title too; control characters cannot split the log's line.
            ctl = subprocess.run([*RADIOD, "--station", str(station), "ctl", "insert", str(alert),
                                  "--title", "Typed\nat the console", "--artist", "Ops"],
                                 capture_output=True, text=True, timeout=30)
            assert ctl.returncode == 0, ctl.stderr
            second = wait_for(lambda: inserts(station)[1:], what="the second insert")[0]
            assert (second["title"], second["artist"]) == ("Typed at the console", "Ops")
        finally:
            code = daemon.terminate()
    assert code == 0, daemon.log()[-2000:]
    assert "Traceback" not in daemon.log()
    verify = subprocess.run([*RADIOD, "--station", str(station), "verify-log"], capture_output=True, text=True,
                            timeout=60)
    assert verify.returncode == 0, verify.stdout + verify.stderr


# The emergency items: a title typed on the controls page goes over the socket as typed.

@pytest.fixture
def controls(tmp_path):
    root = make_part2_station(tmp_path / "station")
    with open(root / "schedules" / "station.toml", "a", encoding="utf-8") as f:
        f.write('[fallback]\nchain = [{ playlist = "emergency.m3u" }]\n')
    (root / "schedules" / "emergency.m3u").write_text("safe/one.mp3\n")
    config = load_config(root, env={})
    tagged_mp3(config.paths.media[0] / "safe" / "one.mp3", "Tagged", "Tagger")
    add_part2_users(config)
    received: list[Insert] = []

    def handle(cmd):
        received.append(cmd)
        return {"ok": True}
    server = ControlServer(config.control_socket, handle)
    server.start()
    app = create_app(config, watch=False)
    client = app.test_client()
    assert login(client, "boss").status_code == 302
    yield client, received, config
    server.close()
    app.extensions["radiod"].hub.stop()


def test_an_emergency_item_goes_out_under_the_typed_title_or_its_file_name(controls):
    client, received, config = controls
    token = csrf_from(client.get("/manager/controls/").get_data(as_text=True))
    path = str((config.paths.media[0] / "safe" / "one.mp3").resolve())
    for typed, expected in ((TYPED, TYPED), ("   ", "one")):
        assert client.post("/manager/controls/insert", data={"csrf_token": token, "item": "0",
                                                             "title": typed}).status_code == 302
        assert received.pop() == Insert(path, expected, "")


def test_the_insert_command_keeps_one_clean_line_of_text():
    request = parse_command({"cmd": "insert", "path": "/a.mp3", "title": "A\r\nB\x00C\x1b[31m",
                             "artist": "x" * 1000})
    assert request == Insert("/a.mp3", "A B C [31m", "x" * MAX_TEXT)
    assert parse_command({"cmd": "insert", "path": "/a.mp3"}) == Insert("/a.mp3")
    for bad in ({"path": 5}, {"path": "/a", "title": ["x"]}, {"path": "/a", "artist": {"a": 1}}):
        with pytest.raises(ValueError, match="insert: .*expected a string"):
            parse_command({"cmd": "insert", **bad})
    assert parse_command(json.loads(json.dumps(to_request(request)))) == request
