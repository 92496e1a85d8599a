// Live preview of the letterhead: the line being typed shows at the end of the preview.
(function () {
  "use strict";
  var input = document.querySelector("input[name='line']");
  var pending = document.querySelector("#letterhead-preview [data-pending]");
  if (!input || !pending) return;
  function update() {
    var text = input.value.replace(/\s+/g, " ").trim();
    pending.textContent = text;
    pending.hidden = text === "";
  }
  input.addEventListener("input", update);
  update();
})();
