// Keyboard and layout glue for the timeline app. Plain DOM events feed two Dash stores through
// dash_clientside.set_props; the server decides what each key means.
(function () {
  "use strict";
  var KEYS = ["ArrowLeft", "ArrowRight", "Escape"];
  // The element ids, as dashboard/app/ids.py names them: the page sets them before this script runs.
  var IDS = window.TIMELINE_IDS || {};

  function typing(target) {
    if (!target) return false;
    var tag = (target.tagName || "").toUpperCase();
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function setProps(id, props) {
    // Stores have no DOM node, so readiness is judged by the graph being on the page.
    if (window.dash_clientside && window.dash_clientside.set_props && document.getElementById(IDS.TIMELINE)) {
      window.dash_clientside.set_props(id, props);
      return true;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || KEYS.indexOf(event.key) < 0) return;
    if (typing(event.target)) return;
    if (setProps(IDS.KEYS, {data: {key: event.key, t: Date.now()}})) event.preventDefault();
  });

  // The server packs labels for the timeline's real width, so tell it that width (and when it changes).
  var lastWidth = 0;
  function measure() {
    var graph = document.getElementById(IDS.TIMELINE);
    if (!graph) return false;
    var width = Math.round(graph.clientWidth);
    if (width > 0 && Math.abs(width - lastWidth) > 8 && setProps(IDS.VIEWPORT, {data: {width: width}})) {
      lastWidth = width;
    }
    return width > 0;
  }
  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(measure, 250);
  });
  var started = Date.now();
  (function waitForGraph() {
    if (!measure() && Date.now() - started < 30000) setTimeout(waitForGraph, 100);
  })();

  // Keep the selected card in sight in the list. Only the list scrolls: scrollIntoView would scroll the
  // page as well and carry the timeline out of view whenever the list reaches below the window.
  window.timelineScrollSelected = function () {
    window.requestAnimationFrame(function () {
      var list = document.getElementById(IDS.LIST);
      var card = list && list.querySelector(".selected");
      if (!card) return;
      var box = list.getBoundingClientRect(), at = card.getBoundingClientRect();
      if (at.top < box.top) list.scrollTop += at.top - box.top;
      else if (at.bottom > box.bottom) list.scrollTop += at.bottom - box.bottom;
    });
    return "";
  };
})();
