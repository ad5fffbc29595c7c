// The grid's week calendar. Places the blocks on the time axis; a block dragged (or its top or
// bottom edge) shows where it lands and what it would overlap, and on release is sent as the
// block's own edit form (the server checks and saves it, or shows its refusal on the block).
// A click on a block opens that form; a click on an empty time fills "Add a slot".
"use strict";
(() => {
  const cal = document.getElementById("cal");
  if (!cal) return;
  const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  const DAY = 1440, WEEK = 7 * DAY, SNAP = 15;
  const status = document.getElementById("cal-status");
  const whole = document.getElementById("drag-whole");
  const cols = [...cal.querySelectorAll(".cal-day")];
  const blocks = () => [...cal.querySelectorAll(".cal-block")];
  const mins = (t) => { const [h, m] = t.split(":").map(Number); return h * 60 + m; };
  const hhmm = (m) => String(Math.floor(m / 60)).padStart(2, "0") + ":" + String(m % 60).padStart(2, "0");
  // The page's words (translated by the server), with their %(name)s filled in.
  const say = (key, values) => cal.dataset[key].replace(/%\((\w+)\)s/g, (_, name) => values[name]);
  const snap = (m) => Math.round(m / SNAP) * SNAP;
  const place = (el, top, length) => {
    el.style.top = (top / DAY * 100) + "%";
    el.style.height = (Math.max(length, 10) / DAY * 100) + "%";
  };
  for (const b of blocks()) place(b, +b.dataset.top, +b.dataset.length);
  cal.classList.add("placed");
  document.getElementById("drag-whole-line").hidden = false;

  // An airing in minutes from Monday 00:00, and its length.
  const airing = (day, start, end) => {
    let length = mins(end) - mins(start);
    if (length <= 0) length += DAY;
    return { start: DAYS.indexOf(day) * DAY + mins(start), length };
  };
  const clash = (a, b) => [-WEEK, 0, WEEK].some((s) => a.start < b.start + s + b.length && b.start + s < a.start + a.length);

  // The first weekly block the moved airings would overlap (dated exceptions override, they do not clash).
  function overlap(moved, block, all) {
    for (const b of blocks()) {
      if (b.classList.contains("exception") || b.classList.contains("tail")) continue;
      if (b.dataset.slot === block.dataset.slot && (all || b.dataset.day === block.dataset.day)) continue;
      const o = airing(b.dataset.day, b.dataset.start, b.dataset.end);
      if (moved.some((a) => clash(a, o))) return b;
    }
    return null;
  }

  // A day's name in the day links (the day view's sticky bar): a drop there moves the block to that day.
  function dayLinkAt(x, y) {
    return document.elementsFromPoint(x, y).map((el) => el.closest(".cal-days a[data-day]")).find(Boolean) || null;
  }

  function columnAt(x) {
    return cols.findIndex((c) => { const r = c.getBoundingClientRect(); return r.width && x >= r.left && x < r.right; });
  }

  // Where the dragged airing goes: {to_day, start, end} from the pointer's travel.
  function target(d, ev) {
    const col = d.block.closest(".cal-col");
    const link = d.mode === "move" ? dayLinkAt(ev.clientX, ev.clientY) : null;
    for (const a of document.querySelectorAll(".cal-days a")) a.classList.toggle("drop", a === link);
    const dm = link ? 0 : snap((ev.clientY - d.y) / col.getBoundingClientRect().height * DAY);
    const over = columnAt(ev.clientX);
    const dd = link ? DAYS.indexOf(link.dataset.day) - DAYS.indexOf(d.block.dataset.day)
      : d.mode === "move" && over >= 0 ? over - d.col : 0;
    const a = airing(d.block.dataset.day, d.block.dataset.start, d.block.dataset.end);
    let start = a.start, length = a.length;
    if (d.mode === "move") start += dm + dd * DAY;
    else if (d.mode === "bottom") length = Math.min(DAY, Math.max(SNAP, length + dm));
    else { const m = Math.min(dm, length - SNAP); start += m; length -= m; }
    start = ((start % WEEK) + WEEK) % WEEK;
    const s = start % DAY, e = s + length;
    return { to_day: DAYS[Math.floor(start / DAY)], start: hhmm(s), end: e === DAY ? "24:00" : hhmm(e % DAY),
             dm, dd, shift: start - a.start, length };
  }

  function preview(d, t) {
    const b = d.block, top = +b.dataset.top, length = +b.dataset.length;
    if (d.mode === "move") {
      const shown = cols[(d.col + t.dd + 7) % 7];
      const col = (shown.getBoundingClientRect().width ? shown : cols[d.col]).querySelector(".cal-col");
      if (b.parentElement !== col) col.append(b);
      place(b, Math.max(0, Math.min(DAY - SNAP, top + t.dm)), Math.min(length, DAY - Math.max(0, top + t.dm)));
    } else if (d.mode === "bottom") {
      place(b, top, Math.max(SNAP, Math.min(DAY - top, length + t.dm)));
    } else {
      const m = Math.min(t.dm, length - SNAP);
      place(b, Math.max(0, top + m), length - m);
    }
    const all = whole.checked;
    const heads = all ? blocks().filter((x) => x.dataset.slot === b.dataset.slot && !x.classList.contains("tail")) : [b];
    const moved = heads.map((h) => {
      const a = airing(h.dataset.day, h.dataset.start, h.dataset.end);
      return { start: (((a.start + t.shift) % WEEK) + WEEK) % WEEK, length: t.length };
    });
    const other = overlap(moved, b, all);
    b.classList.toggle("conflict", other !== null);
    const where = `${t.to_day} ${t.start}–${t.end}`;
    b.querySelector(".problem").textContent = other
      ? say("msgOverlaps", { where, other: `${other.dataset.day} ${other.dataset.start}–${other.dataset.end} ${other.dataset.title}` })
      : where;
  }

  function send(block, t) {
    const form = document.createElement("form");
    form.method = "post";
    form.action = block.dataset.action;
    const fields = { csrf_token: document.querySelector('input[name="csrf_token"]').value,
                     digest: document.querySelector('input[name="digest"]').value,
                     week: cal.dataset.week, to_day: t.to_day, start: t.start, end: t.end, action: "move" };
    if (whole.checked) fields.whole = "on";
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement("input");
      input.type = "hidden"; input.name = name; input.value = value;
      form.append(input);
    }
    status.textContent = block.querySelector(".problem").textContent;
    document.body.append(form);
    form.submit();
  }

  // A click on an empty time: "Add a slot" filled with that day and hour, the show to choose.
  function add(col, ev) {
    const day = col.closest(".cal-day").dataset.day;
    const r = col.getBoundingClientRect();
    const start = Math.min(DAY - 60, Math.floor((ev.clientY - r.top) / r.height * 24) * 60);
    const form = document.getElementById("add-slot");
    form.elements.days.value = day;
    form.elements.start.value = hhmm(start);
    form.elements.end.value = start + 60 === DAY ? "24:00" : hhmm(start + 60);
    status.textContent = say("msgNew", { day, time: hhmm(start) });
    form.scrollIntoView({ block: "center" });
    form.elements.show.focus();
  }

  // A finger scrolls the page over a block; it picks the block up when held still for a moment
  // (an edge is picked up at once). A mouse or pen picks up at once.
  const HOLD_MS = 350;
  let drag = null, swallow = false;
  cal.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    const col = ev.target.closest(".cal-col");
    const block = ev.target.closest(".cal-block");
    if (!col || (block && block.classList.contains("exception"))) return;
    const edge = ev.target.closest(".edge");
    const mode = !block ? "add" : edge ? (edge.classList.contains("top") ? "top" : "bottom") : "move";
    const held = !(ev.pointerType === "touch" && mode === "move");
    drag = { mode, block, colEl: col, col: cols.indexOf(col.closest(".cal-day")), x: ev.clientX, y: ev.clientY,
             moved: false, held, timer: 0 };
    if (!held) {
      const d = drag;
      d.timer = setTimeout(() => { d.held = true; d.block.classList.add("dragging"); }, HOLD_MS);
    }
    if (block) {
      ev.preventDefault();
      block.setPointerCapture(ev.pointerId);
    }
  });
  // While a block is held, the finger moves the block, not the page.
  cal.addEventListener("touchmove", (ev) => { if (drag && drag.block && drag.held) ev.preventDefault(); },
                       { passive: false });
  cal.addEventListener("pointermove", (ev) => {
    if (!drag || !drag.block) return;
    if (!drag.moved && Math.hypot(ev.clientX - drag.x, ev.clientY - drag.y) < 5) return;
    if (!drag.held) {                                   // a swipe: the page scrolls, nothing is dragged
      clearTimeout(drag.timer);
      drag = null;
      return;
    }
    drag.moved = true;
    drag.block.classList.add("dragging");
    preview(drag, target(drag, ev));
  });
  cal.addEventListener("pointerup", (ev) => {
    const d = drag;
    drag = null;
    if (!d) return;
    clearTimeout(d.timer);
    if (!d.block) { if (ev.target.closest(".cal-col") === d.colEl && !ev.target.closest(".cal-block")) add(d.colEl, ev); return; }
    swallow = true;                                     // the click that follows is this gesture's
    if (!d.moved) { location.href = d.block.querySelector("a").href; return; }
    const t = target(d, ev);
    if (t.shift === 0 && t.length === airing(d.block.dataset.day, d.block.dataset.start, d.block.dataset.end).length) {
      location.reload();                                // dropped where it was
      return;
    }
    send(d.block, t);
  });
  cal.addEventListener("pointercancel", () => {
    if (drag && drag.moved) location.reload();          // put the block back where it is saved
    if (drag) clearTimeout(drag.timer);
    drag = null;
  });
  cal.addEventListener("click", (ev) => { if (swallow) { ev.preventDefault(); swallow = false; } }, true);

  // After an edit the page comes back at the block it was about: give it the focus (once the
  // browser has scrolled to the #fragment, which takes the focus away from anything else).
  const at = location.hash && document.getElementById(location.hash.slice(1));
  const focusable = at && (at.matches(".cal-block") ? at.querySelector("a")
    : at.matches("form") ? at.querySelector("select, input:not([type=hidden])")
    : document.getElementById("flash"));               // a block removed: the message saying so
  if (focusable) {
    const give = () => setTimeout(() => focusable.focus(), 0);
    if (document.readyState === "complete") give(); else addEventListener("load", give);
  }
})();
