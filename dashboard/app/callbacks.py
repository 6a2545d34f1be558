"""The app's callbacks: read the View, let the action change it, render, write it back to the URL."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import ALL, Dash, Input, Output, Patch, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.app import ids, state
from dashboard.app.cards import detail_card, list_cards
from dashboard.app.layout import failure_alert, no_events, problems_banner, view_notices
from dashboard.figure import PLACE_PREFIX, map_figure, reselect, timeline_figure
from dashboard.index import index_for, option_value
from dashboard.table import Collection
from dashboard.view import FILTERS, View, apply
from dashboard.wording import counted

CONTROL_PROPS = {
    "q": (ids.SEARCH, "value"), "category": (ids.CATEGORY, "value"), "actor": (ids.ACTOR, "value"),
    "place": (ids.PLACE, "value"), "tag": (ids.TAG, "value"), "start": (ids.DATES, "start_date"),
    "end": (ids.DATES, "end_date"), "lanes": (ids.LANES, "value"), "mode": (ids.MODE, "value"),
}
DEFAULT_WIDTH = 1100
# The width the page reports, kept to what a screen can be: the density view's buckets grow with it.
MIN_WIDTH, MAX_WIDTH = 320, 4000
log = logging.getLogger(__name__)


def control_values(view: View) -> dict[str, Any]:
    """What the controls show for a view (a filter menu holds its keys of the names)."""
    return {
        "q": view.q, **{kind: [option_value(v) for v in getattr(view, kind)] for kind in FILTERS},
        "start": view.start.isoformat() if view.start else None,
        "end": view.end.isoformat() if view.end else None, "lanes": view.lanes, "mode": view.mode,
    }


def render(collection: Collection, view: View, width: int, patch_selection: bool = False,
           keep_figures: bool = False, folder: str = "the events folder") -> dict[str, Any]:
    """Everything on screen for a view.

    With ``patch_selection`` the figures on screen already show this view but for the selected event; when
    this process still has them, only their selection rings (as patches), the card and the list are sent.
    """
    events, settings = collection.events, collection.settings
    index = index_for(events)
    visible = apply(events, view)
    selected = index.row(view.selected)
    key = screen_key(collection, view, width)
    drawn = _drawn.get(key) if patch_selection and not keep_figures else None
    # With the figures on screen showing this view but for the selection, only their selection rings (the
    # last trace of each) change: they are sent as patches. Density views have no marks to ring: their
    # figures are drawn afresh.
    rings = (reselect(drawn[0], view.selected, view), reselect(drawn[1], view.selected, view)) if drawn else None
    patch_rings = rings is not None and None not in rings
    if keep_figures:
        timeline, places = go.Figure(), go.Figure()
    elif patch_rings:
        timeline, places = go.Figure(data=[rings[0]]), go.Figure(data=[rings[1]])
    else:
        timeline = timeline_figure(visible, view, settings, width=width)
        places = map_figure(visible, view, settings, index.places)
        _remember(key, (timeline, places))
    count = f"{len(visible):,} of {counted(len(events), 'event')}" if len(visible) != len(events) else (
        counted(len(events), "event"))
    empty: list[Any] = []
    if not len(events):
        empty = no_events(folder)
    elif not len(visible):
        empty = [html.Div([
            html.P("No events match this view."),
            html.P("Clear the filters or widen the date range to see events again.", className="muted"),
        ], className="empty", role="status")]
    out = {
        "timeline": timeline,
        "timeline_style": {"height": f"{timeline.layout.height}px"},
        "map": places,
        "detail": detail_card(selected, index, view, settings,
                              visible=selected is not None and bool((visible["id"] == selected["id"]).any())),
        "list": list_cards(visible, view, settings),
        "count": count,
        "empty": empty,
        "root_class": f"app theme-{view.theme}",
        "theme_label": "Light theme" if view.theme == "dark" else "Dark theme",
        "banner": problems_banner(collection),
        "notice": view_notices(view.warnings),
    }
    if keep_figures:
        for name in ("timeline", "map", "timeline_style"):
            out[name] = no_update
    elif patch_rings:
        for name in ("timeline", "map"):
            patch = Patch()
            patch["data"][-1] = out[name].data[-1]
            out[name] = patch
        for name in ("timeline_style", "count", "empty", "root_class", "theme_label", "banner"):
            out[name] = no_update
    return out


# The last figures drawn, by screen key: a change of selection then needs no new figures. A cache only:
# another worker without it draws the figures afresh, with the same result.
_drawn: OrderedDict[str, tuple[go.Figure, go.Figure]] = OrderedDict()
_drawn_lock = threading.Lock()


def _remember(key: str, figures: tuple[go.Figure, go.Figure]) -> None:
    with _drawn_lock:
        _drawn[key] = figures
        _drawn.move_to_end(key)
        while len(_drawn) > 16:
            _drawn.popitem(last=False)


def zoomed_in(timeline: go.Figure, view: View) -> bool:
    """True when a view's dates lie within a drawn timeline that shows its events one by one."""
    if not timeline.data or timeline.data[0].type == "heatmap" or view.mode != "calendar" or not view.start:
        return False
    lo, hi = timeline.layout.xaxis.range
    start = pd.Timestamp(view.start).value / 1e6
    end = (pd.Timestamp(view.end or view.start) + pd.Timedelta(days=1)).value / 1e6
    return lo <= start and end <= hi + 1


