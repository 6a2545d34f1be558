"""The app's state machine without a browser: each action's next View, what ``render`` sends for it (figures drawn,
patched or kept), and what the callback writes back to the address bar and the controls."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from dash import Patch, State, no_update
from dash.exceptions import PreventUpdate

from dashboard.app import ids, screens, state
from dashboard.app.callbacks import PICKS, inputs, render, respond
from dashboard.figure import PLACE_PREFIX
from dashboard.store import load_collection
from dashboard.table import Collection
from dashboard.view import View, apply

EVENTS = Path(__file__).resolve().parents[1] / "events"
WIDTH = 1100
DAY_EVENT = "biden-scholz-call"  # 16 Feb 2022, diplomacy
PAGE_PARTS = ("count", "empty", "root_class", "theme_label", "banner")


@pytest.fixture(scope="module")
def collection() -> Collection:
    return load_collection(EVENTS)


@pytest.fixture(autouse=True)
def no_kept_figures() -> None:
    screens.forget()


def values(**given: Any) -> dict[str, Any]:
    """The callback's inputs as Dash passes them, none set but the width the page reported."""
    return {
        "url": "",
        "controls": {},
        "clear": 0,
        "theme": 0,
        "ranges": [],
        "timeline_click": None,
        "map_click": None,
        "relayout": None,
        "keys": None,
        "viewport": {"width": WIDTH},
        "screen": None,
        "width": WIDTH,
        **given,
    }


def click(customdata: Any = None, **point: Any) -> dict[str, Any]:
    return {"points": [{**point, **({"customdata": customdata} if customdata is not None else {})}]}


def after(collection: Collection, view: View, trigger: Any, prop: str = "", **given: Any) -> View:
    return state.next_view(view, trigger, values(**given), collection, prop)


# ---- next_view: one test per trigger ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "sent", "expected"),
    [
        ("q", " unity day ", View(q="unity day")),
        ("category", ["military"], View(category=("military",))),
        ("actor", ["NATO"], View(actor=("NATO",))),
        ("start", "2022-02-14", View(start=dt.date(2022, 2, 14))),
        ("end", "17 Feb 2022", View(end=dt.date(2022, 2, 17))),
        ("lanes", "actor", View(lanes="actor")),
        ("mode", "sequence", View(mode="sequence")),
    ],
)
def test_a_control_sets_its_part_of_the_view(collection, name, sent, expected):
    component = state.CONTROL_PROPS[name][0]
    assert after(collection, View(selected=DAY_EVENT), component, "value", controls={name: sent}) == expected.with_(
        selected=DAY_EVENT
    )


def test_the_controls_replace_every_filter_at_once(collection):
    before = View(category=("military",), q="x", theme="dark")
    now = after(collection, before, ids.FILTER["actor"], "value", controls={"actor": ["NATO"], "q": "y"})
    assert now == View(actor=("NATO",), q="y", theme="dark")


def test_clear_drops_filters_and_range_and_keeps_the_rest(collection):
    before = View(category=("military",), start=dt.date(2022, 2, 1), lanes="actor", theme="dark", selected="a")
    assert after(collection, before, ids.CLEAR, "n_clicks") == View(lanes="actor", theme="dark", selected="a")


def test_the_theme_button_switches_between_light_and_dark(collection):
    assert after(collection, View(), ids.THEME, "n_clicks").theme == "dark"
    assert after(collection, View(theme="dark"), ids.THEME, "n_clicks").theme == "light"


@pytest.mark.parametrize(
    ("span", "start", "end"),
    [
        ("day", dt.date(2022, 2, 16), dt.date(2022, 2, 16)),
        ("week", dt.date(2022, 2, 14), dt.date(2022, 2, 20)),
        ("month", dt.date(2022, 2, 1), dt.date(2022, 2, 28)),
        ("all", dt.date(2022, 2, 3), dt.date(2022, 2, 17)),  # every event, the far one of 3 Feb too
    ],
)
def test_a_quick_range_button_shows_the_span_around_the_selected_event(collection, span, start, end):
    before = View(selected=DAY_EVENT, start=dt.date(2021, 1, 1), end=dt.date(2021, 1, 2))  # its range is left
    now = after(collection, before, {"type": ids.RANGE_BUTTON, "span": span}, "n_clicks")
    assert (now.start, now.end, now.selected) == (start, end, DAY_EVENT)


