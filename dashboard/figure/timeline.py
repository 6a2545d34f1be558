"""The timeline figure of already-filtered events: lanes, bars for ranges, marks for days and moments, labels
and links; past DETAIL_LIMIT events, their density (``dashboard.figure.density``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.crowd import Crowd, Events
from dashboard.figure.caption import zone_note
from dashboard.figure.density import density_figure
from dashboard.figure.fades import EDGE_WIDTH, add_fades, fuzz_of, open_in_view, uncertain_in_view
from dashboard.figure.links import route_links
from dashboard.figure.packing import (
    DAY_NS,
    FADE_SHARE,
    LABEL_GAP_PX,
    LABEL_LINES,
    LABEL_PAD_PX,
    NO_FUZZ,
    Fade,
    Frame,
    Fuzz,
    Item,
    axis_x,
    axis_xs,
    date_texts,
    lane_keys,
    numbers,
    ordered_lanes,
    pack,
    positions,
    stack_rows,
    x_range,
)
from dashboard.figure.selection import add_rings
from dashboard.figure.style import (
    FONT,
    FONT_SIZE,
    LEGEND_CHARS,
    LINE_PX,
    MARGIN,
    ROW_PX,
    THEMES,
    Theme,
    append_annotations,
    category_colors,
    category_order,
    esc,
    fit_text,
    page_frame,
    shown_name,
    status_fill,
    status_mark,
    status_opacity,
    text_px,
    tint,
)
from dashboard.model import CollectionSettings, Status
from dashboard.table import C
from dashboard.trust import reported_day, reported_words
from dashboard.view import View

STATUSES = [status.value for status in Status]
APPROXIMATE_OPACITY = 0.55
BAR_PATTERNS = {"disputed": "+", "denied": "x", "expected": "."}  # a range's status, where no hatching says more
UNCERTAIN_PATTERN = "|"  # a range whose date is uncertain: upright stripes (hatching '/' is for approximate)
APPROXIMATE_PATTERN = "/"
UNCERTAIN_MARK_PX, UNCERTAIN_FONT_PX = 15, 10  # an uncertain day's mark, a little larger to hold its '?'
OPEN_LEGEND, UNCERTAIN_LEGEND = "Open bound (fades)", "Uncertain date (?)"
APPROXIMATE_LEGEND = "Approximate (hatched)"
LAG_DROP = 0.42  # rows below the mark that a reporting lag runs (a bar is 0.62 rows thick)
HALF_DAY_NS = DAY_NS // 2  # a report's tick stands in the middle of its day, as a day's mark does
DETAIL_LIMIT = 1500  # events drawn one by one; more are drawn as density
LABEL_LIMIT = 250  # events drawn with their titles beside them; more are drawn as marks alone
LANE_NAME_PX = MARGIN["l"] - 18  # a lane's name wraps to the left margin's width
SEQUENCE_TICK_ROWS = 3  # rows of dates under the axis in sequence mode
HOVER_PX, HOVER_LINES = 360, 6  # a title in a hover label: room for the longest an event file may give (200)


def timeline_figure(
    events: Events,
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
    if len(events) > DETAIL_LIMIT or isinstance(events, Crowd):
        return density_figure(events, view, settings, width=width, export=export)
    theme = THEMES[view.theme]
    events = events.reset_index(drop=True)
    colors = category_colors(settings, list(events[C.category].unique()))
    rows: list[dict[str, Any]] = events.to_dict("records", into=dict)
    laid = lay_out(events, rows, view, settings, width)

    by_id = {row[C.id]: row for row in rows}
    fig = go.Figure()
    if view.lag and view.mode == "calendar":
        _add_lags(fig, laid.items, by_id, theme, view)
    for category in sorted(dict.fromkeys(events[C.category]), key=category_order(settings)):
        _add_category(
            fig,
            [i for i in laid.items if by_id[i.id][C.category] == category],
            by_id,
            colors[category],
            shown_name(settings.category_label(category), LEGEND_CHARS),
            view,
            theme,
        )
    _add_status_legend(fig, list(events[C.status].unique()), theme)
    _add_date_legend(fig, events, theme, view)
    _add_links(fig, laid.items, by_id, theme, view, laid.frame)
    _layout(fig, events, view, theme, laid, width, export)
    chosen = [i for i in laid.items if i.id == view.selected]
    add_rings(fig, [i.anchor for i in chosen], [i.y for i in chosen], view)
    _add_labels(fig, laid.items, by_id, laid.lanes, colors, theme, view)
    _add_edge_notes(fig, laid, by_id, theme)
    if note := zone_note(events, view, laid.frame.lo, laid.frame.hi, theme.muted):  # the zone of the axis's times
        append_annotations(fig, [note])
    return fig


EDGE_NOTE_PX = 240  # the widest an off-axis event's note at the edge may be
EDGE_FONT_SIZE = FONT_SIZE - 1


def _add_edge_notes(fig: go.Figure, laid: Layout, by_id: dict[str, dict[str, Any]], theme: Theme) -> None:
    """A note at the axis's edge, in its row, for each event left off it (``framed``): '◂ 3 Feb 2022 · US begins…',
    the whole event on hover; a click selects it, as a label's does."""
    notes = []
    lane_index = {lane: index for index, lane in enumerate(laid.lanes)}
    for item in (i for i in laid.items if i.off_axis):
        earlier = item.x1 < laid.frame.lo
        notes.append(
            {
                "name": "" if item.counts else item.id,  # a count selects no one event
                "text": esc(item.note),
                "x": 0 if earlier else 1,
                "xref": "paper",
                "xanchor": "left" if earlier else "right",
                "y": item.y,
                "yref": "y",
                "showarrow": False,
                "font": {"size": EDGE_FONT_SIZE, "color": theme.muted},
                "bgcolor": theme.band if lane_index[item.lane] % 2 == 0 else theme.plot,
                "borderpad": LABEL_PAD_PX,
                "hovertext": _counted_hover(item, by_id, earlier) if item.counts else _hover(by_id[item.id]),
                "captureevents": True,
            }
        )
    append_annotations(fig, notes)


