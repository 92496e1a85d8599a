/* Paper mail, step 1: drag and drop to reorder the documents (every page works without it: the
 * « Monter » / « Descendre » buttons do the same, and are the keyboard's way). The new order is
 * posted to paper_mail.order; the page is then reloaded to show the new positions and buttons. */
(function () {
  "use strict";

  function setUp(list) {
    var url = list.dataset.orderUrl;
    var form = document.getElementById("pm-order-form");
    var token = form && form.querySelector("input[name=csrf_token]");
    if (!url || !token || !window.fetch) return;
    var items = Array.prototype.slice.call(list.querySelectorAll("li[data-id]"));
    if (items.length < 2) return;
    var dragged = null;

    function clearOver() {
      items.forEach(function (item) { item.classList.remove("pm-over"); });
    }

    function save() {
      var body = new FormData();
      body.append("csrf_token", token.value);
      list.querySelectorAll("li[data-id]").forEach(function (item) {
        body.append("ids", item.dataset.id);
      });
      list.setAttribute("aria-busy", "true");
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" }
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        window.location.reload();
      }).catch(function () {
        list.removeAttribute("aria-busy");
        var alert = document.createElement("p");
        alert.className = "error";
        alert.setAttribute("role", "alert");
        alert.textContent = list.dataset.failed || "";
        list.parentNode.insertBefore(alert, list);
      });
    }

    items.forEach(function (item) {
      item.setAttribute("draggable", "true");
      item.addEventListener("dragstart", function (event) {
        dragged = item;
        item.classList.add("pm-dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.dataset.id);
      });
      item.addEventListener("dragend", function () {
        item.classList.remove("pm-dragging");
        clearOver();
        dragged = null;
      });
      item.addEventListener("dragover", function (event) {
        if (!dragged || dragged === item) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        clearOver();
        item.classList.add("pm-over");
      });
      item.addEventListener("drop", function (event) {
        if (!dragged || dragged === item) return;
        event.preventDefault();
        clearOver();
        // Dropped on a document: the dragged one takes its place (before it when coming from
        // below, after it when coming from above).
        var all = Array.prototype.slice.call(list.children);
        var from = all.indexOf(dragged);
        var to = all.indexOf(item);
        list.insertBefore(dragged, from < to ? item.nextSibling : item);
        save();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var list = document.getElementById("pm-documents");
    if (list) setUp(list);
  });
})();
