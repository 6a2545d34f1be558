"""The View: URL round trip, filters, and the state changes behind the app's actions."""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from dashboard.app import state
from dashboard.store import load_collection
from dashboard.view import View, apply, describe

EVENTS = Path(__file__).resolve().parents[1] / "events"


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return load_collection(EVENTS).events


def test_every_field_survives_a_round_trip_through_the_url():
    view = View(
        start=dt.date(2022, 2, 14),
        end=dt.date(2022, 2, 17),
        category=("military", "diplomacy"),
        actor=("NATO",),
        place=("Kyiv",),
        tag=("eastern-flank",),
        source=("DW",),
        q="unity day",
        lanes="actor",
        mode="sequence",
        selected="ukraine-unity-day",
        theme="dark",
    )
    assert View.from_query(view.to_query()) == view


def test_the_default_view_has_an_empty_query_and_a_full_url_reads_like_its_query():
    assert View().to_query() == ""
    assert View.from_query("http://127.0.0.1:8050/?category=military&event=x") == View(
        category=("military",), selected="x"
    )


def test_bad_values_are_dropped_with_a_warning_and_reversed_dates_are_swapped():
    view = View.from_query("?mode=bogus&lanes=nope&from=2022-02-20&to=2022-02-10&theme=x&from=notadate")
    assert (view.mode, view.lanes, view.theme) == ("calendar", "category", "light")
    assert any("mode=bogus" in w for w in view.warnings)
    view = View.from_query("?from=2022-02-20&to=2022-02-10")
    assert (view.start, view.end) == (dt.date(2022, 2, 10), dt.date(2022, 2, 20))


def test_filters_combine_and_within_a_kind_any_value_matches(events):
    military = apply(events, View(category=("military",)))
    assert set(military["category"]) == {"military"} and len(military) >= 3
    both = apply(events, View(category=("military", "diplomacy")))
    assert set(both["category"]) == {"military", "diplomacy"}
    narrowed = apply(events, View(category=("military", "diplomacy"), actor=("NATO",)))
    assert len(narrowed) < len(both) and all("NATO" in a for a in narrowed["actors"])


def test_search_needs_every_word_and_looks_in_quotes_and_actors(events):
    assert set(apply(events, View(q="javelin rivne"))["id"]) == {"zelenskyy-rivne-javelin-drills"}
    assert "stoltenberg-no-de-escalation-remarks" in set(apply(events, View(q="new normal"))["id"])
    assert apply(events, View(q="javelin moscow")).empty


def test_a_date_range_keeps_events_that_overlap_it(events):
    shown = apply(events, View(start=dt.date(2022, 2, 17), end=dt.date(2022, 2, 17)))
    assert "nato-defence-ministers-meeting" in set(shown["id"])  # 16–17 Feb
    assert "ukraine-unity-day" not in set(shown["id"])  # 16 Feb only


def test_describe_says_the_range_and_filters_in_words():
    text = describe(View(start=dt.date(2022, 2, 14), end=dt.date(2022, 2, 16), category=("military",), q="x"))
    assert text == '14 Feb 2022 – 16 Feb 2022 · category: military · search: "x"'


def test_stepping_walks_the_visible_events_in_time_order_and_stops_at_the_ends(events):
    first = state.step(events, View(), 1)
    assert first.selected == events["id"].iloc[0]
    assert state.step(events, first, 1).selected == events["id"].iloc[1]
    assert state.step(events, first, -1).selected == first.selected
    assert state.step(events, View(), -1).selected == events["id"].iloc[-1]


