"""The live input's Liquidsoap script and when the live input runs at all."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from radiod.bridge.player import check_script
from radiod.clock import SystemClock
from radiod.config import load_config
from radiod.live import live_desk
from radiod.live.script import HarborPaths, render


def station(tmp_path: Path, toml: str):
    (tmp_path / "radiod.toml").write_text(toml)
    return load_config(tmp_path, env={})


def test_the_script_takes_a_dj_on_the_harbor_with_radiods_logins_and_writes_pcm_to_the_fifo(tmp_path):
    config = station(tmp_path, '[liquidsoap]\nlive_input = true\nharbor_port = 21002\nharbor_mount = "studio"\n'
                               "harbor_buffer_ms = 700\n")
    fifo = tmp_path / "dj.pcm"
    text = render(config, HarborPaths(client=("/usr/bin/python3", "-m", "radiod.bridge.client", "/run/x.sock"),
                                      fifo=fifo, allow_root=True))
    assert 'input.harbor(id="live", port=21002, auth=radiod_auth, buffer=0.7, max=3.5' in text
    assert '"studio")' in text and "on_disconnect=radiod_disconnected" in text
    assert 'radiod_client = "/usr/bin/python3 -m radiod.bridge.client /run/x.sock"' in text
    assert f'flush=true, %wav(stereo=true, samplesize=16, header=false), "{fifo}", live)' in text
    assert "telnet" not in text and "harbor.disconnect()" in text      # the slot's end disconnects
    script = tmp_path / "harbor.liq"
    script.write_text(text)
    assert check_script(shutil.which("liquidsoap") or "liquidsoap", script) == ""


def test_without_live_input_or_without_liquidsoap_there_is_no_live_input(tmp_path, caplog):
    clock = SystemClock()
    off = station(tmp_path, "")
    assert live_desk(off, clock, object(), lambda m: None, lambda e: None) is None
    missing = station(tmp_path, '[liquidsoap]\nlive_input = true\nbinary = "no-such-liquidsoap"\n')
    with caplog.at_level(logging.WARNING):
        assert live_desk(missing, clock, object(), lambda m: None, lambda e: None) is None
    assert "live input off: Liquidsoap ('no-such-liquidsoap') is not installed" in caplog.text
    on_liquidsoap_engine = station(tmp_path, '[playout]\nengine = "liquidsoap"\n[liquidsoap]\nlive_input = true\n')
    assert live_desk(on_liquidsoap_engine, clock, object(), lambda m: None, lambda e: None) is None
