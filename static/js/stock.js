// The stock forms' product picker (templates/stock/product_picker.html). htmx swaps the
// matches in as the user types; this file only keeps the page in step with the choice.
(function () {
  "use strict";

  // Enter in the search box searches (htmx does it as you type) instead of submitting.
  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (event.key === "Enter" && el instanceof HTMLElement && el.matches("[data-picker-search]")) {
      event.preventDefault();
    }
  });

  // Picking a product writes its unit after the quantity and hides the figures shown for
  // the product the page was opened with.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!(el instanceof HTMLInputElement) || el.type !== "radio" || el.name !== "product") return;
    var form = el.form;
    if (!form) return;
    form.querySelectorAll("[data-unit-display]").forEach(function (unit) {
      unit.textContent = el.getAttribute("data-unit") || "";
    });
    form.querySelectorAll("[data-level-now]").forEach(function (note) {
      note.hidden = note.getAttribute("data-level-now") !== el.value;
    });
  });

  // ...and so does choosing another warehouse.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!(el instanceof HTMLSelectElement) || el.name !== "warehouse" || !el.form) return;
    el.form.querySelectorAll("[data-level-warehouse]").forEach(function (note) {
      if (note.getAttribute("data-level-warehouse") !== el.value) note.hidden = true;
    });
  });
})();
