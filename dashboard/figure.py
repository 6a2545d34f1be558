"""(events, view) -> plotly figures: the timeline and the map. Pure functions shared by the app and the export.

Readability comes from packing: in each lane, events are laid into rows so that no mark, bar or label
overlaps another at the figure's width. The packing measures labels in the figure's own font, so what the
app shows and what the export prints are laid out alike.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.model import CollectionSettings
from dashboard.view import View

FONT = "Inter, 'Segoe UI', 'Helvetica Neue', Arial, 'Liberation Sans', sans-serif"
FONT_SIZE = 12
CHAR_PX = 6.9  # average advance of a 12 px sans-serif character, a little generous so labels never touch
LABEL_CHARS = 42
ROW_PX = 26
MARGIN = {"l": 150, "r": 24, "t": 16, "b": 40}
PALETTE = ["#2b6cb0", "#c53030", "#2f855a", "#b7791f", "#6b46c1", "#0f766e", "#b83280", "#4a5568"]
DAY_NS = 86_400_000_000_000
HOUR_NS = DAY_NS // 24
DETAIL_LIMIT = 1500  # events drawn one by one; more are drawn as density
LABEL_LIMIT = 250  # events drawn with their titles beside them; more are drawn as marks alone
HALO_LIMIT = 120  # labels drawn with a halo (a text shadow, costly to draw in numbers)
BUCKETS_NS = [HOUR_NS * h for h in (1, 3, 6, 12)] + [DAY_NS * d for d in (1, 2, 7, 14, 30, 91, 365)]
MAX_DENSITY_LANES = 40
NAME_CHARS = 48  # an actor, place, tag or category name in a hover label or a filter menu
LEGEND_CHARS = 120  # a category's name in the legend, which has a line's room (the loader's longest name)
TITLE_CHARS = 160  # a title in a hover label
SPREAD_DEGREES = 1.0  # the points of one place are spread within this radius, however many there are
GOLDEN_ANGLE = np.pi * (3 - np.sqrt(5))


@dataclass(frozen=True)
class Theme:
    """Colours of one theme."""

    name: str
    paper: str
    plot: str
    text: str
    muted: str
    grid: str
    band: str
    template: str


THEMES = {
    "light": Theme("light", "#ffffff", "#ffffff", "#1a202c", "#5a6472", "#e5e7eb", "#f5f7fa", "none"),
    "dark": Theme("dark", "#15181d", "#15181d", "#e6e8eb", "#9aa3ae", "#2d333b", "#1c2027", "none"),
}
# No plotly template: every colour is set here, and a template would add ~10 kB and a deep copy per figure.


# Bidi embeddings and overrides (closed by PDF, U+202C) and isolates (closed by PDI, U+2069).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_PDF, _PDI = "\u202c", "\u2069"


def balance_bidi(text: str) -> str:
    """Text whose bidi controls are all closed within it: a lone right-to-left override in a name would reverse
    the text after it (the rest of a hover label, the next name in a list). Stray closers are dropped."""
    if not _BIDI.search(text):
        return text
    out: list[str] = []
    open_: list[str] = []  # the closer each opened control waits for
    for char in text:
        if char == _PDF:
            if open_ and open_[-1] == _PDF:
                open_.pop()
                out.append(char)
        elif char == _PDI:
            if _PDI in open_:  # an isolate's closer also closes the embeddings opened inside it
                while open_.pop() != _PDI:
                    out.append(_PDF)
                out.append(char)
        elif _BIDI.match(char):
            open_.append(_PDI if char >= "\u2066" else _PDF)
            out.append(char)
        else:
            out.append(char)
    return "".join(out) + "".join(reversed(open_))


def esc(text: object) -> str:
    """Text for plotly, which reads a little HTML (<b>, <a>) in labels and hover text: escaped, with its bidi
    controls closed."""
    return html.escape(balance_bidi(str(text)), quote=False)


def clip(text: str, limit: int = LABEL_CHARS) -> str:
    """Shorten a label to ``limit`` characters, ending with an ellipsis (bidi controls it cut off are closed)."""
    return text if len(text) <= limit else balance_bidi(text[: limit - 1].rstrip()) + "…"


def shown_name(text: object, limit: int = NAME_CHARS) -> str:
    """A name (actor, place, tag, category) for a figure: clipped and escaped."""
    return esc(clip(str(text), limit))


def category_colors(settings: CollectionSettings, categories: list[str]) -> dict[str, str]:
    """A colour for every category: the collection's own, then a fixed palette in name order."""
    colors = {key: cat.color for key, cat in settings.categories.items()}
    spare = iter(PALETTE[len(colors) % len(PALETTE):] + PALETTE)
    for name in sorted(set(categories) - set(colors)):
        colors[name] = next(spare, "#6b7280")
    return colors


