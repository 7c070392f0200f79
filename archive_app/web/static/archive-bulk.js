// Bulk upload: each file goes up resumably (tus), then joins the batch; the page then
// follows every file's record until it settles. Without JavaScript the form still works
// (the files are posted with it and received in one request).
(function () {
  "use strict";
  // The words shown, in the page's language (web/script_strings.py, put in base.html).
  var T = JSON.parse(document.getElementById("strings").textContent);
  var LABELS = T.batch;
  var CHUNK = 8 * 1024 * 1024;
  var csrf = function () { return document.querySelector("meta[name=csrf-token]").content; };

  function postJSON(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body) }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) {
          var fields = j.fields ? Object.keys(j.fields).map(function (k) { return k + ": " + j.fields[k]; }) : [];
          throw new Error([j.message || j.error || r.status].concat(fields).join(" "));
        }
        return j;
      });
    });
  }

  // Why files were refused (or what became of a duplicate), in the page's language.
  function reasonOf(x) {
    var text = (x.messages && x.messages[T.language]) || x.message || "";
    if (!text) { return ""; }
    return (x.name && x.name.indexOf("/") >= 0 ? x.name.split("/").slice(1).join("/") + ": " : "") + text;
  }

  function setReason(tr, items) {
    var lines = items.map(reasonOf).filter(function (t) { return t; });
    var cell = tr.children[3];
    cell.textContent = "";
    lines.forEach(function (t, i) {
      if (i) { cell.appendChild(document.createElement("br")); }
      cell.appendChild(document.createTextNode(t));
    });
  }

  function row(name) {
    var tr = document.createElement("tr");
    tr.innerHTML = "<td></td><td><progress max='1' value='0'></progress></td><td class='status'>menunggu</td><td class='reason'></td>";
    tr.children[0].textContent = name;
    document.getElementById("bulk-files").appendChild(tr);
    return tr;
  }

  function setStatus(tr, text, cls) {
    var cell = tr.children[2];
    cell.textContent = text;
    cell.className = "status " + (cls || "");
  }

  function uploadOne(file, tr, endpoint, batchUrl) {
    return new Promise(function (resolve) {
      var upload = new window.tus.Upload(file, {
        endpoint: endpoint, chunkSize: CHUNK, retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
        metadata: { filename: file.name }, headers: { "X-CSRFToken": csrf() },
        removeFingerprintOnSuccess: true,
        onProgress: function (sent, total) { tr.children[1].firstChild.value = total ? sent / total : 1; },
        onError: function () {
          setStatus(tr, "gagal diunggah", "failed");
          tr.children[3].textContent = T.connection_lost;
          resolve([]);
        },
        onSuccess: function () {
          var id = upload.url.split("/").pop();
          postJSON(batchUrl, { upload_id: id, name: file.name }).then(function (answer) {
            var o = answer.outcomes;
            tr.dataset.docs = o.map(function (x) { return x.document_id || ""; }).join(",");
            setStatus(tr, o.map(function (x) { return LABELS[x.outcome]; }).join("; "),
                      o.length === 1 ? o[0].outcome : "");
            setReason(tr, o);
            resolve(o);
          }).catch(function (err) {
            setStatus(tr, "gagal", "failed");
            tr.children[3].textContent = err.message;
            resolve([]);
          });
        }
      });
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length) { upload.resumeFromPreviousUpload(previous[0]); }
        upload.start();
      });
    });
  }

  function follow(apiUrl, onItems) {
    fetch(apiUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (batch) {
      var unsettled = onItems(batch);
      if (unsettled) { setTimeout(function () { follow(apiUrl, onItems); }, 2000); }
    }).catch(function () { setTimeout(function () { follow(apiUrl, onItems); }, 5000); });
  }

  var SETTLED = ["ready", "failed", "review", "duplicate", "rejected"];
  var BUSY = ["accepted", "queued", "processing"];

  function itemState(item) {
    if (item.outcome !== "accepted") { return item.outcome; }
    if (!item.status) { return "accepted"; }
    return item.review && item.status === "ready" ? "review" : item.status;
  }

  function describe(item) {
    var s = itemState(item);
    var text = LABELS[s] || s || "—";
    if (s === "queued" || s === "processing") { text += " " + item.progress.done + "/" + item.progress.total; }
    return text;
  }

  // One uploaded file's items: the file itself, or every entry of a ZIP ("kotak.zip/x.png").
  function itemsOf(name, items) {
    return items.filter(function (it) { return it.name === name || it.name.indexOf(name + "/") === 0; });
  }

  function summarize(items) {
    if (items.length === 1) { return { text: describe(items[0]), cls: itemState(items[0]) }; }
    var counts = {};
    items.forEach(function (it) { var s = itemState(it); counts[s] = (counts[s] || 0) + 1; });
    var worst = ["failed", "rejected", "review", "processing", "queued", "accepted", "duplicate", "ready"]
      .filter(function (s) { return counts[s]; })[0];
    return { text: Object.keys(counts).map(function (s) { return counts[s] + " " + (LABELS[s] || s); }).join(", "),
             cls: worst };
  }

  function countSettled(items) {
    return items.filter(function (it) { return SETTLED.indexOf(itemState(it)) >= 0; }).length;
  }

  function startBulk(form) {
    var files = Array.prototype.slice.call(form.querySelector("input[type=file]").files);
    var start = form.querySelector("button[type=submit]");
    if (!files.length || start.disabled) { return; }
    start.disabled = true;
    start.dataset.idle = start.dataset.idle || start.textContent;
    start.textContent = T.uploading;
    document.getElementById("bulk-files").textContent = "";
    function idle() { start.disabled = false; start.textContent = start.dataset.idle; }
    var metadata = {};
    ["election", "form_type", "year", "province", "regency", "district", "village", "tps"].forEach(function (k) {
      var el = form.elements[k];
      if (el && el.value) { metadata[k] = el.value; }
    });
    postJSON(form.dataset.apiBatches, { label: form.elements.label.value, metadata: metadata }).then(function (batch) {
      var batchUrl = form.dataset.apiBatches + "/" + batch.id + "/files";
      document.getElementById("bulk-progress").hidden = false;
      document.getElementById("bulk-batch-link").href = "/batches/" + batch.id;
      var rows = files.map(function (f) { return row(f.name); });
      var next = 0;
      function worker() {  // two uploads at a time
        if (next >= files.length) { return Promise.resolve(); }
        var i = next++;
        return uploadOne(files[i], rows[i], form.dataset.apiUploads, batchUrl).then(worker);
      }
      var uploadsDone = false;
      var warn = function (event) { event.preventDefault(); event.returnValue = ""; };
      window.addEventListener("beforeunload", warn);  // files not yet sent would stop here
      Promise.all([worker(), worker()]).then(function () {
        uploadsDone = true;
        window.removeEventListener("beforeunload", warn);
        idle();
      });
      follow(form.dataset.apiBatches + "/" + batch.id, function (b) {
        files.forEach(function (f, i) {
          var mine = itemsOf(f.name, b.items);
          if (mine.length) {
            var s = summarize(mine);
            setStatus(rows[i], s.text, s.cls);
            setReason(rows[i], mine);
          }
        });
        var settled = countSettled(b.items);
        var overall = document.getElementById("bulk-overall");
        overall.max = Math.max(files.length, b.items.length);
        overall.value = settled;
        document.getElementById("bulk-summary").textContent = settled + " / " + overall.max;
        return !uploadsDone || settled < b.items.length;
      });
    }).catch(function (err) { idle(); alert(T.batch_failed.replace("%(why)s", err.message)); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("bulk-form");
    if (form && window.tus && window.tus.isSupported) {
      form.addEventListener("submit", function (event) { event.preventDefault(); startBulk(form); });
    }
    var page = document.getElementById("batch-page");
    if (page) {
      follow(page.dataset.api, function (batch) {
        var body = document.getElementById("batch-items");
        batch.items.forEach(function (item, i) {
          var tr = body.children[i];
          if (!tr) {  // a file that joined the batch after the page was drawn
            tr = document.createElement("tr");
            tr.innerHTML = "<td></td><td></td><td class='status'></td><td></td>";
            tr.children[0].textContent = item.name;
            tr.children[1].textContent = LABELS[item.outcome] || item.outcome;
            tr.children[3].textContent = reasonOf({ messages: item.messages, message: item.message });
            body.appendChild(tr);
          }
          var cell = tr.children[2];
          cell.className = "status " + itemState(item);
          cell.textContent = describe(item);
        });
        var settled = countSettled(batch.items);
        var overall = document.getElementById("batch-overall");
        overall.max = batch.items.length || 1;
        overall.value = settled;
        document.getElementById("batch-settled").textContent =
          settled + " / " + batch.items.length + " selesai";
        return batch.items.some(function (it) { return BUSY.indexOf(itemState(it)) >= 0; });
      });
    }
  });
})();
