"""Where the timeline's marks go: each event's place on the x axis, the range shown, and the packing of marks,
bars and labels into rows so that none overlaps another at the figure's width."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dashboard.crowd import Crowd, Events
from dashboard.figure.style import LINE_PX, ROW_PX, category_order, fit_text, text_px, wrap
from dashboard.model import EARLIEST, LATEST, CollectionSettings, Status
from dashboard.table import C
from dashboard.view import View

DAY_NS = 86_400_000_000_000
HOUR_NS = DAY_NS // 24
# Drafts not yet reviewed wait in a lane of their own, whatever the lanes are grouped by, so that a reviewer sees
# them together and a reader never takes one for a reviewed event of its category, actor or place. Capitalised:
# no category key (lower-case letters) can take its name.
DRAFT_LANE = "Drafts"


def lane_keys(row: dict[str, Any], lanes: str) -> list[str]:
    """The lanes an event shows in: its category, each of its actors, or each of its places; a draft's, Drafts."""
    if row.get(C.status) == Status.DRAFT:
        return [DRAFT_LANE]
    if lanes == "actor":
        return list(row[C.actors]) or ["(no actor)"]
    if lanes == "place":
        return [p["name"] for p in row[C.places]] or ["(no place)"]
    return [row[C.category]]


def ordered_lanes(seen: dict[str, int], lanes: str, settings: CollectionSettings) -> list[str]:
    """The lanes top to bottom: categories in the collection's order, actors and places as first met in time; the
    drafts last, under the reviewed events, which keep their places whether drafts are in view or not."""
    drafts = [DRAFT_LANE] if DRAFT_LANE in seen else []
    reviewed = [lane for lane in seen if lane != DRAFT_LANE]
    if lanes == "category":
        return sorted(reviewed, key=category_order(settings)) + drafts
    return reviewed + drafts  # actors and places in order of first appearance in time


MARK_HALF_PX = 6.0  # half a day's or moment's diamond (12 px)
START_HALF_PX = 4.5  # half the square at a bar's start (9 px)
BAR_HALF_PX = 8.0  # half a bar's thickness (0.62 of a 26 px row)
LABEL_GAP_PX = 8.0  # between a mark or a bar's end and its label: clear of the selection ring too
EDGE_PX = 14.0  # a bar running off the view keeps its start mark this far inside the edge, and its ring whole
MIN_LABEL_PX = 72.0  # a side with less room than this is no place for a label
LABEL_LINES = 3  # a label wraps to at most this many lines; past that it is shortened
LABEL_PAD_PX = 2.0  # the label's background reaches this far around its text (a halo over connectors)
LABEL_RISE_PX = 2.0  # between a bar and the label above it
ROW_GAP_PX = 1.5  # kept clear above and below a label, so that labels in neighbouring rows never touch


@dataclass(frozen=True)
class Frame:
    """The x axis as the packing sees it: the visible range in axis units, and axis units per pixel."""

    lo: float
    hi: float
    per_px: float

    def px(self, value: float) -> float:
        """Axis units to pixels from the plot's left edge."""
        return (value - self.lo) / self.per_px

    @property
    def width_px(self) -> float:
        return (self.hi - self.lo) / self.per_px


@dataclass(frozen=True)
class Fade:
    """A stretch beyond one end of an event's drawing where its date may still lie, drawn fading out: from
    ``solid`` (next to the stated span, most ink) to ``faint`` (none left). ``open``: an open bound, which fades
    over a long stretch; else an uncertain end's margin of one unit."""

    solid: float
    faint: float
    open: bool


@dataclass(frozen=True)
class Fuzz:
    """What a date not known exactly adds to an event's drawing (axis units): its fades, the hard edges at its
    stated bounds, and for an event drawn as a mark a band over its stated span that the fades grow from."""

    fades: tuple[Fade, ...] = ()
    edges: tuple[float, ...] = ()
    core: tuple[float, float] | None = None


NO_FUZZ = Fuzz()


