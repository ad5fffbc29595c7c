"""The control socket (real Unix socket, JSON lines) and the now-playing file."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from radiod.errors import ControlError
from radiod.playout.control import ControlServer, send_command
from radiod.playout.messages import GetStatus, Insert, Skip
from radiod.playout.nowplaying import NowPlayingWriter, document

from .helpers import Rig, T0, at, sequence


def test_commands_round_trip_over_the_socket(tmp_path):
    seen = []

    def handler(command):
        seen.append(command)
        return {"ok": True, "echo": command.NAME, "path": getattr(command, "path", None)}

    # A deliberately long directory: the socket path exceeds sockaddr_un's 108 bytes.
    state = tmp_path / ("x" * 90) / "state"
    server = ControlServer(state / "control.sock", handler)
    server.start()
    try:
        assert send_command(state / "control.sock", GetStatus()) == {"ok": True, "echo": "status", "path": None}
        reply = send_command(state / "control.sock", Insert("/srv/alert.mp3", "Alert"))
        assert reply["path"] == "/srv/alert.mp3"
        assert seen == [GetStatus(), Insert("/srv/alert.mp3", "Alert")]
    finally:
        server.close()
    assert not (state / "control.sock").exists()


def test_bad_requests_get_a_one_line_error_and_the_connection_survives(tmp_path):
    server = ControlServer(tmp_path / "c.sock", lambda r: {"ok": True})
    server.start()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(tmp_path / "c.sock"))
            f = s.makefile("rwb")
            f.write(b"not json\n[1]\n{\"cmd\": \"format-disk\"}\n{\"cmd\": \"insert\", \"path\": 5}\n"
                    b"{\"cmd\": \"status\"}\n")
            f.flush()
            replies = [json.loads(f.readline()) for _ in range(5)]
        assert replies[0]["ok"] is False and "bad request" in replies[0]["error"]
        assert replies[1]["ok"] is False and "cmd" in replies[1]["error"]
        # Names and arguments are checked against the registry before the handler sees them.
        assert replies[2] == {"ok": False, "error": "unknown command 'format-disk' (status, skip, pause, resume, "
                                                    "reload, insert, errors, live-log)"}
        assert replies[3] == {"ok": False, "error": "insert: path: expected a string"}
        assert replies[4] == {"ok": True}
    finally:
        server.close()


def test_handler_exceptions_become_error_replies(tmp_path):
    def handler(request):
        raise RuntimeError("boom")

    server = ControlServer(tmp_path / "c.sock", handler)
    server.start()
    try:
        reply = send_command(tmp_path / "c.sock", Skip())
        assert reply == {"ok": False, "error": "RuntimeError: boom"}
    finally:
        server.close()


def test_send_command_without_a_daemon_raises_control_error(tmp_path):
    with pytest.raises(ControlError, match="not running"):
        send_command(tmp_path / "control.sock", GetStatus())
    # A stale socket file left by a crash: still "not running", and a new server takes its place.
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(tmp_path / "control.sock"))
    stale.close()
    with pytest.raises(ControlError, match="not running"):
        send_command(tmp_path / "control.sock", GetStatus())
    server = ControlServer(tmp_path / "control.sock", lambda r: {"ok": True})
    server.start()
    try:
        assert send_command(tmp_path / "control.sock", GetStatus()) == {"ok": True}
        with pytest.raises(ControlError, match="already running"):
            ControlServer(tmp_path / "control.sock", lambda r: {"ok": True})
    finally:
        server.close()


def test_an_answer_that_is_not_an_object_is_one_control_error(tmp_path):
    """Something else on the socket answering a JSON list: one line, not a traceback later."""
    path = tmp_path / "control.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)

    def answer() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"[1, 2]\n")

    thread = threading.Thread(target=answer)
    thread.start()
    try:
        with pytest.raises(ControlError, match="not an object"):
            send_command(path, GetStatus(), timeout_s=5)
    finally:
        thread.join(5)
        listener.close()


def test_concurrent_clients(tmp_path):
    server = ControlServer(tmp_path / "c.sock", lambda r: {"ok": True, "n": int(r.path)})
    server.start()
    results = []
    try:
        threads = [threading.Thread(target=lambda n=n: results.append(
            send_command(tmp_path / "c.sock", Insert(str(n)))["n"])) for n in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.close()
    assert sorted(results) == list(range(20))


def test_now_playing_file_follows_the_engine_and_hides_next_when_asked(tmp_path):
    items = sequence(T0, [60, 60])
    rig = Rig(tmp_path / "r.db", items)
    path = tmp_path / "state" / "now-playing.json"
    writer = NowPlayingWriter(path, station="Demo FM", hide_next=False, clock=rig.clock)
    rig.engine.on_change = writer
    rig.run_until(at(0.5))
    doc = json.loads(path.read_text())
    assert doc["station"] == "Demo FM" and doc["state"] == "playing"
    assert doc["now"]["title"] == "Song 1" and doc["now"]["started_at"] == "2026-11-21T14:00:00.000Z"
    assert doc["now"]["expected_end"] == "2026-11-21T14:01:00.000Z"
    assert doc["now"]["play_id"] == rig.open_rows()[0]["id"]
    assert doc["next"] == {"title": "Song 2", "artist": "Artist 2", "local": False,
                           "planned_start": "2026-11-21T14:01:00.000Z"}
    rig.run_until(at(1.5))
    assert json.loads(path.read_text())["now"]["title"] == "Song 2"
    assert [p.name for p in path.parent.iterdir()] == ["now-playing.json"]     # no temp files left

    hidden = document(rig.engine.status(), station="X", hide_next=True, updated_at_ms=0)
    assert "next" not in hidden and hidden["now"]["title"] == "Song 2"


def test_now_playing_when_stopped_has_no_now(tmp_path):
    doc = document({"state": "stopped", "now": None, "next": None, "show": None}, station="S",
                   hide_next=False, updated_at_ms=0)
    assert doc == {"station": "S", "updated_at": "1970-01-01T00:00:00.000Z", "state": "stopped",
                   "now": None, "next": None, "show": None}
