// The Web DJ: microphone → MediaRecorder (Opus in WebM) → WebSocket (the webcast protocol) → the
// station's harbor. The harbor login is a one-time token the panel issues (never the DJ's password).
// Every word shown comes from the section's data-s-* attributes (translated on the server).
(function () {
  "use strict";
  var MIME = "audio/webm;codecs=opus";
  var CHUNK_MS = 250;           // small chunks: the harbor decodes as they come
  var STATE_POLL_MS = 2000;

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
      if (socket) { try { socket.close(); } catch (e) {} }
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      if (audio) { audio.close(); }
      recorder = socket = stream = audio = null;
      startBtn.disabled = false;
      stopBtn.disabled = true;
      sendTitle.disabled = true;
      show(name, why);
      startBtn.focus();
    }
    function goLive(login) {
      show("connecting");
      socket = new WebSocket(harborUrl(), "webcast");
      socket.onopen = function () {
        socket.send(JSON.stringify({type: "hello", data: {mime: MIME, user: login.user, password: login.token}}));
        recorder = new MediaRecorder(stream, {mimeType: MIME, audioBitsPerSecond: 128000});
        recorder.ondataavailable = function (e) {
          if (e.data.size > 0 && socket && socket.readyState === 1) { socket.send(e.data); }
        };
        recorder.start(CHUNK_MS);
        show("connected");
        sendTitle.disabled = false;
        poll = setInterval(pollState, STATE_POLL_MS);
      };
      socket.onclose = function () { if (running) { stop("closed"); } };
    }
    startBtn.addEventListener("click", function () {
      if (!window.MediaRecorder || !MediaRecorder.isTypeSupported(MIME)) { show("unsupported"); return; }
      if (!navigator.mediaDevices || !window.isSecureContext) { show("insecure"); return; }
      running = true;
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
          show("asking");
          return fetch(root.getAttribute("data-token-url"), {
            method: "POST", credentials: "same-origin",
            headers: {"X-CSRF-Token": root.getAttribute("data-csrf"), "Accept": "application/json"}});
        }, function (err) { throw {mic: err}; })
        .then(function (r) { return r.json().then(function (body) { return {status: r.status, body: body}; }); })
        .then(function (answer) {
          if (!running) { return; }
          if (!answer.body.ok) { stop("refused", answer.body.reason || String(answer.status)); return; }
          goLive(answer.body);
        })
        .catch(function (err) {
          if (err && err.mic) { stop("nomic", err.mic.message || err.mic.name); } else { stop("refused", String(err)); }
        });
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
