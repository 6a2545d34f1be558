"""The ring around the selected event: layout shapes named RING, drawn with a figure, or alone as a patch of a
figure already drawn.

Shapes rather than a trace: a browser moves a shape in a few milliseconds (plotly redraws that shape alone),
where a changed trace makes plotly redraw every trace of the plot. The figure carries the ring's template as a
hidden shape named RING_TEMPLATE, so the page's script rings another event with exactly the shape drawn here.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from dashboard.figure.packing import axis_xs, date_ns
from dashboard.figure.style import THEMES
from dashboard.view import View

RING = "selected"  # the name of the ring's shapes (and of the map's ring trace)
RING_TEMPLATE = "selected-template"  # the hidden shape the page's script copies into rings
RING_PX = 12  # the ring's radius: a little wider than the largest mark


def ring_template(view: View) -> dict[str, Any]:
    """The ring as a hidden shape sized in pixels around an anchor (``xanchor``, ``yanchor``) still to be set."""
    theme = THEMES[view.theme]
    return {
        "type": "circle",
        "name": RING_TEMPLATE,
        "visible": False,
        "xref": "x",
        "yref": "y",
        "xsizemode": "pixel",
        "ysizemode": "pixel",
        "x0": -RING_PX,
        "x1": RING_PX,
        "y0": -RING_PX,
        "y1": RING_PX,
        "line": {"color": theme.text, "width": 2.5},
        "layer": "above",
    }


def ring_shapes(xs: list[float], ys: list[Any], view: View) -> list[dict[str, Any]]:
    """The rings around the selected event's marks, at ``xs`` (ns, or ordinals in sequence mode) and ``ys``."""
    template = {**ring_template(view), "name": RING, "visible": True}
    anchors = axis_xs(xs, view)
    return [
        {**template, "xanchor": x if isinstance(x, str) else float(x), "yanchor": float(y)}
        for x, y in zip(anchors, ys, strict=True)
    ]


def add_rings(fig: go.Figure, xs: list[float], ys: list[Any], view: View) -> None:
    """Ring the selected event's marks in a figure, and give it the ring's template for the page's script."""
    fig.update_layout(shapes=[*fig.layout.shapes, ring_template(view), *ring_shapes(xs, ys, view)])


def without_rings(shapes: Any) -> list[dict[str, Any]]:
    """A figure's shapes but its rings (the hidden template stays), as plain dicts (what a patch sends)."""
    plain = (shape if isinstance(shape, dict) else shape.to_plotly_json() for shape in shapes or ())
    return [shape for shape in plain if shape.get("name") != RING]


def reselect(fig: go.Figure, event_id: str | None, view: View) -> Any:
    """What changes in a figure already drawn for another selected event: the timeline's shapes (its rings moved
    onto the marks that carry the id), or the map's ring trace (its last). None where the figure has no such marks
    (density)."""
    if not fig.data or fig.data[0].type == "heatmap":
        return None
    if fig.data[-1].type == "scattergeo":
        lat, lon = [], []
        for trace in fig.data[:-1]:
            for la, lo, cid in zip(trace.lat, trace.lon, trace.customdata or (), strict=False):
                if cid == event_id:
                    lat.append(la)
                    lon.append(lo)
        return fig.data[-1].update(lat=lat, lon=lon, customdata=[event_id] * len(lat))
    xs, ys = [], []
    for trace in fig.data:
        if trace.type == "scatter" and trace.mode == "markers" and trace.customdata is not None:
            for x, y, cid in zip(trace.x, trace.y, trace.customdata, strict=False):
                if cid == event_id:
                    xs.append(x if view.mode == "sequence" else date_ns(x))
                    ys.append(y)
    return [*without_rings(fig.layout.shapes), *ring_shapes(xs, ys, view)]