def category_label(settings: CollectionSettings, key: str) -> str:
    """The readable name of a category."""
    cat = settings.categories.get(key)
    return cat.label if cat and cat.label else key.replace("-", " ").capitalize()


def lane_keys(row: dict[str, Any], lanes: str) -> list[str]:
    """The lanes an event shows in: its category, each of its actors, or each of its places."""
    if lanes == "actor":
        return list(row["actors"]) or ["(no actor)"]
    if lanes == "place":
        return [p["name"] for p in row["places"]] or ["(no place)"]
    return [row["category"]]


@dataclass
class Item:
    """One mark on the timeline: an event in one lane."""

    id: str
    lane: str
    x0: float  # axis units: ns since epoch in calendar mode, an ordinal in sequence mode
    x1: float
    bar: bool
    anchor: float = 0.0  # where the mark sits (a bar's start, kept inside the visible range)
    label_x: float = 0.0  # where the label starts: beside the mark, or after a bar's end when it fits there
    left: bool = False  # label on the left of label_x, near the right edge
    ext0: float = 0.0  # the extent of mark, bar and label together, for packing
    ext1: float = 0.0
    row: int = 0
    y: float = 0.0

    def place_label(self, width: float, lo: float, hi: float, inset: float) -> None:
        """Put a label where it is clear of its own bar: after the bar, else before it, else on it; a mark's
        label goes right of the mark, or left of it where the right edge would cut it."""
        self.anchor = min(max(self.x0, lo + inset), hi - inset) if self.bar else self.x0
        if self.bar and self.x1 + width <= hi:
            self.label_x, self.left = self.x1, False
        elif self.bar and self.x0 - width >= lo:
            self.label_x, self.left = self.x0, True
        else:
            self.label_x = self.anchor
            self.left = not self.bar and self.anchor + width > hi and self.anchor - width >= lo
        if self.left:
            self.ext0, self.ext1 = self.label_x - width, max(self.x1, self.anchor)
        else:
            self.ext0, self.ext1 = min(self.x0, self.anchor), max(self.x1, self.label_x + width)


def _positions(events: pd.DataFrame, mode: str) -> tuple[list[float], list[float], list[bool]]:
    """Where each event starts and ends on the x axis, and whether it is drawn as a bar."""
    if mode == "sequence":
        n = len(events)
        return [float(i) for i in range(n)], [float(i) for i in range(n)], [False] * n
    start = events["start"].to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
    end = events["end"].to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
    span = end - start
    bar = (span > DAY_NS) | events["approximate"].to_numpy(dtype=bool)
    mid = start + span / 2
    x0 = [s if b else m for s, m, b in zip(start, mid, bar, strict=True)]
    x1 = [e if b else m for e, m, b in zip(end, mid, bar, strict=True)]
    return x0, x1, list(bar)


def x_range(events: pd.DataFrame, view: View) -> tuple[float, float]:
    """The visible x range in axis units: the view's dates, or the events' extent with a margin."""
    if view.mode == "sequence":
        return -0.6, max(len(events) - 0.4, 0.6)
    # Month- and year-long events would stretch the axis over empty weeks: frame the finer events, and let
    # the coarse ones run off the edges (their bars and labels stay in view).
    fine = events[events["precision"].isin(["day", "minute"])] if len(events) else events
    basis = fine if len(fine) else events
    lo = pd.Timestamp(view.start) if view.start else (basis["start"].min() if len(basis) else None)
    hi = pd.Timestamp(view.end) + pd.Timedelta(days=1) if view.end else (
        basis["end"].max() if len(basis) else None)
    if lo is None or hi is None or pd.isna(lo) or pd.isna(hi):
        today = pd.Timestamp.today().normalize()
        lo, hi = today - pd.Timedelta(days=7), today + pd.Timedelta(days=1)
    pad = pd.Timedelta(0) if (view.start and view.end) else max((hi - lo) * 0.04, pd.Timedelta(hours=12))
    return float((lo - pad).value), float((hi + pad).value)


