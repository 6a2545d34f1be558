"""Reviewing drafts in the app (``timeline serve --review`` only): a draft's Accept and Reject buttons, which write
to the events folder. Without --review none of this is registered, so no request can write anything.

A button names an event by its id; the server finds that event in the folder it has just loaded, checks that it is
a draft, and works on the file the loaded table names (``dashboard.review``), never on a path a request gives.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update

from dashboard.app import ids
from dashboard.index import index_for
from dashboard.model import Status
from dashboard.review import ReviewError, accept, reject
from dashboard.table import C, Collection
from dashboard.view import View

log = logging.getLogger(__name__)


def act(action: str, event_id: Any, collection: Collection, root: Path) -> tuple[str, bool]:
    """Accept or reject the draft with this id (as the loaded ``collection`` of ``root`` has it): what happened, in
    words, and whether it worked."""
    row = index_for(collection).row(event_id) if isinstance(event_id, str) else None
    if row is None:
        return "That event is no longer in the events folder: nothing was changed.", False
    if row[C.status] != Status.DRAFT:
        return f"“{row[C.title]}” is not a draft: nothing was changed.", False
    rel = str(row[C.path])
    if sum(collection.events[C.path] == rel) > 1:
        return f"{rel} holds several events: review it in an editor.", False
    try:
        if action == "accept":
            moved = accept(root, rel)
            return f"Accepted: {moved} is in the events folder, reported.", True
        reject(root, rel)
        return f"Rejected: {rel} was deleted.", True
    except ReviewError as error:
        return f"Not {action}ed: {error}.", False


def register(app: Dash, load: Callable[[], Collection], root: Path) -> None:
    """Wire the drafts' Accept and Reject buttons. After either, the page is drawn again from the folder as it now
    is (the store reloads a changed folder on the next request): a rejected draft's selection is cleared."""

    @app.callback(
        Output(ids.REVIEW_STATUS, "children"),
        Output(ids.VIEWPORT, "data", allow_duplicate=True),
        Output(ids.URL, "search", allow_duplicate=True),
        Input({"type": ids.REVIEW_ACCEPT, "event": ALL}, "n_clicks"),
        Input({"type": ids.REVIEW_REJECT, "event": ALL}, "submit_n_clicks"),
        State(ids.VIEWPORT, "data"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def review(accepts: list[Any], rejects: list[Any], viewport: Any, search: Any) -> tuple[Any, Any, Any]:
        fired = ctx.triggered_id
        if not isinstance(fired, dict) or not any(t.get("value") for t in ctx.triggered or ()):
            return no_update, no_update, no_update  # a card with the buttons appeared: nothing pressed
        action = "accept" if fired.get("type") == ids.REVIEW_ACCEPT else "reject"
        try:
            said, done = act(action, fired.get("event"), load(), root)
        except Exception:  # noqa: BLE001 - the last guard: a message, never a traceback in the page
            log.exception("reviewing a draft below %s failed", root)
            said, done = f"The draft could not be {action}ed: the server log has the details.", False
        if not done:
            return html.Span(said, className="warning", role="alert"), no_update, no_update
        # A new value for the page's width store draws the page again, from the folder as it is now.
        redraw = {**(viewport if isinstance(viewport, dict) else {}), "reviewed": time.time_ns()}
        view = View.from_query(search)
        unselected = view.with_(selected=None).to_query() or "?"
        return html.Span(said), redraw, unselected if action == "reject" and view.selected else no_update
