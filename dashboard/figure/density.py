"""Many events at once: counts per lane and time bucket, drawn as a heatmap whose cells zoom in when clicked."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.cells import pairs, shared_lists
from dashboard.crowd import Crowd, Events, has_precision
from dashboard.figure.packing import DAY_NS, HOUR_NS, date_texts, lane_keys, x_range
from dashboard.figure.selection import add_rings
from dashboard.figure.style import (
    MARGIN,
    THEMES,
    category_order,
    esc,
    page_frame,
    shown_name,
)
from dashboard.model import CollectionSettings
from dashboard.table import C
from dashboard.view import View

BUCKETS_NS = [HOUR_NS * h for h in (1, 3, 6, 12)] + [DAY_NS * d for d in (1, 2, 7, 14, 30, 91, 365)]
MAX_DENSITY_LANES = 40


def finest_ns(events: Events) -> float:
    """The finest bucket the events allow: an hour when some event is timed to the minute, else a day (a
    day-precision event fills its whole day)."""
    return float(HOUR_NS if has_precision(events, "minute") else DAY_NS)


def bucket_ns(events: Events, lo: float, hi: float, width: int) -> float:
    """The time bucket of a density view: the finest that keeps buckets at least ~6 px wide, and never finer
    than the events allow (``finest_ns``)."""
    target = max((width - MARGIN["l"] - MARGIN["r"]) / 6, 20)
    finest = finest_ns(events)
    for size in BUCKETS_NS:
        if size >= finest and (hi - lo) / size <= target:
            return float(size)
    return float(BUCKETS_NS[-1] * np.ceil((hi - lo) / BUCKETS_NS[-1] / target))


def _lane_index(
    events: pd.DataFrame, view: View, settings: CollectionSettings
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Lane names, and for each (event, lane) pair the event's row number and the lane's number."""
    if view.lanes == "category":
        codes, found = pd.factorize(events[C.category])  # then numbered in lane order: no string compared twice
        order = sorted(found, key=category_order(settings))
        lane_of = np.array([order.index(category) for category in found], dtype=np.int64)
        return [settings.category_label(c) for c in order], np.arange(len(events)), lane_of[codes]
    # Once per distinct list of actors or places (rows share them), then spread to the rows by code.
    codes, cells = shared_lists(events[C.actors if view.lanes == "actor" else C.places])
    keys = [lane_keys({C.actors: cell, C.places: cell}, view.lanes) for cell in cells]
    names, numbered = pd.factorize(pd.Series([key for cell_keys in keys for key in cell_keys], dtype=object))
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    rows, at = pairs(codes, lengths)
    # The most frequent lanes, ties in the order a count of every (event, lane) pair puts them (first met first).
    per_lane = np.bincount(names, weights=np.repeat(np.bincount(codes, minlength=len(cells)), lengths))
    by_count = pd.Series(per_lane.astype(np.int64), index=numbered).sort_values(ascending=False, kind="stable")
    top = by_count.index[:MAX_DENSITY_LANES]
    lane_of = np.full(len(numbered), -1, dtype=np.int64)
    lane_of[numbered.get_indexer(top)] = np.arange(len(top))
    lanes = lane_of[names[at]]
    kept = lanes >= 0
    return [str(t) for t in top], rows[kept], lanes[kept]


