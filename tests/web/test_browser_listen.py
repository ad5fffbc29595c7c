"""Listen live in Chromium: a real `radiod run` (libVLC into a private null sink) streams HLS
through a real Liquidsoap; a real `radiod web` serves the public page; Debian's Chromium presses
the listen button from the keyboard and plays the stream with hls.js. Items are tones of 3-4 s,
so the listener (seconds behind the sound card) hears another item than the sound card plays at
some moment: the player names the play whose heard span holds its own program date-time, and
Chromium's own audio output (a second null sink, recorded) carries that item's tone. The widget's
play button, pasted into a page of another origin, names the heard item too."""

from __future__ import annotations

import functools
import http.server
import subprocess
import threading
import time

import numpy as np
import pytest
from playwright.sync_api import expect, sync_playwright

from audio_capture import Capture, private_pulse
from browser_flags import CHROMIUM, FLAGS
from panel_support import RadiodWeb
from test_browser_panel import AXE, AXE_TAGS
from tests.playout.daemon_station import Daemon, make_station, rows, wait_for
from tests.streams.test_hls_dates import BOUND_MS, dated_changes, spread
from tests.streams.test_streams_daemon import HlsCollector, icecast_at
from tests.streams.tones import is_in_order, runs

PORT = 21101
ICECAST_PORT = 21104
ELSEWHERE = 21102          # another site, embedding the widget
TONES = {"a": 440.0, "b": 554.0, "c": 659.0, "show": 330.0}


def listed_segments(station) -> int:
    try:
        text = (station / "state" / "hls" / "live-64.m3u8").read_text()
    except FileNotFoundError:
        return 0
    return sum(1 for line in text.splitlines() if line.endswith(".ts"))


def span_of(plays: list[dict], at_ms: float) -> dict | None:
    return next((p for p in plays if p["started_at_ms"] <= at_ms < (p["ended_at_ms"] or float("inf"))), None)


def axe_violations(browser, url: str) -> dict[str, list[str]]:
    """axe-core over the page with its player, idle and playing (the test injects axe, so its
    context bypasses the CSP)."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    found = {}
    try:
        page.goto(url + "/")
        for state in ("idle", "playing"):
            if state == "playing":
                page.get_by_role("button", name="Listen live").click()
                expect(page.get_by_role("status")).to_have_text("Playing", timeout=30_000)
                expect(page.locator('[data-listen="heard"]')).to_be_visible(timeout=15_000)
            page.add_script_tag(path=str(AXE))
            found[state] = page.evaluate("""async (tags) => {
                const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                return r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')); }""",
                                         AXE_TAGS)
    finally:
        context.close()
    return found


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def play_the_widget_elsewhere(browser, url: str, tmp_path, errors: list[str]) -> list[dict]:
    """The /widget page's snippet with a play button, pasted into a page of another origin."""
    page = browser.new_page()
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(url + "/widget")
    snippet = page.locator("pre code").nth(2).inner_text()
    assert 'data-radiod-listen="' + url + '/hls/live.m3u8"' in snippet, snippet
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(f"<!doctype html><title>A fan site</title><link rel=icon href=\"data:,\"><p>On air: {snippet}</p>")
    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", ELSEWHERE), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{ELSEWHERE}/")
        page.get_by_role("button", name="Listen live").click()
        expect(page.get_by_role("status")).to_have_text("Playing", timeout=30_000)
        player = page.locator("[data-radiod-player]")
        expect(player.locator('[data-listen="heard"]')).to_be_visible(timeout=15_000)
        samples = []
        for _ in range(12):
            samples.append(page.evaluate("""() => {
                const l = document.querySelector('[data-radiod-player]');
                return {at: Number(l.dataset.playingAt), play: Number(l.dataset.playId),
                        title: l.querySelector('[data-listen="title"]').textContent};
            }"""))
            page.wait_for_timeout(500)
        page.get_by_role("button", name="Stop").click()
        return [s for s in samples if s["play"]]
    finally:
        server.shutdown()
        page.close()


