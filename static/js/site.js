/* Helpportal's one script. Everything here only enhances: the site works without it. */
(function () {
  "use strict";
  var exit = document.querySelector("[data-quick-exit]");
  if (!exit) { return; }
  function leave(event) {
    if (event) { event.preventDefault(); }
    document.body.hidden = true;
    // replace() takes this page out of the history, so Back does not return here.
    window.location.replace(exit.href);
  }
  exit.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") { leave(event); }
  });
}());
