"""The Dash app: ``create_app(events)`` builds it; ``server`` serves ``$TIMELINE_EVENTS`` under a WSGI server."""

from __future__ import annotations

import gc
import html
import json
import logging
import os
import re
import sys
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import cast

from dash import Dash
from dash import html as components
from plotly import graph_objects as go
from plotly.offline import get_plotlyjs_version

from dashboard import duck
from dashboard.app import callbacks, download, ids, layout, preview, review_card
from dashboard.app.history_card import know_folder
from dashboard.model import CollectionSettings
from dashboard.postgres import Reader, is_database, safe_name
from dashboard.store import event_paths, load_collection
from dashboard.table import Collection, Problem, empty_events

ASSETS = Path(__file__).resolve().parents[2] / "assets"
# The graphs' plotly.js: the trace types the app draws, built by scripts/plotly-bundle from the plotly.js release
# the plotly package carries. Served from the assets, but not put in the page: dcc.Graph fetches it when it is needed.
PLOTLY_BUNDLE = "vendor/plotly-timeline.min.js"
log = logging.getLogger(__name__)


def empty_collection(problems: list[Problem] | None = None) -> Collection:
    """A collection without events, for a page that must be drawn whatever the files hold."""
    return Collection(empty_events(), problems or [], CollectionSettings())


LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


def page_language(settings: CollectionSettings) -> str:
    """The language of the page's text: the collection's, when its settings name one (a BCP 47 tag), else English."""
    language = getattr(settings, "language", None)
    return language if isinstance(language, str) and LANGUAGE_TAG.fullmatch(language) else "en"


def page_html(index_string: str, language: str) -> str:
    """Dash's page with its language declared, and without the ``<footer>`` Dash wraps its scripts in: a second
    footer landmark beside the page's own would confuse screen readers' landmark lists."""
    page = index_string.replace("<html>", f'<html lang="{language}">', 1)
    return re.sub(r"<footer>(\s*\{%config%\}\s*\{%scripts%\}\s*\{%renderer%\}\s*)</footer>", r"\1", page, count=1)


def with_plotly(index_string: str, url: str) -> str:
    """The page with its graphs' plotly.js named. dcc.Graph fetches the script that ``window._dashPlotlyJSURL`` names
    (Dash's renderer sets it to the whole plotly.js, 4.8 MB): this name stands instead, a bundle of a third of the
    size, which the browser fetches and parses in a third of the time."""
    named = json.dumps(url).replace("</", "<\\/")  # never closes the script element, whatever the path prefix
    script = (
        '<script>Object.defineProperty(window, "_dashPlotlyJSURL", '
        f"{{configurable: true, get: function () {{ return {named}; }}, set: function () {{}}}});</script>"
    )
    return index_string.replace("{%scripts%}", script + "\n{%scripts%}", 1)


# The warm-ups running (``_app``). A server that forks its workers from this process (gunicorn --preload) waits
# for them first: a worker forked while one holds a lock (the store's, the file engine's) would inherit the lock
# held, for ever.
_warming: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


def _before_fork() -> None:
    for warm in list(_warming):
        if warm is not threading.current_thread():
            warm.join()
    # What the process holds now is shared with the child until either writes to it; the collector's passes write
    # to every object they visit, and would copy the shared pages into each worker: leave them out of its passes.
    gc.freeze()


os.register_at_fork(before=_before_fork)


def load_figure_rules() -> None:
    """plotly reads its rules for every property of a figure (a 3 MB JSON file, 8 MB of objects) when the first
    figure is drawn: read them while the server starts, so that the workers it forks (gunicorn --preload) share one
    copy rather than each reading its own at its first request."""
    go.Layout(title={"text": ""})


APP_LOAD_ERROR = 4  # the exit code by which a gunicorn worker says its app cannot be loaded: the master stops


class Refused(ValueError):
    """Settings an app cannot be made with (an engine it does not know, or one that cannot read what it is given)."""


ENGINES = ("pandas", "duckdb")  # how a server holds a folder's events: in memory, or in a DuckDB file it queries