def pack(items: list[Item], lanes: list[str], gap: float) -> list[int]:
    """Lay items into rows per lane so that no two extents overlap; return each lane's row count."""
    counts = []
    for lane in lanes:
        row_ends: list[float] = []
        for item in sorted((i for i in items if i.lane == lane), key=lambda i: (i.ext0, i.ext1)):
            right = item.ext1
            for index, end in enumerate(row_ends):
                if end + gap <= item.ext0:
                    item.row, row_ends[index] = index, right
                    break
            else:
                item.row = len(row_ends)
                row_ends.append(right)
        counts.append(max(len(row_ends), 1))
    return counts


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
    colors = category_colors(settings, list(events["category"].unique()))
    lo, hi = x_range(events, view)
    plot_px = max(width - MARGIN["l"] - MARGIN["r"], 200)
    units_per_px = (hi - lo) / plot_px
    x0s, x1s, bars = _positions(events, view.mode)
    # Labels may be as long as the room allows: a wide picture shows whole titles, a narrow screen clips them.
    limit = int(min(max(plot_px * 0.42 / CHAR_PX, 24), 72))
    # Past LABEL_LIMIT events the marks go unlabelled (hover and the cards name them): hundreds of labels
    # would fill rows with text nobody can read and cost the browser seconds to draw.
    labelled = len(events) <= LABEL_LIMIT
    labels = {row.id: clip(row.title, limit) if labelled else "" for row in events.itertuples()}
    # A label sits right of its mark: 10 px of mark and padding, then the text.
    label_units = {k: (18 + len(v) * CHAR_PX if v else 8) * units_per_px for k, v in labels.items()}

    rows = events.to_dict("records")
    items: list[Item] = []
    lane_order: dict[str, int] = {}
    for index, row in enumerate(rows):
        for lane in lane_keys(row, view.lanes):
            lane_order.setdefault(lane, len(lane_order))
            items.append(Item(row["id"], lane, x0s[index], x1s[index], bars[index]))
    lanes = _ordered_lanes(lane_order, view.lanes, settings)
    for item in items:
        item.place_label(label_units[item.id], lo, hi, inset=8 * units_per_px)
    counts = pack(items, lanes, gap=6 * units_per_px)
    offsets = dict(zip(lanes, [sum(counts[:i]) for i in range(len(counts))], strict=True))
    for item in items:
        item.y = offsets[item.lane] + item.row
    total_rows = sum(counts) or 1

    by_id = {row["id"]: row for row in rows}
    fig = go.Figure()
    for category in sorted(dict.fromkeys(events["category"]), key=_category_order(settings)):
        _add_category(fig, [i for i in items if by_id[i.id]["category"] == category], by_id, labels,
                      colors[category], shown_name(category_label(settings, category), LEGEND_CHARS), view,
                      _halo(theme) if len(events) <= HALO_LIMIT else "none")
    _add_links(fig, items, by_id, theme, view)
    _add_selection(fig, items, view)
    names = [category_label(settings, lane) for lane in lanes] if view.lanes == "category" else lanes
    _layout(fig, events, view, theme, names, counts, offsets, total_rows, lo, hi, width, export)
    return fig


def _category_order(settings: CollectionSettings) -> Any:
    """Sort key: the collection's category order first, then the others by name."""
    order = list(settings.categories)
    return lambda key: (order.index(key) if key in order else len(order), key)


def _halo(theme: Theme) -> str:
    """A text shadow in the background colour, so labels stay legible over bars and link lines."""
    c = theme.paper
    return f"1px 1px 1px {c}, -1px -1px 1px {c}, 1px -1px 1px {c}, -1px 1px 1px {c}, 0 0 3px {c}"


def _ordered_lanes(seen: dict[str, int], lanes: str, settings: CollectionSettings) -> list[str]:
    if lanes == "category":
        return sorted(seen, key=_category_order(settings))
    return list(seen)  # actors and places in order of first appearance in time


def _hover(row: dict[str, Any]) -> str:
    actors = ", ".join(shown_name(actor) for actor in row["actors"][:4]) + (" …" if len(row["actors"]) > 4 else "")
    lines = [f"<b>{esc(clip(row['title'], TITLE_CHARS))}</b>", esc(row["when"])]
    if actors:
        lines.append(actors)
    return "<br>".join(lines)