@dataclass
class Layout:
    """Where everything of a timeline goes at one width: the items (marks, bars, labels) in their rows, the lanes
    top to bottom with their wrapped names and heights (in rows of ROW_PX), and the x axis as packed."""

    items: list[Item]
    lanes: list[str]
    name_lines: list[list[str]]
    heights: list[float]
    frame: Frame


def lay_out(
    events: pd.DataFrame, rows: list[dict[str, Any]], view: View, settings: CollectionSettings, width: int
) -> Layout:
    """One item per event and lane, its title wrapped and placed, laid in rows so that no mark, bar or label
    overlaps another; ``rows`` are the events' records (``events`` with a fresh index)."""
    lo, hi = x_range(events, view)
    frame = Frame(lo, hi, (hi - lo) / max(width - MARGIN["l"] - MARGIN["r"], 200))
    x0s, x1s, bars = positions(events, view.mode)
    fuzz = fuzz_of(events, frame, bars, view.mode)
    # Past LABEL_LIMIT events the marks go unlabelled (hover and the cards name them): hundreds of labels
    # would fill rows with text nobody can read and cost the browser seconds to draw.
    labelled = len(rows) <= LABEL_LIMIT
    # A label may take a good share of the plot's width on one line, but no more than a reader takes in at once.
    cap_px = min(max(frame.width_px * 0.4, 150.0), 360.0)
    items: list[Item] = []
    lane_order: dict[str, int] = {}
    for index, row in enumerate(rows):
        for lane in lane_keys(row, view.lanes):
            lane_order.setdefault(lane, len(lane_order))
            item = Item(row[C.id], lane, x0s[index], x1s[index], bars[index], fuzz=fuzz[index])
            item.place(str(row[C.title]) if labelled else "", frame, cap_px)
            items.append(item)
    lanes = ordered_lanes(lane_order, view.lanes, settings)
    by_id = {row[C.id]: row for row in rows}
    for item in items:
        if item.x1 < lo or item.x0 > hi:  # wholly off the axis (a bar's anchor is kept inside it: not a test)
            _note_at_edge(item, by_id[item.id], frame)
    items = _stacked(_counted_at_edges(items, frame), by_id, frame, cap_px)
    counts = pack(items, lanes, gap=6 * frame.per_px)
    names = [settings.category_label(lane) for lane in lanes] if view.lanes == "category" else lanes
    name_lines = [fit_text(str(name), LANE_NAME_PX, LABEL_LINES) for name in names]
    heights = stack_rows(items, lanes, counts, [len(lines) * LINE_PX for lines in name_lines])
    return Layout(items, lanes, name_lines, heights, frame)


