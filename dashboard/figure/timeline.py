"""The timeline figure of already-filtered events: lanes, bars for ranges, marks for days and moments, labels
and links; past DETAIL_LIMIT events, their density (``dashboard.figure.density``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.figure.density import density_figure
from dashboard.figure.packing import DAY_NS, Item, axis_x, axis_xs, lane_keys, ordered_lanes, pack, positions, x_range
from dashboard.figure.selection import selection_trace
from dashboard.figure.style import (
    CHAR_PX,
    FONT,
    FONT_SIZE,
    LEGEND_CHARS,
    MARGIN,
    ROW_PX,
    THEMES,
    TITLE_CHARS,
    Theme,
    category_colors,
    category_label,
    category_order,
    clip,
    esc,
    halo_shadow,
    page_frame,
    shown_name,
)
from dashboard.model import CollectionSettings
from dashboard.table import C
from dashboard.view import View

DETAIL_LIMIT = 1500  # events drawn one by one; more are drawn as density
LABEL_LIMIT = 250  # events drawn with their titles beside them; more are drawn as marks alone
HALO_LIMIT = 120  # labels drawn with a halo (a text shadow, costly to draw in numbers)


def timeline_figure(
    events: pd.DataFrame,
    view: View,
    settings: CollectionSettings,
    *,
    width: int = 1200,
    export: bool = False,
) -> go.Figure:
    """The timeline of already-filtered events: lanes, bars for ranges, marks for days and moments, links.

    Past DETAIL_LIMIT events it draws their density instead (counts per lane and time bucket), so the browser
    never gets more than it can draw; zooming in re-queries and shows the events themselves.
    """
    if len(events) > DETAIL_LIMIT:
        return density_figure(events, view, settings, width=width, export=export)
    theme = THEMES[view.theme]
    events = events.reset_index(drop=True)
    colors = category_colors(settings, list(events[C.category].unique()))
    lo, hi = x_range(events, view)
    plot_px = max(width - MARGIN["l"] - MARGIN["r"], 200)
    units_per_px = (hi - lo) / plot_px
    rows: list[dict[str, Any]] = events.to_dict("records", into=dict)
    labels = _labels(rows, plot_px)
    items, lanes, counts, offsets = _packed_items(events, rows, view, settings, labels, lo, hi, units_per_px)
    total_rows = sum(counts) or 1

    by_id = {row[C.id]: row for row in rows}
    fig = go.Figure()
    for category in sorted(dict.fromkeys(events[C.category]), key=category_order(settings)):
        _add_category(
            fig,
            [i for i in items if by_id[i.id][C.category] == category],
            by_id,
            labels,
            colors[category],
            shown_name(category_label(settings, category), LEGEND_CHARS),
            view,
            halo_shadow(theme) if len(events) <= HALO_LIMIT else "none",
        )
    _add_links(fig, items, by_id, theme, view)
    _add_selection(fig, items, view)
    names = [category_label(settings, lane) for lane in lanes] if view.lanes == "category" else lanes
    _layout(fig, events, view, theme, names, counts, offsets, total_rows, lo, hi, width, export)
    return fig


def _labels(rows: list[dict[str, Any]], plot_px: int) -> dict[str, str]:
    """Each event's label by id: its title, clipped to the room the plot has, or nothing past LABEL_LIMIT."""
    # Labels may be as long as the room allows: a wide picture shows whole titles, a narrow screen clips them.
    limit = int(min(max(plot_px * 0.42 / CHAR_PX, 24), 72))
    # Past LABEL_LIMIT events the marks go unlabelled (hover and the cards name them): hundreds of labels
    # would fill rows with text nobody can read and cost the browser seconds to draw.
    labelled = len(rows) <= LABEL_LIMIT
    return {row[C.id]: clip(row[C.title], limit) if labelled else "" for row in rows}


def _packed_items(
    events: pd.DataFrame,
    rows: list[dict[str, Any]],
    view: View,
    settings: CollectionSettings,
    labels: dict[str, str],
    lo: float,
    hi: float,
    units_per_px: float,
) -> tuple[list[Item], list[str], list[int], dict[str, int]]:
    """One item per event and lane, placed in rows so that no mark or label overlaps another: the items, the
    lanes in order, the rows each lane takes, and each lane's first row."""
    x0s, x1s, bars = positions(events, view.mode)
    # A label sits right of its mark: 10 px of mark and padding, then the text.
    label_units = {k: (18 + len(v) * CHAR_PX if v else 8) * units_per_px for k, v in labels.items()}
    items: list[Item] = []
    lane_order: dict[str, int] = {}
    for index, row in enumerate(rows):
        for lane in lane_keys(row, view.lanes):
            lane_order.setdefault(lane, len(lane_order))
            items.append(Item(row[C.id], lane, x0s[index], x1s[index], bars[index]))
    lanes = ordered_lanes(lane_order, view.lanes, settings)
    for item in items:
        item.place_label(label_units[item.id], lo, hi, inset=8 * units_per_px)
    counts = pack(items, lanes, gap=6 * units_per_px)
    offsets = dict(zip(lanes, [sum(counts[:i]) for i in range(len(counts))], strict=True))
    for item in items:
        item.y = offsets[item.lane] + item.row
    return items, lanes, counts, offsets


