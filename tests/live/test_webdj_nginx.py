"""The Web DJ behind the shipped nginx config, as a station on the internet runs it: the panel on
https:// (the browser gives the microphone to a secure page only) and the harbor's WebSocket on
the same origin through nginx's /harbor/ (wss://, `web.webdj_harbor_url = "/harbor/live"`), so
the page's CSP keeps connect-src 'self'. Chromium's fake microphone goes live and its tone airs."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import sync_playwright

from audio_capture import write_tone
from radiod_web.nginx import Nginx
from tests.web.browser_flags import CHROMIUM, FLAGS
from tests.web.panel_support import RadiodWeb

from .rig import DJ_HZ, PASSWORD, LiveRig, wait_until, who_is_on
from .test_webdj_browser import schedule, state_of

HARBOR = 21023
PANEL = 21024


@pytest.fixture(scope="module")
def aired(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("webdj-nginx")
    rig = LiveRig(tmp, HARBOR, now_playing=True)
    record: dict = {}
    try:
        schedule(rig)
        with (tmp / "radiod.toml").open("a") as toml:
            toml.write('[web]\nbehind_tls = true\nwebdj_harbor_url = "/harbor/live"\n')
        mic = write_tone(tmp / "mic.wav", DJ_HZ, 20_000)
        flags = [*FLAGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                 f"--use-file-for-fake-audio-capture={mic}", "--ignore-certificate-errors"]
        with RadiodWeb(tmp, port=PANEL), sync_playwright() as p:
            nginx = Nginx(tmp / "nginx", upstream_port=PANEL, harbor_port=HARBOR).start()
            try:
                url = f"https://127.0.0.1:{nginx.https_port}"
                browser = p.chromium.launch(executable_path=CHROMIUM, args=flags)
                context = browser.new_context(ignore_https_errors=True)
                page = context.new_page()
                page.goto(url + "/login")
                page.fill("input[name=name]", "kim")
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(lambda u: "/login" not in u)
                answer = page.goto(url + "/dj/live/")
                record["csp"] = answer.headers["content-security-policy"]
                record["secure"] = page.evaluate("window.isSecureContext")
                record["connect_ms"] = rig.clock.monotonic_ms()
                page.click("#webdj-start")
                wait_until(lambda: rig.engine.live is not None, timeout_s=30)
                wait_until(lambda: state_of(page) == "onair", timeout_s=15)
                record["state"] = page.inner_text("#webdj-state")
                time.sleep(4)
                page.click("#webdj-stop")
                record["drop_ms"] = rig.clock.monotonic_ms()
                wait_until(lambda: rig.engine.live is None, timeout_s=15)
                context.close()
                browser.close()
            finally:
                nginx.stop()
        time.sleep(1)
    finally:
        rig.close()
    record["stretches"] = who_is_on(rig.capture)
    record["logs"] = rig.logs.lines
    return record


def test_the_page_is_a_secure_context_and_its_csp_connects_only_to_itself(aired):
    assert aired["secure"] is True
    assert "connect-src 'self';" in aired["csp"]


def test_through_nginx_the_browser_goes_live_and_its_tone_airs(aired):
    assert any("harbor: kim from" in line and "accepted for Night Moves" in line for line in aired["logs"])
    assert aired["state"] == "On air."
    dj = [s for s in aired["stretches"] if s.who == "dj" and s.end_ms - s.start_ms >= 200]
    assert sum(s.end_ms - s.start_ms for s in dj) > 3000
    assert all(aired["connect_ms"] < s.start_ms for s in dj)