def _note_at_edge(item: Item, row: dict[str, Any], frame: Frame) -> None:
    """An event left off a framing axis (``framed``) gets a note at that edge, in its row: its extent is the
    note's, so that packing keeps other labels off it (its own label, off the axis, plotly does not show)."""
    item.off_axis = True
    earlier = item.x1 < frame.lo
    # Its mark and label where the event is, off the axis (not kept inside it, as a bar's start is): plotly draws
    # neither there, and shows both when a zoom takes them in.
    item.anchor, item.side = item.x0, "right"
    item.label_x = item.x1 + LABEL_GAP_PX * frame.per_px
    words = fit_text(f"{row[C.when]} · {row[C.title]}", EDGE_NOTE_PX, 1)[0]  # its date as the card says it
    item.note = ("◂ " + words) if earlier else (words + " ▸")
    width = (text_px(item.note, EDGE_FONT_SIZE) + 2 * LABEL_PAD_PX) * frame.per_px
    item.ext0, item.ext1 = (frame.lo, frame.lo + width) if earlier else (frame.hi - width, frame.hi)
    # An open bound reaching into the view (an open end of an event before it, an open start of one after it)
    # still fades in the view, from the note on, over the share of the axis an open bound fades over.
    inward = [f for f in item.fuzz.fades if f.open and (f.faint > f.solid) == earlier]
    item.fuzz = NO_FUZZ
    if inward:
        length = FADE_SHARE * (frame.hi - frame.lo)
        solid = item.ext1 if earlier else item.ext0
        item.fuzz = Fuzz((Fade(solid, solid + length if earlier else solid - length, True),))
        if earlier:
            item.ext1 = solid + length
        else:
            item.ext0 = solid - length


EDGE_NOTES_MOST = 3  # events noted one by one at one edge of a lane; past these, one note counts them all
EDGE_HOVER_NAMED = 5  # the nearest events a counting note's hover names


def _counted_at_edges(items: list[Item], frame: Frame) -> list[Item]:
    """Past EDGE_NOTES_MOST events left off one edge of one lane, one note counts them ('◂ 212 earlier events'),
    the nearest named on hover, and the others take no row: a day of a million events, whose approximate months
    reach a month around it, noted hundreds of events a row each, a picture thousands of pixels tall."""
    groups: dict[tuple[str, bool], list[Item]] = {}
    for item in items:
        if item.off_axis:
            groups.setdefault((item.lane, item.x1 < frame.lo), []).append(item)
    counted: set[int] = set()
    for (_, earlier), group in groups.items():
        if len(group) <= EDGE_NOTES_MOST:
            continue
        group.sort(key=lambda i: (-i.x1, i.id) if earlier else (i.x0, i.id))  # the nearest the axis first
        first = group[0]
        first.counts = tuple(i.id for i in group)
        first.note = f"◂ {len(group):,} earlier events" if earlier else f"{len(group):,} later events ▸"
        first.fuzz = NO_FUZZ
        width = (text_px(first.note, EDGE_FONT_SIZE) + 2 * LABEL_PAD_PX) * frame.per_px
        first.ext0, first.ext1 = (frame.lo, frame.lo + width) if earlier else (frame.hi - width, frame.hi)
        counted.update(id(i) for i in group[1:])
    return [i for i in items if id(i) not in counted]


STACK_MOST = 12  # events of one lane drawn one by one with the same dates, or over the whole view; past these, one


def _stacked(items: list[Item], by_id: dict[str, dict[str, Any]], frame: Frame, cap_px: float) -> list[Item]:
    """Past STACK_MOST events of one lane with the same dates (as written) and status, the first one's mark and
    bar stand for them all, labelled with their number and date ('203 events · 2 Jul 2016'); then, past
    STACK_MOST other events of one lane whose bars span the whole view, one stands for those ('35 events span
    this whole view'). The first few are named on hover; a click selects the first, and ← → step on through the
    others. A day of a thousand events known only to the day was a thousand identical bars, a row each: a figure
    30,000 px tall, seconds for the browser to draw, and nothing in it for a reader."""
    same: dict[tuple[Any, ...], list[Item]] = {}
    for item in items:
        if not item.off_axis:
            row = by_id[item.id]
            same.setdefault((item.lane, item.x0, item.x1, item.bar, row[C.when], row[C.status]), []).append(item)
    stacked = _stack(same.values(), by_id, frame, cap_px)
    spanning: dict[str, list[Item]] = {}
    for item in items:
        if not item.off_axis and not item.stack and id(item) not in stacked:
            if item.bar and item.x0 <= frame.lo and item.x1 >= frame.hi:
                spanning.setdefault(item.lane, []).append(item)
    stacked |= _stack(spanning.values(), by_id, frame, cap_px)
    return [i for i in items if id(i) not in stacked] if stacked else items


