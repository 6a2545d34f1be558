"""The app's callbacks: read the View, let the action change it, render, write it back to the URL."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, cast

from dash import ALL, ClientsideFunction, Dash, Input, Output, Patch, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.app import ids, screens
from dashboard.app.banner import problems_banner
from dashboard.app.cards import LIST_COLUMNS, LIST_PAGE, cards_ahead, detail_card, list_cards, list_first, list_note
from dashboard.app.held import hold
from dashboard.app.layout import ZONE_CHOICES, failure_alert, no_events, view_notices
from dashboard.app.phone import filters_label, graph_labels
from dashboard.app.state import (
    CONTROL_COMPONENTS,
    CONTROL_PROPS,
    clicked_id,
    control_values,
    known_names,
    next_view,
    zoom,
)
from dashboard.crowd import position_of
from dashboard.figure import map_figure, timeline_figure
from dashboard.index import in_zone, index_for, visible_events
from dashboard.table import C, Collection
from dashboard.view import View
from dashboard.wording import counted

DEFAULT_WIDTH = 1100
# The width the page reports, kept to what a screen can be: the density view's buckets grow with it.
MIN_WIDTH, MAX_WIDTH = 320, 4000
# What a selection alone leaves as it was: patched figures show the same events, so the same count and page.
UNCHANGED_BY_SELECTION = (
    "count",
    "empty",
    "root_class",
    "theme_label",
    "banner",
    "filters_label",
    "timeline_label",
    "map_label",
)
log = logging.getLogger(__name__)


def page_parts(collection: Collection, view: View, visible: Any, folder: str) -> dict[str, Any]:
    """The count, the empty-result message, the theme, the problems banner, the number of filters on and the
    graphs' accessible names for a view."""
    total = collection.size
    count = f"{len(visible):,} of {counted(total, 'event')}" if len(visible) != total else counted(total, "event")
    empty: list[Any] = []
    if not total:
        empty = no_events(folder, bool(collection.problems))
    elif not len(visible):
        empty = [
            html.Div(
                [
                    html.P("No events match this view."),
                    html.P("Clear the filters or widen the date range to see events again.", className="muted"),
                ],
                className="empty",
                role="status",
            )
        ]
    return {
        "count": count,
        "empty": empty,
        "root_class": f"app theme-{view.theme}",
        "theme_label": "Light theme" if view.theme == "dark" else "Dark theme",
        "banner": problems_banner(collection),
        "filters_label": filters_label(view),
        **graph_labels(visible, view, collection.settings),
    }


def render(
    collection: Collection,
    view: View,
    width: int,
    on_screen: object = None,
    zoom: bool = False,
    folder: str = "the events folder",
    page_shows: str | None = None,
    review: bool = False,
) -> dict[str, Any]:
    """Everything on screen for a view, and the screen key the page then shows (``screen``).

    ``on_screen`` is the screen key the page reports: when its figures show this view but for the selection, only
    their selection rings are sent (as patches); after a ``zoom`` into events drawn one by one they are kept.
    ``page_shows`` is the event whose card and ring the page has already shown itself ("" for none): when that is
    the view's selection on the same screen, neither is sent again. ``review``: drafts' cards have their buttons.
    """
    zoned = in_zone(collection, view.tz)  # the events as the view's zone shows them: its days, its words
    settings = collection.settings
    index = index_for(zoned)
    visible = visible_events(zoned, view)
    plan = screens.plan(collection, view, width, on_screen, zoom, len(visible))
    if index.engine is not None:  # what the list and the map will ask the file for, asked for now
        index.ahead(view, visible, list_first(visible, view), LIST_PAGE, LIST_COLUMNS, maps=plan.how == "draw")
    out = screens.figure_outputs(
        plan,
        lambda: (
            timeline_figure(visible, view, settings, width=width),
            map_figure(visible, view, settings, *index.map_places(view, visible)),
        ),
    )
    selected = index.row(view.selected)
    shown = selected is not None and position_of(visible, selected[C.id]) is not None
    out.update(
        detail=detail_card(selected, index, view, settings, visible=shown, review=review),
        list=list_cards(visible, view, settings, complete=index.complete),
        list_note=list_note(visible, view),
        notice=view_notices(view.warnings),
        screen=plan.key,
    )
    if plan.how == "patch":
        out.update(dict.fromkeys(UNCHANGED_BY_SELECTION, no_update), cards=no_update)
        if page_shows is not None and page_shows == (view.selected or ""):
            out.update(timeline=no_update, detail=no_update)  # the page rang the mark and showed the card itself
    else:
        out.update(
            page_parts(collection, view, visible, folder), cards=cards_ahead(visible, index, view, settings, review)
        )
        if isinstance(on_screen, str) and on_screen.startswith(f"{collection.fingerprint}|"):
            out["banner"] = no_update  # the page shows this folder's banner already: hundreds of lines, sent once
    return out


