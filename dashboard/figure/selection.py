"""The ring around the selected event: drawn with a figure, or alone as a patch of a figure already drawn."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from dashboard.figure.packing import axis_xs, date_ns
from dashboard.figure.style import THEMES
from dashboard.view import View


def selection_trace(xs: list[float], ys: list[Any], event_id: str | None, view: View) -> go.Scatter:
    """The ring around the selected event's marks: always the figure's last trace (maybe empty), so that
    a change of selection can be sent to the browser as a patch of that trace alone."""
    theme = THEMES[view.theme]
    return go.Scatter(
        # On the twin axis, like the labels: the range slider draws only the main axis's traces.
        mode="markers",
        x=axis_xs(xs, view),
        y=ys,
        xaxis="x2",
        marker={"symbol": "circle-open", "size": 24, "color": theme.text, "line": {"width": 2.5}},
        customdata=[event_id] * len(xs),
        hoverinfo="skip",
        showlegend=False,
        name="selected",
        cliponaxis=False,  # a mark at the edge of the plot is ringed whole
    )


def reselect(fig: go.Figure, event_id: str | None, view: View) -> Any:
    """The selection trace of a figure already drawn, for another selected event: rings around the marks
    (timeline) or points (map) that carry its id. None where the figure has no such marks (density)."""
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
    for trace in fig.data[:-1]:
        if trace.type == "scatter" and trace.mode == "markers" and trace.customdata is not None:
            for x, y, cid in zip(trace.x, trace.y, trace.customdata, strict=False):
                if cid == event_id:
                    xs.append(x if view.mode == "sequence" else date_ns(x))
                    ys.append(y)
    return selection_trace(xs, ys, event_id, view)