def _stack(groups: Iterable[list[Item]], by_id: dict[str, dict[str, Any]], frame: Frame, cap_px: float) -> set[int]:
    """Each group past STACK_MOST as its first item (the items come in the events' time order), which stands for
    them all; the others, to leave out."""
    left_out: set[int] = set()
    for group in groups:
        if len(group) > STACK_MOST:
            first = group[0]
            first.stack = tuple(i.id for i in group)
            first.place(_stack_heading(first, by_id), frame, cap_px)  # labelled at any count
            left_out.update(id(i) for i in group[1:])
    return left_out


def _stack_heading(item: Item, by_id: dict[str, dict[str, Any]]) -> str:
    """'203 events · 2 Jul 2016' for events with the same dates; '35 events span this whole view' else."""
    whens = {by_id[i][C.when] for i in item.stack}
    return (
        f"{len(item.stack):,} events · {whens.pop()}"
        if len(whens) == 1
        else (f"{len(item.stack):,} events span this whole view")
    )


def _stack_hover(item: Item, by_id: dict[str, dict[str, Any]]) -> str:
    """The stack's heading, then the first few events with their dates, and how to read them all."""
    lines = [f"<b>{esc(_stack_heading(item, by_id))}</b>"]
    for event_id in item.stack[:EDGE_HOVER_NAMED]:
        row = by_id[event_id]
        lines.append(esc(fit_text(f"{row[C.when]} · {row[C.title]}", HOVER_PX, 1)[0]))
    lines.append(f"and {len(item.stack) - EDGE_HOVER_NAMED:,} more · click to read the first, ← → to step through them")
    return "<br>".join(lines)


def _counted_hover(item: Item, by_id: dict[str, dict[str, Any]], earlier: bool) -> str:
    """'212 earlier events in this lane', then the nearest few, each on a line with its date."""
    lines = [f"<b>{len(item.counts):,} {'earlier' if earlier else 'later'} events in this lane</b>"]
    for event_id in item.counts[:EDGE_HOVER_NAMED]:
        row = by_id[event_id]
        lines.append(esc(fit_text(f"{row[C.when]} · {row[C.title]}", HOVER_PX, 1)[0]))
    if len(item.counts) > EDGE_HOVER_NAMED:
        lines.append(f"and {len(item.counts) - EDGE_HOVER_NAMED:,} more: zoom out to see them")
    return "<br>".join(lines)


def _hover(row: dict[str, Any]) -> str:
    actors = ", ".join(shown_name(actor) for actor in row[C.actors][:4]) + (" …" if len(row[C.actors]) > 4 else "")
    # The whole title (a label may have been shortened), in lines of a readable width: plotly does not wrap.
    title = "<br>".join(esc(line) for line in fit_text(str(row[C.title]), HOVER_PX, HOVER_LINES))
    lines = [f"<b>{title}</b>", esc(row[C.when])]
    if actors:
        lines.append(actors)
    return "<br>".join(lines)


def _add_category(
    fig: go.Figure,
    items: list[Item],
    by_id: dict[str, dict[str, Any]],
    color: str,
    name: str,
    view: View,
    theme: Theme,
) -> None:
    """One legend entry per category: its fades (open and uncertain ends), its bars (ranges, hatched when
    approximate) and its marks."""
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
    fuzzy = [i for i in items if i.fuzz.fades]
    if fuzzy:
        add_fades(fig, fuzzy, color, name)
    bar_items = [i for i in items if i.bar]
    if bar_items:
        _add_bars(fig, bar_items, by_id, color, name, view)
    _add_marks(fig, items, by_id, color, name, view, theme)


