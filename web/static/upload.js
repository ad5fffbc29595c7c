// Resumable uploads of a show's files: each file is sent in pieces at the offset the server
// reports, so a dropped connection resumes where it stopped instead of starting over.
"use strict";
(function () {
  var form = document.getElementById("upload");
  if (!form) return;
  var PIECE = 8 * 1024 * 1024;
  var RETRIES = 5;
  var csrf = form.dataset.csrf;
  var results = document.getElementById("results");
  // The page gives these words in its language, with {name} and {percent} to fill in.
  var SENT = form.dataset.sent || "{name}: {percent} % sent";
  var FAILING = form.dataset.failing || "{name}: the connection keeps failing; try again later";
  function words(template, name, percent) {
    return template.replace("{name}", name).replace("{percent}", String(percent));
  }

  function say(li, text, cls) { li.textContent = text; li.className = cls || ""; }

  function request(method, url, body) {
    var headers = { "X-CSRF-Token": csrf };
    return fetch(url, { method: method, headers: headers, body: body, credentials: "same-origin" })
      .then(function (r) {
        return r.json().catch(function () { return { ok: false, error: "HTTP " + r.status }; })
          .then(function (j) { j.status = r.status; return j; });
      });
  }

  function sendPieces(file, up, li, tries) {
    var url = form.dataset.piece.replace("ID", up.id);
    function next(offset) {
      say(li, words(SENT, file.name, Math.floor(100 * offset / file.size)), "");
      var end = Math.min(offset + PIECE, file.size);
      return request("PUT", url + "?offset=" + offset, file.slice(offset, end)).then(function (r) {
        if (!r.ok) throw { answer: r };
        return r.done ? r : next(r.offset);
      });
    }
    function resume() {
      return request("GET", url).then(function (r) {
        if (!r.ok) throw { answer: r };
        return next(r.offset);
      });
    }
    return next(0).catch(function retry(e) {
      if (e && e.answer) throw e;             // the server refused: no point retrying
      if (tries-- <= 0) throw { answer: { error: words(FAILING, file.name, 0) } };
      return new Promise(function (ok) { setTimeout(ok, 2000); }).then(resume).catch(retry);
    });
  }

  function uploadOne(file) {
    var li = document.createElement("li");
    results.appendChild(li);
    var data = new FormData();
    data.append("name", file.name);
    data.append("size", String(file.size));
    return request("POST", form.dataset.create, data).then(function (up) {
      if (!up.ok) throw { answer: up };
      return sendPieces(file, up, li, RETRIES);
    }).then(function (r) {
      say(li, [r.message].concat(r.notes || []).join(" "), "ok");
      var list = document.getElementById("files");
      list.textContent = "";
      r.files.forEach(function (name) {
        var item = document.createElement("li");
        item.textContent = name;
        list.appendChild(item);
      });
    }).catch(function (e) {
      say(li, (e && e.answer && e.answer.error) || String(e), "refused");
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var files = Array.prototype.slice.call(form.elements.files.files);
    files.sort(function (a, b) { return a.name < b.name ? -1 : 1; });
    files.reduce(function (p, f) { return p.then(function () { return uploadOne(f); }); }, Promise.resolve());
  });
})();
