// The staff panel's few behaviours. No inline scripts anywhere (the pages' CSP forbids
// them): markup opts in with data- attributes. docs/panel.md lists them.
(function () {
  "use strict";

  // <select data-autosubmit>: submit its form on change (the language switch, filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLElement && el.matches("[data-autosubmit]") && el.form) {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    }
  });

  // "/" (or Ctrl/Cmd+K) focuses the header's search box, Escape closes its results.
  document.addEventListener("keydown", function (event) {
    var box = document.getElementById("header-search");
    if (!box) return;
    var typing = event.target instanceof HTMLElement &&
      (event.target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName));
    if ((event.key === "/" && !typing) || (event.key === "k" && (event.ctrlKey || event.metaKey))) {
      event.preventDefault();
      box.focus();
      box.select();
    } else if (event.key === "Escape") {
      var results = document.getElementById("search-results");
      if (results && results.childElementCount) {
        results.innerHTML = "";
        box.focus();
      }
    } else if (event.key === "ArrowDown" && event.target === box) {
      var first = document.querySelector("#search-results a");
      if (first) { event.preventDefault(); first.focus(); }
    }
  });

  // Clicking outside the search closes its results.
  document.addEventListener("click", function (event) {
    var form = document.querySelector("[data-search]");
    var results = document.getElementById("search-results");
    if (form && results && !form.contains(event.target)) results.innerHTML = "";
  });

  // The side menu on narrow screens.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element && event.target.closest("[data-nav-toggle]");
    if (!button) return;
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    document.body.classList.toggle("nav-open", open);
  });

  // Focus after an htmx swap, for keyboard and screen-reader users: a form that came back
  // with errors focuses its first invalid field; swapped content may name its own target
  // with [data-focus]; otherwise focus stays where it was (the search box while typing).
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!(target instanceof Element)) return;
    var invalid = target.querySelector("[aria-invalid=true]");
    var wanted = invalid || target.querySelector("[data-focus]");
    if (wanted instanceof HTMLElement) {
      if (!wanted.hasAttribute("tabindex") && !/^(INPUT|SELECT|TEXTAREA|BUTTON|A)$/.test(wanted.tagName)) {
        wanted.setAttribute("tabindex", "-1");
      }
      wanted.focus();
    }
  });

  // <button data-confirm="..."> asks before its form is submitted (deactivate a user...).
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var message = submitter && submitter.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