def _hover(row: dict[str, Any]) -> str:
    actors = ", ".join(shown_name(actor) for actor in row[C.actors][:4]) + (" …" if len(row[C.actors]) > 4 else "")
    lines = [f"<b>{esc(clip(row[C.title], TITLE_CHARS))}</b>", esc(row[C.when])]
    if actors:
        lines.append(actors)
    return "<br>".join(lines)


def _add_category(
    fig: go.Figure,
    items: list[Item],
    by_id: dict[str, dict[str, Any]],
    labels: dict[str, str],
    color: str,
    name: str,
    view: View,
    halo: str,
) -> None:
    """One legend entry per category: its bars (ranges, hatched when approximate) and its marks."""
    # A legend entry of its own, so every category shows the same swatch whatever its first trace is.
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            name=name,
            legendgroup=name,
            hoverinfo="skip",
            marker={"symbol": "square", "size": 11, "color": color},
        )
    )
    bar_items = [i for i in items if i.bar]
    if bar_items:
        _add_bars(fig, bar_items, by_id, color, name, view)
    # Labels go on a twin x axis that follows the main one: the range slider draws only the main axis's
    # traces, so it shows the marks without a smear of text.
    # An invisible marker of the mark's size keeps each label clear of its mark.
    if any(labels[i.id] for i in items):
        _add_labels(fig, items, labels, name, view, halo)
    _add_marks(fig, items, by_id, color, name, view)


def _add_bars(
    fig: go.Figure, bar_items: list[Item], by_id: dict[str, dict[str, Any]], color: str, name: str, view: View
) -> None:
    """The bars of a category's ranges, hatched where the date is approximate."""
    approximate = [bool(by_id[i.id][C.approximate]) for i in bar_items]
    fig.add_trace(
        go.Bar(
            orientation="h",
            legendgroup=name,
            name=name,
            showlegend=False,
            base=axis_xs([i.x0 for i in bar_items], view),
            x=np.asarray([(i.x1 - i.x0) / 1e6 for i in bar_items]),  # a date axis takes bar lengths in ms
            y=np.asarray([i.y for i in bar_items], dtype=float),
            width=0.62,
            marker={
                "color": color,
                "opacity": 0.9,
                "pattern": {
                    "shape": ["/" if a else "" for a in approximate],
                    "fgcolor": color,
                    "bgcolor": "rgba(0,0,0,0)",
                    "solidity": 0.3,
                    "size": 8,
                    "fgopacity": 0.45,
                },
                "line": {"color": color, "width": 1},
            },
            customdata=[i.id for i in bar_items],
            hovertext=[_hover(by_id[i.id]) for i in bar_items],
            hoverinfo="text",
        )
    )


def _add_marks(
    fig: go.Figure, marks: list[Item], by_id: dict[str, dict[str, Any]], color: str, name: str, view: View
) -> None:
    """The marks of a category's events: squares on bars, diamonds for days and moments, hollow when approximate."""
    approximate = [bool(by_id[i.id][C.approximate]) for i in marks]
    fig.add_trace(
        go.Scatter(
            mode="markers",
            legendgroup=name,
            name=name,
            showlegend=False,
            x=axis_xs([i.anchor for i in marks], view),
            y=np.asarray([i.y for i in marks], dtype=float),
            marker={
                "color": ["rgba(0,0,0,0)" if a else color for a in approximate],
                "symbol": ["square" if i.bar else "diamond" for i in marks],
                "size": [9 if i.bar else 12 for i in marks],
                "line": {"color": color, "width": 2},
            },
            customdata=[i.id for i in marks],
            hovertext=[_hover(by_id[i.id]) for i in marks],
            hoverinfo="text",
            cliponaxis=False,
        )
    )


