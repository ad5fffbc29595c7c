"""`radiod run` (real libVLC into a private null sink, the logger recording) airs a show of distinct
tones twice — the second time killed -9 in the middle — and its worker cuts both episodes by
itself: each episode is the logger's audio between the play log's boundaries (edges within
50 ms, read from the decoded MP3), its chapters are the show's items, the crash is one gap."""

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
from schedule.helpers import write_schedule
from tests.playout.contract import make_tone
from tests.playout.daemon_station import Daemon, rows, wait_for, wall_ms

from .audio import RATE, decode, runs, tones

# (name, Hz, ms, usage); the show is every item but the first and the last
SHOW = [("talk 1", 330, 5000, "talk"), ("song 1", 880, 6000, "feature"), ("talk 2", 1100, 5000, "talk"),
        ("song 2", 1320, 6000, "feature"), ("talk 3", 660, 5000, "talk"), ("song 3", 990, 6000, "feature")]
BEFORE, AFTER = ("before", 440, 5000, "feature"), ("after", 554, 5000, "feature")
HZ = sorted({hz for _, hz, _, _ in [*SHOW, BEFORE, AFTER]})
CYCLE = [BEFORE, *SHOW, AFTER]
CYCLE_MS = sum(ms for _, _, ms, _ in CYCLE)
SHOWS = ('[show.tones]\ntitle = "Tone Show"\nkind = "rotation"\nclock = "main"\narchive = true\n'
         'keep_days = "forever"\non_demand_music = "full"\ndescription = "Tones, live."\n'
         '[show.music]\nkind = "rotation"\nclock = "main"\n')


def station_of(root: Path) -> tuple[Path, int]:
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
        'public_url = "https://radio.example.org"\n[web]\nport = 21401\n')
    files = {name: make_tone(media / f"{hz}.wav", ms, hz) for name, hz, ms, _ in CYCLE}
    start = wall_ms() + 3000
    items, t = [], start
    for _ in range(3):
        for name, hz, ms, usage in CYCLE:
            in_show = (name, hz, ms, usage) in SHOW
            items.append(LogItem(start=from_ms(t), length_ms=ms, kind="music", source="rotation", usage=usage,
                                 path=str(files[name]), cue_out_ms=ms, title=name, artist="Tone",
                                 track_id=None, show="Tone Show" if in_show else "",
                                 show_id="tones" if in_show else ""))
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


def ready(station: Path, n: int) -> list[dict]:
    found = [e for e in episodes(station) if e["status"] in ("ready", "failed")]
    return found if len(found) >= n else []


def edges_ms(pcm) -> list[tuple[float | None, float, float]]:
    return runs(tones(pcm, HZ))


@pytest.mark.slow
def test_each_airing_becomes_an_episode_cut_at_the_play_logs_boundaries(tmp_path):
    station, start = station_of(tmp_path)
    with private_pulse(tmp_path):
        daemon = Daemon(station, tmp_path / "daemon.log")
        try:
            wait_for(lambda: ready(station, 1), timeout_s=CYCLE_MS / 1000 + 60, what="the first episode")
            # The second airing: kill -9 inside its second item, start again.
            second = start + CYCLE_MS + BEFORE[2]
            time.sleep(max(0.0, (second + SHOW[0][2] + 2500 - wall_ms()) / 1000))
            daemon.kill9()
            time.sleep(1.0)
            daemon = Daemon(station, tmp_path / "daemon.log")
            wait_for(lambda: ready(station, 2), timeout_s=CYCLE_MS / 1000 + 90, what="the second episode")
        finally:
            assert daemon.terminate() == 0, daemon.log()[-3000:]
    log_text = daemon.log()
    assert "Traceback" not in log_text, log_text[-3000:]
    first, crashed = ready(station, 2)[:2]
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
        assert [t for t, _, _ in found] == [t for t, _, _ in expected], (found, expected)
        worst = max(max(abs(fa - ea), abs(fb - eb)) for (_, fa, fb), (_, ea, eb) in zip(found, expected))
        # ... and the episode starts and ends with the show: no tone of the items around it.
        assert found[0][0] == SHOW[0][1] and found[-1][0] == SHOW[-1][1], found
        assert abs(len(pcm) * 1000 / RATE - sum(b - a for a, b in stretches)) <= 50
        assert worst <= 50, (found, expected)
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
    print("\n" + "\n".join(report))