def test_a_crafted_range_button_changes_nothing(collection):
    assert after(collection, View(), {"type": ids.RANGE_BUTTON, "span": "decade"}, "n_clicks") == View()
    assert after(collection, View(), {"type": ids.RANGE_BUTTON}, "n_clicks") == View()


def test_a_click_on_a_timeline_mark_selects_its_event(collection):
    now = after(
        collection,
        View(category=("diplomacy",)),
        ids.TIMELINE,
        "clickData",
        timeline_click=click([DAY_EVENT, 0], x="2022-02-16"),
    )
    assert now == View(category=("diplomacy",), selected=DAY_EVENT)


def test_a_click_on_a_map_point_selects_its_event(collection):
    assert after(collection, View(), ids.MAP, "clickData", map_click=click(DAY_EVENT)).selected == DAY_EVENT


def test_a_click_on_a_summed_map_point_filters_to_its_place(collection):
    now = after(collection, View(selected=DAY_EVENT), ids.MAP, "clickData", map_click=click(f"{PLACE_PREFIX}Kyiv"))
    assert now == View(place=("Kyiv",), selected=DAY_EVENT)


def test_a_click_on_a_density_cell_zooms_into_its_bucket_of_time(collection):
    before = View(mode="sequence")
    now = after(collection, before, ids.TIMELINE, "clickData", timeline_click=click(x="2022-02-16 12:00"))
    assert now.mode == "calendar" and now.start <= dt.date(2022, 2, 16) <= now.end
    everything = apply(collection.events, View())
    assert now.start > everything["start"].min().date() or now.end < everything["end"].max().date(), "narrower"
    assert after(collection, before, ids.MAP, "clickData", map_click=click(x="2022-02-16")) == before, "a map click"


def test_graphs_act_on_clicks_only(collection):
    data = click(DAY_EVENT)
    assert after(collection, View(), ids.TIMELINE, "figure", timeline_click=data) == View()
    assert after(collection, View(), ids.MAP, "relayoutData", map_click=data) == View()
    assert after(collection, View(), ids.TIMELINE, "clickData", timeline_click=None) == View()


def test_a_zoom_on_the_timeline_sets_the_range(collection):
    now = after(
        collection,
        View(selected="a"),
        ids.ZOOM,
        "data",
        relayout={"xaxis.range[0]": "2022-02-14 03:00", "xaxis.range[1]": "2022-02-16 20:00"},
    )
    assert now == View(start=dt.datetime(2022, 2, 14, 3), end=dt.datetime(2022, 2, 16, 20), selected="a")
    zoomed = View(start=dt.date(2022, 2, 14), end=dt.date(2022, 2, 16))
    assert after(collection, zoomed, ids.ZOOM, "data", relayout={"xaxis.autorange": True}) == View()


def test_escape_clears_the_selection(collection):
    assert after(collection, View(selected=DAY_EVENT, theme="dark"), ids.KEYS, "data", keys={"key": "Escape"}) == View(
        theme="dark"
    )


def test_the_arrow_keys_step_through_the_events_in_view_and_stop_at_the_ends(collection):
    order = list(collection.events["id"])
    press = lambda view, key: after(collection, view, ids.KEYS, "data", keys={"key": key, "t": 1})  # noqa: E731
    assert press(View(), "ArrowRight").selected == order[0]
    assert press(View(), "ArrowLeft").selected == order[-1]
    assert press(View(selected=order[3]), "ArrowRight").selected == order[4]
    assert press(View(selected=order[3]), "ArrowLeft").selected == order[2]
    assert press(View(selected=order[-1]), "ArrowRight") == View(selected=order[-1]), "the last stays"
    assert press(View(selected=order[0]), "ArrowLeft") == View(selected=order[0]), "the first stays"
    military = list(apply(collection.events, View(category=("military",)))["id"])
    assert press(View(category=("military",), selected=military[0]), "ArrowRight").selected == military[1]