def _add_labels(fig: go.Figure, marks: list[Item], labels: dict[str, str], name: str, view: View, halo: str) -> None:
    """The labels of a category's marks."""
    fig.add_trace(
        go.Scatter(
            mode="markers+text",
            legendgroup=name,
            name=name,
            showlegend=False,
            xaxis="x2",
            x=axis_xs([i.label_x for i in marks], view),
            y=np.asarray([i.y for i in marks], dtype=float),
            marker={"size": [4 if i.label_x != i.anchor else 9 if i.bar else 12 for i in marks], "opacity": 0},
            text=[esc(labels[i.id]) for i in marks],
            textposition=["middle left" if i.left else "middle right" for i in marks],
            textfont={"size": FONT_SIZE, "shadow": halo},
            hoverinfo="skip",
            cliponaxis=False,
        )
    )


def _add_links(fig: go.Figure, items: list[Item], by_id: dict[str, dict[str, Any]], theme: Theme, view: View) -> None:
    """Connectors from each event to the events it links to (first lane of each), drawn as thin arrows."""
    first: dict[str, Item] = {}
    for item in items:
        first.setdefault(item.id, item)
    xs: list[Any] = []
    ys: list[Any] = []
    for source_id, source in first.items():
        for link in by_id[source_id][C.links]:
            target = first.get(link["to"])
            if target is None:
                continue
            xs += [source.anchor, target.anchor, np.nan]
            ys += [source.y, target.y, np.nan]
    if xs:
        fig.add_trace(
            go.Scatter(
                x=axis_xs(xs, view),
                y=np.asarray(ys, dtype=float),
                mode="lines",
                line={"color": theme.muted, "width": 1, "dash": "dot"},
                hoverinfo="skip",
                showlegend=False,
                name="links",
                opacity=0.6,
            )
        )
        fig.data = (fig.data[-1], *fig.data[:-1])  # under the marks


def _add_selection(fig: go.Figure, items: list[Item], view: View) -> None:
    chosen = [i for i in items if i.id == view.selected]
    fig.add_trace(selection_trace([i.anchor for i in chosen], [i.y for i in chosen], view.selected, view))


def _layout(
    fig: go.Figure,
    events: pd.DataFrame,
    view: View,
    theme: Theme,
    lanes: list[str],
    counts: list[int],
    offsets: dict[str, int],
    total_rows: int,
    lo: float,
    hi: float,
    width: int,
    export: bool,
) -> None:
    """The figure's layout: banded lanes, the x axis (dates or a sequence), the legend, the lane names."""
    tops = list(offsets.values())
    shapes = _lane_bands(tops, counts, theme)
    xaxis = _base_axis(lo, hi, view, theme)
    bottom = MARGIN["b"]
    if view.mode == "sequence":
        xaxis.update(_sequence_ticks(events, (width - MARGIN["l"] - MARGIN["r"]) / max(hi - lo, 1e-9)))
        bottom = xaxis.pop("bottom")
        shapes += [_boundary_line(boundary, theme) for boundary in xaxis.pop("boundaries")]
    else:
        xaxis.update(_date_axis(events, theme, lo, hi, export))
    height = MARGIN["t"] + bottom + total_rows * ROW_PX + 30 + (0 if export else 40)
    fig.update_layout(
        **page_frame(theme, width, height, export),
        margin={**MARGIN, "b": bottom},
        showlegend=True,
        legend=LEGEND,
        xaxis=xaxis,
        xaxis2={
            "matches": "x",
            "overlaying": "x",
            "visible": False,
            "type": "linear" if view.mode == "sequence" else "date",
        },
        yaxis=_lane_axis(lanes, tops, counts, total_rows),
        shapes=shapes,
        hovermode="closest",
        dragmode="zoom",
        barmode="overlay",
        hoverlabel={"font": {"family": FONT, "size": 12}},
        uirevision=view.to_query() or "default",
        clickmode="event",
    )
    if not len(events):
        _add_no_events(fig, theme)


def _add_no_events(fig: go.Figure, theme: Theme) -> None:
    """A note in the middle of an empty timeline, so that it does not look broken."""
    fig.add_annotation(
        text="No events in this view",
        showarrow=False,
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        font={"size": 16, "color": theme.muted},
    )


# One row above the plot, left-aligned; a click on an entry would hide a category the filters do not know of.
LEGEND: dict[str, Any] = {
    "orientation": "h",
    "yanchor": "bottom",
    "y": 1.0,
    "x": 0,
    "xanchor": "left",
    "bgcolor": "rgba(0,0,0,0)",
    "font": {"size": 12},
    "itemclick": False,
    "itemdoubleclick": False,
}


