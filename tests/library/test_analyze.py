"""Audio analysis on real files made by ffmpeg, stored in a real SQLite database."""

from __future__ import annotations

import hashlib
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
from mutagen.mp3 import MP3

from radiod.clock import FakeClock, to_ms
from radiod.errors import MediaError
from radiod.library.analyze import AnalysisError, analyze_file, analyze_library, parse_log
from radiod.library.ffmpeg import format_for_name
from radiod.store import open_db

CLOCK = FakeClock(datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc))   # when scans and analyses ran

CODECS = {"flac": ["-c:a", "flac"], "mp3": ["-c:a", "libmp3lame", "-b:a", "192k"],
          "ogg": ["-c:a", "libvorbis", "-q:a", "5"], "wav": ["-c:a", "pcm_s16le"]}
THRESHOLD_DB = -50.0


def make_audio(path: Path, *, seconds: float, amplitude: float = 0.3, freq: float = 1000,
               tone_from: float = 0.0, tone_to: float | None = None, rate: int = 44100) -> Path:
    """A stereo sine of `amplitude` (linear, 1.0 = full scale) sounding between tone_from and tone_to."""
    tone_to = seconds if tone_to is None else tone_to
    # commas are escaped: unescaped they would separate filters in the lavfi graph
    wave = f"{amplitude}*sin(2*PI*{freq}*t)*between(t\\,{tone_from}\\,{tone_to})"
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", f"aevalsrc={wave}|{wave}:s={rate}:d={seconds}", *CODECS[path.suffix[1:]], str(path)],
        check=True)
    return path


@pytest.fixture(scope="module")
def audio_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("analyze-audio_dir")


@pytest.mark.parametrize("fmt", ["flac", "mp3", "ogg"])
@pytest.mark.parametrize("peak_dbfs", [-20.0, -9.0])
def test_loudness_and_true_peak_of_a_tone_at_a_known_level(audio_dir, fmt, peak_dbfs):
    # A 1 kHz stereo sine with peaks at P dBFS measures P LUFS under BS.1770 (K-weighting is
    # ~0 dB at 1 kHz and the -0.691 offset cancels it), and its true peak is P dBTP.
    path = make_audio(audio_dir / f"level{peak_dbfs:g}.{fmt}", seconds=5, amplitude=10 ** (peak_dbfs / 20))
    result = analyze_file(path, silence_threshold_db=THRESHOLD_DB)
    assert result.loudness_lufs == pytest.approx(peak_dbfs, abs=0.5)
    assert result.true_peak_dbtp == pytest.approx(peak_dbfs, abs=0.5)


@pytest.mark.parametrize("fmt", ["flac", "mp3", "ogg", "wav"])
def test_cue_points_at_the_ends_of_leading_and_trailing_silence(audio_dir, fmt):
    path = make_audio(audio_dir / f"cues.{fmt}", seconds=5.0, tone_from=1.2, tone_to=4.2)
    result = analyze_file(path, silence_threshold_db=THRESHOLD_DB)
    assert result.cue_in_ms == pytest.approx(1200, abs=30)
    assert result.cue_out_ms == pytest.approx(4200, abs=30)
    assert result.decoded_length_ms == 5000


def test_no_silence_means_cues_at_the_very_ends(audio_dir):
    path = make_audio(audio_dir / "full.flac", seconds=2.5)
    result = analyze_file(path, silence_threshold_db=THRESHOLD_DB)
    assert (result.cue_in_ms, result.cue_out_ms, result.decoded_length_ms) == (0, 2500, 2500)


def test_a_quiet_passage_in_the_middle_does_not_move_the_cue_points(audio_dir):
    path = make_audio(audio_dir / "gap.flac", seconds=4.0, tone_from=0.0, tone_to=1.5)
    # second half: tone again after a 1 s hole, written by concatenating two files
    tail = make_audio(audio_dir / "gap-tail.flac", seconds=1.5)
    joined = audio_dir / "gap-joined.flac"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(path), "-i", str(tail),
                    "-filter_complex", "[0][1]concat=n=2:v=0:a=1", str(joined)], check=True)
    result = analyze_file(joined, silence_threshold_db=THRESHOLD_DB)
    assert (result.cue_in_ms, result.decoded_length_ms) == (0, 5500)
    assert result.cue_out_ms == 5500


