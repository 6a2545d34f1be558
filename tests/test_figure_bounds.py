"""Open and uncertain dates on the timeline: an open bound fades out toward its open side with a hard edge at the
stated bound, an uncertain end fades over its margin of one unit, an uncertain day's mark has a '?', one day of a
set is striped, an approximate range stays hatched, and the legend explains what the view has."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.figure import timeline_figure
from dashboard.figure.fades import FADE_STEPS
from dashboard.figure.packing import DAY_NS, FADE_SHARE, FADE_UNITS, date_ns
from dashboard.figure.timeline import OPEN_LEGEND, UNCERTAIN_LEGEND, lay_out
from dashboard.store import load_collection
from dashboard.table import C, Collection
from dashboard.view import View, apply

PLAIN = {"plain-day": "2022-02-10"}


def collection_of(tmp_path: Path, dates: dict[str, str]) -> Collection:
    """A folder of one event per date (named by its id), loaded as the app loads it."""
    for event_id, date in dates.items():
        (tmp_path / f"{event_id}.yaml").write_text(
            f'title: Event {event_id}\ndate: "{date}"\ncategory: other\n', encoding="utf-8"
        )
    loaded = load_collection(tmp_path)
    assert not loaded.problems, loaded.problems
    return loaded


def draw(tmp_path: Path, dates: dict[str, str], view: View | None = None) -> go.Figure:
    loaded = collection_of(tmp_path, dates)
    view = view or View()
    return timeline_figure(apply(loaded.events, view), view, loaded.settings)


def ns(day: str) -> float:
    return float(pd.Timestamp(day).value)


def row_y(fig: go.Figure, event_id: str) -> float:
    """The row of an event's mark."""
    for trace in fig.data:
        if trace.type == "scatter" and trace.customdata is not None and event_id in trace.customdata:
            return float(trace.y[list(trace.customdata).index(event_id)])
    raise AssertionError(f"no mark for {event_id}")


def mark_trace(fig: go.Figure, event_id: str) -> Any:
    return next(t for t in fig.data if t.type == "scatter" and t.customdata is not None and event_id in t.customdata)


def fade_boxes(fig: go.Figure, y: float) -> list[tuple[float, float, float]]:
    """The fade's boxes in the row at ``y``: (left, right, opacity), each a closed shape of a fading trace."""
    boxes = []
    for trace in fig.data:
        if trace.type != "scatter" or trace.fill != "toself" or not str(trace.name).startswith("fade"):
            continue
        alpha = float(trace.fillcolor.rsplit(",", 1)[1].rstrip(")"))
        xs, ys = list(trace.x), list(trace.y)
        for at in range(0, len(xs), 5):  # four corners and a gap per box
            box_x, box_y = xs[at : at + 4], ys[at : at + 4]
            if abs((min(box_y) + max(box_y)) / 2 - y) < 1e-6:
                boxes.append((min(map(date_ns, box_x)), max(map(date_ns, box_x)), alpha))
    return sorted(boxes)


def hard_edges(fig: go.Figure, y: float) -> list[float]:
    """Where the hard edges stand in the row at ``y``."""
    out = []
    for trace in fig.data:
        if trace.type == "scatter" and trace.name == "stated bound":
            for at in range(0, len(trace.x), 3):
                top, bottom = trace.y[at], trace.y[at + 1]
                if top < y < bottom:
                    out.append(date_ns(trace.x[at]))
    return sorted(out)


def legend_names(fig: go.Figure) -> set[str]:
    return {t.name for t in fig.data if t.showlegend is not False}


def test_an_open_start_fades_out_to_the_left_of_its_bound_with_a_hard_edge_at_it(tmp_path):
    fig = draw(tmp_path, {"by": "../2022-02-16", **PLAIN})
    y = row_y(fig, "by")
    boxes = fade_boxes(fig, y)
    assert boxes, "an open start is drawn fading"
    assert max(right for _, right, _ in boxes) <= ns("2022-02-17")  # nothing after its stated bound
    assert min(left for left, _, _ in boxes) <= ns("2022-02-16") - FADE_UNITS * DAY_NS + 1  # a long way left
    alphas = [alpha for _, _, alpha in boxes]
    assert alphas == sorted(alphas), "fainter further from the bound"
    assert len(boxes) == FADE_STEPS + 1  # its steps, and the band over its stated day
    assert hard_edges(fig, y) == [ns("2022-02-17")]  # 'on or before 16 Feb': nothing after the 16th


def test_an_open_end_fades_out_to_the_right_of_its_bound(tmp_path):
    fig = draw(tmp_path, {"since": "2022-02-16/..", **PLAIN})
    y = row_y(fig, "since")
    boxes = fade_boxes(fig, y)
    assert min(left for left, _, _ in boxes) >= ns("2022-02-16")  # nothing before its stated bound
    assert max(right for _, right, _ in boxes) >= ns("2022-02-17") + FADE_UNITS * DAY_NS - 1
    alphas = [alpha for _, _, alpha in boxes]
    assert alphas == sorted(alphas, reverse=True), "fainter further from the bound"
    assert hard_edges(fig, y) == [ns("2022-02-16")]