def test_other_keys_and_unknown_triggers_change_nothing(collection):
    view = View(selected=DAY_EVENT)
    assert after(collection, view, ids.KEYS, "data", keys={"key": "a"}) == view
    assert after(collection, view, ids.KEYS, "data", keys="Escape") == view
    assert after(collection, view, "no-such-component", "value") == view
    assert after(collection, view, {"type": ["not", "a", "name"]}, "n_clicks") == view
    assert after(collection, view, None) == view


def test_every_input_of_the_callback_but_the_address_and_the_width_has_an_action():
    specs = [spec for spec in inputs().values() if not isinstance(spec, State)]
    specs = [inner for spec in specs for inner in (spec.values() if isinstance(spec, dict) else [spec])]
    triggers = {
        spec.component_id["type"] if isinstance(spec.component_id, dict) else spec.component_id for spec in specs
    }
    # The address and the width read the view from the address; a pick stands for a click or a key.
    picked = {component for component, _, _ in PICKS.values()}
    assert triggers - {ids.URL, ids.VIEWPORT, ids.PICK} | picked == set(state.ACTIONS)


# ---- render: drawn, patched or kept ----------------------------------------------------------------------------


def test_a_new_screen_is_drawn_in_full(collection):
    out = render(collection, View(category=("military",)), WIDTH)
    military = len(apply(collection.events, View(category=("military",))))
    assert isinstance(out["timeline"], dict) and isinstance(out["map"], dict)  # figures as the page gets them
    assert out["timeline_style"] == {"height": f"{out['timeline']['layout']['height']}px"}
    assert out["count"] == f"{military} of {len(collection.events)} events"
    assert out["screen"] == screens.screen_key(collection, View(category=("military",)), WIDTH)
    assert out["root_class"] == "app theme-light" and out["theme_label"] == "Dark theme"
    assert out["empty"] == [] and out["notice"] == []
    # no problem in the banner: at most the consistency warnings of the bundled events, worth a look
    groups = [group for details in out["banner"] for group in details.children[1:-1]]
    assert all(group.to_plotly_json()["props"]["data-effect"] == "warning" for group in groups)
    kept = screens.drawn(out["screen"])
    assert kept is not None and [screens.for_page(f, out["screen"]) for f in kept] == [out["timeline"], out["map"]]


def test_a_selection_on_the_same_screen_sends_only_ring_patches_card_and_list(collection):
    first = render(collection, View(), WIDTH)
    out = render(collection, View(selected=DAY_EVENT), WIDTH, on_screen=first["screen"])
    assert out["screen"] == first["screen"]
    [shapes] = out["timeline"].to_plotly_json()["operations"]
    assert shapes["location"] == ["layout", "shapes"]
    assert any(s.get("name") == "selected" for s in shapes["params"]["value"])
    [ring, _] = out["map"].to_plotly_json()["operations"]
    assert ring["location"] == ["data", -1] and DAY_EVENT in list(ring["params"]["value"].customdata)
    assert all(out[name] is no_update for name in ("timeline_style", "cards", *PAGE_PARTS))
    assert DAY_EVENT in str(out["detail"]) and DAY_EVENT in str(out["list"])


def test_a_selection_the_page_showed_itself_sends_neither_card_nor_ring_again(collection):
    first = render(collection, View(), WIDTH)
    assert set(first["cards"]["cards"]) == set(collection.events["id"])  # a small view: every card ahead
    out = render(collection, View(selected=DAY_EVENT), WIDTH, on_screen=first["screen"], page_shows=DAY_EVENT)
    assert out["timeline"] is no_update and out["detail"] is no_update
    assert isinstance(out["map"], Patch) and DAY_EVENT in str(out["list"])  # the map's ring and the list follow
    # Had the page shown another event (it chose before the address caught up), the server's choice is sent.
    other = render(collection, View(selected=DAY_EVENT), WIDTH, on_screen=first["screen"], page_shows="")
    assert isinstance(other["timeline"], Patch) and DAY_EVENT in str(other["detail"])