def viewport_width(viewport: Any) -> int:
    """The timeline's width as the page reports it, within MIN_WIDTH .. MAX_WIDTH (DEFAULT_WIDTH if unreadable)."""
    try:
        width = int(float((viewport or {}).get("width") or DEFAULT_WIDTH))
    except (TypeError, ValueError, AttributeError, OverflowError):
        return DEFAULT_WIDTH
    return min(max(width, MIN_WIDTH), MAX_WIDTH)


def failed(error: BaseException) -> dict[str, Any]:
    """The answer of a request that failed: an alert where the view's notices go; everything else stays."""
    return {
        "search": no_update,
        "controls": dict.fromkeys(CONTROL_PROPS, no_update),
        **dict.fromkeys(
            (
                "cards",
                "timeline",
                "timeline_style",
                "map",
                "detail",
                "list",
                "list_note",
                "count",
                "empty",
                "root_class",
                "theme_label",
                "banner",
                "screen",
                "filters_label",
                "timeline_label",
                "map_label",
                "held",
            ),
            no_update,
        ),
        "notice": [failure_alert(error)],
    }


def search_output(view: View, url: Any, from_url: bool) -> Any:
    """The address bar's new query ('?' for the default view), or no_update when it already holds the view."""
    query = view.to_query()
    return no_update if from_url or query == (url or "") else (query or "?")


def control_outputs(view: View, current: Any, typed: bool) -> dict[str, Any]:
    """What each control is sent: only controls whose value really changes (re-rendering a date picker or a dropdown
    for nothing costs the browser more than the whole rest of a selection), and none while the user types."""
    wanted = control_values(view)
    current = current if isinstance(current, dict) else {}
    return {
        name: no_update if typed or (wanted[name] or None) == (current.get(name) or None) else wanted[name]
        for name in CONTROL_PROPS
    }


# What the page's pick reports (assets/app.js, ``pick``), as the component and property that made it, and the name
# of the value ``next_view`` reads it under.
PICKS = {
    "click": (ids.TIMELINE, "clickData", "timeline_click"),
    "label": (ids.TIMELINE, "clickAnnotationData", "label_click"),
    "key": (ids.KEYS, "data", "keys"),
}


def unpick(values: dict[str, Any]) -> tuple[str, str, str | None, bool]:
    """The action a pick reports, as the callback would see it alone: the component and property that made it
    (its value put in ``values``); the event the page chose for it ("" for none; None when it left the choice to
    the server); and whether the page still shows that event's card and ring."""
    pick = values.get("pick")
    kind = PICKS.get(str(pick.get("kind"))) if isinstance(pick, dict) else None
    if kind is None or not isinstance(pick, dict):
        raise PreventUpdate  # only a crafted request sends another
    component, prop, name = kind
    values[name] = pick.get("value")
    selected = pick.get("selected")
    return component, prop, selected if isinstance(selected, str) else None, pick.get("shown") is True


def respond(
    values: dict[str, Any],
    collection: Collection,
    trigger: Any,
    prop: str = "",
    folder: str = "the events folder",
    zoomed_first: bool = False,
    review: bool = False,
) -> dict[str, Any]:
    """The callback's answer: the view in the address, changed by the action (``trigger`` fired, its ``prop``
    changed), rendered, and written back to the address and the controls. ``zoomed_first``: a zoom came in the
    same request (Dash sends a pick and a zoom that are ready together as one), to apply before the action."""
    view = known_names(View.from_query(values["url"]), collection)
    from_url = trigger in (None, ids.URL, ids.VIEWPORT)
    width = values["width"] = viewport_width(values.get("viewport"))
    if trigger == ids.URL and not values.get("viewport"):
        raise PreventUpdate  # the address bar settling on page load; the width report will render
    chosen, shown = None, False
    if trigger == ids.PICK:
        trigger, prop, chosen, shown = unpick(values)
    if chosen and index_for(collection).row(chosen) is None:
        chosen = None  # not an event of this collection: the server decides, as for any click
    if not from_url:
        before = view
        if zoomed_first:
            view = zoom(view, values.get("relayout"))
        # The page chose the event itself from the order it was sent (several arrow keys may have been pressed
        # before the address caught up): take its choice rather than stepping from the address again.
        if chosen is not None:
            view = view.with_(selected=chosen or None)
        else:
            view = next_view(view, trigger, values, in_zone(collection, view.tz), prop)
        if view == before and not view.warnings:  # a message (a date it could not read) is news
            raise PreventUpdate  # e.g. plotly's first autosize, or a key at the end of the list
    out = render(
        collection,
        view,
        width,
        values.get("screen"),
        zoom=trigger == ids.ZOOM,
        folder=folder,
        page_shows=chosen if shown else None,
        review=review,
    )
    out["search"] = search_output(view, values["url"], from_url)
    out["controls"] = control_outputs(
        view, values["controls"], typed=isinstance(trigger, str) and trigger in CONTROL_COMPONENTS
    )
    # The page may show a card it picked itself, and ring its mark, while this answer is on its way: an answer that
    # leaves the timeline as it is may leave that card too; one that draws or rings the timeline sends its card.
    mine = shown or out["timeline"] is not no_update
    return hold(out, values.get("held"), unknown=("detail",) if mine else ())


