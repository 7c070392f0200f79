// Live status: every record badge still queued or processing polls the API until the
// record settles, then the page reloads so the result (pages, downloads) appears.
(function () {
  "use strict";
  // The words shown, in the page's language (web/script_strings.py, put in base.html).
  var T = JSON.parse(document.getElementById("strings").textContent);
  var LABELS = T.status;

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

// Upload forms: a zone files can be dropped on (the file input inside it keeps working
// alone), and a submit button that cannot be pressed twice while the upload runs.
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("strings").textContent);

  function names(input) {
    return Array.prototype.map.call(input.files, function (f) { return f.name; });
  }

  function setUp(zone) {
    var input = zone.querySelector("input[type=file]");
    var list = zone.querySelector("[data-dropzone-list]");
    if (!input) { return; }
    zone.classList.add("dropzone-js");
    function show() {
      var chosen = names(input);
      if (list) { list.textContent = chosen.length ? T.chosen.replace("%(n)s", chosen.length).replace("%(names)s", chosen.join(", ")) : ""; }
    }
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (e) {
        e.preventDefault();
        e.dataTransfer.dropEffect = "copy";
        zone.classList.add("dragging");
      });
    });
    zone.addEventListener("dragleave", function (e) {
      if (!zone.contains(e.relatedTarget)) { zone.classList.remove("dragging"); }
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("dragging");
      var dropped = e.dataTransfer.files;
      if (!dropped.length) { return; }
      if (!input.multiple && dropped.length > 1) {
        if (list) { list.textContent = T.one_file; }
        return;
      }
      input.files = dropped;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    input.addEventListener("change", show);
    show();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-dropzone]").forEach(setUp);
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("button[type=submit]");
        if (!button) { return; }
        // After this turn of the event loop, so the form is sent before the button goes.
        setTimeout(function () { button.disabled = true; button.textContent = form.dataset.busy; }, 0);
      });
    });
  });
})();

// The menu folds behind a button on a narrow screen (the CSS does the folding only when this
// script runs; without it the menu simply wraps).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".menu-toggle");
    var menu = document.getElementById("menu");
    if (!button || !menu) { return; }
    document.documentElement.classList.add("menu-js");
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = menu.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });
})();

// On a narrow screen the search facets start folded, so the results come first.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.matchMedia("(max-width: 800px)").matches) { return; }
    document.querySelectorAll("details[data-fold-narrow]").forEach(function (d) { d.open = false; });
  });
})();

// Search order: choosing another order runs the search again (the "Cari" button does too).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
  });
})();
