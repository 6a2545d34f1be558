"""Where the timeline's marks go: each event's place on the x axis, the range shown, and the packing of marks,
bars and labels into rows so that none overlaps another at the figure's width."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dashboard.figure.style import category_order
from dashboard.model import CollectionSettings
from dashboard.table import C
from dashboard.view import View

DAY_NS = 86_400_000_000_000
HOUR_NS = DAY_NS // 24


def lane_keys(row: dict[str, Any], lanes: str) -> list[str]:
    """The lanes an event shows in: its category, each of its actors, or each of its places."""
    if lanes == "actor":
        return list(row[C.actors]) or ["(no actor)"]
    if lanes == "place":
        return [p["name"] for p in row[C.places]] or ["(no place)"]
    return [row[C.category]]


def ordered_lanes(seen: dict[str, int], lanes: str, settings: CollectionSettings) -> list[str]:
    """The lanes top to bottom: categories in the collection's order, actors and places as first met in time."""
    if lanes == "category":
        return sorted(seen, key=category_order(settings))
    return list(seen)  # actors and places in order of first appearance in time


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


def positions(events: pd.DataFrame, mode: str) -> tuple[list[float], list[float], list[bool]]:
    """Where each event starts and ends on the x axis, and whether it is drawn as a bar."""
    if mode == "sequence":
        n = len(events)
        return [float(i) for i in range(n)], [float(i) for i in range(n)], [False] * n
    start = events[C.start].to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
    end = events[C.end].to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
    span = end - start
    bar = (span > DAY_NS) | events[C.approximate].to_numpy(dtype=bool)
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
    fine = events[events[C.precision].isin(["day", "minute"])] if len(events) else events
    basis = fine if len(fine) else events
    lo = pd.Timestamp(view.start) if view.start else (basis[C.start].min() if len(basis) else None)
    hi = pd.Timestamp(view.end) + pd.Timedelta(days=1) if view.end else (basis[C.end].max() if len(basis) else None)
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


def axis_x(value: float, view: View) -> float:
    """Axis units to plotly's: ordinals as they are, nanoseconds to the milliseconds a date axis reads."""
    return value if view.mode == "sequence" else value / 1e6


def axis_xs(values: list[float], view: View) -> np.ndarray:
    """Many x values as one typed array (sent to the browser as binary, not as date strings)."""
    array = np.asarray(values, dtype=float)
    return array if view.mode == "sequence" else array / 1e6
