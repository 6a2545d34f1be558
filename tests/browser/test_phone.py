"""On a phone (390×844): the events first, as a vertical timeline of whole headlines grouped by day; the filters
behind "Filters (N)"; a tapped event's card in view without the page moving; plotly's toolbar over nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from conftest import AppPage, Server
from playwright.sync_api import Browser, expect
from rows import by_id

from dashboard.app import ids
from dashboard.app.cards import day_label
from dashboard.store import Collection

PHONE = {"width": 390, "height": 844}
TAPPED = "biden-scholz-call"  # an event far enough down the list to scroll to


@pytest.fixture
def phone_for(chromium: Browser) -> Iterator[Callable[[Server], AppPage]]:
    """A factory: a page on a server in a phone-sized, touch browser."""
    contexts = []

    def make(target: Server) -> AppPage:
        context = chromium.new_context(
            viewport=PHONE, has_touch=True, is_mobile=True, locale="en-GB", timezone_id="Europe/Berlin"
        )
        contexts.append(context)
        return AppPage(context.new_page(), target.url)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def phone(phone_for: Callable[[Server], AppPage], server: Server) -> AppPage:
    return phone_for(server)


def box(app: AppPage, selector: str) -> dict[str, float]:
    """An element's box in the window (top, bottom, left, right)."""
    found: dict[str, float] | None = app.page.evaluate(
        """(s) => { const e = document.querySelector(s); if (!e) return null;
                   const r = e.getBoundingClientRect();
                   return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; }""",
        selector,
    )
    assert found is not None, f"nothing matches {selector}"
    return found


def test_the_first_screen_is_a_vertical_timeline_of_whole_headlines_by_day(phone: AppPage, collection: Collection):
    phone.open()
    events = collection.events
    # The events come first: the list starts in the top third of the first screen, the filters are folded away.
    assert box(phone, f"#{ids.LIST}")["top"] < PHONE["height"] / 3
    expect(phone.page.locator(f"#{ids.CONTROLS}")).to_be_hidden()
    expect(phone.page.locator(f"#{ids.FILTERS_TOGGLE}")).to_have_text("Filters (0)")
    # Every headline whole, in time order, under its day; nothing cut or running out of its box.
    assert phone.list_titles() == list(events["title"])
    days = [day_label(start, precision) for start, precision in zip(events["start"], events["precision"], strict=True)]
    expect(phone.page.locator(f"#{ids.LIST} .day-label")).to_have_text(list(dict.fromkeys(days)))
    overflowing = phone.page.evaluate(
        """() => [...document.querySelectorAll('.list-title')]
                  .filter(t => t.scrollWidth > t.clientWidth + 1 || t.getBoundingClientRect().right > innerWidth)
                  .map(t => t.textContent)"""
    )
    assert overflowing == []
    # The day in a column on the left, the headlines on the right; each card coloured by its lane.
    label, title = box(phone, f"#{ids.LIST} .day-label"), box(phone, f"#{ids.LIST} .list-title")
    assert label["right"] <= title["left"] and abs(label["top"] - title["top"]) < 40
    lane = phone.page.evaluate("() => getComputedStyle(document.querySelector('.list-card')).borderLeftColor")
    assert lane == "rgb(209, 32, 38)", "the first card (military) carries its lane's colour"
    phone.assert_no_errors()


def test_filters_fold_behind_a_button_that_counts_them(phone: AppPage):
    phone.open("?category=military&q=nato")
    toggle = phone.page.locator(f"#{ids.FILTERS_TOGGLE}")
    expect(toggle).to_have_text("Filters (2)")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    controls = phone.page.locator(f"#{ids.CONTROLS}")
    expect(controls).to_be_hidden()
    toggle.tap()
    expect(controls).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(phone.page.locator(f"#{ids.SEARCH}")).to_have_value("nato")
    phone.page.locator(f"#{ids.CLEAR}").tap()
    expect(toggle).to_have_text("Filters (0)")
    expect(controls).to_be_visible()  # clearing leaves them open
    toggle.tap()
    expect(controls).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    phone.assert_no_errors()


def test_a_tapped_event_opens_its_card_in_view_and_the_page_stays_put(phone: AppPage, collection: Collection):
    phone.open()
    phone.page.evaluate("window.scrollTo(0, 300)")
    assert phone.page.evaluate("window.scrollY") == 300
    phone.list_card(TAPPED).tap()
    phone.expect_card(TAPPED, by_id(collection)[TAPPED]["title"])
    assert phone.page.evaluate("window.scrollY") == 300, "tapping a card moved the page"
    sheet = box(phone, f"#{ids.DETAIL}")
    assert 0 <= sheet["top"] < PHONE["height"] * 0.6 and sheet["bottom"] <= PHONE["height"] + 1, sheet
    expect(phone.card.locator(".detail-title")).to_be_in_viewport()
    expect(phone.list_card(TAPPED)).to_have_attribute("aria-current", "true")
    # Close: no event selected, the sheet gone, the page still where it was.
    phone.card.locator(".sheet-close").tap()
    phone.expect_url_event(None)
    expect(phone.card).to_be_hidden()
    assert phone.page.evaluate("window.scrollY") == 300
    phone.assert_no_errors()


def test_plotly_toolbar_covers_nothing_on_a_phone(phone: AppPage):
    phone.open()
    graph = phone.page.locator(f"#{ids.TIMELINE}")
    graph.scroll_into_view_if_needed()
    graph.tap(position={"x": 200, "y": 60})
    phone.settle()
    for name in (ids.TIMELINE, ids.MAP):
        expect(phone.page.locator(f"#{name} .modebar-container")).to_be_hidden()
    phone.assert_no_errors()


def test_a_list_click_keeps_the_page_where_it_was_on_a_desktop(app: AppPage, collection: Collection):
    app.open()
    app.page.evaluate("window.scrollTo(0, 200)")
    scrolled = app.page.evaluate("window.scrollY")
    assert scrolled > 0, "the page is taller than the window"
    app.list_card(TAPPED).click()
    app.expect_card(TAPPED, by_id(collection)[TAPPED]["title"])
    assert app.page.evaluate("window.scrollY") == scrolled
    app.assert_no_errors()
