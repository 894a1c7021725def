/* kefu: small behaviours of the page shell. Everything works without this file too;
 * it only makes menus and messages nicer to use. */
(function () {
  "use strict";

  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target;

    // Dismiss a flash message.
    var dismiss = target.closest("[data-dismiss]");
    if (dismiss) {
      var box = dismiss.closest(dismiss.getAttribute("data-dismiss"));
      if (box) box.remove();
      return;
    }

    // Open or close the navigation on narrow screens.
    var toggle = target.closest("[data-nav-toggle]");
    if (toggle) {
      var nav = document.getElementById(toggle.getAttribute("aria-controls"));
      if (nav) {
        var open = nav.classList.toggle("is-open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      }
      return;
    }

    // Only one top-bar menu open at a time; a click elsewhere closes them.
    closeMenus(target.closest("details.menu"));
  });

  // Escape closes the open menus; focus goes back to the button of the one it was in.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var inside = document.activeElement && document.activeElement.closest("details.menu[open]");
    closeMenus(null);
    if (inside) inside.querySelector("summary").focus();
  });
})();
