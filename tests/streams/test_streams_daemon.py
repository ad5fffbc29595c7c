"""End to end on the default engine: a real `radiod run` (libVLC into a private null sink) streams its
rendered air through a real Liquidsoap to a real icecast2 (MP3 and Opus mounts) and to HLS (two AAC
renditions). Decoded with ffmpeg, every output holds the play log's items in the play log's order;
the HLS date-times say when each segment's audio was heard; an Icecast restart is survived."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

import pytest

from audio_capture import private_pulse
from icecast_server import CONFIG, wait_until
from radiod.playlog.listeners import http_fetch, parse_icestats
from tests.playout.daemon_station import Daemon, make_station, rows

from .tones import decode, decode_prefix, is_in_order, runs, sequence

ICECAST_PORT = 21010
TONES = {"a": 440.0, "b": 554.0, "c": 659.0, "show": 330.0}
MOUNTS = ("/radio.mp3", "/radio.opus")


class IcecastAt:
    """icecast2 on a fixed port, so it can be restarted where the streams expect it."""

    def __init__(self, directory: Path, port: int):
        self.url = f"http://127.0.0.1:{port}"
        self.logdir = Path(tempfile.mkdtemp(prefix="streams-icecast-"))
        owner = ""
        if os.geteuid() == 0:
            owner = "<changeowner><user>icecast2</user><group>icecast</group></changeowner>"
            shutil.chown(self.logdir, "icecast2", "icecast")
        self.config = directory / "icecast.xml"
        self.config.write_text(CONFIG.format(port=port, logdir=self.logdir, changeowner=owner))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(["icecast2", "-c", str(self.config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        wait_until(self._answers, "icecast to answer")

    def _answers(self) -> bool:
        try:
            return isinstance(parse_icestats(http_fetch(f"{self.url}/status-json.xsl", timeout_ms=1000)), dict)
        except (OSError, ValueError):
            return False

    def mounts(self) -> set[str]:
        try:
            return set(parse_icestats(http_fetch(f"{self.url}/status-json.xsl", timeout_ms=1000)))
        except (OSError, ValueError):
            return set()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@contextmanager
def icecast_at(directory: Path, port: int) -> Iterator[IcecastAt]:
    server = IcecastAt(directory, port)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.logdir, ignore_errors=True)


class Recorder:
    """A real HTTP listener that keeps what it hears, for ``seconds``."""

    def __init__(self, url: str, path: Path, seconds: float):
        self.path = path
        self.started = time.time()
        self.thread = threading.Thread(target=self._run, args=(url, seconds), daemon=True)
        self.thread.start()

    def _run(self, url: str, seconds: float) -> None:
        self.arrivals: list[tuple[int, float]] = []        # (bytes so far, when they had arrived)
        got = 0
        with urllib.request.urlopen(url, timeout=10) as response, self.path.open("wb") as out:
            while time.time() - self.started < seconds:
                chunk = response.read1(4096)
                if not chunk:
                    break
                out.write(chunk)
                got += len(chunk)
                self.arrivals.append((got, time.time()))

    def join(self) -> None:
        self.thread.join(60)


class IcyRecorder:
    """A listener asking for ICY metadata: keeps the audio and where in it each StreamTitle came."""

    def __init__(self, url: str, path: Path, seconds: float):
        self.path = path
        self.titles: list[tuple[int, str]] = []          # (audio bytes before it, title)
        self.started = time.time()
        self.thread = threading.Thread(target=self._run, args=(url, seconds), daemon=True)
        self.thread.start()

    def _run(self, url: str, seconds: float) -> None:
        request = urllib.request.Request(url, headers={"Icy-MetaData": "1"})
        with urllib.request.urlopen(request, timeout=10) as response, self.path.open("wb") as out:
            metaint = int(response.headers["icy-metaint"])
            audio = 0
            while time.time() - self.started < seconds:
                chunk = response.read(metaint)
                if len(chunk) < metaint:
                    break
                out.write(chunk)
                audio += len(chunk)
                length = response.read(1)[0] * 16
                if length:
                    meta = response.read(length).rstrip(b"\0").decode("utf-8", "replace")
                    if "StreamTitle='" in meta:
                        self.titles.append((audio, meta.split("StreamTitle='", 1)[1].split("';", 1)[0]))

    def join(self) -> None:
        self.thread.join(60)


class HlsCollector:
    """Copies every segment the rendition's playlist lists, with its program date-time."""

    def __init__(self, hls: Path, playlist: str):
        self.hls, self.playlist = hls, playlist
        self.segments: dict[str, tuple[float, bytes]] = {}
        self.seen: dict[str, float] = {}        # when each segment was first listed
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopping.wait(0.5):
            try:
                lines = (self.hls / self.playlist).read_text().splitlines()
            except FileNotFoundError:
                continue
            pdt = 0.0
            for line in lines:
                if line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
                    pdt = datetime.fromisoformat(line.split(":", 1)[1]).timestamp()
                elif line and not line.startswith("#") and line not in self.segments:
                    self.segments[line] = (pdt, (self.hls / line).read_bytes())
                    self.seen[line] = time.time()

    def stop(self) -> list[tuple[float, bytes]]:
        self.stopping.set()
        self.thread.join(10)
        return [self.segments[k] for k in sorted(self.segments, key=lambda k: self.segments[k][0])]


