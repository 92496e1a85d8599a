/* « Ma messagerie »: small improvements over pages that work without JavaScript.
   - the online-service dialog becomes a real modal (showModal, focus inside, Escape closes it as
     « Fermer et rédiger mon message », focus returned to the page afterwards);
   - the live "characters left" counter of the message (counted like the server does);
   - a send button that cannot be clicked twice. */
(function () {
  "use strict";

  // --- The online-service dialog -------------------------------------------------------------
  function upgradeDialog(dialog) {
    if (typeof dialog.showModal !== "function") return; // old browser: the open dialog stays
    var page = document.getElementById(dialog.getAttribute("data-sm-page"));
    var form = dialog.querySelector("form[data-sm-dismiss]");
    var before = document.activeElement;
    var dismissed = false;

    function returnFocus() {
      var target = before && before !== document.body && document.contains(before) ? before : null;
      if (!target && page) {
        target = page.querySelector("[data-sm-return-focus]") ||
          page.querySelector("input:not([type=hidden]), textarea, select, button");
      }
      if (target) target.focus();
    }

    // The server records the choice, so the dialog is not offered again on the next page.
    function dismiss() {
      if (dismissed) return;
      dismissed = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" }
      })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          if (dialog.open) dialog.close();
          if (page) page.removeAttribute("inert");
          returnFocus();
        })
        .catch(function () {
          form.submit(); // the no-JavaScript way: the server redirects to the next page
        });
    }

    dialog.removeAttribute("open"); // rendered open (non-modal) for browsers without JavaScript
    if (page) page.removeAttribute("inert"); // a modal dialog makes the rest inert itself
    dialog.showModal();
    var first = dialog.querySelector("[data-sm-autofocus]");
    if (first) first.focus();

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      dismiss();
    });
    // Escape (the "cancel" event) means « Fermer et rédiger mon message ».
    dialog.addEventListener("cancel", function (event) {
      event.preventDefault();
      dismiss();
    });
  }

  // --- The characters counter ---------------------------------------------------------------
  function upgradeCounter(textarea) {
    var output = document.getElementById(textarea.getAttribute("data-sm-counter"));
    var max = parseInt(textarea.getAttribute("data-sm-max"), 10);
    if (!output || isNaN(max)) return;
    var rules = window.Intl && Intl.PluralRules
      ? new Intl.PluralRules(document.documentElement.lang || "fr")
      : null;
    var timer = null;

    function text(kind, count) {
      var form = rules && rules.select(count) === "one" ? "one" : "other";
      return textarea.getAttribute("data-sm-" + kind + "-" + form).replace("{n}", String(count));
    }

    function render() {
      // Like the server's rules.normalize_body: one character per line break, no outer blanks;
      // Array.from counts characters (code points) as Python's len() does.
      var value = textarea.value.replace(/\r\n?/g, "\n").trim();
      var left = max - Array.from(value).length;
      output.textContent = left >= 0 ? text("remaining", left) : text("over", -left);
      output.classList.toggle("sm-counter--over", left < 0);
    }

    // A short pause before updating, so screen readers are not told every keystroke.
    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(render, 400);
    });
    render();
  }

  // --- Forms sent once ----------------------------------------------------------------------
  function sendOnce(form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sm-sending")) {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-sm-sending", "true");
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-sm-counter]"), upgradeCounter);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sm-once]"), sendOnce);
    var dialog = document.querySelector("dialog[data-sm-dialog]");
    if (dialog) upgradeDialog(dialog);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
