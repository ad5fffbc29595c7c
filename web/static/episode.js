// The episode player says which item is playing: audio.currentTime against the chapter list
// (data-chapters on the <audio>, [{at, title, artist}] in seconds), and marks it in the list.
(function () {
  "use strict";
  var audio = document.getElementById("episode-player");
  if (!audio) { return; }
  var chapters = [];
  try { chapters = JSON.parse(audio.getAttribute("data-chapters") || "[]"); } catch (e) { chapters = []; }
  var now = document.getElementById("episode-now");
  var items = document.querySelectorAll(".chapters li[data-at]");
  var shown = -2;
  function current(t) {
    var found = -1;
    for (var i = 0; i < chapters.length; i++) { if (chapters[i].at <= t + 0.05) { found = i; } }
    return found;
  }
  function update() {
    var n = current(audio.currentTime);
    if (n === shown) { return; }
    shown = n;
    for (var i = 0; i < items.length; i++) { items[i].classList.toggle("playing", i === n); }
    if (now) {
      var c = chapters[n];
      now.textContent = c ? (c.artist ? c.artist + " – " + c.title : c.title) : "";
    }
  }
  audio.addEventListener("timeupdate", update);
  audio.addEventListener("seeked", update);
  update();
})();