def hovered_card(hover: Any, url: Any, store: Any, collection: Collection, review: bool = False) -> Patch:
    """The card of the event under the pointer, added to the cards sent ahead (a view of more than CARDS_LIMIT
    events has none): a click follows a hover, and then shows the card at once."""
    event_id = clicked_id(hover)
    cards = store.get("cards") if isinstance(store, dict) else None
    view = known_names(View.from_query(url), collection)
    index = index_for(in_zone(collection, view.tz))
    row = index.row(event_id)
    if row is None or not isinstance(cards, dict) or event_id in cards:
        raise PreventUpdate  # nothing to add: a density cell, a card already here, or no cards at all yet
    patch = Patch()
    patch["cards"][row[C.id]] = detail_card(row, index, view, collection.settings, review=review)
    return patch


def outputs() -> dict[str, Any]:
    """The one callback's outputs, by the names ``render`` and ``respond`` answer with."""
    return {
        "search": Output(ids.URL, "search"),
        "controls": {name: Output(component, prop) for name, (component, prop) in CONTROL_PROPS.items()},
        "cards": Output(ids.CARDS, "data"),
        "timeline": Output(ids.TIMELINE, "figure"),
        "timeline_style": Output(ids.TIMELINE, "style"),
        "map": Output(ids.MAP_FIGURE, "data"),  # to the map through the page's script, after the timeline
        "detail": Output(ids.DETAIL, "children"),
        "list": Output(ids.LIST, "children"),
        "list_note": Output(ids.LIST_NOTE, "children"),
        "count": Output(ids.COUNT, "children"),
        "empty": Output(ids.EMPTY, "children"),
        "root_class": Output(ids.ROOT, "className"),
        "theme_label": Output(ids.THEME, "children"),
        "banner": Output(ids.BANNER, "children"),
        "notice": Output(ids.NOTICE, "children"),
        "screen": Output(ids.SCREEN, "data"),
        "filters_label": Output(ids.FILTERS_TOGGLE, "children"),
        "timeline_label": Output(ids.TIMELINE_FRAME, "aria-label"),
        "map_label": Output(ids.MAP_FRAME, "aria-label"),
        "held": Output(ids.HELD, "data"),
    }


def inputs() -> dict[str, Any]:
    """The one callback's inputs: every action, the width the page reports, and the screen key it shows."""
    return {
        "url": Input(ids.URL, "search"),
        "controls": {name: Input(component, prop) for name, (component, prop) in CONTROL_PROPS.items()},
        "clear": Input(ids.CLEAR, "n_clicks"),
        "theme": Input(ids.THEME, "n_clicks"),
        "ranges": Input({"type": ids.RANGE_BUTTON, "span": ALL}, "n_clicks"),
        "pick": Input(ids.PICK, "data"),  # the timeline's clicks and the keys, through the page's pick
        "map_click": Input(ids.MAP, "clickData"),
        "relayout": Input(ids.ZOOM, "data"),
        "viewport": Input(ids.VIEWPORT, "data"),
        "screen": State(ids.SCREEN, "data"),
        "held": State(ids.HELD, "data"),
    }