def test_an_uncertain_day_fades_over_one_day_each_side_and_its_mark_asks(tmp_path):
    fig = draw(tmp_path, {"maybe": "2022-02-14?", **PLAIN})
    y = row_y(fig, "maybe")
    boxes = fade_boxes(fig, y)
    assert min(left for left, _, _ in boxes) == pytest.approx(ns("2022-02-13"))  # one unit before
    assert max(right for _, right, _ in boxes) == pytest.approx(ns("2022-02-16"))  # one unit after its day
    assert hard_edges(fig, y) == [ns("2022-02-14"), ns("2022-02-15")]  # the stated day's edges
    mark = mark_trace(fig, "maybe")
    assert "text" in mark.mode and list(mark.text) == ["?"]
    assert "text" not in mark_trace(fig, "plain-day").mode


def test_a_loose_uncertain_end_of_a_range_fades_over_its_margin_only(tmp_path):
    fig = draw(tmp_path, {"range": "2022-02-12?/2022-02-14", **PLAIN})
    y = row_y(fig, "range")
    boxes = fade_boxes(fig, y)
    assert (min(left for left, _, _ in boxes), max(right for _, right, _ in boxes)) == pytest.approx(
        (ns("2022-02-11"), ns("2022-02-12"))
    )
    assert hard_edges(fig, y) == [ns("2022-02-12")]


def bar_patterns(fig: go.Figure) -> dict[str, str]:
    return {
        i: shape
        for t in fig.data
        if t.type == "bar" and t.customdata is not None
        for i, shape in zip(t.customdata, t.marker.pattern.shape, strict=True)
    }


def test_one_day_of_a_set_is_striped_a_plain_range_is_not_and_an_approximate_one_stays_hatched(tmp_path):
    fig = draw(
        tmp_path,
        {"set": "[2022-02-10,2022-02-11]", "plain-range": "2022-02-10/2022-02-12", "about": "2022-02-12~/2022-02-13"},
    )
    assert bar_patterns(fig) == {"set": "|", "plain-range": "", "about": "/"}
    for event_id in ("set", "plain-range", "about"):
        assert fade_boxes(fig, row_y(fig, event_id)) == [], f"{event_id} is not faded"
        assert hard_edges(fig, row_y(fig, event_id)) == []


def test_the_legend_explains_open_and_uncertain_dates_only_when_the_view_has_them(tmp_path):
    loaded = collection_of(tmp_path, {"by": "../2022-02-16", "maybe": "2022-02-14?", **PLAIN})
    events = loaded.events

    def legend(rows: pd.DataFrame, view: View | None = None) -> set[str]:
        return legend_names(timeline_figure(rows, view or View(), loaded.settings))

    assert {OPEN_LEGEND, UNCERTAIN_LEGEND} <= legend(events)
    plain = legend(events[events[C.id] == "plain-day"])
    assert OPEN_LEGEND not in plain and UNCERTAIN_LEGEND not in plain
    assert legend(events[events[C.id] == "by"]) & {OPEN_LEGEND, UNCERTAIN_LEGEND} == {OPEN_LEGEND}
    assert legend(events[events[C.id] == "maybe"]) & {OPEN_LEGEND, UNCERTAIN_LEGEND} == {UNCERTAIN_LEGEND}
    assert OPEN_LEGEND not in legend(events, View(mode="sequence"))  # no time to fade over, no fades
    entries = [t for t in timeline_figure(events, View(), loaded.settings).data if t.name == OPEN_LEGEND]
    assert entries[0].legendrank >= 2000  # on the statuses' line, after the categories


def test_hover_says_the_date_in_words(tmp_path):
    fig = draw(tmp_path, {"by": "../2022-02-16", "maybe": "2022-02-14?", **PLAIN})
    for event_id, words in (("by", "on or before 16 Feb 2022"), ("maybe", "possibly 14 Feb 2022")):
        trace = mark_trace(fig, event_id)
        assert words in trace.hovertext[list(trace.customdata).index(event_id)]


def test_an_open_start_after_the_view_still_fades_into_it_from_its_note(tmp_path):
    view = View(start=pd.Timestamp("2022-02-12").date(), end=pd.Timestamp("2022-02-14").date())
    fig = draw(tmp_path, {"by": "../2022-02-16", **PLAIN}, view)
    note = next(a for a in fig.layout.annotations if a.name == "by" and a.xref == "paper")
    assert note.text.startswith("on or before 16 Feb 2022")
    lo, hi = (date_ns(x) for x in fig.layout.xaxis.range)
    boxes = fade_boxes(fig, note.y)
    assert boxes and boxes[-1][2] > boxes[0][2], "most ink at the note, the bound's side"
    in_view = sum(max(min(right, hi) - max(left, lo), 0) for left, right, _ in boxes)
    assert lo < boxes[0][0] < boxes[-1][1] < hi and in_view == pytest.approx(FADE_SHARE * (hi - lo)), "in view"


