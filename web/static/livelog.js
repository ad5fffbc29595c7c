// The live-log page: search the library or type a song, one tap "on now" (the daemon takes the
// instant it is heard), and the airing's songs polled every few seconds with their corrections.
// Every word shown comes from the page's data-word-* attributes (translated on the server).
(function () {
  "use strict";
  var POLL_MS = 4000;
  var root, csrf;
  function word(name) { return root.getAttribute("data-word-" + name) || ""; }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }
  function post(url, fields) {
    var body = new URLSearchParams();
    Object.keys(fields).forEach(function (k) { body.append(k, fields[k]); });
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
                        headers: { "X-CSRF-Token": csrf } })
      .then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }); });
  }
  function press() { return Date.now().toString(36) + Math.random().toString(36).slice(2); }
  function status(text) { var s = document.getElementById("ll-status"); if (s) { s.textContent = text; } }

  function onNow(fields, shown) {
    fields.press = press();     // one press: a retried request is logged once
    return post(root.getAttribute("data-on-now"), fields).then(function (r) {
      status(r.body.ok ? word("logged").replace("{song}", shown) : r.body.error);
      refresh();
    });
  }

  function results(tracks) {
    var list = document.getElementById("ll-results");
    list.textContent = "";
    tracks.forEach(function (t) {
      var li = el("li"), b = el("button", word("on-now"));
      b.type = "button";
      var shown = t.artist + " – " + t.title;
      li.appendChild(el("span", shown, "ll-song"));
      b.addEventListener("click", function () { onNow({ track_id: String(t.id) }, shown); });
      li.appendChild(b);
      list.appendChild(li);
    });
  }

  var searchTimer = null;
  function search(q) {
    var url = root.getAttribute("data-search") + "?q=" + encodeURIComponent(q);
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (j) { results(j.tracks || []); });
  }

  function correctForm(song) {
    var f = el("form", "", "ll-fix"), a = el("input"), t = el("input"), save = el("button", word("save"));
    a.name = "artist"; a.value = song.artist; a.setAttribute("aria-label", word("artist"));
    t.name = "title"; t.value = song.title; t.setAttribute("aria-label", word("title"));
    save.type = "submit";
    var drop = el("button", word("drop"));
    drop.type = "button";
    var url = root.getAttribute("data-correct").replace(/\/0$/, "/" + song.id);
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      post(url, { artist: a.value, title: t.value }).then(function (r) { if (!r.body.ok) { status(r.body.error); } refresh(); });
    });
    drop.addEventListener("click", function () {
      post(url, { not_played: "1" }).then(function (r) { if (!r.body.ok) { status(r.body.error); } refresh(); });
    });
    f.appendChild(a); f.appendChild(t); f.appendChild(save); f.appendChild(drop);
    return f;
  }

  var editing = null;
  function songs(j) {
    var list = document.getElementById("ll-songs");
    if (editing !== null && list.querySelector("form")) { return; }  // do not redraw under a correction
    list.textContent = "";
    if (!j.songs.length) { list.appendChild(el("li", word("none"))); return; }
    j.songs.forEach(function (s) {
      var li = el("li", "", s.not_played ? "ll-dropped" : "");
      li.setAttribute("data-play", String(s.id));
      var time = el("time", s.when); time.setAttribute("datetime", s.started_at);
      li.appendChild(time);
      li.appendChild(el("span", " " + s.artist + " – " + s.title, "ll-song"));
      if (s.on_now) { li.appendChild(el("span", " " + word("playing"), "ll-flag")); }
      else if (!s.matched) { li.appendChild(el("span", " " + word("unmatched"), "ll-flag")); }
      if (s.not_played) { li.appendChild(el("span", " " + word("not-played"), "ll-flag")); }
      if (j.correctable && !s.on_now && !s.not_played) {
        var fix = el("button", word("fix"), "link");
        fix.type = "button";
        fix.addEventListener("click", function () { editing = s.id; li.appendChild(correctForm(s)); fix.remove(); });
        li.appendChild(fix);
      }
      list.appendChild(li);
    });
  }

  function refresh() {
    editing = null;
    fetch(root.getAttribute("data-songs"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); }).then(songs);
  }

  document.addEventListener("DOMContentLoaded", function () {
    root = document.getElementById("live-log");
    if (!root) { return; }
    csrf = root.getAttribute("data-csrf");
    var q = document.getElementById("ll-q");
    if (q) {
      q.addEventListener("input", function () {
        clearTimeout(searchTimer);
        searchTimer = setTimeout(function () { search(q.value.trim()); }, 250);
      });
    }
    var typed = document.getElementById("ll-typed");
    if (typed) {
      typed.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var artist = typed.elements.artist.value.trim(), title = typed.elements.title.value.trim();
        if (artist || title) { onNow({ artist: artist, title: title }, artist + " – " + title); typed.reset(); }
      });
    }
    refresh();
    setInterval(function () { if (editing === null) { refresh(); } }, POLL_MS);
  });
})();
