"""One pass of the episode worker over a real database and real logger files: an ended airing
is cut once; a re-cut with new boundaries replaces the files and keeps the GUID's airing; an
airing the logger never recorded fails with one line and the next pass goes on."""

from __future__ import annotations

import logging
from datetime import timedelta

from radiod.clock import FakeClock
from radiod.config import load_config
from radiod.episodes import get, history, run_once
from radiod.episodes.store import request_recut
from radiod.playlog.store import PlayLog, play_values
from radiod.store import open_db, transaction

from schedule.helpers import write_schedule
from tests.logger.helpers import epoch_ms, feed, make_logger, utc

from .audio import decode, runs, tones
from .test_cut import HZ, SECTIONS, T0, air

SHOWS = ('[show.tones]\ntitle = "Tone Show"\nkind = "rotation"\nclock = "main"\narchive = true\n'
         'on_demand_music = "none"\n[show.music]\nkind = "rotation"\nclock = "main"\n')


def station(tmp_path, *, record: bool = True):
    root = tmp_path / "station"
    write_schedule(root / "schedules", shows=SHOWS)
    (root / "radiod.toml").write_text('[station]\nname = "Test FM"\ntimezone = "UTC"\n'
                                      '[logger]\nenabled = true\nformat = "flac"\n[episodes]\nsettle_seconds = 5\n')
    config = load_config(root, env={})
    if record:
        logger = make_logger(config.logger.folder, FakeClock(utc(2026, 12, 3, 13, 59)), fmt="flac")
        feed(logger, air(), epoch_ms(T0))
        logger.close()
    conn = open_db(config.paths.database)
    log = PlayLog(conn)
    t0 = round(epoch_ms(T0))
    for hz, a, b, music in [*SECTIONS[:-1], (440, 19, 22, True)]:
        show_id = "tones" if b <= 19 else ""          # the last section is the next show's
        values = play_values(started_at_ms=t0 + a * 1000, source="rotation", usage="feature" if music else "talk",
                             show="Tone Show" if show_id else "", show_id=show_id,
                             snapshot={"title": f"{hz} Hz", "artist": "Tone"})
        with transaction(conn):
            play_id = log.insert(values)
        log.close_play(play_id, ended_at_ms=t0 + b * 1000, played_ms=(b - a) * 1000, end_reason="end")
    conn.close()
    return config


def test_an_ended_airing_is_cut_once_and_a_recut_replaces_it(tmp_path):
    config = station(tmp_path)
    clock = FakeClock(T0 + timedelta(seconds=30))
    done = run_once(config, clock)
    assert (done.found, done.cut, done.failed) == (1, 1, 0)
    assert run_once(config, clock).found == 0                       # once
    conn = open_db(config.paths.database)
    try:
        (episode,) = [get(conn, 1)]
        assert episode.status == "ready" and episode.rights == "none"
        assert episode.aired_from_ms == round(epoch_ms(T0)) and episode.aired_to_ms == round(epoch_ms(T0)) + 19_000
        public = config.episodes.folder / "public"
        first = public / episode.files[0].name
        # rights "none": the talk only (330 for 4 s, 770 for 4 s)
        found = [(t, a, b) for t, a, b in runs(tones(decode(first), HZ))]
        assert [t for t, _, _ in found] == [330, 770] and abs(found[-1][2] - 8000) <= 50
        request_recut(conn, episode.id, from_ms=episode.aired_from_ms + 2000, to_ms=episode.aired_to_ms,
                      actor="boss", now_ms=episode.aired_to_ms + 60_000)
    finally:
        conn.close()
    assert run_once(config, clock).cut == 1
    conn = open_db(config.paths.database)
    try:
        again = get(conn, 1)
        assert again.revision == 1 and again.status == "ready" and again.files[0].name != episode.files[0].name
        assert not first.exists()
        found = runs(tones(decode(config.episodes.folder / "public" / again.files[0].name), HZ))
        assert [t for t, _, _ in found] == [330, 770] and abs(found[0][2] - 2000) <= 50
        assert [h.action for h in history(conn, 1)] == ["cut", "recut", "cut"]
    finally:
        conn.close()
    feed_xml = (config.episodes.folder / "public" / "tones" / "feed.xml").read_text()
    assert feed_xml.count("<item>") == 1 and again.files[0].name in feed_xml
    assert f"radiod:TestFM:tones:{episode.aired_from_ms}" in feed_xml            # the same GUID after a re-cut


def test_an_airing_the_logger_never_recorded_fails_with_one_line(tmp_path, caplog):
    config = station(tmp_path, record=False)
    with caplog.at_level(logging.ERROR, logger="radiod.episodes.worker"):
        done = run_once(config, FakeClock(T0 + timedelta(seconds=30)))
    assert (done.found, done.cut, done.failed) == (1, 0, 1)
    (line,) = [r.getMessage() for r in caplog.records]
    assert line.startswith("episodes: tones aired 2026-12-03T13:59:50") and "the logger holds none of it" in line
    conn = open_db(config.paths.database)
    try:
        e = get(conn, 1)
        assert e.status == "failed" and "logger holds none" in e.detail
        assert "<item>" not in (config.episodes.folder / "public" / "tones" / "feed.xml").read_text()
    finally:
        conn.close()


def test_an_episode_deleted_while_it_is_cut_stays_deleted_and_leaves_no_files(tmp_path):
    from radiod.episodes.store import mark_deleted, pending
    from radiod.episodes.worker import cut, find_new
    from radiod.schedule_files import load_schedule

    config = station(tmp_path)
    shows = dict(load_schedule(config.paths.schedules).shows)
    conn = open_db(config.paths.database)
    try:
        now_ms = round(epoch_ms(T0)) + 30_000
        assert find_new(conn, config, shows, now_ms) == 1
        (episode,) = pending(conn)
        mark_deleted(conn, episode.id, actor="boss", now_ms=now_ms)       # the panel, mid-cut
        after = cut(conn, config, episode, shows["tones"], now_ms)
        assert after.status == "deleted" and after.files == ()
        assert not [p for p in config.episodes.folder.rglob("*") if p.is_file() and p.suffix in (".mp3", ".json")]
        assert [h.action for h in history(conn, episode.id)] == ["delete"]
    finally:
        conn.close()
