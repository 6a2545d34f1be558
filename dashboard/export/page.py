"""The figure of a picture: the app's timeline for the same View, laid out for a page, with the collection's title,
the range and filters as a subtitle, the legend, and a footer naming the sources."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard.dates import DAY
from dashboard.figure import ROW_PX, THEMES, esc, timeline_figure
from dashboard.table import C, Collection
from dashboard.view import View, apply, describe

SIZES = {"slide": (1600, 900), "page": (1123, 794)}  # 16:9 at 1600 px; A4 landscape at 96 dpi
HEADER_PX = 112
MAX_ROW_PX = 44
FOOTER_PX = 64


@dataclass(frozen=True)
class PageSize:
    """The size of a picture in CSS pixels, and the scale it is rendered at."""

    width: int = SIZES["slide"][0]
    height: int | None = None  # None: a 16:9 picture, taller when the rows need it
    scale: float = 1.0


def sources_line(events: pd.DataFrame) -> str:
    """'Sources: DW (16 Feb 2022); Reuters (…)' for the events shown."""
    seen: dict[str, set[str]] = {}
    for sources in events[C.sources]:
        for source in sources:
            name = source.get("publisher") or source.get("title")
            if name:
                dates = seen.setdefault(name, set())
                if source.get("published"):
                    dates.add(source["published"][:10])
    parts = []
    for name, dates in seen.items():
        when = ", ".join(f"{dt.date.fromisoformat(d):%-d %b %Y}" for d in sorted(dates))
        parts.append(f"{name} ({when})" if when else name)
    return "Sources: " + "; ".join(parts) if parts else ""


def _extent(events: pd.DataFrame) -> str:
    if not len(events):
        return ""
    first, last = events[C.start].min().date(), (events[C.end].max() - DAY).date()
    return f"{first:%-d %b %Y}" if first >= last else f"{first:%-d %b %Y} – {last:%-d %b %Y}"


def export_figure(collection: Collection, view: View, size: PageSize = PageSize()) -> go.Figure:
    """The picture of a view: the timeline laid out for a page, with title, subtitle, legend and footer."""
    events = apply(collection.events, view)
    fig = timeline_figure(events, view, collection.settings, width=size.width, export=True)
    theme = THEMES[view.theme]
    axis_px = int(fig.layout.margin.b)  # the date axis below the rows, taller in sequence mode
    footer_px = FOOTER_PX - 40
    # The screen figure's top margin makes way for the header; its bottom margin grows by the footer.
    natural = int(fig.layout.height) - int(fig.layout.margin.t) + HEADER_PX + footer_px
    rows = _rows(fig)
    # A slide is 16:9 unless the rows need more, or so few rows would be stretched past a comfortable pitch.
    roomy = natural + rows * (MAX_ROW_PX - ROW_PX)
    height = size.height or max(natural, min(round(size.width * 9 / 16), roomy))
    plot_px = height - HEADER_PX - axis_px - footer_px
    if plot_px > rows * MAX_ROW_PX + 30:  # a tall page: keep the rows' pitch and leave the space below
        fig.update_yaxes(domain=[1 - (rows * MAX_ROW_PX + 30) / plot_px, 1])
    subtitle = describe(view) or _extent(events)
    count = f"{len(events):,} event{'s' * (len(events) != 1)}"
    fig.update_layout(
        width=size.width,
        height=height,
        margin={"t": HEADER_PX, "b": axis_px + footer_px},
        title={
            "text": f"<b>{esc(collection.settings.title)}</b>",
            "subtitle": {
                "text": esc(f"{subtitle} · {count}" if subtitle else count),
                "font": {"size": 14, "color": theme.muted},
            },
            "x": 0.012,
            "xanchor": "left",
            "y": 0.985,
            "yanchor": "top",
            "yref": "container",
            "font": {"size": 22},
        },
        legend={"y": 1.0, "yanchor": "bottom"},
    )
    footer = sources_line(events)
    if footer:
        bottom = fig.layout.yaxis.domain[0] if fig.layout.yaxis.domain else 0
        fig.add_annotation(
            text=esc(footer),
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0,
            y=bottom,
            xanchor="left",
            yanchor="top",
            yshift=-axis_px,
            font={"size": 11, "color": theme.muted},
            align="left",
        )
    return fig


def _rows(fig: go.Figure) -> int:
    return int(fig.layout.yaxis.range[0] + 0.5) if fig.layout.yaxis.range else 1


def min_height(fig: go.Figure) -> int:
    """The height below which the rows of a picture would crowd each other."""
    return int(_rows(fig) * (ROW_PX - 6) + HEADER_PX + FOOTER_PX + int(fig.layout.margin.b))