def _x(value: float, view: View) -> float:
    """Axis units to plotly's: ordinals as they are, nanoseconds to the milliseconds a date axis reads."""
    return value if view.mode == "sequence" else value / 1e6


def _xs(values: list[float], view: View) -> np.ndarray:
    """Many x values as one typed array (sent to the browser as binary, not as date strings)."""
    array = np.asarray(values, dtype=float)
    return array if view.mode == "sequence" else array / 1e6


def _add_category(fig: go.Figure, items: list[Item], by_id: dict[str, dict[str, Any]], labels: dict[str, str],
                  color: str, name: str, view: View, halo: str) -> None:
    """One legend entry per category: its bars (ranges, hatched when approximate) and its marks."""
    # A legend entry of its own, so every category shows the same swatch whatever its first trace is.
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name, legendgroup=name, hoverinfo="skip",
                             marker={"symbol": "square", "size": 11, "color": color}))
    bar_items = [i for i in items if i.bar]
    if bar_items:
        approximate = [bool(by_id[i.id]["approximate"]) for i in bar_items]
        fig.add_trace(go.Bar(
            orientation="h", legendgroup=name, name=name, showlegend=False,
            base=_xs([i.x0 for i in bar_items], view),
            x=np.asarray([(i.x1 - i.x0) / 1e6 for i in bar_items]),  # a date axis takes bar lengths in ms
            y=np.asarray([i.y for i in bar_items], dtype=float), width=0.62,
            marker={"color": color, "opacity": 0.9,
                    "pattern": {"shape": ["/" if a else "" for a in approximate], "fgcolor": color,
                                "bgcolor": "rgba(0,0,0,0)", "solidity": 0.3, "size": 8, "fgopacity": 0.45},
                    "line": {"color": color, "width": 1}},
            customdata=[i.id for i in bar_items],
            hovertext=[_hover(by_id[i.id]) for i in bar_items], hoverinfo="text",
        ))
    marks = items
    approximate = [bool(by_id[i.id]["approximate"]) for i in marks]
    # Labels go on a twin x axis that follows the main one: the range slider draws only the main axis's
    # traces, so it shows the marks without a smear of text.
    # An invisible marker of the mark's size keeps each label clear of its mark.
    if any(labels[i.id] for i in marks):
        _add_labels(fig, marks, labels, name, view, halo)
    fig.add_trace(go.Scatter(
        mode="markers", legendgroup=name, name=name, showlegend=False,
        x=_xs([i.anchor for i in marks], view), y=np.asarray([i.y for i in marks], dtype=float),
        marker={"color": ["rgba(0,0,0,0)" if a else color for a in approximate],
                "symbol": ["square" if i.bar else "diamond" for i in marks],
                "size": [9 if i.bar else 12 for i in marks],
                "line": {"color": color, "width": 2}},
        customdata=[i.id for i in marks],
        hovertext=[_hover(by_id[i.id]) for i in marks], hoverinfo="text",
        cliponaxis=False,
    ))


def _add_labels(fig: go.Figure, marks: list[Item], labels: dict[str, str], name: str, view: View,
                halo: str) -> None:
    """The labels of a category's marks."""
    fig.add_trace(go.Scatter(
        mode="markers+text", legendgroup=name, name=name, showlegend=False, xaxis="x2",
        x=_xs([i.label_x for i in marks], view), y=np.asarray([i.y for i in marks], dtype=float),
        marker={"size": [4 if i.label_x != i.anchor else 9 if i.bar else 12 for i in marks], "opacity": 0},
        text=[esc(labels[i.id]) for i in marks],
        textposition=["middle left" if i.left else "middle right" for i in marks],
        textfont={"size": FONT_SIZE, "shadow": halo}, hoverinfo="skip", cliponaxis=False,
    ))


