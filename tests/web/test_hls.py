"""The live HLS stream served by `radiod web`: the encoder's playlists and segments only, with the types
players need, to anyone and any origin; nothing else in the state folder is reachable."""

from __future__ import annotations

import os

import pytest

from radiod.streams import hls_dir
from radiod_web import create_app

SECRET = "the state folder's own file: never served"


@pytest.fixture
def client(config):
    folder = hls_dir(config.paths.state)
    folder.mkdir(parents=True)
    (folder / "live.m3u8").write_text("#EXTM3U\nlive-64.m3u8\n")
    (folder / "live-64.m3u8").write_text("#EXTM3U\n#EXT-X-PROGRAM-DATE-TIME:2026-12-02T11:15:51.766+00:00\n")
    (folder / "aac64_7.ts").write_bytes(b"G" + bytes(187))
    (folder / "liquidsoap-state.json").write_text("{}")
    (config.paths.state / "web-secret-copy").write_text(SECRET)
    os.symlink(config.paths.state / "web-secret-copy", folder / "aac64_8.ts")
    app = create_app(config, watch=False)
    yield app.test_client()
    app.extensions["radiod"].hub.stop()


def test_playlists_and_segments_are_served_with_their_types_and_caching(client):
    master = client.get("/hls/live.m3u8", headers={"Origin": "https://elsewhere.example"})
    assert master.status_code == 200 and master.mimetype == "application/vnd.apple.mpegurl"
    assert master.headers["Cache-Control"] == "public, max-age=1" and master.headers["Access-Control-Allow-Origin"] == "*"
    media = client.get("/hls/live-64.m3u8")
    assert b"EXT-X-PROGRAM-DATE-TIME" in media.data
    segment = client.get("/hls/aac64_7.ts")
    assert segment.status_code == 200 and segment.mimetype == "video/mp2t" and segment.data[:1] == b"G"
    assert "max-age=60" in segment.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["/hls/liquidsoap-state.json", "/hls/aac64_8.ts", "/hls/..%2Fweb-secret-copy",
                                  "/hls/../web-secret", "/hls/aac64_9.ts", "/hls/live-64.m3u8%00"])
def test_nothing_else_is_reachable(client, path):
    response = client.get(path)
    assert response.status_code == 404 and SECRET.encode() not in response.data
