"""Playout timing measured from the audio that was really heard (not from the player's events).

Plays generated tones through the player into a private PulseAudio null sink, records the sink's
monitor and prints a table:

- hard-start error: first heard sample vs the instant it was scheduled for (chained the way the
  engine chains: previous actual start + true length), p50 / p99 / max;
- silence added at each join with no crossfade, beyond what the files contain;
- audio lost from track endings, per format (audible length vs ffmpeg's decoded length), for
  VlcPlayer and for plain libVLC playing the original file (the baseline that motivated the PCM
  cache);
- crossfade length error;
- CPU and memory of this process (the player) while playing.

    .venv/bin/python bench/playout.py [--boundaries 60] [--track-ms 500]

With ``--minutes N [--sink drifting|steady|both] [--runs R]`` it measures the output clock
instead: a hard start every minute for N minutes on a null sink that drifts (~199 ppm fast: its
monitor read at 5 ms) and/or one that does not (read at 25 ms), the minute between filled with
tones chained back to back; edges from the captured audio against the wall clock (anchors on
every read), printed as a table (median of R runs): hard-start |error| p50/p99/max, each tone's
playback rate (captured ÷ decoded frames: 1 unless libVLC stretched it), join silence/overlap in
samples, and the player's own start errors (what the log records) against the audio's. It takes
about N minutes per sink and run plus a few seconds (``--minutes 2 --sink drifting``: 2.0 min;
``--minutes 20 --sink both``: about 41 min).

Runs in about three minutes (more on a busy machine: the load average is printed, since
timing on a shared machine depends on it). Tones alternate between the left and the right channel, so each join
reads straight off the channel edges.
"""

from __future__ import annotations

import argparse
import os
import queue
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radiod.clock import SystemClock                       # noqa: E402
from radiod.playout.output import RATE                     # noqa: E402
from radiod.playout.port import Cue                        # noqa: E402
from radiod.playout.vlc_player import VlcPlayer            # noqa: E402
from tests.audio_capture import (DRIFTING_MS, LEFT, RIGHT, STEADY_MS, Capture,  # noqa: E402
                                 decoded_frames, private_pulse, write_tone)

FORMATS = ("mp3", "ogg", "flac", "wav")
GOALS = {"start_p99": 10.0, "join": 10.0, "ending": 5.0, "crossfade": 10.0}
CLOCK_GOALS = {"start_p99": 5.0, "rate_pct": 0.01, "join_samples": 0, "log_vs_audio": 2.0}
SINKS = {"drifting": DRIFTING_MS, "steady": STEADY_MS}
FILLERS = 7                  # tones chained after each hard start (7 s each: 49 s of the minute)
FILLER_MS = 7000
HARD_MS = 1000


class Waiter:
    """Player events by (kind, handle), waited for in real time."""

    def __init__(self, player):
        self.q: dict[tuple[str, str], object] = {}
        self.cond = threading.Condition()
        player.set_listener(self.add)

    def add(self, event):
        with self.cond:
            self.q[(event.kind, event.handle)] = event
            self.cond.notify_all()

    def wait(self, kind, handle, timeout=15):
        """The event; for an end, also wait until it has sounded (ends are announced when mixed)."""
        with self.cond:
            if not self.cond.wait_for(lambda: (kind, handle) in self.q, timeout=timeout):
                raise RuntimeError(f"no {kind} for {handle}")
            event = self.q[(kind, handle)]
        if kind in ("ended", "failed"):
            time.sleep(max(0, event.at_ms + 20 - SystemClock().monotonic_ms()) / 1000)
        return event


def ms(frames: float) -> float:
    return frames * 1000 / RATE


def heard(cap: Capture, threshold: float = 0.01):
    return sorted(cap.sounds(LEFT, threshold) + cap.sounds(RIGHT, threshold), key=lambda s: s.start)


