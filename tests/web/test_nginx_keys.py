"""The shipped nginx config (deploy/nginx) run on loopback in front of a real `radiod web`, with
a hostile client: a spoofed Host cannot poison the cached API description or reach an answer,
and with a list of CORS origins each origin gets its own grant out of the cache."""

from __future__ import annotations

import http.client
import json
import ssl

import pytest

from radiod.config import load_config
from radiod_web.nginx import Nginx

from panel_support import RadiodWeb, make_station, now_doc, write_now_playing

FAN, OTHER = "https://fan.example", "https://other.example"
EVIL = "evil.example"


@pytest.fixture(scope="module")
def nginx(tmp_path_factory):
    root = tmp_path_factory.mktemp("nginx-keys")
    config = load_config(make_station(root / "station", web=f'behind_tls = true\ncors_origins = ["{FAN}", "{OTHER}"]'),
                         env={})
    write_now_playing(config, now_doc("Cached Song", "Quiet Harbours"))
    with RadiodWeb(config.station_dir) as url:
        server = Nginx(root / "nginx", upstream_port=int(url.rsplit(":", 1)[1])).start()
        try:
            yield server
        finally:
            server.stop()


def get(nginx: Nginx, path: str, headers: dict[str, str] | None = None) -> tuple[http.client.HTTPResponse, bytes]:
    context = ssl.create_default_context(cafile=str(nginx.cert))
    conn = http.client.HTTPSConnection("127.0.0.1", nginx.https_port, context=context, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def test_a_spoofed_host_does_not_poison_the_cached_api_description(nginx):
    poisoned, body = get(nginx, "/api/openapi.json", {"Host": EVIL})
    assert poisoned.status == 200 and EVIL.encode() not in body
    assert poisoned.getheader("X-Cache-Status") == "MISS"        # this answer is the one nginx keeps
    after, body = get(nginx, "/api/openapi.json")
    assert after.getheader("X-Cache-Status") == "HIT"
    doc = json.loads(body)
    assert doc["servers"] == [{"url": "/"}] and EVIL.encode() not in body


def test_radiod_is_told_the_servers_own_name_whatever_host_was_sent(nginx):
    page, body = get(nginx, "/widget", {"Host": EVIL})
    assert page.status == 200
    assert EVIL.encode() not in body and b"https://radio.example.org/embed" in body
    conn = http.client.HTTPConnection("127.0.0.1", nginx.http_port, timeout=10)
    conn.request("GET", "/api/now-playing", headers={"Host": EVIL})
    redirect = conn.getresponse()
    assert redirect.status == 301
    assert redirect.getheader("Location") == "https://radio.example.org/api/now-playing"
    conn.close()


@pytest.mark.parametrize("path", ["/api/now-playing", "/api/history"])
def test_each_listed_origin_gets_its_own_grant_from_the_cache(nginx, path):
    grants = []
    for origin in (FAN, OTHER, FAN, None, OTHER, "https://x.example"):
        response, _ = get(nginx, path, {"Origin": origin} if origin else {})
        assert response.status == 200
        grants.append((response.getheader("Access-Control-Allow-Origin"), response.getheader("X-Cache-Status")))
    assert [g for g, _ in grants] == [FAN, OTHER, FAN, None, OTHER, None]
    assert {"HIT", "STALE", "UPDATING"} & {status for _, status in grants}   # still served from the cache
