"""The first readable paint in a real browser: the server's picture of the timeline is on screen before the graph
has drawn, stands in the timeline's frame once the page is built, never takes the pointer, and is gone once the graph
has drawn; a deep link never shows it."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EVENTS, AppPage, Server

from dashboard.app import ids

# Installed before the page's own scripts: when the preview was first drawn with a size (in a frame, so after the
# stylesheets), whether it ever stood in the timeline's frame, and when the graph first had traces.
WATCH_JS = (
    """
(() => {
  const ids = """
    + json.dumps({"PREVIEW": ids.PREVIEW, "TIMELINE": ids.TIMELINE, "TIMELINE_FRAME": ids.TIMELINE_FRAME})
    + """;
  const seen = window.__preview = {shownAt: null, inFrame: false, graphAt: null, pointer: null};
  const look = () => {
    const preview = document.getElementById(ids.PREVIEW);
    if (preview && seen.shownAt === null && preview.getBoundingClientRect().height > 0) {
      seen.shownAt = performance.now();
      seen.pointer = getComputedStyle(preview).pointerEvents;
    }
    if (preview && preview.parentElement && preview.parentElement.id === ids.TIMELINE_FRAME) seen.inFrame = true;
    const graph = document.getElementById(ids.TIMELINE);
    if (seen.graphAt === null && graph && graph.querySelector('.cartesianlayer .trace')) {
      seen.graphAt = performance.now();
    }
    if (seen.graphAt === null) requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();
"""
)

MARK = f'id="{ids.PREVIEW}"'.encode()


def wait_for_preview(server: Server, timeout: float = 90.0) -> None:
    """Ask for the page until it carries the preview: the first request starts its drawing, in the background."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(server.url + "/", timeout=10) as answer:
            if MARK in answer.read():
                return
        time.sleep(0.25)
    pytest.fail(f"the page never carried the preview:\n{server.log_text()[-3000:]}")


def test_the_preview_is_shown_before_the_graph_and_gone_after(
    start_server: Callable[[Path], Server],
    app_for: Callable[[Server], AppPage],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "cache"))  # the server's pictures, this test's own
    server = start_server(EVENTS)
    wait_for_preview(server)

    app = app_for(server)
    app.page.add_init_script(WATCH_JS)
    app.open()
    seen = app.page.evaluate("window.__preview")
    assert seen["shownAt"] is not None, "the preview was never on screen"
    assert seen["graphAt"] is not None and seen["shownAt"] < seen["graphAt"], seen
    assert seen["inFrame"], "the preview never stood in the timeline's frame"
    assert seen["pointer"] == "none", "the preview takes the pointer"
    assert app.page.locator(f"#{ids.PREVIEW}").count() == 0, "the preview is still there after the graph drew"
    assert app.page.locator(".main-svg").count() >= 1  # the graph itself
    assert app.errors == [], app.errors

    deep = app_for(server)
    deep.page.add_init_script(WATCH_JS)
    deep.open("?lanes=actor")
    assert deep.page.evaluate("window.__preview.shownAt") is None, "a deep link showed the default view's picture"
