"""The shipped nginx config serves the live HLS stream through `radiod web`, from a short cache."""

from __future__ import annotations

import http.client
import ssl

from radiod.config import load_config
from radiod.streams import hls_dir
from radiod_web.nginx import Nginx

from panel_support import RadiodWeb, make_station


def test_nginx_serves_the_hls_playlists_and_segments_from_a_short_cache(tmp_path):
    config = load_config(make_station(tmp_path / "station", web="behind_tls = true"), env={})
    folder = hls_dir(config.paths.state)
    folder.mkdir(parents=True)
    (folder / "live-64.m3u8").write_text("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:7\naac64_7.ts\n")
    (folder / "aac64_7.ts").write_bytes(b"G" + bytes(187))
    with RadiodWeb(config.station_dir) as url:
        nginx = Nginx(tmp_path / "nginx", upstream_port=int(url.rsplit(":", 1)[1])).start()
        try:
            context = ssl.create_default_context(cafile=str(nginx.cert))
            answers = []
            for path in ("/hls/live-64.m3u8", "/hls/live-64.m3u8", "/hls/aac64_7.ts", "/hls/liquidsoap.m3u8"):
                conn = http.client.HTTPSConnection("127.0.0.1", nginx.https_port, context=context, timeout=10)
                conn.request("GET", path)
                response = conn.getresponse()
                answers.append((response.status, response.getheader("Content-Type"),
                                response.getheader("X-Cache-Status"), response.read()))
                conn.close()
        finally:
            nginx.stop()
    assert answers[0][:3] == (200, "application/vnd.apple.mpegurl", "MISS") and b"aac64_7.ts" in answers[0][3]
    assert answers[1][2] == "HIT", "a second listener within the second was not served from nginx's cache"
    assert answers[2][:2] == (200, "video/mp2t") and answers[2][3][:1] == b"G"
    assert answers[3][0] == 404