def _add_links(fig: go.Figure, items: list[Item], by_id: dict[str, dict[str, Any]], theme: Theme,
               view: View) -> None:
    """Connectors from each event to the events it links to (first lane of each), drawn as thin arrows."""
    first = {}
    for item in items:
        first.setdefault(item.id, item)
    xs: list[Any] = []
    ys: list[Any] = []
    for source_id, source in first.items():
        for link in by_id[source_id]["links"]:
            target = first.get(link["to"])
            if target is None:
                continue
            xs += [source.anchor, target.anchor, np.nan]
            ys += [source.y, target.y, np.nan]
    if xs:
        fig.add_trace(go.Scatter(
            x=_xs(xs, view), y=np.asarray(ys, dtype=float), mode="lines",
            line={"color": theme.muted, "width": 1, "dash": "dot"}, hoverinfo="skip", showlegend=False,
            name="links", opacity=0.6,
        ))
        fig.data = (fig.data[-1], *fig.data[:-1])  # under the marks


def selection_trace(xs: list[float], ys: list[Any], event_id: str | None, view: View) -> go.Scatter:
    """The ring around the selected event's marks: always the figure's last trace (maybe empty), so that
    a change of selection can be sent to the browser as a patch of that trace alone."""
    theme = THEMES[view.theme]
    return go.Scatter(
        # On the twin axis, like the labels: the range slider draws only the main axis's traces.
        mode="markers", x=_xs(xs, view), y=ys, xaxis="x2",
        marker={"symbol": "circle-open", "size": 24, "color": theme.text, "line": {"width": 2.5}},
        customdata=[event_id] * len(xs), hoverinfo="skip", showlegend=False, name="selected",
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
                    xs.append(x if view.mode == "sequence" else x * 1e6)
                    ys.append(y)
    return selection_trace(xs, ys, event_id, view)


def _add_selection(fig: go.Figure, items: list[Item], view: View) -> None:
    chosen = [i for i in items if i.id == view.selected]
    fig.add_trace(selection_trace([i.anchor for i in chosen], [i.y for i in chosen], view.selected, view))


def _layout(fig: go.Figure, events: pd.DataFrame, view: View, theme: Theme, lanes: list[str], counts: list[int],
            offsets: dict[str, int], total_rows: int, lo: float, hi: float, width: int, export: bool) -> None:
    bottom = MARGIN["b"]
    shapes = []
    tops = list(offsets.values())
    for index in range(len(lanes)):
        top = tops[index] - 0.5
        if index % 2 == 0:
            shapes.append({"type": "rect", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": top,
                           "y1": top + counts[index], "fillcolor": theme.band, "line": {"width": 0},
                           "layer": "below"})
    xaxis: dict[str, Any] = {"range": [_x(lo, view), _x(hi, view)], "showgrid": True, "gridcolor": theme.grid,
                             "zeroline": False, "linecolor": theme.grid, "ticks": "outside",
                             "tickcolor": theme.grid}
    if view.mode == "sequence":
        xaxis.update(_sequence_ticks(events, (width - MARGIN["l"] - MARGIN["r"]) / max(hi - lo, 1e-9)))
        bottom = xaxis.pop("bottom")
        for boundary in xaxis.pop("boundaries"):
            shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": boundary, "x1": boundary,
                           "y0": 0, "y1": 1, "line": {"color": theme.grid, "width": 1}, "layer": "below"})
    else:
        xaxis.update({"type": "date", "hoverformat": "%-d %b %Y", "ticklabelmode": "period",
                      "tickformatstops": [
                          {"dtickrange": [None, DAY_NS / 2e6], "value": "%H:%M\n%-d %b"},
                          {"dtickrange": [DAY_NS / 1e6, 7 * DAY_NS / 1e6], "value": "%a %-d %b\n%Y"},
                          {"dtickrange": [7 * DAY_NS / 1e6, "M1"], "value": "%-d %b\n%Y"},
                          {"dtickrange": ["M1", "M12"], "value": "%b\n%Y"},
                          {"dtickrange": ["M12", None], "value": "%Y"}]})
        if hi - lo <= 16 * DAY_NS and not (events["precision"] == "minute").any():
            xaxis["dtick"] = DAY_NS / 1e6  # whole days: a day-precision timeline has nothing to say at 12:00
        if not export:
            xaxis["rangeslider"] = {"visible": True, "thickness": 0.06, "bgcolor": theme.band,
                                    "bordercolor": theme.grid}
    lane_names = [shown_name(lane, 20) for lane in lanes]
    height = MARGIN["t"] + bottom + total_rows * ROW_PX + 30 + (0 if export else 40)
    fig.update_layout(
        template=theme.template, paper_bgcolor=theme.paper, plot_bgcolor=theme.plot,
        font={"family": FONT, "size": FONT_SIZE, "color": theme.text},
        width=width if export else None, height=height, autosize=not export,
        margin={**MARGIN, "b": bottom}, showlegend=True,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left",
                "bgcolor": "rgba(0,0,0,0)", "font": {"size": 12}, "itemclick": False, "itemdoubleclick": False},
        xaxis=xaxis,
        xaxis2={"matches": "x", "overlaying": "x", "visible": False,
                "type": "linear" if view.mode == "sequence" else "date"},
        yaxis={"tickvals": [tops[i] + (counts[i] - 1) / 2 for i in range(len(lanes))],
               "ticktext": lane_names, "range": [total_rows - 0.5, -0.7], "showgrid": False, "zeroline": False,
               "fixedrange": True, "ticks": "", "automargin": True},
        shapes=shapes, hovermode="closest", dragmode="zoom", barmode="overlay",
        hoverlabel={"font": {"family": FONT, "size": 12}},
        uirevision=view.to_query() or "default",
        clickmode="event",
    )
    if not len(events):
        fig.add_annotation(text="No events in this view", showarrow=False, xref="paper", yref="paper", x=0.5,
                           y=0.5, font={"size": 16, "color": theme.muted})


