"""`radiod run` (real libVLC into a private null sink, the logger recording, a real Liquidsoap
streaming HLS and an Icecast mount) airs a show of distinct tones twice — the second time killed -9
in the middle, Liquidsoap with it — and its worker cuts both episodes by itself: each episode is the
logger's audio between the play log's boundaries (edges within 50 ms, read from the decoded MP3),
its chapters are the show's items, the crash is one gap. Liquidsoap ran through both airings (its
HLS segments, decoded, hold the show's items in order). Then two shortened shows air back to back,
one with ``on_demand_music = "clips"`` and one with ``"none"``: their episodes, decoded, hold the
excerpts and the talk only."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import timezone
from pathlib import Path

import feedparser
import pytest

from radiod.app.daylogs import save_log
from radiod.clock import from_ms
from radiod.logger.extract import extract_span
from radiod.schedule.log import LogItem

from audio_capture import private_pulse
from icecast_server import icecast_server
from schedule.helpers import write_schedule
from tests.playout.contract import make_tone
from tests.playout.daemon_station import Daemon, rows, wait_for, wall_ms

from tests.streams.tones import decode as decode_mono
from tests.streams.tones import is_in_order, sequence

from .air_chain import ChainWatch, covered_ms
from .audio import RATE, decode, rms, runs, tones

# (name, Hz, ms, usage); the show is every item but the first and the last
SHOW = [("talk 1", 330, 5000, "talk"), ("song 1", 880, 6000, "feature"), ("talk 2", 1100, 5000, "talk"),
        ("song 2", 1320, 6000, "feature"), ("talk 3", 660, 5000, "talk"), ("song 3", 990, 6000, "feature")]
BEFORE, AFTER = ("before", 440, 5000, "feature"), ("after", 554, 5000, "feature")
HZ = sorted({hz for _, hz, _, _ in [*SHOW, BEFORE, AFTER]})
CYCLE = [BEFORE, *SHOW, AFTER]
CYCLE_MS = sum(ms for _, _, ms, _ in CYCLE)
# The third hour of the log: two shows back to back, one per restricted right.
CLIPS, TALKS = SHOW[:3], [SHOW[4], SHOW[3], SHOW[0]]
RIGHTS_CYCLE = [*CLIPS, *TALKS, AFTER]       # right after the second airing's "after"
CLIP_MS, FADE_MS = 3000, 1000
TONE_OF = {name: float(hz) for name, hz, _, _ in CYCLE}
SHOWS = ('[show.tones]\ntitle = "Tone Show"\nkind = "rotation"\nclock = "main"\narchive = true\n'
         'keep_days = "forever"\non_demand_music = "full"\ndescription = "Tones, live."\n'
         '[show.clips]\ntitle = "Clip Show"\nkind = "rotation"\nclock = "main"\narchive = true\n'
         'on_demand_music = "clips"\n'
         '[show.talks]\ntitle = "Talk Show"\nkind = "rotation"\nclock = "main"\narchive = true\n'
         'on_demand_music = "none"\n'
         '[show.music]\nkind = "rotation"\nclock = "main"\n')
MOUNT = "/episodes.mp3"
LIQUIDSOAP_START_MS = 10_000     # from its spawn to its mount and HLS, with room for a loaded machine
TITLES = {"": "", "tones": "Tone Show", "clips": "Clip Show", "talks": "Talk Show"}


def station_of(root: Path, icecast_url: str) -> tuple[Path, int]:
    station = root / "station"
    media = station / "media"
    media.mkdir(parents=True)
    write_schedule(station / "schedules", shows=SHOWS)
    (station / "radiod.toml").write_text(
        '[station]\nname = "Test FM"\ntimezone = "UTC"\n'
        '[playout]\nengine = "vlc"\noutput = "pulse:radio"\npreroll_ms = 2000\nfade_out_ms = 300\n'
        '[library]\nrescan_minutes = 0\n'
        f'[logger]\nenabled = true\nfolder = "{station / "logger"}"\nformat = "flac"\n'
        '[episodes]\nsettle_seconds = 3\npoll_seconds = 2\nformats = ["mp3"]\n'
        f'clip_seconds = {CLIP_MS / 1000}\nclip_fade_seconds = {FADE_MS / 1000}\n'
        'public_url = "https://radio.example.org"\n[web]\nport = 21401\n'
        # the air chain: Liquidsoap encodes the air for HLS and an Icecast mount all along
        f'[streams]\nicecast = ["icecast://source:srcpw@{icecast_url.split("//", 1)[1]}{MOUNT}?bitrate=64"]\n'
        'hls_bitrates = [64]\nhls_segment_seconds = 2\nhls_segments = 10\n')
    files = {name: make_tone(media / f"{hz}.wav", ms, hz) for name, hz, ms, _ in CYCLE}
    start = wall_ms() + 6000             # the daemon starts Liquidsoap and libVLC in this lead
    items, t = [], start
    for cycle in (CYCLE, CYCLE, RIGHTS_CYCLE):
        for n, (name, hz, ms, usage) in enumerate(cycle):
            show_id = ("" if n in (0, len(cycle) - 1) else "tones") if cycle is CYCLE else \
                "" if n == len(cycle) - 1 else "clips" if n < len(CLIPS) else "talks"
            items.append(LogItem(start=from_ms(t), length_ms=ms, kind="music", source="rotation", usage=usage,
                                 path=str(files[name]), cue_out_ms=ms, title=name, artist="Tone",
                                 track_id=None, show=TITLES[show_id], show_id=show_id))
            t += ms
    for day in sorted({i.start.astimezone(timezone.utc).date() for i in items}):
        save_log(station / "state" / "logs" / f"{day.isoformat()}.json", day,
                 [i for i in items if i.start.astimezone(timezone.utc).date() == day])
    return station, start


def episodes(station: Path) -> list[dict]:
    db = station / "radiod.db"
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM episodes ORDER BY id")]
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def ready(station: Path, n: int, show_id: str | None = None) -> list[dict]:
    found = [e for e in episodes(station) if e["status"] in ("ready", "failed")
             and show_id in (None, e["show_id"])]
    return found if len(found) >= n else []


def edges_ms(pcm) -> list[tuple[float | None, float, float]]:
    return runs(tones(pcm, HZ))


@pytest.mark.slow
def test_each_airing_becomes_an_episode_cut_at_the_play_logs_boundaries(tmp_path):
    with icecast_server(tmp_path) as icecast, private_pulse(tmp_path):
        station, start = station_of(tmp_path, icecast.url)
        daemons = [Daemon(station, tmp_path / "daemon.log")]
        watch = ChainWatch(pid=lambda: daemons[-1].proc.pid, playlist=station / "state" / "hls" / "live-64.m3u8",
                           icecast_url=icecast.url, mount=MOUNT)
        try:
            # The second airing: kill -9 inside its second item (Liquidsoap dies with the daemon's
            # process group, as under systemd), start again. Timed from the play log, not the plan:
            # a daemon slow to start on a loaded machine plays its items late.
            second = wait_for(lambda: [r for r in rows(station) if r["show_id"] == "tones" and r["title"] == SHOW[0][0]
                                       and r["started_at_ms"] > start + CYCLE_MS / 2],
                              timeout_s=CYCLE_MS / 1000 + 60, what="the second airing")[0]["started_at_ms"]
            time.sleep(max(0.0, (second + SHOW[0][2] + 2500 - wall_ms()) / 1000))
            daemons[-1].kill9()
            time.sleep(1.0)
            daemons.append(Daemon(station, tmp_path / "daemon.log"))
            wait_for(lambda: ready(station, 4), timeout_s=2 * CYCLE_MS / 1000 + 90, what="all four episodes")
        finally:
            watch.stop()
            assert daemons[-1].terminate() == 0, daemons[-1].log()[-3000:]
    log_text = daemons[-1].log()
    assert "Traceback" not in log_text and "srcpw" not in log_text, log_text[-3000:]
    # Said with any failure below: in this mode (seen on a loaded machine) the play log and the
    # logger's times have disagreed by up to seconds, which no episode check can survive.
    clock = ("; NB the output clock fell back to the system clock in this run (see the daemon log)"
             if "start marker never came back" in log_text else "")
    assert log_text.count("streams on: icecast://127.0.0.1") == 2, log_text[-3000:]
    first, crashed = ready(station, 2, "tones")[:2]
    assert first["status"] == crashed["status"] == "ready", (first["detail"], crashed["detail"])
    plays = [r for r in rows(station) if r["show_id"] == "tones"]
    logger = station / "logger"
    public = station / "episodes" / "public"
    report = []

    for episode in (first, crashed):
        mine = [r for r in plays if episode["aired_from_ms"] <= r["started_at_ms"] < episode["aired_to_ms"]]
        # The boundaries are the play log's: the first row's start, the last row's end.
        assert episode["aired_from_ms"] == mine[0]["started_at_ms"]
        assert episode["aired_to_ms"] == mine[-1]["ended_at_ms"]
        (audio,) = json.loads(episode["files"])
        pcm = decode(public / audio["name"])
        assert audio["bytes"] == (public / audio["name"]).stat().st_size
        found = [run for run in edges_ms(pcm) if run[2] - run[1] >= 60]
        gaps = json.loads(episode["gaps"])
        # Against the logger: what it holds between the boundaries, each aired stretch in turn.
        stretches, cursor = [], episode["aired_from_ms"]
        for g in gaps:
            stretches.append((cursor, g["from_ms"]))
            cursor = g["to_ms"]
        stretches.append((cursor, episode["aired_to_ms"]))
        expected, at = [], 0.0
        for n, (a, b) in enumerate(stretches):
            wav = tmp_path / f"logger-{episode['id']}-{n}.wav"
            extract_span(logger, a * 1000, b * 1000, wav)
            for tone, x, y in edges_ms(decode(wav)):
                if y - x < 60:
                    continue                # a block straddling the stretch's edge reads as any tone
                if expected and expected[-1][0] == tone:
                    expected[-1] = (tone, expected[-1][1], at + y)
                else:
                    expected.append((tone, at + x, at + y))
            at += b - a
        assert [t for t, _, _ in found] == [t for t, _, _ in expected], (found, expected, clock)
        worst = max(max(abs(fa - ea), abs(fb - eb)) for (_, fa, fb), (_, ea, eb) in zip(found, expected))
        # ... and the episode starts and ends with the show: no tone of the items around it.
        assert found[0][0] == SHOW[0][1] and found[-1][0] == SHOW[-1][1], (found, clock)
        assert abs(len(pcm) * 1000 / RATE - sum(b - a for a, b in stretches)) <= 50
        assert worst <= 50, (found, expected, clock)
        # Chapters: the show's items, in order, where each one's tone begins in the episode.
        chapters = json.loads(episode["chapters"])
        assert [c["title"] for c in chapters] == [r["title"] for r in mine]
        for c in chapters:
            tone = dict((name, hz) for name, hz, _, _ in SHOW)[c["title"]]
            starts = [x for t, x, _ in found if t == tone]
            assert starts and min(abs(x - c["at_ms"]) for x in starts) <= 50, (c, found)
        report.append(f"episode {episode['id']}: {len(pcm) / RATE:.2f} s, edges within {worst:.0f} ms of the "
                      f"logger, {len(chapters)} chapters, {len(gaps)} gap(s) "
                      + ", ".join(f"{g['missing_ms']} ms at {g['at_ms']} ms" for g in gaps))
        report += streamed_through(watch, stretches, mine, tmp_path / f"hls-{episode['id']}.ts")

    assert json.loads(first["gaps"]) == []
    (gap,) = json.loads(crashed["gaps"])
    assert gap["missing_ms"] > 500                       # the restart took that long
    # The podcast feed lists both, as a podcast client reads it.
    feed = feedparser.parse((public / "tones" / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert len(feed.entries) == 2 and {e.id for e in feed.entries} == {
        f"radiod:TestFM:tones:{e['aired_from_ms']}" for e in (first, crashed)}
    chapters_doc = json.loads((public / json.loads(crashed["files"])[0]["name"].replace(".mp3", ".chapters.json"))
                              .read_text())
    assert any("Not on air here" in c["title"] for c in chapters_doc["chapters"])
    for show_id in ("clips", "talks"):
        (episode,) = ready(station, 1, show_id)
        report.append(check_rights(episode, [r for r in rows(station) if r["show_id"] == show_id], public, clock))
    print("\n" + "\n".join(report))


def streamed_through(watch: ChainWatch, stretches: list[tuple[int, int]], mine: list[dict], joined: Path) -> list[str]:
    """Liquidsoap ran through every aired stretch (a new one after the crash), HLS segments were
    written all along it, the Icecast mount was up, and the HLS stream, decoded, holds the items
    that aired in the stretch in the play log's order."""
    report, pids, old_sources = [], [], {""}
    for n, (a, b) in enumerate(stretches):
        # The daemon starts Liquidsoap before its playout, so one is there all along each stretch.
        samples = watch.between(a, b)
        assert samples and all(s.liquidsoap for s in samples), [s for s in samples if not s.liquidsoap][:3]
        pids.append({p for s in samples for p in s.liquidsoap})
        spawned = min(s.at_ms for s in watch.samples if set(s.liquidsoap) & pids[-1])
        # After the restart the new Liquidsoap takes a while to take in air and to connect (its
        # start-up, measured 2–9 s under load); before the kill, the segment it had open died with it.
        settle = 0 if n == 0 else max(0, spawned + LIQUIDSOAP_START_MS - a)
        lost = 0 if n == len(stretches) - 1 else 2500
        later = watch.between(a + settle, b)
        assert later, (n, a, b, settle)
        # the mount held by this Liquidsoap, not the one before the kill that Icecast still lists
        up = sum(s.mount_source not in old_sources for s in later) / len(later)
        mounted = min((s.at_ms for s in watch.samples if s.at_ms >= spawned and s.mount_source not in old_sources),
                      default=b)
        old_sources |= {s.mount_source for s in later}
        segments = watch.hls_between(a - 2000, b)
        assert segments, f"no HLS segment heard in {a}..{b}"
        covered = covered_ms(segments, a + settle, b - lost)
        joined.write_bytes(b"".join(s.data for s in segments))
        heard = sequence(decode_mono(joined), TONE_OF)
        # the items with a second or more on air in the part of the stretch HLS must hold
        here = [r["title"] for r in mine
                if min(r["ended_at_ms"], b - lost) - max(r["started_at_ms"], a + settle) >= 1000]
        began = ""
        if n:                               # how soon the new Liquidsoap was there, and its outputs
            began = (f" (from its start: Liquidsoap seen {(spawned - a) / 1000:+.1f} s, its mount up "
                     f"{(mounted - a) / 1000:+.1f} s, its first HLS segment heard "
                     f"{(segments[0].heard_ms - a) / 1000:+.1f} s)")
        report.append(f"  stretch {n}{began}: {(b - a) / 1000:.1f} s aired; Liquidsoap {sorted(pids[-1])} in all "
                      f"{len(samples)} samples; Icecast mount up in {up:.0%} from +{settle / 1000:.1f} s; HLS "
                      f"covers {covered / 1000:.1f} s of {(b - a - settle - lost) / 1000:.1f} s; HLS heard {heard}")
        assert up >= 0.9, report[-1]
        assert covered >= 0.9 * (b - a - settle - lost), report[-1]
        assert here and is_in_order(here, heard), (here, heard)
    # one Liquidsoap per daemon: the restart started a new one
    assert all(len(p) == 1 for p in pids) and len({frozenset(p) for p in pids}) == len(pids), pids
    return report


