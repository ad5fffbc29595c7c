// Now-playing widget for other sites:
//   <span data-radiod-now-playing="https://radio.example"></span>
//   <script src="https://radio.example/static/widget.js" defer></script>
// Writes "Title — Artist" as plain text (never HTML) and refreshes every 5 seconds.
(function () {
  "use strict";
  var els = document.querySelectorAll("[data-radiod-now-playing]");
  function refresh(el) {
    var base = el.getAttribute("data-radiod-now-playing").replace(/\/$/, "");
    fetch(base + "/api/now-playing")
      .then(function (r) { return r.json(); })
      .then(function (d) {
        el.textContent = d.now ? d.now.title + " — " + d.now.artist : (d.station || "") + " is off air";
      })
      .catch(function () {});
  }
  for (var i = 0; i < els.length; i++) {
    (function (el) { refresh(el); setInterval(function () { refresh(el); }, 5000); }(els[i]));
  }
}());
