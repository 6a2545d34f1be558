"""Where the timeline's connectors run: from an event's mark to a linked event's mark, straight where nothing is in
the way, else by a short detour along the gaps between rows, where no label or mark ever is."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from dashboard.figure.packing import MARK_HALF_PX, Frame, Item
from dashboard.figure.style import ROW_PX

Box = tuple[float, float, float, float]  # left, right, top, bottom in px
Point = tuple[float, float]
DETOUR_PX = MARK_HALF_PX + 4  # a vertical run this far beside a mark passes between it and its label
EDGE_PX = 2.0  # a connector's way down along the plot's edge
ROUTE_BUDGET = 100_000  # links × obstacles past which connectors are drawn straight: routing would cost seconds
CHANNELS = 32  # vertical channels looked at per link, the nearest to the middle of its ends
BEST_CHANNELS = 6  # of which the clearest are tried as whole paths
# What a connector's crossings cost, against its length: crossing a label (which hides the connector under its
# background) is worth a detour of up to 800 px, a mark 400 px, a bar (drawn over the connector) 120 px.
LABEL_COST, MARK_COST, BAR_COST = 2.0, 1.0, 0.3
PX_COST = 1 / 400


class Obstacles:
    """The labels, marks and bars of a timeline, sorted by their top, for quick look-ups of a region."""

    def __init__(self, items: list[Item], frame: Frame) -> None:
        boxes: list[tuple[Box, float, str]] = []
        for item in items:
            boxes.append((item.mark_box(frame), MARK_COST, item.id))
            if item.lines:
                boxes.append((item.label_box(frame), LABEL_COST, ""))
            if item.bar:
                boxes.append((item.bar_box(frame), BAR_COST, item.id))
        boxes.sort(key=lambda entry: entry[0][2])
        self.boxes = boxes
        self.tops = [entry[0][2] for entry in boxes]
        self.tallest = max((box[3] - box[2] for box, _, _ in boxes), default=0.0)

    def between(self, top: float, bottom: float) -> list[tuple[Box, float, str]]:
        """The boxes that reach between ``top`` and ``bottom``."""
        start = bisect_left(self.tops, top - self.tallest)
        return [entry for entry in self.boxes[start : bisect_right(self.tops, bottom)] if entry[0][3] > top]

    def channels(self, top: float, bottom: float, near: float, ends: tuple[str, str]) -> list[float]:
        """Where a vertical run from ``top`` to ``bottom`` may pass: just beside each box on the way, the clearest
        first, then the nearest to ``near``."""
        boxes = [(box, weight) for box, weight, owner in self.between(top, bottom) if owner not in ends]
        xs = sorted({x for box, _ in boxes for x in (box[0] - 3, box[1] + 3)}, key=lambda x: abs(x - near))
        xs = xs[:CHANNELS]
        if not xs:
            return []
        low, high = min(xs), max(xs)
        boxes = [(box, weight) for box, weight in boxes if box[1] > low and box[0] < high]

        def blocked(x: float) -> float:
            return sum(weight for box, weight in boxes if box[0] + 1 < x < box[1] - 1)

        return sorted(xs, key=blocked)[:BEST_CHANNELS]  # stable: the nearest of the equally clear

    def cost(self, path: list[Point], ends: tuple[str, str]) -> float:
        """How much of the timeline a path crosses: every label, mark or bar it enters, but those it joins."""
        segments = [
            (a, b, min(a[0], b[0]), max(a[0], b[0]), min(a[1], b[1]), max(a[1], b[1]))
            for a, b in zip(path, path[1:], strict=False)
        ]
        top, bottom = min(s[4] for s in segments), max(s[5] for s in segments)
        left, right = min(s[2] for s in segments), max(s[3] for s in segments)
        total = 0.0
        for box, weight, owner in self.between(top, bottom):
            if owner in ends or box[1] < left or box[0] > right:  # the marks and bars it joins, or far aside
                continue
            for a, b, x0, x1, y0, y1 in segments:
                if x1 >= box[0] and x0 <= box[1] and y1 >= box[2] and y0 <= box[3] and crosses(a, b, box):
                    total += weight
                    break
        return total


def crosses(a: Point, b: Point, box: Box, inset: float = 1.0) -> bool:
    """Whether the segment a–b enters the box shrunk by ``inset`` (Liang–Barsky clipping)."""
    left, right, top, bottom = box[0] + inset, box[1] - inset, box[2] + inset, box[3] - inset
    if left >= right or top >= bottom:
        return False
    dx, dy = b[0] - a[0], b[1] - a[1]
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, a[0] - left), (dx, right - a[0]), (-dy, a[1] - top), (dy, bottom - a[1])):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def candidates(source: Item, target: Item, frame: Frame, obstacles: Obstacles | None) -> list[list[Point]]:
    """Ways from one mark to another: straight; else out of the source's row into the gap beside it, along that
    gap to a clear vertical channel, down or up it to the gap beside the target's row, and in."""
    sx, sy = frame.px(source.anchor), source.y * ROW_PX
    tx, ty = frame.px(target.anchor), target.y * ROW_PX
    paths = [[(sx, sy), (tx, ty)]]
    if abs(ty - sy) < 1:  # one row: along the gap above it or below it
        for gap in (source.row_top * ROW_PX, source.row_bottom * ROW_PX):
            paths.append([(sx, sy), (sx, gap), (tx, gap), (tx, ty)])
        return paths
    down = ty > sy
    leave = (source.row_bottom if down else source.row_top) * ROW_PX
    enter = (target.row_top if down else target.row_bottom) * ROW_PX
    # Beside the ends; and along the plot's edges, where no label ever is (a long way round, for a crowded middle).
    channels = [
        sx,
        tx,
        sx + DETOUR_PX,
        sx - DETOUR_PX,
        tx + DETOUR_PX,
        tx - DETOUR_PX,
        EDGE_PX,
        frame.width_px - EDGE_PX,
    ]
    if obstacles is not None:  # just beside whatever stands between the two gaps
        ends = (source.id, target.id)
        channels += obstacles.channels(min(leave, enter), max(leave, enter), (sx + tx) / 2, ends)
    for x in dict.fromkeys(channels):
        paths.append([(sx, sy), (sx, leave), (x, leave), (x, enter), (tx, enter), (tx, ty)])
    return paths


def length(path: list[Point]) -> float:
    return sum(abs(b[0] - a[0]) + abs(b[1] - a[1]) for a, b in zip(path, path[1:], strict=False))


def route_links(pairs: list[tuple[Item, Item]], items: list[Item], frame: Frame) -> tuple[list[float], list[float]]:
    """The connectors as one polyline per link, separated by NaN: x in axis units, y in rows."""
    xs: list[float] = []
    ys: list[float] = []
    obstacles = Obstacles(items, frame) if len(pairs) * len(items) <= ROUTE_BUDGET else None
    for source, target in pairs:
        options = candidates(source, target, frame, obstacles)
        best = options[0]
        if obstacles is not None:
            ends = (source.id, target.id)
            # The fewest crossings, then the shortest way: a detour only where it clears something.
            best = min(options, key=lambda path: obstacles.cost(path, ends) + length(path) * PX_COST)
        xs += [frame.lo + x * frame.per_px for x, _ in best] + [float("nan")]
        ys += [y / ROW_PX for _, y in best] + [float("nan")]
    return xs, ys
