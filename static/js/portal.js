// The main navigation folds behind a "Menu" button on narrow screens (portal.css).
// Without this script the button stays hidden and the navigation stays open.
(function () {
  "use strict";
  var toggle = document.querySelector(".nav-toggle");
  var nav = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (!nav) {
    return;
  }
  document.documentElement.classList.add("js-nav");
  toggle.addEventListener("click", function () {
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("is-open", open);
  });
})();
