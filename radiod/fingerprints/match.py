"""Finding library recordings inside a longer recording, from Chromaprint sub-fingerprints (pure).

A recording's fingerprint is a sequence of 32-bit sub-fingerprints, one per ``ITEM_MS``. The
library's are laid end to end in one array with an inverted index (the values sorted, with the
track and offset of each). Detection has four steps:

1. *Vote*: every query value found in the index votes for (track, query position − offset),
   the alignment at which that track would be playing; exact 32-bit matches are rare by chance
   (a few per hour against a large library), so true alignments gather many votes.
2. *Verify*: for each alignment with enough votes, the bit-error rate (BER) of the aligned
   sub-fingerprints, position by position, smoothed over ``SMOOTH`` items: the track is
   playing where it is below ``MAX_BER`` (unrelated audio sits near 0.5; the same recording
   under a crossfade, a level change or talk stays well below).
3. *Edges*: a span found on the smoothed BER is blurred by the smoothing window, so its start
   and end are then found item by item (``_rise``, ``_fall``): the first and last runs that
   agree clearly better than the audio on the other side of the edge.
4. *Resolve*: overlapping spans of different tracks (crossfades, repeats) keep the better one
   where they overlap, so each moment names at most one recording.

Confidence is 1 − 2·BER over the span (1: identical, 0: chance).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import numpy.typing as npt

Prints = npt.NDArray[np.uint32]

ITEM_MS = 1365 / 11025 * 1000           # Chromaprint hops 4096 // 3 = 1365 samples at 11,025 Hz (≈ 123.8 ms)
MIN_VOTES = 6            # exact matches an alignment needs before it is verified
MAX_ALIGNMENTS = 200     # verified per query at most (the strongest first)
SMOOTH = 16              # items (≈ 2 s) the BER is averaged over
MAX_BER = 0.35           # smoothed BER under which the track is taken to be playing
MIN_ITEMS = 120          # a detection matches over at least this many items (≈ 15 s)
# A span's edges: where EDGE_RUN items in a row agree, the BER of the run under EDGE_MARGIN less
# than the audio's on the other side of the edge (so near a similar song, which can sit at 0.3
# for seconds, it takes a closer match than next to unrelated music), within [EDGE_TAU, MAX_BER].
EDGE_TAU = 0.25
EDGE_MARGIN = 0.1
EDGE_RUN = 16            # items (≈ 2 s)
EDGE_ITEMS = 32          # an edge is looked for up to this many items (≈ 4 s, a long crossfade) out from the span
# Where the bits agree is where the song dominates the mix: under a crossfade, from a little
# after its first sample, and until some 2.7 s before its last, as each sub-fingerprint reads
# about that much audio after its instant. Set on bench/fingerprint.py's mixes (4 s crossfades,
# levels 0 to −9 dB, talk over intros): the spread about these is about ±2 s, most of it the
# levels (a louder song takes over earlier in the fade); docs/fingerprints.md has the figures.
START_LEAD = 5           # items (≈ 0.6 s) a start is put before the first agreeing item
END_LAG = 22             # items (≈ 2.7 s) an end is put after the last one …
READ_ITEMS = 22          # … but not past the audio the last item read (19 hops and a 4,096-sample frame)
MAX_OVERLAP = 80         # items (≈ 10 s) two recordings may share: a crossfade
MIN_PART = 8             # a stretch under MAX_BER counts from this many items (≈ 1 s)
MAX_GAP = 120            # stretches of one alignment this close (≈ 15 s) are one detection
MIN_CONFIDENCE = 0.3     # below this a span is not reported
_POP8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


@dataclass(frozen=True)
class Detection:
    track: int               # index into the library (the caller maps it to a track id)
    start_ms: int            # in the query recording
    end_ms: int
    track_offset_ms: int     # where in the track the span starts (its start in the recording)
    confidence: float


class Index:
    """The library's sub-fingerprints with an inverted index of their values."""

    def __init__(self, prints: Sequence[Prints]):
        lengths = np.array([len(p) for p in prints], dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if len(prints) else np.zeros(0, np.int64)
        self.lengths = lengths
        self.values = np.concatenate(list(prints)).astype(np.uint32) if len(prints) else np.zeros(0, np.uint32)
        self.order = np.argsort(self.values, kind="stable")
        self.sorted = self.values[self.order]
        self.track_of = np.repeat(np.arange(len(prints), dtype=np.int64), lengths)

    def prints(self, track: int) -> Prints:
        s = int(self.starts[track])
        return self.values[s:s + int(self.lengths[track])]


def popcount(x: npt.NDArray[np.uint32]) -> npt.NDArray[np.int64]:
    b = np.ascontiguousarray(x).view(np.uint8).reshape(-1, 4)
    counts: npt.NDArray[np.int64] = _POP8[b].sum(axis=1).astype(np.int64)
    return counts


def _alignments(index: Index, query: Prints) -> list[tuple[int, int, int]]:
    """(votes, track, shift) for the strongest alignments; shift = query position − track offset."""
    lo = np.searchsorted(index.sorted, query, side="left")
    hi = np.searchsorted(index.sorted, query, side="right")
    counts = hi - lo
    keep = (counts > 0) & (counts <= 50)           # a value found everywhere (silence) says nothing
    qpos = np.repeat(np.nonzero(keep)[0], counts[keep])
    if len(qpos) == 0:
        return []
    starts = np.repeat(lo[keep], counts[keep])
    within = np.arange(len(qpos)) - np.repeat(np.cumsum(counts[keep]) - counts[keep], counts[keep])
    flat = index.order[starts + within]
    track = index.track_of[flat]
    shift = qpos - (flat - index.starts[track])
    # votes per (track, shift), shifts binned by 2 items so a one-item jitter still adds up
    key = track * (1 << 32) + ((shift + (1 << 30)) >> 1)
    uniq, votes = np.unique(key, return_counts=True)
    strong = np.argsort(-votes, kind="stable")[:MAX_ALIGNMENTS]
    out = []
    for k in strong:
        if votes[k] < MIN_VOTES:
            break
        t = int(uniq[k] >> 32)
        s = int((uniq[k] & 0xFFFFFFFF) << 1) - (1 << 30)
        out.append((int(votes[k]), t, s))
    return out


def _spans(ber: npt.NDArray[np.float64]) -> list[tuple[int, int]]:
    """Runs of smoothed BER under MAX_BER, as [start, end) in the array."""
    below = np.concatenate([[False], ber < MAX_BER, [False]])
    edges = np.flatnonzero(np.diff(below.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


def _split(errors: npt.NDArray[np.float64], lo: int, hi: int, rising: bool) -> int | None:
    """The item in [lo, hi) that best splits the errors into a part at chance and a part where
    the track plays (least squares, two levels): ``rising``, the track plays after it."""
    seg = errors[lo:hi]
    n = len(seg)
    if n < 2 * EDGE_RUN:
        return None
    k = np.arange(EDGE_RUN // 2, n - EDGE_RUN // 2 + 1)
    csum = np.concatenate([[0.0], np.cumsum(seg)])
    left = csum[k] / k
    right = (csum[n] - csum[k]) / (n - k)
    gap = (left - right) if rising else (right - left)
    score = np.where(gap > 0, k * (n - k) * gap ** 2, -1.0)
    best = int(np.argmax(score))
    return lo + int(k[best]) if score[best] > 0 else None


def _threshold(errors: npt.NDArray[np.float64], lo: int, hi: int, rising: bool) -> float:
    """The BER a run must stay under to count as the track: EDGE_MARGIN under the level of the
    audio on the far side of the edge (found by ``_split``), within [EDGE_TAU, MAX_BER]."""
    k = _split(errors, lo, hi, rising)
    if k is None:
        return EDGE_TAU
    outside = errors[lo:k] if rising else errors[k:hi]
    return float(np.clip(outside.mean() - EDGE_MARGIN, EDGE_TAU, MAX_BER))


def _runs(errors: npt.NDArray[np.float64], lo: int, hi: int, rising: bool) -> tuple[npt.NDArray[np.int64], float]:
    """Starts (in [lo, hi)) of the EDGE_RUN-item runs whose mean BER is under the threshold, and it."""
    tau = _threshold(errors, lo, hi, rising)
    run = np.convolve(errors[lo:hi], np.ones(EDGE_RUN) / EDGE_RUN, mode="valid")
    return lo + np.flatnonzero(run < tau), tau


def _rise(errors: npt.NDArray[np.float64], a: int) -> int:
    """Where the track takes over near a span's start ``a``: the first item under the threshold
    in the first run that agrees, from EDGE_ITEMS before ``a`` to twice that after it. The
    smoothed BER that finds spans blurs an edge by its window, and near a similar song it is
    under MAX_BER seconds before the track is there."""
    ok, tau = _runs(errors, max(0, a - EDGE_ITEMS), min(len(errors), a + 2 * EDGE_ITEMS), rising=True)
    if not len(ok):
        return a
    k = int(ok[0])
    return k + int(np.argmax(errors[k:k + EDGE_RUN] < tau))


def _fall(errors: npt.NDArray[np.float64], b: int) -> int:
    """Where the track stops agreeing near a span's end ``b`` (the mirror of ``_rise``)."""
    ok, tau = _runs(errors, max(0, b - 2 * EDGE_ITEMS), min(len(errors), b + EDGE_ITEMS), rising=False)
    if not len(ok):
        return b
    k = int(ok[-1]) + EDGE_RUN
    return k - int(np.argmax(errors[k - EDGE_RUN:k][::-1] < tau))


def _joined(spans: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Spans of at least MIN_PART items joined across gaps up to MAX_GAP (talk over an intro, a
    loud break): (start, end, items matched)."""
    out: list[tuple[int, int, int]] = []
    for a, b in spans:
        if b - a < MIN_PART:
            continue
        if out and a - out[-1][1] <= MAX_GAP:
            x, _y, m = out[-1]
            out[-1] = (x, b, m + b - a)
        else:
            out.append((a, b, b - a))
    return out


def matched_parts(spans: list[tuple[int, int]], a: int, b: int) -> list[tuple[int, int]]:
    return [(x, y) for x, y in spans if x >= a and y <= b and y - x >= MIN_PART]


def detect(index: Index, query: Prints) -> list[Detection]:
    """The library recordings heard in ``query``, in order of their start."""
    found: list[tuple[int, int, int, int, float]] = []   # (q_start, q_end, track, t_start, ber)
    seen: set[tuple[int, int]] = set()
    for _votes, track, shift in _alignments(index, query):
        for s in (shift, shift + 1):
            if (track, s) in seen:
                continue
            seen.add((track, s))
            tp = index.prints(track)
            q0, q1 = max(0, s), min(len(query), s + len(tp))
            if q1 - q0 < MIN_ITEMS:
                continue
            errors = popcount(query[q0:q1] ^ tp[q0 - s:q1 - s]).astype(np.float64) / 32.0
            kernel = np.ones(SMOOTH)
            smooth = np.convolve(errors, kernel, mode="same") / np.convolve(np.ones_like(errors), kernel, mode="same")
            for a, b, matched in _joined(_spans(smooth)):
                if matched >= MIN_ITEMS:
                    ber = float(np.concatenate([errors[x:y] for x, y in matched_parts(_spans(smooth), a, b)]).mean())
                    a = max(0, _rise(errors, a) - START_LEAD)
                    b = min(len(errors) + READ_ITEMS, _fall(errors, b) + END_LAG)
                    found.append((q0 + a, q0 + b, track, q0 + a - s, ber))
    return _resolve(found)


def _resolve(found: list[tuple[int, int, int, int, float]]) -> list[Detection]:
    """Best spans first; a later one is trimmed to the time the better ones leave free, except
    that two recordings may overlap by a crossfade (up to MAX_OVERLAP)."""
    taken: list[tuple[int, int, int, int, float]] = []
    for q0, q1, track, t0, ber in sorted(found, key=lambda f: (f[4], f[0])):
        pieces = [(q0, q1)]
        for a, b, other, *_ in taken:
            nxt = []
            for x, y in pieces:
                overlap = min(b, y) - max(a, x)
                if overlap <= 0 or (other != track and overlap <= MAX_OVERLAP and not (a <= x and y <= b)):
                    nxt.append((x, y))
                    continue
                if x < a:
                    nxt.append((x, a))
                if b < y:
                    nxt.append((b, y))
            pieces = nxt
        for x, y in pieces:
            if y - x >= MIN_ITEMS:
                taken.append((x, y, track, t0 + (x - q0), ber))
    out = []
    for q0, q1, track, t0, ber in sorted(taken):
        confidence = max(0.0, 1.0 - 2.0 * ber)
        if confidence >= MIN_CONFIDENCE:
            out.append(Detection(track, round(q0 * ITEM_MS), round(q1 * ITEM_MS), round(t0 * ITEM_MS),
                                 round(confidence, 3)))
    return _merge(out)


def _merge(dets: list[Detection]) -> list[Detection]:
    """Adjacent spans of the same track at the same alignment (split by a short loud talk) are one."""
    out: list[Detection] = []
    for d in dets:
        p = out[-1] if out else None
        if (p is not None and p.track == d.track and d.start_ms - p.end_ms < 20_000
                and abs((d.start_ms - d.track_offset_ms) - (p.start_ms - p.track_offset_ms)) < 500):
            out[-1] = Detection(p.track, p.start_ms, d.end_ms, p.track_offset_ms, max(p.confidence, d.confidence))
        else:
            out.append(d)
    return out