def _event_trace(items: list[Item], by_id: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    """What a category's bars and marks share: its legend group (one legend entry for both), and per item the
    event's id (a click selects it) and its hover text."""
    return {
        "legendgroup": name,
        "name": name,
        "showlegend": False,
        "customdata": [i.id for i in items],
        "hovertext": [_stack_hover(i, by_id) if i.stack else _hover(by_id[i.id]) for i in items],
        "hoverinfo": "text",
    }


def _add_bars(
    fig: go.Figure, bar_items: list[Item], by_id: dict[str, dict[str, Any]], color: str, name: str, view: View
) -> None:
    """The bars of a category's ranges, filled by their status as their marks are (solid, tinted, or an outline),
    hatched where the date is approximate, striped upright where it is uncertain (one day of a set, or a range
    that may be wrong), else patterned for a disputed (+), denied (×) or expected (·) range."""
    shapes = [_bar_pattern(by_id[i.id]) for i in bar_items]
    statuses = [by_id[i.id][C.status] for i in bar_items]
    # A patterned bar's pattern is drawn in its marker's colour, over no fill: the category's colour, then.
    fills = [color if shape else status_fill(status, color) for shape, status in zip(shapes, statuses, strict=True)]
    inked = [0.9 * status_opacity(status) for status in statuses]
    fig.add_trace(
        go.Bar(
            **_event_trace(bar_items, by_id, name),
            orientation="h",
            base=axis_xs([i.x0 for i in bar_items], view),
            x=numbers([(i.x1 - i.x0) / 1e6 for i in bar_items]),  # a date axis takes bar lengths in ms
            y=numbers([i.y for i in bar_items]),
            width=0.62,
            marker={
                "color": fills if len(set(fills)) > 1 else fills[0],
                "opacity": inked if len(set(inked)) > 1 else inked[0],
                "pattern": {
                    "shape": shapes,
                    "fgcolor": color,
                    "bgcolor": "rgba(0,0,0,0)",
                    "solidity": 0.3,
                    "size": 8,
                    "fgopacity": 0.45,
                },
                "line": {"color": color, "width": 1},
            },
        )
    )


def _bar_pattern(row: dict[str, Any]) -> str:
    """A bar's pattern: what its date says first (approximate '/', uncertain '|'), else its status's."""
    if row[C.approximate]:
        return APPROXIMATE_PATTERN
    if row[C.uncertain]:
        return UNCERTAIN_PATTERN
    return BAR_PATTERNS.get(row[C.status], "")


def _add_marks(
    fig: go.Figure,
    marks: list[Item],
    by_id: dict[str, dict[str, Any]],
    color: str,
    name: str,
    view: View,
    theme: Theme,
) -> None:
    """The marks of a category's events: squares on bars, diamonds for days and moments, filled and marked by their
    status (``style.STATUS_LOOKS``), fainter when approximate, a day or moment that is uncertain with a '?' in it.
    One trace per kind of mark, each styled as a whole: plotly styles a trace of per-mark colours point by point,
    parsing each colour again on every redraw (a zoom, a pan)."""
    kinds: dict[tuple[bool, bool, bool, str, bool], list[Item]] = {}
    for item in marks:
        row = by_id[item.id]
        inside = not item.off_axis
        asked = not item.bar and bool(row[C.uncertain])  # a bar says it by its stripes
        kinds.setdefault((item.bar, bool(row[C.approximate]), asked, row[C.status], inside), []).append(item)
    for (bar, approximate, asked, status, inside), items in sorted(kinds.items()):
        fig.add_trace(
            go.Scatter(
                **_event_trace(items, by_id, name),
                mode="markers+text" if asked else "markers",
                x=axis_xs([i.anchor for i in items], view),
                y=numbers([i.y for i in items]),
                marker={
                    **status_mark(status, "square" if bar else "diamond", color),
                    "size": 9 if bar else UNCERTAIN_MARK_PX if asked else 12,
                    "line": {"color": color, "width": 2},
                    # A date known only roughly is drawn fainter (a range is also hatched), and so is a draft.
                    "opacity": (APPROXIMATE_OPACITY if approximate else 1) * status_opacity(status),
                },
                # A mark at the axis's edge is drawn whole; one left off the axis (``off_axis``) is not drawn in
                # the margins, and shows when a zoom takes it in.
                cliponaxis=not inside,
                **(_question(len(items), theme) if asked else {}),
            )
        )


def _question(count: int, theme: Theme) -> dict[str, Any]:
    """The '?' in the middle of an uncertain day's or moment's mark (text of the mark's trace: no hover of its own)."""
    return {
        "text": ["?"] * count,
        "textposition": "middle center",
        "textfont": {"family": FONT, "size": UNCERTAIN_FONT_PX, "color": theme.text, "weight": "bold"},
    }


def _add_lags(fig: go.Figure, items: list[Item], by_id: dict[str, dict[str, Any]], theme: Theme, view: View) -> None:
    """The reporting lags: a thin dotted line from each event, along its row's lower edge, to the middle of the day
    it was first reported (after its end, or before its start for an announcement), ending in a tick; none for an
    event reported while under way.
    Under the marks, as one trace: its hover says when the report came."""
    xs: list[float] = []
    ys: list[float | None] = []
    ends: list[tuple[float, float, str]] = []
    for item in items:
        row = by_id[item.id]
        day = reported_day(row[C.reported])
        if day is None:
            continue
        report = float(pd.Timestamp(day).value + HALF_DAY_NS)
        start, stop = float(pd.Timestamp(row[C.start]).value), float(pd.Timestamp(row[C.end]).value)
        if start <= report < max(stop, start + 2 * HALF_DAY_NS):
            continue  # reported while it happened (or the same day): no lag to draw
        edge = item.x1 if report >= stop else item.x0
        low = item.y + LAG_DROP  # along the row's lower edge, under the bar: a label beside the mark does not hide it
        xs += [edge, edge, report, float("nan")]
        ys += [item.y, low, low, None]
        ends.append((report, low, esc(reported_words(row))))
    if not ends:
        return
    common = {"showlegend": False, "cliponaxis": False, "legendgroup": "lag"}
    fig.add_trace(
        go.Scatter(
            x=date_texts(xs),
            y=ys,
            mode="lines",
            line={"color": theme.muted, "width": 1, "dash": "dot"},
            hoverinfo="skip",
            **common,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=date_texts([x for x, _, _ in ends]),
            y=numbers([y for _, y, _ in ends]),
            mode="markers",
            marker={"symbol": "line-ns-open", "size": 10, "color": theme.muted, "line": {"width": 1.5}},
            hovertext=[text for _, _, text in ends],
            hoverinfo="text",
            name="First report",
            **common,
        )
    )


def _add_status_legend(fig: go.Figure, statuses: list[str], theme: Theme) -> None:
    """One legend entry per status the events have (none when every one is merely reported): what each mark says."""
    if set(statuses) <= {"reported"}:  # the default: marks as a reader expects them, nothing to explain
        return
    for status in sorted(statuses, key=STATUSES.index):
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=status.capitalize(),
                legendgroup=f"status-{status}",  # a group each: they flow along the legend's line
                legendrank=2000 + STATUSES.index(status),
                hoverinfo="skip",
                marker={
                    **status_mark(status, "diamond", theme.muted),
                    "opacity": status_opacity(status),
                    "size": 11,
                    "line": {"color": theme.muted, "width": 2},
                },
            )
        )