@dataclass
class Item:
    """One mark on the timeline: an event in one lane, with its label's lines and where they go."""

    id: str
    lane: str
    x0: float  # axis units: ns since epoch in calendar mode, an ordinal in sequence mode
    x1: float
    bar: bool
    anchor: float = 0.0  # where the mark sits (a bar's start, kept inside the visible range)
    lines: list[str] = field(default_factory=list)  # the label, wrapped; none past LABEL_LIMIT
    side: str = "right"  # the label is right of the mark or bar, "left" of it, or "above" it
    label_x: float = 0.0  # axis units: the label box's left edge ("right", "above") or right edge ("left")
    label_px: float = 0.0  # the label box's width
    ext0: float = 0.0  # the extent of mark, bar and label together, for packing
    ext1: float = 0.0
    row: int = 0
    y: float = 0.0  # the row's centre line, in rows of ROW_PX from the first row's centre
    row_top: float = 0.0  # the row's edges, in the same units
    row_bottom: float = 0.0
    off_axis: bool = False  # the mark is off the axis's edges (an axis framing the others: ``framed``)
    note: str = ""  # then, what the note at that edge says in its stead ('◂ 3 Feb · US begins…')
    counts: tuple[str, ...] = ()  # or the events its note counts, nearest first ('◂ 212 earlier events')
    stack: tuple[str, ...] = ()  # the events with its dates its mark stands for, itself first ('203 events · …')
    fuzz: Fuzz = NO_FUZZ  # fades and hard edges of a date with an open or uncertain end

    def reach(self, frame: Frame) -> tuple[float, float]:
        """How far the drawing (mark or bar, its fades and hard edges) reaches along the axis, kept to the view:
        no label goes over a fade, which a label's background would hide."""
        xs = [*(f.faint for f in self.fuzz.fades), *(f.solid for f in self.fuzz.fades), *self.fuzz.edges]
        if not xs:
            return self.x0, self.x1
        return min(self.x0, max(min(xs), frame.lo)), max(self.x1, min(max(xs), frame.hi))

    @property
    def fades_right(self) -> bool:
        """It has an open bound fading to the right (an open end): its label is best on its left."""
        return any(f.open and f.faint > f.solid for f in self.fuzz.fades)

    @property
    def label_height_px(self) -> float:
        return len(self.lines) * LINE_PX + 2 * LABEL_PAD_PX if self.lines else 0.0

    def label_box(self, frame: Frame) -> tuple[float, float, float, float]:
        """The label's box (background included) in px: left, right, top, bottom (y down from the first row's
        centre)."""
        x = frame.px(self.label_x)
        left = x - self.label_px if self.side == "left" else x
        y, height = self.y * ROW_PX, self.label_height_px
        bottom = y - self.rise_px if self.side == "above" else y + height / 2
        return left, left + self.label_px, bottom - height, bottom

    def mark_box(self, frame: Frame) -> tuple[float, float, float, float]:
        """The mark's box in px, as ``label_box``."""
        x, y = frame.px(self.anchor), self.y * ROW_PX
        half = START_HALF_PX if self.bar else MARK_HALF_PX
        return x - half, x + half, y - half, y + half

    def bar_box(self, frame: Frame) -> tuple[float, float, float, float]:
        """The bar's box in px (within the view), as ``label_box``."""
        y = self.y * ROW_PX
        left, right = max(frame.px(self.x0), 0.0), min(frame.px(self.x1), frame.width_px)
        return left, right, y - BAR_HALF_PX, y + BAR_HALF_PX

    def reach_px(self) -> tuple[float, float]:
        """How far mark, bar and label reach above and below the row's centre line, in px."""
        half = self.label_height_px / 2 + ROW_GAP_PX
        if self.side == "above":
            return max(self.rise_px + self.label_height_px + ROW_GAP_PX, ROW_PX / 2), ROW_PX / 2
        return max(half, ROW_PX / 2), max(half, ROW_PX / 2)

    @property
    def rise_px(self) -> float:
        """From the row's centre line to the bottom of a label above the mark or bar."""
        return (BAR_HALF_PX if self.bar else MARK_HALF_PX) + LABEL_RISE_PX

    def place(self, title: str, frame: Frame, cap_px: float) -> None:
        """Wrap the title and put it where it is clear of its own mark and bar, preferring few lines of a readable
        width: right of the mark or after the bar's end, else left of it; else on a line of its own above the mark
        or bar; only when none has room, shortened at a word boundary."""
        inset = EDGE_PX * frame.per_px
        self.anchor = min(max(self.x0, frame.lo + inset), frame.hi - inset) if self.bar else self.x0
        half = START_HALF_PX if self.bar else MARK_HALF_PX
        reach0, reach1 = self.reach(frame)
        # After the bar's end (or its fade's), and after its start mark, kept inside the view, where a bar ends at
        # the view's edge.
        right = max(frame.px(self.x1), frame.px(reach1), frame.px(self.anchor) + half) + LABEL_GAP_PX
        clipped = self.bar and self.anchor != self.x0  # the bar starts off the view: nothing shows left of it
        left = -1.0 if clipped else min(frame.px(self.anchor) - half, frame.px(reach0)) - LABEL_GAP_PX
        edges = {"right": right, "left": left, "above": frame.px(self.anchor) - half}
        rooms = {"right": frame.width_px - right, "left": left}
        if self.fades_right:  # an open end fades a long way right: the label beside its stated start reads best
            rooms = {"left": left, "right": frame.width_px - right}
        above = {"above": frame.width_px}  # starting at the mark, slid left as far as it must to end in the view
        if not title:
            self._settle("right", [], 0.0, frame, right)
            return
        # Few lines of a readable width first; then as wide as the room is, before shortening anything.
        for places in (rooms, above):
            for cap, lines in itertools.product((cap_px, math.inf), range(2, LABEL_LINES + 1)):
                for side, room in places.items():
                    width = min(room, cap) - 2 * LABEL_PAD_PX
                    if width >= MIN_LABEL_PX and wrap(title, width, lines) is not None:
                        self._settle(side, fit_text(title, width, lines), width, frame, edges[side])
                        return
        width = max(min(above["above"], cap_px) - 2 * LABEL_PAD_PX, MIN_LABEL_PX)
        self._settle("above", fit_text(title, width, LABEL_LINES), width, frame, edges["above"])

    def _settle(self, side: str, lines: list[str], room: float, frame: Frame, edge_px: float) -> None:
        """Keep the label's place and box, and the extent of the whole item in axis units."""
        self.side, self.lines = side, lines
        text = min(max((text_px(line) for line in lines), default=0.0), room)
        self.label_px = text + 2 * LABEL_PAD_PX if lines else 0.0
        half = (START_HALF_PX if self.bar else MARK_HALF_PX) * frame.per_px
        reach0, reach1 = self.reach(frame)
        mark0, mark1 = min(reach0, self.anchor - half), max(reach1, self.anchor + half)
        if side == "above":
            edge_px = max(min(edge_px, frame.width_px - self.label_px), 0.0)
        self.label_x = frame.lo + edge_px * frame.per_px
        if side == "left":
            self.ext0, self.ext1 = self.label_x - self.label_px * frame.per_px, mark1
        else:
            self.ext0 = min(mark0, self.label_x)
            self.ext1 = max(mark1, self.label_x + self.label_px * frame.per_px)


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


