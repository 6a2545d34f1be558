"""The figure functions: what the timeline and the map draw for a view."""

import datetime as dt
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.figure import DETAIL_LIMIT, RING, Item, map_figure, pack, reselect, spread, timeline_figure
from dashboard.figure.caption import busiest_day, lane_counts
from dashboard.figure.density import MAX_DENSITY_LANES, _counts, _lane_index
from dashboard.figure.map import MAP_DETAIL_LIMIT, places_table, with_events
from dashboard.figure.packing import Frame, lane_keys, ordered_lanes
from dashboard.figure.selection import RING_PX, RING_TEMPLATE
from dashboard.figure.style import category_order
from dashboard.store import load_collection
from dashboard.table import C
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


@pytest.fixture(scope="module")
def with_approximate(tmp_path_factory):
    """A small folder with an approximate range, an exact range and a single day."""
    folder = tmp_path_factory.mktemp("approximate") / "events"
    folder.mkdir()
    dates = {"tour": "2022-02-14~/2022-02-15~", "meeting": "2022-02-16/2022-02-17", "day": "2022-02-16"}
    for name, date in dates.items():
        (folder / f"{name}.yaml").write_text(f"title: {name}\ndate: {date}\ncategory: other\n", encoding="utf-8")
    return load_collection(folder)


def test_every_event_has_one_mark_per_lane_and_ranges_are_bars(collection, with_approximate):
    fig = timeline_figure(collection.events, View(), collection.settings)
    ids = [i for t in marks(fig) for i in t.customdata]
    assert sorted(ids) == sorted(collection.events["id"])
    bars = {i for t in fig.data if t.type == "bar" for i in t.customdata}
    assert "nato-defence-ministers-meeting" in bars  # two days
    assert "ukraine-unity-day" not in bars  # one day: a mark
    small = timeline_figure(with_approximate.events, View(), with_approximate.settings)
    bars = {i for t in small.data if t.type == "bar" and t.customdata is not None for i in t.customdata}
    assert bars == {"tour", "meeting"}  # approximate: drawn across every day it can mean


def test_approximate_ranges_are_hatched_and_exact_ones_are_not(with_approximate):
    fig = timeline_figure(with_approximate.events, View(), with_approximate.settings)
    shapes = {
        i: shape
        for t in fig.data
        if t.type == "bar" and t.customdata is not None  # not the legend's swatch of hatching
        for i, shape in zip(t.customdata, t.marker.pattern.shape, strict=True)
    }
    assert shapes == {"tour": "/", "meeting": ""}


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
    # The first day of the range: its mark sits half a day from the plot's left edge.
    view = View(start=dt.date(2022, 2, 3), end=dt.date(2022, 2, 17), selected="us-troops-poland-romania")
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


# ---- a big table read a column at a time draws what reading it row by row drew ------------------------------------


def generated_events(rows: int = 10_000, seed: int = 7) -> pd.DataFrame:
    """A table as the readers make it, with what the column-wise code must get right: lists shared between rows
    (as the table readers and the disk cache share them) and equal lists that are not shared (as YAML gives them),
    events without places or actors, places without coordinates, several places and a repeated actor in one
    event, day and minute events, approximate ones, and dates before 1970."""
    rng = np.random.default_rng(seed)
    names = [f"Place {i}" for i in range(40)]
    pool = [[{"name": names[i], "lat": float(i % 7) * 3.5, "lon": float(i) * 2.25}] for i in range(40)]
    pool += [[pool[1][0], pool[2][0]], [{"name": "Nowhere", "lat": None, "lon": None}], [], [pool[3][0], pool[3][0]]]
    actor_pool = [[f"Actor {i}"] for i in range(30)] + [["Actor 1", "Actor 2"], [], ["Actor 3", "Actor 3"]]
    pick = rng.integers(0, len(pool), rows)
    places = [pool[k] if i % 3 else [dict(p) for p in pool[k]] for i, k in enumerate(pick)]
    actors = [list(actor_pool[k]) if i % 5 == 0 else actor_pool[k] for i, k in enumerate(rng.integers(0, 33, rows))]
    precision = rng.choice(["day", "minute", "month", "year"], rows, p=[0.6, 0.2, 0.15, 0.05])
    timed = precision == "minute"
    days = np.datetime64("1965-06-01", "us") + np.sort(rng.integers(0, 5000, rows)).astype("timedelta64[D]")
    start = days + np.where(timed, rng.integers(0, 1440, rows), 0).astype("timedelta64[m]")
    end = start + np.where(timed, 0, rng.integers(1, 40, rows)).astype("timedelta64[D]")
    events = pd.DataFrame(
        {
            C.id: [f"ev-{i:05d}" for i in range(rows)],
            C.title: [f"Event number {i}" for i in range(rows)],
            C.start: start,
            C.end: end,
            C.precision: pd.array(precision, dtype="str"),
            C.approximate: rng.random(rows) < 0.1,
            C.when: [f"when {i}" for i in range(rows)],
            C.category: pd.array(rng.choice(["military", "diplomacy", "statement", "other"], rows), dtype="str"),
            C.actors: pd.Series(actors, dtype=object),
            C.places: pd.Series(places, dtype=object),
        }
    )
    return events


