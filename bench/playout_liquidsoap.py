"""Playout timing of the Liquidsoap engine, measured from its output file.

LiquidsoapPlayer plays generated tones (alternating left / right channel, so every join reads
off the channel edges) into ``output = "file:…"`` (raw PCM, exactly the samples of the stream).
Positions in the file are put on the wall clock with one anchor: the median offset between the
file position of each follow item's first sample and the instant Liquidsoap stamped on its
track start. The table shows, each a median / p99 / max over the run:

- chained start error and join silence: items that follow each other (Liquidsoap's own gapless
  queue), each due when the previous one's true length has played;
- hard-start error: an item timed to an instant the way the engine does it (the playing item is
  stopped with a fade ending at that instant, the timed item is queued behind it);
- CPU of Liquidsoap (with the bridge clients it runs for every item) and of this process, and
  Liquidsoap's RSS while playing;

with VlcPlayer's chain from bench/playout.py (heard through PulseAudio) beside it as the
baseline when ``--with-vlc`` is given.

    .venv/bin/python bench/playout_liquidsoap.py [--boundaries 30] [--track-ms 1500] [--hard 10] [--with-vlc]

Liquidsoap's PulseAudio output is not used for timing: on a loaded 2-core machine it underruns
(audible gaps of 50–500 ms), which measures the machine, not the playout.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radiod.bridge.player import LiquidsoapPlayer          # noqa: E402
from radiod.clock import SystemClock                       # noqa: E402
from radiod.config import load_config                      # noqa: E402
from radiod.playout.output import RATE                     # noqa: E402
from radiod.playout.port import Cue                        # noqa: E402
from tests.audio_capture import LEFT, RIGHT, decoded_frames, write_tone  # noqa: E402

import playout as playout_bench                             # noqa: E402  (bench/playout.py)

FORMATS = ("mp3", "ogg", "flac", "wav")
GOALS = {"start": 10.0, "join": 10.0}
FADE_MS = 300
TICKS = os.sysconf("SC_CLK_TCK")


class Waiter(playout_bench.Waiter):
    """Liquidsoap takes seconds to start streaming, so wait longer than for libVLC."""

    def wait(self, kind, handle, timeout=60):
        return super().wait(kind, handle, timeout)


ms = playout_bench.ms


def sounds(path: Path, channel: int, threshold: float = 0.01, min_silence_ms: float = 3.0) -> list[tuple[int, int]]:
    """(first, one-past-last) frames of each stretch of sound on a channel of a raw s16le stereo file."""
    x = np.frombuffer(path.read_bytes(), dtype="<i2")
    x = x[: len(x) // 2 * 2].reshape(-1, 2)[:, channel].astype(np.int32)
    loud = np.flatnonzero(np.abs(x) > threshold * 32767)
    if loud.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(loud) > min_silence_ms * RATE / 1000)
    starts = np.concatenate(([loud[0]], loud[breaks + 1]))
    ends = np.concatenate((loud[breaks], [loud[-1]])) + 1
    return list(zip(starts.tolist(), ends.tolist()))


def proc_cpu_s(pid: int) -> float:
    """CPU seconds of a process and its waited-for children (the bridge clients)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime + cutime + cstime) / TICKS


def new_player(work: Path, name: str) -> tuple[LiquidsoapPlayer, Waiter, Path]:
    station = work / name
    station.mkdir()
    (station / "radiod.toml").write_text('[playout]\noutput = "file:out.raw"\n[liquidsoap]\nharbor_port = 0\n')
    player = LiquidsoapPlayer(load_config(station, env={}), SystemClock())
    waiter = Waiter(player)
    player.check_output()
    return player, waiter, station / "out.raw"


def chain(work: Path, boundaries: int, track_ms: int) -> dict:
    """Follow items queued back to back: join silence, CPU and RSS."""
    files = [write_tone(work / f"c{i}.{FORMATS[i % 4]}", 300 + 40 * (i % 20), track_ms,
                        LEFT if i % 2 == 0 else RIGHT) for i in range(boundaries + 1)]
    lengths = [round(ms(decoded_frames(f))) for f in files]
    player, events, out = new_player(work, "chain")
    pid = player.pid
    cpu0, own0, wall0 = proc_cpu_s(pid), time.process_time(), time.monotonic()
    for i, f in enumerate(files):
        player.prepare(Cue(f"c{i}", str(f), cue_out_ms=lengths[i]))
        player.start(f"c{i}")
        if i >= 2:
            events.wait("started", f"c{i - 2}")       # a couple queued ahead, like the engine
    events.wait("ended", f"c{len(files) - 1}")
    wall = time.monotonic() - wall0
    cpu, own, rss = proc_cpu_s(pid) - cpu0, time.process_time() - own0, playout_bench.rss_mb(pid)
    player.close()
    heard = sorted(sounds(out, LEFT) + sounds(out, RIGHT))
    if len(heard) != len(files):
        raise RuntimeError(f"found {len(heard)} tracks in the output, played {len(files)}")
    joins = [ms(b[0] - a[1]) for a, b in zip(heard, heard[1:])]
    return {"joins": joins, "cpu_pct": cpu / wall * 100, "own_cpu_pct": own / wall * 100, "rss_mb": rss}


