"""The timeline's labels: every headline whole and wrapped, nothing on top of anything, labels that select their
event, connectors that keep off labels. The same checks in a browser are in tests/browser/test_labels_browser.py."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dashboard.app import ids
from dashboard.app.state import next_view
from dashboard.figure import THEMES, timeline_figure
from dashboard.figure.links import crosses, route_links
from dashboard.figure.packing import LABEL_LINES, Frame, Item, stack_rows
from dashboard.figure.style import LINE_PX, ROW_PX, fit_text, text_px, wrap
from dashboard.figure.timeline import Layout, lay_out
from dashboard.store import load_collection
from dashboard.table import Collection
from dashboard.view import View, apply

EVENTS = Path(__file__).resolve().parents[1] / "events"
# The widths the timeline is drawn at: the app's graph at 1024×768 and 1440×900 (as the page reports them),
# the slide, the A4 page, the square and the story.
WIDTHS = (640, 760, 940, 1600, 1123, 1080)
VIEWS = {
    "calendar": View(),
    "sequence": View(mode="sequence"),
    "actors": View(lanes="actor"),
    "places": View(lanes="place"),
    "day": View(start=pd.Timestamp("2022-02-16").date(), end=pd.Timestamp("2022-02-16").date()),
}


@pytest.fixture(scope="module")
def collection() -> Collection:
    return load_collection(EVENTS)


def layout_of(collection: Collection, view: View, width: int) -> Layout:
    events = apply(collection.events, view).reset_index(drop=True)  # the events the view shows, as the app draws
    return lay_out(events, events.to_dict("records", into=dict), view, collection.settings, width)


Box = tuple[float, float, float, float]


def overlap(a: Box, b: Box, tolerance: float = 0.5) -> bool:
    return min(a[1], b[1]) - max(a[0], b[0]) > tolerance and min(a[3], b[3]) - max(a[2], b[2]) > tolerance


def clashes(laid: Layout) -> list[tuple[str, str, str]]:
    """Every label that overlaps another label, a mark or a bar (its own included), or leaves the plot."""
    frame = laid.frame
    found = []
    # A label of an event left off the axis is not shown (plotly hides an annotation whose anchor is off its axis):
    # the note at the edge stands in for it, and must not touch another label either.
    labelled = [i for i in laid.items if i.lines and not i.off_axis]
    for note in (i for i in laid.items if i.off_axis):
        box = (frame.px(note.ext0), frame.px(note.ext1), note.y * ROW_PX - LINE_PX / 2, note.y * ROW_PX + LINE_PX / 2)
        found += [("note", note.id, other.id) for other in labelled if overlap(box, other.label_box(frame))]
    for a, b in itertools.combinations(labelled, 2):
        if overlap(a.label_box(frame), b.label_box(frame)):
            found.append(("label", a.id, b.id))
    for label in labelled:
        box = label.label_box(frame)
        if box[0] < -0.5 or box[1] > frame.width_px + 0.5:
            found.append(("edge", label.id, ""))
        for other in laid.items:
            if overlap(box, other.mark_box(frame)):
                found.append(("mark", label.id, other.id))
            if other.bar and overlap(box, other.bar_box(frame)):
                found.append(("bar", label.id, other.id))
    return found


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(VIEWS))
def test_every_headline_is_whole_and_nothing_is_on_top_of_anything(collection, name, width):
    laid = layout_of(collection, VIEWS[name], width)
    titles = dict(zip(collection.events["id"], collection.events["title"], strict=True))
    for item in laid.items:
        assert " ".join(item.lines) == " ".join(titles[item.id].split()), f"{name} at {width}: {item.lines}"
        assert 1 <= len(item.lines) <= LABEL_LINES
    assert not clashes(laid), f"{name} at {width}: {clashes(laid)}"
    for lines in laid.name_lines:
        assert not lines[-1].endswith("…"), lines


def test_a_label_of_a_bar_that_fills_the_view_goes_above_it_not_on_it(collection):
    two_days = View(start=pd.Timestamp("2022-02-16").date(), end=pd.Timestamp("2022-02-17").date())
    laid = layout_of(collection, two_days, 940)
    troops = [i for i in laid.items if i.id == "nato-defence-ministers-meeting"][0]
    assert troops.bar and troops.side == "above"
    left, right, top, bottom = troops.label_box(laid.frame)
    bar = troops.bar_box(laid.frame)
    assert bottom <= bar[2], "the label ends above the bar"
    assert troops.row_top * 26 <= top, "and stays inside its row"


def test_labels_wrap_to_more_lines_on_a_narrower_plot_and_rows_grow_with_them(collection):
    wide, narrow = layout_of(collection, View(), 1600), layout_of(collection, View(), 640)
    assert max(len(i.lines) for i in narrow.items) > max(len(i.lines) for i in wide.items)
    assert sum(narrow.heights) > sum(wide.heights)


def test_the_estimate_of_text_width_is_generous_for_the_bundled_titles():
    # Measured in Chromium (Liberation Sans, the Arial the font list falls to here), 12 px.
    measured = {
        "Estonian intelligence chief Mikk Marran expects a limited invasion of Ukraine": 422.7,
        "Russian Duma resolution on recognising Luhansk and Donetsk": 335.9,
        'Zelenskyy in Mariupol — "We will defend ourselves"': 280.0,
        "Shmyhal thanks the European Parliament for €1.2 billion in aid": 347.5,
    }
    for text, px in measured.items():
        assert px <= text_px(text) <= px * 1.15, (text, text_px(text))


def test_wrapping_keeps_words_whole_and_balances_lines():
    title = "UK to double its deployment in Estonia, sending tanks and armoured vehicles"
    lines = fit_text(title, 260, 3)
    assert len(lines) == 2 and " ".join(lines) == title
    assert abs(text_px(lines[0]) - text_px(lines[1])) < 60, "two lines of about the same length"
    assert fit_text("Short", 260, 3) == ["Short"]
    assert wrap(title, 100, 2) is None


def test_a_title_that_truly_cannot_fit_is_shortened_at_a_word_boundary_and_whole_on_hover(collection):
    long_title = " ".join(["Negotiations"] * 15)  # near the 200 characters a title may have
    events = collection.events.head(1).assign(title=long_title)
    fig = timeline_figure(events, View(), collection.settings, width=400)
    (label,) = [a for a in fig.layout.annotations if a.name]
    shown = label.text.replace("<br>", " ")
    assert shown.endswith("Negotiations…"), "cut after a whole word"
    assert len(label.text.split("<br>")) == LABEL_LINES
    assert long_title in label.hovertext.replace("<br>", " ")


def test_lane_names_wrap_instead_of_being_cut(collection):
    events = collection.events.head(1).assign(places=[[{"name": "The Verkhovna Rada building on Hrushevsky Street"}]])
    fig = timeline_figure(events, View(lanes="place"), collection.settings)
    (name,) = fig.layout.yaxis.ticktext
    assert "<br>" in name and "…" not in name
    assert name.replace("<br>", " ") == "The Verkhovna Rada building on Hrushevsky Street"


def test_labels_are_annotations_that_name_their_event_and_take_clicks(collection):
    fig = timeline_figure(collection.events, View(), collection.settings, width=940)
    labels = [a for a in fig.layout.annotations if a.name and a.xref == "x"]
    assert sorted(a.name for a in labels) == sorted(collection.events["id"])
    assert all(a.captureevents and a.bgcolor for a in labels), "clickable, and drawn over the connectors"


def test_an_event_far_from_the_others_is_left_off_the_axis_with_a_note_at_its_edge(collection):
    """The bundled US deployment (3 Feb) is ten days before the others (14–17 Feb): the axis frames them, and a
    note at its left edge, in the event's row, names it, shows it whole on hover and selects it when clicked."""
    fig = timeline_figure(collection.events, View(), collection.settings, width=940)
    lo = pd.Timestamp(fig.layout.xaxis.range[0])
    assert lo > pd.Timestamp("2022-02-10"), "the axis frames the busy days, not the outlier"
    [note] = [a for a in fig.layout.annotations if a.xref == "paper" and a.name]
    assert note.name == "us-troops-poland-romania" and note.text.startswith("◂ on or after 3 Feb 2022 · US deploys")
    assert (note.x, note.xanchor, note.captureevents) == (0, "left", True)
    assert "<b>US deploys 5,000 additional troops to Poland and Romania</b><br>on or after 3 Feb 2022" in note.hovertext
    [mark] = [t for t in fig.data if t.customdata is not None and "us-troops-poland-romania" in t.customdata]
    assert mark.cliponaxis, "its mark is not drawn in the margin"
    selected = next_view(
        View(), ids.TIMELINE, {"label_click": {"annotation": {"name": note.name}}}, collection, "clickAnnotationData"
    )
    assert selected.selected == note.name
    # A chosen range shows what it shows: no event is left off it, and no note.
    ranged = timeline_figure(collection.events, View(start=dt.date(2022, 2, 1)), collection.settings, width=940)
    assert not [a for a in ranged.layout.annotations if a.xref == "paper" and a.name]


