"""The air chain's cost to the sound card: playout timing with the streams running and without.

Plays the same chain of tones through VlcPlayer into a private PulseAudio null sink twice — once
alone, once with the stream encoder attached to the air tap (Liquidsoap: two Icecast mounts, MP3
and Opus, on a local icecast2 when one is installed, plus HLS at 64 and 128 kbit/s) — and prints,
side by side, from the captured audio: hard-start |error| p50/p99/max, the silence at each join,
and CPU (% of a core) and RSS of the player process and of Liquidsoap.

With the whole chain the same tap also feeds the compliance logger (Opus hour files). A second
part runs a real `radiod run` on tone items, once with the whole chain (the two mounts, HLS, the
logger) and once without, and prints each output's latency behind the sound card (at a listener's
socket, before any player buffer), the stream title's change on the MP3 mount against that mount's
audio change (ICY listener), and CPU (% of a core) and RSS of radiod, Liquidsoap and the logger's
encoder.

    .venv/bin/python bench/airchain.py [--boundaries 40] [--track-ms 500] [--daemon-seconds 30] [--dj 3 | --dj-only 3]

About 2 × boundaries × track-ms plus 2 × daemon-seconds plus a minute. Timing on a shared machine
depends on its load (printed).

The DJ section (``--dj N``, or ``--dj-only N`` for it alone) puts a live DJ on the default engine
N times (tests/live/rig.py: libVLC into the null sink, the harbor's Liquidsoap, ffmpeg as the source
client) and prints, from the captured sink audio: DJ connect → DJ heard, DJ drop → automation
heard, and the silence at each switch.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))     # the tests' helpers import each other so

from radiod.clock import SystemClock                              # noqa: E402
from radiod.logger.recorder import AirLogger                      # noqa: E402
from radiod.playout.air_tap import AirTap                         # noqa: E402
from radiod.streams.feed import StreamFeed                        # noqa: E402
from radiod.streams.outputs import HlsRendition, StreamPlan, parse_mount  # noqa: E402
from tests.audio_capture import private_pulse                     # noqa: E402

ICECAST_PORT = 21030

# bench/playout.py's measurement, loaded by path (tests/playout is a package of the same name).
_spec = importlib.util.spec_from_file_location("bench_playout", Path(__file__).with_name("playout.py"))
assert _spec is not None and _spec.loader is not None
bench_playout = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_playout)
GOALS, chain, pct, rss_mb = bench_playout.GOALS, bench_playout.chain, bench_playout.pct, bench_playout.rss_mb


class ProcessMeter:
    """CPU and RSS of one process, sampled until stopped (it may be gone by then)."""

    def __init__(self, pid: int):
        self.pid, self.first, self.last, self.rss = pid, None, None, 0.0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _ticks(self) -> tuple[float, float] | None:
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return time.monotonic(), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _run(self) -> None:
        while not self.stopping.wait(0.5):
            now = self._ticks()
            if now is None:
                return
            self.first = self.first or now
            self.last = now
            self.rss = max(self.rss, rss_mb(self.pid))

    def stop(self) -> tuple[float, float]:
        self.stopping.set()
        self.thread.join(2)
        if not self.first or not self.last or self.last[0] <= self.first[0]:
            return 0.0, self.rss
        return (self.last[1] - self.first[1]) / (self.last[0] - self.first[0]) * 100, self.rss


def icecast(work: Path):
    """A local icecast2 for the mounts, or None when it is not installed."""
    if not shutil.which("icecast2"):
        return None
    from tests.streams.test_streams_daemon import IcecastAt

    server = IcecastAt(work, ICECAST_PORT)
    server.start()
    return server


DJ_PORT = 21061
DJ_GOALS = {"connect": 1500, "drop": 1000, "silence": 500}


def dj_switches(runs: int, buffer_ms: int) -> list[tuple[str, str, str, str]]:
    """Rows of the DJ table: a DJ connects, plays 4 s, drops, ``runs`` times on one station."""
    from tests.live.rig import DJ_HZ, LiveRig, dj, max_silence_ms, switches, wait_until, who_is_on

    with tempfile.TemporaryDirectory(prefix="livedj-bench-") as tmp:
        rig = LiveRig(Path(tmp), DJ_PORT, buffer_ms=buffer_ms)
        connects, drops = [], []
        try:
            for _ in range(runs):
                connects.append(rig.clock.monotonic_ms())
                client = dj(DJ_PORT, "kim", DJ_HZ, 4)
                client.wait(30)
                drops.append(rig.clock.monotonic_ms())
                wait_until(lambda: rig.engine.live is None)
                time.sleep(3)
            end = rig.clock.monotonic_ms()
        finally:
            rig.close()
        stretches = who_is_on(rig.capture)
    ins, outs = switches(stretches, connects, drops)
    worst = max_silence_ms(stretches, connects[0], end)

    def spread(values: list[float]) -> str:
        return f"{pct(values, 50):.0f} / {max(values):.0f} ms (n={len(values)})" if values else "not heard"

    return [
        (f"DJ connect → heard on air, p50 / max (harbor buffer {buffer_ms} ms)", spread([s.delay_ms for s in ins]),
         f"≤ {DJ_GOALS['connect']} ms"),
        ("DJ drop → automation heard, p50 / max", spread([s.delay_ms for s in outs]), f"≤ {DJ_GOALS['drop']} ms"),
        ("silence at DJ in, p50 / max", spread([s.silence_ms for s in ins]), f"≤ {DJ_GOALS['silence']} ms"),
        ("silence at DJ out, p50 / max", spread([s.silence_ms for s in outs]), f"≤ {DJ_GOALS['silence']} ms"),
        ("longest silence from the first connect to the end", f"{worst:.0f} ms", f"≤ {DJ_GOALS['silence']} ms"),
    ]


def print_table(rows) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, r in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boundaries", type=int, default=40)
    parser.add_argument("--track-ms", type=int, default=500)
    parser.add_argument("--daemon-seconds", type=int, default=30, help="0: skip the radiod run part")
    parser.add_argument("--dj", type=int, default=0, help="also measure this many live DJ switches")
    parser.add_argument("--dj-only", type=int, default=0, help="measure only this many live DJ switches")
    parser.add_argument("--harbor-buffer-ms", type=int, default=500)
    args = parser.parse_args()
    if args.dj_only:
        print_table([("live DJ on the default engine", "measured", "goal"),
                     *dj_switches(args.dj_only, args.harbor_buffer_ms)])
        return
    clock = SystemClock()
    with tempfile.TemporaryDirectory(prefix="streams-bench-") as tmp, private_pulse(Path(tmp)) as pulse:
        work = Path(tmp)
        (work / "off").mkdir()
        (work / "on").mkdir()
        off = chain(pulse, work / "off", args.boundaries, args.track_ms)
        server = icecast(work)
        mounts = tuple(parse_mount(f"icecast://source:srcpw@127.0.0.1:{ICECAST_PORT}/bench.{ext}")
                       for ext in ("mp3", "opus")) if server else ()
        plan = StreamPlan("Bench FM", mounts, (HlsRendition("aac64", 64), HlsRendition("aac128", 128)), 2, 6)
        tap = AirTap(clock)
        feed = StreamFeed(plan, shutil.which("liquidsoap") or "liquidsoap", work / "on" / "state", clock)
        tap.attach(feed)
        tap.attach(AirLogger(work / "on" / "logger", fmt="opus", bitrate_kbps=64, keep_days=31, clock=clock))
        time.sleep(3)                         # Liquidsoap up and reading before the chain starts
        assert feed.supervisor.pid is not None
        meter = ProcessMeter(feed.supervisor.pid)
        try:
            on = chain(pulse, work / "on", args.boundaries, args.track_ms, air=tap)   # closing it closes the tap
        finally:
            ls_cpu, ls_rss = meter.stop()
            connected = sum(1 for up in feed.up.values() if up)
            tap.close()
            if server:
                server.stop()
        segments = len(list((work / "on" / "state" / "hls").glob("aac64_*.ts")))
        logger_files = len([f for f in (work / "on" / "logger").glob("air-*") if not f.name.endswith(".json")])
    load = os.getloadavg()[0]
    outputs = (f"{len(mounts)} Icecast mounts + HLS 64/128" if mounts else "HLS 64/128 (no icecast2 here)") + " + logger"
    rows = [("metric", "sound card only", f"with streams: {outputs}", "goal")]

    def timing(name: str, stat) -> None:
        rows.append((name, f"{stat(off):+.1f} ms", f"{stat(on):+.1f} ms", f"≤ {GOALS['start_p99']:g} ms"))

    n = len(off["starts"])
    timing(f"hard-start |error| p50 ({n} starts)", lambda c: pct(c["starts"], 50))
    timing("hard-start |error| p99", lambda c: pct(c["starts"], 99))
    timing("hard-start |error| max", lambda c: max(c["starts"]))
    timing("join silence p50", lambda c: pct(c["joins"], 50))
    timing("join silence max", lambda c: max(c["joins"]))
    rows.append(("dropouts heard inside tracks", str(off["fragments"]), str(on["fragments"]), "0"))
    rows.append(("player CPU (% of a core) / RSS", f"{off['cpu_pct']:.1f} % / {off['rss_mb']:.0f} MB",
                 f"{on['cpu_pct']:.1f} % / {on['rss_mb']:.0f} MB", ""))
    rows.append(("Liquidsoap CPU (% of a core) / peak RSS", "-", f"{ls_cpu:.1f} % / {ls_rss:.0f} MB", ""))
    rows.append(("air not streamed (Liquidsoap starting, slow)", "-", f"{feed.lost_frames / 44.1:.0f} ms", ""))
    rows.append(("HLS segments written (64 kbit/s)", "-", str(segments), ""))
    rows.append(("logger files written", "-", str(logger_files), ""))
    rows.append(("Icecast mounts connected at the end", "-", f"{connected} of {len(mounts)}", ""))
    rows.append(("load average", f"{load:.1f} ({os.cpu_count()} cores)", "", ""))
    print_table(rows)
    if args.daemon_seconds:
        print()
        print_table(daemon_rows(args.daemon_seconds))
    if args.dj:
        print()
        print_table([("live DJ on the default engine", "measured", "goal"),
                     *dj_switches(args.dj, args.harbor_buffer_ms)])


# ---- The whole chain in a real `radiod run`: each output's delay, stream titles, what it costs ----

DAEMON_ICECAST_PORT = 21031
DAEMON_MOUNTS = ("/bench.mp3", "/bench.opus")
TONES = {"a": 440.0, "b": 554.0, "c": 659.0, "show": 330.0}       # tests/playout/daemon_station's items
BURST_S = 8           # Icecast sends old audio first on connect: changes before this are not timed


def arrival_s(recorder, position_s: float) -> float | None:
    """When the listener had received the stream up to ``position_s`` of its decoded audio (the
    shortest received prefix that decodes that far, by bisection over what arrived when)."""
    from tests.streams.tones import decode_prefix

    arrivals = recorder.arrivals
    lo, hi = 0, len(arrivals) - 1
    if hi < 0 or len(decode_prefix(recorder.path, arrivals[hi][0])) < position_s * 44100:
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if len(decode_prefix(recorder.path, arrivals[mid][0])) >= position_s * 44100:
            hi = mid
        else:
            lo = mid + 1
    return arrivals[lo][1]


def mount_delays_s(recorder, plays: list[dict]) -> list[float]:
    """Each tone change on a mount: when it reached the listener's socket, minus when the sound card
    played it (the play log's heard start of that item)."""
    from tests.streams.tones import decode, runs

    starts = [(p["title"].split(" #")[0], p["started_at_ms"] / 1000) for p in plays]
    delays = []
    for run in runs(decode(recorder.path), TONES)[1:]:
        arrived = arrival_s(recorder, run.start_s + 0.15) if run.name else None
        if arrived is None or arrived - recorder.started < BURST_S:
            continue
        heard = [t for n, t in starts if n == run.name and t <= arrived]
        if heard:
            delays.append(arrived - 0.15 - max(heard))
    return delays


def title_lags_ms(icy) -> list[float]:
    """Each StreamTitle's place in the MP3 mount's audio minus where that item's tone begins there."""
    from tests.streams.tones import decode, decode_prefix, runs

    tone_runs = [r for r in runs(decode(icy.path), TONES) if r.name]
    lags = []
    for offset, title in icy.titles[1:]:
        at_s = len(decode_prefix(icy.path, offset)) / 44100
        begins = [r.start_s for r in tone_runs if r.name == title.split(" - ", 1)[-1].split(" #")[0]]
        if begins:
            lags.append(min((at_s - b for b in begins), key=abs) * 1000)
    return lags


def daemon_run(work: Path, seconds: int, whole_chain: bool) -> dict:
    """One real `radiod run` for ``seconds`` of listening, with the whole chain or with none."""
    from contextlib import ExitStack

    from tests.playout.daemon_station import Daemon, make_station, rows
    from tests.streams.test_streams_daemon import HlsCollector, IcyRecorder, Recorder, children, icecast_at

    station, _ = make_station(work, song_ms=3000, show_ms=4000, minutes=seconds // 60 + 3, lead_ms=1000)
    have_icecast = whole_chain and shutil.which("icecast2") is not None
    if whole_chain:
        mounts = ", ".join(f'"icecast://source:srcpw@127.0.0.1:{DAEMON_ICECAST_PORT}{m}?bitrate=96"'
                           for m in DAEMON_MOUNTS) if have_icecast else ""
        with (station / "radiod.toml").open("a") as toml:
            toml.write(f"[streams]\nicecast = [{mounts}]\nhls_bitrates = [64, 128]\nhls_segment_seconds = 2\n"
                       f'hls_segments = 10\n[logger]\nenabled = true\nfolder = "{station / "logger"}"\n'
                       'format = "opus"\n')
    out: dict = {"mounts": {}, "titles": [], "hls_listed": [], "cost": {}}
    with ExitStack() as stack:
        icecast = stack.enter_context(icecast_at(work, DAEMON_ICECAST_PORT)) if have_icecast else None
        stack.enter_context(private_pulse(work))
        daemon = Daemon(station, work / "daemon.log")
        try:
            deadline = time.monotonic() + 40
            while whole_chain and time.monotonic() < deadline and not (
                    children(daemon.proc.pid, "liquidsoap") and children(daemon.proc.pid, "ffmpeg")
                    and (icecast is None or set(DAEMON_MOUNTS) <= icecast.mounts())):
                time.sleep(0.2)
            time.sleep(2)
            pids = {"radiod": daemon.proc.pid}
            if whole_chain:
                pids.update({"Liquidsoap": (children(daemon.proc.pid, "liquidsoap") or [0])[0],
                             "logger encoder (ffmpeg)": (children(daemon.proc.pid, "ffmpeg") or [0])[0]})
            meters = {name: ProcessMeter(pid) for name, pid in pids.items() if pid}
            recorders, icy, collector = {}, None, None
            if icecast is not None:
                recorders = {m: Recorder(icecast.url + m, work / f"heard{m.replace('/', '-')}", seconds)
                             for m in DAEMON_MOUNTS}
                icy = IcyRecorder(icecast.url + DAEMON_MOUNTS[0], work / "icy.mp3", seconds)
            if whole_chain:
                collector = HlsCollector(station / "state" / "hls", "live-64.m3u8")
            time.sleep(seconds)
            for r in [*recorders.values(), *([icy] if icy else [])]:
                r.join()
            out["cost"] = {name: meter.stop() for name, meter in meters.items()}
            if collector is not None:
                collector.stop()
                out["hls_listed"] = [collector.seen[n] - pdt for n, (pdt, _) in collector.segments.items()]
        finally:
            daemon.terminate()
    plays = rows(station)
    out["mounts"] = {m: mount_delays_s(r, plays) for m, r in recorders.items()}
    out["titles"] = title_lags_ms(icy) if icy else []
    return out


def daemon_rows(seconds: int) -> list[tuple[str, str, str, str]]:
    """The radiod-run part's table: without the chain, with it."""
    with tempfile.TemporaryDirectory(prefix="airchain-daemon-") as tmp:
        (Path(tmp) / "off").mkdir()
        (Path(tmp) / "on").mkdir()
        off = daemon_run(Path(tmp) / "off", seconds, whole_chain=False)
        on = daemon_run(Path(tmp) / "on", seconds, whole_chain=True)

    def spread(values: list[float], unit: str, digits: int = 2) -> str:
        if not values:
            return "-"
        v = sorted(values)
        return f"{v[0]:.{digits}f}–{v[-1]:.{digits}f} {unit} (median {v[len(v) // 2]:.{digits}f}, n={len(v)})"

    rows = [("radiod run, tone items of 3-4 s", "without the chain", "whole chain (2 mounts + HLS + logger)", "")]
    for mount, delays in on["mounts"].items():
        rows.append((f"{mount} behind the sound card, at the listener", "-", spread(delays, "s"), ""))
    rows.append(("HLS segment listed after its first sample was heard", "-", spread(on["hls_listed"], "s"), ""))
    rows.append(("HLS at a player (hls.js: ~3 segments behind the last listed)", "-",
                 "+ 3 × 2 s (measured in Chromium: tests/web/test_browser_listen.py)", ""))
    rows.append(("logger", "-", "records the tap as it is rendered; its time map dates each frame", ""))
    rows.append((f"title change on {DAEMON_MOUNTS[0]} vs its audio change (ICY)", "-",
                 spread(on["titles"], "ms", 0), "title not before audio"))
    for name in ("radiod", "Liquidsoap", "logger encoder (ffmpeg)"):
        cells = [f"{c['cost'][name][0]:.1f} % / {c['cost'][name][1]:.0f} MB" if name in c["cost"] else "-"
                 for c in (off, on)]
        rows.append((f"{name} CPU (% of a core) / peak RSS", *cells, ""))
    rows.append(("load average", f"{os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)", "", ""))
    return rows


if __name__ == "__main__":
    main()
