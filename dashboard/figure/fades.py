"""Dates not known exactly, drawn: an open bound ("on or before 16 Feb 2022") as a bar fading out toward its open
side, an uncertain end ("possibly 14 Feb") as a short fade over its margin of one unit, each with a hard edge at
the stated bound; approximate dates keep their hatching (``timeline``), which says the same of both ends.

A fade is drawn in FADE_STEPS steps of falling opacity, the steps of every event of a category gathered in one
trace per step: plotly's ``fillgradient`` runs once across a whole trace, not once per shape in it, so a true
gradient would cost a trace per event."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.figure.packing import Fade, Frame, Fuzz, Item, date_texts, fade_ns
from dashboard.figure.style import tint
from dashboard.table import C

FADE_STEPS = 8  # steps of falling opacity from the stated bound to nothing
FADE_ALPHA = 0.45  # the fade's ink at the stated bound, and a mark's band's: a tinted bar's, which a mark shows on
FADE_HALF = 0.31  # half a fade's thickness in rows, as a bar's (0.62)
EDGE_HALF = 0.4  # half a hard edge's height in rows: it stands out of the bar it ends
EDGE_WIDTH = 2.0


def _ns(column: pd.Series) -> np.ndarray:
    """A time column as float nanoseconds, NaN where it is NaT (an open bound)."""
    values = column.to_numpy(dtype="datetime64[ns]")
    return np.where(np.isnat(values), np.nan, values.astype("int64").astype(float))


def fuzz_of(events: pd.DataFrame, frame: Frame, bars: list[bool], mode: str) -> list[Fuzz]:
    """Each event's fades and hard edges (calendar mode; none in sequence mode, which has no time to fade over).

    An open start fades left from its stated start, the hard edge at its stated end (``../2022-02-16``: nothing
    after 16 Feb); an open end the reverse. An uncertain end that is loose fades over its margin, the hard edge
    at the strict bound. A mark gets a band over its stated span for its fades to grow from."""
    if mode == "sequence" or not len(events):
        return [Fuzz()] * len(events)
    start, end = _ns(events[C.start]), _ns(events[C.end])
    earliest, latest = _ns(events[C.earliest]), _ns(events[C.latest])
    uncertain = events[C.uncertain].to_numpy(dtype=bool)
    length = fade_ns(events[C.precision], frame.hi - frame.lo)
    out: list[Fuzz] = []
    for i in range(len(events)):
        fades: list[Fade] = []
        edges: list[float] = []
        if np.isnan(earliest[i]):  # open start: fades left of the stated start, nothing after the stated end
            fades.append(Fade(start[i], start[i] - length[i], True))
            edges.append(end[i])
        elif uncertain[i] and earliest[i] < start[i]:
            fades.append(Fade(start[i], earliest[i], False))
            edges.append(start[i])
        if np.isnan(latest[i]):
            fades.append(Fade(end[i], end[i] + length[i], True))
            edges.append(start[i])
        elif uncertain[i] and latest[i] > end[i]:
            fades.append(Fade(end[i], latest[i], False))
            edges.append(end[i])
        if not fades:
            out.append(Fuzz())
            continue
        core = None if bars[i] else (start[i], end[i])
        out.append(Fuzz(tuple(fades), tuple(sorted(set(edges))), core))
    return out


def steps(fade: Fade) -> list[tuple[float, float, int]]:
    """A fade cut into FADE_STEPS stretches, each with its level (1, next to the stated bound, to FADE_STEPS)."""
    cut = np.linspace(fade.solid, fade.faint, FADE_STEPS + 1)
    pairs = zip(cut[:-1], cut[1:], strict=True)
    return [(float(min(a, b)), float(max(a, b)), level + 1) for level, (a, b) in enumerate(pairs)]


def level_alpha(level: int) -> float:
    """The ink of a fade's step: FADE_ALPHA at level 0 (a mark's band), falling evenly to near none."""
    return FADE_ALPHA * (FADE_STEPS + 1 - level) / (FADE_STEPS + 1)


def _box(x0: float, x1: float, y: float) -> tuple[list[float], list[float | None]]:
    """A rectangle of a fade's thickness (its four corners: ``toself`` closes it), then a gap, so that the next
    shape is filled on its own."""
    return [x0, x1, x1, x0, float("nan")], [y - FADE_HALF, y - FADE_HALF, y + FADE_HALF, y + FADE_HALF, None]


def add_fades(fig: go.Figure, items: list[Item], color: str, group: str) -> None:
    """A category's fades (a trace per step, under its bars and marks) and hard edges (one trace)."""
    levels: dict[int, tuple[list[float], list[float | None]]] = {}
    edge_xs: list[float] = []
    edge_ys: list[float | None] = []
    for item in items:
        fuzz = item.fuzz
        boxes = [(a, b, level) for fade in fuzz.fades for a, b, level in steps(fade)]
        if fuzz.core is not None:
            boxes.append((fuzz.core[0], fuzz.core[1], 0))
        for x0, x1, level in boxes:
            xs, ys = levels.setdefault(level, ([], []))
            box_xs, box_ys = _box(x0, x1, item.y)
            xs += box_xs
            ys += box_ys
        for edge in fuzz.edges:
            edge_xs += [edge, edge, float("nan")]
            edge_ys += [item.y - EDGE_HALF, item.y + EDGE_HALF, None]
    common: dict[str, Any] = {"legendgroup": group, "showlegend": False, "hoverinfo": "skip"}
    for level, (xs, ys) in sorted(levels.items()):
        fig.add_trace(
            go.Scatter(
                x=date_texts(xs),
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=tint(color, round(level_alpha(level), 3)),
                line={"width": 0},
                name=f"fade {level}",
                **common,
            )
        )
    if edge_xs:
        fig.add_trace(
            go.Scatter(
                x=date_texts(edge_xs),
                y=edge_ys,
                mode="lines",
                line={"color": color, "width": EDGE_WIDTH},
                name="stated bound",
                **common,
            )
        )


def open_in_view(events: pd.DataFrame) -> bool:
    """Whether any of these events has an open bound."""
    return bool(len(events)) and bool(events[C.earliest].isna().any() or events[C.latest].isna().any())


def uncertain_in_view(events: pd.DataFrame) -> bool:
    """Whether any of these events has an uncertain date."""
    return bool(len(events)) and bool(events[C.uncertain].to_numpy(dtype=bool).any())
