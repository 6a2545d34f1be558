"""The map figure: the places of the events on a world map, coloured by category, summed per place when many."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.cells import pairs, shared_lists
from dashboard.crowd import Crowd, Events
from dashboard.figure.packing import numbers
from dashboard.figure.style import (
    FONT,
    LEGEND_CHARS,
    THEMES,
    TITLE_CHARS,
    Theme,
    category_colors,
    clip,
    esc,
    shown_name,
)
from dashboard.model import CollectionSettings
from dashboard.table import C
from dashboard.view import View

COORDINATE_DIGITS = 5  # about a metre: finer means nothing on a world map, and costs bytes
MAP_DETAIL_LIMIT = 2000  # events whose places are drawn one by one; more are summed per place
PLACE_PREFIX = "place:"  # customdata of a summed map point: a click filters to that place
SPREAD_DEGREES = 1.0  # the points of one place are spread within this radius, however many there are
GOLDEN_ANGLE = np.pi * (3 - np.sqrt(5))


def places_table(events: pd.DataFrame) -> pd.DataFrame:
    """One row per (event, place with coordinates): the event's row label (``row``), the place's name and
    coordinates, in the events' order and each event's places in its order. The event's own columns are joined
    only for the events drawn one by one (``with_events``): a million rows of titles would be half a gigabyte."""
    codes, lists = shared_lists(events[C.places])
    located = [[p for p in places if p.get("lat") is not None] for places in lists]  # once per distinct list
    flat = [p for places in located for p in places]
    rows, at = pairs(codes, np.fromiter(map(len, located), dtype=np.int64, count=len(located)))
    return pd.DataFrame(
        {
            "row": events.index.to_numpy()[rows],
            "name": pd.array(np.array([str(p["name"]) for p in flat], dtype=object)[at], dtype="str"),
            "lat": np.array([p["lat"] for p in flat], dtype=float)[at],
            "lon": np.array([p["lon"] for p in flat], dtype=float)[at],
        }
    )


EVENT_COLUMNS = {"id": C.id, "category": C.category, "title": C.title, "when": C.when}  # what a point shows


def with_events(table: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """A places table with each pair's event id, category, title and date from ``events`` (by row label)."""
    at = events.loc[table["row"], list(EVENT_COLUMNS.values())]
    columns = {name: at[column].array for name, column in EVENT_COLUMNS.items()}  # positional: the labels repeat
    return table.assign(**columns)[["row", *EVENT_COLUMNS, "name", "lat", "lon"]]


def spread(table: pd.DataFrame, radius: float = 0.35) -> pd.DataFrame:
    """Points that share coordinates, set on a small sunflower around them so each can be seen and clicked.

    The k-th of n points sits at a golden-angle turn from the one before, at sqrt(k/n) of the outer radius, which
    grows with n but never past SPREAD_DEGREES: 1,600 events at one place stay a dense disc around it instead of a
    ring across a continent.
    """
    groups = table.groupby(["lat", "lon"], sort=False)
    size = groups["lat"].transform("size").to_numpy()
    if not (size > 1).any():
        return table
    k = groups.cumcount().to_numpy()
    outer = np.minimum(radius * np.sqrt(size), SPREAD_DEGREES)
    distance = np.where(size > 1, outer * np.sqrt((k + 0.5) / size), 0.0)
    angle = k * GOLDEN_ANGLE
    shrink = np.maximum(np.cos(np.radians(table["lat"].to_numpy())), 0.2)  # degrees of longitude narrow north
    return table.assign(
        lat=table["lat"] + distance * np.sin(angle), lon=table["lon"] + distance * np.cos(angle) / shrink
    )


def place_counts(table: pd.DataFrame) -> pd.DataFrame:
    """How many of a places table's pairs each place has (name, lat, lon, count), in the order first met."""
    return table.groupby(["name", "lat", "lon"], sort=False).size().reset_index(name="count")


