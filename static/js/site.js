/* Helpportal's one script. Everything here only enhances: the site works without it.
 *
 * Written for Trusted Types (the CSP's require-trusted-types-for 'script'): no markup from
 * strings (innerHTML, insertAdjacentHTML, document.write), no eval, no string timers. Elements
 * are made with createElement and filled with textContent.
 *
 * What it keeps in the browser: one localStorage key, STORE_KEY, holding the opaque ids of the
 * steps marked as done and what the visitor wrote in exercises, each answer under the opaque id
 * of its exercise (docs/privacy.md). Nothing else is written, and nothing is ever sent: the
 * exercise forms are sent only when the visitor presses one of their buttons.
 */
(function () {
  "use strict";

  var STORE_KEY = "hp";
  // Before, each tick had its own key naming the pathway and step; such keys are moved into
  // STORE_KEY and deleted the first time a page loads.
  var OLD_PREFIX = "hp-done:";
  var SHIFT_PRESSES = 3;
  var SHIFT_WINDOW_MS = 5000;

  function storage(kind) {
    try {
      var store = window[kind];
      store.getItem(STORE_KEY);
      return store;
    } catch (e) {
      return null;
    }
  }
  var local = storage("localStorage");

  function forgetEverything() {
    // All of this origin's storage is this site's own: clear it whole.
    ["localStorage", "sessionStorage"].forEach(function (kind) {
      var store = storage(kind);
      if (store) {
        try { store.clear(); } catch (e) { /* nothing to clear */ }
      }
    });
  }

  function keptCount() {
    var count = 0;
    ["localStorage", "sessionStorage"].forEach(function (kind) {
      var store = storage(kind);
      if (store) { count += store.length; }
    });
    return count;
  }

  function isString(value) { return typeof value === "string"; }

  // STORE_KEY holds {"d": [ids of steps done], "a": {exercise id: answer}}. Before exercises
  // it held the list of ids alone, which is read as {"d": list}.
  function readStore() {
    var found = { d: [], a: {} };
    if (!local) { return found; }
    try {
      var value = JSON.parse(local.getItem(STORE_KEY) || "{}");
      if (Array.isArray(value)) { value = { d: value }; }
      if (!value || typeof value !== "object") { return found; }
      if (Array.isArray(value.d)) { found.d = value.d.filter(isString); }
      if (value.a && typeof value.a === "object" && !Array.isArray(value.a)) {
        Object.keys(value.a).forEach(function (id) {
          if (isString(value.a[id])) { found.a[id] = value.a[id]; }
        });
      }
    } catch (e) { /* unreadable: start again */ }
    return found;
  }

  function writeStore(store) {
    if (!local) { return; }
    try {
      if (store.d.length || Object.keys(store.a).length) {
        local.setItem(STORE_KEY, JSON.stringify(store));
      } else {
        local.removeItem(STORE_KEY);
      }
    } catch (e) { /* storage full or refused: nothing is kept */ }
  }

  function opaqueId(text) {
    // FNV-1a, 32 bits, as 8 hex digits: the stored value names no pathway, step or exercise.
    var hash = 0x811c9dc5;
    for (var i = 0; i < text.length; i += 1) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return ("0000000" + hash.toString(16)).slice(-8);
  }

  function stepId(pathway, step) { return opaqueId(pathway + "/" + step); }

  // The page of one's answers: a button that opens the browser's print dialog (without this
  // script, the page says to use the browser's own print or save command).
  var printer = document.querySelector("[data-print]");
  if (printer) {
    printer.hidden = false;
    printer.querySelector("button").addEventListener("click", function () { window.print(); });
  }

  // Quick exit. The link goes to /exit/, which answers with Clear-Site-Data and a redirect to
  // the neutral site, so it works without this script too. Here, this site's storage is
  // emptied at once, the page is hidden, and replace() takes this page out of the history, so
  // Back does not return here. Shift pressed three times leaves as well, except while typing.
  var exit = document.querySelector("[data-quick-exit]");
  if (exit) {
    var leave = function (event) {
      if (event) { event.preventDefault(); }
      forgetEverything();
      document.body.hidden = true;
      window.location.replace(exit.href);
    };
    exit.addEventListener("click", leave);

    var typing = function (element) {
      if (!element || element.nodeType !== 1) { return false; }
      if (element.isContentEditable) { return true; }
      return element.closest("input, textarea, select, [contenteditable]") !== null;
    };
    var presses = 0;
    var firstPress = 0;
    document.addEventListener("keydown", function (event) {
      var plainShift = event.key === "Shift" && !event.repeat &&
        !event.ctrlKey && !event.altKey && !event.metaKey;
      if (!plainShift || typing(event.target) || typing(document.activeElement)) {
        presses = 0;
        return;
      }
      var now = Date.now();
      if (presses === 0 || now - firstPress > SHIFT_WINDOW_MS) {
        presses = 0;
        firstPress = now;
      }
      presses += 1;
      if (presses >= SHIFT_PRESSES) {
        presses = 0;
        leave();
      }
    });
  }

  // The privacy page: what this browser keeps from this site, and a button to delete it.
  var kept = document.querySelector("[data-browser-storage]");
  if (kept) {
    var status = kept.querySelector("[data-storage-status]");
    var showStatus = function (text) { status.textContent = text; };
    var what = readStore();
    var answered = Object.keys(what.a).length > 0;
    var ticked = what.d.length > 0;
    var said = "data-empty";
    if (answered && ticked) { said = "data-kept-both"; }
    else if (answered) { said = "data-kept-answers"; }
    else if (ticked) { said = "data-kept-done"; }
    else if (keptCount()) { said = "data-kept-other"; }
    showStatus(kept.getAttribute(said));
    var clear = document.createElement("button");
    clear.type = "button";
    clear.className = "button clear-storage";
    clear.textContent = kept.getAttribute("data-button");
    clear.addEventListener("click", function () {
      forgetEverything();
      showStatus(kept.getAttribute("data-cleared"));
    });
    kept.appendChild(clear);
  }

  // "Done" ticks and exercise answers, kept only in this browser, never sent by this script.
  if (!local) { return; }

  function readDone() { return readStore().d; }

  function writeDone(ids) {
    var store = readStore();
    store.d = ids;
    writeStore(store);
  }

  (function moveOldTicks() {
    var ids = readDone();
    var old = [];
    for (var i = 0; i < local.length; i += 1) {
      var key = local.key(i);
      if (key && key.indexOf(OLD_PREFIX) === 0) { old.push(key); }
    }
    if (!old.length) { return; }
    old.forEach(function (key) {
      var parts = key.slice(OLD_PREFIX.length).split(":");
      var id = stepId(parts[0], parts.slice(1).join(":"));
      if (local.getItem(key) === "1" && ids.indexOf(id) === -1) { ids.push(id); }
      local.removeItem(key);
    });
    writeDone(ids);
  }());

  function isDone(id) { return readDone().indexOf(id) !== -1; }

  var article = document.querySelector("article.step[data-pathway]");
  if (article) {
    var id = stepId(article.getAttribute("data-pathway"), article.getAttribute("data-step"));
    var button = document.createElement("button");
    button.type = "button";
    button.className = "done-toggle";
    var labels = [article.getAttribute("data-mark-label"), article.getAttribute("data-undo-label")];
    var render = function () {
      var done = isDone(id);
      button.textContent = labels[done ? 1 : 0];
      button.setAttribute("aria-pressed", done ? "true" : "false");
    };
    button.addEventListener("click", function () {
      var ids = readDone();
      var at = ids.indexOf(id);
      if (at === -1) { ids.push(id); } else { ids.splice(at, 1); }
      writeDone(ids);
      render();
    });
    render();
    article.appendChild(button);
  }

  var list = document.querySelector("ol.steps[data-pathway]");
  if (list) {
    var pathway = list.getAttribute("data-pathway");
    var done = readDone();
    Array.prototype.forEach.call(list.querySelectorAll("li[data-step]"), function (item) {
      if (done.indexOf(stepId(pathway, item.getAttribute("data-step"))) !== -1) {
        item.classList.add("done");
      }
    });
  }

  // Exercises: each answer is kept as it is typed, under its exercise's opaque id, and put
  // back when the step or the plan is opened again. An emptied box keeps nothing. A box the
  // server filled (the form came back with a message) keeps what it shows.
  Array.prototype.forEach.call(document.querySelectorAll("textarea[data-exercise]"), function (box) {
    var answerId = opaqueId(box.getAttribute("data-exercise"));
    var answer = readStore().a[answerId];
    if (!box.value && isString(answer)) { box.value = answer; }
    box.addEventListener("input", function () {
      var store = readStore();
      if (box.value.trim()) { store.a[answerId] = box.value; } else { delete store.a[answerId]; }
      writeStore(store);
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-keeping]"), function (note) {
    note.textContent = note.getAttribute("data-with-script");
  });
}());