def check_rights(episode: dict, mine: list[dict], public: Path, clock: str) -> str:
    """A ``clips`` or ``none`` episode, decoded: each music item cut to its excerpt (faded out) or
    left out, the talk whole, at the positions the play log gives (within 50 ms)."""
    assert episode["status"] == "ready", episode["detail"]
    rights = {"clips": "clips", "talks": "none"}[episode["show_id"]]
    assert episode["rights"] == rights
    assert episode["aired_from_ms"] == mine[0]["started_at_ms"] and episode["aired_to_ms"] == mine[-1]["ended_at_ms"]
    (audio,) = json.loads(episode["files"])
    pcm = decode(public / audio["name"])
    found = [run for run in edges_ms(pcm) if run[2] - run[1] >= 60]
    # What the episode should hold, from the play log: each item runs until the next one starts.
    expected: list[tuple[float, float, float]] = []
    at, clip_ends = 0.0, []
    for r, nxt in zip(mine, [*mine[1:], None]):
        length = (nxt["started_at_ms"] if nxt else r["ended_at_ms"]) - r["started_at_ms"]
        music = r["usage"] == "feature"
        kept = 0 if music and rights == "none" else min(length, CLIP_MS) if music else length
        if kept:
            tone = TONE_OF[r["title"]]
            if expected and expected[-1][0] == tone:
                expected[-1] = (tone, expected[-1][1], at + kept)
            else:
                expected.append((tone, at, at + kept))
            if music:
                clip_ends.append(at + kept)
        at += kept
    assert [t for t, _, _ in found] == [t for t, _, _ in expected], (found, expected, clock)
    worst = max(max(abs(fa - ea), abs(fb - eb)) for (_, fa, fb), (_, ea, eb) in zip(found, expected))
    assert worst <= 50, (found, expected, clock)
    assert abs(len(pcm) * 1000 / RATE - at) <= 50, (len(pcm) * 1000 / RATE, at, clock)
    for end in clip_ends:                   # an excerpt fades out, it is not cut
        steady, tail = rms(pcm, end - CLIP_MS + 500, end - FADE_MS - 200), rms(pcm, end - 250, end - 10)
        assert tail < 0.3 * steady, (end, tail, steady)
    chapters = json.loads(episode["chapters"])
    kept_rows = [r for r in mine if rights == "clips" or r["usage"] != "feature"]
    assert [c["title"] for c in chapters] == [r["title"] for r in kept_rows]
    assert [c["clipped"] for c in chapters] == [rights == "clips" and r["usage"] == "feature" for r in kept_rows]
    return (f"{episode['show_id']} ({rights}): {len(pcm) / RATE:.2f} s, {len(found)} runs, edges within "
            f"{worst:.0f} ms of the play log, {len(clip_ends)} excerpt(s) faded")
