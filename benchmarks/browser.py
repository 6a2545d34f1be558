"""Browser measurements in headless Chromium (Debian's, through Playwright): first render, payloads, zoom and
click latency, renderer memory. Times are taken in the page (performance.now(), 0 = navigation start)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from servers import renderer_peak_mb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))  # the project's headless Chromium
from screenshot import CHROMIUM_ARGS, chromium_path  # noqa: E402

CHROMIUM = chromium_path()
VIEWPORT = {"width": 1400, "height": 900}
# How long a zoom's app must stay quiet (no callback queued or in flight, no answer, no redraw) to count as done:
# longer than the gap between plotly's redraw and the callback it starts, so that callback is not missed.
ZOOM_QUIET_MS = 500
PREVIEW_ID = "timeline-preview"  # the static picture of the timeline in our first HTML (dashboard.app.ids.PREVIEW)

# Installed before any page script: counts Dash's callback requests (fetch) and when their answers came, and
# when the user pressed the mouse.
INIT_JS = (
    """
(() => {
  const PREVIEW_ID = """
    + json.dumps(PREVIEW_ID)
    + """;
  const st = window.__bench = {pending: 0, responses: [], ap: [], downAt: null, firstRender: null};
  const original = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : (input && input.url) || '';
    if (url.indexOf('_dash-update-component') < 0) return original.apply(this, arguments);
    const body = init && typeof init.body === 'string' ? init.body : '';
    const rec = {t0: performance.now(), t1: null, relayout: body.indexOf('relayoutData') >= 0,
                 click: body.indexOf('clickData') >= 0};
    st.pending += 1;
    return original.apply(this, arguments).then(async (response) => {
      // Count the answer as arrived once its body is in: clone, so Dash still reads the original.
      try { await response.clone().arrayBuffer(); } catch (e) {}
      rec.t1 = performance.now(); rec.status = response.status; st.responses.push(rec); st.pending -= 1;
      return response;
    }, (error) => { rec.t1 = performance.now(); rec.error = String(error); st.responses.push(rec);
                    st.pending -= 1; throw error; });
  };
  document.addEventListener('mousedown', () => { st.downAt = performance.now(); }, true);
  // The first readable paint: the frame in which a static preview of the timeline (ours carries one in its first
  // HTML) is in the page with a size; frames only run once the page can be drawn (its stylesheets are in).
  // READY_JS's first render counts too, whichever comes first.
  st.previewAt = null;
  const preview = new MutationObserver(() => {
    if (!document.getElementById(PREVIEW_ID)) return;
    preview.disconnect();
    const painted = () => {
      const el = document.getElementById(PREVIEW_ID);
      const box = el && el.getBoundingClientRect();
      if (box && box.width > 0 && box.height > 0) st.previewAt = performance.now();
      else if (el) requestAnimationFrame(painted);
    };
    requestAnimationFrame(painted);
  });
  preview.observe(document, {childList: true, subtree: true});
  // Dash's own queue of callbacks (clientside ones too): a chain that has not reached the network yet counts, and
  // so does the applying of an answer's outputs. st.dashIdle: when the queue last became empty.
  const queued = (store) => {
    const cb = store.getState().callbacks || {};
    return ['requested', 'prioritized', 'blocked', 'executing', 'watched', 'executed', 'stored']
      .some(k => cb[k] && cb[k].length > 0);
  };
  st.dashIdle = [];
  window.__benchDashBusy = () => {
    const store = (window.dash_stores || [])[0]; if (!store) return false;
    if (!st.dashWatched) {
      st.dashWatched = true; let busy = queued(store);
      store.subscribe(() => {
        const now = queued(store); if (busy && !now) st.dashIdle.push(performance.now()); busy = now;
      });
    }
    return queued(store);
  };
  // The graph's plotly div as it is now (a re-mounted graph gets a new one), with plotly_afterplot hooked.
  window.__benchGd = (id) => {
    const root = document.getElementById(id); if (!root) return null;
    const gd = root.classList.contains('js-plotly-plot') ? root : root.querySelector('.js-plotly-plot');
    if (gd && gd.on && !gd.__benchHooked) {
      gd.__benchHooked = true; gd.on('plotly_afterplot', () => st.ap.push(performance.now()));
    }
    if (gd) st.gd = gd;
    return gd;
  };
})();
"""
)

# The graph has drawn traces (marks, bars or a density image); hook plotly_afterplot the first time.
READY_JS = """(id) => {
  const gd = window.__benchGd(id);
  if (!gd || !gd._fullLayout) return false;
  if (!gd.querySelector('.cartesianlayer .trace, .heatmaplayer image, .imagelayer image, .barlayer .point'))
    return false;
  const st = window.__bench;
  if (st.firstRender === null) st.firstRender = performance.now();
  return true;
}"""

# No callback in flight, and nothing answered or redrawn for `quiet` ms.
IDLE_JS = """([id, quiet]) => {
  const st = window.__bench; window.__benchGd(id); if (st.pending > 0 || window.__benchDashBusy()) return false;
  const last = Math.max(0, ...st.responses.map(r => r.t1 || 0), ...st.ap.slice(-1), ...st.dashIdle.slice(-1));
  return performance.now() - last > quiet;
}"""

# A zoom is done when the graph has redrawn since it started and the app is quiet: no callback of Dash queued or
# in flight, and nothing answered, redrawn or applied for `quiet` ms. Its time is the last answer, redraw or end of
# Dash's callbacks it caused; the first redraw is kept too. (A
# zoom into events drawn one by one is plotly's own redraw: the server then only follows with the address and the
# count and sends no figure, so no redraw follows its answer.)
ZOOM_DONE_JS = """([id, t0, quiet]) => {
  const st = window.__bench; window.__benchGd(id);
  if (st.pending > 0 || window.__benchDashBusy()) return false;
  const ap = st.ap.filter(t => t > t0); if (!ap.length) return false;
  const rs = st.responses.filter(r => r.t0 >= t0);
  const last = Math.max(...ap, ...rs.map(r => r.t1 || 0), ...st.dashIdle.filter(t => t > t0));
  if (performance.now() - last <= quiet) return false;
  st.zoomDone = last; st.zoomFirst = ap[0]; st.zoomNoUpdate = rs.length > 0 && rs.every(r => r.status === 204);
  st.zoomRequests = rs.length; return true;
}"""

CANDIDATES_JS = """(id) => {
  const root = document.getElementById(id);
  const gd = root.classList.contains('js-plotly-plot') ? root : root.querySelector('.js-plotly-plot');
  const drag = gd.querySelector('.nsewdrag'); if (!drag) return [];
  const box = drag.getBoundingClientRect(); const vw = window.innerWidth, vh = window.innerHeight;
  const out = []; const ids = new Set(); const spots = new Set();
  for (const tr of gd.querySelectorAll('.cartesianlayer .trace')) {
    const d = tr.__data__; const trace = d && d[0] && d[0].trace;
    if (!trace || !trace.customdata || trace.hoverinfo === 'skip' || trace.visible !== true) continue;
    for (const pt of tr.querySelectorAll('.point')) {
      const pd = pt.__data__; if (!pd || pd.i === undefined) continue;
      const r = pt.getBoundingClientRect(); if (r.width === 0 && r.height === 0) continue;
      const x = r.left + Math.min(r.width / 2, 4), y = r.top + r.height / 2;
      if (x < box.left + 3 || x > box.right - 3 || y < box.top + 3 || y > box.bottom - 3) continue;
      if (x < 5 || y < 5 || x > vw - 5 || y > vh - 5) continue;
      let cd = trace.customdata[pd.i]; if (Array.isArray(cd)) cd = cd[0];
      const spot = Math.round(x / 14) + ':' + Math.round(y / 14);
      if (cd === undefined || ids.has(cd) || spots.has(spot)) continue;
      ids.add(cd); spots.add(spot); out.push({x: x, y: y, id: String(cd), bar: trace.type === 'bar'});
    }
  }
  return out;
}"""


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}]     {message}", file=sys.stderr, flush=True)


class Crashed(Exception):
    """The page's renderer died."""


