"""Selecting events: a click on a timeline mark, a related-event link, and the arrow keys."""

from __future__ import annotations

from playwright.sync_api import expect
from rows import by_id

from dashboard.app import ids
from dashboard.store import Collection

DAY_EVENT = "biden-scholz-call"  # a one-day event: a diamond
RANGE_EVENT = "nato-defence-ministers-meeting"  # a two-day range: a bar with a square at its start


def title_of(collection: Collection, event_id: str) -> str:
    return by_id(collection)[event_id]["title"]


def test_clicking_a_mark_shows_its_card_and_names_it_in_the_url(app, collection):
    app.open()
    app.expect_no_card()
    # One mark per event in category lanes (or, for an event left off the axis, its note at the edge).
    assert sorted(app.shown_ids()) == sorted(collection.events["id"])
    assert app.noted_ids() == ["us-troops-poland-romania"]

    for event_id in (DAY_EVENT, RANGE_EVENT):
        title = title_of(collection, event_id)
        app.click_mark(event_id, title)
        app.expect_card(event_id, title)
        assert app.selected_ring() == [event_id], "the timeline rings the selected mark"
        expect(app.list_card(event_id)).to_have_class("list-card selected")
    expect(app.page.locator(f"#{ids.LIST} .list-card.selected")).to_have_count(1)
    app.assert_no_errors()


def test_a_related_event_link_selects_that_event(app, collection):
    app.open(f"?event={DAY_EVENT}")
    app.expect_card(DAY_EVENT, title_of(collection, DAY_EVENT))

    links = app.card.locator(".related-link")
    assert links.count() >= 1, "the Biden–Scholz call links to another event"
    link = links.first
    href = link.get_attribute("href") or ""
    target = href.split("event=", 1)[1].split("&", 1)[0]
    assert target in by_id(collection) and target != DAY_EVENT
    expect(link).to_have_text(title_of(collection, target))

    link.click()
    app.expect_card(target, title_of(collection, target))
    assert app.selected_ring() == [target]
    # and the way back: the target names the call among its related events
    back = app.card.locator(".related-link", has_text=title_of(collection, DAY_EVENT))
    expect(back).to_have_count(1)
    back.click()
    app.expect_card(DAY_EVENT, title_of(collection, DAY_EVENT))
    app.assert_no_errors()


def test_arrow_keys_step_through_events_in_time_order_and_escape_clears(app, collection):
    order = list(collection.events["id"])  # the store keeps time order
    starts = list(collection.events["start"])
    assert starts == sorted(starts)
    app.open()
    assert app.list_titles() == [title_of(collection, i) for i in order], "the list is in time order"

    app.press("ArrowRight")  # from nothing: the first event
    app.expect_card(order[0], title_of(collection, order[0]))
    app.press("ArrowRight")
    app.expect_card(order[1], title_of(collection, order[1]))
    assert app.selected_ring() == [order[1]]
    app.press("ArrowLeft")
    app.expect_card(order[0], title_of(collection, order[0]))

    app.press("Escape")
    app.expect_no_card()
    assert app.selected_ring() == []

    app.press("ArrowLeft")  # from nothing, backwards: the last event
    app.expect_card(order[-1], title_of(collection, order[-1]))
    # the list scrolls to show the selected card at its far end, and the page itself does not move
    app.page.wait_for_function(
        """() => {
      const list = document.getElementById('"""
        + ids.LIST
        + """'), card = list.querySelector('.list-card.selected');
      if (!card) return false;
      const box = list.getBoundingClientRect(), at = card.getBoundingClientRect();
      return at.top >= box.top - 1 && at.bottom <= box.bottom + 1;
    }"""
    )
    assert app.page.evaluate("window.scrollY") == 0, "selecting an event scrolled the page"
    app.assert_no_errors()


def test_arrow_keys_in_the_search_box_move_the_caret_not_the_selection(app, collection):
    app.open()
    search = app.page.locator(f"#{ids.SEARCH}")
    search.click()
    for key in ("ArrowRight", "ArrowLeft"):
        app.page.keyboard.press(key)
        # a wrongly handled key would have started a callback by now: wait for it to come back
        app.settle()
        expect(app.card.locator(".detail-empty")).to_be_visible()
        app.expect_url_event(None)
    assert app.page.evaluate("document.activeElement.id") == ids.SEARCH
    app.assert_no_errors()