def screen_key(collection: Collection, view: View, width: int) -> str:
    """What the figures on screen depend on, but for the selection: equal keys mean a patch will do."""
    fingerprint = index_for(collection.events).fingerprint
    return f"{fingerprint}|{len(collection.problems)}|{width}|{view.with_(selected=None).to_query()}"


def next_view(view: View, trigger: Any, values: dict[str, Any], collection: Collection) -> View:
    """The view after the action that fired the callback."""
    trigger_type = trigger.get("type") if isinstance(trigger, dict) else trigger
    if trigger_type in {component for component, _ in CONTROL_PROPS.values()}:
        return state.from_controls(view, values["controls"], index_for(collection.events).option_names)
    if trigger_type == ids.CLEAR:
        return state.clear_filters(view)
    if trigger_type == ids.THEME:
        return view.with_(theme="light" if view.theme == "dark" else "dark")
    if trigger_type == ids.RANGE_BUTTON:
        return state.quick_range(apply(collection.events, view.with_(start=None, end=None)), view, trigger["span"])
    if trigger_type in (ids.TIMELINE, ids.MAP) and ctx.triggered and ctx.triggered[0]["prop_id"].endswith(
            "clickData"):
        click = values["timeline_click"] if trigger_type == ids.TIMELINE else values["map_click"]
        clicked = state.clicked_id(click)
        if clicked and clicked.startswith(PLACE_PREFIX):  # a summed map point: filter to that place
            return view.with_(place=(clicked.removeprefix(PLACE_PREFIX),))
        if clicked:
            return view.with_(selected=clicked)
        if trigger_type == ids.TIMELINE:  # a density cell: zoom into it
            return state.zoom_to_cell(view, click, apply(collection.events, view), values["width"])
        return view
    if trigger_type == ids.ZOOM:
        return state.zoom(view, values["relayout"])
    if trigger_type == ids.KEYS and isinstance(values["keys"], dict):
        key = values["keys"].get("key")
        if key == "Escape":
            return view.with_(selected=None)
        if key in ("ArrowLeft", "ArrowRight"):
            return state.step(apply(collection.events, view), view, 1 if key == "ArrowRight" else -1)
    return view


def viewport_width(viewport: Any) -> int:
    """The timeline's width as the page reports it, within MIN_WIDTH .. MAX_WIDTH (DEFAULT_WIDTH if unreadable)."""
    try:
        width = int(float((viewport or {}).get("width") or DEFAULT_WIDTH))
    except (TypeError, ValueError, AttributeError, OverflowError):
        return DEFAULT_WIDTH
    return min(max(width, MIN_WIDTH), MAX_WIDTH)


def failed(error: BaseException) -> dict[str, Any]:
    """The answer of a request that failed: an alert where the view's notices go; everything else stays."""
    return {"search": no_update, "controls": dict.fromkeys(CONTROL_PROPS, no_update),
            **dict.fromkeys(("timeline", "timeline_style", "map", "detail", "list", "count", "empty", "root_class",
                             "theme_label", "banner", "screen"), no_update),
            "notice": [failure_alert(error)]}


