// The story page's script: draws the timeline in the reader's colour scheme, shows the selected event's card,
// steps through events with the buttons and ←/→, and tells an embedding page its height.
// Text from the events reaches the page only as copies of the chronology's escaped entries and via textContent.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var data = JSON.parse(document.getElementById("story-data").textContent);
  var plot = document.getElementById("timeline");
  var card = document.getElementById("card");
  var panel = document.querySelector(".card-panel");
  var scroller = document.querySelector(".scroller");
  var previous = document.getElementById("previous");
  var next = document.getElementById("next");
  var position = document.getElementById("position");
  var dark = window.matchMedia("(prefers-color-scheme: dark)");
  var CONFIG = { displayModeBar: false, scrollZoom: false, responsive: false };
  var current = null;
  var fig = figure(); // the figure drawn, in the reader's scheme

  function entry(id) {
    return document.getElementById("event-" + id);
  }

  // A fresh copy each time: plotly keeps and changes the objects it is given.
  function figure() {
    return JSON.parse(document.getElementById(dark.matches ? "figure-dark" : "figure-light").textContent);
  }

  // The ring of the selected event: copies of the figure's hidden ring template (the shape named
  // "selected-template", dashboard/figure/selection.py), one on each of the event's marks, named "selected" and in
  // place of the rings drawn before.
  function withRing() {
    var shapes = fig.layout.shapes || [];
    var template = shapes.filter(function (shape) { return shape.name === "selected-template"; })[0];
    if (!template) return;
    var points = (current && data.marks[current]) || [];
    fig.layout.shapes = shapes.filter(function (shape) { return shape.name !== "selected"; })
      .concat(points.map(function (p) {
        return Object.assign({}, template, {name: "selected", visible: true, xanchor: p[0], yanchor: p[1]});
      }));
  }

  function ring() {
    withRing();
    return Plotly.react(plot, fig.data, fig.layout, CONFIG).then(function () {
      bringMarkIntoView((current && data.marks[current] || [])[0]);
    });
  }

  // On a narrow screen the chart scrolls sideways: keep the selected mark inside the box.
  function bringMarkIntoView(point) {
    var axis = plot._fullLayout && plot._fullLayout.xaxis;
    if (!point || !axis || scroller.scrollWidth <= scroller.clientWidth) return;
    var x = axis._offset + axis.d2p(point[0]);
    if (x < scroller.scrollLeft + 40 || x > scroller.scrollLeft + scroller.clientWidth - 40) {
      scroller.scrollLeft = x - scroller.clientWidth / 4; // the label runs to the right of the mark
    }
  }


  // The card: a copy of the event's entry in the chronology, without its ids (they stay unique) and its link.
  function showCard(li) {
    var copy = li.querySelector("article").cloneNode(true);
    copy.querySelectorAll("[id]").forEach(function (el) { el.removeAttribute("id"); });
    copy.removeAttribute("aria-labelledby");
    copy.querySelectorAll("h3 a").forEach(function (a) { a.replaceWith.apply(a, Array.from(a.childNodes)); });
    card.style.setProperty("--cat", li.style.getPropertyValue("--cat"));
    card.replaceChildren(copy);
  }

  function step(title, button, label) {
    button.disabled = title === undefined;
    button.title = title === undefined ? "" : label + ": " + title;
  }

  function select(id, reveal) {
    var li = entry(id);
    if (!li) return;
    var old = current && entry(current);
    if (old) old.removeAttribute("aria-current");
    current = id;
    li.setAttribute("aria-current", "true");
    showCard(li);
    var at = data.order.indexOf(id);
    position.textContent = (at + 1) + " of " + data.order.length;
    step(data.titles[at - 1], previous, "Previous");
    step(data.titles[at + 1], next, "Next");
    if (reveal) {
      var box = panel.getBoundingClientRect();
      if (box.top < 0 || box.top > window.innerHeight - 120) panel.scrollIntoView({ block: "start" });
    }
  }

  function choose(id, reveal) {
    select(id, reveal);
    ring();
  }

  function move(by) {
    var at = data.order.indexOf(current) + by;
    if (at >= 0 && at < data.order.length) choose(data.order[at], false);
  }

  previous.addEventListener("click", function () { move(-1); });
  next.addEventListener("click", function () { move(1); });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var target = event.target;
    // Arrows keep their own meaning in fields and in the chart's sideways-scrolling box.
    if (target.closest && target.closest("input, textarea, select, [contenteditable], .scroller")) return;
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      move(event.key === "ArrowLeft" ? -1 : 1);
      event.preventDefault();
    }
  });

  // A headline in the chronology selects its event (its link names the entry, so it also works without script).
  document.querySelector(".chronology").addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("h3 a");
    if (!link) return;
    event.preventDefault();
    choose(link.closest(".event").dataset.id, true);
  });

  // The embedding page (see the export's iframe snippet) sizes its frame to the document.
  function postHeight() {
    if (window.parent !== window) {
      window.parent.postMessage({ type: "timeline-story:height", height: document.documentElement.scrollHeight }, "*");
    }
  }
  if (window.ResizeObserver) new ResizeObserver(postHeight).observe(document.body);
  window.addEventListener("load", postHeight);

  // The event named in the address (#event-ID), else the view's selected event, else the first.
  var named = location.hash.indexOf("#event-") === 0 ? decodeURIComponent(location.hash.slice(7)) : "";
  select(entry(named) ? named : data.selected, false);
  ring().then(function () {
    plot.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      var id = point && (Array.isArray(point.customdata) ? point.customdata[0] : point.customdata);
      if (typeof id === "string" && entry(id)) choose(id, true);
    });
    // A label is an annotation named by its event's id.
    plot.on("plotly_clickannotation", function (event) {
      var id = event.annotation && event.annotation.name;
      if (typeof id === "string" && entry(id)) choose(id, true);
    });
  });
  dark.addEventListener("change", function () {
    fig = figure();
    ring();
  });
})();
