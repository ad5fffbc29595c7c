"""The nginx config in deploy/nginx, run on loopback in front of a real `radiod web`: TLS, the 1 s
now-playing cache, the event stream passed through unbuffered, the redirect to HTTPS."""

from __future__ import annotations

import http.client
import json
import ssl
import time

import pytest

from radiod.config import load_config
from radiod_web.nginx import Nginx

from panel_support import RadiodWeb, add_users, make_station, now_doc, write_now_playing


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("nginx")
    config = load_config(make_station(root / "station", web="behind_tls = true"), env={})
    add_users(config)
    write_now_playing(config, now_doc("Cached Song", "Quiet Harbours"))
    with RadiodWeb(config.station_dir) as url:
        nginx = Nginx(root / "nginx", upstream_port=int(url.rsplit(":", 1)[1])).start()
        try:
            yield config, nginx
        finally:
            nginx.stop()


def https(nginx: Nginx) -> http.client.HTTPSConnection:
    context = ssl.create_default_context(cafile=str(nginx.cert))
    return http.client.HTTPSConnection("127.0.0.1", nginx.https_port, context=context, timeout=10)


def get(nginx: Nginx, path: str, headers: dict | None = None):
    conn = https(nginx)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def test_plain_http_redirects_to_https(setup):
    _, nginx = setup
    conn = http.client.HTTPConnection("127.0.0.1", nginx.http_port, timeout=10)
    conn.request("GET", "/api/now-playing", headers={"Host": "radio.example.org"})
    response = conn.getresponse()
    assert response.status == 301
    assert response.getheader("Location") == "https://radio.example.org/api/now-playing"


def test_now_playing_is_served_over_tls_from_a_one_second_cache(setup):
    config, nginx = setup
    first, body = get(nginx, "/api/now-playing")
    assert first.status == 200 and json.loads(body)["now"]["title"] == "Cached Song"
    assert first.getheader("Strict-Transport-Security") == "max-age=31536000"
    assert first.getheader("X-Content-Type-Options") == "nosniff"
    assert first.getheader("Access-Control-Allow-Origin") == "*"
    statuses = [first.getheader("X-Cache-Status")] + [get(nginx, "/api/now-playing")[0].getheader("X-Cache-Status")
                                                      for _ in range(5)]
    assert statuses[0] == "MISS" and "HIT" in statuses

    write_now_playing(config, now_doc("Fresh Song", "Ana Ng"))
    titles = []
    for _ in range(40):                         # the cached copy lives for 1 s, then the new one shows
        titles.append(json.loads(get(nginx, "/api/now-playing")[1])["now"]["title"])
        if titles[-1] == "Fresh Song":
            break
        time.sleep(0.1)
    assert titles[-1] == "Fresh Song"


def test_event_stream_passes_through_unbuffered(setup):
    config, nginx = setup
    conn = https(nginx)
    conn.request("GET", "/api/now-playing/events", headers={"Accept": "text/event-stream"})
    response = conn.getresponse()
    assert response.status == 200 and response.getheader("Content-Type").startswith("text/event-stream")

    def next_event() -> dict:
        """The data of the next event (comments and other fields skipped)."""
        data = None
        while True:
            line = response.fp.readline().decode().rstrip("\n")
            if line.startswith("data: "):
                data = json.loads(line[6:])
            elif line == "" and data is not None:
                return data

    first = next_event()
    write_now_playing(config, now_doc("Through Nginx", "Ana Ng"))
    second = next_event()                      # would hang here if nginx held the event in a buffer
    assert first["now"]["title"] != "Through Nginx" and second["now"]["title"] == "Through Nginx"
    conn.close()


def test_login_through_nginx_sets_a_secure_cookie(setup):
    _, nginx = setup
    response, body = get(nginx, "/login")
    assert response.status == 200
    cookie = response.getheader("Set-Cookie")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.getheader("Cache-Control") == "no-store"
    assert response.getheader("X-Cache-Status") is None          # pages are never cached by nginx


def test_static_files_are_cached_by_nginx(setup):
    _, nginx = setup
    statuses = [get(nginx, "/static/radiod.css")[0] for _ in range(3)]
    assert all(r.status == 200 for r in statuses)
    assert statuses[0].getheader("Cache-Control") == "public, max-age=300"
    assert statuses[-1].getheader("X-Cache-Status") == "HIT"
