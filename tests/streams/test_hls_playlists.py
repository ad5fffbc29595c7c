"""HLS playlists from Liquidsoap's segment events: date-times from the heard air, a media sequence that
only grows, and a discontinuity (never a stale segment) after Liquidsoap starts again."""

from __future__ import annotations

from datetime import datetime, timezone

from radiod.streams.hls import ENCODER_LEAD_S, HlsPlaylists
from radiod.streams.outputs import HlsRendition, StreamPlan

PLAN = StreamPlan("Test FM", (), (HlsRendition("aac64", 64), HlsRendition("aac128", 128)), segment_s=2, segments=3)
HEARD_AT_0_MS = 1_796_000_000_000.0          # when the first frame Liquidsoap read was heard


def heard_of(air_s: float) -> float:
    return HEARD_AT_0_MS + air_s * 1000


def segment(hls: HlsPlaylists, n: int, air_s: float, at_s: float, wall_s: float = 2.04) -> None:
    """Segment n: 2.04 s of audio from ``air_s``, its events ``wall_s`` apart."""
    hls.event("opened", at_s, air_s, air_s + 7.0, f"/x/aac64_{n}.ts")
    hls.event("closed", at_s + wall_s, air_s + 2.04, air_s + 9.04, f"/x/aac64_{n}.ts")


def test_each_segment_is_dated_when_its_first_frame_was_heard_and_old_ones_slide_out(tmp_path):
    hls = HlsPlaylists(PLAN, tmp_path, heard_of)
    hls.start()
    assert (tmp_path / "live.m3u8").read_text().splitlines()[2:] == [
        '#EXT-X-STREAM-INF:BANDWIDTH=70400,CODECS="mp4a.40.2"', "live-64.m3u8",
        '#EXT-X-STREAM-INF:BANDWIDTH=140800,CODECS="mp4a.40.2"', "live-128.m3u8"]
    for n in range(5):
        segment(hls, n, 1.8 + n * 2.04, 100.0 + n * 2.04)
    hls.event("opened", 200.0, 20.0, 27.0, "/x/liquidsoap.m3u8")        # Liquidsoap's own files: ignored
    text = (tmp_path / "live-64.m3u8").read_text()
    assert "#EXT-X-MEDIA-SEQUENCE:2" in text and "aac64_1.ts" not in text
    assert [line for line in text.splitlines() if not line.startswith("#")] == ["aac64_2.ts", "aac64_3.ts",
                                                                                 "aac64_4.ts"]
    # aac64_2's first frame: where Liquidsoap's input was when it opened the segment, less the encoder's lead
    first = datetime.fromtimestamp(HEARD_AT_0_MS / 1000 + 1.8 + 2 * 2.04 - ENCODER_LEAD_S, timezone.utc)
    assert f"#EXT-X-PROGRAM-DATE-TIME:{first.isoformat(timespec='milliseconds')}\n#EXTINF:2.040,\naac64_2.ts" in text
    assert "#EXTINF:2.040," in text


def test_after_a_restart_the_reused_names_are_withdrawn_and_marked_discontinuous(tmp_path):
    hls = HlsPlaylists(PLAN, tmp_path, heard_of)
    hls.start()
    for n in range(3):
        segment(hls, n, n * 2.04, 100.0 + n * 2.04)
    hls.restarted()
    assert [ln for ln in (tmp_path / "live-64.m3u8").read_text().splitlines() if not ln.startswith("#")] == []
    for n in range(4):                       # Liquidsoap numbers from 0 again
        segment(hls, n, n * 2.04, 200.0 + n * 2.04)
    text = (tmp_path / "live-64.m3u8").read_text()
    assert "#EXT-X-MEDIA-SEQUENCE:4" in text, "the media sequence went backwards"
    assert "#EXT-X-DISCONTINUITY-SEQUENCE:1" in text and "#EXT-X-DISCONTINUITY\n" not in text
    segment_text = (tmp_path / "live-128.m3u8").read_text()
    assert "#EXT-X-DISCONTINUITY" not in segment_text


def test_the_first_segment_after_a_restart_carries_the_discontinuity(tmp_path):
    hls = HlsPlaylists(PLAN, tmp_path, heard_of)
    hls.start()
    segment(hls, 0, 0.0, 100.0)
    hls.restarted()
    segment(hls, 0, 0.0, 200.0)
    lines = (tmp_path / "live-64.m3u8").read_text().splitlines()
    assert lines[lines.index("#EXT-X-DISCONTINUITY") + 3] == "aac64_0.ts" and "#EXT-X-MEDIA-SEQUENCE:1" in lines


def test_a_segments_duration_is_its_audio_not_the_wall_time_between_its_events(tmp_path):
    hls = HlsPlaylists(PLAN, tmp_path, heard_of)
    hls.start()
    segment(hls, 0, 0.0, 100.0, wall_s=0.31)        # written in a burst: Liquidsoap catching up
    assert "#EXTINF:2.040,\naac64_0.ts" in (tmp_path / "live-64.m3u8").read_text()