def test_a_selection_with_another_screen_on_the_page_is_drawn_in_full(collection):
    render(collection, View(), WIDTH)
    out = render(collection, View(selected=DAY_EVENT), WIDTH, on_screen="another screen")
    assert isinstance(out["timeline"], dict) and out["count"] == f"{len(collection.events)} events"


def test_a_zoom_into_drawn_events_keeps_the_figures_and_follows_with_count_and_list(collection):
    first = render(collection, View(), WIDTH)
    zoomed = View(start=dt.date(2022, 2, 16), end=dt.date(2022, 2, 16))
    out = render(collection, zoomed, WIDTH, on_screen=first["screen"], zoom=True)
    assert all(out[name] is no_update for name in ("timeline", "timeline_style", "map"))
    shown = len(apply(collection.events, zoomed))
    assert out["count"] == f"{shown} of {len(collection.events)} events" and shown < len(collection.events)
    assert out["screen"].endswith("|zoomed")
    assert str(out["list"]).count("list-card") >= shown


def test_the_page_parts_follow_the_view(collection):
    out = render(collection, View(theme="dark", q="no-such-word-anywhere"), WIDTH)
    assert out["root_class"] == "app theme-dark" and out["theme_label"] == "Light theme"
    assert "No events match this view" in str(out["empty"]) and out["count"].startswith("0 of ")
    assert "clamped" in str(render(collection, View(end=dt.date(9999, 1, 1)), WIDTH)["notice"])


# ---- respond: the address bar and the controls -----------------------------------------------------------------


def test_a_selection_writes_its_event_into_the_address(collection):
    out = respond(
        values(url="?category=diplomacy", timeline_click=click(DAY_EVENT)), collection, ids.TIMELINE, "clickData"
    )
    assert out["search"] == f"?category=diplomacy&event={DAY_EVENT}"
    out = respond(values(url=f"?event={DAY_EVENT}", keys={"key": "Escape"}), collection, ids.KEYS, "data")
    assert out["search"] == "?", "the default view: an empty query, sent as '?' so that the address changes"


def test_a_pick_takes_the_event_the_page_chose_or_lets_the_server_choose(collection):
    order = list(collection.events["id"])
    screen = render(collection, View(), WIDTH)["screen"]
    # Three arrow keys before the address caught up: the page's choice, not one step from the address.
    chose = {"kind": "key", "value": {"key": "ArrowRight"}, "selected": order[3], "shown": True}
    out = respond(values(url=f"?event={order[0]}", pick=chose, screen=screen), collection, ids.PICK, "data")
    assert out["search"] == f"?event={order[3]}" and out["detail"] is no_update and out["timeline"] is no_update
    # The page had no card for it: the server steps from the address and sends card and ring.
    left = {"kind": "key", "value": {"key": "ArrowRight"}, "selected": None, "shown": False}
    out = respond(values(url=f"?event={order[0]}", pick=left, screen=screen), collection, ids.PICK, "data")
    assert out["search"] == f"?event={order[1]}" and order[1] in str(out["detail"])
    # A click the page passed on (a density cell, or too many events for cards ahead) is a click.
    clicked = {"kind": "click", "value": click(DAY_EVENT), "selected": None, "shown": False}
    assert respond(values(pick=clicked), collection, ids.PICK, "data")["search"] == f"?event={DAY_EVENT}"
    # An id the collection does not hold is not taken from the page.
    unknown = {"kind": "click", "value": click(DAY_EVENT), "selected": "no-such-event", "shown": True}
    assert respond(values(pick=unknown), collection, ids.PICK, "data")["search"] == f"?event={DAY_EVENT}"
    # The page chose, but an answer in between drew another card: the server sends the card and the ring.
    redrawn = {**chose, "shown": False}
    out = respond(values(url=f"?event={order[0]}", pick=redrawn, screen=screen), collection, ids.PICK, "data")
    assert out["search"] == f"?event={order[3]}" and order[3] in str(out["detail"]) and out["timeline"] is not no_update