def _sequence_ticks(events: pd.DataFrame, px_per_unit: float) -> dict[str, Any]:
    """Ticks for sequence mode: one per run of events with the same date, at the run's centre, on two lines;
    a tick too close to its neighbour drops to a second row so that no two dates overlap."""
    tickvals, ticktext, boundaries = [], [], []
    ends = [-1e9, -1e9]  # right edge in px of the last tick on each row
    run_start = 0
    whens = list(events["when"])
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
    return {"tickmode": "array", "tickvals": tickvals, "ticktext": ticktext, "showgrid": False,
            "tickangle": 0, "boundaries": boundaries, "bottom": 100 if two_rows else 58}


MAP_DETAIL_LIMIT = 2000  # events whose places are drawn one by one; more are summed per place
PLACE_PREFIX = "place:"  # customdata of a summed map point: a click filters to that place


def places_table(events: pd.DataFrame) -> pd.DataFrame:
    """One row per (event, place with coordinates): the event's row label, id, category, title and date."""
    # Columns as lists first: iterating Arrow-backed strings one by one costs a microsecond or two per value.
    rows = [(label, event_id, category, title, when, p["name"], p["lat"], p["lon"])
            for label, event_id, category, title, when, places in zip(
                events.index.tolist(), *(events[name].tolist() for name in ("id", "category", "title", "when")),
                events["places"].tolist(), strict=True)
            for p in places if p.get("lat") is not None]
    return pd.DataFrame(rows, columns=["row", "id", "category", "title", "when", "name", "lat", "lon"])


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
    return table.assign(lat=table["lat"] + distance * np.sin(angle),
                        lon=table["lon"] + distance * np.cos(angle) / shrink)


