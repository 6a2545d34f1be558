"""The Dash app: ``create_app(events)`` builds it; ``server`` serves ``$TIMELINE_EVENTS`` under a WSGI server."""

from __future__ import annotations

import html
import os
from pathlib import Path

from dash import Dash

from dashboard.app import callbacks, download, layout
from dashboard.store import Collection, load_collection

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def create_app(events: Path | str) -> Dash:
    """A Dash app over the events below ``events``; files are re-read when they change (on each request)."""
    root = Path(events)

    def load() -> Collection:
        return load_collection(root)

    app = Dash(
        __name__,
        assets_folder=str(ASSETS),
        title="Timeline",
        update_title=None,
        suppress_callback_exceptions=False,
    )
    # Dash pastes the title into the page's <title> as raw HTML: escape it, or a collection title such as
    # '</title><script>…' would run in every visitor's browser.
    app.title = html.escape(load().settings.title)
    # A function, so that every page load reads the files again: new events and fixed problems show up
    # on reload without restarting the server.
    app.layout = lambda: layout.page(load(), app.get_asset_url("topojson/"))
    callbacks.register(app, load)
    download.register(app, load)
    return app


def __getattr__(name: str) -> object:
    """``dashboard.app:server`` for gunicorn, built on first use from $TIMELINE_EVENTS (default ./events)."""
    if name == "server":
        app = create_app(os.environ.get("TIMELINE_EVENTS", "events"))
        globals()["server"] = app.server
        return app.server
    raise AttributeError(name)