def _lane_bands(tops: list[int], counts: list[int], theme: Theme) -> list[dict[str, Any]]:
    """A shaded band behind every other lane, so that the rows of one lane read together."""
    return [
        {
            "type": "rect",
            "xref": "paper",
            "yref": "y",
            "x0": 0,
            "x1": 1,
            "y0": tops[index] - 0.5,
            "y1": tops[index] - 0.5 + counts[index],
            "fillcolor": theme.band,
            "line": {"width": 0},
            "layer": "below",
        }
        for index in range(0, len(tops), 2)
    ]


def _boundary_line(boundary: float, theme: Theme) -> dict[str, Any]:
    """A thin vertical line between two dates in sequence mode."""
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": boundary,
        "x1": boundary,
        "y0": 0,
        "y1": 1,
        "line": {"color": theme.grid, "width": 1},
        "layer": "below",
    }


def _base_axis(lo: float, hi: float, view: View, theme: Theme) -> dict[str, Any]:
    """What the x axis is in both modes: its range, grid and ticks."""
    return {
        "range": [axis_x(lo, view), axis_x(hi, view)],
        "showgrid": True,
        "gridcolor": theme.grid,
        "zeroline": False,
        "linecolor": theme.grid,
        "ticks": "outside",
        "tickcolor": theme.grid,
    }


def _date_axis(events: pd.DataFrame, theme: Theme, lo: float, hi: float, export: bool) -> dict[str, Any]:
    """The x axis in calendar mode: date ticks as fine as the zoom, and (on screen) the range slider."""
    axis: dict[str, Any] = {
        "type": "date",
        "hoverformat": "%-d %b %Y",
        "ticklabelmode": "period",
        "tickformatstops": [
            {"dtickrange": [None, DAY_NS / 2e6], "value": "%H:%M\n%-d %b"},
            {"dtickrange": [DAY_NS / 1e6, 7 * DAY_NS / 1e6], "value": "%a %-d %b\n%Y"},
            {"dtickrange": [7 * DAY_NS / 1e6, "M1"], "value": "%-d %b\n%Y"},
            {"dtickrange": ["M1", "M12"], "value": "%b\n%Y"},
            {"dtickrange": ["M12", None], "value": "%Y"},
        ],
    }
    if hi - lo <= 16 * DAY_NS and not (events[C.precision] == "minute").any():
        axis["dtick"] = DAY_NS / 1e6  # whole days: a day-precision timeline has nothing to say at 12:00
    if not export:
        axis["rangeslider"] = {
            "visible": True,
            "thickness": 0.06,
            "bgcolor": theme.band,
            "bordercolor": theme.grid,
        }
    return axis


def _lane_axis(lanes: list[str], tops: list[int], counts: list[int], total_rows: int) -> dict[str, Any]:
    """The y axis: each lane's name at the middle of its rows, the first row at the top."""
    return {
        "tickvals": [tops[i] + (counts[i] - 1) / 2 for i in range(len(lanes))],
        "ticktext": [shown_name(lane, 20) for lane in lanes],
        "range": [total_rows - 0.5, -0.7],
        "showgrid": False,
        "zeroline": False,
        "fixedrange": True,
        "ticks": "",
        "automargin": True,
    }


def _sequence_ticks(events: pd.DataFrame, px_per_unit: float) -> dict[str, Any]:
    """Ticks for sequence mode: one per run of events with the same date, at the run's centre, on two lines;
    a tick too close to its neighbour drops to a second row so that no two dates overlap."""
    tickvals, ticktext, boundaries = [], [], []
    ends = [-1e9, -1e9]  # right edge in px of the last tick on each row
    run_start = 0
    whens = list(events[C.when])
    for index in range(1, len(whens) + 1):
        if index == len(whens) or whens[index] != whens[run_start]:
            centre = (run_start + index - 1) / 2
            lines = whens[run_start].rsplit(" ", 1)
            half = max(len(line) for line in lines) * CHAR_PX / 2 + 6
            row = 0 if centre * px_per_unit - half >= ends[0] else 1
            ends[row] = centre * px_per_unit + half
            tickvals.append(centre)
            ticktext.append("<br>" * (3 * row) + "<br>".join(esc(line) for line in lines))
            if index < len(whens):
                boundaries.append(index - 0.5)
            run_start = index
    two_rows = any(text.startswith("<br>") for text in ticktext)
    return {
        "tickmode": "array",
        "tickvals": tickvals,
        "ticktext": ticktext,
        "showgrid": False,
        "tickangle": 0,
        "boundaries": boundaries,
        "bottom": 100 if two_rows else 58,
    }