def create_app(events: Path | str, review: bool = False, engine: str = "pandas") -> Dash:
    """A Dash app over the events below ``events`` (or in the PostgreSQL database it names: see
    ``dashboard.postgres``); files are re-read when they change (on each request), a database when its version
    does. With ``review``, drafts' cards have Accept, Edit and Reject buttons, which write to the folder; without
    it nothing that writes is even registered. ``engine``: "pandas" holds the events in each server process;
    "duckdb" keeps them in a DuckDB file beside the folder's cache, which each process queries
    (``dashboard.duck``)."""
    if engine not in ENGINES:
        raise Refused(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    if is_database(events):
        if review:
            raise Refused("reviewing drafts works on an events folder, not a database")
        if engine != "pandas":
            raise Refused(f"the {engine} engine works on an events folder: a database is queried where it is")
        return _app(Reader(str(events)), safe_name(str(events)), None, False)
    if review and engine != "pandas":
        raise Refused("reviewing drafts works with the pandas engine")
    root = Path(events)
    read: Callable[[], Collection] = duck.Folder(root) if engine == "duckdb" else lambda: load_collection(root)

    def load() -> Collection:
        # The store reports bad files as problems and never raises for bad input; anything else (a bug, the disk)
        # must not take every request down with it: the page says so and the next load tries again.
        try:
            collection = read()
            know_folder(collection, root)  # the cards' history reads git below it
            return collection
        except Exception as error:  # noqa: BLE001 - the last guard around the store
            if isinstance(error, duck.BuildFailed):  # logged by the loader when it was tried, in one line
                what = f"could not be built into their DuckDB file; trying again within {duck.RETRY_BUILD_S} s"
            else:
                log.exception("loading the events below %s failed", root)
                what = f"could not be loaded ({type(error).__name__})"
            try:
                files = event_paths(root) if root.exists() else []
            except OSError:
                files = [root]
            if not files:  # nothing to read: no events, which the page explains
                return empty_collection()
            return empty_collection(
                [
                    Problem(
                        str(root),
                        1,
                        1,
                        f"the events {what}; the server log has the details",
                    )
                ]
            )

    return _app(load, str(events), root, review)


def _app(load: Callable[[], Collection], folder: str, root: Path | None, review: bool) -> Dash:
    """The app over what ``load`` gives, named ``folder`` in the page (never with a password); ``root``: the
    folder that reviewing drafts writes to."""
    app = Dash(
        __name__,
        assets_folder=str(ASSETS),
        title="Timeline",
        update_title=cast(str, None),  # None leaves the page title alone (Dash documents it, but types it str)
        suppress_callback_exceptions=False,
        compress=True,  # plotly.js and Dash's scripts are 6 MB as they are, under 2 MB compressed (flask-compress)
        assets_path_ignore=["^vendor$"],  # served when asked for, not put in the page
    )
    # Dash pastes the title into the page's <title> as raw HTML: escape it, or a collection title such as
    # '</title><script>…' would run in every visitor's browser.
    settings = load().settings
    app.title = html.escape(settings.title)
    app.index_string = page_html(app.index_string, page_language(settings))
    app.index_string = with_plotly(app.index_string, f"{app.get_asset_url(PLOTLY_BUNDLE)}?v={get_plotlyjs_version()}")

    def page() -> components.Div:
        """The page for this load of the files; if it cannot be drawn, an empty page that says why."""
        topojson = app.get_asset_url("topojson/")
        try:
            return layout.page(load(), topojson, folder, review=review)
        except Exception as error:  # noqa: BLE001 - the last guard: a page with an alert, never a 500
            log.exception("the page over %s could not be drawn", folder)
            try:
                return layout.page(empty_collection(), topojson, folder, failure=error)
            except Exception:  # noqa: BLE001 - not even the empty page: the alert alone
                log.exception("the empty page could not be drawn either")
                return components.Div(layout.failure_alert(error, "this page"), id=ids.ROOT, className="app")

    # Dash checks the callbacks against a layout and sends it in every page's config. Left unset, it would be
    # this page, drawn before the server listens (at a million events a second, mostly the consistency check)
    # and then sent to every reader. The page of no events has every id the callbacks name; it names no folder,
    # which it would tell every reader of a page that has events.
    app.validation_layout = layout.page(  # type: ignore[assignment]  # Dash types it None, documents a layout
        empty_collection(), app.get_asset_url("topojson/"), review=review
    )
    # A function, so that every page load reads the files again: new events and fixed problems show up
    # on reload without restarting the server.
    app.layout = page

    # The first page of a collection works out its consistency warnings: done now, while the server starts
    # listening, so that the first reader does not wait for it; and plotly reads its rules for figures.
    def warm_up() -> None:
        page()
        load_figure_rules()

    warm = threading.Thread(target=warm_up, name="timeline-warm", daemon=True)
    _warming.add(warm)
    warm.start()
    callbacks.register(app, load, folder, review)
    # The downloads leave drafts out, as `timeline export` does without --drafts; a reviewer downloads them too.
    download.register(app, load, drafts=review)
    if review and root is not None:
        review_card.register(app, load, root)
    # The page for '/' carries a picture of the default view's timeline, readable long before Dash has loaded.
    preview.install(app, load)
    return app


def __getattr__(name: str) -> object:
    """``dashboard.app:server`` for gunicorn, built on first use from $TIMELINE_EVENTS (default ./events), with the
    engine $TIMELINE_ENGINE names (default pandas)."""
    if name == "server":
        events, engine = os.environ.get("TIMELINE_EVENTS", "events"), os.environ.get("TIMELINE_ENGINE", "pandas")
        try:
            app = create_app(events, engine=engine)
        except Refused as error:  # one line, not a traceback; gunicorn then stops rather than start another worker
            shown = safe_name(events) if is_database(events) else events
            print(f"timeline: {error} (TIMELINE_ENGINE={engine}, TIMELINE_EVENTS={shown})", file=sys.stderr)
            raise SystemExit(APP_LOAD_ERROR) from None
        globals()["server"] = app.server
        return app.server
    raise AttributeError(name)
