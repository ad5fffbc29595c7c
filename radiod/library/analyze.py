"""Audio analysis through ffmpeg: loudness, true peak, silence cue points and the true length.

One ffmpeg pass per file decodes the audio once and runs three filters on it:
``ebur128`` (integrated loudness, true peak), ``silencedetect`` (leading/trailing silence) and
``astats`` (the decoded sample count). The sample count is the reliable length: container and tag
lengths include MP3 encoder delay/padding or guess VBR durations (an ffmpeg-made 3.000 s MP3 reads
3.03 s in mutagen and ffprobe, 3.056 s in libVLC).

silencedetect prints times with six significant digits, so cue points are exact to the
millisecond in files shorter than 1000 s and to 10 ms in longer ones up to 2.7 hours (shows).

Results are cached in the ``analysis`` table by content hash, so a moved or duplicated file is
measured once.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from radiod.clock import Clock, to_ms
from radiod.db import transaction
from radiod.errors import MediaError
from radiod.library import store
from radiod.library.ffmpeg import input_args, input_url
from radiod.library.tags import detect_format

FFMPEG = "ffmpeg"
# Shortest run below the threshold that counts as silence; short enough to trim the gap a
# decoder or editor leaves before the first note, long enough to ignore a waveform's zero crossing.
MIN_SILENCE_MS = 20
# ffmpeg decodes these files at 100–200× real time; a file still running after this is stuck.
TIMEOUT_MS = 900_000
# ebur128 reports -70 LUFS (its absolute gate) when nothing was loud or long enough to measure.
_GATE_LUFS = -70.0

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class AnalysisResult:
    """What one ffmpeg pass measured in a file."""

    loudness_lufs: float | None     # EBU R128 integrated; None when the audio is too short to gate
    true_peak_dbtp: float | None    # None when no sample is above zero
    cue_in_ms: int                  # end of leading silence (0 when the audio starts at once)
    cue_out_ms: int                 # start of trailing silence (the length when it runs to the end)
    decoded_length_ms: int          # from the decoded sample count
    sample_rate: int
    samples: int                    # decoded samples per channel


class AnalysisError(MediaError):
    """A file could not be analysed; ``reason`` is the one-line cause without the path.

    ``about_content`` is False when the cause lies outside the file's bytes (ffmpeg missing or
    stuck, the file unreadable or gone): such failures are not cached by content hash.
    """

    def __init__(self, path: Path | str, reason: str, *, about_content: bool = True):
        self.path = str(path)
        self.reason = reason
        self.about_content = about_content
        super().__init__(f"{path}: {reason}")


@dataclass
class AnalyzeSummary:
    """What ``analyze_library`` did."""

    analyzed: int = 0               # distinct contents measured now
    failed: int = 0                 # of those, how many could not be analysed
    cached: int = 0                 # playable tracks whose content already had an analysis row
    errors: list[tuple[str, str]] = field(default_factory=list)   # (path, reason)


CHANNEL_LAYOUTS = ("mono", "stereo", "2.1", "3.0", "4.0", "quad", "5.0", "5.1", "6.1", "7.1")


def ffmpeg_command(path: Path | str, fmt: str, *, silence_threshold_db: float) -> list[str]:
    """The argument list of the single analysis pass (no shell is involved).

    ``fmt`` is the format radiod found in the content: ffmpeg reads the file as that and nothing
    else (library.ffmpeg.input_args).
    """
    filters = ",".join([
        # A named channel layout first: a decoder that starts with an unnamed one (Speex) would
        # otherwise make the graph reconfigure mid-stream, which ebur128 refuses.
        "aformat=channel_layouts=" + "|".join(CHANNEL_LAYOUTS),
        # framelog=verbose keeps the 10-per-second frame lines out of the info-level log.
        "ebur128=peak=true:framelog=verbose",
        f"silencedetect=noise={silence_threshold_db}dB:duration={MIN_SILENCE_MS / 1000}",
        "astats=measure_perchannel=none:measure_overall=Number_of_samples",
    ])
    return [FFMPEG, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info",
            *input_args(path, fmt), "-map", "0:a:0", "-af", filters, "-f", "null", "-"]


def analyze_file(path: Path | str, *, silence_threshold_db: float, fmt: str | None = None) -> AnalysisResult:
    """Measure one file; raises AnalysisError (a MediaError) with a one-line reason.

    ``fmt`` is the file's format as radiod determined it (the library's ``format`` column, an
    upload's check); without it the content is sniffed here. Content that is no audio format
    radiod knows never reaches ffmpeg.
    """
    if fmt is None:
        try:
            fmt = detect_format(path)
        except MediaError as exc:
            raise AnalysisError(path, str(exc), about_content=_readable(path)) from None
    try:
        command = ffmpeg_command(path, fmt, silence_threshold_db=silence_threshold_db)
    except MediaError as exc:
        raise AnalysisError(path, str(exc)) from None
    try:
        proc = subprocess.run(command, capture_output=True, timeout=TIMEOUT_MS / 1000, check=False)
    except FileNotFoundError:
        raise AnalysisError(path, f"{FFMPEG} not found (install ffmpeg)", about_content=False) from None
    except subprocess.TimeoutExpired:
        raise AnalysisError(path, f"ffmpeg did not finish within {TIMEOUT_MS // 1000} s",
                            about_content=False) from None
    log = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise AnalysisError(path, _ffmpeg_reason(log, path), about_content=_readable(path))
    try:
        return parse_log(log, silence_threshold_db=silence_threshold_db)
    except ValueError as exc:
        raise AnalysisError(path, str(exc)) from None


def _readable(path: Path | str) -> bool:
    return os.path.isfile(path) and os.access(path, os.R_OK)


_LOG_PREFIX = re.compile(r"^\[[^\]]*\]\s*")   # "[mp3 @ 0x55ab…] "


def _ffmpeg_reason(log: str, path: Path | str) -> str:
    """The most telling part of a failed ffmpeg run, on one line, without the path.

    ffmpeg states the failure as ``<path>: <error>`` and usually explains it in the
    ``[demuxer @ 0x…] …`` line before; both are kept. Without such a line the last line is used.
    """
    if "matches no streams" in log:
        return "no audio stream"
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    prefix = f"{input_url(path)}: "
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].startswith(prefix):
            error = lines[i][len(prefix):]
            detail = next((_LOG_PREFIX.sub("", ln) for ln in reversed(lines[:i])
                           if ln.startswith("[") and "misdetection possible" not in ln), "")
            return f"cannot decode: {error}" + (f" ({detail})" if detail else "")
    generic = ("Conversion failed!", "Error while", "Error reinitializing", "Failed to inject")
    specific = [ln for ln in lines if not ln.startswith(generic)]
    line = specific[-1] if specific else (lines[-1] if lines else "ffmpeg failed")
    return f"cannot decode: {_LOG_PREFIX.sub('', line)}"


_RATE = re.compile(r"^Output #0.*?^\s*Stream #\S+ Audio: [^,]+, (\d+) Hz", re.M | re.S)
_SAMPLES = re.compile(r"\] Number of samples: (\d+)")
_INTEGRATED = re.compile(r"^\s*I:\s+(-?inf|[-+]?\d+(?:\.\d+)?) LUFS", re.M)
_TRUE_PEAK = re.compile(r"True peak:\s*\n\s*Peak:\s+(-?inf|[-+]?\d+(?:\.\d+)?) dBFS")
_SILENCE = re.compile(r"\] silence_(start|end): (-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)")


def parse_log(log: str, *, silence_threshold_db: float) -> AnalysisResult:
    """Turn the stderr of ``ffmpeg_command`` into a result; ValueError says what is missing."""
    rate_match = _RATE.search(log)
    samples_match = _SAMPLES.findall(log)
    if not rate_match or not samples_match:
        raise ValueError("ffmpeg produced no audio analysis (no decodable audio stream?)")
    rate = int(rate_match.group(1))
    samples = int(samples_match[-1])
    if samples == 0 or rate == 0:
        raise ValueError("no audio could be decoded")
    length_ms = round(samples * 1000 / rate)

    loudness = _last_float(_INTEGRATED, log)
    peak = _last_float(_TRUE_PEAK, log)
    if loudness is not None and loudness <= _GATE_LUFS:
        loudness = None
    if peak is not None and peak == float("-inf"):
        peak = None

    cue_in_ms, cue_out_ms = _cue_points(_SILENCE.findall(log), length_ms)
    if cue_out_ms <= cue_in_ms:
        raise ValueError(f"silent: no audio above {silence_threshold_db:g} dBFS")
    return AnalysisResult(loudness_lufs=loudness, true_peak_dbtp=peak, cue_in_ms=cue_in_ms,
                          cue_out_ms=cue_out_ms, decoded_length_ms=length_ms,
                          sample_rate=rate, samples=samples)


def _last_float(pattern: re.Pattern[str], log: str) -> float | None:
    found = pattern.findall(log)
    return float(found[-1]) if found else None


def _cue_points(events: list[tuple[str, str]], length_ms: int) -> tuple[int, int]:
    """Leading silence must start at the first sample; trailing silence must reach the end.

    silencedetect reports a run still silent at the end of the stream with a final
    ``silence_end`` equal to the stream length (or, in some versions, with no end at all).
    """
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for kind, value in events:
        ms = round(float(value) * 1000)
        if kind == "start":
            start = ms
        elif start is not None:
            runs.append((start, ms))
            start = None
    if start is not None:
        runs.append((start, length_ms))
    cue_in, cue_out = 0, length_ms
    if runs and runs[0][0] <= 1:
        cue_in = min(runs[0][1], length_ms)
    if runs and runs[-1][1] >= length_ms - 1:
        cue_out = max(runs[-1][0], 0)
    return cue_in, cue_out


def pending(conn: sqlite3.Connection) -> list[tuple[str, str, str | None]]:
    """(content_hash, path, format) of each playable content without an analysis row, one path
    per hash (SQLite takes the bare ``format`` from the row that MIN picks)."""
    return store.unanalysed(conn)


def analyze_library(conn: sqlite3.Connection, *, workers: int, silence_threshold_db: float,
                    clock: Clock, progress: Progress | None = None) -> AnalyzeSummary:
    """Analyse every playable track whose content has not been analysed yet.

    ffmpeg runs as ``workers`` parallel subprocesses (0 = one per core); this thread alone writes
    the results, each in its own short transaction so readers never wait long. A file that fails
    is stored with its error and the rest carry on; a failure that is not the content's fault (the
    file vanished, ffmpeg timed out) is reported but not stored, so the next run tries again.
    Raises MediaError at once when ffmpeg is not installed.
    """
    if shutil.which(FFMPEG) is None:
        raise MediaError(f"{FFMPEG} not found: audio analysis needs ffmpeg (apt-get install ffmpeg)")
    todo = pending(conn)
    summary = AnalyzeSummary()
    summary.cached = store.analysed_count(conn)
    total = len(todo)
    if progress:
        progress(0, total)
    if not todo:
        return summary
    workers = workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=min(workers, total)) as pool:
        # the format the scan found in the content: ffmpeg is told to read the file as that
        futures = {pool.submit(_analyze_one, path, fmt, silence_threshold_db): (content_hash, path)
                   for content_hash, path, fmt in todo}
        for done, future in enumerate(as_completed(futures), start=1):
            content_hash, path = futures[future]
            result, error = future.result()
            if result is not None and error is None:
                error = _cut_short(conn, path, result)
                result = None if error else result
            if error is None or error.about_content:
                _store(conn, content_hash, result, error.reason if error else None, to_ms(clock.now()))
            summary.analyzed += 1
            if error is not None:
                summary.failed += 1
                summary.errors.append((path, error.reason))
            if progress:
                progress(done, total)
    summary.errors.sort()
    return summary


def _cut_short(conn: sqlite3.Connection, path: str, result: AnalysisResult) -> AnalysisError | None:
    """A file whose header announces far more audio than decodes was cut short (a copy that
    stopped, a download that broke): not playable. Checked here because only the decode tells
    for formats whose container the tag scan cannot check."""
    announced = store.tagged_length(conn, path)
    if announced - result.decoded_length_ms > CUT_SHORT_MS and result.decoded_length_ms < announced / 2:
        return AnalysisError(path, f"truncated file (its header announces {announced} ms of audio, "
                                   f"{result.decoded_length_ms} ms decode)")
    return None


CUT_SHORT_MS = 1000


def _analyze_one(path: str, fmt: str | None, silence_threshold_db: float
                 ) -> tuple[AnalysisResult | None, AnalysisError | None]:
    try:
        return analyze_file(path, silence_threshold_db=silence_threshold_db, fmt=fmt), None
    except AnalysisError as exc:
        return None, exc


def _store(conn: sqlite3.Connection, content_hash: str, result: AnalysisResult | None,
           reason: str | None, now_ms: int) -> None:
    values = (None, None, None, None, None) if result is None else (
        result.loudness_lufs, result.true_peak_dbtp, result.cue_in_ms, result.cue_out_ms,
        result.decoded_length_ms)
    with transaction(conn):
        store.store_analysis(conn, content_hash, values, reason, now_ms)