def x_range(events: Events, view: View) -> tuple[float, float]:
    """The visible x range in axis units: the view's dates, or the events' extent with a margin."""
    if view.mode == "sequence":
        return -0.6, max(len(events) - 0.4, 0.6)
    first, after = view.bounds()
    basis = _framing(events, first is None and after is None)
    lo = first if first is not None else (basis[C.start].min() if len(basis) else None)
    hi = after if after is not None else (basis[C.end].max() if len(basis) else None)
    if lo is None or hi is None or pd.isna(lo) or pd.isna(hi):
        today = pd.Timestamp.today().normalize()
        lo, hi = today - pd.Timedelta(days=7), today + pd.Timedelta(days=1)
    elif first is None and after is None:  # only an axis the events frame alone: a chosen side is the reader's
        lo, hi = _open_reach(basis, lo, hi, lo, hi)
    pad = pd.Timedelta(0) if (view.start and view.end) else max((hi - lo) * 0.04, pd.Timedelta(hours=12))
    lo, hi = lo - pad, max(hi + pad, lo - pad + pd.Timedelta(minutes=1))  # never an axis of no width
    # and never past the years the timeline shows, which the captions would then state
    lo, hi = max(lo, pd.Timestamp(EARLIEST)), min(hi, pd.Timestamp(LATEST))
    return float(lo.value), float(hi.value)