@pytest.mark.slow
def test_the_listen_button_plays_hls_and_names_the_item_the_listener_hears(tmp_path):
    station, _ = make_station(tmp_path, song_ms=3000, show_ms=4000, minutes=5, lead_ms=1000)
    with (station / "radiod.toml").open("a") as toml:
        toml.write("[streams]\nhls_bitrates = [64, 128]\nhls_segment_seconds = 2\nhls_segments = 10\n")
    samples: list[dict] = []
    with private_pulse(tmp_path) as pulse:
        # Chromium plays into its own null sink, recorded: what the listener really hears.
        # The daemon names its sink; Chromium takes the default one.
        pulse.add_sink("listener")
        subprocess.run(["pactl", "set-default-sink", "listener"], env=pulse.env(), check=True,
                       capture_output=True, timeout=10)
        daemon = Daemon(station, tmp_path / "daemon.log")
        try:
            wait_for(lambda: listed_segments(station) >= 4, timeout_s=60, what="HLS segments listed")
            with RadiodWeb(station, port=PORT) as url, sync_playwright() as p, \
                    Capture(pulse, sink="listener", latency_ms=25) as heard:
                # Playwright mutes Chromium by default: this test listens to it.
                browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, env=pulse.env(),
                                            ignore_default_args=["--mute-audio"])
                page = browser.new_page()
                errors: list[str] = []
                page.on("console", lambda m: m.type == "error" and errors.append(m.text))
                page.goto(url + "/")
                button = page.get_by_role("button", name="Listen live")
                expect(button).to_have_attribute("aria-pressed", "false")
                button.focus()
                page.keyboard.press("Enter")                       # keyboard-operable
                expect(page.get_by_role("button", name="Stop")).to_have_attribute("aria-pressed", "true")
                expect(page.get_by_role("status")).to_have_text("Playing", timeout=30_000)
                listen = page.locator("#listen")
                expect(listen.locator('[data-listen="heard"]')).to_be_visible(timeout=15_000)
                # The stream's own date-times, checked apart from the player (decoded with ffmpeg):
                # a failure below then says whether the dates or the player were wrong.
                collector = HlsCollector(station / "state" / "hls", "live-64.m3u8")
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:
                    sample = page.evaluate("""() => {
                        const l = document.getElementById('listen');
                        return {at: Number(l.dataset.playingAt), play: Number(l.dataset.playId),
                                title: l.querySelector('[data-listen="title"]').textContent,
                                card: document.querySelector('#now-playing [data-field="title"]').textContent,
                                wall: Date.now()};
                    }""")
                    sample["mono_ms"] = time.monotonic_ns() / 1e6
                    samples.append(sample)
                    page.wait_for_timeout(400)
                page.keyboard.press("Enter")                       # the button still has the focus
                expect(page.get_by_role("button", name="Listen live")).to_have_attribute("aria-pressed", "false")
                expect(page.get_by_role("status")).to_have_text("Stopped")
                widget_samples = play_the_widget_elsewhere(browser, url, tmp_path, errors)
                violations = axe_violations(browser, url)
                collector.stop()
                # Only segments written while Chromium played: those listed before may hold the
                # first seconds after Liquidsoap started, a known limit (docs/streams.md).
                first = min(collector.seen.values(), default=0.0)
                segments = sorted((pdt_data for name, pdt_data in collector.segments.items()
                                   if collector.seen[name] > first + 0.3), key=lambda s: s[0])
                browser.close()
        finally:
            code = daemon.terminate()
    assert code == 0, daemon.log()[-3000:]
    assert errors == [], errors                                   # no CSP violation, no script error
    assert violations == {"idle": [], "playing": []}, violations
    plays = rows(station)
    # The widget's player on another site names the heard play as the page's does.
    assert len(widget_samples) >= 8, widget_samples
    for s in widget_samples:
        assert span_of(plays, s["at"]) is not None and span_of(plays, s["at"])["id"] == s["play"], s
        assert s["title"] == span_of(plays, s["at"])["title"], s
    by_id = {p["id"]: p for p in plays}
    # Each segment's date-time says when its audio was heard (BOUND_MS, 100 ms: the measurement's
    # ±50 ms and a Liquidsoap frame's 40 ms; measured −55…+51 ms over ten runs).
    date_errors = dated_changes(tmp_path, segments, plays)
    print(f"\nHLS date-time + offset − play log start while Chromium played: {spread(date_errors)}")
    assert len(date_errors) >= 5 and all(abs(e) <= BOUND_MS for e in date_errors), date_errors
    named = [s for s in samples if s["play"]]
    assert len(named) >= 30, samples
    behind = [s["wall"] - s["at"] for s in named]
    print(f"\nlistener behind the sound card (s): {min(behind) / 1000:.1f}-{max(behind) / 1000:.1f}")
    assert all(3_000 < b < 40_000 for b in behind), behind
    for s in named:
        # The name shown is the play whose heard span holds the player's date-time.
        assert span_of(plays, s["at"]) == by_id[s["play"]], s
        assert s["title"] == by_id[s["play"]]["title"], s
    assert len({s["play"] for s in named}) >= 4                   # it followed the items
    # At some moment the listener hears another item than the sound card plays: the player names the one heard.
    assert any(s["title"] != s["card"] for s in named), samples

    # Chromium's output carried the tone of the item the player named, sampled away from changes.
    checked, wrong = tone_check(heard, named, by_id)
    truth = output_delays_ms(heard, plays, samples[0]["wall"] - samples[0]["mono_ms"])
    print(f"Chromium's output matched the named item in {checked - len(wrong)} of {checked} samples; "
          f"its output was {np.median(truth) / 1000:.1f} s behind the sound card (median)")
    assert checked >= 10 and not wrong, (f"player counts {min(behind)}-{max(behind)} ms behind, "
                                         f"Chromium's output {truth} ms", wrong)


