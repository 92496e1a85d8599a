/* The live "characters left" counter of the messaging forms (progressive enhancement: the
   server checks the length too, counting line breaks as one character, blanks trimmed). */
(function () {
  "use strict";
  // French takes the singular for 0 and 1 (« 0 caractère restant »), English for 1 only.
  var french = (document.documentElement.lang || "").toLowerCase().indexOf("fr") === 0;
  function plural(area, kind, n) {
    var one = french ? n === 0 || n === 1 : n === 1;
    var text = area.getAttribute("data-msg-" + kind + (one ? "-one" : "-other")) || "";
    return text.replace("{n}", String(n));
  }
  document.querySelectorAll("textarea[data-msg-counter]").forEach(function (area) {
    var output = document.getElementById(area.getAttribute("data-msg-counter"));
    var max = parseInt(area.getAttribute("data-msg-max"), 10);
    if (!output || !max) return;
    function update() {
      var length = Array.from(area.value.replace(/\r\n?/g, "\n").trim()).length;
      var left = max - length;
      output.textContent = left >= 0 ? plural(area, "left", left) : plural(area, "over", -left);
      output.classList.toggle("msg-counter--over", left < 0);
    }
    output.hidden = false;
    area.addEventListener("input", update);
    update();
  });
})();
