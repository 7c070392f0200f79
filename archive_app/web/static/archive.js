// Live status: every record badge still queued or processing polls the API until the
// record settles, then the page reloads so the result (pages, downloads) appears.
(function () {
  "use strict";
  var LABELS = { queued: "Dalam antrean", processing: "Sedang diproses", ready: "Siap", failed: "Gagal" };

  function update(badge, doc) {
    badge.dataset.status = doc.status;
    badge.className = "status " + doc.status;
    badge.querySelector(".label").textContent = LABELS[doc.status] || doc.status;
    var bar = badge.querySelector("progress");
    var count = badge.querySelector(".count");
    if (bar) { bar.max = doc.progress.total || 1; bar.value = doc.progress.done; }
    if (count) { count.textContent = doc.progress.done + "/" + doc.progress.total; }
  }

  function poll(badge) {
    var id = badge.dataset.statusOf;
    fetch("/api/v1/documents/" + id, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (doc) {
        if (!doc) { return; }
        update(badge, doc);
        if (doc.status === "ready" || doc.status === "failed") {
          window.location.reload();
          return;
        }
        setTimeout(function () { poll(badge); }, 1500);
      })
      .catch(function () { setTimeout(function () { poll(badge); }, 5000); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-status-of]").forEach(function (badge) {
      if (badge.dataset.status === "queued" || badge.dataset.status === "processing") {
        setTimeout(function () { poll(badge); }, 1000);
      }
    });
  });
})();

// Records management forms: add a series row to the schedule editor, and tick or untick
// every record on a disposition proposal. Both forms work without this script.
(function () {
  "use strict";

  function addRow(form) {
    var counter = form.querySelector("[data-row-count]");
    var template = form.querySelector("template[data-row-template]");
    var rows = form.querySelector("[data-rows]");
    var n = parseInt(counter.value, 10);
    var html = template.innerHTML.replace(/__n__/g, String(n));
    rows.insertAdjacentHTML("beforeend", html);
    counter.value = String(n + 1);
    var first = rows.lastElementChild && rows.lastElementChild.querySelector("input");
    if (first) { first.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-add-row]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { addRow(button.form); });
    });
    document.querySelectorAll("[data-check-all]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var boxes = button.form.querySelectorAll('input[type=checkbox][name="' + button.dataset.checkAll + '"]');
        var anyOff = Array.prototype.some.call(boxes, function (b) { return !b.checked; });
        boxes.forEach(function (b) { b.checked = anyOff; });
      });
    });
  });
})();
