"""A file dressed as an MP3 that holds an HLS playlist or a concat script naming another file (another
DJ's unaired show): refused at upload with one line, an error row in the library, never analysed as
that file and never decoded into the air. Genuine files of every format, and awkward names, still work.

Everything runs the real ffmpeg on real files; the crafted files are checked to be real attacks
(a probing ffmpeg does decode the other show through them).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import wave
from datetime import datetime, timezone
from pathlib import Path

import pytest

from radiod.clock import FakeClock
from radiod.errors import MediaError
from radiod.library.analyze import AnalysisError, analyze_file, analyze_library
from radiod.library.ffmpeg import input_args, input_url
from radiod.library.scan import scan_library
from radiod.library.tags import detect_format
from radiod.playout.output import RATE
from radiod.playout.pcm_cache import decode
from radiod.playout.port import Cue
from radiod.store import open_db
from radiod.uploads import UploadError, Uploads
from tests.library.hostile import VARIANTS, crafted, id3_before, mp3_after_padding, write_crafted
from tests.library.samples import FORMATS

CLOCK = FakeClock(datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc))   # when scans and analyses ran

THRESHOLD_DB = -50.0
TARGET_MS = 34_000
NAMES = ("show.mp3", "-i.mp3", "a:b.mp3")       # a leading dash, a colon: never an option or protocol
REFUSED = "not an audio file (its ID3 tag is followed by text ("


@pytest.fixture(scope="module")
def unaired(tmp_path_factory) -> bytes:
    """The bytes of another DJ's unaired show: 34 s of 660 Hz the crafted files try to air."""
    path = tmp_path_factory.mktemp("unaired") / "unaired.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=660:duration={TARGET_MS / 1000}",
                    "-ac", "1", "-ar", "22050", "-b:a", "32k", str(path)], check=True)
    return path.read_bytes()


def place(unaired: bytes, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(unaired)
    return path


def decoded_ms(args: list[str]) -> tuple[int, str]:
    """(ms of audio, stderr at info level) of an ffmpeg decode to PCM with these input arguments."""
    done = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "info", *args, "-f", "s16le",
                           "-ac", "1", "-ar", "8000", "-"], capture_output=True)
    return len(done.stdout) // 2 * 1000 // 8000, done.stderr.decode(errors="replace")


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_probing_ffmpeg_airs_the_other_file_but_radiods_input_arguments_never_open_it(tmp_path, unaired, variant):
    target = place(unaired, tmp_path / "late" / "unaired.mp3")
    crafted = write_crafted(variant, tmp_path / "late" / "night.mp3", target)
    probed_ms, _ = decoded_ms(["-i", input_url(crafted)])
    assert abs(probed_ms - TARGET_MS) < 200, "the crafted file is a real attack on a probing ffmpeg"
    # Even if a crafted file were taken for an MP3, ffmpeg reads it as one: the fake frames only.
    forced_ms, log = decoded_ms(input_args(crafted, "mp3"))
    assert forced_ms < 1000
    assert str(target) not in log and "Opening" not in log, "ffmpeg never opens the other file"


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_crafted_upload_is_refused_with_one_line_and_leaves_nothing(tmp_path, unaired, variant):
    uploads = Uploads(tmp_path / "uploads", tmp_path / "state" / "uploads-partial", limit_bytes=2**30)
    uploads.partial_dir.mkdir(parents=True)
    # the concat demuxer reads only files beside the script: there, another upload in progress
    target = place(unaired, (uploads.partial_dir if variant == "concat" else uploads.uploads_dir / "late")
                   / "unaired.mp3")
    # the bytes name the target relative to where the server keeps them (uploads-partial)
    data = crafted(variant, uploads.partial_dir / "upload.part", target)
    p = uploads.create(show="night", user="dj1", name="Night Owls.mp3", size=len(data), now_ms=0)
    assert uploads.receive(p, 0, io.BytesIO(data)) == len(data)
    with pytest.raises(UploadError) as refused:
        uploads.finish(p, slot_ms=None, tolerance_ms=0, silence_threshold_db=THRESHOLD_DB)
    message = str(refused.value)
    assert message.startswith(f"Night Owls.mp3: {REFUSED}'") and "\n" not in message, message
    assert ("#EXTM3U" if variant.startswith("hls") else "ffconcat") in message
    assert not (uploads.uploads_dir / "night").exists(), "nothing was filed under the show"
    assert not p.path.exists() and uploads.get(p.id) is None, "the refused bytes are gone"
    assert target.read_bytes() == unaired