def _add_date_legend(fig: go.Figure, events: pd.DataFrame, theme: Theme, view: View) -> None:
    """Legend entries for dates not known exactly, when the view has them, on the statuses' line: an open bound
    fades out; an uncertain date has a '?' in its mark or upright stripes in its bar, and its margin fades."""
    common = {"x": [None], "y": [None], "hoverinfo": "skip", "showlegend": True}
    if view.mode == "calendar" and open_in_view(events):  # sequence mode draws no fades
        fig.add_trace(
            go.Scatter(
                **common,
                mode="lines",
                fill="toself",
                fillcolor=tint(theme.muted, 0.45),
                line={"color": theme.muted, "width": EDGE_WIDTH},
                name=OPEN_LEGEND,
                legendgroup="date-open",
                legendrank=2100,
            )
        )
    swatches = []
    if uncertain_in_view(events):  # the swatch of a striped bar; the name says a mark has a '?'
        swatches.append((UNCERTAIN_PATTERN, UNCERTAIN_LEGEND, "date-uncertain", 2101))
    if len(events) and events[C.approximate].to_numpy(dtype=bool).any():  # hatching, told apart from the stripes
        swatches.append((APPROXIMATE_PATTERN, APPROXIMATE_LEGEND, "date-approximate", 2102))
    for shape, name, group, rank in swatches:
        fig.add_trace(
            go.Bar(
                **common,
                orientation="h",
                marker={
                    "color": "rgba(0,0,0,0)",
                    "line": {"color": theme.muted, "width": 1},
                    "pattern": {"shape": shape, "fgcolor": theme.muted, "size": 4, "solidity": 0.3},
                },
                name=name,
                legendgroup=group,
                legendrank=rank,
            )
        )


