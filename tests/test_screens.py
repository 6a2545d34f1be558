"""The figures on screen: screen keys, the kept figures, and whether a new view is drawn, patched or kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest
from dash import Patch, no_update

from dashboard.app import screens
from dashboard.figure import RING, map_figure, timeline_figure
from dashboard.figure.timeline import DETAIL_LIMIT
from dashboard.index import index_for
from dashboard.store import load_collection
from dashboard.table import Collection, Problem
from dashboard.view import View, apply

EVENTS = Path(__file__).resolve().parents[1] / "events"
WIDTH = 1100
DAY_EVENT = "biden-scholz-call"


@pytest.fixture(scope="module")
def collection() -> Collection:
    return load_collection(EVENTS)


@pytest.fixture(autouse=True)
def no_kept_figures() -> None:
    screens.forget()


def drawn_for(collection: Collection, view: View) -> screens.Figures:
    visible = apply(collection.events, view)
    return (
        timeline_figure(visible, view, collection.settings, width=WIDTH),
        map_figure(visible, view, collection.settings, index_for(collection).places),
    )


def shown(collection: Collection, view: View) -> str:
    """Draw the view's figures as the page would have them, and return its screen key."""
    key = screens.screen_key(collection, view, WIDTH)
    screens.remember(key, drawn_for(collection, view))
    return key


def operations(patch: Any) -> list[dict[str, Any]]:
    assert isinstance(patch, Patch), patch
    return patch.to_plotly_json()["operations"]


# ---- screen keys and the kept figures --------------------------------------------------------------------------


def test_a_screen_key_ignores_the_selection_and_nothing_else(collection):
    key = screens.screen_key(collection, View(category=("military",)), WIDTH)
    assert screens.screen_key(collection, View(category=("military",), selected=DAY_EVENT), WIDTH) == key
    assert screens.screen_key(collection, View(category=("diplomacy",)), WIDTH) != key
    assert screens.screen_key(collection, View(category=("military",), theme="dark"), WIDTH) != key
    assert screens.screen_key(collection, View(category=("military",)), WIDTH + 1) != key
    with_problem = Collection(collection.events, [Problem("a.yaml", 1, 1, "bad")], collection.settings)
    assert screens.screen_key(with_problem, View(category=("military",)), WIDTH) != key
    fewer = Collection(collection.events.iloc[1:], [], collection.settings)
    assert screens.screen_key(fewer, View(category=("military",)), WIDTH) != key


def test_the_kept_figures_are_the_last_ones_drawn_and_only_so_many():
    figures = (go.Figure(), go.Figure())
    for number in range(screens.KEPT + 3):
        screens.remember(f"key-{number}", figures)
    assert screens.drawn("key-0") is None and screens.drawn("key-2") is None
    assert screens.drawn("key-3") is figures and screens.drawn(f"key-{screens.KEPT + 2}") is figures
    screens.remember("key-3", figures)  # drawn again: the last to go
    for number in range(screens.KEPT - 1):
        screens.remember(f"new-{number}", figures)
    assert screens.drawn("key-3") is figures and screens.drawn("key-4") is None
    assert screens.drawn({"key": "crafted"}) is None and screens.drawn(None) is None
    screens.forget()
    assert screens.drawn("key-3") is None


def ms(day: str) -> float:
    return pd.Timestamp(day).value / 1e6


def timeline(kind: str = "scatter", lo: str = "2022-02-10", hi: str = "2022-02-20") -> go.Figure:
    trace = go.Heatmap(z=[[1]]) if kind == "heatmap" else go.Scatter(x=[1], y=[1])
    return go.Figure(data=[trace], layout={"xaxis": {"range": [ms(lo), ms(hi)]}})