def test_the_threshold_decides_what_counts_as_silence(audio_dir):
    # a -40 dBFS intro: silence at a -30 dB threshold, programme at -50 dB
    intro = make_audio(audio_dir / "intro.flac", seconds=1.0, amplitude=0.01)
    body = make_audio(audio_dir / "body.flac", seconds=2.0, amplitude=0.5)
    joined = audio_dir / "intro-body.flac"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(intro), "-i", str(body),
                    "-filter_complex", "[0][1]concat=n=2:v=0:a=1", str(joined)], check=True)
    assert analyze_file(joined, silence_threshold_db=-30).cue_in_ms == pytest.approx(1000, abs=30)
    assert analyze_file(joined, silence_threshold_db=-50).cue_in_ms == 0


@pytest.mark.parametrize("rate", [44100, 48000])
def test_decoded_length_of_an_mp3_is_the_true_sample_count(audio_dir, rate):
    path = make_audio(audio_dir / f"three-{rate}.mp3", seconds=3.0, rate=rate)
    # The container reads long (encoder delay and padding): that is what the analysis corrects.
    assert MP3(path).info.length > 3.02
    result = analyze_file(path, silence_threshold_db=THRESHOLD_DB)
    assert result.samples == 3 * rate
    assert result.sample_rate == rate
    assert result.decoded_length_ms == 3000


def _broken_files(directory: Path) -> dict[str, Path]:
    good = make_audio(directory / "good-for-breaking.mp3", seconds=2.0)
    files = {
        "zero-byte": directory / "empty.mp3",
        "text named mp3": directory / "notes.mp3",
        "random bytes": directory / "noise.flac",
        "missing": directory / "gone.ogg",
        "not a format radiod reads": directory / "picture.mkv",
        "no audio stream": directory / "picture.mp4",
    }
    files["zero-byte"].write_bytes(b"")
    files["text named mp3"].write_text("these are not the sounds you are looking for\n" * 20)
    files["random bytes"].write_bytes(b"fLaC" + hashlib.sha256(b"x").digest() * 300)
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "color=c=blue:s=32x32:d=1", "-c:v", "ffv1", str(files["not a format radiod reads"])], check=True)
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "color=c=blue:s=32x32:d=1", "-c:v", "mpeg4", str(files["no audio stream"])], check=True)
    files["cut in the header"] = directory / "cut.mp3"
    files["cut in the header"].write_bytes(good.read_bytes()[:300])
    return files


def test_broken_input_raises_media_error_with_one_line_naming_the_file(audio_dir):
    (audio_dir / "broken").mkdir()
    for what, path in _broken_files(audio_dir / "broken").items():
        with pytest.raises(MediaError) as info:
            analyze_file(path, silence_threshold_db=THRESHOLD_DB)
        message = str(info.value)
        assert message.startswith(f"{path}: "), what
        assert "\n" not in message, what
        assert len(info.value.reason) > 5, what
    with pytest.raises(MediaError, match="no audio stream"):      # ffprobe reads it: a video only
        analyze_file(audio_dir / "broken" / "picture.mkv", silence_threshold_db=THRESHOLD_DB)
    with pytest.raises(MediaError, match="no audio stream"):
        analyze_file(audio_dir / "broken" / "picture.mp4", silence_threshold_db=THRESHOLD_DB)


def test_a_silent_file_is_an_error_not_a_zero_length_track(audio_dir):
    path = make_audio(audio_dir / "silence.wav", seconds=2.0, amplitude=0.0)
    with pytest.raises(AnalysisError, match="silent: no audio above -50 dBFS"):
        analyze_file(path, silence_threshold_db=THRESHOLD_DB)


def test_awkward_file_names_reach_ffmpeg_as_files(audio_dir):
    # ffmpeg reads "x:y" as a protocol and a leading "-" as an option unless told it is a file
    for name in ["-dash.flac", "pipe:1.flac", "ünïcødé ✓ (live).flac", "x" * 200 + ".flac"]:
        path = make_audio(audio_dir / "tmp.flac", seconds=1.0).rename(audio_dir / name)
        assert analyze_file(path, silence_threshold_db=THRESHOLD_DB).decoded_length_ms == 1000


def test_parse_log_handles_silence_running_to_the_end_without_a_closing_line():
    log = (
        "Output #0, null, to 'pipe:':\n  Stream #0:0: Audio: pcm_s16le, 48000 Hz, stereo, s16\n"
        "[silencedetect @ 0x1] silence_start: 0\n"
        "[silencedetect @ 0x1] silence_end: 0.25 | silence_duration: 0.25\n"
        "[silencedetect @ 0x1] silence_start: 9.5\n"
        "[Parsed_ebur128_0 @ 0x2] Summary:\n\n  Integrated loudness:\n    I:         -14.2 LUFS\n"
        "    Threshold: -24.2 LUFS\n\n  True peak:\n    Peak:        0.4 dBFS\n"
        "[Parsed_astats_2 @ 0x3] Overall\n[Parsed_astats_2 @ 0x3] Number of samples: 480000\n"
    )
    result = parse_log(log, silence_threshold_db=-50)
    assert (result.cue_in_ms, result.cue_out_ms, result.decoded_length_ms) == (250, 9500, 10000)
    assert (result.loudness_lufs, result.true_peak_dbtp) == (-14.2, 0.4)