def _add_labels(
    fig: go.Figure,
    items: list[Item],
    by_id: dict[str, dict[str, Any]],
    lanes: list[str],
    colors: dict[str, str],
    theme: Theme,
    view: View,
) -> None:
    """The labels, as annotations: they take clicks (the page selects the event named by the annotation's
    ``name``), show the whole event on hover when shortened, and their background, the colour of their lane,
    keeps connectors and grid lines from crossing the text."""
    lane_index = {lane: index for index, lane in enumerate(lanes)}
    annotations: list[dict[str, Any]] = []
    for item in items:
        if not item.lines:
            continue
        row = by_id[item.id]
        above = item.side == "above"
        annotations.append(
            {
                "name": item.id,
                "text": "<br>".join(esc(line) for line in item.lines),
                "x": axis_x(item.label_x, view),
                "y": item.y - item.rise_px / ROW_PX if above else item.y,
                "xref": "x",
                "yref": "y",
                "xanchor": "right" if item.side == "left" else "left",
                "yanchor": "bottom" if above else "middle",
                "align": "right" if item.side == "left" else "left",
                "showarrow": False,
                "font": {"size": FONT_SIZE, "color": theme.text},
                "bgcolor": theme.band if lane_index[item.lane] % 2 == 0 else theme.plot,
                "borderpad": LABEL_PAD_PX,
                "borderwidth": 0,
                "captureevents": True,
            }
        )
        if item.lines[-1].endswith("…"):  # shortened: the whole title on hover (a hover per label costs the browser)
            annotations[-1]["hovertext"] = _hover(row)
            annotations[-1]["hoverlabel"] = {"bgcolor": colors[row[C.category]], "font": {"family": FONT, "size": 12}}
    # plotly checks each annotation against its schema, a couple of milliseconds apiece (seconds for hundreds of
    # labels); these are made here of known keys and escaped text, so they are set as they are, as plotly does
    # with its own templates.
    layout = fig.layout
    layout._validate = False
    try:
        fig.update_layout(annotations=annotations)
    finally:
        layout._validate = True


def _add_links(
    fig: go.Figure, items: list[Item], by_id: dict[str, dict[str, Any]], theme: Theme, view: View, frame: Frame
) -> None:
    """Connectors from each event to the events it links to (first lane of each), drawn as dotted lines under
    everything else and routed around labels and marks where a short detour finds a way."""
    first: dict[str, Item] = {}
    for item in items:
        first.setdefault(item.id, item)
    pairs = [
        (source, target)
        for source_id, source in first.items()
        for link in by_id[source_id][C.links]
        if (target := first.get(link["to"])) is not None
    ]
    if not pairs:
        return
    xs, ys = route_links(pairs, items, frame)
    fig.add_trace(
        go.Scatter(
            x=axis_xs(xs, view),
            y=numbers(ys),
            mode="lines",
            line={"color": theme.muted, "width": 1, "dash": "dot"},
            hoverinfo="skip",
            showlegend=False,
            name="links",
            opacity=0.6,
        )
    )
    fig.data = (fig.data[-1], *fig.data[:-1])  # under the marks


