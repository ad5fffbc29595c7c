"""Control commands, their one registry, the engine's states and the status snapshot's public form."""

from __future__ import annotations

import json
from datetime import timedelta

import click
import pytest

from radiod.cli.playout import ctl_command, format_status
from radiod.playout.messages import (COMMANDS, EngineState, ErrorEntry, GetStatus, Insert, LiveLogSong, Reload, Skip,
                                     Status, Timing, button_commands, parse_command, to_request)

from .helpers import Rig, T0, at, sequence


def test_every_registered_command_round_trips_through_its_request():
    for name, spec in COMMANDS.items():
        message = (spec.type("/srv/alert.mp3", "Alert", "Station") if spec.takes_path
                   else LiveLogSong("kim", "Title", "Artist", 3, "press-1") if spec.type is LiveLogSong
                   else spec.type())
        request = json.loads(json.dumps(to_request(message)))
        assert request["cmd"] == name
        assert parse_command(request) == message
    with pytest.raises(ValueError, match="unknown command 'format-disk'"):
        parse_command({"cmd": "format-disk"})
    with pytest.raises(ValueError, match="^insert: path: expected a string$"):
        parse_command({"cmd": "insert", "path": ["/etc/passwd"]})


def test_ctl_and_the_panel_take_their_commands_from_the_registry():
    action = next(p for p in ctl_command.params if p.name == "action")
    offered = tuple(name for name, spec in COMMANDS.items() if spec.ctl)       # live-log: the panel's only
    assert isinstance(action.type, click.Choice) and tuple(action.type.choices) == offered
    assert offered == tuple(n for n in COMMANDS if n != "live-log")
    for spec in COMMANDS.values():
        assert spec.help and (spec.help in (ctl_command.help or "")) == spec.ctl
    assert {spec.type for spec in button_commands()} == {Skip, type(parse_command({"cmd": "pause"})),
                                                          type(parse_command({"cmd": "resume"})), Reload}
    assert GetStatus not in {spec.type for spec in button_commands()}
    assert Insert not in {spec.type for spec in button_commands()}


def test_the_engine_state_is_an_enum_whose_public_form_is_its_value(tmp_path):
    rig = Rig(tmp_path / "r.db", sequence(T0, [60, 60]))
    assert rig.engine.state is EngineState.STARTING
    rig.run_until(at(0.5))
    assert rig.engine.state is EngineState.PLAYING and rig.engine.snapshot().state is EngineState.PLAYING
    assert rig.command("pause") == {"ok": True, "state": "paused"}
    assert json.dumps(rig.engine.status()["state"]) == '"paused"'


def test_the_snapshot_and_its_public_form_carry_the_same_status(tmp_path):
    rig = Rig(tmp_path / "r.db", sequence(T0, [60, 60]))
    rig.run_until(at(0.5))
    snapshot = rig.engine.snapshot()
    public = snapshot.to_public()
    # The keys readers use (ctl, the panel, now-playing.json) keep their names.
    assert set(public) == {"state", "now", "next", "show", "errors", "stats", "output", "schedule_error",
                           "alerts"}
    assert {"play_id", "item_key", "title", "artist", "started_at", "expected_end", "source", "usage",
            "length_ms"} <= set(public["now"])
    assert public["next"]["planned_start"] == (T0 + timedelta(seconds=60)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert Status.from_public(json.loads(json.dumps(public))) == snapshot
    # A snapshot is frozen: readers cannot change what the engine published.
    with pytest.raises(AttributeError):
        snapshot.state = EngineState.STOPPED  # type: ignore[misc]
    # The output clock's timing has its own place, left out for a player without one.
    assert "timing" in Status.from_public({**public, "timing": {}}).to_public()
    assert Status.from_public({**public, "timing": {}}).timing == Timing()


def test_errors_keep_their_figures_and_ctl_shows_the_snapshot_in_words():
    status = Status(EngineState.FALLBACK, errors=(ErrorEntry("2026-11-21T14:00:00.000Z", "dead-air",
                                                             "stood still", {"length_ms": 6000}),),
                    output="PulseAudio sink 'radio'", schedule_error="schedules/a.toml: line 3: bad time")
    public = status.to_public()
    assert public["errors"] == [{"at": "2026-11-21T14:00:00.000Z", "kind": "dead-air", "detail": "stood still",
                                 "length_ms": 6000}]
    assert Status.from_public(public) == status
    assert format_status(status).splitlines() == [
        "state: fallback",
        "output: PulseAudio sink 'radio'",
        "now:   nothing",
        "error: 2026-11-21T14:00:00.000Z dead-air: stood still",
        "schedule: schedules/a.toml: line 3: bad time",
    ]
    # What the daemon does not know reads as stopped rather than failing the reader.
    assert Status.from_public({"state": "exploded"}).state is EngineState.STOPPED