def test_labels_take_the_colours_of_the_theme_and_of_their_lane(collection):
    fig = timeline_figure(collection.events, View(theme="dark"), collection.settings, width=940)
    dark = THEMES["dark"]
    labels = [a for a in fig.layout.annotations if a.name and a.xref == "x"]
    assert {a.font.color for a in labels} == {dark.text}
    assert {a.bgcolor for a in labels} == {dark.band, dark.plot}, "the lane's own background, banded or not"
    assert not any(a.hovertext for a in labels), "whole labels need no hover of their own: the mark has it"


def test_a_click_on_a_label_selects_its_event_and_other_annotations_do_nothing(collection):
    values: dict[str, Any] = {"label_click": {"index": 3, "annotation": {"name": "biden-scholz-call"}}}
    assert next_view(View(), ids.TIMELINE, values, collection, "clickAnnotationData").selected == "biden-scholz-call"
    for other in (None, {"index": 0, "annotation": {"text": "No events in this view"}}, {"annotation": 3}):
        assert next_view(View(), ids.TIMELINE, {"label_click": other}, collection, "clickAnnotationData") == View()


def link_crossings(laid: Layout, xs: list[float], ys: list[float]) -> int:
    """How many times the connectors run through a label."""
    points = [(laid.frame.px(x), y * 26) for x, y in zip(xs, ys, strict=True)]
    boxes = [i.label_box(laid.frame) for i in laid.items if i.lines]
    return sum(
        crosses(a, b, box)
        for a, b in zip(points, points[1:], strict=False)
        if a[0] == a[0] and b[0] == b[0]  # not across the NaN between two links
        for box in boxes
    )


