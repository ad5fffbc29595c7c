"""Icecast output: a real icecast2 on 127.0.0.1 receives both configured mounts from Liquidsoap,
with the track's metadata, and a listener hears the tone that is playing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from radiod.bridge.player import LiquidsoapPlayer
from radiod.clock import SystemClock
from radiod.playout.port import Cue

from .helpers import RATE, free_port, station, tone, wait_until

SOURCE_PASSWORD = "s0urce-secret"


def icecast_config(directory: Path, logs: Path, port: int) -> Path:
    owner = ("<changeowner><user>nobody</user><group>nogroup</group></changeowner>"
             if os.geteuid() == 0 else "")
    path = directory / "icecast.xml"
    # <location> and <admin> are needed: without them status-json.xsl writes broken JSON.
    path.write_text(f"""<icecast>
  <location>radiod test</location><admin>admin@localhost</admin>
  <limits><clients>10</clients><sources>4</sources><source-timeout>10</source-timeout></limits>
  <authentication>
    <source-password>{SOURCE_PASSWORD}</source-password>
    <admin-user>admin</admin-user><admin-password>admin-secret</admin-password>
  </authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <paths>
    <basedir>/usr/share/icecast2</basedir><logdir>{logs}</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot>
  </paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>2</loglevel></logging>
  <security><chroot>0</chroot>{owner}</security>
</icecast>
""")
    return path


def status(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/status-json.xsl", timeout=5) as reply:
        return json.loads(reply.read().decode("utf-8", "replace"))["icestats"]


def sources(port: int) -> list[dict]:
    found = status(port).get("source", [])
    return found if isinstance(found, list) else [found]      # one mount: an object, several: a list


@pytest.fixture
def icecast(tmp_path):
    port = free_port()
    # icecast2 drops root for 'nobody', who must reach and write its log folder (pytest's own
    # temporary folders are private to root).
    logs = Path(tempfile.mkdtemp(prefix="radiod-icecast-"))
    os.chmod(logs, 0o777)
    proc = subprocess.Popen(["icecast2", "-c", str(icecast_config(tmp_path, logs, port))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: _answers(port), timeout_s=15)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(logs, ignore_errors=True)


def _answers(port: int) -> bool:
    try:
        return "admin" in status(port)
    except (OSError, ValueError):      # not listening yet, or stats not filled in yet (broken JSON)
        return False


def test_streams_to_both_mounts_and_records_archive_and_hls(tmp_path, icecast):
    """One Liquidsoap run with every output: Icecast mounts, the rolling archive and HLS."""
    config = station(tmp_path, f'[playout]\noutput = "none"\n[liquidsoap]\nharbor_port = 0\n'
                               f'icecast_host = "127.0.0.1"\nicecast_port = {icecast}\n'
                               f'icecast_password = "{SOURCE_PASSWORD}"\nicecast_mounts = ["radio.mp3", "radio.ogg"]\n'
                               f'icecast_bitrate = 96\narchive = true\narchive_days = 2\nhls = true\n')
    archive = config.paths.state / "archive"
    archive.mkdir(parents=True)
    (archive / "2020-01-01_00-00-00.mp3").write_bytes(b"old")       # past archive_days: deleted
    (archive / "keep-me.mp3").write_bytes(b"not an archive name")    # never touched
    player = LiquidsoapPlayer(config, SystemClock())
    try:
        player.check_output()
        path = tone(tmp_path, "stream.wav", 20_000, 880)
        player.prepare(Cue("s1", path, cue_out_ms=20_000, title="Stream Test", artist="Tone Band"))
        player.start("s1")
        mounts = wait_until(lambda: _mounts_with_title(icecast), timeout_s=30)
        assert set(mounts) == {"/radio.mp3", "/radio.ogg"}
        assert all("Stream Test" in title for title in mounts.values())
        # A listener of the MP3 mount hears the 880 Hz tone.
        with urllib.request.urlopen(f"http://127.0.0.1:{icecast}/radio.mp3", timeout=10) as stream:
            data = stream.read(48_000)
        pcm = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "mp3", "-i", "-", "-ac", "1",
                              "-ar", str(RATE), "-f", "s16le", "-"], input=data, capture_output=True).stdout
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)[RATE // 4:]
        peak = np.fft.rfftfreq(len(samples), 1 / RATE)[int(np.argmax(np.abs(np.fft.rfft(samples))))]
        assert abs(peak - 880) < 5
        # HLS: a playlist naming segments that exist; the archive: this hour's file, growing.
        hls = config.paths.state / "hls"
        playlist = wait_until(lambda: (hls / "live.m3u8").exists() and (hls / "live.m3u8").read_text(),
                              timeout_s=30)
        named = [line for line in playlist.splitlines() if line and not line.startswith("#")]
        assert named and all((hls / name).stat().st_size > 0 for name in named)
        recorded = wait_until(lambda: [p for p in archive.glob("20*.mp3") if p.stat().st_size > 10_000])
        assert len(recorded) == 1
        assert sorted(p.name for p in archive.iterdir()) == sorted([recorded[0].name, "keep-me.mp3"])
    finally:
        player.close()
    # Stopping Liquidsoap takes its sources off the server.
    wait_until(lambda: not sources(icecast), timeout_s=15)


def _mounts_with_title(port: int) -> dict[str, str] | None:
    found = {}
    for s in sources(port):
        mount = s.get("listenurl", "").rsplit("/", 1)[-1]
        found["/" + mount] = str(s.get("title", ""))
    return found if len(found) == 2 and all(found.values()) else None
