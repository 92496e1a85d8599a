/* Termination letters: what the script improves (every page works without it).
 * - « Assuré chez qui ? »: the insurers listed as one types (GET /annuaire/recherche), each a
 *   button that chooses it, as the form without script does after « Rechercher ».
 * - The contract's form: the fields that do not apply to the chosen reason are hidden. */
(function () {
  "use strict";
  var TYPED = "__SAISIE__"; // plugins/resiliation/wizard.py: TYPED

  function insurerSearch(form) {
    var input = form.querySelector("input[name=q]");
    var results = document.getElementById("res-results");
    var help = document.querySelector("[data-res-help]");
    if (!input || !results) return;
    var timer = null;
    var last = null;

    function render(entries, query) {
      results.textContent = "";
      if (!entries.length) {
        var none = document.createElement("p");
        none.textContent = (results.dataset.none || "").replace("%s", query);
        results.appendChild(none);
        return;
      }
      var post = document.createElement("form");
      post.method = "post";
      post.action = results.dataset.action || window.location.pathname;
      var token = document.createElement("input");
      token.type = "hidden";
      token.name = "csrf_token";
      token.value = results.dataset.csrf || "";
      post.appendChild(token);
      var list = document.createElement("ul");
      list.className = "res-results";
      entries.forEach(function (entry) {
        var item = document.createElement("li");
        var name = document.createElement("span");
        name.className = "res-results__name";
        name.textContent = entry.name;
        var address = document.createElement("span");
        address.className = "res-results__address";
        address.textContent = (entry.address || []).join(", ");
        name.appendChild(address);
        var button = document.createElement("button");
        button.type = "submit";
        button.name = "insurer_id";
        button.value = entry.id;
        button.className = "button button--secondary";
        button.textContent = results.dataset.choose || "Choisir";
        var hidden = document.createElement("span");
        hidden.className = "visually-hidden";
        hidden.textContent = " : " + entry.name;
        button.appendChild(hidden);
        item.appendChild(name);
        item.appendChild(button);
        list.appendChild(item);
      });
      post.appendChild(list);
      results.appendChild(post);
    }

    function lookup() {
      var query = input.value.trim();
      if (help && help.dataset.template) {
        help.href = query
          ? help.dataset.template.replace(TYPED, encodeURIComponent(query))
          : help.dataset.base;
      }
      if (query === last) return;
      last = query;
      if (query.length < 2) {
        results.textContent = "";
        return;
      }
      var url = form.dataset.resSearch + "?kind=insurer&q=" + encodeURIComponent(query);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (entries) {
          if (entries && input.value.trim() === query) render(entries, query);
        })
        .catch(function () { /* the « Rechercher » button still works */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookup, 200);
    });
  }

  function contractFields(form) {
    var radios = form.querySelectorAll("input[name=reason]");
    if (!radios.length) return;
    function apply() {
      var chosen = form.querySelector("input[name=reason]:checked");
      form.querySelectorAll("[data-res-show-for]").forEach(function (block) {
        var reasons = block.dataset.resShowFor.split(" ");
        block.hidden = !!chosen && reasons.indexOf(chosen.value) === -1;
      });
    }
    radios.forEach(function (radio) { radio.addEventListener("change", apply); });
    apply();
  }

  /* The company's name and SIRET: shown while « professionnel » is ticked. */
  function professional(fieldset) {
    var box = fieldset.querySelector("input[type=checkbox]");
    if (!box) return;
    function apply() {
      fieldset.querySelectorAll("[data-res-company]").forEach(function (block) {
        block.hidden = !box.checked;
      });
    }
    box.addEventListener("change", apply);
    apply();
  }

  document.querySelectorAll("[data-res-professional]").forEach(professional);
  document.querySelectorAll("form[data-res-search]").forEach(insurerSearch);
  document.querySelectorAll("form[data-res-contract]").forEach(contractFields);
})();
