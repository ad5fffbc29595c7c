"""The private PulseAudio server is closed to other local users.

A real non-root user (``nobody``, through ``runuser``) tries to reach the daemon's server the way an
attacker on the same machine would: connect, load a module (code execution as the daemon's user),
mute the air. The station's folder is world-traversable here, as /srv/radio/state is, so only
radiod's own protection can keep them out.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np
import pytest

from radiod.clock import SystemClock
from radiod.errors import PlayerError
from radiod.playout.output import PulseServer, start_private_pulse
from radiod.playout.port import Cue
from radiod.playout.vlc_player import VlcPlayer
from tests.audio_capture import LEFT, write_tone
from tests.playout.test_vlc_player import Events

NOBODY = 65534
ATTACKS = (
    ("info",),
    ("load-module", "module-null-sink", "sink_name=intruder"),
    ("set-sink-mute", "radio", "1"),
)


@pytest.fixture
def station_state():
    """A state folder others may traverse (pytest's own tmp folder is 0700 and would hide the fault)."""
    folder = Path(tempfile.mkdtemp(prefix="radiod-state-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def as_nobody(server: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "nobody", "--", "env", f"PULSE_SERVER={server}", "HOME=/nonexistent",
                           "pactl", *args], capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)


def ours(server: PulseServer, *args: str) -> str:
    return subprocess.run(["pactl", *args], env=server.env(), capture_output=True, text=True, check=True,
                          timeout=10).stdout


def assert_untouched(server: PulseServer) -> None:
    assert "intruder" not in ours(server, "list", "short", "modules")
    assert "intruder" not in ours(server, "list", "short", "sinks")
    assert ours(server, "get-sink-mute", "radio").strip() == "Mute: no"


def test_another_user_can_neither_connect_nor_load_a_module_nor_mute_the_air(station_state):
    server = start_private_pulse(station_state / "pulse")
    try:
        for attack in ATTACKS:
            done = as_nobody(server.server, *attack)
            assert done.returncode != 0, f"nobody ran pactl {' '.join(attack)}: {done.stdout}"
        assert_untouched(server)
        folder = os.lstat(server.directory)
        assert stat.S_IMODE(folder.st_mode) == 0o700 and folder.st_uid == os.geteuid()
        # nothing in the folder (socket, logs, pid files, the server's runtime files) is reachable
        listing = subprocess.run(["runuser", "-u", "nobody", "--", "ls", str(server.directory)],
                                 capture_output=True, text=True, timeout=10)
        assert listing.returncode != 0 and "Permission denied" in listing.stderr
        for name in ("pulseaudio.log", "pulseaudio.pid", "native"):
            assert (server.directory / name).exists()
            opened = subprocess.run(["runuser", "-u", "nobody", "--", "cat", str(server.directory / name)],
                                    capture_output=True, text=True, timeout=10)
            assert opened.returncode != 0 and "Permission denied" in opened.stderr
    finally:
        server.stop()


def test_with_its_folder_opened_by_mistake_the_server_still_admits_only_this_user(station_state):
    """The second lock: an operator's ``chmod 755`` on the folder does not let anyone in."""
    server = start_private_pulse(station_state / "pulse")
    try:
        os.chmod(server.directory, 0o755)
        for attack in ATTACKS:
            done = as_nobody(server.server, *attack)
            assert done.returncode != 0
            assert "Access denied" in done.stderr, done.stderr
        assert_untouched(server)
    finally:
        server.stop()
    again = start_private_pulse(station_state / "pulse")          # the next start closes it again
    try:
        assert stat.S_IMODE(os.lstat(again.directory).st_mode) == 0o700
    finally:
        again.stop()


def test_a_folder_that_belongs_to_someone_else_or_is_a_symlink_is_refused(station_state):
    theirs = station_state / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, NOBODY, NOBODY)
    with pytest.raises(PlayerError, match=r"theirs: owned by uid 65534, not by this user"):
        start_private_pulse(theirs)
    link = station_state / "link"
    link.symlink_to(theirs)
    with pytest.raises(PlayerError, match=r"link: not a folder"):
        start_private_pulse(link)
    assert list(theirs.iterdir()) == []          # nothing was started or written there


def test_the_stations_own_playout_and_recording_go_on_while_another_user_tries_to_mute_it(
        station_state, monkeypatch):
    """libVLC, the recorder and pactl (the output watch) are this user's and get in; nobody's mute
    mid-item is refused, so the whole tone is in the recording."""
    monkeypatch.setenv("PULSE_SERVER", f"unix:{station_state / 'no-server'}")
    tone = write_tone(station_state / "tone.wav", 500, 1500, LEFT)
    p = VlcPlayer(SystemClock(), output="auto", cache_dir=station_state / "cache", state_dir=station_state)
    try:
        p.check_output()
        events = Events(p)
        p.prepare(Cue("tone", str(tone)))
        p.start("tone")
        events.wait("started", "tone")
        refused = [as_nobody(p._pulse.server, *attack) for attack in ATTACKS]
        ended = events.wait("ended", "tone")
        server = p._pulse
        assert_untouched(server)
    finally:
        p.close()
    assert all(done.returncode != 0 for done in refused)
    assert ended.played_ms == 1500
    [recording] = station_state.glob("output*.wav")
    with wave.open(str(recording)) as rec:
        pcm = np.frombuffer(rec.readframes(rec.getnframes()), dtype="<i2").reshape(-1, 2)
    loud = np.flatnonzero(np.abs(pcm[:, LEFT]) > 300)
    assert loud.size and (loud[-1] - loud[0]) * 1000 / 44100 > 1450, "the tone was recorded whole, unmuted"
