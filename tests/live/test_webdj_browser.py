"""The Web DJ end to end: Chromium with a fake microphone (a WAV file of the DJ's tone) logs in to
a real `radiod web`, opens the Web DJ page and goes live: MediaRecorder's Opus/WebM over the
webcast WebSocket into the harbor's real Liquidsoap, mixed by real libVLC into a PulseAudio null
sink whose capture must hold the tone. A title typed in the page becomes a live play row; a DJ
outside their slot is refused with the reason shown in the page and is never heard."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import pytest
from playwright.sync_api import sync_playwright

from audio_capture import write_tone
from tests.web.browser_flags import CHROMIUM, FLAGS
from tests.web.panel_support import RadiodWeb

from .rig import DJ_HZ, PASSWORD, LiveRig, wait_until, who_is_on

HARBOR = 21020
PANEL = 21021
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def schedule(rig: LiveRig) -> None:
    """Kim hosts Night Moves all of today (UTC); Lee's Morning is tomorrow."""
    today = rig.clock.now().weekday()
    folder = rig.directory / "schedules"
    folder.mkdir()
    (folder / "station.toml").write_text('[station]\nname = "Test FM"\ntimezone = "UTC"\ndjs = ["kim", "lee"]\n')
    (folder / "shows.toml").write_text('[show.night]\ntitle = "Night Moves"\nkind = "live"\nhosts = ["kim"]\n'
                                       '[show.morning]\ntitle = "Morning"\nkind = "live"\nhosts = ["lee"]\n')
    (folder / "grid.toml").write_text(
        f'[[slot]]\ndays = ["{DAYS[today]}"]\nstart = "00:00"\nend = "24:00"\nshow = "night"\n'
        f'[[slot]]\ndays = ["{DAYS[(today + 1) % 7]}"]\nstart = "10:00"\nend = "11:00"\nshow = "morning"\n')