def test_quick_ranges_centre_on_the_selected_event(events):
    view = View(selected="ukraine-unity-day")
    assert (state.quick_range(events, view, "day").start, state.quick_range(events, view, "day").end) == (
        dt.date(2022, 2, 16),
        dt.date(2022, 2, 16),
    )
    week = state.quick_range(events, view, "week")
    assert (week.start, week.end) == (dt.date(2022, 2, 14), dt.date(2022, 2, 20))
    month = state.quick_range(events, view, "month")
    assert (month.start, month.end) == (dt.date(2022, 2, 1), dt.date(2022, 2, 28))
    # All: every event, the US deployment of 3 Feb too (an axis without a range would leave it at its edge).
    everything = state.quick_range(events, month, "all")
    assert (everything.start, everything.end) == (dt.date(2022, 2, 3), dt.date(2022, 2, 17))


@pytest.mark.parametrize(
    "bounds",
    [
        {"xaxis.range[0]": "2022-02-14 03:00:00", "xaxis.range[1]": "2022-02-16 20:00:00"},
        {"xaxis.range": ["2022-02-14 03:00", "2022-02-16 20:00"]},
        {"xaxis.range": [pd.Timestamp("2022-02-14 03:00").value / 1e6, pd.Timestamp("2022-02-16 20:00").value / 1e6]},
    ],
)
def test_a_zoom_keeps_the_exact_range_whatever_form_plotly_reports_it_in(bounds):
    zoomed = state.zoom(View(), bounds)
    assert (zoomed.start, zoomed.end) == (dt.datetime(2022, 2, 14, 3), dt.datetime(2022, 2, 16, 20))


def test_resizes_and_autorange_do_not_change_the_range():
    view = View(start=dt.date(2022, 2, 14), end=dt.date(2022, 2, 16))
    assert state.zoom(view, {"autosize": True}) == view
    assert state.zoom(view, {"xaxis.autorange": True}).start is None


def test_a_click_names_its_event_and_other_clicks_name_none():
    assert state.clicked_id({"points": [{"customdata": "ukraine-unity-day"}]}) == "ukraine-unity-day"
    assert state.clicked_id({"points": [{"customdata": ["x", 1]}]}) == "x"
    assert state.clicked_id({"points": [{"x": 1}]}) is None
    assert state.clicked_id(None) is None


def test_clearing_filters_keeps_lanes_mode_theme_and_selection():
    view = View(
        category=("military",),
        q="x",
        lanes="actor",
        mode="sequence",
        theme="dark",
        selected="a",
        start=dt.date(2022, 2, 1),
    )
    assert state.clear_filters(view) == View(lanes="actor", mode="sequence", theme="dark", selected="a")


def search_joined(events: pd.DataFrame, q: str) -> pd.Series:
    """The search as first written: every row's texts joined into one, each word looked for in it."""
    haystack = (
        events["title"]
        + "\n"
        + events["summary"]
        + "\n"
        + events["quotes"].map(lambda qs: "\n".join(f"{x['text']} {x.get('speaker') or ''}" for x in qs))
        + "\n"
        + events["actors"].map("\n".join)
        + "\n"
        + events["places"].map(lambda ps: "\n".join(p["name"] for p in ps))
        + "\n"
        + events["tags"].map("\n".join)
    ).str.casefold()
    mask = pd.Series(True, index=events.index)
    for word in q.casefold().split():
        mask &= haystack.str.contains(word, regex=False)
    return mask


@pytest.mark.parametrize(
    "q",
    ["javelin", "Zelenskyy mariupol", "nato kyiv", "ukraine", "unity-day", "“we", "no-such-word", "a e", "STOLTENBERG"],
)
def test_the_search_column_by_column_finds_what_one_joined_text_did(q, monkeypatch):
    import dashboard.view
    from dashboard.view import search_mask

    monkeypatch.setattr(dashboard.view, "SEARCH_CHUNK", 7)  # parts that end mid-table, and a last short one
    events = load_collection(EVENTS).events
    # Many rows sharing each list (as the table readers give them), and a copy of each with lists of its own.
    many = pd.concat([events] * 40 + [events.map(lambda v: list(v) if isinstance(v, list) else v)], ignore_index=True)
    assert search_mask(many, q).tolist() == search_joined(many, q).tolist()
    assert search_mask(many.iloc[0:0], q).tolist() == []