def output_delays_ms(heard: Capture, plays: list[dict], wall_minus_mono: float) -> list[float]:
    """How far behind the sound card each item change in Chromium's recorded output was."""
    delays = []
    for r in [r for r in runs(heard.frames[:, 0].astype(np.float64), TONES) if r.name][1:]:
        at = heard.ms_of(int(r.start_s * 44100)) + wall_minus_mono
        starts = [p["started_at_ms"] for p in plays if p["title"].split(" #")[0] == r.name and p["started_at_ms"] < at]
        if starts:
            delays.append(round(at - max(starts)))
    return delays or [0]


def tone_check(heard: Capture, named: list[dict], by_id: dict[int, dict], margin_ms: float = 700
               ) -> tuple[int, list]:
    """How many samples taken ``margin_ms`` or more from a change were checked, and those where
    Chromium's output (±200 ms about the sample) did not carry the named item's tone."""
    frames = heard.frames[:, 0].astype(np.float64)
    checked, wrong = 0, []
    for s in named:
        play = by_id[s["play"]]
        if min(s["at"] - play["started_at_ms"], (play["ended_at_ms"] or 0) - s["at"]) < margin_ms:
            continue                                              # near a change: the page samples every 250 ms
        frame = heard.frame_at(s["mono_ms"])
        window = frames[max(0, frame - 8820):frame + 8820]
        found = [r.name for r in runs(window, TONES, min_windows=2) if r.name]
        tone = play["title"].split(" #")[0]
        checked += 1
        if found != [tone]:
            wrong.append((s, found, tone))
    return checked, wrong


NO_MSE = """delete window.MediaSource; delete window.ManagedMediaSource; delete window.WebKitMediaSource;
const canPlay = HTMLMediaElement.prototype.canPlayType;
HTMLMediaElement.prototype.canPlayType = function (t) { return /mpegurl/i.test(t) ? "" : canPlay.call(this, t); };"""