@pytest.mark.parametrize("name", ["calendar", "sequence"])
def test_connectors_keep_off_the_labels(collection, name):
    laid = layout_of(collection, VIEWS[name], 940)
    first: dict[str, Item] = {}
    for item in laid.items:
        first.setdefault(item.id, item)
    pairs = [
        (first[row["id"]], first[link["to"]])
        for row in collection.events.to_dict("records")
        for link in row["links"]
        if link["to"] in first
    ]
    assert len(pairs) >= 8
    straight = [v for source, target in pairs for v in (source.anchor, target.anchor, float("nan"))]
    straight_y = [v for source, target in pairs for v in (source.y, target.y, float("nan"))]
    assert link_crossings(laid, straight, straight_y) > 0, "straight lines would cross labels here"
    xs, ys = route_links(pairs, laid.items, laid.frame)
    assert link_crossings(laid, xs, ys) == 0


def test_a_connector_goes_around_a_label_in_its_way():
    frame = Frame(lo=0.0, hi=1000.0, per_px=1.0)
    source, target = Item("a", "lane", 100.0, 100.0, False), Item("b", "lane", 100.0, 100.0, False)
    middle = Item("m", "lane", 60.0, 60.0, False)
    for item, title in ((source, ""), (middle, "A label right across the way"), (target, "")):
        item.place(title, frame, cap_px=300.0)
    source.row, middle.row, target.row = 0, 1, 2
    stack_rows([source, middle, target], ["lane"], [3], [16.0])
    assert crosses((100.0, source.y * 26), (100.0, target.y * 26), middle.label_box(frame))
    xs, ys = route_links([(source, target)], [source, middle, target], frame)
    points = [(x, y * 26) for x, y in zip(xs[:-1], ys[:-1], strict=True)]
    assert not any(crosses(a, b, middle.label_box(frame)) for a, b in zip(points, points[1:], strict=False))


def spans(*days: tuple[str, str]) -> pd.DataFrame:
    """Events of day precision from (first day, day after) pairs."""
    return pd.DataFrame(
        {
            "precision": ["day"] * len(days),
            "start": pd.to_datetime([a for a, _ in days]),
            "end": pd.to_datetime([b for _, b in days]),
        }
    )