def children(pid: int, name: str) -> list[int]:
    """Processes called ``name`` whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
        except (OSError, ValueError):
            continue
        comm, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
        if comm == name and int(rest[1]) == pid:
            found.append(int(entry.name))
    return found


def names(plays: list[dict]) -> list[str]:
    return [r["title"].split(" #")[0] for r in plays]


@pytest.mark.slow
def test_icecast_and_hls_carry_the_play_logs_items_in_order_and_survive_an_icecast_restart(tmp_path):
    station, _ = make_station(tmp_path, song_ms=3000, show_ms=4000, minutes=5, lead_ms=1000)
    with (station / "radiod.toml").open("a") as toml:
        mounts = ", ".join(f'"icecast://source:srcpw@127.0.0.1:{ICECAST_PORT}{m}?bitrate=96"' for m in MOUNTS)
        toml.write(f"[streams]\nicecast = [{mounts}]\nhls_bitrates = [64, 128]\n"
                   "hls_segment_seconds = 2\nhls_segments = 10\n")
    hls = station / "state" / "hls"
    with icecast_at(tmp_path, ICECAST_PORT) as icecast, private_pulse(tmp_path):
        daemon = Daemon(station, tmp_path / "daemon.log")
        try:
            wait_until(lambda: set(MOUNTS) <= icecast.mounts(), "both mounts on icecast", timeout_s=40)
            collector = collector_first = HlsCollector(hls, "live-64.m3u8")
            recorders = {m: Recorder(icecast.url + m, tmp_path / f"heard{m.replace('/', '-')}", 20)
                         for m in MOUNTS}
            icy = IcyRecorder(icecast.url + MOUNTS[0], tmp_path / "icy.mp3", 20)
            for r in [*recorders.values(), icy]:
                r.join()
            segments = collector.stop()

            icecast.stop()
            restarted = time.time()
            icecast.start()
            wait_until(lambda: set(MOUNTS) <= icecast.mounts(), "the mounts back after a restart", timeout_s=30)
            back_s = time.time() - restarted
            after = Recorder(icecast.url + MOUNTS[0], tmp_path / "after-restart.mp3", 8)
            after.join()

            # Liquidsoap killed: radiod starts it again; the air never notices.
            [encoder] = children(daemon.proc.pid, "liquidsoap")
            os.kill(encoder, signal.SIGKILL)
            killed = time.time()
            wait_until(lambda: children(daemon.proc.pid, "liquidsoap") not in ([], [encoder]),
                       "a new Liquidsoap", timeout_s=20)
            wait_until(lambda: set(MOUNTS) <= icecast.mounts(), "the mounts back after Liquidsoap died",
                       timeout_s=30)
            relaunched_s = time.time() - killed
            collector = HlsCollector(hls, "live-64.m3u8")
            revived = Recorder(icecast.url + MOUNTS[0], tmp_path / "after-kill.mp3", 20)
            revived.join()
            segments_after = collector.stop()
        finally:
            code = daemon.terminate()
    log = daemon.log()
    assert code == 0, log[-3000:]
    assert "streams on: icecast://127.0.0.1" in log and "srcpw" not in log, log[-3000:]
    played = names(rows(station))
    for mount, recorder in recorders.items():
        heard = sequence(decode(recorder.path), TONES)
        assert len(heard) >= 5 and is_in_order(heard, played), (mount, heard, played)
    heard_after = sequence(decode(tmp_path / "after-restart.mp3"), TONES)
    assert len(heard_after) >= 2 and is_in_order(heard_after, played), (heard_after, played)
    print(f"mounts back {back_s:.1f} s after Icecast restarted")
    assert back_s < 15, f"the mounts came back {back_s:.1f} s after Icecast did"
    heard_revived = sequence(decode(tmp_path / "after-kill.mp3"), TONES)
    print(f"mounts back {relaunched_s:.1f} s after Liquidsoap was killed")
    assert len(heard_revived) >= 2 and is_in_order(heard_revived, played), (heard_revived, played)
    assert "Liquidsoap exited with -9" in log, log[-3000:]
    plays = rows(station)
    assert [r["end_reason"] for r in plays[:-1]] == ["end"] * (len(plays) - 1), plays
    gaps = [b["started_at_ms"] - a["ended_at_ms"] for a, b in zip(plays, plays[1:])]
    assert all(abs(gap) < 250 for gap in gaps), f"the streams held up the air: {gaps}"

    # Titles: each StreamTitle arrives where its item's audio begins on the mount, not before.
    icy_samples = decode(icy.path)
    icy_runs = [r for r in runs(icy_samples, TONES) if r.name]
    lags = []
    for offset, title in icy.titles[1:]:
        at_s = len(decode_prefix(icy.path, offset)) / 44100
        name = title.split(" - ", 1)[-1].split(" #")[0]
        begins = [r.start_s for r in icy_runs if r.name == name]
        assert begins, (title, icy_runs)
        lags.append(min((at_s - b for b in begins), key=abs))
    print(f"title change on the MP3 mount vs its audio change (ms): {[round(x * 1000) for x in lags]}")
    assert len(lags) >= 3 and all(-0.15 < lag < 1.6 for lag in lags), lags

    # How far each output is behind the sound card. MP3 at 96 kbit/s is 12,000 bytes a second, so a
    # tone change's byte offset says when it arrived; Icecast's burst on connect (old audio) is
    # skipped by looking only at changes after the first 8 s of listening.
    mp3 = recorders[MOUNTS[0]]
    item_starts = [(r["title"].split(" #")[0], r["started_at_ms"] / 1000) for r in rows(station)]
    behind = []
    for run in runs(decode(mp3.path), TONES)[1:]:
        offset = int(run.start_s * 12_000)
        arrived = next((t for n, t in mp3.arrivals if n >= offset), None)
        if not run.name or arrived is None or arrived - mp3.started < 8:
            continue
        heard_at = max(s for n, s in item_starts if n == run.name and s <= arrived)   # the latest such item
        behind.append(arrived - heard_at)
    hls_behind = [collector_first.seen[name] - pdt for name, (pdt, _) in collector_first.segments.items()]
    print(f"MP3 mount behind the sound card at the listener (s): {[round(b, 2) for b in behind]}; "
          f"HLS segment listed after its first sample was heard (s): "
          f"{min(hls_behind):.2f}–{max(hls_behind):.2f}")
    assert behind and all(0 < b < 5 for b in behind), behind

    # HLS, before and after Liquidsoap was killed: the segments in order hold the same items; each
    # segment's date-time is when its audio was heard, so an item's start read from the HLS stream
    # is its start in the play log.
    plays = rows(station)
    for when, got in (("first run", segments), ("after the kill", segments_after)):
        offsets = hls_offsets(tmp_path, got, plays)
        print(f"HLS date-time vs play log start, {when} (ms): {[round(o * 1000) for o in offsets]}")
        # Read to about ±50 ms (100 ms windows); measured −50…+42 ms (the encoder's lead is taken
        # out of the dates). The first change measured, seconds after Liquidsoap started, may read
        # up to a few hundred ms: a known limit (docs/streams.md), held to its own bound.
        assert len(offsets) >= 2 and abs(offsets[0]) < 0.5, (when, offsets)
        assert all(abs(o) < 0.25 for o in offsets[1:]), (when, offsets)


def hls_offsets(tmp_path: Path, segments: list[tuple[float, bytes]], plays: list[dict]) -> list[float]:
    """Each item's start by its segment's date-time, minus its start in the play log.

    A segment is decoded behind the one before it (so the decoder is past its start-up), and a
    change inside it is dated from that segment's own date-time: a stretch the encoder filled with
    silence (its input ran dry) moves the stream, not the dates."""
    joined = tmp_path / "hls.ts"
    joined.write_bytes(b"".join(data for _, data in segments))
    heard, played = sequence(decode(joined), TONES), names(plays)
    assert len(heard) >= 3 and is_in_order(heard, played), (heard, played)
    starts = [(r["title"].split(" #")[0], r["started_at_ms"] / 1000) for r in plays]
    offsets = []
    for (_, before), (pdt, data) in zip(segments, segments[1:]):
        joined.write_bytes(before)
        lead_s = len(decode(joined)) / 44100
        joined.write_bytes(before + data)
        found = runs(decode(joined), TONES, min_windows=2)
        for run in found[1:]:
            # Well inside the segment (not at the seam), and with no silence before it there: a
            # gap the encoder filled (its input ran dry under load) delays what follows in the
            # segment; it is a glitch on the stream, counted apart, not an error of the date.
            gap = any(not r.name and lead_s <= r.start_s < run.start_s for r in found)
            if run.name and gap:
                print(f"HLS: silence inside {len(offsets)}th measured segment before {run.name}")
            elif run.name and lead_s + 0.2 <= run.start_s < lead_s + 1.9:
                at = pdt + run.start_s - lead_s
                offsets.append(at - min((s for n, s in starts if n == run.name), key=lambda s: abs(s - at)))
    return offsets


@pytest.mark.slow
@pytest.mark.parametrize("streams", ["", '[streams]\nhls_bitrates = [64, 128]\nliquidsoap = "/nonexistent/liquidsoap"\n'],
                         ids=["no outputs", "no Liquidsoap"])
def test_without_outputs_or_without_liquidsoap_the_station_plays_as_before_and_says_why(tmp_path, streams):
    station, _ = make_station(tmp_path, song_ms=3000, show_ms=4000, minutes=3, lead_ms=1000)
    with (station / "radiod.toml").open("a") as toml:
        toml.write(streams)
    with private_pulse(tmp_path):
        daemon = Daemon(station, tmp_path / "daemon.log")
        try:
            wait_until(lambda: len([r for r in rows(station) if r["seq"] is not None]) >= 3, "three plays",
                       timeout_s=40)
        finally:
            code = daemon.terminate()
    log = daemon.log()
    assert code == 0, log[-3000:]
    said = [line for line in log.splitlines() if "streams off" in line]
    why = "no outputs" if not streams else "Liquidsoap ('/nonexistent/liquidsoap') is not installed"
    assert len(said) == 1 and why in said[0], said or log[-2000:]
    assert not (station / "state" / "hls").exists() and not (station / "state" / "streams").exists()
    plays = rows(station)
    gaps = [b["started_at_ms"] - a["ended_at_ms"] for a, b in zip(plays, plays[1:])]
    assert all(abs(gap) < 250 for gap in gaps), gaps