OPEN_START, OPEN_END = "open start", "open end"  # x_range's own columns: where the events' bounds are open
FINE = ["day", "minute"]  # precisions an axis frames (``_framing``)


def _framing(events: Events, framing: bool) -> pd.DataFrame:
    """What an axis is framed by (``x_range``; ``framing``: by the events alone, no side chosen): the events of
    a day or a moment (month- and year-long events would stretch it over empty weeks: they run off its edges, their
    bars and labels in view), or all when there are none; less the few ``framed`` leaves off. Their precision,
    start, end and open bounds: a crowd's groups stand for its events, their first start and last end for theirs,
    as the axis reads only the least and greatest of each."""
    if isinstance(events, Crowd):
        groups = events.groups()
        fine = groups[groups["precision"].isin(FINE)]
        basis = fine if len(fine) else groups
        if not (framing and FRAMED_FEWEST <= basis["n"].sum() <= FRAMED_MOST):
            return pd.DataFrame(
                {
                    C.precision: basis["precision"],
                    C.start: basis["first_start"],
                    C.end: basis["last_end"],
                    OPEN_START: basis["open_start"],
                    OPEN_END: basis["open_end"],
                }
            )
        # A crowd of coarse events but a few thousand fine ones: those, read, so that ``framed`` reads them.
        events = events.fine_rows(FINE, [C.start, C.end, C.precision, C.earliest, C.latest])
    # Only the columns it reads: a pick of whole rows would copy every column (half a gigabyte at a million).
    table, events = events, events[[C.precision, C.start, C.end]]
    for flag, column in ((OPEN_START, C.earliest), (OPEN_END, C.latest)):  # a bare table of times has no open ends
        events[flag] = table[column].isna() if column in table.columns else False
    fine = events[events[C.precision].isin(FINE)] if len(events) else events
    basis = fine if len(fine) else events
    return basis[framed(basis)] if framing else basis


FADE_SHARE = 0.12  # an open bound fades over this share of the axis, or FADE_UNITS of its precision if longer
FADE_UNITS = 2
# A unit of each precision, roughly: how long an open bound's fade is at least (a loose end's margin of one unit,
# by the calendar, is the table's ``earliest`` and ``latest``).
UNIT_NS = {"minute": HOUR_NS, "day": DAY_NS, "month": 30.44 * DAY_NS, "year": 365.25 * DAY_NS}


def fade_ns(precisions: pd.Series, span_ns: float) -> np.ndarray:
    """How far an open bound fades, for events of these precisions on an axis of this span: FADE_SHARE of it, or
    FADE_UNITS of the precision if longer."""
    units = precisions.astype(object).map(UNIT_NS).fillna(DAY_NS).to_numpy(dtype=float)
    return np.maximum(FADE_SHARE * span_ns, FADE_UNITS * units)