@pytest.fixture(scope="module")
def generated() -> pd.DataFrame:
    return generated_events()


def places_row_by_row(events: pd.DataFrame) -> pd.DataFrame:
    """The map's places as they were first built: a tuple per event and place with coordinates."""
    rows = [
        (label, event_id, category, title, when, p["name"], p["lat"], p["lon"])
        for label, event_id, category, title, when, places in zip(
            events.index.tolist(),
            *(events[n].tolist() for n in (C.id, C.category, C.title, C.when, C.places)),
            strict=True,
        )
        for p in places
        if p.get("lat") is not None
    ]
    return pd.DataFrame(rows, columns=["row", "id", "category", "title", "when", "name", "lat", "lon"])


def test_the_places_table_is_the_row_by_row_table_built_a_column_at_a_time(collection, generated):
    for events in (collection.events, generated, generated[generated[C.category] == "military"], generated[:0]):
        built = with_events(places_table(events), events)
        built[C.category] = built[C.category].astype("str")  # the table holds categories as codes
        pd.testing.assert_frame_equal(built, places_row_by_row(events), check_dtype=len(events) > 0)


def test_the_map_from_the_collections_places_is_the_map_from_the_events_own(collection, generated):
    places = places_table(generated)
    located = generated[C.places].map(lambda ps: sum(p["lat"] is not None for p in ps))
    two = generated[C.id][located == 2].iloc[0]  # an event at two places gets two rings
    for view in (View(), View(selected=two), View(category=("military",), selected="ev-00007")):
        for events in (apply(generated, view), apply(generated, view)[:1500]):
            own = map_figure(events, view, collection.settings)
            assert map_figure(events, view, collection.settings, places).to_json() == own.to_json()
            ringed = own.data[-1]
            expected = places_row_by_row(events).query("id == @view.selected")
            assert list(ringed.customdata or ()) == expected["id"].tolist()
            if len(events) > MAP_DETAIL_LIMIT:  # summed: the rings sit on the places themselves
                assert list(ringed.lat or ()) == expected["lat"].round(5).tolist()


def lane_counts_row_by_row(events: pd.DataFrame, view: View, settings) -> list[tuple[str, int]]:
    """The alt text's lanes as they were first counted: each event's lanes, one event at a time."""
    seen: Counter[str] = Counter()
    column = {"category": C.category, "actor": C.actors, "place": C.places}[view.lanes]
    for cell in events[column]:
        seen.update(dict.fromkeys(lane_keys({column: cell}, view.lanes), 1))
    order = ordered_lanes({lane: 0 for lane in seen}, view.lanes, settings)
    name = (lambda key: settings.category_label(key)) if view.lanes == "category" else str
    return [(name(lane), seen[lane]) for lane in order]


def busiest_day_row_by_row(events: pd.DataFrame) -> tuple[pd.Timestamp, int] | None:
    exact = events[events[C.precision].isin(["day", "minute"]) & ~events[C.approximate].astype(bool)]
    if not len(exact):
        return None
    per_day = exact[C.start].dt.normalize().value_counts()
    most = int(per_day.max())
    return min(per_day[per_day == most].index), most


