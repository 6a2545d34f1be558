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
    // The page takes the key itself when it has the card (see timelineKey below), else the server does.
    var taken = window.timelineKey && window.timelineKey(event.key);
    if (taken || setProps(IDS.KEYS, {data: {key: event.key, t: Date.now()}})) event.preventDefault();
  });

  // A press on the timeline or the map takes the focus from a control: the arrow keys then step through the events
  // (a radio button keeps the focus through a click on the plot, and its arrows would change the lanes instead).
  document.addEventListener("mousedown", function (event) {
    var plot = event.target.closest && event.target.closest("#" + IDS.TIMELINE_FRAME + ", #" + IDS.MAP_FRAME);
    var focused = document.activeElement;
    var controls = document.getElementById(IDS.CONTROLS);
    if (plot && focused && controls && controls.contains(focused) && focused.blur) focused.blur();
  }, true);

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

  // The server's static picture of the timeline (in the page's first HTML, for the default view) stands in for the
  // graph: it moves into the graph's frame once the page is built, and goes as soon as the graph has drawn the
  // server's figure or the view could not be drawn.
  (function followPreview() {
    var preview = document.getElementById(IDS.PREVIEW);
    if (!preview) return;
    var watcher = new MutationObserver(function () {
      var frame = document.getElementById(IDS.TIMELINE_FRAME);
      var graph = document.getElementById(IDS.TIMELINE);
      var notice = document.getElementById(IDS.NOTICE);
      var gd = graph && (graph.classList.contains("js-plotly-plot") ? graph : graph.querySelector(".js-plotly-plot"));
      // The server's figure (it alone carries a data revision) is drawn, even one of no events; or it failed.
      if ((gd && gd._fullLayout && gd.layout && gd.layout.datarevision && gd.querySelector(".main-svg")) ||
          (notice && notice.querySelector("[role=alert]"))) {
        watcher.disconnect();
        preview.remove();
      } else if (frame && preview.parentNode !== frame) {
        frame.appendChild(preview);
      }
    });
    watcher.observe(document.body, {childList: true, subtree: true});
  })();

  // Links that select an event (the list's cards, related events, the card's Close) change the address in place,
  // as dcc.Link does, but without its jump to the top of the page: a reader tapping down the list keeps their place.
  // The address drives the view as every control does; without this script the links load the same view.
  // A link that selects an event holds the address of the view it was drawn in. The view may have moved since: a
  // zoom changes only the addresses in the list and the card, and the server does not send those parts again
  // (dashboard/app/held.py). So before a link is used (pointed at, focused, pressed, its menu opened), it takes
  // the address on screen with its own event, which the server writes last (``event=``).
  function followAddress(link) {
    var href = link.getAttribute("href") || "";
    var own = (href.split("#")[0].split("?")[1] || "").split("&").filter(function (part) {
      return part.indexOf("event=") === 0;
    });
    var here = window.location.search.replace(/^\?/, "").split("&").filter(function (part) {
      return part !== "" && part.indexOf("event=") !== 0;
    });
    var next = "?" + here.concat(own).join("&");
    if (next !== href) link.setAttribute("href", next);
  }
  ["pointerover", "focusin", "mousedown", "touchstart", "contextmenu"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var link = event.target.closest && event.target.closest("a[data-select]");
      if (link) followAddress(link);
    }, {capture: true, passive: true});
  });

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.altKey || event.ctrlKey || event.metaKey ||
        event.shiftKey || !event.target.closest) return;
    var link = event.target.closest("a[data-select]");
    if (!link || !window.history.pushState) return;
    event.preventDefault();
    followAddress(link);
    var href = link.getAttribute("href");
    if (window.timelineShowCard) window.timelineShowCard(href);  // at once, when the page has the card
    window.history.pushState({}, "", href);
    window.dispatchEvent(new PopStateEvent("popstate", {state: {}}));
  });

  // Where the keyboard focus last was: in the list, it follows the selected card when the list is drawn anew
  // (the old card's element is gone, and the focus would fall back to the page's body).
  var focusInList = false;
  document.addEventListener("focusin", function (event) {
    var list = document.getElementById(IDS.LIST);
    focusInList = !!(list && list.contains(event.target));
  });

  // Keep the selected card in sight in the list. Only the list scrolls: scrollIntoView would scroll the
  // page as well and carry the timeline out of view whenever the list reaches below the window.
  window.timelineScrollSelected = function () {
    window.requestAnimationFrame(function () {
      var list = document.getElementById(IDS.LIST);
      var card = list && list.querySelector(".selected");
      if (!card) return;
      var lost = !document.activeElement || document.activeElement === document.body;
      if (focusInList && lost) card.focus({preventScroll: true});
      var box = list.getBoundingClientRect(), at = card.getBoundingClientRect();
      if (at.top < box.top) list.scrollTop += at.top - box.top;
      else if (at.bottom > box.bottom) list.scrollTop += at.bottom - box.bottom;
    });
    return "";
  };

  // On a phone the filters fold away behind "Filters (N)"; the button opens and closes them.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("#" + IDS.FILTERS_TOGGLE);
    var controls = document.getElementById(IDS.CONTROLS);
    if (!toggle || !controls) return;
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    controls.setAttribute("data-open", String(open));
  });

  // Dash's own controls, as they come, break a few ARIA rules that screen readers and keyboards rely on; mend
  // them wherever they are drawn (each mend writes only when needed, so the observer settles).
  function mend() {
    // A dropdown takes Tab focus on a hidden input that hands it to its button: let the button take it itself.
    document.querySelectorAll(".dash-dropdown-focus-target").forEach(function (input) {
      if (input.tabIndex !== -1) input.tabIndex = -1;
      var button = input.nextElementSibling;
      if (button && !button.disabled && button.tabIndex !== 0) button.tabIndex = 0;
    });
    // Radio items and a menu's choices come as a listbox of options that each hold a radio button or a checkbox,
    // the controls the keyboard really uses: a group of those, named by the control's label.
    document.querySelectorAll(".dash-dropdown-content[role=dialog]:not([aria-label])").forEach(function (menu) {
      var trigger = menu.id && document.querySelector('[aria-controls="' + CSS.escape(menu.id) + '"]');
      var control = trigger && trigger.closest(".control");
      var label = control && control.querySelector(".control-label");
      menu.setAttribute("aria-label", label ? label.textContent : "Choices");
    });
    document.querySelectorAll(".dash-options-list[role=listbox]").forEach(function (list) {
      var radios = list.classList.contains("dash-radioitems");
      var control = list.closest(".control");
      var label = radios ? control && control.querySelector(".control-label") : null;
      var menu = list.closest("[role=dialog]");
      list.setAttribute("role", radios ? "radiogroup" : "group");
      var name = label ? label.textContent : menu && menu.getAttribute("aria-label");
      if (name) list.setAttribute("aria-label", name);
    });
    document.querySelectorAll(".dash-options-list-option[role], .dash-options-list-option[aria-selected]").forEach(
      function (option) { option.removeAttribute("role"); option.removeAttribute("aria-selected"); });
    // The timeline and the map are images to assistive technology (named by what they show): their toolbars,
    // shown on hover, are for the pointer; the keyboard has the same in the controls (dates, quick ranges, All).
    document.querySelectorAll(".graph-frame .modebar-btn").forEach(function (button) {
      if (button.tabIndex !== -1) button.tabIndex = -1;
    });
  }
  var mending = false;
  new MutationObserver(function () {
    if (mending) return;
    mending = true;
    window.requestAnimationFrame(function () { mending = false; mend(); });
  }).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ["tabindex", "role", "aria-selected"],
  });
})();