def map_figure(
    events: Events,
    view: View,
    settings: CollectionSettings,
    places: pd.DataFrame | None = None,
    counts: pd.DataFrame | None = None,
) -> go.Figure:
    """The places of the events on a world map, coloured by category; the selected event's places ringed.

    ``places`` is the places table of the whole collection (built once per load), or of more events than these;
    without it, it is built from ``events``. Past MAP_DETAIL_LIMIT events, points are summed per place and sized
    by their count: ``counts`` are those sums worked out before (``place_counts``, or by SQL over a file), and
    ``places`` then need hold only the selected event's pairs.
    """
    theme = THEMES[view.theme]
    fig = go.Figure()
    if isinstance(events, Crowd):  # summed by SQL; ``places`` the selected event's pairs, when it is in view
        assert places is not None and counts is not None, "a crowd's map is of sums worked out before"
        table, summed = places, True
    else:
        table = places_table(events) if places is None else places[places["row"].isin(events.index)]
        summed = len(events) > MAP_DETAIL_LIMIT
    if summed:
        counts = place_counts(table) if counts is None else counts
        fig.add_trace(_summed_points(counts, theme))
    else:
        assert isinstance(events, pd.DataFrame)
        counts = None
        table = spread(with_events(table, events))
        colors = category_colors(settings, list(events[C.category].unique()))
        for category, group in table.groupby("category", sort=False):
            fig.add_trace(_category_points(group, str(category), colors[str(category)], settings, theme))
    if not view.selected:
        chosen = table[:0]
    elif isinstance(events, Crowd):
        chosen = table
    else:
        chosen = table[table["row"].isin(events.index[events[C.id] == view.selected])]
    # Always the last trace, maybe empty, so that a new selection can be sent as a patch of it alone.
    fig.add_trace(_selected_points(chosen, view.selected, theme))
    _layout(fig, view, theme, located=len(table if counts is None else counts) > 0)
    return fig


def _summed_points(summed: pd.DataFrame, theme: Theme) -> go.Scattergeo:
    """One point per place, sized by how many events it has (``place_counts``); a click filters to the place."""
    size = 6 + 24 * np.sqrt(summed["count"] / max(summed["count"].max(), 1))
    return go.Scattergeo(
        lat=numbers(summed["lat"], COORDINATE_DIGITS),
        lon=numbers(summed["lon"], COORDINATE_DIGITS),
        mode="markers",
        name="events",
        customdata=[PLACE_PREFIX + name for name in summed["name"]],
        hovertext=[
            f"<b>{shown_name(n)}</b><br>{c:,} events · click to filter"
            for n, c in zip(summed["name"], summed["count"], strict=True)
        ],
        hoverinfo="text",
        marker={
            "size": numbers(size),
            "color": "#2b6cb0",
            "opacity": 0.7,
            "line": {"color": theme.paper, "width": 1},
        },
    )


def _category_points(
    group: pd.DataFrame, category: str, color: str, settings: CollectionSettings, theme: Theme
) -> go.Scattergeo:
    """The places of one category's events, one point per event and place; a click selects the event."""
    return go.Scattergeo(
        lat=numbers(group["lat"], COORDINATE_DIGITS),
        lon=numbers(group["lon"], COORDINATE_DIGITS),
        customdata=list(group["id"]),
        hovertext=[
            f"<b>{shown_name(n)}</b><br>{esc(clip(t, TITLE_CHARS))}<br>{esc(w)}"
            for n, t, w in zip(group["name"], group["title"], group["when"], strict=True)
        ],
        hoverinfo="text",
        mode="markers",
        name=shown_name(settings.category_label(category), LEGEND_CHARS),
        marker={
            "size": 10,
            "color": color,
            "opacity": 0.85,
            "line": {"color": theme.paper, "width": 1},
        },
    )


def _selected_points(chosen: pd.DataFrame, selected: str | None, theme: Theme) -> go.Scattergeo:
    """Rings around the selected event's places (``chosen``: the rows of its places)."""
    return go.Scattergeo(
        lat=numbers(chosen["lat"], COORDINATE_DIGITS),
        lon=numbers(chosen["lon"], COORDINATE_DIGITS),
        customdata=[selected] * len(chosen),
        mode="markers",
        hoverinfo="skip",
        showlegend=False,
        name="selected",
        marker={"size": 22, "symbol": "circle-open", "color": theme.text, "line": {"width": 2.5}},
    )


def _layout(fig: go.Figure, view: View, theme: Theme, *, located: bool) -> None:
    """The globe in the theme's colours, fitted to the points when there are any (``located``)."""
    land = "#eef0f3" if theme.name == "light" else "#242a33"
    fig.update_geos(
        projection_type="natural earth",
        showcountries=True,
        countrycolor=theme.grid,
        showland=True,
        landcolor=land,
        showocean=True,
        oceancolor=theme.paper,
        showlakes=False,
        coastlinecolor=theme.grid,
        bgcolor=theme.paper,
        fitbounds="locations" if located else False,
        resolution=110,
        showframe=False,
    )
    fig.update_layout(
        template=theme.template,
        paper_bgcolor=theme.paper,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        showlegend=False,
        font={"family": FONT, "color": theme.text},
        uirevision=view.to_query() or "default",
        hoverlabel={"font": {"family": FONT, "size": 12}},
        clickmode="event",
    )
