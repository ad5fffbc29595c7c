"""The output's clock: which stream frame is heard when, at the rate the output really runs.

Pure (no clock of its own, no I/O). It is fed observations ``(monotonic_ms, output_frame)`` — a
count of frames the output has played, read at a known instant — and keeps a windowed
least-squares estimate of the output's rate against the monotonic clock. Observations are only
ever late (a reader is woken after the frames exist, never before), so the fit goes through the
earliest observation of every half second: the lower edge.

Stream frames are placed on the clock by a map: frame ``anchor_frame`` is heard at ``anchor_ms``
and later frames follow at the fitted rate. The output plays frames 1:1 at its own rate from the
anchor, so while the fit window still reaches back to the anchor a better estimate applies from
the anchor itself (the early, rougher estimates leave no phase error behind). Later the map pivots
at the frame heard when the window begins: the rate may wander over hours, and a frame's instant
then moves by (change of rate × window) only — microseconds. Until enough has been observed the
rate is nominal (the system clock's), which is also what an output with no position to read
(ALSA) keeps.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

WINDOW_MS = 120_000        # observations older than this are forgotten (the rate may wander)
MIN_SPAN_MS = 10_000       # below this span the slope is too noisy to beat the one held (nominal at first)
EDGE_MS = 500              # one observation (the earliest) is kept per this much audio
MAX_PPM = 2_000.0          # a card 0.2 % off is broken, not drifting: such estimates are ignored


@dataclass(frozen=True)
class ClockEstimate:
    """What the fit says now."""

    ppm: float                 # output rate − nominal, parts per million (+: the output runs fast)
    spread_ms: float           # RMS of kept observations around the fit (the reader's jitter)
    span_ms: float             # how much time the fit covers
    points: int


class OutputClock:
    """Rate of the output from observations; stream frame ↔ monotonic ms at that rate."""

    def __init__(self, rate: int, *, window_ms: float = WINDOW_MS, min_span_ms: float = MIN_SPAN_MS):
        self.rate = rate
        self.window_ms = window_ms
        self.min_span_ms = min_span_ms
        self._points: deque[tuple[float, int]] = deque()
        self._ms_per_frame = 1000.0 / rate
        self._anchor_ms: float | None = None
        self._anchor_frame = 0
        self._out: tuple[float, int] | None = None   # (ms, output frame) on the fitted line's lower edge
        self.estimate = ClockEstimate(0.0, 0.0, 0.0, 0)

    # -- phase ---------------------------------------------------------------------------------

    def anchor(self, at_ms: float, frame: int = 0) -> None:
        """Stream frame ``frame`` is heard at ``at_ms`` (e.g. the instant the output started)."""
        self._anchor_ms, self._anchor_frame = float(at_ms), frame

    @property
    def anchored(self) -> bool:
        return self._anchor_ms is not None

    def heard_ms(self, frame: int) -> float:
        """When stream frame ``frame`` is (or was) heard, monotonic ms."""
        if self._anchor_ms is None:
            raise RuntimeError("the output clock has no anchor yet")
        return self._anchor_ms + (frame - self._anchor_frame) * self._ms_per_frame

    def frame_at(self, at_ms: float) -> int:
        """The stream frame heard at ``at_ms`` (the nearest one)."""
        if self._anchor_ms is None:
            raise RuntimeError("the output clock has no anchor yet")
        return self._anchor_frame + round((at_ms - self._anchor_ms) / self._ms_per_frame)

    # -- rate ----------------------------------------------------------------------------------

    def output_ms(self, output_frame: int) -> float:
        """When output frame ``output_frame`` was (will be) played, by the fit; after ``update``."""
        if self._out is None:
            raise RuntimeError("nothing observed yet")
        return self._out[0] + (output_frame - self._out[1]) * self._ms_per_frame

    def output_frame_at(self, at_ms: float) -> int:
        if self._out is None:
            raise RuntimeError("nothing observed yet")
        return self._out[1] + round((at_ms - self._out[0]) / self._ms_per_frame)

    @property
    def observed(self) -> bool:
        return self._out is not None

    def forget(self) -> None:
        """Drop the observations so far (the output's path changed: its latency settles anew)."""
        self._points.clear()

    def observe(self, at_ms: float, output_frame: int) -> None:
        """The output had played ``output_frame`` frames (from any fixed origin) at ``at_ms``."""
        self._points.append((float(at_ms), output_frame))
        while self._points and at_ms - self._points[0][0] > self.window_ms:
            self._points.popleft()

    def update(self) -> ClockEstimate:
        """Refit the rate (pivoting the map where the window begins) and the output's position."""
        fit = _fit(self._points, self.rate)
        ms_per_frame, edge, spread, span, points = fit if fit is not None else (self._ms_per_frame, 0, 0, 0, 0)
        ppm = (1000.0 / self.rate / ms_per_frame - 1.0) * 1e6
        if span < self.min_span_ms or abs(ppm) > MAX_PPM:
            # too short to beat the current slope: keep it, only place the output on it
            fit = _fit(self._points, self.rate, slope=self._ms_per_frame)
            if fit is not None:
                self._out = (fit[1], self._points[0][1])
            return self.estimate
        if self._anchor_ms is not None and self._points[0][0] > self._anchor_ms:
            frame = self.frame_at(self._points[0][0])
            self._anchor_ms, self._anchor_frame = self.heard_ms(frame), frame
        self._ms_per_frame = ms_per_frame
        self._out = (edge, self._points[0][1])
        self.estimate = ClockEstimate(ppm, spread, span, points)
        return self.estimate


def _fit(points: deque[tuple[float, int]], rate: int,
         slope: float | None = None) -> tuple[float, float, float, float, int] | None:
    """(ms per frame, time of the first point's frame on the fitted line, RMS residual ms, span ms,
    points kept) of time against frames; ``slope`` given: only the offset is fitted.

    Reads are never early but may be late by anything (a sink may also hand its monitor whole
    periods at once), so only the earliest read of every ``EDGE_MS`` of audio is kept — the
    lower edge — and the line is fitted through those."""
    if len(points) < 8:
        return None
    data = np.array(points, dtype=np.float64)
    t, f = data[:, 0], data[:, 1] - data[0, 1]
    if f[-1] <= 0:
        return None
    lag = t - f * 1000.0 / rate
    window = np.floor(f / (EDGE_MS * rate / 1000)).astype(np.int64)
    starts = np.flatnonzero(np.diff(window, prepend=-1))
    keep = np.array([s + int(np.argmin(part)) for s, part in zip(starts, np.split(lag, starts[1:]))])
    if len(keep) < 2 and slope is None:
        return None
    tk, fk = t[keep], f[keep]
    if slope is None:
        k, offset = np.polyfit(fk, tk, 1)
    else:
        k, offset = slope, float(np.mean(tk - slope * fk))
    residual = tk - (k * fk + offset)
    return float(k), float(offset), float(np.sqrt(np.mean(residual ** 2))), float(tk[-1] - tk[0]), len(keep)

