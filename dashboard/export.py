"""Exports of a View: pictures (PNG, SVG, PDF through kaleido and the machine's Chromium; standalone HTML)
and data (iCalendar, TimelineJS; JSON and CSV live in ``records``).

A picture is the app's timeline figure for the same View, laid out for a page: the collection's title, the
range and filters as a subtitle, the legend, and a footer naming the sources.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from markdown_it import MarkdownIt

from dashboard.dates import DAY
from dashboard.figure import ROW_PX, THEMES, esc, timeline_figure
from dashboard.model import Precision
from dashboard.records import to_csv, to_json, when_of, write_atomic
from dashboard.store import Collection
from dashboard.view import View, apply, describe

PICTURE_FORMATS = ("png", "svg", "pdf", "html")
DATA_FORMATS = ("json", "csv", "ics", "timelinejs")
SIZES = {"slide": (1600, 900), "page": (1123, 794)}  # 16:9 at 1600 px; A4 landscape at 96 dpi
HEADER_PX = 112
MAX_ROW_PX = 44
FOOTER_PX = 64
INSTALL_HINT = ("no Chrome or Chromium was found for drawing pictures. Install one with "
                "'sudo apt-get install chromium' (Debian/Ubuntu) or 'plotly_get_chrome', or point BROWSER_PATH "
                "at a Chrome binary.")


class ExportError(Exception):
    """An export that cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class PageSize:
    """The size of a picture in CSS pixels, and the scale it is rendered at."""

    width: int = SIZES["slide"][0]
    height: int | None = None  # None: a 16:9 picture, taller when the rows need it
    scale: float = 1.0


def sources_line(events: pd.DataFrame) -> str:
    """'Sources: DW (16 Feb 2022); Reuters (…)' for the events shown."""
    seen: dict[str, set[str]] = {}
    for sources in events["sources"]:
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
    first, last = events["start"].min().date(), (events["end"].max() - DAY).date()
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
        width=size.width, height=height,
        margin={"t": HEADER_PX, "b": axis_px + footer_px},
        title={"text": f"<b>{esc(collection.settings.title)}</b>",
               "subtitle": {"text": esc(f"{subtitle} · {count}" if subtitle else count),
                            "font": {"size": 14, "color": theme.muted}},
               "x": 0.012, "xanchor": "left", "y": 0.985, "yanchor": "top", "yref": "container",
               "font": {"size": 22}},
        legend={"y": 1.0, "yanchor": "bottom"},
    )
    footer = sources_line(events)
    if footer:
        bottom = fig.layout.yaxis.domain[0] if fig.layout.yaxis.domain else 0
        fig.add_annotation(text=esc(footer), showarrow=False, xref="paper", yref="paper", x=0, y=bottom,
                           xanchor="left", yanchor="top", yshift=-axis_px,
                           font={"size": 11, "color": theme.muted}, align="left")
    return fig


def _rows(fig: go.Figure) -> int:
    return int(fig.layout.yaxis.range[0] + 0.5) if fig.layout.yaxis.range else 1


def min_height(fig: go.Figure) -> int:
    """The height below which the rows of a picture would crowd each other."""
    return int(_rows(fig) * (ROW_PX - 6) + HEADER_PX + FOOTER_PX + int(fig.layout.margin.b))


@dataclass
class Picture:
    """One picture to write."""

    figure: go.Figure
    path: Path
    format: str
    scale: float = 1.0


def write_pictures(pictures: list[Picture]) -> None:
    """Write pictures; every static image of the batch is drawn by one browser, started once."""
    static = [p for p in pictures if p.format != "html"]
    for picture in pictures:
        if picture.format == "html":
            write_atomic(picture.path, to_html(picture.figure).encode("utf-8"))
    if not static:
        return
    import kaleido
    from choreographer.errors import ChromeNotFoundError

    for picture in static:
        picture.path.parent.mkdir(parents=True, exist_ok=True)
    jobs = [{"fig": p.figure, "path": str(p.path),
             "opts": {"format": p.format, "width": p.figure.layout.width, "height": p.figure.layout.height,
                      "scale": p.scale}} for p in static]
    try:
        kaleido.write_fig_from_object_sync(jobs, cancel_on_error=True)
    except ChromeNotFoundError:
        raise ExportError(INSTALL_HINT) from None


def render_picture(figure: go.Figure, fmt: str, scale: float = 1.0) -> bytes:
    """One picture as bytes, for a download."""
    if fmt == "html":
        return to_html(figure).encode("utf-8")
    import kaleido
    from choreographer.errors import ChromeNotFoundError

    try:
        return kaleido.calc_fig_sync(figure, opts={"format": fmt, "width": figure.layout.width,
                                                   "height": figure.layout.height, "scale": scale})
    except ChromeNotFoundError:
        raise ExportError(INSTALL_HINT) from None


def to_html(figure: go.Figure) -> str:
    """A standalone interactive page: plotly.js is inside, so it opens without a server or network."""
    return figure.to_html(include_plotlyjs=True, full_html=True,
                          config={"displaylogo": False, "scrollZoom": True, "responsive": True})


# ---- data ------------------------------------------------------------------------------------------------------

