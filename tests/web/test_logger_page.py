"""The manager's logger page: the hour files listed, a bounded span downloaded as MP3 whose audio
is that span of the air (tone bursts at known instants, station time)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from radiod.clock import FakeClock
from radiod.config import load_config
from radiod.logger import AirLogger
from radiod_web import create_app
from tests.logger.helpers import RATE, bursts, epoch_ms, feed, onsets, utc

from panel_support import add_users, login, make_station


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = make_station(tmp_path_factory.mktemp("logger") / "station", web='\n[logger]\nenabled = true\n')
    config = load_config(root, env={})
    add_users(config)
    logger = AirLogger(config.logger.folder, fmt="opus", bitrate_kbps=64, keep_days=31,
                       clock=FakeClock(utc(2026, 12, 3, 18, 59)))
    # 13:59:58 … 14:00:03 in Toronto; bursts at 13:59:59, 14:00:00.5 and 14:00:02
    feed(logger, bursts(5 * RATE, [RATE, round(2.5 * RATE), 4 * RATE], RATE // 4), epoch_ms(utc(2026, 12, 3, 18, 59, 58)))
    logger.close()
    app = create_app(config, watch=False)
    yield app
    app.extensions["radiod"].hub.stop()


def client_as(app, role):
    client = app.test_client()
    if role != "anon":
        assert login(client, role).status_code == 302
    return client


def test_the_page_lists_the_hour_files(app):
    page = client_as(app, "boss").get("/manager/logger/").get_data(as_text=True)
    assert "air-2026-12-03T185958Z.opus" in page and "air-2026-12-03T190000Z.opus" in page
    assert "2026-12-03 13:59:58" in page                     # station time


def test_a_manager_downloads_a_span_across_two_files_to_the_sample(app, tmp_path):
    response = client_as(app, "boss").get("/manager/logger/download?from=2026-12-03T13:59:58.500"
                                          "&to=2026-12-03T14:00:02.500")
    assert response.status_code == 200 and response.mimetype == "audio/mpeg"
    assert "attachment" in response.headers["Content-Disposition"]
    path = tmp_path / "span.mp3"
    path.write_bytes(response.get_data())
    raw = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", str(path), "-f", "s16le", "-ar",
                          str(RATE), "-ac", "2", "pipe:1"], capture_output=True, check=True).stdout
    pcm = np.frombuffer(raw, dtype="<i2").reshape(-1, 2)
    assert abs(len(pcm) - 4 * RATE) <= 2
    expected = [round(0.5 * RATE) + 2, 2 * RATE + 2, round(3.5 * RATE) + 2]
    assert max(abs(a - b) for a, b in zip(onsets(pcm), expected)) <= 4, onsets(pcm)
    assert not list((app.extensions["radiod"].config.paths.state / "logger-downloads").iterdir())


@pytest.mark.parametrize("query,status", [
    ("from=2026-12-03T10:00&to=2026-12-03T13:01", 400),            # more than the bound
    ("from=2026-12-03T14:00&to=2026-12-03T13:00", 400),
    ("from=yesterday&to=2026-12-03T13:00", 400),
    ("from=2026-12-04T10:00&to=2026-12-04T11:00", 404),            # nothing recorded then
])
def test_bad_or_unbounded_spans_are_refused(app, query, status):
    assert client_as(app, "boss").get(f"/manager/logger/download?{query}").status_code == status


def test_only_a_manager_may_download(app):
    path = "/manager/logger/download?from=2026-12-03T13:59:58&to=2026-12-03T14:00:01"
    assert client_as(app, "dj1").get(path).status_code == 403
    assert client_as(app, "anon").get(path).status_code == 302
