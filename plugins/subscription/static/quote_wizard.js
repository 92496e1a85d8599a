/* The quote wizard (guide §2): « Suivant » is enabled once every required field of the step is
   filled (marked (*)); the questions asked only with an answer (the spouse's birth date, the
   number of children, the client's email) show only then; the selection's price follows the
   formula and options ticked. The page works without this script: the server checks each step. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-quote-step]");
  if (!form) { return; }
  var next = form.querySelector("[data-quote-next]");

  function checkedValue(name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }

  function applyConditions() {
    form.querySelectorAll("[data-quote-when]").forEach(function (block) {
      var rule = block.getAttribute("data-quote-when").split("=");
      block.hidden = checkedValue(rule[0]) !== rule[1];
    });
    form.querySelectorAll("[data-quote-unless]").forEach(function (block) {
      var box = form.querySelector('input[name="' + block.getAttribute("data-quote-unless") + '"]');
      block.hidden = !!(box && box.checked);
    });
  }

  function visible(element) {
    return !element.closest("[hidden]");
  }

  function complete() {
    var ok = true;
    form.querySelectorAll("input[required], select[required], textarea[required]").forEach(function (input) {
      if (!ok || !visible(input) || input.disabled) { return; }
      if (input.type === "radio") {
        if (!form.querySelector('input[name="' + input.name + '"]:checked')) { ok = false; }
      } else if (input.type === "checkbox") {
        if (!input.checked) { ok = false; }
      } else if (!input.value.trim()) {
        ok = false;
      }
    });
    return ok;
  }

  function money(cents) {
    return (cents / 100).toLocaleString(document.documentElement.lang || "fr", {
      style: "currency", currency: "EUR"
    });
  }

  function updatePrice() {
    var monthlyOut = form.querySelector("[data-quote-monthly]");
    var annualOut = form.querySelector("[data-quote-annual]");
    var chosen = form.querySelector('input[name="formula"]:checked');
    if (!monthlyOut || !annualOut || !chosen) { return; }
    var price = chosen.closest(".q-formula").querySelector("[data-monthly]");
    if (!price) { return; }
    var cents = parseInt(price.getAttribute("data-monthly"), 10) || 0;
    form.querySelectorAll('input[name="options"]:checked').forEach(function (box) {
      var cell = box.closest("li").querySelector("[data-option-cents]");
      cents += cell ? parseInt(cell.getAttribute("data-option-cents"), 10) || 0 : 0;
    });
    var nameOut = form.querySelector("[data-quote-formula]");
    var name = chosen.closest(".q-formula").querySelector("label span");
    if (nameOut && name) { nameOut.textContent = name.textContent; }
    var perMonth = monthlyOut.textContent.replace(/^[^/]*/, "").trim();
    monthlyOut.textContent = money(cents) + (perMonth ? " " + perMonth : "");
    annualOut.textContent = money(cents * 12);
  }

  function refresh() {
    applyConditions();
    updatePrice();
    if (next) {
      var ready = complete();
      next.disabled = !ready;
      next.setAttribute("aria-disabled", ready ? "false" : "true");
    }
  }

  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  refresh();
})();