def test_only_events_far_from_the_rest_are_left_off_a_framing_axis():
    from dashboard.figure.packing import framed

    busy = [("2022-02-14", "2022-02-15"), ("2022-02-15", "2022-02-16"), ("2022-02-16", "2022-02-17")] * 4
    # Ten days before three busy days: off. Two days before: kept (a gap no wider than twice their span).
    assert not framed(spans(("2022-02-01", "2022-02-02"), *busy))[0]
    assert framed(spans(("2022-02-10", "2022-02-11"), *busy)).all()
    # At either end, and a tenth of the events at most: two far ones of twelve stay framed past that share.
    late = framed(spans(*busy, ("2022-03-20", "2022-03-21")))
    assert not late[-1] and late[:-1].all()
    assert framed(spans(("2022-01-01", "2022-01-02"), ("2022-01-03", "2022-01-04"), *busy[:10])).sum() >= 11
    # Four events are too few to leave one off.
    assert framed(spans(("2022-01-01", "2022-01-02"), *busy[:3])).all()
    # Far ones on both sides, and a far group of three on one: all left off, the busy days framed.
    both = framed(spans(("2022-01-02", "2022-01-03"), *busy, *busy, ("2022-04-28", "2022-04-29")))
    assert not both[0] and not both[-1] and both[1:-1].all()
    group = framed(spans(*(("2022-01-0" + d, "2022-01-0" + str(int(d) + 1)) for d in "123"), *busy * 3))
    assert not group[:3].any() and group[3:].all()


def test_a_far_range_gets_its_note_and_is_not_drawn_at_the_axis_edge(tmp_path):
    root = tmp_path / "events"
    root.mkdir()
    for n in range(8):
        (root / f"busy-{n}.yaml").write_text(f"title: Busy {n}\ndate: 2022-02-1{4 + n % 3}\ncategory: x\n", "utf-8")
    (root / "far.yaml").write_text("title: A far range\ndate: 2022-01-01\nend: 2022-01-10\ncategory: x\n", "utf-8")
    (root / "year.yaml").write_text("title: A year long ago\ndate: 2019\ncategory: x\n", "utf-8")
    loaded = load_collection(root)
    fig = timeline_figure(loaded.events, View(), loaded.settings, width=940)
    lo = pd.Timestamp(fig.layout.xaxis.range[0])
    notes = {a.name: a.text for a in fig.layout.annotations if a.xref == "paper" and a.name}
    assert notes == {"far": "◂ 1–10 Jan 2022 · A far range", "year": "◂ 2019 · A year long ago"}
    for trace in fig.data:  # their marks stand where they are, off the axis, and are not drawn in the margin
        for event_id, x in zip(trace.customdata or (), trace.x if trace.type == "scatter" else (), strict=False):
            if event_id in notes:
                assert pd.Timestamp(x) < lo and trace.cliponaxis
    labels = {a.name: a.x for a in fig.layout.annotations if a.xref == "x"}
    assert all(pd.Timestamp(labels[event_id]) < lo for event_id in notes), "their labels are off the axis too"


def test_all_shows_every_event_when_an_axis_would_leave_some_off(collection):
    from dashboard.app.state import quick_range

    everything = quick_range(collection.events, View(selected="ukraine-unity-day"), "all")
    assert (everything.start, everything.end) == (dt.date(2022, 2, 3), dt.date(2022, 2, 17))
    fig = timeline_figure(collection.events, everything, collection.settings, width=940)
    assert not [a for a in fig.layout.annotations if a.xref == "paper" and a.name]
    civil = collection.events[collection.events["category"] == "civil-defence"]
    assert quick_range(civil, View(), "all") == View(), "nothing left off: no range"


def test_past_three_events_off_one_edge_of_a_lane_one_note_counts_them_and_they_take_no_rows(tmp_path):
    """A chosen day takes in the months around it that are only approximate ('about Jan 2022'): each would be a
    note of its own, a row each. Past EDGE_NOTES_MOST in a lane one note counts them, names the nearest on hover,
    and selects nothing; a lane with a few keeps a note per event."""
    root = tmp_path / "events"
    root.mkdir()
    (root / "day.yaml").write_text("title: On the day\ndate: 2022-02-16\ncategory: many\n", "utf-8")
    for n in range(40):  # about January, a month before the day: left off its left edge
        (root / f"jan-{n:02}.yaml").write_text(
            f"title: January {n:02}\ndate: 2022-01\napproximate: true\ncategory: many\n", "utf-8"
        )
    for n in range(2):
        (root / f"few-{n}.yaml").write_text(f"title: Few {n}\ndate: 2022-01\napproximate: true\ncategory: few\n")
    (root / "few-day.yaml").write_text("title: Few on the day\ndate: 2022-02-16\ncategory: few\n", "utf-8")
    loaded = load_collection(root)
    day = dt.date(2022, 2, 16)
    view = View(start=day, end=day)
    shown = apply(loaded.events, view)
    assert len(shown) == 44, "the approximate months reach the day"
    fig = timeline_figure(shown, view, loaded.settings, width=940)
    notes = [a for a in fig.layout.annotations if a.xref == "paper" and a.hovertext]
    counted = [a for a in notes if "earlier events" in a.text]
    assert [a.text for a in counted] == ["◂ 40 earlier events"]
    assert not counted[0].name, "a count selects no one event"
    assert counted[0].hovertext.startswith("<b>40 earlier events in this lane</b><br>about Jan 2022 · January")
    assert counted[0].hovertext.endswith("and 35 more: zoom out to see them")
    assert sorted(a.name for a in notes if a.name) == ["few-0", "few-1"], "two in a lane: a note each"
    few = timeline_figure(shown[~shown["id"].str.startswith("jan-1")], view, loaded.settings, width=940)
    assert few.layout.height == fig.layout.height, "thirty or forty counted: the same one row"