def density_figure(
    events: Events, view: View, settings: CollectionSettings, *, width: int = 1200, export: bool = False
) -> go.Figure:
    """Counts of events per lane and time bucket, as a heatmap; a cell's click zooms into it."""
    theme = THEMES[view.theme]
    calendar = view.with_(mode="calendar")
    lo, hi = x_range(events, calendar)
    size = bucket_ns(events, lo, hi, width)
    count = int(np.ceil((hi - lo) / size)) or 1
    if isinstance(events, Crowd):
        names, z, xs, ys = _crowd_cells(events, view, settings, (lo, size, count))
    else:
        names, z, xs, ys = _cells(events.reset_index(drop=True), view, settings, (lo, size, count))
    centres = date_texts(lo + (np.arange(count) + 0.5) * size)
    fig = go.Figure(_heatmap(z, centres, names, theme.name))
    # No count here: the page and the picture's caption say it, and a zoom that keeps these cells changes it.
    note = (
        f"How many events fall in each {_bucket_words(size)}: "
        "zoom in, pick a shorter range or click a cell to see the events themselves."
    )
    _layout(fig, view, names, (lo, hi, size), note, width, export, finest=size == finest_ns(events))
    add_rings(fig, xs, ys, calendar)
    return fig


Cells = tuple[list[str], np.ndarray, list[float], list[float]]  # lanes, counts, the selection's rings' x and y


def _cells(events: pd.DataFrame, view: View, settings: CollectionSettings, buckets: tuple[float, float, int]) -> Cells:
    """The lanes, the count of events in each lane and bucket (``buckets``: lo, size, count), and where the
    selected event's rings go, of the events' rows."""
    lo, size, count = buckets
    start = events[C.start].to_numpy(dtype="datetime64[ns]").astype("int64")
    end = events[C.end].to_numpy(dtype="datetime64[ns]").astype("int64")
    names, rows, lanes = _lane_index(events, view, settings)
    # From the axis's start, in whole nanoseconds (then exact as floats): an end at a bucket's edge is its last
    # nanosecond's bucket, not the next (as floats since 1970, a nanosecond less is the same number).
    origin = int(lo)
    first = np.clip(np.floor((start - origin) / size), 0, count - 1).astype(int)
    last = np.clip(np.floor((np.maximum(end - 1, start) - origin) / size), 0, count - 1).astype(int)
    z = _counts(first[rows], last[rows], lanes, len(names), count)
    chosen = np.flatnonzero((events[C.id] == view.selected).to_numpy(dtype=bool)) if view.selected else np.empty(0, int)
    xs: list[float] = []
    ys: list[float] = []
    for index in chosen:  # a ring in each lane the selected event is in
        for lane in lanes[rows == index].tolist():
            xs.append(_ring_x(float(start[index]), float(end[index])))
            ys.append(float(lane))
    return names, z, xs, ys


def _crowd_cells(crowd: Crowd, view: View, settings: CollectionSettings, buckets: tuple[float, float, int]) -> Cells:
    """``_cells`` of a crowd, in lanes of categories: its cells counted by SQL (the buckets worked out there as
    here), its selected event read alone."""
    lo, size, count = buckets
    order = sorted(crowd.categories(), key=category_order(settings))
    found = crowd.cells(lo, size, count)
    lane_of = {category: number for number, category in enumerate(order)}
    lanes = np.fromiter((lane_of[c] for c in found["category"]), dtype=np.int64, count=len(found))
    z = _counts(found["first"].to_numpy(), found["last"].to_numpy(), lanes, len(order), count, found["n"].to_numpy())
    xs: list[float] = []
    ys: list[float] = []
    at = crowd.position(view.selected) if view.selected else None
    if at is not None:
        row = crowd.page(at[0], 1, [C.start, C.end, C.category])
        start, end = (float(pd.Timestamp(row[name].iloc[0]).value) for name in (C.start, C.end))
        xs, ys = [_ring_x(start, end)], [float(lane_of[row[C.category].iloc[0]])]
    return [settings.category_label(c) for c in order], z, xs, ys


def _ring_x(start: float, end: float) -> float:
    """Where an event's ring goes on a density: its start, or the middle of its first day."""
    return float(start + min(end - start, DAY_NS) / 2)