def register(app: Dash, load: Callable[[], Collection], folder: str = "the events folder") -> None:
    """Wire the one callback that turns any action into a new View and renders it."""
    control_outputs = {name: Output(component, prop, allow_duplicate=False)
                       for name, (component, prop) in CONTROL_PROPS.items()}

    @app.callback(
        output={
            "search": Output(ids.URL, "search"),
            "controls": control_outputs,
            "timeline": Output(ids.TIMELINE, "figure"),
            "timeline_style": Output(ids.TIMELINE, "style"),
            "map": Output(ids.MAP, "figure"),
            "detail": Output(ids.DETAIL, "children"),
            "list": Output(ids.LIST, "children"),
            "count": Output(ids.COUNT, "children"),
            "empty": Output(ids.EMPTY, "children"),
            "root_class": Output(ids.ROOT, "className"),
            "theme_label": Output(ids.THEME, "children"),
            "banner": Output(ids.BANNER, "children"),
            "notice": Output(ids.NOTICE, "children"),
            "screen": Output(ids.SCREEN, "data"),
        },
        inputs={
            "url": Input(ids.URL, "search"),
            "controls": {name: Input(component, prop) for name, (component, prop) in CONTROL_PROPS.items()},
            "clear": Input(ids.CLEAR, "n_clicks"),
            "theme": Input(ids.THEME, "n_clicks"),
            "ranges": Input({"type": ids.RANGE_BUTTON, "span": ALL}, "n_clicks"),
            "timeline_click": Input(ids.TIMELINE, "clickData"),
            "map_click": Input(ids.MAP, "clickData"),
            "relayout": Input(ids.ZOOM, "data"),
            "keys": Input(ids.KEYS, "data"),
            "viewport": Input(ids.VIEWPORT, "data"),
            "screen": State(ids.SCREEN, "data"),
        },
        # No initial call: the page reports the timeline's width as soon as it is drawn (assets/app.js), and
        # that first report renders the page once, at the right width.
        prevent_initial_call=True,
    )
    def update(**values: Any) -> dict[str, Any]:
        # The last guard of a request: whatever one bad parameter or file does, the page gets an alert and keeps
        # working, and the cause goes to the log. PreventUpdate is Dash's "nothing to send", not a failure.
        try:
            return respond(values)
        except PreventUpdate:
            raise
        except Exception as error:  # noqa: BLE001
            url = str(values.get("url") or "")
            log.exception("the view %s could not be drawn", url[:300] + ("…" if len(url) > 300 else ""))
            return failed(error)

    def respond(values: dict[str, Any]) -> dict[str, Any]:
        collection = load()
        view = View.from_query(values["url"])
        trigger = ctx.triggered_id
        from_url = trigger in (None, ids.URL, ids.VIEWPORT)
        width = values["width"] = viewport_width(values.get("viewport"))
        if trigger == ids.URL and not values.get("viewport"):
            raise PreventUpdate  # the address bar settling on page load; the width report will render
        if not from_url:
            before, view = view, next_view(view, trigger, values, collection)
            if view == before:
                raise PreventUpdate  # e.g. plotly's first autosize, or a key at the end of the list
        drawn = _drawn.get(values["screen"] or "")
        if trigger == ids.ZOOM and drawn is not None and zoomed_in(drawn[0], view):
            # Zooming into events already drawn one by one: plotly has redrawn them, and their labels only
            # gain room, so the figures stay; the address, the count and the list follow the new range.
            key = f"{screen_key(collection, view, width)}|zoomed"
            _remember(key, drawn)
            out = render(collection, view, width, keep_figures=True, folder=folder)
        else:
            key = screen_key(collection, view, width)
            out = render(collection, view, width, patch_selection=key == values["screen"], folder=folder)
        out["screen"] = key
        query = view.to_query()
        out["search"] = no_update if from_url or query == (values["url"] or "") else (query or "?")
        user_typed = isinstance(trigger, str) and trigger in {c for c, _ in CONTROL_PROPS.values()}
        # Only controls whose value really changes are sent: re-rendering a date picker or a dropdown for
        # nothing costs the browser more than the whole rest of a selection.
        wanted = control_values(view)
        current = values["controls"]
        out["controls"] = {name: no_update if user_typed or (wanted[name] or None) == (current.get(name) or None)
                           else wanted[name] for name in CONTROL_PROPS}
        return out

    # Plotly reports every resize and autosize as a relayout; only a real zoom or pan should reach the server
    # (a needless call would cancel a click's call still in flight).
    app.clientside_callback(
        """function(relayout) {
            if (!relayout) { return window.dash_clientside.no_update; }
            var zoomed = Object.keys(relayout).some(function (key) {
                return key.indexOf("xaxis.range") === 0 || key === "xaxis.autorange";
            });
            return zoomed ? relayout : window.dash_clientside.no_update;
        }""",
        Output(ids.ZOOM, "data"),
        Input(ids.TIMELINE, "relayoutData"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        "function(children) { return window.timelineScrollSelected ? window.timelineScrollSelected() : ''; }",
        Output(ids.LIST, "title"),
        Input(ids.LIST, "children"),
    )