def log_in(browser, url: str, name: str):
    context = browser.new_context()
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.goto(url + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/login" not in u)
    page.goto(url + "/dj/live/")
    return context, page


# In the DJ's page: ask for a token, log in to the harbor with it (the webcast hello), close, and
# log in again with the same token. Resolves to when each socket closed after its hello (ms).
REUSE_JS = """async () => {
  const root = document.getElementById("webdj");
  const answer = await fetch(root.dataset.tokenUrl, {method: "POST", headers: {"X-CSRF-Token": root.dataset.csrf}});
  const login = await answer.json();
  const attempt = (hold) => new Promise((resolve) => {
    const ws = new WebSocket(root.dataset.harbor, "webcast");
    let opened = 0;
    ws.onopen = () => {
      opened = Date.now();
      ws.send(JSON.stringify({type: "hello", data: {mime: "audio/webm;codecs=opus", user: login.user,
                                                    password: login.token}}));
      setTimeout(() => ws.close(), hold);
    };
    ws.onclose = () => resolve(opened ? Date.now() - opened : -1);
  });
  return [await attempt(1500), await attempt(3000)];
}"""


def state_of(page) -> str:
    return page.get_attribute("#webdj-state", "data-state") or ""


@pytest.fixture(scope="module")
def aired(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("webdj")
    rig = LiveRig(tmp, HARBOR, now_playing=True)
    record: dict = {"rig": rig}
    try:
        schedule(rig)
        mic = write_tone(tmp / "mic.wav", DJ_HZ, 20_000)
        flags = [*FLAGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                 f"--use-file-for-fake-audio-capture={mic}", "--autoplay-policy=no-user-gesture-required"]
        with RadiodWeb(tmp, port=PANEL) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=flags)
            # 1. Lee, outside his slot: the page says why; nothing of his reaches the air.
            context, lee = log_in(browser, url, "lee")
            lee.click("#webdj-start")
            wait_until(lambda: state_of(lee) == "refused", timeout_s=20)
            record["lee_state"] = lee.inner_text("#webdj-state")
            record["lee_live"] = rig.engine.live
            context.close()
            # 2. Kim, in Night Moves: on air, announces a song, stops.
            context, kim = log_in(browser, url, "kim")
            record["kim_html"] = kim.content()
            record["connect_ms"] = rig.clock.monotonic_ms()
            kim.click("#webdj-start")
            wait_until(lambda: rig.engine.live is not None, timeout_s=30)
            record["on_air_after_ms"] = rig.clock.monotonic_ms() - record["connect_ms"]
            wait_until(lambda: state_of(kim) == "onair", timeout_s=15)
            record["kim_state"] = kim.inner_text("#webdj-state")
            record["level"] = float(kim.get_attribute("#webdj-level", "value") or 0)
            time.sleep(2)
            kim.fill("#webdj-artist", "Local Band")
            kim.fill("#webdj-title", "Web Song")
            kim.click("#webdj-send-title")
            time.sleep(4)
            # The harbor's Liquidsoap dies: automation comes back, the page logs in again (a new
            # token) once the supervisor has restarted it, and the DJ is on air again.
            first = rig.desk.supervisor.pid
            os.kill(first, signal.SIGKILL)
            record["killed_ms"] = rig.clock.monotonic_ms()
            wait_until(lambda: rig.engine.live is None, timeout_s=15)
            wait_until(lambda: state_of(kim) == "reconnecting", timeout_s=10)
            wait_until(lambda: rig.engine.live is not None, timeout_s=40)
            record["back_on_air_ms"] = rig.clock.monotonic_ms() - record["killed_ms"]
            time.sleep(3)
            kim.click("#webdj-stop")
            record["drop_ms"] = rig.clock.monotonic_ms()
            wait_until(lambda: rig.engine.live is None, timeout_s=15)
            record["kim_stopped"] = kim.inner_text("#webdj-state")
            record["console"] = kim.console_errors
            # 3. One token, two logins into the real harbor: the second is refused.
            time.sleep(1)
            record["reuse"] = kim.evaluate(REUSE_JS)
            time.sleep(1)
            context.close()
            browser.close()
        time.sleep(2)
    finally:
        rig.close()
    record["stretches"] = who_is_on(rig.capture)
    record["rows"] = rig.rows()
    record["logs"] = rig.logs.lines
    dj = [s for s in record["stretches"] if s.who == "dj" and s.end_ms - s.start_ms >= 200]
    back = [s for s in record["stretches"] if s.who == "auto" and s.start_ms > record["drop_ms"]]
    if dj and back:      # figures for the report (-s shows them); Start includes the microphone and token
        print(f"\nweb DJ: Start pressed -> tone heard {dj[0].start_ms - record['connect_ms']:.0f} ms; "
              f"Stop -> automation heard {back[0].start_ms - record['drop_ms']:.0f} ms; "
              f"harbor killed -> DJ on air again {record['back_on_air_ms']} ms")
    return record


def test_a_dj_outside_their_slot_is_refused_with_the_reason_in_the_page(aired):
    assert aired["lee_state"].startswith("Refused: Outside your live slot: Morning starts ")
    assert aired["lee_live"] is None
    assert not any(line.startswith("harbor: lee") and "accepted" in line for line in aired["logs"])


def test_the_page_holds_no_password_and_has_the_slots_countdown(aired):
    assert PASSWORD not in aired["kim_html"]
    assert "data-countdown=" in aired["kim_html"] and "Night Moves" in aired["kim_html"]


def test_the_browser_goes_live_and_its_tone_airs(aired):
    assert any("harbor: kim from" in line and "accepted for Night Moves" in line for line in aired["logs"])
    assert aired["kim_state"] == "On air."
    assert aired["level"] > 0.1                       # the meter reads the microphone
    dj = [s for s in aired["stretches"] if s.who == "dj" and s.end_ms - s.start_ms >= 200]
    assert dj, "the DJ's tone was never heard on the sink"
    heard_ms = sum(s.end_ms - s.start_ms for s in dj)
    assert heard_ms > 4000, heard_ms                  # ~5 s live between the first audio and Stop
    assert dj[0].start_ms > aired["connect_ms"]
    auto_after = [s for s in aired["stretches"] if s.who == "auto" and s.start_ms > aired["drop_ms"]]
    assert auto_after, "automation did not come back after Stop"
    # Only the connections refused while the harbor restarted (the last test) are logged as errors.
    assert [e for e in aired["console"] if "ERR_CONNECTION_REFUSED" not in e] == []


def test_a_token_takes_one_harbor_login_only(aired):
    accepted = [line for line in aired["logs"] if line.startswith("harbor: kim from") and "accepted" in line]
    assert len(accepted) == 3, accepted      # the page's login, its login again after the restart, the token's first
    assert any("harbor: kim from" in line and "web DJ token already used" in line for line in aired["logs"])
    assert any("harbor: kim from" in line and "refused: wrong user name or password" in line
               for line in aired["logs"])


def test_a_title_typed_in_the_page_becomes_a_live_row(aired):
    live = [(r["title"], r["artist"], r["usage"]) for r in aired["rows"] if r["source"] == "live"]
    assert live == [("Night Moves (live)", "kim", "talk"), ("Web Song", "Local Band", "feature"),
                    ("Night Moves (live)", "kim", "talk")]         # the second stretch, after the restart


def test_when_the_harbor_restarts_the_page_goes_live_again(aired):
    assert aired["back_on_air_ms"] < 30_000, aired["back_on_air_ms"]
    dj = [s for s in aired["stretches"] if s.who == "dj" and s.end_ms - s.start_ms >= 500]
    assert any(s.start_ms > aired["killed_ms"] for s in dj), "the DJ was not heard after the restart"
