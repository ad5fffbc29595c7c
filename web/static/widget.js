// Now-playing widget for other sites:
//   <span data-radiod-now-playing="https://radio.example"></span>
//   <script src="https://radio.example/static/widget.js" defer></script>
// Writes "Title — Artist" as plain text (never HTML) and refreshes every 5 seconds.
// With data-radiod-listen="https://radio.example/hls/live.m3u8" (and data-radiod-mp3="MP3 mount"
// for browsers without HLS) it adds the station's listen-live player after the text (listen.js).
// Its words are English unless the snippet says otherwise (data-radiod-label-play="…", etc.).
(function () {
  "use strict";
  var els = document.querySelectorAll("[data-radiod-now-playing]");
  var WORDS = { labelPlay: "Listen live", labelStop: "Stop", textConnecting: "Connecting…",
                textPlaying: "Playing", textStopped: "Stopped", textFailed: "The stream cannot be played here.",
                textHear: "You hear:" };
  function refresh(el) {
    var base = el.getAttribute("data-radiod-now-playing").replace(/\/$/, "");
    fetch(base + "/api/now-playing")
      .then(function (r) { return r.json(); })
      .then(function (d) {
        el.textContent = d.now ? d.now.title + " — " + d.now.artist : (d.station || "") + " is off air";
      })
      .catch(function () {});
  }
  function make(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs) { node.setAttribute(k, attrs[k]); }
    if (text) { node.textContent = text; }
    return node;
  }
  var player = false;
  function addPlayer(el) {
    var base = el.getAttribute("data-radiod-now-playing").replace(/\/$/, "");
    var root = make("span", { "class": "radiod-listen", "data-radiod-player": "" });
    var d = root.dataset;
    d.hls = el.getAttribute("data-radiod-listen");
    d.mp3 = el.getAttribute("data-radiod-mp3") || "";
    d.aired = base + "/api/aired";
    d.hlsjs = base + "/static/vendor/hls.light.min.js";
    d.mp3DelayMs = el.getAttribute("data-radiod-mp3-delay-ms") || "4600";   // Icecast's burst at 128 kbit/s + 0.5 s
    for (var key in WORDS) {
      var attr = "data-radiod-" + key.replace(/[A-Z]/g, function (c) { return "-" + c.toLowerCase(); });
      d[key] = el.getAttribute(attr) || WORDS[key];
    }
    root.appendChild(make("button", { type: "button", "data-listen": "button", "aria-pressed": "false" }, d.labelPlay));
    root.appendChild(document.createTextNode(" "));
    root.appendChild(make("span", { role: "status", "data-listen": "status" }));
    var heard = make("span", { "data-listen": "heard", hidden: "" }, d.textHear + " ");
    heard.appendChild(make("strong", { "data-listen": "title" }));
    heard.appendChild(document.createTextNode(" "));
    heard.appendChild(make("span", { "data-listen": "artist" }));
    root.appendChild(heard);
    root.appendChild(make("audio", { "data-listen": "audio", preload: "none" }));
    el.parentNode.insertBefore(root, el.nextSibling);
    if (!player) {
      player = true;
      document.head.appendChild(make("script", { src: base + "/static/listen.js" }));
    }
  }
  for (var i = 0; i < els.length; i++) {
    (function (el) { refresh(el); setInterval(function () { refresh(el); }, 5000); }(els[i]));
    if (els[i].hasAttribute("data-radiod-listen")) { addPlayer(els[i]); }
  }
}());