def test_a_pick_and_a_zoom_in_one_request_keep_both(collection):
    """Dash sends a zoom and a pick that are ready together as one request: the zoom applies, then the pick."""
    order = list(collection.events["id"])
    pick = {"kind": "key", "value": {"key": "ArrowRight"}, "selected": order[1], "shown": True}
    relayout = {"xaxis.range[0]": "2022-02-14", "xaxis.range[1]": "2022-02-17"}
    given = values(url=f"?event={order[0]}", pick=pick, relayout=relayout)
    out = respond(given, collection, ids.PICK, "data", zoomed_first=True)
    assert out["search"] == f"?from=2022-02-14&to=2022-02-16&event={order[1]}"


def test_a_hovered_event_gets_its_card_added_to_the_cards_sent_ahead(collection):
    from dashboard.app.callbacks import hovered_card

    patch = hovered_card(click(DAY_EVENT), "?category=diplomacy", {"order": [], "cards": {}}, collection)
    [operation] = patch.to_plotly_json()["operations"]
    assert operation["location"] == ["cards", DAY_EVENT] and DAY_EVENT in str(operation["params"]["value"])
    assert "category=diplomacy" in str(operation["params"]["value"]), "its links keep the view"
    for hover, store in (
        (click(DAY_EVENT), {"cards": {DAY_EVENT: []}}),  # already there
        ({"points": [{"z": 3, "x": "2022-02-16"}]}, {"cards": {}}),  # a density cell
        (click("no-such-event"), {"cards": {}}),
        (click(DAY_EVENT), None),  # no cards yet
    ):
        with pytest.raises(PreventUpdate):
            hovered_card(hover, "", store, collection)


def test_a_view_read_from_the_address_is_not_written_back_but_shown_in_the_controls(collection):
    out = respond(values(url="?category=military&from=2022-02-14"), collection, ids.VIEWPORT, "data")
    assert out["search"] is no_update
    assert out["controls"]["category"] == ["military"] and out["controls"]["start"] == "14 Feb 2022"
    assert out["controls"]["q"] is no_update and out["controls"]["actor"] is no_update, "unchanged: not sent"


def test_typing_in_a_control_sends_no_control_back(collection):
    out = respond(values(controls={"q": "javelin"}), collection, ids.SEARCH, "value")
    assert out["search"] == "?q=javelin"
    assert set(out["controls"].values()) == {no_update}


def test_a_zoom_into_the_events_on_screen_keeps_the_figures_and_writes_the_range(collection):
    screen = render(collection, View(), WIDTH)["screen"]
    relayout = {"xaxis.range[0]": "2022-02-16 03:00", "xaxis.range[1]": "2022-02-16 20:00"}
    out = respond(values(relayout=relayout, screen=screen), collection, ids.ZOOM, "data")
    assert out["timeline"] is no_update and out["map"] is no_update and out["screen"].endswith("|zoomed")
    assert out["search"] == "?from=2022-02-16T03:00&to=2022-02-16T20:00"
    assert (out["controls"]["start"], out["controls"]["end"]) == ("16 Feb 2022 03:00", "16 Feb 2022 20:00")


def test_nothing_is_sent_for_an_action_that_changes_nothing_or_the_address_settling(collection):
    first = collection.events["id"].iloc[0]
    with pytest.raises(PreventUpdate):
        respond(values(url=f"?event={first}", keys={"key": "ArrowLeft"}), collection, ids.KEYS, "data")
    with pytest.raises(PreventUpdate):
        respond(values(url="?category=military", viewport=None), collection, ids.URL, "search")


def test_the_banner_is_sent_with_a_folders_first_screen_only(tmp_path):
    from dash import no_update

    root = tmp_path / "events"
    root.mkdir()
    for n in range(2):  # near-identical titles on one day: a warning for the banner
        (root / f"e{n}.yaml").write_text(f"title: Talks in Geneva{'!' * n}\ndate: 2022-02-16\ncategory: x\n", "utf-8")
    folder = load_collection(root)
    first = render(folder, View(), WIDTH)
    assert first["banner"], "the warning is listed"
    again = render(folder, View(category=("x",)), WIDTH, on_screen=first["screen"])
    assert again["banner"] is no_update, "the page shows it already"
    other = render(folder, View(category=("x",)), WIDTH, on_screen="another-folder|0|1200|")
    assert other["banner"] == first["banner"]
