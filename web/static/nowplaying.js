// Keeps the now-playing card live: server-sent events, or polling when the feed is unavailable.
// Elapsed time is computed here from the track's actual start, so it ticks without traffic.
(function () {
  "use strict";
  var root = document.getElementById("now-playing");
  if (!root) { return; }
  // The state words come translated from the page (data-words); English if it has none.
  var STATES = { playing: "On air", live: "Live", paused: "Paused", fallback: "On air (fallback)", stopped: "Off air",
                 "off-air": "Off air (no audio output)" };
  try { if (root.dataset.words) { STATES = JSON.parse(root.dataset.words); } } catch (e) {}
  var doc = null;

  function set(field, value) {
    var els = root.querySelectorAll('[data-field="' + field + '"]');
    for (var i = 0; i < els.length; i++) { els[i].textContent = value == null ? "" : String(value); }
  }
  function show(field, visible) {
    var els = root.querySelectorAll('[data-field="' + field + '"]');
    for (var i = 0; i < els.length; i++) { els[i].hidden = !visible; }
  }
  function clock(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(r).padStart(2, "0");
  }

  function tick() {
    var now = doc ? doc.now : null;
    var started = now && now.started_at ? Date.parse(now.started_at) : NaN;
    var bar = root.querySelector('[data-field="progress"]');
    if (isNaN(started)) { set("elapsed", ""); if (bar) { bar.value = 0; } return; }
    var elapsed = Date.now() - started;
    if (now.length_ms) { elapsed = Math.min(elapsed, now.length_ms); }
    set("elapsed", clock(elapsed));
    if (bar) { bar.value = now.length_ms ? elapsed / now.length_ms : 0; }
  }

  function render(next) {
    doc = next;
    var now = doc.now;
    root.dataset.state = doc.state;
    set("state", STATES[doc.state] || doc.state);
    set("title", now ? now.title : "—");
    set("artist", now ? now.artist : "");
    set("show", (now && now.show) || (doc.show && doc.show.title) || "");
    show("local", !!(now && now.local));
    set("length-sep", now && now.length_ms ? " / " : "");
    set("length", now && now.length_ms ? clock(now.length_ms) : "");
    if ("next" in doc) {
      show("next-line", !!doc.next);
      set("next", doc.next ? doc.next.title + " — " + doc.next.artist : "");
    }
    tick();
  }

  var pollTimer = null;
  function poll() {
    fetch(root.dataset.poll, { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d) { render(d); } })
      .catch(function () {});
  }
  function startPolling() {
    if (pollTimer === null) { poll(); pollTimer = setInterval(poll, 1000); }
  }

  function connect() {
    if (!window.EventSource) { startPolling(); return; }
    var source = new EventSource(root.dataset.events);
    source.addEventListener("now-playing", function (e) {
      root.dataset.version = e.lastEventId;
      render(JSON.parse(e.data));
    });
    source.onerror = function () {
      // The browser reconnects by itself unless the server refused the stream (e.g. too many listeners).
      if (source.readyState === EventSource.CLOSED) { startPolling(); }
    };
  }

  setInterval(tick, 250);
  connect();
}());