def stacked_marks(fig: Any) -> list[tuple[str, str]]:
    """The (id, hover) of every mark that stands for several events."""
    return [
        (cid, hover)
        for trace in fig.data
        if trace.type in ("scatter", "bar") and trace.customdata is not None and trace.hovertext is not None
        for cid, hover in zip(trace.customdata, trace.hovertext, strict=True)
        if " events " in hover.split("<br>")[0]
    ]


def test_past_twelve_events_of_a_lane_with_the_same_dates_one_mark_stands_for_them_all(tmp_path):
    """A day of forty events known only to the day, in one lane: one mark and one label for them all ('40 events ·
    16 Feb 2022'), the first named on hover, a click selecting the first; twelve in another lane stay a mark each,
    and thirty or forty take the same room."""
    root = tmp_path / "events"
    root.mkdir()
    for n in range(40):
        (root / f"day-{n:02}.yaml").write_text(f"title: Day {n:02}\ndate: 2022-02-16\ncategory: many\n", "utf-8")
    for n in range(12):
        (root / f"few-{n:02}.yaml").write_text(f"title: Few {n:02}\ndate: 2022-02-16\ncategory: few\n", "utf-8")
    (root / "other.yaml").write_text("title: The day after\ndate: 2022-02-17\ncategory: many\n", "utf-8")
    loaded = load_collection(root)
    view = View(start=dt.date(2022, 2, 10), end=dt.date(2022, 2, 20))
    fig = timeline_figure(loaded.events, view, loaded.settings, width=940)
    stacks = stacked_marks(fig)
    assert [cid for cid, _ in stacks] == ["day-00"], "one mark for the forty, the first of them"
    hover = stacks[0][1]
    assert hover.startswith("<b>40 events · 16 Feb 2022</b><br>16 Feb 2022 · Day 00<br>16 Feb 2022 · Day 01")
    assert hover.endswith("and 35 more · click to read the first, ← → to step through them")
    labels = {a.text: a.name for a in fig.layout.annotations if a.name}
    assert labels["40 events · 16 Feb 2022"] == "day-00", "its label selects the first"
    assert "Day 05" not in labels and "The day after" in labels
    marks = [cid for trace in fig.data if trace.type == "scatter" and trace.customdata for cid in trace.customdata]
    assert sorted(cid for cid in marks if cid.startswith("few-")) == [f"few-{n:02}" for n in range(12)]
    fewer = loaded.events[~loaded.events["id"].str.startswith("day-1")]  # thirty of the forty
    assert timeline_figure(fewer, view, loaded.settings, width=940).layout.height == fig.layout.height


def test_past_twelve_events_of_a_lane_over_the_whole_view_one_bar_stands_for_them(tmp_path):
    """Ranges of all lengths that each take in the whole of a chosen day: one bar says how many span the view."""
    root = tmp_path / "events"
    root.mkdir()
    for n in range(20):
        (root / f"long-{n:02}.yaml").write_text(
            f"title: Long {n:02}\ndate: 2022-02-{1 + n % 10:02}\nend: 2022-02-{20 + n % 8:02}\ncategory: c\n", "utf-8"
        )
    (root / "on-the-day.yaml").write_text("title: On the day\ndate: 2022-02-16T10:00\ncategory: c\n", "utf-8")
    loaded = load_collection(root)
    day = dt.date(2022, 2, 16)
    fig = timeline_figure(apply(loaded.events, View(start=day, end=day)), View(start=day, end=day), loaded.settings)
    stacks = stacked_marks(fig)
    assert len(stacks) == 2, "its bar and its mark"
    assert stacks[0][1].startswith("<b>20 events span this whole view</b>")
    assert "20 events span this whole view" in [a.text for a in fig.layout.annotations]
    assert "On the day" in [a.text for a in fig.layout.annotations], "what is within the view is drawn as ever"