def test_the_alt_texts_lanes_and_busiest_day_are_the_row_by_row_ones(collection, generated):
    for events, settings in ((collection.events, collection.settings), (generated, collection.settings)):
        for part in (events, events[events[C.category] == "statement"], events[:25]):
            for lanes in ("category", "actor", "place"):
                view = View(lanes=lanes)
                assert lane_counts(part, view, settings) == lane_counts_row_by_row(part, view, settings)
            assert busiest_day(part) == busiest_day_row_by_row(part)
    assert busiest_day(generated[generated[C.start] < "1970-01-01"]) is not None  # rounded down, before 1970 too
    old = generated[generated[C.start] < "1970-01-01"]
    assert busiest_day(old) == busiest_day_row_by_row(old)


def test_the_density_counts_and_lanes_are_the_ones_counted_event_by_event(collection, generated):
    rng = np.random.default_rng(3)
    start = rng.integers(0, 1000, 5000).astype(float)
    end = start + rng.integers(0, 90, 5000)
    rows, lanes = np.repeat(np.arange(5000), 2)[::3], rng.integers(0, 7, 5000 * 2)[::3].astype(np.int8)
    steps = np.zeros((7, 41))
    np.add.at(steps, (lanes, np.clip(np.floor(start / 25), 0, 39).astype(int)[rows]), 1)
    last = np.clip(np.floor((np.maximum(end - 1, start)) / 25), 0, 39).astype(int)
    np.add.at(steps, (lanes, last[rows] + 1), -1)
    expected = np.cumsum(steps, axis=1)[:, :40]
    expected[expected == 0] = np.nan
    first = np.clip(np.floor(start / 25), 0, 39).astype(int)
    np.testing.assert_array_equal(_counts(first[rows], last[rows], lanes, 7, 40), expected)
    # Pairs counted together (a crowd's cells: how many events share a lane and first and last bucket).
    together = pd.DataFrame({"lane": lanes, "first": first[rows], "last": last[rows]}).value_counts().reset_index()
    weighted = _counts(*(together[k].to_numpy() for k in ("first", "last", "lane")), 7, 40, together["count"])
    np.testing.assert_array_equal(weighted, expected)
    order = sorted(generated[C.category].unique(), key=category_order(collection.settings))
    names, at, codes = _lane_index(generated, View(), collection.settings)
    assert names == [collection.settings.category_label(c) for c in order]
    expected_codes = pd.Categorical(generated[C.category], categories=order).codes
    np.testing.assert_array_equal(codes, expected_codes)
    np.testing.assert_array_equal(at, np.arange(len(generated)))


def test_the_axis_is_read_from_three_columns_not_a_copy_of_the_table(generated):
    """x_range picks the day- and minute-precise events: a pick of whole rows would copy every column (half a
    gigabyte at a million events); it reads the three columns it needs, a few bytes a row."""
    import tracemalloc

    from dashboard.figure.packing import x_range

    wide = generated.assign(**{f"extra_{n}": generated[C.actors] for n in range(20)})  # as wide as a real table
    tracemalloc.start()
    x_range(wide, View())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64 * len(wide), f"{peak / len(wide):.0f} bytes a row"


def lanes_row_by_row(events: pd.DataFrame, lanes: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The density's actor or place lanes as first worked out: every (event, lane) pair, the most frequent lanes."""
    column = events[C.actors] if lanes == "actor" else events[C.places].map(lambda ps: [p["name"] for p in ps])
    empty = "(no actor)" if lanes == "actor" else "(no place)"
    exploded = column.map(lambda items: items or [empty]).explode()
    top = exploded.value_counts().index[:MAX_DENSITY_LANES]
    kept = exploded[exploded.isin(top)]
    return [str(t) for t in top], kept.index.to_numpy(), np.asarray(pd.Categorical(kept, categories=list(top)).codes)


def test_the_densitys_actor_and_place_lanes_are_the_ones_found_pair_by_pair(collection, generated):
    many = generated_events(4000, seed=11)
    many[C.actors] = [[f"Actor {i % 90}"] if i % 7 else [] for i in range(len(many))]  # more lanes than are shown
    for events in (collection.events, generated, many):
        for lanes in ("actor", "place"):
            names, rows, codes = _lane_index(events.reset_index(drop=True), View(lanes=lanes), collection.settings)
            expected = lanes_row_by_row(events.reset_index(drop=True), lanes)
            assert names == expected[0]  # ties in the order first met
            np.testing.assert_array_equal(rows, expected[1])
            np.testing.assert_array_equal(codes, expected[2])