def _open_reach(
    basis: pd.DataFrame, lo: pd.Timestamp | None, hi: pd.Timestamp | None, first: Any, last: Any
) -> tuple[Any, Any]:
    """An axis the events frame (``lo``, ``hi``; None: a side a view chose) taken out to where the fades of its
    open bounds end, so that an open bound at its edge is seen to fade."""
    span = (last - first).total_seconds() * 1e9  # centuries of it overflow a Timedelta's nanoseconds
    # The axis never reaches past the years the timeline shows, however far a fade would go.
    bottom, top = float(pd.Timestamp(EARLIEST).value), float(pd.Timestamp(LATEST).value)
    if lo is not None and basis[OPEN_START].any():
        opened = basis[basis[OPEN_START]]
        reach = opened[C.start].to_numpy(dtype="datetime64[ns]").astype("int64") - fade_ns(opened[C.precision], span)
        first = min(lo, pd.Timestamp(int(max(reach.min(), bottom))).as_unit("us"))
    if hi is not None and basis[OPEN_END].any():
        opened = basis[basis[OPEN_END]]
        reach = opened[C.end].to_numpy(dtype="datetime64[ns]").astype("int64") + fade_ns(opened[C.precision], span)
        last = max(hi, pd.Timestamp(int(min(reach.max(), top))).as_unit("us"))
    return first, last


OUTLIER_GAP = 2.0  # an event this many times the rest's span away from them is left off a framing axis
OUTLIER_SHARE = 0.1  # at most this share of the events (and at least one) is left off
OUTLIERS_MOST = 20  # and never more than these: an axis of a few far groups frames them all


def framed(events: pd.DataFrame) -> np.ndarray:
    """Which events an axis without a chosen range frames: all but a few set far apart from the rest (one event
    weeks before a report's busy days would squeeze them into a sliver). Those few are left off its edges, and
    the figure says so there (``off_axis``). Only a small table: a big one is framed whole."""
    keep = np.ones(len(events), dtype=bool)
    if not FRAMED_FEWEST <= len(events) <= FRAMED_MOST:
        return keep
    order = np.argsort(events[C.start].to_numpy(), kind="stable")
    starts = events[C.start].to_numpy()[order].astype("datetime64[ns]").astype("int64")
    ends = events[C.end].to_numpy()[order].astype("datetime64[ns]").astype("int64")
    most = min(max(1, int(len(events) * OUTLIER_SHARE)), OUTLIERS_MOST)
    n = len(events)
    best: tuple[int, int, int] | None = None  # (span of the rest, first kept, end of the kept)
    # Every way of leaving off up to ``most`` events, some from each end: the one that frames the tightest rest,
    # each left-off group being far from it (a gap more than OUTLIER_GAP times the rest's span).
    for lo in range(most + 1):
        for hi in range(n, n - (most - lo) - 1, -1):
            if hi - lo < 2:
                continue
            rest_end = int(ends[lo:hi].max())
            span = max(rest_end - int(starts[lo]), DAY_NS)
            far = OUTLIER_GAP * span
            if lo and int(starts[lo]) - int(ends[:lo].max()) <= far:
                continue
            if hi < n and int(starts[hi]) - rest_end <= far:
                continue
            if best is None or span < best[0]:
                best = (span, lo, hi)
    lo, hi = (best[1], best[2]) if best else (0, n)
    keep[:] = False
    keep[order[lo:hi]] = True
    return keep


FRAMED_MOST = 5000  # events above which an axis frames them all (the outliers of a big table are its own)
FRAMED_FEWEST = 5  # and below which: in so few, one far event is no outlier but a good part of the story