def map_figure(events: pd.DataFrame, view: View, settings: CollectionSettings,
               places: pd.DataFrame | None = None) -> go.Figure:
    """The places of the events on a world map, coloured by category; the selected event's places ringed.

    ``places`` is the places table of the whole collection (built once per load); without it, it is built
    from ``events``. Past MAP_DETAIL_LIMIT events, points are summed per place and sized by their count.
    """
    theme = THEMES[view.theme]
    table = places_table(events) if places is None else places[places["row"].isin(events.index)]
    fig = go.Figure()
    if len(events) > MAP_DETAIL_LIMIT:
        summed = table.groupby(["name", "lat", "lon"], sort=False).size().reset_index(name="count")
        size = 6 + 24 * np.sqrt(summed["count"] / max(summed["count"].max(), 1))
        fig.add_trace(go.Scattergeo(
            lat=summed["lat"].to_numpy(), lon=summed["lon"].to_numpy(), mode="markers", name="events",
            customdata=[PLACE_PREFIX + name for name in summed["name"]],
            hovertext=[f"<b>{shown_name(n)}</b><br>{c:,} events · click to filter" for n, c in
                       zip(summed["name"], summed["count"], strict=True)], hoverinfo="text",
            marker={"size": size.to_numpy(), "color": "#2b6cb0", "opacity": 0.7,
                    "line": {"color": theme.paper, "width": 1}},
        ))
    else:
        table = spread(table)
        colors = category_colors(settings, list(events["category"].unique()))
        for category, group in table.groupby("category", sort=False):
            fig.add_trace(go.Scattergeo(
                lat=group["lat"].to_numpy(), lon=group["lon"].to_numpy(), customdata=list(group["id"]),
                hovertext=[f"<b>{shown_name(n)}</b><br>{esc(clip(t, TITLE_CHARS))}<br>{esc(w)}" for n, t, w in
                           zip(group["name"], group["title"], group["when"], strict=True)],
                hoverinfo="text", mode="markers",
                name=shown_name(category_label(settings, str(category)), LEGEND_CHARS),
                marker={"size": 10, "color": colors[str(category)], "opacity": 0.85,
                        "line": {"color": theme.paper, "width": 1}},
            ))
    chosen = table[table["id"] == view.selected] if view.selected else table.iloc[0:0]
    # Always the last trace, maybe empty, so that a new selection can be sent as a patch of it alone.
    fig.add_trace(go.Scattergeo(
        lat=chosen["lat"].to_numpy(), lon=chosen["lon"].to_numpy(), customdata=list(chosen["id"]),
        mode="markers", hoverinfo="skip", showlegend=False, name="selected",
        marker={"size": 22, "symbol": "circle-open", "color": theme.text, "line": {"width": 2.5}},
    ))
    land = "#eef0f3" if theme.name == "light" else "#242a33"
    fig.update_geos(
        projection_type="natural earth", showcountries=True, countrycolor=theme.grid, showland=True,
        landcolor=land, showocean=True, oceancolor=theme.paper, showlakes=False, coastlinecolor=theme.grid,
        bgcolor=theme.paper, fitbounds="locations" if len(table) else False, resolution=110,
        showframe=False,
    )
    fig.update_layout(
        template=theme.template, paper_bgcolor=theme.paper, margin={"l": 0, "r": 0, "t": 0, "b": 0},
        showlegend=False, font={"family": FONT, "color": theme.text}, uirevision=view.to_query() or "default",
        hoverlabel={"font": {"family": FONT, "size": 12}}, clickmode="event",
    )
    return fig


# ---- density: many events ----------------------------------------------------------------------------------


def bucket_ns(events: pd.DataFrame, lo: float, hi: float, width: int) -> float:
    """The time bucket of a density view: the finest that keeps buckets at least ~6 px wide, and never finer
    than a day unless some event is timed to the minute (a day-precision event fills its whole day)."""
    target = max((width - MARGIN["l"] - MARGIN["r"]) / 6, 20)
    finest = HOUR_NS if (events["precision"] == "minute").any() else DAY_NS
    for size in BUCKETS_NS:
        if size >= finest and (hi - lo) / size <= target:
            return float(size)
    return float(BUCKETS_NS[-1] * np.ceil((hi - lo) / BUCKETS_NS[-1] / target))


def _lane_index(events: pd.DataFrame, view: View, settings: CollectionSettings) -> tuple[list[str], np.ndarray,
                                                                                        np.ndarray]:
    """Lane names, and for each (event, lane) pair the event's row number and the lane's number."""
    if view.lanes == "category":
        order = sorted(events["category"].unique(), key=_category_order(settings))
        codes = pd.Categorical(events["category"], categories=order).codes
        return [category_label(settings, c) for c in order], np.arange(len(events)), np.asarray(codes)
    column = events["actors"] if view.lanes == "actor" else events["places"].map(lambda ps: [p["name"] for p in ps])
    empty = "(no actor)" if view.lanes == "actor" else "(no place)"
    exploded = column.map(lambda items: items or [empty]).explode()
    top = exploded.value_counts().index[:MAX_DENSITY_LANES]
    kept = exploded[exploded.isin(top)]
    codes = pd.Categorical(kept, categories=list(top)).codes
    return [str(t) for t in top], kept.index.to_numpy(), np.asarray(codes)


