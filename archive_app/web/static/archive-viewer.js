// The scan viewer of a record page: one page at a time, a strip of pages to jump between,
// zoom (buttons, +/-, Ctrl+wheel), pan (drag or scroll) and a quarter turn when the
// automatic turn got a page wrong. Without this script every page shows as a plain image.
(function () {
  "use strict";
  var ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4];
  // The words shown, in the page's language (web/script_strings.py, put in base.html).
  var T = JSON.parse(document.getElementById("strings").textContent);

  function setUp(viewer) {
    var stage = viewer.querySelector("[data-stage]");
    var figures = Array.prototype.slice.call(stage.querySelectorAll("[data-page]"));
    var tools = viewer.querySelector("[data-viewer-tools]");
    if (!figures.length || !tools) { return; }
    var state = { page: 0, zoom: 2, turn: 0 };
    var level = tools.querySelector("[data-zoom-level]");
    var pageOf = tools.querySelector("[data-page-of]");
    var strip = viewer.querySelector("[data-strip]");

    viewer.classList.add("viewer-js");
    tools.hidden = false;
    stage.tabIndex = 0;
    stage.setAttribute("aria-label", T.viewer);

    function image() { return figures[state.page].querySelector("img"); }

    function render() {
      figures.forEach(function (f, i) { f.hidden = i !== state.page; });
      var zoom = ZOOMS[state.zoom];
      var img = image();
      img.style.width = (zoom * 100) + "%";
      img.style.maxWidth = "none";
      img.style.transform = state.turn ? "rotate(" + state.turn + "deg)" : "";
      level.textContent = Math.round(zoom * 100) + "%";
      pageOf.textContent = T.page_of.replace("%(page)s", state.page + 1).replace("%(pages)s", figures.length);
      if (strip) {
        strip.querySelectorAll("[data-goto]").forEach(function (a, i) {
          if (i === state.page) { a.setAttribute("aria-current", "page"); } else { a.removeAttribute("aria-current"); }
        });
      }
      viewer.dataset.page = String(state.page + 1);
      viewer.dataset.zoom = String(zoom);
    }

    function go(index) {
      if (index < 0 || index >= figures.length) { return; }
      image().style.transform = "";
      state.page = index;
      state.turn = 0;
      stage.scrollTop = 0;
      stage.scrollLeft = 0;
      render();
    }

    function zoomBy(step) {
      var next = Math.max(0, Math.min(ZOOMS.length - 1, state.zoom + step));
      if (next === state.zoom) { return; }
      var ratio = ZOOMS[next] / ZOOMS[state.zoom];
      var cx = stage.scrollLeft + stage.clientWidth / 2;
      var cy = stage.scrollTop + stage.clientHeight / 2;
      state.zoom = next;
      render();
      stage.scrollLeft = cx * ratio - stage.clientWidth / 2;
      stage.scrollTop = cy * ratio - stage.clientHeight / 2;
    }

    tools.querySelectorAll("[data-zoom]").forEach(function (b) {
      b.addEventListener("click", function () { zoomBy(parseInt(b.dataset.zoom, 10)); });
    });
    tools.querySelector("[data-fit]").addEventListener("click", function () {
      state.zoom = ZOOMS.indexOf(1);
      render();
    });
    tools.querySelector("[data-rotate]").addEventListener("click", function () {
      state.turn = (state.turn + 90) % 360;
      render();
    });
    if (strip) {
      strip.querySelectorAll("[data-goto]").forEach(function (a, i) {
        a.addEventListener("click", function (e) { e.preventDefault(); go(i); stage.focus(); });
      });
    }
    stage.addEventListener("keydown", function (e) {
      var keys = { ArrowRight: 1, PageDown: 1, ArrowLeft: -1, PageUp: -1 };
      if (e.key in keys && state.zoom <= ZOOMS.indexOf(1)) { e.preventDefault(); go(state.page + keys[e.key]); }
      else if (e.key === "+" || e.key === "=") { e.preventDefault(); zoomBy(1); }
      else if (e.key === "-") { e.preventDefault(); zoomBy(-1); }
    });
    stage.addEventListener("wheel", function (e) {
      if (!e.ctrlKey) { return; }
      e.preventDefault();
      zoomBy(e.deltaY < 0 ? 1 : -1);
    }, { passive: false });

    // Drag to pan: the stage scrolls inside its own box.
    var drag = null;
    stage.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) { return; }
      drag = { x: e.clientX, y: e.clientY, left: stage.scrollLeft, top: stage.scrollTop, moved: false };
      stage.setPointerCapture(e.pointerId);
    });
    stage.addEventListener("pointermove", function (e) {
      if (!drag) { return; }
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; stage.classList.add("panning"); }
      stage.scrollLeft = drag.left - dx;
      stage.scrollTop = drag.top - dy;
    });
    function endDrag() { drag = null; stage.classList.remove("panning"); }
    stage.addEventListener("pointerup", endDrag);
    stage.addEventListener("pointercancel", endDrag);
    // The page images are links for readers without the script; here they stay in the viewer.
    stage.querySelectorAll("a").forEach(function (a) {
      a.addEventListener("click", function (e) { e.preventDefault(); });
      a.draggable = false;
    });
    stage.querySelectorAll("img").forEach(function (img) { img.draggable = false; img.loading = "eager"; });

    var fromHash = /^#page-(\d+)$/.exec(window.location.hash);
    state.page = fromHash ? Math.min(figures.length, Math.max(1, parseInt(fromHash[1], 10))) - 1 : 0;
    render();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-viewer]").forEach(setUp);
  });
})();
