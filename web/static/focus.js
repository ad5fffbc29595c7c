// Focus is never lost after an action: a form posts, the server answers with a new page, and the
// focus goes back to the button that was pressed (when the new page has it, e.g. Skip), else to
// the page's message about the action. A page that names its own target (a #fragment, or a field
// with autofocus, as a refused form does) keeps it.
"use strict";
(() => {
  const KEY = "radiod-focus";
  const keyOf = (button) => [button.form ? new URL(button.form.action, location.href).pathname : "",
                             button.name, button.value, button.textContent.trim()].join("|");
  let store = null;
  try { store = window.sessionStorage; } catch { return; }       // storage refused: the browser's own focus
  document.addEventListener("submit", (ev) => {
    const button = ev.submitter;
    if (button && (ev.target.method || "").toLowerCase() === "post") store.setItem(KEY, keyOf(button));
  });
  const wanted = store.getItem(KEY);
  store.removeItem(KEY);
  if (wanted === null || document.querySelector("[autofocus]")
      || (location.hash && document.getElementById(location.hash.slice(1)))) return;
  const again = [...document.querySelectorAll("button")].find((b) => keyOf(b) === wanted && !b.disabled);
  const flash = document.getElementById("flash");
  if (again) again.focus();
  else if (flash) flash.focus();
})();