def hard_starts(work: Path, count: int) -> list[float]:
    """A long bed plays; at an instant a timed item must start: stop(bed, fade) ending then."""
    player, events, out = new_player(work, "hard")
    clock = SystemClock()
    bed = write_tone(work / "bed.wav", 440, 6000, LEFT)
    planned, bed_starts = [], []
    player.prepare(Cue("bed0", str(bed), cue_out_ms=6000))
    player.start("bed0")
    bed_starts.append(events.wait("started", "bed0").at_ms)
    for n in range(count):
        hard = write_tone(work / f"h{n}.wav", 900, 600, RIGHT)
        at = clock.monotonic_ms() + 1500
        player.prepare(Cue(f"h{n}", str(hard), cue_out_ms=600))
        player.start(f"h{n}", at_ms=at)                       # queued behind the bed
        time.sleep(max(0, at - FADE_MS - clock.monotonic_ms()) / 1000)
        player.stop(f"bed{n}", fade_ms=FADE_MS)                # the engine's cut: the fade ends at `at`
        planned.append(at)
        events.wait("started", f"h{n}")
        player.prepare(Cue(f"bed{n + 1}", str(bed), cue_out_ms=6000))
        player.start(f"bed{n + 1}")
        bed_starts.append(events.wait("started", f"bed{n + 1}").at_ms)
    player.stop(f"bed{count}")
    events.wait("ended", f"bed{count}")
    player.close()
    beds, hits = sounds(out, LEFT), sounds(out, RIGHT)
    if len(beds) != count + 1 or len(hits) != count:
        raise RuntimeError(f"found {len(beds)} beds and {len(hits)} timed items, played {count + 1} and {count}")
    # File position → monotonic ms: the median offset over the beds' stamped starts.
    anchor = float(np.median([t - ms(b[0]) for t, b in zip(bed_starts, beds)]))
    return [ms(h[0]) + anchor - p for h, p in zip(hits, planned)]


pct = playout_bench.pct


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boundaries", type=int, default=30)
    parser.add_argument("--track-ms", type=int, default=1500)
    parser.add_argument("--hard", type=int, default=10)
    parser.add_argument("--with-vlc", action="store_true", help="also run bench/playout.py's VLC chain")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="radiod-bench-ls-") as tmp:
        work = Path(tmp)
        c = chain(work, args.boundaries, args.track_ms)
        h = hard_starts(work, args.hard)
        v = None
        if args.with_vlc:
            from tests.audio_capture import private_pulse
            with private_pulse(work) as pulse:
                v = playout_bench.chain(pulse, work, args.boundaries, args.track_ms)
    load = os.getloadavg()[0]

    rows = [("metric", "Liquidsoap", "VlcPlayer (baseline)" if v else "", "goal", "÷ goal", "÷ VLC")]

    def row(name, value, vlc_value, goal):
        ratio = f"{abs(value) / abs(vlc_value):.1f}" if vlc_value else ""
        rows.append((name, f"{value:+.1f} ms", "" if vlc_value is None else f"{vlc_value:+.1f} ms",
                     f"≤ {goal:g} ms", f"{abs(value) / goal:.2f}", ratio))

    abs_h = [abs(e) for e in h]
    # Chained items: each is due when the previous one's true length has played, so its start
    # error is the join (Liquidsoap chains them itself; VLC is started on the clock).
    chained = [abs(j) for j in c["joins"]]
    row(f"chained start error p50 ({len(chained)} starts)", pct(chained, 50), pct(v["starts"], 50) if v else None,
        GOALS["start"])
    row("chained start error p99", pct(chained, 99), pct(v["starts"], 99) if v else None, GOALS["start"])
    row("chained start error max", max(chained), max(v["starts"]) if v else None, GOALS["start"])
    row(f"join silence p50 ({len(c['joins'])} joins)", pct(c["joins"], 50),
        pct(v["joins"], 50) if v else None, GOALS["join"])
    row("join silence p99", pct(c["joins"], 99), pct(v["joins"], 99) if v else None, GOALS["join"])
    row("join silence max", max(c["joins"]), max(v["joins"]) if v else None, GOALS["join"])
    row(f"hard-start error, cut with {FADE_MS} ms fade, p50 ({len(h)} cuts)", pct(abs_h, 50), None, GOALS["start"])
    row("hard-start error p99", pct(abs_h, 99), None, GOALS["start"])
    row("hard-start error max", max(abs_h), None, GOALS["start"])
    row("hard-start error mean (signed, + = late)", float(np.mean(h)), None, GOALS["start"])
    rows.append(("engine CPU while playing (Liquidsoap + bridge clients)", f"{c['cpu_pct']:.1f} % of a core",
                 f"{v['cpu_pct']:.1f} %" if v else "", "", "", f"{c['cpu_pct'] / v['cpu_pct']:.1f}" if v else ""))
    rows.append(("radiod (Python) CPU while playing", f"{c['own_cpu_pct']:.1f} %", "", "", "", ""))
    rows.append(("engine RSS (VLC: the radiod process)", f"{c['rss_mb']:.0f} MB",
                 f"{v['rss_mb']:.0f} MB" if v else "", "", "", f"{c['rss_mb'] / v['rss_mb']:.1f}" if v else ""))
    rows.append(("load average during run", f"{load:.1f} ({os.cpu_count()} cores)", "", "", "", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    for n, r in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    main()
