"""Take the README's picture of the app: a full-page screenshot of a running server with one event selected.

Usage:  .venv/bin/python scripts/screenshot.py [URL] [OUT.png] [--event ID] [--width PX] [--height PX] [--screen]

It starts nothing: run the app first (`.venv/bin/timeline serve`), then point this at it. Defaults: URL
http://127.0.0.1:8050/, OUT docs/app.png, event ukraine-unity-day. It drives Debian's Chromium
($TIMELINE_CHROMIUM or `chromium` on the PATH), selects the event by clicking its card in the list, as a
person would, waits until the app is quiet and the map is drawn, and saves the picture: the whole page, or with
--screen the window only, as a phone shows it (docs/phone.png: --width 390 --height 844 --screen).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
# How every headless Chromium of the project starts (this script, the browser tests, the benchmark): no sandbox
# (root in a container), no GPU, and nothing that reaches out to the network on its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# No Dash callback pending, and none for `quiet` ms (plotly's first draw fires one more callback).
SETTLED_JS = """(quiet) => {
  const s = window.store && window.store.getState();
  const now = performance.now();
  const busy = !s || s.isLoading || ['requested', 'prioritized', 'blocked', 'executing', 'watched', 'executed',
                                     'stored'].some(k => (s.callbacks[k] || []).length);
  if (busy) { window.__quietSince = null; return false; }
  if (window.__quietSince == null) { window.__quietSince = now; return false; }
  return now - window.__quietSince >= quiet;
}"""
DRAWN_JS = """() => {
  const timeline = document.querySelector('#timeline .js-plotly-plot');
  const map = document.querySelector('#map .js-plotly-plot');
  return !!(timeline && timeline._fullLayout && timeline._fullData.length
            && map && map.querySelector('.geo .land path'));
}"""


def chromium_path() -> str:
    """Debian's Chromium, or the one $TIMELINE_CHROMIUM names."""
    return os.environ.get("TIMELINE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def take(url: str, out: Path, event: str, width: int, height: int, full_page: bool = True) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=[*CHROMIUM_ARGS, "--hide-scrollbars"]
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
            page.set_default_timeout(30_000)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

            def settle() -> None:
                page.evaluate("window.__quietSince = null")
                page.wait_for_function(SETTLED_JS, arg=400)

            page.goto(url)
            page.wait_for_function(DRAWN_JS)
            settle()
            key = json.dumps({"id": event, "type": "list-item"}, separators=(",", ":"), sort_keys=True)
            card = page.locator(f"#card-list a[id='{key}']")
            if card.count() != 1:
                raise SystemExit(f"screenshot: no event '{event}' in the list at {url}")
            card.click()
            page.wait_for_function(
                "(id) => { const a = document.querySelector('#detail-card article.detail');"
                " return a && a.dataset.event === id; }",
                arg=event,
            )
            settle()
            page.wait_for_function(DRAWN_JS)
            page.mouse.move(0, 0)  # no hover label in the picture
            page.evaluate("window.scrollTo(0, 0)")
            settle()
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=full_page, animations="disabled")
            if errors:
                print("screenshot: the page reported errors:\n  " + "\n  ".join(errors), file=sys.stderr)
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:8050/", help="a running app")
    parser.add_argument("out", nargs="?", type=Path, default=REPO / "docs" / "app.png", help="PNG to write")
    parser.add_argument("--event", default="ukraine-unity-day", help="the event to select")
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--screen", action="store_true", help="the window only, not the whole page")
    args = parser.parse_args(argv)
    try:
        take(args.url, args.out, args.event, args.width, args.height, full_page=not args.screen)
    except PlaywrightError as error:
        print(f"screenshot: {error.message.splitlines()[0]} ({args.url})", file=sys.stderr)
        return 1
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
