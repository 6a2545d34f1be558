"""What the page holds: a part that would come again unchanged, or changed only in the addresses of the links
that select an event, is not sent; everything else is, and the page's digests follow what it then holds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from dash import Patch, html, no_update

from dashboard.app import ids
from dashboard.app.callbacks import CONTROL_PROPS, respond
from dashboard.app.cards import select_link
from dashboard.app.held import PARTS, digest, hold
from dashboard.store import load_collection
from dashboard.table import Collection
from dashboard.view import View

EVENTS = Path(__file__).resolve().parents[1] / "events"


@pytest.fixture(scope="module")
def collection() -> Collection:
    return load_collection(EVENTS)


def card(view: View, title: str = "A title", source: str = "https://example.org/a") -> list[Any]:
    return [select_link(title, view, "some-event"), html.A("source", href=source)]


def test_a_digest_leaves_out_the_addresses_of_links_that_select_an_event_and_nothing_else():
    here, there = View(), View(start=dt.date(2022, 2, 14))
    assert digest(card(here)) == digest(card(there)), "a zoom changes only the view in the link"
    assert digest(card(here)) != digest(card(here, title="Another title"))
    assert digest(card(here)) != digest(card(here, source="https://example.org/b")), "an outside link is content"


def test_a_part_the_page_holds_is_not_sent_again_and_its_digest_stays():
    first = hold({"list": card(View()), "count": "3 events"}, None)
    assert first["list"] is not no_update and first["count"] == "3 events", "a page that holds nothing gets all"
    held = first["held"]
    assert set(held) == {"list", "count"}
    again = hold({"list": card(View(start=dt.date(2022, 2, 14))), "count": "2 of 3 events"}, held)
    assert again["list"] is no_update, "only its links' addresses changed: the page's script updates them"
    assert again["count"] == "2 of 3 events"
    assert again["held"]["list"] == held["list"] and again["held"]["count"] != held["count"]


def test_a_part_not_sent_keeps_its_digest_a_patched_or_unknown_one_loses_it():
    held = hold({name: f"{name} text" for name in PARTS}, None)["held"]
    out = hold({"detail": no_update, "list": no_update, "count": Patch(), "notice": "new"}, held, unknown=("list",))
    assert out["held"]["detail"] == held["detail"], "not sent: the page still holds it"
    assert "list" not in out["held"], "the page may have changed it itself"
    assert "count" not in out["held"], "what a patch makes of it is not known here"
    assert out["held"]["notice"] != held["notice"]
    assert hold({"detail": "detail text"}, held, unknown=("detail",))["detail"] == "detail text", "sent: unknown"


def test_digests_from_a_page_that_are_not_ours_only_cost_a_part_sent_again():
    for reported in ("garbage", ["x"], {"list": 3}, {"list": {"a": 1}}):
        out = hold({"list": card(View())}, reported)
        assert out["list"] is not no_update


def values(url: str, held: Any = None, relayout: Any = None, screen: Any = None) -> dict[str, Any]:
    return {
        "url": url,
        "controls": dict.fromkeys(CONTROL_PROPS),
        "viewport": {"width": 1000},
        "screen": screen,
        "held": held,
        "relayout": relayout,
    }


def test_a_zoom_sends_the_count_but_not_the_list_or_card_it_leaves_as_they_were(collection: Collection):
    """The bundled events: a zoom that keeps all of them in view changes the count of none of the parts but the
    address and the dates; the list's and card's links follow the address in the page."""
    first = respond(values("?event=biden-scholz-call"), collection, ids.VIEWPORT)
    assert first["list"] is not no_update and first["detail"] is not no_update
    zoomed = respond(
        values(
            "?event=biden-scholz-call",
            first["held"],
            {"xaxis.range[0]": "2022-01-01", "xaxis.range[1]": "2022-03-31"},
        ),
        collection,
        ids.ZOOM,
        "data",
    )
    assert "from=2022-01-01" in zoomed["search"]
    assert zoomed["list"] is no_update and zoomed["list_note"] is no_update
    assert zoomed["detail"] is not no_update, "the timeline is drawn afresh: its ring comes with the card"
    inside = respond(
        values(
            zoomed["search"],
            zoomed["held"],
            {"xaxis.range[0]": "2022-02-15", "xaxis.range[1]": "2022-02-17"},
            zoomed["screen"],
        ),
        collection,
        ids.ZOOM,
        "data",
    )
    assert inside["timeline"] is no_update, "a zoom into events drawn one by one keeps the figure"
    assert inside["detail"] is no_update, "and the card with it, which the page may have picked itself"
    assert inside["count"] is not no_update