def _layout(
    fig: go.Figure, events: pd.DataFrame, view: View, theme: Theme, laid: Layout, width: int, export: bool
) -> None:
    """The figure's layout: banded lanes, the x axis (dates or a sequence), the legend, the lane names."""
    heights = laid.heights
    lo, hi = laid.frame.lo, laid.frame.hi
    tops = [sum(heights[:index]) - 0.5 for index in range(len(heights))]
    total_rows = sum(heights) or 1.0
    shapes = _lane_bands(tops, heights, theme)
    xaxis = _base_axis(lo, hi, view, theme)
    bottom = MARGIN["b"]
    if view.mode == "sequence":
        xaxis.update(_sequence_ticks(events, (width - MARGIN["l"] - MARGIN["r"]) / max(hi - lo, 1e-9)))
        bottom = xaxis.pop("bottom")
        shapes += [_boundary_line(boundary, theme) for boundary in xaxis.pop("boundaries")]
    else:
        xaxis.update(_date_axis(events, theme, lo, hi, export))
    height = round(MARGIN["t"] + bottom + total_rows * ROW_PX + 30)
    fig.update_layout(
        **page_frame(theme, width, height, export),
        margin={**MARGIN, "b": bottom},
        showlegend=True,
        legend=LEGEND,
        xaxis=xaxis,
        yaxis=_lane_axis(laid.name_lines, tops, heights, total_rows),
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


def _lane_bands(tops: list[float], heights: list[float], theme: Theme) -> list[dict[str, Any]]:
    """A shaded band behind every other lane, so that the rows of one lane read together."""
    return [
        {
            "type": "rect",
            "xref": "paper",
            "yref": "y",
            "x0": 0,
            "x1": 1,
            "y0": tops[index],
            "y1": tops[index] + heights[index],
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
    """The x axis in calendar mode: date ticks as fine as the zoom.

    No range slider: it draws a second copy of every trace, which made the first draw five times slower and every
    zoom twice as slow; the quick ranges, the date boxes and a drag or wheel on the plot do its work."""
    axis: dict[str, Any] = {
        "type": "date",
        "hoverformat": "%-d %b %Y",
        "ticklabelmode": "period",
        "tickformatstops": [
            {"dtickrange": [None, DAY_NS / 2e6], "value": "%H:%M\n%-d %b"},
            {"dtickrange": [DAY_NS / 1e6, 7 * DAY_NS / 1e6], "value": "%a %-d %b\n%Y"},
            {"dtickrange": [7 * DAY_NS / 1e6, 27 * DAY_NS / 1e6], "value": "%-d %b\n%Y"},  # not "M1": months say months
            {"dtickrange": ["M1", "M12"], "value": "%b\n%Y"},
            {"dtickrange": ["M12", None], "value": "%Y"},
        ],
    }
    if hi - lo <= 16 * DAY_NS and not (events[C.precision] == "minute").any():
        axis["dtick"] = DAY_NS / 1e6  # whole days: a day-precision timeline has nothing to say at 12:00
        if export:
            axis.update(_whole_day_ticks(lo, hi, theme))
    return axis


def _whole_day_ticks(lo: float, hi: float, theme: Theme) -> dict[str, Any]:
    """Ticks that name only the days wholly on a picture's axis, as its caption does, each at its middle; the
    sliver of a day that the margin shows at each edge keeps its grid line (at every midnight) but no name."""
    first, last = pd.Timestamp(int(lo)).ceil("D"), pd.Timestamp(int(hi)).floor("D")
    days = pd.date_range(first, last - pd.Timedelta(days=1), freq="D") if first < last else pd.DatetimeIndex([])
    return {
        "tickmode": "array",
        "tickvals": date_texts([(day + pd.Timedelta(hours=12)).value for day in days]),
        "ticktext": [f"{day:%a %-d %b}" + (f"<br>{day:%Y}" if index == 0 else "") for index, day in enumerate(days)],
        "ticks": "",
        "showgrid": False,
        "minor": {
            "tick0": date_texts([first.value])[0],
            "dtick": DAY_NS / 1e6,
            "showgrid": True,
            "gridcolor": theme.grid,
            "ticks": "outside",
            "tickcolor": theme.grid,
        },
    }


def _lane_axis(
    name_lines: list[list[str]], tops: list[float], heights: list[float], total_rows: float
) -> dict[str, Any]:
    """The y axis: each lane's name, wrapped, at the middle of its rows, the first row at the top."""
    return {
        "tickvals": [top + height / 2 for top, height in zip(tops, heights, strict=True)],
        "ticktext": ["<br>".join(esc(line) for line in lines) for lines in name_lines],
        "range": [total_rows - 0.5, -0.7],
        "showgrid": False,
        "zeroline": False,
        "fixedrange": True,
        "ticks": "",
        "automargin": True,
    }


def _sequence_ticks(events: pd.DataFrame, px_per_unit: float) -> dict[str, Any]:
    """Ticks for sequence mode: one per run of events with the same date, at the run's centre, on two lines;
    a tick too close to its neighbour drops to a lower row (up to SEQUENCE_TICK_ROWS), and one that finds no
    room on any row is left out (the date is on hover and in the card), so that no two dates overlap."""
    tickvals, ticktext, boundaries = [], [], []
    ends = [-1e9] * SEQUENCE_TICK_ROWS  # right edge in px of the last tick on each row
    run_start, lowest = 0, 0
    whens = list(events[C.when])
    for index in range(1, len(whens) + 1):
        if index == len(whens) or whens[index] != whens[run_start]:
            centre = (run_start + index - 1) / 2
            lines = whens[run_start].rsplit(" ", 1)
            half = max(text_px(line) for line in lines) / 2 + 6
            row = next((r for r, end in enumerate(ends) if centre * px_per_unit - half >= end), None)
            if row is not None:
                ends[row], lowest = centre * px_per_unit + half, max(lowest, row)
                tickvals.append(centre)
                ticktext.append("<br>" * (3 * row) + "<br>".join(esc(line) for line in lines))
            if index < len(whens):
                boundaries.append(index - 0.5)
            run_start = index
    return {
        "tickmode": "array",
        "tickvals": tickvals,
        "ticktext": ticktext,
        "showgrid": False,
        "tickangle": 0,
        "boundaries": boundaries,
        "bottom": 58 + 42 * lowest,
    }
