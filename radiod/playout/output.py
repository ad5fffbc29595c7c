"""Audio outputs for the libVLC player: PulseAudio checks and a private PulseAudio server.

libVLC "plays" into nothing without complaint when its output is broken, so every output is
verified with ``pactl`` before use. Writing to a file goes through a private PulseAudio daemon
with a null sink recorded by ``parec`` (``recording``): unlike libVLC's ``afile`` output (one player only, a
second player overwrites the file), the sink mixes every player, so crossfades are recorded too.

The private server is closed to other local users twice over: its socket lives in a folder only
this user may enter (0700, checked to be ours), and the server admits only clients whose kernel
credentials carry this user's uid — no anonymous access, no cookie a copied file could give away.
A client that can reach a PulseAudio server can load modules into it, i.e. run code as us.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from radiod.errors import PlayerError

RATE = 44100          # the rate of the PCM cache and of private sinks, so nothing resamples
CHANNELS = 2
WAV_HEADER_BYTES = 44


def _pactl(server: str | None, *args: str, timeout_ms: int = 3000) -> subprocess.CompletedProcess[str] | None:
    """Run pactl against ``server`` (None: the environment's default); None if it cannot run."""
    if shutil.which("pactl") is None:
        return None
    cmd = ["pactl"] + (["--server", server] if server else []) + list(args)
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_ms / 1000,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None


def pulse_info(server: str | None = None) -> dict[str, str] | None:
    """``pactl info`` as a dict ("Default Sink", "Server Name", ...), or None when no server answers."""
    done = _pactl(server, "info")
    if done is None or done.returncode != 0:
        return None
    info = {}
    for line in done.stdout.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            info[key.strip()] = value.strip()
    return info


def pulse_sinks(server: str | None = None) -> list[str]:
    """Names of the sinks a PulseAudio server offers (empty when none answers)."""
    done = _pactl(server, "list", "short", "sinks")
    if done is None or done.returncode != 0:
        return []
    return [line.split("\t")[1] for line in done.stdout.splitlines() if line.count("\t") >= 1]


@dataclass
class PulseServer:
    """A private PulseAudio daemon with one null sink, its socket in ``directory``."""

    directory: Path
    sink: str
    process: subprocess.Popen[bytes]

    @property
    def server(self) -> str:
        """The address clients use (``PULSE_SERVER``)."""
        return f"unix:{self.directory / 'native'}"

    @property
    def monitor(self) -> str:
        return f"{self.sink}.monitor"

    def env(self) -> dict[str, str]:
        """An environment for client subprocesses (pactl, parec) that talks to this server."""
        return {**os.environ, "PULSE_SERVER": self.server}

    def add_sink(self, name: str) -> None:
        """Another null sink on the same server (e.g. to check that a named sink is honoured)."""
        done = _pactl(self.server, "load-module", "module-null-sink", f"sink_name={name}",
                      f"rate={RATE}", f"channels={CHANNELS}")
        if done is None or done.returncode != 0:
            raise PlayerError(f"cannot add PulseAudio sink {name!r}: {done.stderr.strip() if done else 'pactl missing'}")

    def stop(self) -> None:
        """Stop the daemon."""
        _end(self.process, signal.SIGTERM)


def _end(process: subprocess.Popen[bytes], sig: int) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _reap_previous(directory: Path) -> None:
    """Stop the daemon and recorder a killed radiod left behind in ``directory`` (by pid file,
    checking the pid still belongs to that program), so the socket and the file are free."""
    for name in ("parec", "pulseaudio"):
        pid_file = directory / f"{name}.pid"
        try:
            pid = int(pid_file.read_text())
            program = Path(f"/proc/{pid}/comm").read_text().strip()
        except (OSError, ValueError):
            continue
        if program == name:
            os.kill(pid, signal.SIGINT if name == "parec" else signal.SIGTERM)
            for _ in range(150):
                if not Path(f"/proc/{pid}").exists():
                    break
                time.sleep(0.02)
        pid_file.unlink(missing_ok=True)
    (directory / "native").unlink(missing_ok=True)


def _private_folder(directory: Path) -> None:
    """Make ``directory`` a folder only this user can enter (0700), or refuse.

    The socket PulseAudio creates is 0777 whatever the umask, so the folder is what keeps
    others out; one that is a symlink or belongs to someone else could be theirs to open."""
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        directory.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise PlayerError(f"cannot create the sound server's folder {directory}: {exc.strerror}") from None
    try:
        info = os.lstat(directory)
    except OSError as exc:
        raise PlayerError(f"cannot use the sound server's folder {directory}: {exc.strerror}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise PlayerError(f"{directory}: not a folder (a symlink or a file): "
                          "refusing to put the sound server's socket there")
    if info.st_uid != os.geteuid():
        raise PlayerError(f"{directory}: owned by uid {info.st_uid}, not by this user (uid {os.geteuid()}): "
                          "refusing to put the sound server's socket there")
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(directory, 0o700)          # an older radiod left it 0755


def start_private_pulse(directory: Path, sink: str = "radio", timeout_ms: int = 5000) -> PulseServer:
    """Start a PulseAudio daemon with a null sink ``sink``; its socket, HOME and runtime dir in ``directory``."""
    if shutil.which("pulseaudio") is None:
        raise PlayerError("pulseaudio is not installed (needed for file output and capture)")
    _private_folder(directory)
    _reap_previous(directory)
    socket = directory / "native"
    env = {**os.environ, "HOME": str(directory), "XDG_RUNTIME_DIR": str(directory),
           "XDG_CONFIG_HOME": str(directory / "config")}
    env.pop("PULSE_SERVER", None)
    log = directory / "pulseaudio.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit",
             "--use-pid-file=no", "--system=no", "--log-target=stderr", "--log-level=error",
             "-L", f"module-null-sink sink_name={sink} rate={RATE} channels={CHANNELS}",
             # only clients running as this user (checked by their socket credentials)
             "-L", f"module-native-protocol-unix socket={socket} auth-anonymous=0 auth-cookie-enabled=0",
             "-L", "module-always-sink"],
            # its own session: a Ctrl-C reaches radiod only, which stops the server after the player
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log_file, umask=0o077,
            start_new_session=True)
    (directory / "pulseaudio.pid").write_text(str(process.pid))
    server = PulseServer(directory, sink, process)
    deadline = time.monotonic_ns() + timeout_ms * 1_000_000
    while time.monotonic_ns() < deadline:
        if process.poll() is not None:
            err = log.read_text(errors="replace").strip().splitlines()
            raise PlayerError(f"pulseaudio exited at start: {err[-1] if err else 'no message'}")
        if socket.exists() and pulse_info(server.server) is not None:
            return server
        time.sleep(0.02)
    server.stop()
    raise PlayerError(f"pulseaudio did not answer within {timeout_ms} ms")