def chain(pulse, work: Path, boundaries: int, track_ms: int, **options) -> dict:
    """Tracks back to back, each started at the previous start + its true length."""
    files = [write_tone(work / f"c{i}.{FORMATS[i % 4]}", 300 + 40 * (i % 20), track_ms,
                        LEFT if i % 2 == 0 else RIGHT) for i in range(boundaries + 1)]
    lengths = [decoded_frames(f) for f in files]
    player = VlcPlayer(SystemClock(), output="auto", cache_dir=work / "cache", state_dir=work, **options)
    events = Waiter(player)
    clock = SystemClock()
    cpu0, wall0 = os.times(), time.monotonic()
    planned, late = [], []
    with Capture(pulse) as cap:
        player.prepare(Cue("c0", str(files[0])))
        events.wait("ready", "c0")
        at = clock.monotonic_ms() + 1000          # the engine asks preroll_ms (3 s) ahead
        for i in range(len(files)):
            if i + 1 < len(files):
                player.prepare(Cue(f"c{i + 1}", str(files[i + 1])))   # pre-rolled while i plays
            player.start(f"c{i}", at_ms=at)
            planned.append(at)
            started = events.wait("started", f"c{i}")
            late.append(started.at_ms - at)
            at = started.at_ms + round(ms(lengths[i]))
        events.wait("ended", f"c{len(files) - 1}")
    cpu1, wall1 = os.times(), time.monotonic()
    player.close()
    everything = heard(cap)
    sounds = [s for s in everything if s.length_ms >= 20]      # pieces of a track cut by a dropout
    if len(sounds) != len(files):
        raise RuntimeError(f"heard {len(sounds)} tracks, played {len(files)}: "
                           f"{[(round(s.start_ms - planned[0]), round(s.length_ms, 1), s.channel, s.freq_hz, round(s.peak, 3)) for s in sounds]}")
    starts = [abs(s.start_ms - p) for s, p in zip(sounds, planned)]
    joins = [ms(b.start - a.end) for a, b in zip(sounds, sounds[1:])]
    own = (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / (wall1 - wall0) * 100
    children = (cpu1.children_user - cpu0.children_user + cpu1.children_system - cpu0.children_system)
    return {"starts": starts, "joins": joins, "late": late, "fragments": len(everything) - len(sounds), "cpu_pct": own,
            "decode_cpu_ms_per_track": children * 1000 / len(files),
            "rss_mb": rss_mb(), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def endings(pulse, work: Path, per_format: int, track_ms: int) -> dict:
    """Audible length minus decoded length, per format: VlcPlayer and plain libVLC."""
    import vlc
    result = {}
    for fmt in FORMATS:
        files = [write_tone(work / f"e{i}.{fmt}", 500 + 100 * i, track_ms, LEFT if i % 2 == 0 else RIGHT)
                 for i in range(per_format)]
        truth = [ms(decoded_frames(f)) for f in files]
        player = VlcPlayer(SystemClock(), output="auto", cache_dir=work / "cache", state_dir=work)
        events = Waiter(player)
        with Capture(pulse) as cap:
            for i, f in enumerate(files):
                player.prepare(Cue(f"{fmt}{i}", str(f)))
                player.start(f"{fmt}{i}")
                events.wait("ended", f"{fmt}{i}")
                time.sleep(0.1)
        player.close()
        ours = _lost(cap, files, truth)
        # baseline: libVLC plays the original file, started on its own and left to run out
        instance = vlc.Instance(["--no-video", "--quiet", "--aout=pulse", "--file-caching=300"])
        done: queue.Queue = queue.Queue()
        with Capture(pulse) as cap:
            for f in files:
                mp = instance.media_player_new()
                mp.set_media(instance.media_new_path(str(f)))
                mp.event_manager().event_attach(vlc.EventType.MediaPlayerEndReached, lambda e: done.put(1))
                mp.play()
                done.get(timeout=15)
                time.sleep(0.3)
                mp.stop()
                mp.release()
        instance.release()
        plain = _lost(cap, files, truth)
        result[fmt] = (ours, plain)
    return result


def _lost(cap: Capture, files: list[Path], truth: list[float]) -> list[float]:
    """Heard minus decoded length per file, matching sounds by their tone (500 + 100·i Hz); a
    track heard in pieces counts its longest piece, a track not heard at all its whole length."""
    sounds = heard(cap)
    result = []
    for i, length in enumerate(truth):
        mine = [s for s in sounds if abs(s.freq_hz - (500 + 100 * i)) < 25]
        result.append((max(s.length_ms for s in mine) if mine else 0.0) - length)
    return result


def crossfades(pulse, work: Path, count: int, fade_ms: int) -> list[float]:
    """Overlap actually heard when B starts ``fade_ms`` before A ends (both faded), minus fade_ms."""
    player = VlcPlayer(SystemClock(), output="auto", cache_dir=work / "cache", state_dir=work)
    events = Waiter(player)
    errors = []
    clock = SystemClock()
    for n in range(count):
        a = write_tone(work / f"x{n}a.ogg", 500, 1200, LEFT)
        b = write_tone(work / f"x{n}b.mp3", 900, 1200, RIGHT)
        length_a = round(ms(decoded_frames(a)))
        with Capture(pulse) as cap:
            player.prepare(Cue(f"x{n}a", str(a), fade_out_ms=fade_ms))
            player.prepare(Cue(f"x{n}b", str(b), fade_in_ms=fade_ms))
            events.wait("ready", f"x{n}a")
            events.wait("ready", f"x{n}b")
            player.start(f"x{n}a", at_ms=clock.monotonic_ms() + 1000)
            started = events.wait("started", f"x{n}a")
            player.start(f"x{n}b", at_ms=started.at_ms + length_a - fade_ms)
            events.wait("ended", f"x{n}b")
        [sa] = cap.sounds(LEFT, 0.001)
        [sb] = cap.sounds(RIGHT, 0.001)
        errors.append(ms(sa.end - sb.start) - fade_ms)
    player.close()
    return errors


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process (this one by default), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(values, q):
    return float(np.percentile(np.asarray(values, dtype=float), q))


def clock_run(tmp: Path, minutes: int, latency_ms: int) -> dict:
    """One sink: a hard start every minute, chained fillers after it; everything from the audio."""
    work = tmp / f"clock-{latency_ms}-{time.monotonic_ns()}"
    work.mkdir()
    hard = write_tone(work / "hard.wav", 1000, HARD_MS, LEFT)
    fillers = [write_tone(work / f"f{i}.wav", 300 + 50 * i, FILLER_MS, RIGHT if i % 2 == 0 else LEFT)
               for i in range(FILLERS)]
    frames = {p.name: decoded_frames(p) for p in [hard, *fillers]}
    quiet = {p.name: _quiet_ends(p) for p in [hard, *fillers]}     # samples under the threshold in the files
    clock = SystemClock()
    with private_pulse(work) as pulse, Capture(pulse, latency_ms=latency_ms) as cap:
        player = VlcPlayer(clock, output="auto", cache_dir=work / "cache", state_dir=work)
        events = Waiter(player)
        player.check_output()
        t0 = clock.monotonic_ms() + 3000
        hard_asked, hard_logged, chains = [], [], []
        for k in range(minutes):
            at = t0 + k * 60_000
            h = f"h{k}"
            player.prepare(Cue(h, str(hard)))
            events.wait("ready", h)
            player.start(h, at_ms=at)
            started = events.wait("started", h, timeout=70)
            hard_asked.append(at)
            hard_logged.append(started.at_ms - at)          # what the engine's log records
            nxt = started.at_ms + round(ms(frames[hard.name]))
            chain_handles = [h]
            for i, f in enumerate(fillers):
                handle = f"{h}f{i}"
                player.prepare(Cue(handle, str(f)))
                events.wait("ready", handle)
                player.start(handle, at_ms=nxt)              # right after the previous, engine-style
                s = events.wait("started", handle, timeout=70)
                nxt = s.at_ms + round(ms(frames[f.name]))
                chain_handles.append(handle)
            chains.append(chain_handles)
            events.wait("ended", chain_handles[-1], timeout=70)
        timing = player.timing()
        player.close()
    sounds = [s for s in heard(cap) if s.length_ms >= 100]
    expected = minutes * (1 + FILLERS)
    if len(sounds) != expected:
        raise RuntimeError(f"heard {len(sounds)} tones, played {expected}")
    starts, joins, rates, log_vs_audio = [], [], [], []
    for k in range(minutes):
        group = sounds[k * (1 + FILLERS):(k + 1) * (1 + FILLERS)]
        error = group[0].start_ms - ms(quiet[hard.name][0]) - hard_asked[k]
        starts.append(abs(error))
        log_vs_audio.append(abs(hard_logged[k] - error))
        names = [hard.name] + [f.name for f in fillers]
        for snd, name in zip(group, names):
            audible = frames[name] - sum(quiet[name])
            rates.append(((snd.end - snd.start) / audible - 1) * 100)
        joins += [b.start - a.end - quiet[na][1] - quiet[nb][0]
                  for a, b, na, nb in zip(group, group[1:], names, names[1:])]
    return {"starts": starts, "joins": joins, "rates": rates, "log_vs_audio": log_vs_audio,
            "sink_ppm": cap.rate_ppm(), "player_ppm": timing.rate_ppm, "resyncs": timing.resyncs,
            "rig_ms": cap.anchor_spread_ms, "source": timing.source}


def _quiet_ends(path: Path, threshold: float = 0.01) -> tuple[int, int]:
    """Samples at the start and at the end of a WAV tone that are under ``threshold`` (what the
    capture's edge detection cannot see, so not a gap the player made)."""
    import wave
    with wave.open(str(path)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    loud = np.flatnonzero(np.abs(x).max(axis=1) > threshold * 32767)
    return int(loud[0]), int(len(x) - 1 - loud[-1])


def clock_bench(minutes: int, sinks: list[str], runs: int) -> None:
    began = time.monotonic()
    rows = [("metric", *sinks, "goal")]
    results = {}
    with tempfile.TemporaryDirectory(prefix="clock-bench-") as tmp:
        for sink in sinks:
            results[sink] = [clock_run(Path(tmp), minutes, SINKS[sink]) for _ in range(runs)]

    def med(stat, fmt):
        return [fmt.format(float(np.median([stat(r) for r in results[s]]))) for s in sinks]

    n = f"{minutes} starts × {runs} run(s), median run"
    rows.append((f"hard-start |error| p50 ({n})", *med(lambda r: pct(r["starts"], 50), "{:.2f} ms"),
                 f"p99 ≤ {CLOCK_GOALS['start_p99']:g} ms"))
    rows.append(("hard-start |error| p99", *med(lambda r: pct(r["starts"], 99), "{:.2f} ms"),
                 f"≤ {CLOCK_GOALS['start_p99']:g} ms"))
    rows.append(("hard-start |error| max", *med(lambda r: max(r["starts"]), "{:.2f} ms"), ""))
    rows.append(("tone playback rate, worst (captured ÷ decoded frames − 1)",
                 *med(lambda r: max(r["rates"], key=abs), "{:+.4f} %"), f"±{CLOCK_GOALS['rate_pct']:g} %"))
    rows.append(("join silence, max (samples)", *med(lambda r: max(r["joins"]), "{:+.0f}"), "0"))
    rows.append(("join overlap, max (negative silence, samples)", *med(lambda r: min(r["joins"]), "{:+.0f}"), "0"))
    rows.append(("player's start error vs the audio's, max", *med(lambda r: max(r["log_vs_audio"]), "{:.2f} ms"),
                 f"≤ {CLOCK_GOALS['log_vs_audio']:g} ms"))
    rows.append(("sink rate by the rig", *med(lambda r: r["sink_ppm"], "{:+.1f} ppm"), ""))
    rows.append(("sink rate by the player", *med(lambda r: r["player_ppm"], "{:+.1f} ppm"), ""))
    rows.append(("libVLC's own corrections (all runs)",
                 *[str(sum(r["resyncs"] for r in results[s])) for s in sinks], "0"))
    rows.append(("rig timing uncertainty (anchor RMS)", *med(lambda r: r["rig_ms"], "{:.2f} ms"), ""))
    rows.append(("load average / wall time", f"{os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)",
                 *[""] * (len(sinks) - 1), f"{(time.monotonic() - began) / 60:.1f} min"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, r in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boundaries", type=int, default=60)
    parser.add_argument("--track-ms", type=int, default=500)
    parser.add_argument("--per-format", type=int, default=4)
    parser.add_argument("--crossfades", type=int, default=5)
    parser.add_argument("--runs", type=int, default=None,
                        help="chains (with --minutes: sessions per sink) played; the table shows their median "
                             "(default 3, with --minutes 1)")
    parser.add_argument("--minutes", type=int, help="measure the output clock: a hard start every minute")
    parser.add_argument("--sink", choices=["drifting", "steady", "both"], default="both")
    args = parser.parse_args()
    if args.minutes:
        clock_bench(args.minutes, list(SINKS) if args.sink == "both" else [args.sink], args.runs or 1)
        return
    args.runs = args.runs or 3
    with tempfile.TemporaryDirectory(prefix="radiod-bench-") as tmp, private_pulse(Path(tmp)) as pulse:
        work = Path(tmp)
        runs = [chain(pulse, work, args.boundaries, args.track_ms) for _ in range(args.runs)]
        e = endings(pulse, work, args.per_format, 1000)
        x = crossfades(pulse, work, args.crossfades, 500)
    load = os.getloadavg()[0]

    rows = [("metric", "VlcPlayer", "goal", "÷ goal")]

    def row(name, value, goal):
        rows.append((name, f"{value:+.1f} ms" if isinstance(value, float) else value,
                     f"≤ {goal:g} ms", f"{abs(value) / goal:.2f}" if isinstance(value, float) else ""))

    def median_of(stat) -> float:
        return float(np.median([stat(c) for c in runs]))

    c = runs[0]
    n = f"{len(c['starts'])} starts × {len(runs)} runs, median run"
    row(f"hard-start error p50 ({n})", median_of(lambda c: pct(c["starts"], 50)), GOALS["start_p99"])
    row("hard-start error p99", median_of(lambda c: pct(c["starts"], 99)), GOALS["start_p99"])
    row("hard-start error max", median_of(lambda c: max(c["starts"])), GOALS["start_p99"])
    row("  of which placed late by the player (started.at_ms − asked), p99",
        median_of(lambda c: pct(c["late"], 99)), GOALS["start_p99"])
    row("join silence p50", median_of(lambda c: pct(c["joins"], 50)), GOALS["join"])
    row("join silence p99", median_of(lambda c: pct(c["joins"], 99)), GOALS["join"])
    row("join silence max", median_of(lambda c: max(c["joins"])), GOALS["join"])
    row("join overlap max (negative silence)", median_of(lambda c: min(c["joins"])), GOALS["join"])
    rows.append(("dropouts heard inside tracks (all runs)", str(sum(c["fragments"] for c in runs)), "0", ""))
    for fmt, (ours, plain) in e.items():
        worst = max(ours, key=abs)
        rows.append((f"ending lost, {fmt} (median / worst of {len(ours)})",
                     f"{-np.median(ours):+.1f} / {-worst:+.1f} ms", f"0 ± {GOALS['ending']:g} ms",
                     f"plain libVLC: {-np.median(plain):+.1f} / {-min(plain):+.1f} ms"))
    row(f"crossfade length error median ({len(x)} × 500 ms)", float(np.median(x)), GOALS["crossfade"])
    row("crossfade length error worst", max(x, key=abs), GOALS["crossfade"])
    rows.append(("player CPU while playing", f"{median_of(lambda c: c['cpu_pct']):.1f} % of a core", "", ""))
    rows.append(("ffmpeg decode CPU per track", f"{median_of(lambda c: c['decode_cpu_ms_per_track']):.0f} ms",
                 "", ""))
    rows.append(("player RSS now / peak", f"{c['rss_mb']:.0f} / {c['peak_rss_mb']:.0f} MB", "", ""))
    rows.append(("load average during run", f"{load:.1f} ({os.cpu_count()} cores)", "", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for n, r in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    main()
