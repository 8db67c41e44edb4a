/* Helpportal's one script. Everything here only enhances: the site works without it. */
(function () {
  "use strict";

  // Quick exit: the button, and Esc anywhere. replace() takes this page out of the history,
  // so Back does not return here.
  var exit = document.querySelector("[data-quick-exit]");
  if (exit) {
    var leave = function (event) {
      if (event) { event.preventDefault(); }
      document.body.hidden = true;
      window.location.replace(exit.href);
    };
    exit.addEventListener("click", leave);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" || event.key === "Esc") { leave(event); }
    });
  }

  // "Done" ticks on pathway steps, kept only in this browser (localStorage), never sent.
  var store;
  try { store = window.localStorage; } catch (e) { store = null; }
  if (!store) { return; }
  function doneKey(pathway, step) { return "hp-done:" + pathway + ":" + step; }

  var article = document.querySelector("article.step[data-pathway]");
  if (article) {
    var key = doneKey(article.getAttribute("data-pathway"), article.getAttribute("data-step"));
    var button = document.createElement("button");
    button.type = "button";
    button.className = "done-toggle";
    var labels = [article.getAttribute("data-mark-label"), article.getAttribute("data-undo-label")];
    var render = function () {
      var done = store.getItem(key) === "1";
      button.textContent = labels[done ? 1 : 0];
      button.setAttribute("aria-pressed", done ? "true" : "false");
    };
    button.addEventListener("click", function () {
      if (store.getItem(key) === "1") { store.removeItem(key); } else { store.setItem(key, "1"); }
      render();
    });
    render();
    article.appendChild(button);
  }

  var list = document.querySelector("ol.steps[data-pathway]");
  if (list) {
    var pathway = list.getAttribute("data-pathway");
    Array.prototype.forEach.call(list.querySelectorAll("li[data-step]"), function (item) {
      if (store.getItem(doneKey(pathway, item.getAttribute("data-step"))) === "1") {
        item.classList.add("done");
      }
    });
  }
}());