_markdown_html = MarkdownIt("commonmark", {"html": False})


def to_ics(events: pd.DataFrame, title: str) -> str:
    """An iCalendar file: one VEVENT per event, all-day spans for dates, UTC times for minutes."""
    from icalendar import Calendar, Event, vGeo

    calendar = Calendar()
    calendar.add("prodid", "-//newstimeline//timeline export//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", title)
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for row in events.to_dict("records"):
        when = when_of(row)
        item = Event()
        item.add("uid", f"{row['id']}@newstimeline")
        item.add("dtstamp", stamp)
        item.add("summary", row["title"])
        if when.precision == Precision.MINUTE:
            item.add("dtstart", when.start.replace(tzinfo=dt.UTC))
            if when.end > when.start:  # a moment has no DTEND (RFC 5545 wants DTEND after DTSTART)
                item.add("dtend", when.end.replace(tzinfo=dt.UTC))
        else:
            item.add("dtstart", when.start.date())
            item.add("dtend", when.end.date())  # exclusive, as iCalendar wants
        lines = [f"When: {row['when']}" + (" (approximate)" if row["approximate"] else ""), "", row["summary"]]
        lines += [f"“{q['text']}” — {q.get('speaker') or 'unattributed'}" for q in row["quotes"]]
        lines += [f"Source: {' · '.join(x for x in (s['title'], s.get('publisher'), s.get('url')) if x)}"
                  for s in row["sources"]]
        item.add("description", "\n".join(lines).strip())
        item.add("categories", [row["category"], *row["tags"]])
        if row["approximate"]:
            item.add("status", "TENTATIVE")
        places = [p["name"] for p in row["places"]]
        if places:
            item.add("location", "; ".join(places))
        located = [p for p in row["places"] if p.get("lat") is not None]
        if located:
            item.add("geo", vGeo((located[0]["lat"], located[0]["lon"])))
        url = next((s["url"] for s in row["sources"] if s.get("url")), None)
        if url:
            item.add("url", url)
        calendar.add_component(item)
    return calendar.to_ical().decode("utf-8")


def _tl_date(moment: dt.datetime, precision: Precision) -> dict[str, str]:
    parts = {"year": str(moment.year)}
    if precision != Precision.YEAR:
        parts["month"] = str(moment.month)
    if precision in (Precision.DAY, Precision.MINUTE):
        parts["day"] = str(moment.day)
    if precision == Precision.MINUTE:
        parts.update(hour=str(moment.hour), minute=str(moment.minute))
    return parts


def to_timelinejs(events: pd.DataFrame, title: str, description: str = "") -> str:
    """TimelineJS3's JSON: its text fields are HTML, so every text is escaped and Markdown rendered safely."""
    items = []
    for row in events.to_dict("records"):
        when = when_of(row)
        start = _tl_date(when.start, when.precision)
        start["display_date"] = row["when"]
        body = _markdown_html.render(row["summary"])
        body += "".join(f"<blockquote>{html.escape(q['text'])}</blockquote>"
                        + (f"<p>— {html.escape(q['speaker'])}</p>" if q.get("speaker") else "")
                        for q in row["quotes"])
        item: dict[str, Any] = {
            "unique_id": row["id"],
            "start_date": start,
            "text": {"headline": html.escape(row["title"]), "text": body},
            "group": row["category"],
        }
        last = _tl_date(when.end - DAY if when.precision != Precision.MINUTE else when.end, when.precision)
        if last != _tl_date(when.start, when.precision):  # a range, at the precision it is known to
            item["end_date"] = last
        source = next((s for s in row["sources"] if s.get("url")), None)
        if source:
            item["media"] = {"url": source["url"], "caption": html.escape(source["title"]),
                             "credit": html.escape(source.get("publisher") or "")}
        items.append(item)
    document = {"title": {"text": {"headline": html.escape(title), "text": html.escape(description)}},
                "events": items}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def data_export(collection: Collection, view: View, fmt: str) -> str:
    """The events of a view as JSON, CSV, iCalendar or TimelineJS text."""
    events = apply(collection.events, view)
    settings = collection.settings
    if fmt == "json":
        return to_json(events)
    if fmt == "csv":
        return to_csv(events)
    if fmt == "ics":
        return to_ics(events, settings.title)
    if fmt == "timelinejs":
        return to_timelinejs(events, settings.title, settings.description)
    raise ExportError(f"unknown data format {fmt!r}")


def batch_views(collection: Collection, view: View, each: str | None) -> list[tuple[str, View]]:
    """The views of a batch: one per category or per day of the events the view shows (or just the view)."""
    if each is None:
        return [("", view)]
    events = apply(collection.events, view)
    if each == "category":
        return [(c, view.with_(category=(c,))) for c in dict.fromkeys(events["category"])]
    days = sorted({d.date() for d in events["start"].dt.normalize()})
    return [(d.isoformat(), view.with_(start=d, end=d)) for d in days]


def picture_names(stem: str, labels: Iterable[str], fmt: str) -> list[str]:
    """File names for a batch: stem-label.fmt, or stem.fmt for a single picture."""
    return [f"{stem}-{label}.{fmt}" if label else f"{stem}.{fmt}" for label in labels]