def density_figure(events: pd.DataFrame, view: View, settings: CollectionSettings, *, width: int = 1200,
                   export: bool = False) -> go.Figure:
    """Counts of events per lane and time bucket, as a heatmap; a cell's click zooms into it."""
    theme = THEMES[view.theme]
    events = events.reset_index(drop=True)
    calendar = view.with_(mode="calendar")
    lo, hi = x_range(events, calendar)
    size = bucket_ns(events, lo, hi, width)
    count = int(np.ceil((hi - lo) / size)) or 1
    start = events["start"].to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
    end = events["end"].to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
    first = np.clip(np.floor((start - lo) / size), 0, count - 1).astype(int)
    last = np.clip(np.floor((np.maximum(end - 1, start) - lo) / size), 0, count - 1).astype(int)
    names, rows, lanes = _lane_index(events, view, settings)
    # Each event adds one to every bucket it overlaps: +1 where it starts, -1 after it ends, then a running sum.
    steps = np.zeros((len(names), count + 1))
    np.add.at(steps, (lanes, first[rows]), 1)
    np.add.at(steps, (lanes, last[rows] + 1), -1)
    z = np.cumsum(steps, axis=1)[:, :count]
    z[z == 0] = np.nan
    centres = (lo + (np.arange(count) + 0.5) * size) / 1e6
    top = float(np.nanpercentile(z, 99)) if np.isfinite(z).any() else 1.0
    scale = ([[0, "#e8f0fb"], [1, "#1e4e8c"]] if theme.name == "light" else [[0, "#1d2a3b"], [1, "#9cc3f5"]])
    labels = [shown_name(lane, 20) for lane in names]
    lane_names = [shown_name(lane) for lane in names]
    fig = go.Figure(go.Heatmap(
        z=z, x=centres, y=np.arange(len(names)), colorscale=scale, zmin=0, zmax=max(top, 1.0), xgap=1, ygap=3,
        text=[[lane_names[i]] * count for i in range(len(names))],
        # An empty cell has no hover label: it would say "NaN events".
        hovertemplate="<b>%{z:,.0f}</b> events<br>%{text}<br>%{x|%-d %b %Y %H:%M}<extra></extra>", hoverongaps=False,
        colorbar={"title": {"text": "events"}, "thickness": 12, "len": 0.8}, name="density",
    ))
    chosen = events.index[events["id"] == view.selected] if view.selected else []
    xs, ys = [], []
    for index in chosen:
        for row, lane in zip(rows, lanes, strict=True):
            if row == index:
                xs.append(float(start[index] + min(end[index] - start[index], DAY_NS) / 2))
                ys.append(float(lane))
    fig.add_trace(selection_trace(xs, ys, view.selected, calendar))
    height = MARGIN["t"] + MARGIN["b"] + max(len(names), 1) * 30 + 70 + (0 if export else 40)
    note = (f"{len(events):,} events: showing how many fall in each {_bucket_words(size)}. "
            "Zoom in, pick a shorter range or click a cell to see the events themselves.")
    fig.update_layout(
        template=theme.template, paper_bgcolor=theme.paper, plot_bgcolor=theme.plot,
        font={"family": FONT, "size": FONT_SIZE, "color": theme.text},
        width=width if export else None, height=height, autosize=not export, margin=dict(MARGIN),
        showlegend=False,
        xaxis={"type": "date", "range": [lo / 1e6, hi / 1e6], "gridcolor": theme.grid, "linecolor": theme.grid},
        xaxis2={"matches": "x", "overlaying": "x", "visible": False, "type": "date"},
        yaxis={"tickvals": list(range(len(names))), "ticktext": labels, "range": [len(names) - 0.5, -0.5],
               "fixedrange": True, "showgrid": False, "zeroline": False},
        annotations=[{"text": esc(note), "xref": "paper", "yref": "paper", "x": 0, "y": 1.0, "yanchor": "bottom",
                      "xanchor": "left", "showarrow": False, "font": {"size": 12, "color": theme.muted}}],
        uirevision=view.to_query() or "default", hovermode="closest", dragmode="zoom", clickmode="event",
        meta={"density": True, "bucket_ms": size / 1e6},
    )
    return fig


def _bucket_words(size: float) -> str:
    if size < DAY_NS:
        hours = round(size / HOUR_NS)
        return "hour" if hours == 1 else f"{hours} hours"
    days = round(size / DAY_NS)
    return {1: "day", 7: "week", 14: "fortnight", 30: "month", 91: "quarter", 365: "year"}.get(days, f"{days} days")