@dataclass
class PageResult:
    """What one page load of an app measured (times in ms since navigation start)."""

    first_render_ms: float | None = None
    first_paint_ms: float | None = None  # the first readable paint: the preview, or the first render if earlier
    preview_ms: float | None = None  # when the preview was drawn (None: the page had none)
    layout_ms: float | None = None  # when /_dash-layout had arrived
    first_update_ms: float | None = None  # when the first callback answer had arrived
    bytes_to_render: int | None = None  # response bodies as sent (compressed or not) until the first render
    decoded_bytes_to_render: int | None = None  # the same bodies uncompressed
    requests_to_render: int | None = None
    encodings: list[str] = field(default_factory=list)  # content-encodings seen among them ([] = none compressed)
    error: str | None = None


@dataclass
class Session:
    """All browser measurements of one app at one size."""

    loads: list[PageResult] = field(default_factory=list)
    layout_bytes: int | None = None
    layout_figure_bytes: int | None = None
    first_update_bytes: int | None = None
    first_update_figure_bytes: int | None = None
    initial_updates: int | None = None
    initial_update_bytes: int | None = None
    zoom_ms: list[float] = field(default_factory=list)  # until redrawn and quiet
    zoom_first_ms: list[float] = field(default_factory=list)  # until plotly's first redraw
    zoom_requests: list[int] = field(default_factory=list)
    zoom_error: str | None = None
    zoom_no_update: int = 0  # zooms the server answered with 204 (nothing to redraw)
    click_ms: list[float] = field(default_factory=list)
    click_error: str | None = None
    click_note: str = ""
    renderer_mb: float | None = None
    renderer_at_stop: bool = False  # read by run.py just before it stopped a stuck browser
    notes: list[str] = field(default_factory=list)


