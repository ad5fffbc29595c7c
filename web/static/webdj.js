// The Web DJ: microphone → MediaRecorder (Opus in WebM) → WebSocket (the webcast protocol) → the
// station's harbor. The harbor login is a one-time token the panel issues (never the DJ's password).
// Every word shown comes from the section's data-s-* attributes (translated on the server).
(function () {
  "use strict";
  var MIME = "audio/webm;codecs=opus";
  var CHUNK_MS = 250;           // small chunks: the harbor decodes as they come
  var STATE_POLL_MS = 2000;
  var RECONNECT_AFTER_MS = 5000;  // a socket up this long that drops is reconnected, not given up
  var RECONNECT_DELAY_MS = 1000;
  var MAX_RETRIES = 15;          // about 15 s for a restarted harbor to listen again

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("webdj");
    if (!root) { return; }
    var stateEl = document.getElementById("webdj-state");
    var meter = document.getElementById("webdj-level");
    var startBtn = document.getElementById("webdj-start");
    var stopBtn = document.getElementById("webdj-stop");
    var titleForm = document.getElementById("webdj-title-form");
    var sendTitle = document.getElementById("webdj-send-title");
    var stream = null, recorder = null, socket = null, audio = null, poll = null, running = false;
    var retries = 0;

    function word(name, why) {
      var text = root.getAttribute("data-s-" + name) || name;
      return why === undefined ? text : text.replace("%(why)s", why);
    }
    function show(name, why) {
      stateEl.textContent = word(name, why);
      stateEl.setAttribute("data-state", name);
    }
    function harborUrl() {
      var url = root.getAttribute("data-harbor");
      if (url.charAt(0) === "/") {     // a path proxied by nginx: the page's own origin
        url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + url;
      }
      return url;
    }
    function meterLoop(analyser) {
      var data = new Float32Array(analyser.fftSize);
      (function frame() {
        if (!running) { meter.value = 0; meter.textContent = "0"; return; }
        analyser.getFloatTimeDomainData(data);
        var peak = 0;
        for (var i = 0; i < data.length; i++) { peak = Math.max(peak, Math.abs(data[i])); }
        meter.value = peak;
        meter.textContent = peak.toFixed(2);
        requestAnimationFrame(frame);
      })();
    }
    function pollState() {
      fetch(root.getAttribute("data-state-url"), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (!running) { return; }
          if (s.on_air) { show("onair"); } else if (socket && socket.readyState === 1) { show("connected"); }
        }).catch(function () {});
    }
    function stop(name, why) {
      running = false;
      if (poll) { clearInterval(poll); poll = null; }
      if (recorder && recorder.state !== "inactive") { recorder.stop(); }
      var ws = socket;
      socket = null;
      if (ws) { try { ws.close(); } catch (e) {} }
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      if (audio) { audio.close(); }
      recorder = socket = stream = audio = null;
      startBtn.disabled = false;
      stopBtn.disabled = true;
      sendTitle.disabled = true;
      show(name, why);
      startBtn.focus();
    }
    function askToken() {
      show("asking");
      return fetch(root.getAttribute("data-token-url"), {
        method: "POST", credentials: "same-origin",
        headers: {"X-CSRF-Token": root.getAttribute("data-csrf"), "Accept": "application/json"}})
        .then(function (r) { return r.json().then(function (body) { return {status: r.status, body: body}; }); })
        .then(function (answer) {
          if (!answer.body.ok) { throw {refused: answer.body.reason || String(answer.status)}; }
          return answer.body;
        });
    }
    function failed(err) {
      if (!running) { return; }
      if (err && err.mic) { stop("nomic", err.mic.message || err.mic.name); }
      else if (err && err.refused) { stop("refused", err.refused); }
      else { stop("refused", String(err)); }
    }
    function goLive(login) {
      if (!running) { return; }
      show("connecting");
      var ws = new WebSocket(harborUrl(), "webcast");
      var openedAt = 0;
      socket = ws;
      ws.onopen = function () {
        openedAt = Date.now();
        ws.send(JSON.stringify({type: "hello", data: {mime: MIME, user: login.user, password: login.token}}));
        // A new recorder for each connection: the harbor's decoder needs the stream's WebM header.
        recorder = new MediaRecorder(stream, {mimeType: MIME, audioBitsPerSecond: 128000});
        recorder.ondataavailable = function (e) {
          if (e.data.size > 0 && ws.readyState === 1) { ws.send(e.data); }
        };
        recorder.start(CHUNK_MS);
        show("connected");
        sendTitle.disabled = false;
        if (!poll) { poll = setInterval(pollState, STATE_POLL_MS); }
      };
      ws.onclose = function () {
        if (!running || socket !== ws) { return; }
        if (recorder && recorder.state !== "inactive") { recorder.stop(); }
        recorder = null;
        sendTitle.disabled = true;
        // A connection that had been up a while dropped (the network, a harbor restart): log in
        // again with a new token; the panel says why if the slot is over. A quick close is a refusal.
        if (openedAt && Date.now() - openedAt > RECONNECT_AFTER_MS) {
          retries = 0;
        } else if (retries < MAX_RETRIES && (retries > 0 || !openedAt && login.again)) {
          retries += 1;               // the harbor is not back yet: try again a little later
        } else {
          stop("closed");
          return;
        }
        show("reconnecting");
        setTimeout(function () {
          if (running) { askToken().then(function (next) { next.again = true; goLive(next); }).catch(failed); }
        }, RECONNECT_DELAY_MS);
      };
    }
    startBtn.addEventListener("click", function () {
      if (!window.MediaRecorder || !MediaRecorder.isTypeSupported(MIME)) { show("unsupported"); return; }
      if (!navigator.mediaDevices || !window.isSecureContext) { show("insecure"); return; }
      running = true;
      retries = 0;
      startBtn.disabled = true;
      stopBtn.disabled = false;
      show("mic");
      navigator.mediaDevices.getUserMedia({audio: {echoCancellation: false, noiseSuppression: false,
                                                   autoGainControl: false}})
        .then(function (s) {
          stream = s;
          audio = new AudioContext();
          var analyser = audio.createAnalyser();
          analyser.fftSize = 2048;
          audio.createMediaStreamSource(s).connect(analyser);
          meterLoop(analyser);
          return askToken();
        }, function (err) { throw {mic: err}; })
        .then(goLive)
        .catch(failed);
    });
    stopBtn.addEventListener("click", function () { stop("stopped"); });
    titleForm.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!socket || socket.readyState !== 1) { return; }
      var title = document.getElementById("webdj-title").value.trim();
      var artist = document.getElementById("webdj-artist").value.trim();
      if (!title && !artist) { return; }
      socket.send(JSON.stringify({type: "metadata", data: {title: title, artist: artist}}));
    });
  });
})();
