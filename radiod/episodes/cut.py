"""An episode's audio: its pieces of the logged air, faded where a clip ends, loudness-normalised
(EBU R128, two passes: measure, then one linear gain) and encoded by ffmpeg (argument lists).

The pieces are taken from the logger's hour files by their time maps (radiod.logger.spans_pcm),
written once to a private work WAV while ffmpeg's ``ebur128`` filter measures them (integrated
loudness, true peak); each format is then encoded from that WAV with one gain — the target minus
the measured loudness, capped so the true peak stays under its limit — so the programme keeps its
dynamics (no limiter, no pumping) and every sample its position. (ffmpeg's ``loudnorm`` does the
same in its linear mode but resamples to 192 kHz on both passes: three times the CPU, measured.)
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from radiod.errors import RadiodError
from radiod.episodes.plan import EpisodePlan
from radiod.logger import spans_pcm
from radiod.playout.output import CHANNELS, RATE
from radiod.playout.pcm_cache import wav_header
from radiod.private import FILE_MODE

FRAME_BYTES = 2 * CHANNELS
SILENT_LUFS = -70.0           # quieter than this is silence: no gain is applied

CODECS: dict[str, tuple[str, str, list[str]]] = {     # format → (extension, MIME type, codec arguments)
    "mp3": (".mp3", "audio/mpeg", ["-c:a", "libmp3lame", "-id3v2_version", "3"]),
    "aac": (".m4a", "audio/mp4", ["-c:a", "aac", "-movflags", "+faststart"]),
}


class CutError(RadiodError):
    """An episode that could not be cut (one line: why)."""


@dataclass(frozen=True)
class Loudness:
    """What the first pass measured (EBU R128 / ITU-R BS.1770)."""

    integrated_lufs: float
    true_peak_db: float

    def gain_db(self, lufs: float, true_peak: float) -> float:
        """The one gain of the second pass: to the target, unless the peak would pass its limit."""
        return min(lufs - self.integrated_lufs, true_peak - self.true_peak_db)


@dataclass(frozen=True)
class Encoding:
    format: str
    bitrate_kbps: int


def _ms_to_us(ms: int) -> int:
    return ms * 1000


def _faded(plan: EpisodePlan, stream: Iterator[tuple[int, bytes]]) -> Iterator[bytes]:
    """The pieces' PCM with each clip's fade-out applied (linear over its last fade_out_ms)."""
    done = [0] * len(plan.pieces)
    totals = [round(p.length_ms * RATE / 1000) for p in plan.pieces]
    for n, pcm in stream:
        piece = plan.pieces[n]
        frames = len(pcm) // FRAME_BYTES
        fade = round(piece.fade_out_ms * RATE / 1000)
        begin = done[n]
        done[n] += frames
        if fade and done[n] > totals[n] - fade:
            x = np.frombuffer(pcm, dtype="<i2").reshape(-1, CHANNELS).astype(np.float32)
            left = totals[n] - (begin + np.arange(frames))          # frames to the piece's end
            gain = np.clip(left / fade, 0.0, 1.0).astype(np.float32)
            pcm = (x * gain[:, None]).astype("<i2").tobytes()
        yield pcm


def _run(args: list[str], what: str, *, stdin: int | None = None) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(args, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError as exc:
        raise CutError(f"{what}: cannot run {args[0]}: {exc.strerror or exc}") from None


def _tail(process: subprocess.Popen[bytes]) -> str:
    assert process.stderr is not None
    return process.stderr.read().decode(errors="replace")


def render(logger_folder: Path, plan: EpisodePlan, work_wav: Path, *, lufs: float, true_peak: float,
           ffmpeg: str = "ffmpeg", nice: int = 0) -> tuple[int, Loudness | None]:
    """Write the plan's audio to ``work_wav`` (private) and measure its loudness: (frames, loudness
    or None when it is silent)."""
    spans = [(_ms_to_us(p.from_ms), _ms_to_us(p.to_ms)) for p in plan.pieces]
    prefix = ["nice", "-n", str(nice)] if nice else []
    measure = _run([*prefix, ffmpeg, "-hide_banner", "-nostats", "-f", "s16le", "-ar", str(RATE), "-ac", str(CHANNELS),
                    "-i", "pipe:0", "-af", "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
                   "measuring loudness", stdin=subprocess.PIPE)
    assert measure.stdin is not None
    frames = 0
    try:
        fd = os.open(work_wav, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE)
        with os.fdopen(fd, "wb") as out:
            out.write(wav_header(0))
            for pcm in _faded(plan, spans_pcm(logger_folder, spans, ffmpeg)):
                out.write(pcm)
                frames += len(pcm) // FRAME_BYTES
                try:
                    measure.stdin.write(pcm)
                except BrokenPipeError:
                    pass
            out.seek(0)
            out.write(wav_header(frames))
    except OSError as exc:
        measure.kill()
        measure.wait()
        raise CutError(f"{work_wav}: cannot write: {exc.strerror or exc}") from None
    finally:
        try:
            measure.stdin.close()
        except BrokenPipeError:
            pass
    text = _tail(measure)
    measure.wait()
    if measure.returncode != 0:
        raise CutError(f"measuring loudness: ffmpeg failed: {text.strip().splitlines()[-1:] or measure.returncode}")
    return frames, _loudness(text)


def _loudness(text: str) -> Loudness | None:
    """The ebur128 filter's summary (the end of ffmpeg's stderr); None for silence."""
    summary = text[text.rfind("Summary:"):]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    if "Summary:" not in text or integrated is None or peak is None:
        raise CutError("measuring loudness: ffmpeg printed no summary")
    found = Loudness(float(integrated.group(1)), float(peak.group(1)))
    if not np.isfinite(found.integrated_lufs) or found.integrated_lufs < SILENT_LUFS:
        return None
    return found


def encode(work_wav: Path, output: Path, encoding: Encoding, loudness: Loudness | None, *, lufs: float,
           true_peak: float, title: str, ffmpeg: str = "ffmpeg", nice: int = 0) -> int:
    """Encode the work WAV into ``output`` at the measured gain; returns the file's size."""
    _, _, codec = CODECS[encoding.format]
    filters = []
    if loudness is not None:
        filters = ["-af", f"volume={loudness.gain_db(lufs, true_peak):.2f}dB"]
    prefix = ["nice", "-n", str(nice)] if nice else []
    args = [*prefix, ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error", "-i", str(work_wav), *filters,
            "-ar", str(RATE), "-ac", str(CHANNELS), *codec, "-b:a", f"{encoding.bitrate_kbps}k",
            "-metadata", f"title={title}", "-y", str(output)]
    process = _run(args, f"encoding {output.name}")
    text = _tail(process)
    process.wait()
    if process.returncode != 0:
        raise CutError(f"{output.name}: ffmpeg could not encode it: {(text.strip().splitlines() or ['?'])[-1]}")
    return output.stat().st_size


def extension(fmt: str) -> str:
    return CODECS[fmt][0]


def mime_type(fmt: str) -> str:
    return CODECS[fmt][1]
