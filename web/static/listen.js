// The listen-live player (templates/_listen.html, or built by widget.js on another site: every
// element with data-radiod-player). It plays the station's HLS stream through
// hls.js (loaded on the first press) where the browser has Media Source Extensions, the browser's
// own HLS elsewhere (iPhone), or else the MP3 mount. It names what the listener hears, not what
// the sound card plays 10-30 s ahead: the instant it is playing, read from the stream's program
// date-time, looked up in /api/aired (each play's heard start and end in epoch ms).
(function () {
  "use strict";
  function attach(root) {
    var d = root.dataset;
    var button = root.querySelector('[data-listen="button"]');
    var status = root.querySelector('[data-listen="status"]');
    var heard = root.querySelector('[data-listen="heard"]');
    var titleEl = root.querySelector('[data-listen="title"]');
    var artistEl = root.querySelector('[data-listen="artist"]');
    var audio = root.querySelector('[data-listen="audio"]');
    var hls = null, mode = "", plays = [], fetchedAt = 0, fetching = false, timer = null, connectedAt = 0;

    function say(text) { status.textContent = text; }

    function setPlaying(on) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? d.labelStop : d.labelPlay;
    }

    // The wall-clock instant (epoch ms) of the audio being played now, or null while unknown.
    function playingAt() {
      if (mode === "hlsjs") {
        return hls && hls.playingDate ? hls.playingDate.getTime() : null;
      }
      if (mode === "native") {
        var start = audio.getStartDate ? audio.getStartDate().getTime() : NaN;
        return isNaN(start) ? null : start + audio.currentTime * 1000;
      }
      if (mode === "mp3" && audio.currentTime > 0) {
        // No date-time in an MP3 stream: its first byte left the sound card mp3DelayMs before we
        // asked for it (Icecast's burst and the chain's delay), and it plays on from there.
        return connectedAt - Number(d.mp3DelayMs) + audio.currentTime * 1000;
      }
      return null;
    }

    function refresh() {
      if (fetching) { return; }
      fetching = true;
      fetch(d.aired, { cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (doc) { if (doc) { plays = doc.plays; fetchedAt = Date.now(); } })
        .catch(function () {})
        .then(function () { fetching = false; });
    }

    function playAt(t) {
      for (var i = plays.length - 1; i >= 0; i--) {
        var p = plays[i];
        if (p.start_ms <= t && (p.end_ms === null || t < p.end_ms)) { return p; }
      }
      return null;
    }

    function tick() {
      var t = playingAt();
      var p = t === null ? null : playAt(t);
      // A play we have not fetched yet, or one that may have ended since: ask again, at most every second.
      if (t !== null && (!p || p.end_ms === null) && Date.now() - fetchedAt > 1000) { refresh(); }
      root.dataset.playingAt = t === null ? "" : String(Math.round(t));
      root.dataset.playId = p ? String(p.id) : "";
      heard.hidden = !p;
      if (p) {
        titleEl.textContent = p.title;
        artistEl.textContent = p.artist ? "— " + p.artist : "";
      }
    }

    function failed() { stop(); say(d.textFailed); }

    function start() {
      setPlaying(true);
      say(d.textConnecting);
      refresh();
      if (d.hls && window.MediaSource) {
        mode = "hlsjs";
        withHlsJs(function () {
          if (!window.Hls || !window.Hls.isSupported()) { return startOther(); }
          hls = new window.Hls({ enableWorker: false, liveSyncDurationCount: 3 });
          hls.on(window.Hls.Events.ERROR, function (_e, data) { if (data.fatal) { failed(); } });
          hls.loadSource(d.hls);
          hls.attachMedia(audio);
          play();
        });
      } else {
        startOther();
      }
    }

    function startOther() {
      if (d.hls && audio.canPlayType("application/vnd.apple.mpegurl")) {
        mode = "native";
        audio.src = d.hls;
      } else if (d.mp3) {
        mode = "mp3";
        connectedAt = Date.now();
        audio.src = d.mp3;
      } else {
        return failed();
      }
      play();
    }

    function play() {
      var promise = audio.play();
      if (promise && promise.catch) { promise.catch(function () { failed(); }); }
      if (timer === null) { timer = setInterval(tick, 250); }
    }

    function stop() {
      if (hls) { hls.destroy(); hls = null; }
      audio.pause();
      audio.removeAttribute("src");
      audio.load();
      mode = "";
      if (timer !== null) { clearInterval(timer); timer = null; }
      heard.hidden = true;
      root.dataset.playingAt = "";
      setPlaying(false);
      say(d.textStopped);
    }

    var loading = null;
    function withHlsJs(then) {
      if (window.Hls) { return then(); }
      if (!loading) {
        loading = document.createElement("script");
        loading.src = d.hlsjs;
        document.head.appendChild(loading);
      }
      loading.addEventListener("load", then);
      loading.addEventListener("error", function () { startOther(); });
    }

    audio.addEventListener("playing", function () { say(d.textPlaying); });
    audio.addEventListener("waiting", function () { if (mode) { say(d.textConnecting); } });
    audio.addEventListener("error", function () { if (mode && mode !== "hlsjs") { failed(); } });
    button.addEventListener("click", function () {
      if (button.getAttribute("aria-pressed") === "true") { stop(); } else { start(); }
    });
  }

  var roots = document.querySelectorAll("[data-radiod-player]");
  for (var i = 0; i < roots.length; i++) {
    if (!roots[i].dataset.attached) { roots[i].dataset.attached = "1"; attach(roots[i]); }
  }
}());