def _counts(
    first: np.ndarray, last: np.ndarray, lanes: np.ndarray, lane_count: int, count: int, weights: Any = None
) -> np.ndarray:
    """The number of events in each lane and bucket (NaN where none, so that empty cells stay blank), from each
    (event, lane) pair's lane and its first and last bucket; or each group's of ``weights`` such pairs."""
    # Each event adds one to every bucket it overlaps: +1 where it starts, -1 after it ends, then a running sum.
    # As flat cell numbers (lane codes may be int8: widened first), counted by bincount, not np.add.at (10× slower).
    cells, at = lane_count * (count + 1), lanes.astype(np.int64) * (count + 1)
    starts = np.bincount(at + first, weights=weights, minlength=cells)
    ends = np.bincount(at + last + 1, weights=weights, minlength=cells)
    z = np.cumsum((starts - ends).reshape(lane_count, count + 1), axis=1)[:, :count].astype(float)
    z[z == 0] = np.nan
    return z


def _heatmap(z: np.ndarray, centres: list[str | None], names: list[str], theme_name: str) -> go.Heatmap:
    """The cells, coloured up to the 99th percentile so that one crowded day does not wash out the rest."""
    top = float(np.nanpercentile(z, 99)) if np.isfinite(z).any() else 1.0
    scale = [[0, "#e8f0fb"], [1, "#1e4e8c"]] if theme_name == "light" else [[0, "#1d2a3b"], [1, "#9cc3f5"]]
    lane_names = [shown_name(lane) for lane in names]
    count = z.shape[1]
    return go.Heatmap(
        z=z,
        x=centres,
        y=np.arange(len(names)),
        colorscale=scale,
        zmin=0,
        zmax=max(top, 1.0),
        xgap=1,
        ygap=3,
        text=[[lane_names[i]] * count for i in range(len(names))],
        # An empty cell has no hover label: it would say "NaN events".
        hovertemplate="<b>%{z:,.0f}</b> events<br>%{text}<br>%{x|%-d %b %Y %H:%M}<extra></extra>",
        hoverongaps=False,
        colorbar={"title": {"text": "events"}, "thickness": 12, "len": 0.8},
        name="density",
    )


def _layout(
    fig: go.Figure,
    view: View,
    names: list[str],
    buckets: tuple[float, float, float],
    note: str,
    width: int,
    export: bool,
    finest: bool = False,
) -> None:
    """The heatmap's layout: a date axis over ``buckets`` (lo, hi, size), the lane names, the note above.
    ``finest``: the buckets are the finest the events allow, so a zoom into them would draw the same cells."""
    theme = THEMES[view.theme]
    lo, hi, size = buckets
    height = MARGIN["t"] + MARGIN["b"] + max(len(names), 1) * 30 + 70 + (0 if export else 40)
    fig.update_layout(
        **page_frame(theme, width, height, export),
        margin=dict(MARGIN),
        showlegend=False,
        xaxis={"type": "date", "range": date_texts([lo, hi]), "gridcolor": theme.grid, "linecolor": theme.grid},
        yaxis={
            "tickvals": list(range(len(names))),
            "ticktext": [shown_name(lane, 20) for lane in names],
            "range": [len(names) - 0.5, -0.5],
            "fixedrange": True,
            "showgrid": False,
            "zeroline": False,
        },
        annotations=[
            {
                "text": esc(note),
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 1.0,
                "yanchor": "bottom",
                "xanchor": "left",
                "showarrow": False,
                "font": {"size": 12, "color": theme.muted},
            }
        ],
        uirevision=view.to_query() or "default",
        hovermode="closest",
        dragmode="zoom",
        clickmode="event",
        meta={"density": True, "bucket_ms": size / 1e6, "finest": finest},
    )


def _bucket_words(size: float) -> str:
    if size < DAY_NS:
        hours = round(size / HOUR_NS)
        return "hour" if hours == 1 else f"{hours} hours"
    days = round(size / DAY_NS)
    return {1: "day", 7: "week", 14: "fortnight", 30: "month", 91: "quarter", 365: "year"}.get(days, f"{days} days")