// Selection in the page: a click on a mark or a label, or an arrow key or Escape, picks an event. When the server
// sent that event's card ahead (the cards store, for views of up to a hundred or so events), the card shows and the
// mark is ringed at once; the pick then tells the server, whose answer brings the address, the list and the map.
(function () {
  "use strict";
  var IDS = window.TIMELINE_IDS || {};
  var STEPS = {ArrowLeft: -1, ArrowRight: 1};

  // The page's requests to the server's callback in flight. The page's own reports (a pick, a zoom) wait until
  // none is, and the answer has been applied: Dash keeps only the last answer of a callback asked again while it
  // runs, and a report read from an address not yet updated would undo the action before it (a theme, a range).
  var inFlight = 0;
  var idle = [];
  var fetchPage = window.fetch;
  window.fetch = function (input) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    if (url.indexOf("_dash-update-component") < 0) return fetchPage.apply(this, arguments);
    inFlight += 1;
    var settle = function () {
      inFlight -= 1;
      // Dash reads the answer and applies it within a frame or two of its arrival.
      window.requestAnimationFrame(function () { window.requestAnimationFrame(function () {
        setTimeout(runIdle, 0);
      }); });
    };
    return fetchPage.apply(this, arguments).then(
      function (response) { settle(); return response; },
      function (error) { settle(); throw error; });
  };
  function runIdle() {
    if (inFlight) return;
    var waiting = idle;
    idle = [];
    waiting.forEach(function (fn) { fn(); });
  }
  var IDLE_WAIT_MS = 3000;  // a request that never ends must not hold the page's reports for ever
  function whenIdle(fn) {
    var ran = false;
    var once = function () { if (!ran) { ran = true; fn(); } };
    idle.push(once);
    setTimeout(once, IDLE_WAIT_MS);
    if (!inFlight) setTimeout(runIdle, 0);
  }
  // ``fn`` at once when nothing is in flight or waiting, else as ``whenIdle``.
  function nowOrWhenIdle(fn) {
    if (!inFlight && !idle.length) fn();
    else whenIdle(fn);
  }

  function graph() {
    var frame = document.getElementById(IDS.TIMELINE);
    return frame && (frame.classList.contains("js-plotly-plot") ? frame : frame.querySelector(".js-plotly-plot"));
  }

  // The event whose card is drawn: the card says so itself (data-event), whatever the address still says.
  function drawn() {
    var detail = document.getElementById(IDS.DETAIL);
    var card = detail && detail.querySelector("[data-event]");
    return card ? card.getAttribute("data-event") : "";
  }

  // The event last picked here, and the card drawn when it was: until another card is drawn, that pick is the
  // current event (keys pressed faster than the card is drawn step on from it, not from the card before).
  var picked = null;
  function current() {
    if (picked && drawn() === picked.from) return picked.id;
    picked = null;
    return drawn();
  }

  // The event a pick chooses, if the page can tell: an id, "" for none, null to leave it to the server.
  function chosen(kind, value, store) {
    var cards = (store && store.cards) || {};
    var id = null;
    if (kind === "click") {
      var point = value && value.points && value.points[0];
      id = point && typeof point.customdata === "string" ? point.customdata : null;
    } else if (kind === "label") {
      id = value && value.annotation && typeof value.annotation.name === "string" ? value.annotation.name : null;
    } else if (kind === "key" && value) {
      if (value.key === "Escape") return current() ? "" : null;
      var order = (store && store.order) || [];
      if (!order.length || !(value.key in STEPS)) return null;
      var at = order.indexOf(current());
      id = at < 0 ? order[STEPS[value.key] > 0 ? 0 : order.length - 1]
        : order[Math.min(Math.max(at + STEPS[value.key], 0), order.length - 1)];
    }
    return id !== null && Object.prototype.hasOwnProperty.call(cards, id) ? id : null;
  }

  // Rings the event's marks with copies of the figure's hidden ring template (the shape named "selected-template",
  // dashboard/figure/selection.py), named "selected": plotly redraws the shapes alone.
  function ring(id) {
    var gd = graph();
    var shapes = (gd && gd.layout && gd.layout.shapes) || [];
    var template = shapes.filter(function (shape) { return shape.name === "selected-template"; })[0];
    if (!template || !gd._fullData) return;
    shapes = shapes.filter(function (shape) { return shape.name !== "selected"; });
    gd._fullData.forEach(function (trace) {
      if (trace.type !== "scatter" || !trace.customdata || String(trace.mode).indexOf("markers") < 0) return;
      for (var i = 0; i < trace.customdata.length; i++) {
        if (trace.customdata[i] === id) {
          shapes.push(Object.assign({}, template, {name: "selected", visible: true, xanchor: trace.x[i],
                                                   yanchor: trace.y[i]}));
        }
      }
    });
    window.Plotly.relayout(gd, {shapes: shapes});
  }

  // ``fn`` once the card of ``id`` is in the page and a frame has painted it (at most half a second on): the ring's
  // redraw would otherwise hold the card back, and the card is what the reader waits for.
  function afterCard(id, fn) {
    var frames = 0;
    (function check() {
      if (drawn() === id || ++frames > 30) {
        window.requestAnimationFrame(function () { setTimeout(fn, 0); });
      } else {
        window.requestAnimationFrame(check);
      }
    })();
  }

  // Marks the event's card in the list, if the list shows it (the server's answer brings the right page).
  function markList(id) {
    var list = document.getElementById(IDS.LIST);
    if (!list) return;
    list.querySelectorAll(".list-card.selected").forEach(function (card) {
      card.classList.remove("selected");
      card.removeAttribute("aria-current");
    });
    var card = id && list.querySelector('.list-card[data-event="' + CSS.escape(id) + '"]');
    if (card) {
      card.classList.add("selected");
      card.setAttribute("aria-current", "true");
    }
    if (window.timelineScrollSelected) window.timelineScrollSelected();
  }

  // The click whose card the page showed as plotly told of it, before Dash did (see hookGraph).
  var early = null;

  // The card of the event a pick chooses, if the page has it; shown at once, the mark ringed, the list marked.
  function show(kind, value, store) {
    var id = chosen(kind, value, store);
    var card = id === null ? null : id === "" ? store.none : store.cards[id];
    if (card && kind === "click" && early && early.id === id && Date.now() - early.at < EARLY_MS) {
      early = null;  // shown already, when plotly told of this click
      return id;
    }
    if (card) {
      window.dash_clientside.set_props(IDS.DETAIL, {children: card});
      picked = {from: drawn(), id: id};
      markList(id);
      // The ring once the card is painted: plotly redrawing the shapes (and Dash handing it the figure again
      // after) would hold the card back by a frame or two.
      afterCard(id, function () { ring(id); });
    }
    return card ? id : null;
  }

  // What the server is told of a pick once it is idle: the action, the event the page chose (null: the server
  // chooses), and whether the page still shows that event's card and ring (an answer in between may have drawn
  // another), so that the server need not send them.
  function report(kind, value, id) {
    return new Promise(function (resolve) {
      whenIdle(function () {
        var shown = id !== null && drawn() === id;
        resolve({kind: kind, value: value, selected: id, shown: shown, t: Date.now()});
      });
    });
  }

  // A click on a mark or a label (the callback's inputs), or a key the page could not take itself.
  function pick(click, label, key, store) {
    var triggered = window.dash_clientside.callback_context.triggered || [];
    var prop = triggered.length ? triggered[0].prop_id : "";
    var kind = /\.clickData$/.test(prop) ? "click" : /\.clickAnnotationData$/.test(prop) ? "label"
      : /\.data$/.test(prop) ? "key" : null;
    if (!kind) return window.dash_clientside.no_update;
    var value = kind === "click" ? click : kind === "label" ? label : key;
    return report(kind, value, show(kind, value, store));
  }

  // A click on a mark shows its card as plotly tells of it, before Dash's graph does: Dash's store renders the
  // page's components again on every change, and the card then waits for one render, not two. The pick that
  // follows (Dash's clickData) reports it to the server. A zoom likewise goes to the server as plotly tells of it
  // (``zoomed``), before Dash's graph draws the figure again to keep its copy in step. The listeners go first where
  // plotly's emitter allows.
  var EARLY_MS = 2000;
  // The timeline's figure as Dash holds it, with what a relayout changed (the axes of a zoom, the shapes of a ring)
  // set to plotly's: what Dash's graph would set itself, at the cost of drawing the whole figure again. Anything
  // unexpected leaves it to the graph.
  function inStep(gd, data) {
    try {
      var store = window.dash_stores && window.dash_stores[0];
      var state = store && store.getState();
      var path = state && state.paths && state.paths.strs && state.paths.strs[IDS.TIMELINE];
      if (!path || !data || !gd.layout) return;
      var node = path.reduce(function (at, key) { return at && at[key]; }, state.layout);
      var figure = node && node.props && node.props.figure;
      if (!figure || !figure.layout) return;
      Object.keys(data).forEach(function (key) {
        var part = key.split(".")[0].split("[")[0];
        if (["autosize", "width", "height"].indexOf(part) < 0 && gd.layout[part] !== undefined) {
          figure.layout[part] = JSON.parse(JSON.stringify(gd.layout[part]));
        }
      });
    } catch (error) { /* the graph draws its figure again, as it would anyway */ }
  }
  function hookGraph() {
    var gd = graph();
    if (!gd || !gd._ev || gd.__timelineHooked) return;
    gd.__timelineHooked = true;
    var clicked = function (data) {
      if (!cards) return;
      var shown = show("click", data, cards);
      early = shown === null ? null : {id: shown, at: Date.now()};
    };
    var first = function (name, listener) {
      if (gd._ev.prependListener) gd._ev.prependListener(name, listener);
      else gd.on(name, listener);
    };
    // Dash's graph passes a click on (its clickData starts the pick that reports it to the server): when the card
    // is shown already, that waits until it is painted, for Dash's callbacks take the page a few frames.
    gd._ev.listeners("plotly_click").forEach(function (listener) {
      gd._ev.removeListener("plotly_click", listener);
      gd.on("plotly_click", function (data) {
        if (early && Date.now() - early.at < EARLY_MS) afterCard(early.id, function () { listener(data); });
        else listener(data);
      });
    });
    first("plotly_click", clicked);
    // Dash's graph answers a zoom by drawing its whole figure again, to keep its copy of the axes in step with
    // what plotly shows. The axes are put in its copy first (as it would), so it only reports the zoom.
    gd._ev.listeners("plotly_relayout").forEach(function (listener) {
      gd._ev.removeListener("plotly_relayout", listener);
      gd.on("plotly_relayout", function (data) { inStep(gd, data); listener(data); });
    });
    first("plotly_relayout", zoomed);
  }

  // The cards as last sent: the keys are taken here, one press at a time (a callback would see only the last of
  // several quick presses).
  var cards = null;
  function remember(store) {
    cards = store;
    hookGraph();
  }

  // A key (← → Esc) taken by the page when it has the card it steps to; false leaves it to the server.
  window.timelineKey = function (key) {
    if (!cards || !window.dash_clientside || !window.dash_clientside.set_props) return false;
    var value = {key: key, t: Date.now()};
    var id = show("key", value, cards);
    if (id === null) return false;
    report("key", value, id).then(function (data) { window.dash_clientside.set_props(IDS.PICK, {data: data}); });
    return true;
  };

  // A link that selects an event in the view on screen (a list card, a related event, Close): its card at once,
  // when the page has it; the address it goes to brings the server's answer.
  window.timelineShowCard = function (href) {
    var query = function (text) {
      var params = new URLSearchParams((text.split("?")[1] || "").split("#")[0]);
      var id = params.get("event") || "";
      params.delete("event");
      params.sort();
      return {id: id, rest: params.toString()};
    };
    var target = query(href), here = query(window.location.search);
    if (!cards || target.rest !== here.rest || !window.dash_clientside || !window.dash_clientside.set_props) return;
    var card = target.id === "" ? cards.none
      : Object.prototype.hasOwnProperty.call(cards.cards, target.id) ? cards.cards[target.id] : null;
    if (!card) return;
    picked = {from: drawn(), id: target.id};
    window.dash_clientside.set_props(IDS.DETAIL, {children: card});
    markList(target.id);
    afterCard(target.id, function () { ring(target.id); });
  };

  // A zoom or pan, passed on to the server (for the address, the count and the list); plotly has redrawn the plot
  // already. One alone (a drag, a double click) goes at once; one of a run (a wheel's notches, which plotly
  // reports one by one, or zooms in quick succession) once the zooming has paused for ZOOM_PAUSE_MS, so that the
  // answers do not hold up the zooming. Resizes and the page's own rings are not zooms.
  var ZOOM_PAUSE_MS = 200;
  var zoom = null;  // the last zoom not yet passed on
  var zoomTimer = null;
  var lastZoomAt = -Infinity;
  var lastWheelAt = -Infinity;
  document.addEventListener("wheel", function (event) {
    var graph = document.getElementById(IDS.TIMELINE);
    if (graph && graph.contains(event.target)) lastWheelAt = Date.now();
  }, {capture: true, passive: true});
  function pauseMs() {
    return typeof window.TIMELINE_ZOOM_PAUSE_MS === "number" ? window.TIMELINE_ZOOM_PAUSE_MS : ZOOM_PAUSE_MS;
  }
  function zoomed(relayout) {
    var isZoom = relayout && Object.keys(relayout).some(function (key) {
      return key.indexOf("xaxis.range") === 0 || key === "xaxis.autorange";
    });
    if (!isZoom) return;
    var now = Date.now();
    var alone = !zoomTimer && now - lastZoomAt > pauseMs() && now - lastWheelAt > pauseMs();
    zoom = relayout;
    lastZoomAt = now;
    clearTimeout(zoomTimer);
    var passOn = function () {
      zoomTimer = null;
      nowOrWhenIdle(function () {
        var last = zoom;
        zoom = null;
        if (last && window.dash_clientside && window.dash_clientside.set_props) {
          window.dash_clientside.set_props(IDS.ZOOM, {data: last});
        }
      });
    };
    if (alone) passOn();
    else zoomTimer = setTimeout(passOn, pauseMs());
  }

  // The map's figure, handed on once the timeline has drawn the server's figure (it alone carries a data
  // revision): after that, at once. The map waits at most MAP_WAIT_MS.
  var MAP_WAIT_MS = 10000;
  var timelineDrawn = false;
  function mapAfterTimeline(figure) {
    if (!figure) return window.dash_clientside.no_update;
    if (timelineDrawn) return figure;
    var started = Date.now();
    return new Promise(function (resolve) {
      (function wait() {
        var gd = graph();
        var drawn = gd && gd._fullLayout && gd.layout && gd.layout.datarevision &&
          !gd.classList.contains("dash-graph--pending");
        if (drawn || Date.now() - started > MAP_WAIT_MS) {
          timelineDrawn = true;
          hookGraph();
          window.requestAnimationFrame(function () { setTimeout(function () { resolve(figure); }, 0); });
        } else {
          setTimeout(wait, 30);
        }
      })();
    });
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.timeline = Object.assign(window.dash_clientside.timeline || {}, {
    pick: pick, remember: remember, mapAfterTimeline: mapAfterTimeline,
  });
})();