def test_an_axis_the_events_frame_shows_an_open_end_fading(tmp_path):
    fig = draw(tmp_path, {"since": "2022-02-16/..", **PLAIN})
    hi = date_ns(fig.layout.xaxis.range[1])
    assert hi >= ns("2022-02-17") + FADE_UNITS * DAY_NS


def test_labels_keep_off_the_fades(tmp_path):
    """No label's box covers a fade in its row (a label's background would hide it): an open end's label goes
    on the side of its stated start."""
    dates = {"since": "2022-02-16/..", "by": "../2022-02-16", "maybe": "2022-02-14?", **PLAIN}
    loaded = collection_of(tmp_path, dates)
    events = loaded.events.reset_index(drop=True)
    rows = events.to_dict("records")
    laid = lay_out(events, rows, View(), loaded.settings, 900)
    frame = laid.frame
    by_row: dict[float, list[tuple[float, float]]] = {}
    for item in laid.items:
        for fade in item.fuzz.fades:
            left, right = sorted((frame.px(fade.solid), frame.px(fade.faint)))
            by_row.setdefault(item.y, []).append((max(left, 0.0), min(right, frame.width_px)))
    assert by_row, "the events have fades"
    for item in laid.items:
        left, right, top, bottom = item.label_box(frame)
        if item.side == "above":
            continue
        for fade_left, fade_right in by_row.get(item.y, []):
            assert right <= fade_left + 0.5 or left >= fade_right - 0.5, f"{item.id}'s label covers a fade"
    since = next(i for i in laid.items if i.id == "since")
    assert since.side == "left"


def test_a_big_view_gathers_its_fades_into_a_few_traces(tmp_path):
    dates = {f"open-{n:03d}": f"../2022-0{1 + n % 9}-{1 + n % 28:02d}" for n in range(300)}
    fig = draw(tmp_path, dates)
    fading = [t for t in fig.data if str(t.name).startswith("fade") or t.name == "stated bound"]
    assert len(fading) <= FADE_STEPS + 2  # one category: a trace per step, the bands, the edges
    assert sum(len(t.x) for t in fading) > 300 * FADE_STEPS  # every event's fade is there
    assert not any(math.isinf(date_ns(x)) for t in fading for x in t.x if x is not None)


def test_an_open_ends_label_stays_beside_its_stated_start_where_there_is_room_after_its_fade_too(tmp_path):
    loaded = collection_of(tmp_path, {"first": "2022-02-01", "since": "2022-02-10/..", "last": "2022-02-28"})
    events = loaded.events.reset_index(drop=True)
    laid = lay_out(events, events.to_dict("records"), View(), loaded.settings, 1200)
    since = next(i for i in laid.items if i.id == "since")
    fade = since.fuzz.fades[0]
    assert laid.frame.px(fade.faint) < laid.frame.width_px - 200, "room after the fade: the test means something"
    assert since.side == "left" and since.label_x < fade.solid


@pytest.mark.parametrize(
    "query", ["?from=1700-01-01&to=2199-12-31", "?from=1700-01-01", "?to=2199-12-31", "?from=1600-01-01&to=9999-12-31"]
)
def test_open_fades_on_an_axis_of_centuries_stay_within_the_timelines_years(tmp_path, query):
    fig = draw(
        tmp_path, {"before": "../2022-02-16", "after": "2022-02-03/..", "day": "2022-02-16"}, View.from_query(query)
    )
    lo, hi = (pd.Timestamp(x) for x in fig.layout.xaxis.range)
    assert pd.Timestamp("1650-01-01") < lo < hi < pd.Timestamp("2262-01-01")


def test_fades_at_the_timelines_first_and_last_years_draw_without_warnings_within_its_years(tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fade past what a nanosecond counts once warned and drew garbage
        fig = draw(tmp_path, {"first": "../1700-06-01", "last": "2199-06-01/..", "middle": "by 16 Feb 2022"})
    lo, hi = (pd.Timestamp(x) for x in fig.layout.xaxis.range)
    assert (lo, hi) == (pd.Timestamp("1700-01-01"), pd.Timestamp("2200-01-01"))  # what the caption states


def test_the_legend_tells_hatching_from_stripes_when_an_approximate_date_is_in_view(tmp_path):
    from dashboard.figure.timeline import APPROXIMATE_LEGEND

    loaded = collection_of(tmp_path, {"about": "2022-02-12~/2022-02-13~", "set": "[2022-02-14,2022-02-15]", **PLAIN})
    names = legend_names(timeline_figure(loaded.events, View(), loaded.settings))
    assert {APPROXIMATE_LEGEND, UNCERTAIN_LEGEND} <= names
    plain = loaded.events[loaded.events[C.id] == "plain-day"]
    assert APPROXIMATE_LEGEND not in legend_names(timeline_figure(plain, View(), loaded.settings))
