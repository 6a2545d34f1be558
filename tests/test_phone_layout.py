"""The parts of the phone layout and of accessibility decided on the server: the number on "Filters (N)", the day
headings of the list, the page's language and landmarks, the graphs' names, and the links that select events."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from dash import html

from dashboard.app import create_app, ids, page_html, page_language
from dashboard.app.callbacks import render
from dashboard.app.cards import SELECT_LINK, day_label, list_cards
from dashboard.app.phone import active_filters, filters_label
from dashboard.figure.caption import alt_text
from dashboard.model import CollectionSettings
from dashboard.store import load_collection
from dashboard.table import Collection
from dashboard.view import View, apply

EVENTS = Path(__file__).resolve().parents[1] / "events"


@pytest.fixture(scope="module")
def collection() -> Collection:
    return load_collection(EVENTS)


@pytest.mark.parametrize(
    ("view", "count"),
    [
        (View(), 0),
        (View(q="nato"), 1),
        (View(category=("military", "politics")), 1),
        (View(category=("military",), actor=("NATO",)), 2),
        (View(start=dt.date(2022, 2, 14)), 1),
        (View(end=dt.date(2022, 2, 16)), 1),
        (View(q="x", tag=("t",), start=dt.date(2022, 2, 14), end=dt.date(2022, 2, 16)), 3),
        (View(lanes="actor", mode="sequence", theme="dark", selected="x"), 0),  # how it is shown is no filter
    ],
)
def test_filters_are_counted_one_per_search_facet_and_range(view: View, count: int) -> None:
    assert active_filters(view) == count
    assert filters_label(view) == f"Filters ({count})"


def test_events_are_listed_under_their_day_or_the_month_or_year_known() -> None:
    start = pd.Timestamp("2022-02-16 10:30")
    assert day_label(start, "minute") == day_label(start, "day") == "Wed 16 Feb 2022"
    assert day_label(start, "month") == "February 2022"
    assert day_label(start, "year") == "2022"


def test_the_list_groups_cards_by_day_and_its_links_select_in_place(collection: Collection) -> None:
    events = collection.events
    cards = list_cards(events, View(selected="biden-scholz-call"), collection.settings)
    days = cards[-1]
    assert isinstance(days, html.Ol)
    labels = [day.children[0].children for day in days.children]
    days_of_events = [day_label(s, p) for s, p in zip(events["start"], events["precision"], strict=True)]
    assert labels == list(dict.fromkeys(days_of_events))
    links = [item.children for day in days.children for item in day.children[1].children]
    assert [link.id["id"] for link in links] == list(events["id"])
    assert all(getattr(link, SELECT_LINK) == "event" for link in links)  # followed by the page's script in place
    chosen = [link for link in links if link.className == "list-card selected"]
    assert [link.id["id"] for link in chosen] == ["biden-scholz-call"]
    assert getattr(chosen[0], "aria-current") == "true"


def test_the_page_says_its_language_and_has_one_footer() -> None:
    page = page_html(create_app(EVENTS).index_string, "en")
    assert '<html lang="en">' in page
    assert "<footer>" not in page and "{%scripts%}" in page and "{%renderer%}" in page
    assert page_language(CollectionSettings()) == "en"
    assert page_language(SimpleNamespace(language="uk")) == "uk"  # type: ignore[arg-type]
    assert page_language(SimpleNamespace(language='en"><script>')) == "en"  # type: ignore[arg-type]


def test_the_graphs_are_named_by_the_alt_text_of_the_view(collection: Collection) -> None:
    view = View(category=("military",))
    out = render(collection, view, 1100)
    words = alt_text(apply(collection.events, view), view, collection.settings)
    assert out["timeline_label"] == words
    assert out["map_label"] == f"Map of where these events took place. {words}"
    assert out["filters_label"] == "Filters (1)"
    layout = create_app(EVENTS).layout()
    frames = {ids.TIMELINE_FRAME: None, ids.MAP_FRAME: None}

    def walk(node: object) -> None:
        name = getattr(node, "id", None)
        if isinstance(name, str) and name in frames:
            frames[name] = getattr(node, "role", None)
        children = getattr(node, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if child is not None and not isinstance(child, str):
                walk(child)

    walk(layout)
    assert frames == {ids.TIMELINE_FRAME: "img", ids.MAP_FRAME: "img"}
