"""The figures on screen: what they depend on (a screen key), the last ones drawn, and whether a new view needs
them drawn afresh, patched (only the selection changed) or kept as they are (a zoom into events drawn one by one).

The drawn figures are a cache only: another worker without them draws the figures afresh, with the same result.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go
from dash import Patch, no_update

from dashboard.figure import reselect
from dashboard.figure.packing import date_ns
from dashboard.figure.timeline import DETAIL_LIMIT
from dashboard.table import Collection
from dashboard.view import View

How = Literal["draw", "patch", "keep"]
Figures = tuple[go.Figure, go.Figure]  # the timeline and the map
KEPT = 16  # screens whose figures are kept: a few tabs' worth
MARKS_IN_VIEW = 10**7  # a cap no view reaches: it only makes plotly leave out the marks outside the axes' ranges

_drawn: OrderedDict[str, Figures] = OrderedDict()
_lock = threading.Lock()


def drawn(key: object) -> Figures | None:
    """The figures last drawn for a screen key, if this process still has them."""
    if not isinstance(key, str):  # the key comes back from the page: anything else is not one of ours
        return None
    with _lock:
        return _drawn.get(key)


def remember(key: str, figures: Figures) -> None:
    """Keep the figures drawn for a screen key (the least recently drawn go first)."""
    with _lock:
        _drawn[key] = figures
        _drawn.move_to_end(key)
        while len(_drawn) > KEPT:
            _drawn.popitem(last=False)


def forget() -> None:
    """Drop every kept figure (for tests, and to start afresh)."""
    with _lock:
        _drawn.clear()


def screen_key(collection: Collection, view: View, width: int) -> str:
    """What the figures on screen depend on, but for the selection: equal keys mean a patch will do."""
    # The collection's fingerprint, not the table's contents: it is the same in every worker serving the folder
    # (so a page's key means the same to each) and costs nothing to read.
    return f"{collection.fingerprint}|{len(collection.problems)}|{width}|{view.with_(selected=None).to_query()}"


def zoomed_in(timeline: go.Figure, view: View, in_view: int | None = None) -> bool:
    """True when a zoom to ``view`` (with ``in_view`` events) shows nothing a drawn timeline does not: its dates
    lie within it, and it shows its events one by one, or their density in cells as fine as they allow while the
    view still has too many events to draw one by one (a narrower range would draw the same cells)."""
    if not timeline.data or view.mode != "calendar" or not view.start:
        return False
    if timeline.data[0].type == "heatmap":
        meta = timeline.layout.meta
        if not (isinstance(meta, dict) and meta.get("finest") and in_view is not None and in_view > DETAIL_LIMIT):
            return False
    lo, hi = (date_ns(bound) for bound in timeline.layout.xaxis.range)
    first, after = view.bounds()
    start = first.value if first is not None else lo
    end = after.value if after is not None else (pd.Timestamp(view.start) + pd.Timedelta(days=1)).value
    inside: bool = lo <= start and end <= hi + 1e6
    return inside


@dataclass(frozen=True)
class Plan:
    """How the figures of a new view reach the page, and the screen key the page then shows."""

    key: str
    how: How
    rings: tuple[Any, Any] | None = None  # for a patch: the timeline's new shapes and the map's new ring trace


def plan(
    collection: Collection,
    view: View,
    width: int,
    on_screen: object = None,
    zoom: bool = False,
    in_view: int | None = None,
) -> Plan:
    """Draw, patch or keep: ``on_screen`` is the screen key the page reports, ``zoom`` whether a zoom or pan
    made this view, ``in_view`` how many events it has."""
    shown = drawn(on_screen)
    if zoom and shown is not None and zoomed_in(shown[0], view, in_view):
        # Zooming into events already drawn one by one (or into density cells as fine as they get): plotly has
        # redrawn them, and their labels only gain room, so the figures stay (a selection there moves their
        # rings); the address, the count and the list follow.
        key = f"{screen_key(collection, view, width)}|zoomed"
        remember(key, shown)
        return Plan(key, "keep")
    key = screen_key(collection, view, width)
    if shown is not None and on_screen in (key, f"{key}|zoomed"):  # a zoomed screen's figures: those kept
        # The figures on screen show this view but for the selection: only their selection rings (the timeline's
        # ring shapes, the map's last trace) change. Density views have no marks to ring: they are drawn afresh.
        rings = (reselect(shown[0], view.selected, view), reselect(shown[1], view.selected, view))
        if None not in rings:
            return Plan(str(on_screen), "patch", rings)
    return Plan(key, "draw")


def figure_outputs(chosen: Plan, draw: Callable[[], Figures]) -> dict[str, Any]:
    """The timeline, its style and the map as the callback sends them: drawn (and remembered), patched, or kept."""
    if chosen.how == "keep":
        return dict.fromkeys(("timeline", "timeline_style", "map"), no_update)
    if chosen.how == "patch" and chosen.rings is not None:
        shapes, ring = chosen.rings
        timeline, places = Patch(), Patch()
        timeline["layout"]["shapes"] = shapes  # plotly redraws the shapes alone: the marks stay as drawn
        places["data"][-1] = ring
        # A new data revision: with the one it was drawn with, plotly would take the ring's new places for the old.
        places["layout"]["datarevision"] = f"{chosen.key}|{','.join(map(str, ring.customdata or ()))}"
        return {"timeline": timeline, "timeline_style": no_update, "map": places}
    timeline, places = draw()
    remember(chosen.key, (timeline, places))
    return {
        "timeline": for_page(timeline, chosen.key),
        "timeline_style": {"height": f"{timeline.layout.height}px"},
        "map": for_page(places, chosen.key),
    }


def for_page(figure: go.Figure, revision: str) -> dict[str, Any]:
    """A drawn figure as the page gets it. Dash's graph hands plotly a deep copy of the figure after every zoom,
    pan or ring (to keep its figure in step), and plotly redraws every trace when an object it compares by
    identity is a new one: so the figure goes without plotly's template stub (the figures set every colour
    themselves), and with a ``datarevision`` (the screen key) that tells plotly its arrays change only with it."""
    out: dict[str, Any] = figure.to_plotly_json()
    out["layout"].pop("template", None)
    out["layout"]["datarevision"] = revision
    for trace in out["data"]:
        if (
            trace.get("type") == "scatter"
            and "markers" in str(trace.get("mode"))
            and trace.get("customdata") is not None
        ):
            # plotly restyles every mark of a trace on each redraw, on screen or not: with a maxdisplayed it draws
            # only the marks inside the axes' ranges, so a zoom into a thousand events redraws the few in view.
            trace.setdefault("marker", {})["maxdisplayed"] = MARKS_IN_VIEW
    return out
