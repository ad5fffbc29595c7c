"""The air chain's cost to the sound card: playout timing with the streams running and without.

Plays the same chain of tones through VlcPlayer into a private PulseAudio null sink twice — once
alone, once with the stream encoder attached to the air tap (Liquidsoap: two Icecast mounts, MP3
and Opus, on a local icecast2 when one is installed, plus HLS at 64 and 128 kbit/s) — and prints,
side by side, from the captured audio: hard-start |error| p50/p99/max, the silence at each join,
and CPU (% of a core) and RSS of the player process and of Liquidsoap.

    .venv/bin/python bench/airchain.py [--boundaries 40] [--track-ms 500] [--dj 3 | --dj-only 3]

About 2 × boundaries × track-ms plus ten seconds. Timing on a shared machine depends on its load
(printed). Not measured here yet: each output's latency behind the sound card, the compliance
logger (a separate consumer of the same tap).

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
    load = os.getloadavg()[0]
    outputs = f"{len(mounts)} Icecast mounts + HLS 64/128" if mounts else "HLS 64/128 (no icecast2 here)"
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
    rows.append(("Icecast mounts connected at the end", "-", f"{connected} of {len(mounts)}", ""))
    rows.append(("load average", f"{load:.1f} ({os.cpu_count()} cores)", "", ""))
    print_table(rows)
    if args.dj:
        print()
        print_table([("live DJ on the default engine", "measured", "goal"),
                     *dj_switches(args.dj, args.harbor_buffer_ms)])


if __name__ == "__main__":
    main()
