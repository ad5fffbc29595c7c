"""The .liq script: a pure function of the configuration, snapshot-tested and checked by Liquidsoap."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from radiod.bridge.render import ScriptOptions, liq_string, render
from radiod.config import Config, LiquidsoapConfig, PathsConfig, PlayoutConfig
from radiod.errors import ConfigError

SNAPSHOTS = Path(__file__).parent / "snapshots"
STATION = Path("/srv/radio")


def full_config(**liquidsoap) -> Config:
    """Every output on: sound card, archive, HLS, four Icecast mounts, crossfade, harbor."""
    lq = dict(archive=True, hls=True, icecast_host="127.0.0.1", icecast_password='sec"ret',
              icecast_mounts=["radio.mp3", "radio.ogg", "radio.opus", "radio.aac"], harbor_port=8005)
    lq.update(liquidsoap)
    return Config(station_dir=STATION, paths=PathsConfig(state=STATION / "state"),
                  playout=PlayoutConfig(crossfade_ms=2000, fade_out_ms=1500),
                  liquidsoap=LiquidsoapConfig(**lq))


def options(tmp: Path = STATION / "state/liquidsoap", output: str = "pulse:radio") -> ScriptOptions:
    return ScriptOptions(client=("/opt/radiod/.venv/bin/python", "-m", "radiod.bridge.client", str(tmp / "bridge.sock")),
                         control_file=tmp / "cut", output=output, log_file=tmp / "liquidsoap.log",
                         allow_root=True)


@pytest.mark.parametrize("name, config, output", [
    ("full.liq", full_config(), "pulse:radio"),
    ("minimal.liq", Config(station_dir=STATION, paths=PathsConfig(state=STATION / "state"),
                           liquidsoap=LiquidsoapConfig(harbor_port=0)), "file:/srv/radio/state/out.raw"),
])
def test_script_matches_snapshot(name, config, output):
    text = render(config, options(output=output))
    snapshot = SNAPSHOTS / name
    if os.environ.get("RADIOD_UPDATE_SNAPSHOTS"):
        snapshot.write_text(text)
    assert text == snapshot.read_text()


def test_render_is_pure():
    assert render(full_config(), options()) == render(full_config(), options())


def test_options_reach_the_script():
    text = render(full_config(harbor_port=9123, harbor_mount="studio"), options(output="file:/tmp/x y.raw"))
    assert "port=9123" in text and '"studio"' in text
    assert 'output.file(on_start=fun() -> print("STREAMING"), %wav(header=false), "/tmp/x y.raw", radio)' in text
    assert "crossfade(duration=2.000" in text
    assert 'password="sec\\"ret"' in text
    # The client's argv is quoted for the shell process.read uses.
    assert "'/opt/radiod/.venv/bin/python' -m radiod.bridge.client" not in text
    assert "/opt/radiod/.venv/bin/python -m radiod.bridge.client /srv/radio/state/liquidsoap/bridge.sock" in text


def test_no_harbor_no_icecast_without_configuration():
    text = render(Config(station_dir=STATION, liquidsoap=LiquidsoapConfig(harbor_port=0)), options())
    assert "input.harbor" not in text and "output.icecast" not in text
    assert "output.file.hls" not in text and "%mp3" not in text


def test_unknown_mount_format_is_a_located_config_error():
    with pytest.raises(ConfigError) as err:
        render(full_config(icecast_mounts=["radio.wma"]), options())
    assert err.value.problems == [
        "/srv/radio/radiod.toml: liquidsoap.icecast_mounts: 'radio.wma' has no known format "
        "(end it in .mp3, .ogg, .opus or .aac)"]


def test_strings_are_escaped():
    assert liq_string('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'


def test_liquidsoap_accepts_the_full_script(tmp_path):
    """`liquidsoap --check` type-checks every output, encoder and the harbor of the full script."""
    script = tmp_path / "station.liq"
    text = render(full_config(), options(tmp=tmp_path))
    script.write_text(text)
    (tmp_path / "cut").write_text("")
    done = subprocess.run(["liquidsoap", "--check", str(script)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr     # no unused variables or ignored values


def test_liquidsoap_rejects_a_broken_script(tmp_path):
    """The check above can fail: a script with an undefined name is refused."""
    script = tmp_path / "broken.liq"
    script.write_text(render(full_config(), options(tmp=tmp_path)).replace("radiod_poll_cut)", "radiod_poll_kut)"))
    done = subprocess.run(["liquidsoap", "--check", str(script)], capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "radiod_poll_kut" in done.stdout + done.stderr
