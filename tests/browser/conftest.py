"""Real-browser tests: the app as `python -m dashboard serve` runs it, driven in Debian's Chromium by Playwright.

Fixtures:

- ``server``: one server for the session, on a copy of ``events/`` in a temporary folder (tests never touch
  the real folder). ``start_server(folder)`` starts more (own folder, own port) for tests that change files.
- ``chromium``: one headless Chromium for the session; ``app`` a fresh page on ``server`` per test, and
  ``app_for(server)`` one on another server. Each page records console errors, page errors and dialogs.

Every wait is on a condition in the page. After an action, wait for what it should change, then ``settle()``
(no Dash callback pending, for a short quiet spell) before the next action: when the app's one callback is
triggered again while a call is in flight, Dash's renderer drops the earlier result, so an action taken while
the page is still busy (say, plotly's autosize just after the first draw) can be lost.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Playwright, expect, sync_playwright

from dashboard.app import ids
from dashboard.store import Collection, load_collection

REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO / "events"
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "tests"))  # the helpers beside the unit tests
# True when no Dash callback is pending and none has been for `quiet` ms: one definition, shared with the
# screenshot script. The quiet spell covers what plotly fires while drawing a callback's answer.
from screenshot import CHROMIUM_ARGS, SETTLED_JS, chromium_path  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
CHROMIUM = chromium_path()
VIEWPORT = {"width": 1400, "height": 1000}
SERVER_START_S = 30
QUIET_MS = 300
TIMEOUT_MS = 15_000

expect.set_options(timeout=TIMEOUT_MS)

# The page is drawn: the timeline has drawn the server's figure (it alone has a data revision), the count is filled in,
# and the map has drawn its land (it fetches the world's outline first; the timeline resizes once more then).
DRAWN_JS = (
    """() => {
  const gd = document.querySelector('#"""
    + ids.TIMELINE
    + """ .js-plotly-plot');
  return !!(gd && gd.layout && gd.layout.datarevision && gd._fullLayout && gd._fullLayout.xaxis
            && document.getElementById('"""
    + ids.COUNT
    + """').textContent.trim()
            && document.querySelector('#"""
    + ids.MAP
    + """ .js-plotly-plot .geo .land path'));
}"""
)

# The timeline's marks: scatter traces on the main x axis with an event id per point (not the selection
# ring, not the label trace on the twin axis, not the bars). For each: id and on-screen centre.
MARKS_JS = (
    """() => {
  const gd = document.querySelector('#"""
    + ids.TIMELINE
    + """ .js-plotly-plot');
  const box = gd.getBoundingClientRect(), fl = gd._fullLayout, out = [];
  for (const t of gd._fullData) {
    if (t.type !== 'scatter' || t.name === 'selected' || !t.customdata || !t.visible) continue;
    if (t.xaxis !== 'x' || !String(t.mode).includes('markers')) continue;
    const xa = fl[t.xaxis.replace('x', 'xaxis')], ya = fl[t.yaxis.replace('y', 'yaxis')];
    t.customdata.forEach((id, i) => {
      const px = xa.d2p(t.x[i]);
      if (!(px >= 0 && px <= xa._length)) return;  // off the axis: not a mark a person sees or clicks
      const y = box.top + ya._offset + ya.d2p(t.y[i]);
      out.push({id: Array.isArray(id) ? id[0] : id, x: box.left + xa._offset + px, y: y});
    });
  }
  return out;
}"""
)

# The ids of the events the timeline rings: the marks under the ring shapes (layout shapes named "selected").
RINGED_JS = """(selector) => {
  const gd = document.querySelector(selector), out = [];
  for (const ring of (gd.layout.shapes || []).filter(s => s.name === 'selected')) {
    for (const t of gd._fullData) {
      if (t.type !== 'scatter' || !t.customdata || !String(t.mode).includes('markers')) continue;
      t.customdata.forEach((id, i) => {
        if (String(t.x[i]) === String(ring.xanchor) && Number(t.y[i]) === Number(ring.yanchor) && !out.includes(id)) {
          out.push(id);
        }
      });
    }
  }
  return out;
}"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test (`-m "not browser"` leaves them out)."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


# ----------------------------------------------------------------------------------------------- servers


@dataclass
class Server:
    """A running `timeline serve` and where it reads its events."""

    url: str
    port: int
    events: Path
    log: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def run_server(events: Path, log: Path, *extra: str) -> Iterator[Server]:
    """Start `python -m dashboard serve --events EVENTS --port PORT [extra]`, wait until it answers, stop it."""
    port = free_port()
    command = [sys.executable, "-m", "dashboard", "serve", "--events", str(events), "--port", str(port), *extra]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("TIMELINE_EVENTS", None)
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server stopped (exit {process.returncode}):\n{log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(url + "/_dash-layout", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer within {SERVER_START_S} s:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield Server(url, port, events, log, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def events_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled events, which the session server reads."""
    target = tmp_path_factory.mktemp("session") / "events"
    shutil.copytree(EVENTS, target)
    return target


@pytest.fixture(scope="session")
def collection(events_dir: Path) -> Collection:
    """The session's events as the store reads them: titles and time order to check the page against."""
    loaded = load_collection(events_dir)
    assert not loaded.problems, loaded.problems
    return loaded


@pytest.fixture(scope="session")
def server(events_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on the copy of the bundled events; started without --host, so on the default address."""
    with run_server(events_dir, tmp_path_factory.mktemp("logs") / "server.log") as running:
        yield running


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """A factory: start another server on a copy of a folder (for tests that add or break files), with any more
    options of `serve` (``start_server(folder, "--review")``)."""
    with_stack: list[Any] = []

    def start(source: Path, *extra: str) -> Server:
        target = tmp_path / f"events-{len(with_stack)}"
        shutil.copytree(source, target)
        manager = run_server(target, tmp_path / f"server-{len(with_stack)}.log", *extra)
        with_stack.append(manager)
        return manager.__enter__()

    yield start
    for manager in reversed(with_stack):
        manager.__exit__(None, None, None)


# ----------------------------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(playwright_session: Playwright) -> Iterator[Browser]:
    """One headless Chromium (Debian's) for the whole session."""
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM} (run ./scripts/setup.sh --test)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message + ": CI must run the browser tests", pytrace=False)  # a green run without them lies
        pytest.skip(message)
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class AppPage:
    """One browser tab on the app, with what a person does there and what the page reported."""

    page: Page
    base_url: str
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on("dialog", self._on_dialog)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        where = (message.location or {}).get("url", "")
        if "favicon" in where or "favicon" in message.text:
            return
        self.errors.append(f"console.{message.type}: {message.text} ({where})")

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    # -- navigation and waiting

    def open(self, query: str = "") -> AppPage:
        """Load the page (optionally with a query string) and wait until it is drawn and quiet."""
        self.page.goto(self.base_url + "/" + query)
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        self.page.wait_for_function(DRAWN_JS)
        self.settle()

    def settle(self) -> None:
        """Wait until no Dash callback is pending and none has started for a short quiet spell."""
        self.page.evaluate("window.__quietSince = null")
        self.page.wait_for_function(SETTLED_JS, arg=QUIET_MS)

    def expect_url_event(self, event_id: str | None) -> None:
        """The address bar names this event (or none)."""
        if event_id is None:
            expect(self.page).not_to_have_url(re.compile(r"[?&]event="))
        else:
            expect(self.page).to_have_url(re.compile(rf"[?&]event={re.escape(event_id)}(&|$)"))

    # -- the detail card

    @property
    def card(self) -> Any:
        return self.page.locator(f"#{ids.DETAIL}")

    def expect_card(self, event_id: str, title: str) -> None:
        """The detail card shows this event, and the URL names it."""
        expect(self.card.locator("article.detail")).to_have_attribute("data-event", event_id)
        expect(self.card.locator(".detail-title")).to_have_text(title)
        self.expect_url_event(event_id)
        self.settle()

    def expect_no_card(self) -> None:
        expect(self.card.locator(".detail-empty")).to_be_visible()
        expect(self.card.locator("article.detail")).to_have_count(0)
        self.expect_url_event(None)
        self.settle()

    # -- the timeline

    def marks(self) -> list[dict[str, Any]]:
        """Every mark on the timeline: event id and centre in page pixels."""
        return self.page.evaluate(MARKS_JS)

    def mark_ids(self) -> list[str]:
        """The events whose marks are on the axis."""
        return [mark["id"] for mark in self.marks()]

    def noted_ids(self) -> list[str]:
        """The events left off the axis's edges, each named by its note there."""
        return self.page.evaluate(
            f"""() => (document.querySelector('#{ids.TIMELINE} .js-plotly-plot').layout.annotations || [])
                .filter((a) => a.xref === 'paper' && a.name).map((a) => a.name)"""
        )

    def shown_ids(self) -> list[str]:
        """Every event the timeline shows: by its mark, or by its note at an edge."""
        return self.mark_ids() + self.noted_ids()

    def selected_ring(self) -> list[str]:
        """The ids the timeline rings as selected."""
        return self.page.evaluate(RINGED_JS, f"#{ids.TIMELINE} .js-plotly-plot")

    def click_mark(self, event_id: str, title: str) -> None:
        """Point at the event's mark, wait for its hover label (so the pointer is really on it), click."""
        found = [mark for mark in self.marks() if mark["id"] == event_id]
        assert found, f"no mark for {event_id} on the timeline; marks: {self.mark_ids()}"
        x, y = found[0]["x"], found[0]["y"]
        viewport = self.page.viewport_size or VIEWPORT
        assert 0 <= x < viewport["width"] and 0 <= y < viewport["height"], f"mark off screen at {x}, {y}"
        self.page.mouse.move(x, y)
        expect(self.page.locator(f"#{ids.TIMELINE} .hoverlayer .hovertext").first).to_contain_text(title[:30])
        self.page.mouse.click(x, y)

    # -- the list and the controls

    def list_titles(self) -> list[str]:
        return self.page.locator(f"#{ids.LIST} .list-title").all_inner_texts()

    def list_card(self, event_id: str) -> Any:
        key = json.dumps({"id": event_id, "type": ids.LIST_ITEM}, separators=(",", ":"), sort_keys=True)
        return self.page.locator(f"#{ids.LIST} a[id='{key}']")

    def focus_page(self) -> None:
        """Put the keyboard focus on the page body, out of any input."""
        self.page.evaluate("() => { if (document.activeElement) document.activeElement.blur(); }")
        assert self.page.evaluate("document.activeElement === document.body"), "focus is not on the body"

    def press(self, key: str) -> None:
        self.focus_page()
        self.page.keyboard.press(key)

    def choose(self, dropdown_id: str, option: str) -> None:
        """Open a Dash dropdown, tick one option (a checkbox named by its label), and close it by clicking the page
        title."""
        self.page.locator(f"#{dropdown_id}").click()
        self.page.get_by_role("checkbox", name=option, exact=True).click()
        self.page.locator(f"#{ids.TITLE}").click()
        expect(self.page.get_by_role("checkbox", name=option, exact=True)).to_have_count(0)

    def assert_no_errors(self) -> None:
        assert not self.errors, "the browser reported errors:\n" + "\n".join(self.errors)


@pytest.fixture
def app_for(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[[Server], AppPage]]:
    """A factory: a fresh browser context and page on a given server, closed after the test."""
    contexts: list[Any] = []
    pages: list[AppPage] = []

    def make(target: Server) -> AppPage:
        context = chromium.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/Berlin")
        contexts.append(context)
        app = AppPage(context.new_page(), target.url)
        pages.append(app)
        return app

    yield make
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        out = REPO / "test-results"
        out.mkdir(exist_ok=True)
        for index, app in enumerate(pages):
            try:
                app.page.screenshot(path=str(out / f"{request.node.name}-{index}.png"), full_page=True)
            except Exception:  # noqa: BLE001 - a failed screenshot must not hide the test's own failure
                pass
    for context in contexts:
        context.close()


@pytest.fixture
def app(app_for: Callable[[Server], AppPage], server: Server) -> AppPage:
    """A fresh page on the session server (not yet loaded: call ``app.open(query)``)."""
    return app_for(server)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item, so fixtures can screenshot a failed test."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