def test_crafted_files_in_a_media_folder_become_error_rows_and_are_never_analysed(tmp_path, unaired):
    media = tmp_path / "media"
    target = place(unaired, media / "unaired.mp3")
    crafted = [write_crafted(variant, media / f"{variant} {name}", target)
               for variant in VARIANTS for name in NAMES]
    conn = open_db(tmp_path / "radiod.db")
    summary = scan_library(conn, [media], clock=CLOCK)
    errors = dict(summary.errors)
    assert sorted(errors) == sorted(map(str, crafted))
    for path in crafted:
        assert errors[str(path)].startswith(REFUSED), errors[str(path)]
    analysed = analyze_library(conn, workers=1, silence_threshold_db=THRESHOLD_DB, clock=CLOCK)
    assert (analysed.analyzed, analysed.failed) == (1, 0), "only the real show is measured"
    [(length_ms,)] = conn.execute("SELECT decoded_length_ms FROM analysis").fetchall()
    assert abs(length_ms - TARGET_MS) < 100


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("variant", VARIANTS)
def test_the_pcm_decode_refuses_a_crafted_file_that_reached_the_library(tmp_path, unaired, variant, name):
    target = place(unaired, tmp_path / "uploads" / "late" / "unaired.mp3")
    crafted = write_crafted(variant, tmp_path / "uploads" / "late" / name, target)
    with pytest.raises(MediaError) as refused:
        decode(Cue("h", str(crafted)), tmp_path / "cache")
    message = str(refused.value)
    assert message.startswith(f"{crafted}: cannot decode: {REFUSED}") and "\n" not in message, message
    assert not (tmp_path / "cache").exists() or list((tmp_path / "cache").iterdir()) == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_analysis_never_measures_the_other_file(tmp_path, unaired, variant):
    target = place(unaired, tmp_path / "late" / "unaired.mp3")
    crafted = write_crafted(variant, tmp_path / "late" / "night.mp3", target)
    with pytest.raises(AnalysisError, match=r"^.*: not an audio file \(its ID3 tag is followed by text"):
        analyze_file(crafted, silence_threshold_db=THRESHOLD_DB)
    # told it is an MP3 (a row scanned before this file was swapped in): only its own fake frames
    try:
        measured = analyze_file(crafted, silence_threshold_db=THRESHOLD_DB, fmt="mp3")
    except AnalysisError:
        return
    assert measured.decoded_length_ms < 1000


# --- genuine files still go through -------------------------------------------------------------

def _upload(tmp_path: Path, source: Path, name: str):
    uploads = Uploads(tmp_path / "uploads", tmp_path / "partial", limit_bytes=2**30)
    p = uploads.create(show="night", user="dj1", name=name, size=source.stat().st_size, now_ms=0)
    with open(source, "rb") as f:
        uploads.receive(p, 0, f)
    return uploads.finish(p, slot_ms=None, tolerance_ms=0, silence_threshold_db=THRESHOLD_DB)


def _frames(path: Path) -> int:
    with wave.open(str(path)) as w:
        return w.getnframes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_genuine_files_of_every_format_upload_analyse_and_decode(tmp_path, media, fmt):
    checked = _upload(tmp_path, media.good[fmt], f"show.{fmt}")
    assert checked.format == fmt
    assert abs(checked.length_ms - 1500) <= 30 and checked.loudness_lufs is not None
    stored = tmp_path / "uploads" / "night" / checked.name
    assert stored.read_bytes() == media.good[fmt].read_bytes()
    got = decode(Cue("h", str(stored)), tmp_path / "cache")
    assert abs(got.frames - 1.5 * RATE) <= 0.03 * RATE and _frames(got.path) == got.frames


def test_an_mp3_with_padding_after_its_tag_and_a_flac_behind_an_id3_tag_still_play(tmp_path, media):
    padded = tmp_path / "padded.mp3"
    padded.write_bytes(mp3_after_padding(media.good["mp3"].read_bytes()))
    tagged_flac = tmp_path / "tagged.flac"
    tagged_flac.write_bytes(id3_before(media.good["flac"].read_bytes()))
    # past the padding ffmpeg misses the encoder-delay note in the first frame: ~41 ms more
    for path, fmt, slack_ms in ((padded, "mp3", 60), (tagged_flac, "flac", 1)):
        assert detect_format(path) == fmt
        assert _upload(tmp_path / path.stem, path, path.name).format == fmt
        assert abs(analyze_file(path, silence_threshold_db=THRESHOLD_DB).decoded_length_ms - 1500) <= slack_ms
        got = decode(Cue("h", str(path)), tmp_path / "cache")
        assert abs(got.frames - 1.5 * RATE) <= slack_ms * RATE / 1000


@pytest.mark.parametrize("name", ["-i.mp3", "a:b.mp3", "concat:x.mp3", "-"])
def test_awkward_names_are_analysed_and_decoded_as_files_also_by_relative_path(tmp_path, media, monkeypatch, name):
    path = tmp_path / "library" / name
    path.parent.mkdir()
    shutil.copyfile(media.good["mp3"], path)
    assert abs(analyze_file(path, silence_threshold_db=THRESHOLD_DB).decoded_length_ms - 1500) <= 30
    monkeypatch.chdir(path.parent)          # a relative path: ffmpeg would read 'a:' as a protocol
    got = decode(Cue("h", name), tmp_path / "cache")
    assert abs(got.frames - 1.5 * RATE) <= 0.03 * RATE
    assert os.path.exists(got.path)