def off_axis(events: pd.DataFrame, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """The events wholly before and wholly after an axis running from ``lo`` to ``hi`` (nanoseconds)."""
    starts = events[C.start].to_numpy().astype("datetime64[ns]").astype("int64")
    ends = events[C.end].to_numpy().astype("datetime64[ns]").astype("int64")
    return ends < lo, starts > hi


def outside(events: Events, lo: float, hi: float) -> tuple[int, int]:
    """How many events an axis from ``lo`` to ``hi`` leaves off its edges (``off_axis``): before it, after it."""
    if isinstance(events, Crowd):
        return events.outside(lo, hi)
    before, after = off_axis(events, lo, hi)
    return int(before.sum()), int(after.sum())


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


def stack_rows(items: list[Item], lanes: list[str], counts: list[int], name_px: list[float]) -> list[float]:
    """Give each packed item its y (rows of ROW_PX; the first row's centre is 0) and return each lane's height in
    rows: a row is as tall as the labels it holds, a lane at least as tall as its wrapped name."""
    reach: dict[tuple[str, int], tuple[float, float]] = {}
    for item in items:
        up, down = item.reach_px()
        old_up, old_down = reach.get((item.lane, item.row), (ROW_PX / 2, ROW_PX / 2))
        reach[item.lane, item.row] = (max(up, old_up), max(down, old_down))
    centres: dict[tuple[str, int], float] = {}
    edges: dict[tuple[str, int], tuple[float, float]] = {}
    heights: list[float] = []
    top = 0.0  # px from the top edge of the first lane
    for lane, count in zip(lanes, counts, strict=True):
        rows = [reach.get((lane, row), (ROW_PX / 2, ROW_PX / 2)) for row in range(count)]
        content = sum(up + down for up, down in rows)
        height = max(content, name_px[len(heights)] + 6)
        at = top + (height - content) / 2  # rows centred beside a name taller than they are
        for row, (up, down) in enumerate(rows):
            centres[lane, row] = (at + up) / ROW_PX - 0.5
            edges[lane, row] = (at / ROW_PX - 0.5, (at + up + down) / ROW_PX - 0.5)
            at += up + down
        heights.append(height / ROW_PX)
        top += height
    for item in items:
        item.y = centres[item.lane, item.row]
        item.row_top, item.row_bottom = edges[item.lane, item.row]
    return heights


def axis_x(value: float, view: View) -> float | str | None:
    """Axis units to plotly's: ordinals as they are, nanoseconds as a date (``date_texts``)."""
    return value if view.mode == "sequence" else date_texts([value])[0]


def numbers(values: Any, digits: int | None = None) -> list[float]:
    """Numbers as a plain list, which plotly sends as JSON, not as a binary typed array: plotly.js decodes a binary
    array afresh whenever the figure is given again, so every Plotly.react (which Dash's graph makes after each zoom,
    pan or ring to keep its figure in step) would redraw every trace instead of only what changed. ``digits``:
    rounded to so many decimals (fewer bytes where more would mean nothing)."""
    array = np.asarray(values, dtype=float)
    return (array if digits is None else array.round(digits)).tolist()  # type: ignore[no-any-return]


def axis_xs(values: list[float], view: View) -> Any:
    """Many x values: ordinals as numbers (``numbers``), instants as dates."""
    return numbers(values) if view.mode == "sequence" else date_texts(values)


def date_texts(values: Any) -> list[str | None]:
    """Instants (nanoseconds since the epoch, UTC) as the date strings plotly reads, to the millisecond; NaN is
    None, a gap in a line. Not numbers: plotly reads a number on a date axis as milliseconds in the browser's own
    time zone, so every mark would move by the reader's offset from UTC (and a picture by the machine's), while
    a date string without a zone means the same time everywhere."""
    array = np.asarray(values, dtype=float)
    gaps = np.isnan(array)
    # A fade may reach past the years a nanosecond can count (1677-2262): there it is off the axis anyway.
    inside = np.clip(np.where(gaps, 0, array), float(pd.Timestamp.min.value), float(pd.Timestamp.max.value))
    stamps = inside.astype("int64").astype("datetime64[ns]")
    texts = np.datetime_as_string(stamps, unit="ms")
    return [None if gap else str(text).replace("T", " ") for text, gap in zip(texts, gaps, strict=True)]


def date_ns(value: Any) -> float:
    """A date plotly sent back (a string, or a number of milliseconds) as nanoseconds since the epoch."""
    if isinstance(value, int | float):
        return float(value) * 1e6
    return float(pd.Timestamp(str(value)).value)