def test_a_view_is_zoomed_in_when_its_days_lie_within_a_timeline_of_single_events():
    inside = View(start=dt.date(2022, 2, 12), end=dt.date(2022, 2, 18))
    assert screens.zoomed_in(timeline(), inside)
    assert screens.zoomed_in(timeline(), View(start=dt.date(2022, 2, 19)))  # one day: its end is midnight after
    assert not screens.zoomed_in(timeline(), View(start=dt.date(2022, 2, 19), end=dt.date(2022, 2, 20)))
    assert not screens.zoomed_in(timeline(), View(start=dt.date(2022, 2, 9), end=dt.date(2022, 2, 18)))
    assert not screens.zoomed_in(timeline("heatmap"), inside), "density cells must be counted again"
    assert not screens.zoomed_in(timeline(), inside.with_(mode="sequence"))
    assert not screens.zoomed_in(timeline(), View(end=dt.date(2022, 2, 18)))
    assert not screens.zoomed_in(go.Figure(), inside)


def test_a_zoom_into_density_cells_as_fine_as_they_get_keeps_them_while_too_many_events_are_in_view(tmp_path):
    """Cells of a day, for events known to the day, are what any narrower range would draw again: the zoom keeps
    them, until few enough events are in view to draw one by one. Coarser cells are counted again."""
    from dashboard.figure.density import density_figure

    root = tmp_path / "events"
    root.mkdir()
    for n in range(60):
        (root / f"e{n:02}.yaml").write_text(f"title: E{n}\ndate: 2022-02-{1 + n % 28:02}\ncategory: c\n", "utf-8")
    loaded = load_collection(root)
    view = View(start=dt.date(2022, 2, 1), end=dt.date(2022, 2, 28))
    days = density_figure(loaded.events, view, loaded.settings, width=1200)
    assert days.layout.meta["finest"] and days.layout.meta["bucket_ms"] == 86_400_000
    inside = View(start=dt.date(2022, 2, 10), end=dt.date(2022, 2, 14))
    assert screens.zoomed_in(days, inside, in_view=DETAIL_LIMIT + 1)
    assert not screens.zoomed_in(days, inside, in_view=DETAIL_LIMIT), "drawn one by one now"
    assert not screens.zoomed_in(days, inside), "how many are in view not known"
    assert not screens.zoomed_in(days, View(start=dt.date(2022, 1, 20), end=dt.date(2022, 2, 5)), DETAIL_LIMIT + 1)
    weeks = density_figure(loaded.events, view, loaded.settings, width=200)
    assert not weeks.layout.meta["finest"], "a narrower range would draw finer cells"
    assert not screens.zoomed_in(weeks, inside, in_view=DETAIL_LIMIT + 1)


# ---- draw, patch or keep ---------------------------------------------------------------------------------------


def test_a_view_is_drawn_when_the_page_shows_nothing_this_process_drew(collection):
    view = View(selected=DAY_EVENT)
    key = screens.screen_key(collection, view, WIDTH)
    assert screens.plan(collection, view, WIDTH) == screens.Plan(key, "draw")
    assert screens.plan(collection, view, WIDTH, on_screen=key) == screens.Plan(key, "draw"), "another worker's"


def test_a_new_selection_on_the_same_screen_is_a_patch_of_the_rings(collection):
    key = shown(collection, View())
    plan = screens.plan(collection, View(selected=DAY_EVENT), WIDTH, on_screen=key)
    assert (plan.key, plan.how) == (key, "patch")
    shapes, map_ring = plan.rings
    fresh = timeline_figure(collection.events, View(selected=DAY_EVENT), collection.settings, width=WIDTH)
    assert shapes == [shape.to_plotly_json() for shape in fresh.layout.shapes]  # the bands, and one ring
    assert len([shape for shape in shapes if shape.get("name") == RING]) == 1
    assert set(map_ring.customdata) == {DAY_EVENT}
    assert screens.plan(collection, View(), WIDTH, on_screen=key).how == "patch"  # a cleared selection too