def launch(playwright: Any) -> Browser:
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--no-proxy-server"], headless=True
    )


def chromium_version() -> str:
    with sync_playwright() as p:
        browser = launch(p)
        try:
            return browser.version
        finally:
            browser.close()


def _content_length(response: Any) -> int | None:
    value = response.headers.get("content-length")
    if value is not None:
        return int(value)
    try:
        return len(response.body())
    except PlaywrightError:
        return None


def _find_figure(node: Any, graph_id: str) -> Any:
    """The figure of the dcc.Graph with this id, somewhere in a Dash layout tree."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            props = current.get("props")
            if isinstance(props, dict) and props.get("id") == graph_id and "figure" in props:
                return props["figure"]
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return None


def _json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode("utf-8"))


class AppPage:
    """One browser page on one app: knows the graph and card of that app."""

    def __init__(self, browser: Browser, base_url: str, graph_id: str, card_selector: str) -> None:
        self.base_url = base_url
        self.graph_id = graph_id
        self.card_selector = card_selector
        self.context = browser.new_context(viewport=VIEWPORT, service_workers="block")
        self.page: Page = self.context.new_page()
        self.page.add_init_script(INIT_JS)
        self.crashed = False
        self.page.on("crash", lambda _: setattr(self, "crashed", True))
        self.responses: list[Any] = []
        self.page.on("response", self._on_response)
        self.finished: list[Any] = []  # every request whose response body has arrived
        self.page.on("requestfinished", lambda request: self.finished.append(request))
        self.on_progress: Callable[[Session], None] = lambda session: None
        self.session: Session | None = None  # told the layout's size as soon as it arrives

    def _on_response(self, response: Any) -> None:
        if "_dash-layout" in response.url or "_dash-update-component" in response.url:
            self.responses.append(response)
        if "_dash-layout" in response.url and self.session is not None and self.session.layout_bytes is None:
            length = response.headers.get("content-length")
            if length is not None:
                self.session.layout_bytes = int(length)
                self.on_progress(self.session)

    def close(self) -> None:
        try:
            self.context.close()
        except PlaywrightError:
            pass

    def _wait(self, script: str, arg: Any, timeout_s: float, polling: Any = "raf") -> None:
        try:
            self.page.wait_for_function(script, arg=arg, polling=polling, timeout=max(timeout_s, 0.1) * 1000)
        except PlaywrightError as error:
            if self.crashed or "crash" in str(error).lower() or "Target closed" in str(error):
                raise Crashed("browser crashed") from None
            raise

    def load(self, query: str, timeout_s: float) -> PageResult:
        """Navigate and wait for the first drawn timeline."""
        result = PageResult()
        deadline = time.monotonic() + timeout_s
        self.page.goto(self.base_url + query, wait_until="commit", timeout=timeout_s * 1000)
        self._wait(READY_JS, self.graph_id, deadline - time.monotonic())
        result.first_render_ms = self.page.evaluate("window.__bench.firstRender")
        result.preview_ms = self.page.evaluate("window.__bench.previewAt")
        result.first_paint_ms = min(filter(None, [result.preview_ms, result.first_render_ms]), default=None)
        timing = self.page.evaluate("""() => {
            const es = performance.getEntriesByType('resource');
            const layout = es.find(e => e.name.indexOf('_dash-layout') >= 0);
            const update = es.find(e => e.name.indexOf('_dash-update-component') >= 0);
            return [layout ? layout.responseEnd : null, update ? update.responseEnd : null]; }""")
        result.layout_ms, result.first_update_ms = timing
        return result

    def bytes_to_render(self, result: PageResult) -> None:
        """Sum the response bodies that had arrived when the graph was first drawn (Playwright's finished requests,
        their ends compared with the page's clock), as sent and uncompressed, into ``result``."""
        if result.first_render_ms is None:
            return
        render_at = self.page.evaluate("performance.timeOrigin") + result.first_render_ms
        sent = decoded = count = 0
        encodings: set[str] = set()
        for request in list(self.finished):
            timing = request.timing
            if timing.get("responseEnd", -1) >= 0 and timing["startTime"] + timing["responseEnd"] > render_at:
                continue
            response = request.response()
            if response is None:
                continue
            size = request.sizes()["responseBodySize"]
            encoding = (response.headers.get("content-encoding") or "").strip().lower()
            count += 1
            sent += size
            if encoding and encoding != "identity":
                encodings.add(encoding)
                try:
                    decoded += len(response.body())
                except PlaywrightError:
                    decoded += size
            else:
                decoded += size
        result.bytes_to_render, result.decoded_bytes_to_render = sent, decoded
        result.requests_to_render, result.encodings = count, sorted(encodings)

    def idle(self, timeout_s: float, quiet_ms: int = 800) -> bool:
        """Wait until no callback is in flight and nothing happened for a while; False on timeout."""
        try:
            self._wait(IDLE_JS, [self.graph_id, quiet_ms], timeout_s, polling=100)
            return True
        except Crashed:
            raise
        except PlaywrightError:
            return False

    def payloads(self, session: Session, parse: bool = True) -> None:
        """Sizes of the layout and of the callback answers of the initial load (this page, up to now); with
        ``parse``, also the size of the figure inside them."""
        updates = [
            r
            for r in self.responses
            if "_dash-update-component" in r.url and self.graph_id in (r.request.post_data or "")
        ]
        layouts = [r for r in self.responses if "_dash-layout" in r.url]
        if layouts:
            session.layout_bytes = _content_length(layouts[0])
            if parse and session.layout_bytes is not None and session.layout_bytes < 400_000_000:
                try:
                    figure = _find_figure(json.loads(layouts[0].body()), self.graph_id)
                    if figure:
                        session.layout_figure_bytes = _json_size(figure)
                except (PlaywrightError, ValueError) as error:
                    session.notes.append(f"layout body unreadable: {error}")
        if updates:
            sizes = [_content_length(r) or 0 for r in updates]
            session.initial_updates = len([size for size in sizes if size])
            session.initial_update_bytes = sum(sizes)
            for response, size in zip(updates, sizes, strict=True):
                if not size or response.status != 200:
                    continue  # 204: nothing to update
                if size >= 400_000_000 or not parse:
                    session.first_update_bytes = size
                    if parse:
                        session.notes.append("first figure answer too large to parse")
                    break
                try:
                    answer = json.loads(response.body()).get("response", {})
                except (PlaywrightError, ValueError, AttributeError) as error:
                    session.notes.append(f"callback answer unreadable: {error}")
                    continue
                figure = (answer.get(self.graph_id) or {}).get("figure")
                if figure is not None:
                    session.first_update_bytes = size
                    session.first_update_figure_bytes = _json_size(figure)
                    break

    # ---- zoom -------------------------------------------------------------------------------------------------

    def zoom(self, ranges: list[tuple[str, str]], timeout_s: float, deadline: float, session: Session) -> None:
        """Relayout to each range in turn, as a drag along the date axis ends (plotly's drag and wheel zooms end
        in the same relayout, whose ``relayoutData`` Dash sees); time from it until the graph has redrawn and the
        app is quiet (``ZOOM_DONE_JS``): the same rule for every app."""
        for index, (lo, hi) in enumerate(ranges):
            budget = min(timeout_s, deadline - time.monotonic())
            if budget <= 1:
                session.zoom_error = f"time budget spent after {index} of {len(ranges)} zooms"
                return
            t0 = self.page.evaluate(
                """([id, lo, hi]) => {
                const st = window.__bench; const gd = window.__benchGd(id); const t0 = performance.now();
                st.zoomT0 = t0; st.zoomDone = null; st.zoomNoUpdate = false;
                Plotly.relayout(gd, {'xaxis.range': [lo, hi]});
                return t0; }""",
                [self.graph_id, lo, hi],
            )
            try:
                self._wait(ZOOM_DONE_JS, [self.graph_id, t0, ZOOM_QUIET_MS], budget, polling=50)
            except Crashed:
                session.zoom_error = f"browser crashed at zoom {index + 1} of {len(ranges)}"
                raise
            except PlaywrightError:
                state = self.page.evaluate(
                    """(t0) => { const st = window.__bench; return `${st.ap.filter(t => t > t0).length} redraws, `
                    + `${st.responses.filter(r => r.t0 >= t0).length} answers, ${st.pending} in flight, `
                    + `Dash ${window.__benchDashBusy() ? 'busy' : 'idle'}`; }""",
                    t0,
                )
                session.zoom_error = (
                    f"timeout after {budget:.0f} s at zoom {index + 1} of {len(ranges)} ({lo} – {hi}; {state})"
                )
                return
            done = self.page.evaluate("window.__bench.zoomDone")
            session.zoom_ms.append(done - t0)
            session.zoom_first_ms.append(self.page.evaluate("window.__bench.zoomFirst") - t0)
            if self.page.evaluate("window.__bench.zoomNoUpdate"):
                session.zoom_no_update += 1
            session.zoom_requests.append(self.page.evaluate("window.__bench.zoomRequests"))
            self.on_progress(session)

    # ---- click ------------------------------------------------------------------------------------------------

    def card_title(self) -> str | None:
        return self.page.evaluate(
            "(sel) => { const e = document.querySelector(sel); return e ? e.textContent : null }", self.card_selector
        )

    def candidates(self) -> list[dict[str, Any]]:
        self.page.evaluate("(id) => { window.__benchGd(id); }", self.graph_id)
        return self.page.evaluate(CANDIDATES_JS, self.graph_id)

    def clicks(self, count: int, timeout_s: float, deadline: float, session: Session) -> None:
        """Click marks (preferably, else bars) spread over the graph; time mousedown -> new card title.

        Positions are read again before every click: selecting an event may scroll the page."""
        clicked: set[str] = set()
        failures = 0
        for index in range(count):
            budget = min(timeout_s, deadline - time.monotonic())
            if budget <= 1:
                session.click_error = f"time budget spent after {len(session.click_ms)} clicks"
                return
            points = self.candidates()
            marks = [p for p in points if not p["bar"]]
            pool = marks if len(marks) >= count else points
            if index == 0:
                if not pool:
                    session.click_error = "no clickable mark in view"
                    return
                session.click_note += (", " if session.click_note else "") + (
                    f"{len(pool)} clickable {'marks' if pool is marks else 'marks/bars'} in view"
                )
            current = self.page.evaluate("() => new URLSearchParams(location.search).get('event')")
            fresh = [p for p in pool if p["id"] not in clicked and p["id"] != current]
            if not fresh and any(p["id"] != current for p in pool):
                # Every mark in view clicked once (a day of a million events is a few marks, each standing for
                # many): round again, each click still changing the card.
                if "round again" not in session.click_note:
                    session.click_note += f", clicked in turn (only {len(clicked)} distinct marks: round again)"
                clicked.clear()
                fresh = [p for p in pool if p["id"] != current]
            if not fresh:
                session.click_error = f"only {len(clicked)} distinct marks to click"
                break
            point = fresh[min(int(index * len(pool) / count), len(fresh) - 1)]
            clicked.add(point["id"])
            before = self.card_title()
            self.page.mouse.move(point["x"], point["y"])
            self.page.wait_for_timeout(150)  # plotly computes the hover that a click picks
            self.page.mouse.click(point["x"], point["y"])
            try:
                self._wait(
                    """([sel, before]) => { const e = document.querySelector(sel);
                    if (e && e.textContent !== before) { window.__bench.cardAt = performance.now(); return true; }
                    return false; }""",
                    [self.card_selector, before],
                    budget,
                )
            except Crashed:
                session.click_error = "browser crashed"
                raise
            except PlaywrightError:
                failures += 1
                if failures >= 3:
                    session.click_error = f"card did not change within {budget:.0f} s ({failures} clicks)"
                    return
                continue
            session.click_ms.append(self.page.evaluate("window.__bench.cardAt - window.__bench.downAt"))
            self.on_progress(session)
            self.idle(min(60, max(deadline - time.monotonic(), 1)), quiet_ms=300)
        if failures:
            session.click_error = f"{failures} click(s) did not change the card"


def zoom_ranges(busiest: str, first: str, last: str, steps: int) -> list[tuple[str, str]]:
    """Ranges halving in width around the busiest day's noon, from the whole span down."""
    import pandas as pd

    centre = pd.Timestamp(busiest) + pd.Timedelta(hours=12)
    full = pd.Timestamp(last) + pd.Timedelta(days=1) - pd.Timestamp(first)
    out = []
    for k in range(1, steps + 1):
        width = full / 2**k  # half the span, then a quarter, …
        lo, hi = centre - width / 2, centre + width / 2
        out.append((lo.isoformat(), hi.isoformat()))
    return out


def run_session(
    *,
    url: str,
    graph_id: str,
    card_selector: str,
    loads: int,
    load_query: str,
    zoom_ranges_: list[tuple[str, str]],
    click_query: str | None,
    click_fallback_queries: list[str],
    click_range: tuple[str, str] | None,
    clicks: int,
    timeout_s: float,
    step_timeout_s: float,
    deadline: float,
    progress: Callable[[Session], None] | None = None,
) -> Session:
    """Everything the browser measures for one app: ``loads`` fresh page loads, then zooms, then clicks.
    ``progress`` is told the session so far after each step (so a hung browser loses nothing measured)."""
    session = Session()

    def mark() -> None:
        session.renderer_mb = max(filter(None, [session.renderer_mb, renderer_peak_mb()]), default=None)
        if progress is not None:
            progress(session)

    def remaining() -> float:
        return deadline - time.monotonic()

    with sync_playwright() as p:
        browser = launch(p)
        page: AppPage | None = None
        try:
            for index in range(loads):
                if remaining() < 2:
                    session.notes.append("time budget spent before all page loads")
                    break
                if page is not None:
                    page.close()
                page = AppPage(browser, url, graph_id, card_selector)
                page.on_progress = lambda _: mark()
                if index == 0:
                    page.session = session
                limit = min(timeout_s, remaining())
                try:
                    result = page.load(load_query, limit)
                except Crashed:
                    session.loads.append(PageResult(error="browser crashed"))
                    return session
                except PlaywrightError as error:
                    text = (
                        "browser crashed"
                        if page.crashed
                        else (
                            f"timeout after {limit:.0f} s"
                            if "Timeout" in str(error)
                            else f"failed: {str(error).splitlines()[0][:120]}"
                        )
                    )
                    if "Timeout" in str(error) and limit < timeout_s - 1:
                        text += " (time budget)"
                    session.loads.append(PageResult(error=text))
                    _log(f"page load {index + 1}: {text}")
                    if index == 0 and not page.crashed:
                        try:
                            page.payloads(session, parse=False)
                        except PlaywrightError:
                            pass
                    return session  # a page that does not render once will not do better the next time
                session.loads.append(result)
                _log(f"page load {index + 1}: first render at {result.first_render_ms / 1000:.2f} s")
                mark()
                page.idle(min(60, max(remaining(), 1)))
                page.bytes_to_render(result)
                if result.bytes_to_render is not None:
                    _log(
                        f"  {result.requests_to_render} responses, {result.bytes_to_render:,} bytes to first render "
                        f"({', '.join(result.encodings) or 'uncompressed'})"
                    )
                if index == 0:
                    page.payloads(session)
                mark()
                if result.first_render_ms and result.first_render_ms > 60_000:
                    break  # slow: one load is enough
            if page is None or not session.loads or session.loads[-1].error:
                return session
            phase = "starting"
            try:
                phase = "zooming"
                t0 = time.monotonic()
                page.zoom(zoom_ranges_, step_timeout_s, deadline, session)
                _log(
                    f"{len(session.zoom_ms)} zooms in {time.monotonic() - t0:.1f} s"
                    + (f" ({session.zoom_error})" if session.zoom_error else "")
                )
                mark()
                if clicks <= 0:
                    return session  # an app without a card (the floor)
                if remaining() < 5:
                    session.click_error = "time budget spent"
                    return session
                # Clicks on a quiet stretch of time, where marks are apart.
                if click_query is not None:
                    for query in (click_query, *click_fallback_queries):
                        page.close()
                        page = AppPage(browser, url, graph_id, card_selector)
                        page.on_progress = lambda _: mark()
                        phase = f"opening {query} for the clicks"
                        page.load(query, min(timeout_s, remaining()))
                        page.idle(min(60, max(remaining(), 1)))
                        if page.candidates():
                            session.click_note = f"opened with {query}"
                            break
                        session.notes.append(f"no clickable mark with {query} (density view?)")
                elif click_range is not None:
                    phase = "zooming to the quiet week for the clicks"
                    page.zoom([click_range], step_timeout_s, deadline, Session())
                    page.idle(min(30, max(remaining(), 1)), quiet_ms=300)
                phase = "clicking"
                t0 = time.monotonic()
                page.clicks(clicks, step_timeout_s, deadline, session)
                _log(
                    f"{len(session.click_ms)} clicks in {time.monotonic() - t0:.1f} s"
                    + (f" ({session.click_error})" if session.click_error else "")
                )
                mark()
            except Crashed:
                session.notes.append(f"browser crashed while {phase}")
                if not session.click_ms and not session.click_error:
                    session.click_error = f"browser crashed while {phase}"
            except PlaywrightError as error:
                message = "timeout" if "Timeout" in str(error) else str(error).splitlines()[0][:160]
                if not session.click_ms and not session.click_error:
                    session.click_error = f"failed while {phase}: {message}"
                session.notes.append(f"{message} while {phase}")
        finally:
            if page is not None:
                page.close()
            browser.close()
    return session


# ---- in a process of its own -----------------------------------------------------------------------------------
# A renderer stuck in a huge figure can keep Playwright from noticing its own timeouts, so run.py runs each
# session as `python benchmarks/browser.py PARAMS.json OUT.json` and stops that process group at the deadline.


def session_to_json(session: Session) -> str:
    return json.dumps(asdict(session))


def session_from_json(text: str) -> Session:
    data = json.loads(text)
    loads = [PageResult(**item) for item in data.pop("loads", [])]
    known = Session.__dataclass_fields__
    return Session(loads=loads, **{k: v for k, v in data.items() if k in known})


def _main(argv: list[str]) -> None:
    params = json.loads(Path(argv[0]).read_text())
    out = Path(argv[1])
    params["zoom_ranges_"] = [tuple(r) for r in params["zoom_ranges_"]]
    if params.get("click_range"):
        params["click_range"] = tuple(params["click_range"])
    params["deadline"] = time.monotonic() + params.pop("budget_s")

    def save(session: Session) -> None:
        tmp = out.with_suffix(".tmp")
        tmp.write_text(session_to_json(session))
        tmp.replace(out)

    save(run_session(**params, progress=save))


if __name__ == "__main__":
    _main(sys.argv[1:])
