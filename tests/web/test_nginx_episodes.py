"""The shipped nginx config serves the episodes folder's public/ as static files: the audio by
ranges with its type, the feeds as RSS; and `radiod web` answers the same URLs by itself."""

from __future__ import annotations

import http.client
import ssl
import sys
import urllib.request
from pathlib import Path

from radiod.config import load_config
from radiod_web.nginx import Nginx

from panel_support import RadiodWeb, make_station

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.episodes.support import add_episode  # noqa: E402


def test_nginx_and_radiod_web_serve_episodes_and_feeds_with_ranges(tmp_path):
    root = make_station(tmp_path / "station", web="behind_tls = true")
    shows = root / "schedules" / "shows.toml"
    shows.write_text(shows.read_text().replace('hosts = ["dj1"]', 'hosts = ["dj1"]\narchive = true'))
    config = load_config(root, env={})
    add_episode(config, "morning", 1_796_000_000_000)
    public = config.episodes.folder / "public"
    (audio,) = (public / "morning").glob("*.mp3")
    size = audio.stat().st_size
    name = f"/podcasts/morning/{audio.name}"
    with RadiodWeb(config.station_dir) as url:
        # radiod web alone
        request = urllib.request.Request(url + name, headers={"Range": "bytes=10-19"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 206 and answer.read() == audio.read_bytes()[10:20]
        nginx = Nginx(tmp_path / "nginx", upstream_port=int(url.rsplit(":", 1)[1]), episodes_dir=public).start()
        try:
            context = ssl.create_default_context(cafile=str(nginx.cert))
            conn = http.client.HTTPSConnection("127.0.0.1", nginx.https_port, context=context, timeout=10)
            conn.request("GET", name, headers={"Range": "bytes=100-"})
            answer = conn.getresponse()
            body = answer.read()
            assert answer.status == 206 and body == audio.read_bytes()[100:]
            assert answer.getheader("Content-Range") == f"bytes 100-{size - 1}/{size}"
            assert answer.getheader("Content-Type") == "audio/mpeg"
            assert answer.getheader("Content-Security-Policy") is None      # nginx's own answer, not radiod's
            conn.request("GET", "/podcasts/morning/feed.xml")
            answer = conn.getresponse()
            feed = answer.read()
            assert answer.status == 200 and answer.getheader("Content-Type") == "application/rss+xml"
            assert audio.name.encode() in feed
            conn.request("GET", "/podcasts/../radiod.db")
            answer = conn.getresponse()
            answer.read()
            assert answer.status in (400, 404)
            conn.close()
        finally:
            nginx.stop()