def test_too_short_to_gate_has_no_loudness(audio_dir):
    path = make_audio(audio_dir / "blip.flac", seconds=0.3)
    result = analyze_file(path, silence_threshold_db=THRESHOLD_DB)
    assert result.loudness_lufs is None
    assert result.decoded_length_ms == 300


# --- the library pass ---------------------------------------------------------------------

def _add_track(conn, path: Path, *, status: str = "ok") -> None:
    """A tracks row as a scan leaves it, with the format its name promises (the analysis reads the
    file as that format; a corrupt file that claims to be 'ok' then fails in ffmpeg)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
    stat = path.stat() if path.exists() else None
    conn.execute(
        "INSERT INTO tracks (path, size, mtime_ns, content_hash, status, format, scanned_at_ms)"
        " VALUES (?, ?, ?, ?, ?, ?, 0)",
        (str(path), stat.st_size if stat else 0, stat.st_mtime_ns if stat else 0, digest, status,
         format_for_name(path)))


@pytest.fixture(scope="module")
def library_files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("analyze-library")
    files = {
        "a": make_audio(d / "a.mp3", seconds=2.0, tone_from=0.5),
        "b": make_audio(d / "b.ogg", seconds=3.0, freq=440, amplitude=0.1),
        "c": make_audio(d / "c.flac", seconds=2.5, tone_to=2.0, amplitude=0.6),
        "d": make_audio(d / "d.wav", seconds=1.5, freq=220),
    }
    (d / "copies").mkdir()
    files["a-copy"] = d / "copies" / "a.mp3"
    files["a-copy"].write_bytes(files["a"].read_bytes())
    files["corrupt"] = d / "corrupt.mp3"
    files["corrupt"].write_text("not audio at all\n" * 100)
    files["unplayable"] = d / "unplayable.flac"            # status 'error' in the scan: never analysed
    files["unplayable"].write_bytes(b"\0" * 64)
    return files


def _library_db(path: Path, files: dict[str, Path]):
    conn = open_db(path)
    for name, file in files.items():
        _add_track(conn, file, status="error" if name == "unplayable" else "ok")
    return conn


def _rows(conn) -> dict:
    return {row["content_hash"]: tuple(row)[1:7] for row in conn.execute("SELECT * FROM analysis")}


def test_analyze_library_measures_each_content_once_and_records_failures(tmp_path, library_files):
    conn = _library_db(tmp_path / "radiod.db", library_files)
    clock = FakeClock(datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc))
    calls: list[tuple[int, int]] = []
    summary = analyze_library(conn, workers=2, silence_threshold_db=THRESHOLD_DB,
                              progress=lambda done, total: calls.append((done, total)), clock=clock)
    # a, b, c, d and the corrupt file; the copy of a shares a's hash; 'unplayable' is skipped
    assert (summary.analyzed, summary.failed, summary.cached) == (5, 1, 0)
    assert calls[0] == (0, 5) and calls[-1] == (5, 5) and len(calls) == 6
    assert summary.errors[0][0] == str(library_files["corrupt"])
    assert summary.errors[0][1].startswith("cannot decode")

    rows = {r["content_hash"]: r for r in conn.execute("SELECT * FROM analysis")}
    assert len(rows) == 5
    hash_of = {name: hashlib.sha256(p.read_bytes()).hexdigest() for name, p in library_files.items()}
    a = rows[hash_of["a"]]
    assert a["cue_in_ms"] == pytest.approx(500, abs=30)
    assert a["decoded_length_ms"] == 2000 and a["error"] is None
    assert a["analyzed_at_ms"] == to_ms(clock.now())
    assert rows[hash_of["c"]]["cue_out_ms"] == pytest.approx(2000, abs=30)
    assert rows[hash_of["b"]]["loudness_lufs"] < rows[hash_of["c"]]["loudness_lufs"] - 10
    bad = rows[hash_of["corrupt"]]
    assert bad["error"].startswith("cannot decode") and bad["loudness_lufs"] is None
    assert hash_of["unplayable"] not in rows


def test_second_run_analyses_nothing_and_new_content_only_is_measured(tmp_path, library_files):
    conn = _library_db(tmp_path / "radiod.db", library_files)
    analyze_library(conn, workers=2, silence_threshold_db=THRESHOLD_DB, clock=CLOCK)
    before = _rows(conn)
    again = analyze_library(conn, workers=2, silence_threshold_db=THRESHOLD_DB, clock=CLOCK)
    assert (again.analyzed, again.failed, again.cached) == (0, 0, 6)
    assert _rows(conn) == before

    # a moved file keeps its analysis; a new content is the only thing measured
    conn.execute("UPDATE tracks SET path = ? WHERE path = ?",
                 (str(tmp_path / "moved.mp3"), str(library_files["a"])))
    extra = make_audio(tmp_path / "new.flac", seconds=1.0)
    _add_track(conn, extra)
    third = analyze_library(conn, workers=2, silence_threshold_db=THRESHOLD_DB, clock=CLOCK)
    assert (third.analyzed, third.failed) == (1, 0)


def test_parallel_run_equals_serial_run(tmp_path, library_files):
    serial = _library_db(tmp_path / "serial.db", library_files)
    parallel = _library_db(tmp_path / "parallel.db", library_files)
    s = analyze_library(serial, workers=1, silence_threshold_db=THRESHOLD_DB, clock=CLOCK)
    p = analyze_library(parallel, workers=0, silence_threshold_db=THRESHOLD_DB, clock=CLOCK)
    assert (s.analyzed, s.failed, s.errors) == (p.analyzed, p.failed, p.errors)
    assert _rows(serial) == _rows(parallel)
    assert len(_rows(serial)) == 5


def test_empty_library_reports_zero_progress(tmp_path):
    conn = open_db(tmp_path / "radiod.db")
    calls = []
    summary = analyze_library(conn, workers=0, silence_threshold_db=THRESHOLD_DB, clock=CLOCK,
                              progress=lambda d, t: calls.append((d, t)))
    assert (summary.analyzed, summary.cached, calls) == (0, 0, [(0, 0)])


def test_a_vanished_file_is_reported_but_not_cached(tmp_path):
    path = make_audio(tmp_path / "soon-gone.flac", seconds=1.0)
    kept = tmp_path / "kept.flac"
    kept.write_bytes(path.read_bytes())
    conn = open_db(tmp_path / "radiod.db")
    _add_track(conn, path)
    path.unlink()                                   # gone between the scan and the analysis
    summary = analyze_library(conn, workers=1, silence_threshold_db=THRESHOLD_DB, clock=CLOCK)
    assert (summary.analyzed, summary.failed) == (1, 1)
    assert summary.errors[0][1].startswith("cannot decode: No such file")
    assert conn.execute("SELECT COUNT(*) FROM analysis").fetchone()[0] == 0
    kept.rename(path)                               # back again: measured this time
    again = analyze_library(conn, workers=1, silence_threshold_db=THRESHOLD_DB, clock=CLOCK)
    assert (again.analyzed, again.failed) == (1, 0)
    assert conn.execute("SELECT decoded_length_ms FROM analysis").fetchone()[0] == 1000


def test_missing_ffmpeg_stops_the_run_with_one_line_and_stores_nothing(tmp_path, monkeypatch, library_files):
    import radiod.library.analyze as analyze

    conn = _library_db(tmp_path / "radiod.db", library_files)
    monkeypatch.setattr(analyze, "FFMPEG", "ffmpeg-not-installed-here")
    with pytest.raises(MediaError, match="^ffmpeg-not-installed-here not found: audio analysis needs ffmpeg"):
        analyze_library(conn, workers=2, silence_threshold_db=THRESHOLD_DB, clock=CLOCK)
    with pytest.raises(AnalysisError, match="not found") as info:
        analyze_file(library_files["a"], silence_threshold_db=THRESHOLD_DB)
    assert info.value.about_content is False
    assert conn.execute("SELECT COUNT(*) FROM analysis").fetchone()[0] == 0


def test_a_stuck_ffmpeg_is_reported_and_retried_next_time(tmp_path, monkeypatch):
    import radiod.library.analyze as analyze

    path = make_audio(tmp_path / "slow.flac", seconds=2.0)
    conn = open_db(tmp_path / "radiod.db")
    _add_track(conn, path)
    monkeypatch.setattr(analyze, "TIMEOUT_MS", 1)
    summary = analyze_library(conn, workers=1, silence_threshold_db=THRESHOLD_DB, clock=CLOCK)
    assert summary.failed == 1 and "did not finish" in summary.errors[0][1]
    assert conn.execute("SELECT COUNT(*) FROM analysis").fetchone()[0] == 0
    monkeypatch.setattr(analyze, "TIMEOUT_MS", 900_000)
    assert analyze_library(conn, workers=1, silence_threshold_db=THRESHOLD_DB, clock=CLOCK).failed == 0