ZONE_OPTIONS_JS = (
    """function(value) {
  var here = '';
  try { here = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) { here = ''; }
  var options = """
    + json.dumps([{"label": label, "value": value} for value, label in ZONE_CHOICES.items()])
    + """;
  if (here && here !== 'UTC' && here !== 'Etc/UTC') {
    options.push({label: 'Your zone (' + here + ')', value: here});
  }
  if (value && value !== 'utc' && value !== 'own' && value !== here) { options.push({label: value, value: value}); }
  return options;
}"""
)


def with_ids(index_string: str) -> str:
    """The page's HTML with the element ids set for its script (assets/app.js) before any script runs."""
    return index_string.replace("{%scripts%}", ids.script() + "\n{%scripts%}", 1)


def register(
    app: Dash, load: Callable[[], Collection], folder: str = "the events folder", review: bool = False
) -> None:
    """Wire the one callback that turns any action into a new View and renders it, and the page's script;
    ``review``: drafts' cards have their buttons (``dashboard.app.review_card`` wires them)."""
    app.index_string = with_ids(app.index_string)

    # No initial call: the page reports the timeline's width as soon as it is drawn (assets/app.js), and that first
    # report renders the page once, at the right width.
    @app.callback(output=outputs(), inputs=inputs(), prevent_initial_call=True)
    def update(**values: Any) -> dict[str, Any]:
        # The last guard of a request: whatever one bad parameter or file does, the page gets an alert and keeps
        # working, and the cause goes to the log. PreventUpdate is Dash's "nothing to send", not a failure.
        try:
            fired = [t["prop_id"] for t in ctx.triggered or ()]
            if f"{ids.PICK}.data" in fired and f"{ids.ZOOM}.data" in fired:
                return respond(values, load(), ids.PICK, "data", folder, zoomed_first=True, review=review)
            prop = fired[0].rsplit(".", 1)[-1] if fired else ""
            return respond(values, load(), ctx.triggered_id, prop, folder, review=review)
        except PreventUpdate:
            raise
        except Exception as error:  # noqa: BLE001
            url = str(values.get("url") or "")
            log.exception("the view %s could not be drawn", url[:300] + ("…" if len(url) > 300 else ""))
            return failed(error)

    @app.callback(
        Output(ids.CARDS, "data", allow_duplicate=True),
        Input(ids.TIMELINE, "hoverData"),
        State(ids.URL, "search"),
        State(ids.CARDS, "data"),
        prevent_initial_call=True,
    )
    def card_on_hover(hover: Any, url: Any, store: Any) -> Patch:
        try:
            return hovered_card(hover, url, store, load(), review)
        except PreventUpdate:
            raise
        except Exception:  # noqa: BLE001 - a card not sent ahead is asked for on the click, as before
            log.exception("the card under the pointer could not be made")
            raise PreventUpdate from None

    register_clientside(app)


def register_clientside(app: Dash) -> None:
    """The callbacks that run in the browser: zooms reach the server, the selected card stays in sight."""
    clientside_callback = cast(Callable[..., None], app.clientside_callback)  # Dash leaves it unannotated
    # A click on a mark or a label, or a key, is picked in the page (assets/app.js, ``pick``): when the event's card
    # was sent ahead, the page shows it and rings the mark at once, then tells the server, which answers with the
    # address, the list and the map's ring.
    clientside_callback(
        ClientsideFunction("timeline", "pick"),
        Output(ids.PICK, "data"),
        Input(ids.TIMELINE, "clickData"),
        Input(ids.TIMELINE, "clickAnnotationData"),
        Input(ids.KEYS, "data"),
        State(ids.CARDS, "data"),
        prevent_initial_call=True,
    )
    # The map is drawn once the timeline has been: on a first load both figures come in one answer, and plotly
    # drawing the map's world (after fetching it) would hold the timeline back.
    clientside_callback(
        ClientsideFunction("timeline", "mapAfterTimeline"),
        Output(ids.MAP, "figure"),
        Input(ids.MAP_FIGURE, "data"),
        prevent_initial_call=True,
    )
    clientside_callback(  # the page's script keeps the cards sent ahead, for the keys it takes itself
        ClientsideFunction("timeline", "remember"),
        Input(ids.CARDS, "data"),
    )
    # The zone control's choices: UTC, each event's own zone, and the reader's, which only the page knows (and a
    # zone a link named, so that the control shows it).
    clientside_callback(ZONE_OPTIONS_JS, Output(ids.ZONE, "options"), Input(ids.ZONE, "value"))
    clientside_callback(
        "function(children) { return window.timelineScrollSelected ? window.timelineScrollSelected() : ''; }",
        Output(ids.LIST, "title"),
        Input(ids.LIST, "children"),
    )
