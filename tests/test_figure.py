"""The figure functions: what the timeline and the map draw for a view."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.figure import DETAIL_LIMIT, RING, Item, map_figure, pack, reselect, spread, timeline_figure
from dashboard.figure.packing import Frame
from dashboard.figure.selection import RING_PX, RING_TEMPLATE
from dashboard.store import load_collection
from dashboard.view import View, apply

EVENTS = Path(__file__).resolve().parents[1] / "events"


@pytest.fixture(scope="module")
def collection():
    return load_collection(EVENTS)


def marks(fig):
    """The clickable mark traces (one per category): markers with event ids, not labels or the ring."""
    return [
        t
        for t in fig.data
        if t.type == "scatter" and t.mode == "markers" and t.customdata is not None and t.name != "selected"
    ]


def test_every_event_has_one_mark_per_lane_and_ranges_are_bars(collection):
    fig = timeline_figure(collection.events, View(), collection.settings)
    ids = [i for t in marks(fig) for i in t.customdata]
    assert sorted(ids) == sorted(collection.events["id"])
    bars = {i for t in fig.data if t.type == "bar" for i in t.customdata}
    assert "nato-defence-ministers-meeting" in bars  # two days
    assert "unity-day-declaration" in bars  # approximate: drawn across every day it can mean
    assert "ukraine-unity-day" not in bars  # one day: a mark


def test_approximate_ranges_are_hatched_and_exact_ones_are_not(collection):
    fig = timeline_figure(collection.events, View(), collection.settings)
    shapes = {
        i: shape
        for t in fig.data
        if t.type == "bar"
        for i, shape in zip(t.customdata, t.marker.pattern.shape, strict=True)
    }
    assert shapes["unity-day-declaration"] == "/"
    assert shapes["nato-defence-ministers-meeting"] == ""


def test_actor_lanes_show_an_event_once_per_actor(collection):
    fig = timeline_figure(collection.events, View(lanes="actor"), collection.settings)
    ids = [i for t in marks(fig) for i in t.customdata]
    row = collection.events.set_index("id").loc["biden-scholz-call"]
    assert ids.count("biden-scholz-call") == len(row["actors"])


def test_packed_rows_keep_every_label_clear_of_every_other_in_its_lane():
    items = [Item(str(n), "lane", x0=0.0, x1=0.0, bar=False) for n in range(10)]
    for item in items:
        item.place("A label of a few words", Frame(lo=-1.0, hi=100.0, per_px=0.1), cap_px=300.0)
    counts = pack(items, ["lane"], gap=0.5)
    assert counts == [10]  # ten labels at the same moment: ten rows
    assert len({i.row for i in items}) == 10


def rings(fig):
    return [shape for shape in fig.layout.shapes if shape.name == RING]


def test_the_selected_event_is_ringed_by_shapes_and_reselect_moves_the_ring(collection):
    view = View(selected="ukraine-unity-day")
    fig = timeline_figure(collection.events, view, collection.settings)
    [ring] = rings(fig)
    [mark] = [(x, y) for t in marks(fig) for x, y, i in zip(t.x, t.y, t.customdata, strict=True) if i == view.selected]
    assert (ring.xanchor, ring.yanchor) == (mark[0], pytest.approx(mark[1]))
    assert ring.xsizemode == ring.ysizemode == "pixel" and ring.x1 - ring.x0 == 2 * RING_PX
    [template] = [s for s in fig.layout.shapes if s.name == RING_TEMPLATE]  # what the page's script copies
    assert template.visible is False and (template.x0, template.line.width) == (ring.x0, ring.line.width)
    moved = reselect(fig, "biden-scholz-call", view)
    fresh = timeline_figure(collection.events, view.with_(selected="biden-scholz-call"), collection.settings)
    assert [s for s in moved if s.get("name") == RING] == [s.to_plotly_json() for s in rings(fresh)]
    assert len(moved) == len(fresh.layout.shapes)  # the lane bands stay, the old ring goes
    assert reselect(fig, None, view) == [s.to_plotly_json() for s in fig.layout.shapes if s.name != RING]


def test_sequence_mode_spaces_events_evenly_and_keeps_dates_on_the_axis(collection):
    fig = timeline_figure(collection.events, View(mode="sequence"), collection.settings)
    xs = sorted(x for t in marks(fig) for x in t.x)
    assert xs == [float(i) for i in range(len(collection.events))]
    assert any("16 Feb" in text for text in fig.layout.xaxis.ticktext)


def test_an_empty_view_says_so(collection):
    fig = timeline_figure(apply(collection.events, View(q="nothing-matches-this")), View(), collection.settings)
    assert any("No events" in a.text for a in fig.layout.annotations)


def test_many_events_are_drawn_as_density_not_one_by_one(collection):
    base = collection.events
    many = pd.concat([base.assign(id=base["id"] + f"-{n}") for n in range(DETAIL_LIMIT // len(base) + 2)])
    fig = timeline_figure(many.sort_values("start").reset_index(drop=True), View(), collection.settings)
    assert fig.data[0].type == "heatmap"
    assert np.nansum(np.asarray(fig.data[0].z, dtype=float)) >= len(many)  # every event counted at least once
    assert reselect(fig, "x", View()) is None


def test_text_from_files_is_escaped_for_plotly(collection):
    hostile = collection.events.head(1).assign(title="<b>bold</b><a href='javascript:x'>")
    fig = timeline_figure(hostile, View(), collection.settings, width=1600)
    labels = [a.text for a in fig.layout.annotations if a.name]
    assert labels and all("<b>" not in text and "&lt;b&gt;" in text for text in labels)


def test_the_map_puts_events_at_their_places_and_spreads_shared_spots(collection):
    fig = map_figure(collection.events, View(selected="ukraine-unity-day"), collection.settings)
    ids = {i for t in fig.data[:-1] for i in t.customdata}
    assert "ukraine-unity-day" in ids
    assert len(fig.data[-1].lat) >= 1  # the selected event's places are ringed
    table = pd.DataFrame({"lat": [50.0, 50.0, 50.0, 10.0], "lon": [30.0, 30.0, 30.0, 5.0]})
    spread_out = spread(table)
    assert len({(a, b) for a, b in zip(spread_out["lat"], spread_out["lon"], strict=True)}) == 4
    assert (spread_out.iloc[3]["lat"], spread_out.iloc[3]["lon"]) == (10.0, 5.0)


def test_the_selection_ring_is_drawn_whole_at_the_edge_of_the_plot(collection):
    width = 1200
    view = View(selected="us-troops-poland-romania")
    fig = timeline_figure(collection.events, view, collection.settings, width=width)
    lo, hi = (pd.Timestamp(x).value for x in fig.layout.xaxis.range)
    plot_px = width - fig.layout.margin.l - fig.layout.margin.r
    for ring in rings(fig):
        at = (pd.Timestamp(ring.xanchor).value - lo) / (hi - lo) * plot_px
        assert RING_PX <= at <= plot_px - RING_PX  # plotly clips shapes to the plot: the ring has room inside it


def test_figures_send_numbers_as_plain_lists_never_as_binary_arrays(collection):
    """plotly.js decodes a binary array afresh whenever it is given the figure again, so Dash's Plotly.react after
    every zoom would redraw every trace: the timeline and the map send their numbers as JSON lists."""
    for view in (View(selected="ukraine-unity-day"), View(mode="sequence")):
        assert "bdata" not in timeline_figure(collection.events, view, collection.settings).to_json()
    places = map_figure(collection.events, View(selected="ukraine-unity-day"), collection.settings)
    assert "bdata" not in places.to_json()
