// The line editor of orders and quotes, and the customer picker of the order list.
// The server does every computation: this file only moves values between fields, asks
// htmx to recompute (the form's hx-trigger "recompute"), removes lines and keeps the
// suggestion lists usable from the keyboard. No inline script: the CSP forbids it.
(function () {
  "use strict";

  function editorOf(el) {
    return el instanceof Element ? el.closest("[data-line-editor]") : null;
  }

  function recompute(el) {
    var form = editorOf(el) || document.querySelector("[data-line-editor]");
    if (form && window.htmx) window.htmx.trigger(form, "recompute");
  }

  function suggestionsOf(picker) {
    return picker ? picker.querySelector("[data-suggestions]") : null;
  }

  function closeSuggestions(picker) {
    var list = suggestionsOf(picker);
    if (list) list.innerHTML = "";
    var text = picker && picker.querySelector("[data-picker-text]");
    if (text) text.setAttribute("aria-expanded", "false");
  }

  function pick(button) {
    var picker = button.closest("[data-picker]");
    if (!picker) return;
    var value = picker.querySelector("[data-picker-value]");
    var text = picker.querySelector("[data-picker-text]");
    if (value) value.value = button.getAttribute("data-id") || "";
    if (text) {
      text.value = button.getAttribute("data-label") || "";
      text.setAttribute("data-picked", text.value);
      text.focus();
    }
    closeSuggestions(picker);
    // The picker's own hx-trigger="picked" (a line filled from its product, the delivery
    // address from the customer) or a filter form listening for it.
    picker.dispatchEvent(new CustomEvent("picked", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var button = target.closest("[data-pick]");
    if (button) {
      event.preventDefault();
      pick(button);
      return;
    }
    var remove = target.closest("[data-remove-line]");
    if (remove) {
      var line = remove.closest("[data-line]");
      var form = editorOf(remove);
      if (!line || !form) return;
      var next = line.nextElementSibling && line.nextElementSibling.querySelector("input[type=search]");
      line.remove();
      (next || form.querySelector(".lines-actions button")).focus();
      recompute(form);
      return;
    }
    // A click elsewhere closes open suggestion lists.
    document.querySelectorAll("[data-picker]").forEach(function (picker) {
      if (!picker.contains(target)) closeSuggestions(picker);
    });
  });

  // Typing over a picked name un-picks it: the id never claims what the box no longer says.
  function unpick(el) {
    var picker = el.closest("[data-picker]");
    var value = picker && picker.querySelector("[data-picker-value]");
    if (value && value.value && el.value !== el.getAttribute("data-picked")) {
      value.value = "";
      if (editorOf(el) && el.closest("[data-line]")) recompute(el);
      else if (picker) picker.dispatchEvent(new CustomEvent("unpicked", { bubbles: true }));
    }
  }

  document.addEventListener("input", function (event) {
    var el = event.target;
    if (!(el instanceof HTMLElement)) return;
    if (el.matches("[data-recompute]")) recompute(el);
    else if (el.matches("[data-picker-text]")) unpick(el);
  });

  // A picker inside a live filter form: its typing is a search for a customer, not a
  // filter, so the form does not hear it (only "picked" and "unpicked").
  function isolate() {
    document.querySelectorAll("[data-picker][data-isolated]").forEach(function (picker) {
      picker.addEventListener("input", function (event) {
        if (event.target instanceof HTMLElement && event.target.matches("[data-picker-text]")) {
          unpick(event.target);
        }
        event.stopPropagation();
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", isolate);
  else isolate();

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLElement && el.matches("select[data-recompute]")) recompute(el);
  });

  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (!(el instanceof HTMLElement)) return;
    var picker = el.closest("[data-picker]");
    if (!picker) return;
    var buttons = Array.prototype.slice.call(picker.querySelectorAll("[data-pick]"));
    var text = picker.querySelector("[data-picker-text]");
    if (el.matches("[data-picker-text]")) {
      if (event.key === "ArrowDown" && buttons.length) {
        event.preventDefault();
        buttons[0].focus();
      } else if (event.key === "Enter") {
        // Enter picks the first suggestion; it never submits the whole document.
        event.preventDefault();
        if (buttons.length) pick(buttons[0]);
      } else if (event.key === "Escape" && buttons.length) {
        event.preventDefault();
        event.stopPropagation();
        closeSuggestions(picker);
      }
    } else if (el.matches("[data-pick]")) {
      var index = buttons.indexOf(el);
      if (event.key === "ArrowDown" && index < buttons.length - 1) {
        event.preventDefault();
        buttons[index + 1].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        (index > 0 ? buttons[index - 1] : text).focus();
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        closeSuggestions(picker);
        if (text) text.focus();
      }
    }
  });

  // Errors that recompute swapped in mark their fields (and clear them once corrected),
  // in the same task as the swap: the field never shows an error it does not announce.
  function markError(list) {
    var input = document.getElementById(list.getAttribute("data-error-for"));
    if (!input) return;
    if (list.textContent.trim()) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.target;
    if (target instanceof Element && target.matches("[data-error-for]")) markError(target);
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    if (target.matches("[data-suggestions]")) {
      var text = target.closest("[data-picker]");
      text = text && text.querySelector("[data-picker-text]");
      if (text) text.setAttribute("aria-expanded", target.querySelector("[data-pick]") ? "true" : "false");
    } else if (target.matches("[data-line]")) {
      var focus = target.querySelector("[data-line-focus]");
      if (focus instanceof HTMLElement) focus.focus();
      recompute(target);
    }
  });
})();