def test_another_screen_is_drawn_even_with_a_new_selection(collection):
    key = shown(collection, View())
    changed = View(category=("military",), selected=DAY_EVENT)
    assert screens.plan(collection, changed, WIDTH, on_screen=key) == screens.Plan(
        screens.screen_key(collection, changed, WIDTH), "draw"
    )
    assert screens.plan(collection, View(selected=DAY_EVENT), WIDTH + 50, on_screen=key).how == "draw"


def test_a_density_screen_is_drawn_afresh_having_no_marks_to_ring(collection):
    key = screens.screen_key(collection, View(), WIDTH)
    screens.remember(key, (timeline("heatmap"), go.Figure(data=[go.Scattergeo()])))
    assert screens.plan(collection, View(selected=DAY_EVENT), WIDTH, on_screen=key).how == "draw"


def test_a_zoom_into_events_drawn_one_by_one_keeps_the_figures(collection):
    key = shown(collection, View())
    zoomed = View(start=dt.date(2022, 2, 15), end=dt.date(2022, 2, 16))
    plan = screens.plan(collection, zoomed, WIDTH, on_screen=key, zoom=True)
    assert plan == screens.Plan(f"{screens.screen_key(collection, zoomed, WIDTH)}|zoomed", "keep")
    assert screens.drawn(plan.key) is screens.drawn(key), "the kept figures stand for the zoomed screen"
    # A selection on the zoomed screen moves the rings of the kept figures (their labels, packed for the wider
    # range, only gained room); any other change draws it afresh.
    selected = screens.plan(collection, zoomed.with_(selected=DAY_EVENT), WIDTH, on_screen=plan.key)
    assert (selected.how, selected.key) == ("patch", plan.key)
    assert screens.plan(collection, zoomed.with_(theme="dark"), WIDTH, on_screen=plan.key).how == "draw"
    assert screens.plan(collection, zoomed, WIDTH, on_screen=key, zoom=False).how == "draw", "not a zoom"
    far = View(start=dt.date(2021, 1, 1), end=dt.date(2021, 1, 2))
    assert screens.plan(collection, far, WIDTH, on_screen=key, zoom=True).how == "draw", "outside what is drawn"


def test_outputs_send_the_drawn_figures_and_remember_them():
    figures = (go.Figure(layout={"height": 420}), go.Figure())
    calls = []
    out = screens.figure_outputs(screens.Plan("k", "draw"), lambda: calls.append(1) or figures)
    assert out["timeline_style"] == {"height": "420px"}
    for name, figure in (("timeline", figures[0]), ("map", figures[1])):
        # No template (a new copy of it makes plotly redraw everything), and a revision for its arrays.
        expected = {key: value for key, value in figure.layout.to_plotly_json().items() if key != "template"}
        assert out[name]["layout"] == {**expected, "datarevision": "k"} and out[name]["data"] == []
    assert calls == [1] and screens.drawn("k") == figures


def test_outputs_of_a_patch_assign_only_the_timelines_shapes_and_the_maps_last_trace():
    shapes, ring = [{"type": "rect"}, {"type": "circle", "name": RING}], go.Scattergeo(customdata=["a"])
    out = screens.figure_outputs(screens.Plan("k", "patch", (shapes, ring)), lambda: pytest.fail("drawn"))
    [operation] = operations(out["timeline"])
    assert operation["operation"] == "Assign" and operation["location"] == ["layout", "shapes"]
    assert operation["params"]["value"] is shapes
    [trace, revision] = operations(out["map"])
    assert trace["location"] == ["data", -1] and trace["params"]["value"] is ring
    assert revision["location"] == ["layout", "datarevision"] and revision["params"]["value"] == "k|a"
    assert out["timeline_style"] is no_update and screens.drawn("k") is None


def test_outputs_of_a_kept_screen_send_nothing():
    out = screens.figure_outputs(screens.Plan("k", "keep"), lambda: pytest.fail("drawn"))
    assert out == dict.fromkeys(("timeline", "timeline_style", "map"), no_update)
