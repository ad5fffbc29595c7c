"""Fingerprint detection: recall, false detections, start/end error, speed, store size.

    .venv/bin/python bench/fingerprint.py [--library 2000] [--minutes 60] [--unknown 4] [--seed 1]

Generates a library of music-like pieces (60–120 s each, its own seed: chords of a few
harmonics on random progressions, a melody, drum-like noise bursts), fingerprints each with
fpcalc into a real SQLite store (the ``fingerprints`` table), then a ``--minutes`` mix of
library pieces plus ``--unknown`` pieces not in the library, crossfaded (4 s), each at its own
level (0 to −9 dB), a presenter (as loud as the music) talking over every other intro, 3 s cut from each end. The mix
is encoded as a 44.1 kHz stereo MP3 (128 kb/s), fingerprinted with fpcalc and matched against the store; everything runs in
this one process (one core, fpcalc being its child).

A detection is right when it names the piece playing over most of its span; any other is a
false detection (one over an unknown piece included). Start/end error: against the first and
last sample of the piece in the mix.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from radiod.db import transaction  # noqa: E402
from radiod.fingerprints import store  # noqa: E402
from radiod.fingerprints.fpcalc import fingerprint_file  # noqa: E402
from radiod.fingerprints.match import Index, detect  # noqa: E402
from radiod.fingerprints.mix import build_mix  # noqa: E402
from radiod.fingerprints.music import piece, write_wav  # noqa: E402
from radiod.store import open_db  # noqa: E402

UNKNOWN_BASE = 1_000_000        # seeds of pieces that are not in the library


def seconds_of(seed: int) -> int:
    return 60 + (seed * 37) % 61


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--library", type=int, default=2000)
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--unknown", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory(prefix="fingerprint-bench-") as tmp:
        work = Path(tmp)
        conn = open_db(work / "radiod.db")
        # -- the library -----------------------------------------------------------------------
        gen_s = fp_s = 0.0
        wav = work / "piece.wav"
        for seed in range(args.library):
            t0 = time.perf_counter()
            write_wav(wav, piece(seed, seconds_of(seed)))
            t1 = time.perf_counter()
            prints = fingerprint_file(wav)
            with transaction(conn):
                store.save_prints(conn, f"{seed:08d}", prints, None, 0)
            fp_s += time.perf_counter() - t1
            gen_s += t1 - t0
        contents, _bad, size = store.counts(conn)
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db_bytes = (work / "radiod.db").stat().st_size
        # -- the mix ---------------------------------------------------------------------------
        order: list[int] = []
        total = 0.0
        picks = iter(rng.permutation(args.library))
        unknown_s = sum(seconds_of(UNKNOWN_BASE + k) - 10 for k in range(args.unknown))
        while total + unknown_s < args.minutes * 60:
            seed = int(next(picks))
            order.append(seed)
            total += seconds_of(seed) - 10            # 3 s cut at each end, 4 s crossfade
        for k in range(args.unknown):
            order.insert(int(rng.integers(1, len(order))), UNKNOWN_BASE + k)
        audio, placed = build_mix([(s, piece(s, seconds_of(s))) for s in order], seed=args.seed)
        # The show as a DJ uploads it: 44.1 kHz stereo MP3 (fpcalc decodes and resamples it)
        write_wav(work / "mix.wav", audio)
        mix = work / "mix.mp3"
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", str(work / "mix.wav"), "-ar", "44100",
                        "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k", str(mix)], check=True)
        mix_s = len(audio) / 11025
        # -- detection (timed: fpcalc of the mix, loading the store, the index, matching) -----------
        t0 = time.perf_counter()
        query = fingerprint_file(mix)
        t1 = time.perf_counter()
        loaded = store.load_prints(conn)
        keys = sorted(loaded)
        index = Index([loaded[k] for k in keys])
        t2 = time.perf_counter()
        found = detect(index, query)
        t3 = time.perf_counter()
        conn.close()
    seeds = [int(k) for k in keys]
    truth = [p for p in placed if p.key < UNKNOWN_BASE]
    hits, false, start_err, end_err = set(), 0, [], []
    for d in found:
        seed = seeds[d.track]
        best = max(placed, key=lambda p: min(p.end_ms, d.end_ms) - max(p.start_ms, d.start_ms))
        if best.key != seed or best.key >= UNKNOWN_BASE or id(best) in hits:
            false += 1
            continue
        hits.add(id(best))
        start_err.append(abs(d.start_ms - best.start_ms) / 1000)
        end_err.append(abs(d.end_ms - best.end_ms) / 1000)
    detect_s = t3 - t0
    per_k = 1000 / max(1, args.library)
    print(f"fingerprint bench, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, one process (seed {args.seed})")
    print(f"library              {contents} pieces, {sum(seconds_of(s) for s in range(args.library)) / 3600:.1f} h")
    print(f"store                {size / 1e6:.2f} MB of sub-fingerprints ({size * per_k / 1e6:.2f} MB per 1,000 tracks); "
          f"database file {db_bytes / 1e6:.2f} MB")
    print(f"build                {fp_s * per_k:.1f} s per 1,000 tracks (fpcalc + store; generating the audio: "
          f"{gen_s * per_k:.1f} s per 1,000, not counted)")
    print(f"mix                  {mix_s / 60:.1f} min, {len(truth)} library pieces + {len(placed) - len(truth)} unknown")
    print(f"recall               {len(hits)}/{len(truth)} = {100 * len(hits) / max(1, len(truth)):.1f} %")
    print(f"false detections     {false}")
    if start_err:
        print(f"start error          median {statistics.median(start_err):.2f} s, max {max(start_err):.2f} s")
        print(f"end error            median {statistics.median(end_err):.2f} s, max {max(end_err):.2f} s")
    print(f"speed                {mix_s / detect_s:.0f}× real time ({detect_s:.2f} s: fpcalc {t1 - t0:.2f} s, "
          f"store + index {t2 - t1:.2f} s, matching {t3 - t2:.2f} s)")


if __name__ == "__main__":
    main()
