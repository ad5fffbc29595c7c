"""The [streams] section and the encoder script it renders: every codec is one Liquidsoap accepts."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pytest

from radiod.clock import SystemClock
from radiod.config import load_config
from radiod.errors import ConfigError
from radiod.streams import consumers
from radiod.streams.outputs import plan_of
from radiod.streams.script import ScriptPaths, render

ALL = ('[streams]\nicecast = ["icecast://source:p%40ss\\"w@127.0.0.1:21001/radio.mp3?bitrate=96",\n'
       '  "icecast://dj:pw@127.0.0.1:21001/radio.aac", "icecast://source:pw@127.0.0.1:21001/radio.opus?bitrate=64",\n'
       '  "icecast://source:pw@127.0.0.1:21001/radio.ogg"]\nhls_bitrates = [128, 64]\n')


def station(tmp_path: Path, toml: str):
    (tmp_path / "radiod.toml").write_text(toml)
    return load_config(tmp_path, env={})


def test_every_mount_is_read_with_its_codec_bitrate_and_credentials(tmp_path):
    plan = plan_of(station(tmp_path, ALL))
    got = [(m.user, m.password, m.mount, m.codec, m.bitrate_kbps) for m in plan.icecast]
    assert got == [("source", 'p@ss"w', "/radio.mp3", "mp3", 96), ("dj", "pw", "/radio.aac", "aac", 128),
                   ("source", "pw", "/radio.opus", "opus", 64), ("source", "pw", "/radio.ogg", "vorbis", 128)]
    assert [r.bitrate_kbps for r in plan.hls] == [64, 128]
    assert all("pw" not in str(m) for m in plan.icecast), "a mount's name in the log shows its password"


def test_a_bad_mount_is_one_line_that_does_not_show_the_password(tmp_path):
    with pytest.raises(ConfigError) as err:
        station(tmp_path, '[streams]\nicecast = ["icecast://source:s3cret@host:8000/radio.wav"]\n'
                          'hls_bitrates = [8]\n')
    problems = err.value.problems if hasattr(err.value, "problems") else str(err.value).splitlines()
    text = "\n".join(problems)
    assert "streams.icecast" in text and "streams.hls_bitrates" in text and "s3cret" not in text


def test_liquidsoap_accepts_the_script_for_all_four_codecs_and_hls(tmp_path):
    plan = plan_of(station(tmp_path, ALL))
    script = tmp_path / "streams.liq"
    script.write_text(render(plan, ScriptPaths(fifo=tmp_path / "air.pcm", hls_dir=tmp_path / "hls",
                                               title_file=tmp_path / "title", allow_root=True)))
    done = subprocess.run(["liquidsoap", "--check", str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert 'p@ss\\"w' in script.read_text(), "the password is not escaped as a Liquidsoap string"


def test_no_outputs_or_no_liquidsoap_means_no_consumer_and_one_line_saying_why(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="radiod.streams")
    assert consumers(station(tmp_path, ""), SystemClock()) == []
    assert consumers(station(tmp_path, ALL + 'liquidsoap = "/nonexistent/liquidsoap"\n'), SystemClock()) == []
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and lines[0].startswith("streams off: no outputs") and "not installed" in lines[1], lines


def test_an_encoder_that_cannot_start_leaves_the_air_without_streams(tmp_path, caplog):
    config = station(tmp_path, '[streams]\nhls_bitrates = [64]\nliquidsoap = "/bin/sh"\n'
                               '[paths]\nstate = "state"\n')
    (tmp_path / "state").write_text("a file where the state folder should be")
    caplog.set_level(logging.INFO, logger="radiod.streams")
    assert consumers(config, SystemClock()) == []
    assert any("encoder could not be started" in r.getMessage() for r in caplog.records), caplog.records
