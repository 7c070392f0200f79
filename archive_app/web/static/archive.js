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
