// Keeps every [data-countdown="ISO instant"] counting down once a second. Its words come from the
// element's data-now / data-hours / data-minutes (translated on the server; {h} {m} {s} are filled here).
(function () {
  "use strict";
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function words(el, ms) {
    var s = Math.floor(ms / 1000);
    if (s <= 0) { return el.getAttribute("data-now"); }
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var pattern = h ? el.getAttribute("data-hours") : el.getAttribute("data-minutes");
    return pattern.replace("{h}", String(h)).replace("{m}", h ? two(m) : String(m)).replace("{s}", two(sec));
  }
  function tick() {
    var items = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < items.length; i++) {
      var at = Date.parse(items[i].getAttribute("data-countdown"));
      if (!isNaN(at)) { items[i].textContent = words(items[i], at - Date.now()); }
    }
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
})();