@pytest.mark.slow
def test_without_hls_in_the_browser_the_button_plays_the_mp3_mount_and_estimates_what_is_heard(tmp_path):
    """A browser with neither Media Source Extensions nor HLS (Chromium with both hidden) plays the
    public MP3 mount; with no date-time in MP3 the player counts the instant it plays from when it
    connected (Icecast's burst and the mount's delay behind the sound card): the estimate is
    checked against what Chromium's output really carried, and when."""
    station, _ = make_station(tmp_path, song_ms=3000, show_ms=4000, minutes=5, lead_ms=1000)
    mount = f"http://127.0.0.1:{ICECAST_PORT}/listen.mp3"
    with (station / "radiod.toml").open("a") as toml:
        toml.write(f'[streams]\nicecast = ["icecast://source:srcpw@127.0.0.1:{ICECAST_PORT}/listen.mp3?bitrate=96"]\n')
        toml.write(f'[web]\nlisten_mp3_url = "{mount}"\n')
    samples: list[dict] = []
    errors: list[str] = []
    with icecast_at(tmp_path, ICECAST_PORT) as icecast, private_pulse(tmp_path) as pulse:
        pulse.add_sink("listener")
        subprocess.run(["pactl", "set-default-sink", "listener"], env=pulse.env(), check=True,
                       capture_output=True, timeout=10)
        daemon = Daemon(station, tmp_path / "daemon.log")
        try:
            wait_for(lambda: "/listen.mp3" in icecast.mounts(), timeout_s=60, what="the mount on icecast")
            with RadiodWeb(station, port=PORT + 2) as url, sync_playwright() as p, \
                    Capture(pulse, sink="listener", latency_ms=25) as heard:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, env=pulse.env(),
                                            ignore_default_args=["--mute-audio"])
                page = browser.new_page()
                page.add_init_script(NO_MSE)
                page.on("console", lambda m: m.type == "error" and errors.append(m.text))
                page.goto(url + "/")
                page.get_by_role("button", name="Listen live").click()
                expect(page.get_by_role("status")).to_have_text("Playing", timeout=30_000)
                expect(page.locator('[data-listen="heard"]')).to_be_visible(timeout=15_000)
                assert page.evaluate("document.querySelector('audio').currentSrc") == mount
                for _ in range(40):
                    sample = page.evaluate("""() => {
                        const l = document.getElementById('listen');
                        return {at: Number(l.dataset.playingAt), play: Number(l.dataset.playId), wall: Date.now()};
                    }""")
                    sample["mono_ms"] = time.monotonic_ns() / 1e6
                    samples.append(sample)
                    page.wait_for_timeout(400)
                browser.close()
        finally:
            code = daemon.terminate()
    assert code == 0, daemon.log()[-3000:]
    assert errors == [], errors
    plays = rows(station)
    by_id = {p["id"]: p for p in plays}
    named = [s for s in samples if s["play"]]
    assert len(named) >= 30, samples
    behind = [s["wall"] - s["at"] for s in named]
    print(f"\nMP3 listener behind the sound card, as the player counts (s): {min(behind) / 1000:.1f}-{max(behind) / 1000:.1f}")
    for s in named:
        assert span_of(plays, s["at"]) == by_id[s["play"]], s       # named by the instant it counts
    # What Chromium really played: the play log's items in its order, this far behind the sound card.
    out = [r for r in runs(heard.frames[:, 0].astype(np.float64), TONES) if r.name]
    assert len(out) >= 6 and is_in_order([r.name for r in out], [p["title"].split(" #")[0] for p in plays]), out
    truth = output_delays_ms(heard, plays, samples[0]["wall"] - samples[0]["mono_ms"])
    print(f"MP3 listener behind the sound card, from Chromium's output (s, median): {np.median(truth) / 1000:.1f}")
    # No date-time in MP3: the count is an estimate (Icecast's burst and the mount's delay); the
    # true delay varied 3.9-7.3 s between runs, so the estimate is held to a few seconds only.
    # HLS (the other test) is exact to its date-times.
    error_ms = float(np.median(behind) - np.median(truth))
    print(f"MP3 estimate's error: {error_ms / 1000:+.1f} s")
    assert abs(error_ms) < 4000, (behind, truth)

