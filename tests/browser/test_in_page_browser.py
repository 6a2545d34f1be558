"""What the page does without waiting for the server: a selection in a small view shows its card and rings its
mark at once, the arrow keys and Escape likewise, and a zoom into events drawn one by one is plotly's own redraw,
with no figure from the server."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import RINGED_JS
from playwright.sync_api import Request, Route, expect
from plotly.offline import get_plotlyjs_version
from rows import by_id

from dashboard.app import PLOTLY_BUNDLE, ids
from dashboard.app.cards import CARDS_LIMIT
from dashboard.figure import DETAIL_LIMIT
from dashboard.store import Collection

DAY_EVENT = "biden-scholz-call"
UPDATE = "_dash-update-component"  # the callbacks' address (Dash adds a query string)
MANY = 1000  # events drawn one by one (under DETAIL_LIMIT), too many to send their cards ahead


def is_update(url: str) -> bool:
    return UPDATE in url


def listen(app: Any) -> list[dict[str, Any]]:
    """The callbacks' answers from now on, as the page receives them."""
    answers: list[dict[str, Any]] = []
    app.page.on("response", lambda r: answers.append(r.json()) if is_update(r.url) and r.status == 200 else None)
    return answers


class Held:
    """Holds the page's requests to the server that carry a pick (a click or a key) or a new address, until
    released."""

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.holding = False  # from ``hold()`` on: the page's own first requests go through

    def hold(self) -> None:
        self.holding = True

    def __call__(self, route: Route, request: Request) -> None:
        body = json.loads(request.post_data or "{}")
        if self.holding and {f"{ids.PICK}.data", f"{ids.URL}.search"} & set(body.get("changedPropIds", [])):
            self.routes.append(route)
        else:
            route.continue_()

    def wait(self, page: Any, count: int) -> None:
        """Wait until ``count`` picks are held (Dash sends a callback's request a moment after the change)."""
        for _ in range(100):
            if len(self.routes) >= count:
                return
            page.wait_for_timeout(50)
        raise AssertionError(f"{len(self.routes)} picks reached the server, not {count}")

    def release(self) -> None:
        self.holding = False
        while self.routes:
            self.routes.pop(0).continue_()


@pytest.fixture
def held(app: Any) -> Iterator[Held]:
    """The page's picks held back from the server while the test looks at what the page did alone."""
    holder = Held()
    app.page.route(is_update, holder)
    yield holder
    holder.release()
    app.page.unroute(is_update)


def shown_id(app: Any) -> str | None:
    return app.page.evaluate(
        "(id) => { const c = document.getElementById(id).querySelector('[data-event]'); "
        "return c ? c.getAttribute('data-event') : null; }",
        ids.DETAIL,
    )


def expect_ring(app: Any, wanted: list[str]) -> None:
    """The timeline rings these events (the page rings a mark a frame after it shows the card)."""
    app.page.wait_for_function(
        f"(wanted) => JSON.stringify(({RINGED_JS})('#{ids.TIMELINE} .js-plotly-plot')) === JSON.stringify(wanted)",
        arg=wanted,
        timeout=2000,
    )


def test_a_click_shows_the_card_and_rings_the_mark_before_the_server_answers(app, collection: Collection, held):
    app.open()
    held.hold()
    title = by_id(collection)[DAY_EVENT]["title"]
    app.click_mark(DAY_EVENT, title)
    # The server has not been asked yet (its request is held): the card and the ring are the page's own.
    expect(app.card.locator(".detail-title")).to_have_text(title, timeout=2000)
    expect_ring(app, [DAY_EVENT])
    expect(app.list_card(DAY_EVENT)).to_have_class(re.compile(r"\bselected\b"))
    held.wait(app.page, 1)  # the pick still reaches the server, for the address, the list and the map
    assert "event=" not in app.page.url

    answers = listen(app)
    held.release()
    app.expect_url_event(DAY_EVENT)
    app.settle()
    # The server knows the page showed the card and rang the mark: it sends neither again.
    [answer] = [a for a in answers if ids.LIST in a.get("response", {})]
    assert ids.TIMELINE not in answer["response"] and ids.DETAIL not in answer["response"]
    assert ids.MAP_FIGURE in answer["response"], "the map's ring comes from the server"
    expect(app.card.locator(".detail-title")).to_have_text(title)
    assert app.selected_ring() == [DAY_EVENT]
    assert set(map_ring(app)) == {DAY_EVENT}, "the map's ring moved (plotly saw the new ring)"
    app.assert_no_errors()


def test_a_click_on_a_mark_shows_its_card_as_plotly_reports_it_before_dash_does(app, collection: Collection):
    app.open()
    app.settle()
    # Dash's graph passes the click on as clickData, to the page's pick: with the pick doing nothing, the card
    # still shows, from the page's own listener on plotly's click (the pick then only reports it).
    app.page.evaluate("() => { window.dash_clientside.timeline.pick = () => window.dash_clientside.no_update; }")
    title = by_id(collection)[DAY_EVENT]["title"]
    app.click_mark(DAY_EVENT, title)
    expect(app.card.locator(".detail-title")).to_have_text(title, timeout=2000)
    expect_ring(app, [DAY_EVENT])
    assert "event=" not in app.page.url, "the pick that reports it to the server was switched off"
    app.assert_no_errors()


def map_ring(app: Any) -> list[str]:
    """The ids the map rings: its last trace as plotly draws it."""
    return app.page.evaluate(
        "(id) => { const d = document.getElementById(id).querySelector('.js-plotly-plot')._fullData;"
        " return d[d.length - 1].customdata || []; }",
        ids.MAP,
    )


def test_a_list_card_shows_its_event_before_the_server_answers(app, collection: Collection, held):
    app.open()
    held.hold()
    target = list(collection.events["id"])[2]
    app.list_card(target).click()
    expect(app.card.locator(".detail-title")).to_have_text(by_id(collection)[target]["title"], timeout=2000)
    expect(app.list_card(target)).to_have_class(re.compile(r"\bselected\b"))
    expect_ring(app, [target])
    held.wait(app.page, 1)
    held.release()
    app.expect_url_event(target)
    app.settle()
    assert shown_id(app) == target and app.selected_ring() == [target]
    app.assert_no_errors()


def test_arrow_keys_and_escape_work_in_the_page_and_the_server_takes_the_pages_choice(
    app, collection: Collection, held
):
    order = list(collection.events["id"])
    app.open(f"?event={order[0]}")
    held.hold()
    app.page.locator("body").click(position={"x": 5, "y": 5})  # the focus on the page, not in a control
    for _ in range(3):
        app.page.keyboard.press("ArrowRight")
    # Three steps, none answered by the server yet: the page stepped from the card it shows, not from the address.
    expect(app.card.locator(".detail-title")).to_have_text(by_id(collection)[order[3]]["title"], timeout=2000)
    expect_ring(app, [order[3]])
    held.wait(app.page, 1)
    held.release()
    app.expect_url_event(order[3])  # not order[1]: the server took the page's choice
    app.settle()
    assert shown_id(app) == order[3] and app.selected_ring() == [order[3]]

    held.hold()
    app.page.keyboard.press("Escape")
    expect(app.card.locator(".detail-empty")).to_have_count(1, timeout=2000)
    expect_ring(app, [])
    assert shown_id(app) is None
    held.release()
    app.expect_url_event(None)
    app.assert_no_errors()


@pytest.fixture(scope="module")
def many_events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A table of MANY one-day events over two months, four a day, in three categories."""
    folder = tmp_path_factory.mktemp("many")
    first = dt.date(2023, 3, 1)
    with (folder / "events.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "title", "date", "category"])
        for n in range(MANY):
            day = first + dt.timedelta(days=n // 16)
            writer.writerow([f"event-{n:04d}", f"Event number {n}", day.isoformat(), ("a", "b", "c")[n % 3]])
    return folder


def figure_answers(answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in answers if "figure" in a.get("response", {}).get(ids.TIMELINE, {})]


def test_a_zoom_into_a_thousand_events_is_plotlys_own_redraw_with_no_figure_from_the_server(
    start_server, app_for, many_events
):
    assert CARDS_LIMIT < MANY < DETAIL_LIMIT
    app = app_for(start_server(many_events)).open()
    assert len(app.mark_ids()) == MANY, "a thousand events, drawn one by one"
    answers = listen(app)
    for lo, hi in (("2023-03-10", "2023-04-20"), ("2023-03-20", "2023-03-30"), ("2023-03-24", "2023-03-26")):
        app.page.evaluate(
            "([id, lo, hi]) => Plotly.relayout(document.getElementById(id).querySelector('.js-plotly-plot'),"
            " {'xaxis.range': [lo, hi]})",
            [ids.TIMELINE, lo, hi],
        )
        app.settle()
        expect(app.page.locator(f"#{ids.COUNT}")).to_contain_text(f"of {MANY:,} events")
    assert answers, "the address, the count and the list follow the zoom"
    assert not figure_answers(answers), "no figure for a zoom into events already drawn"
    assert re.search(r"from=2023-03-24&to=2023-03-25$", app.page.url), app.page.url
    # plotly draws the marks in view only: the rest of the thousand are left out of the page until a zoom shows them.
    drawn = app.page.evaluate(
        "(id) => document.getElementById(id).querySelectorAll('.scatterlayer .trace .points path.point').length",
        ids.TIMELINE,
    )
    assert 0 < drawn < MANY / 10, f"{drawn} marks drawn for two days of {MANY:,} events"
    # Two days of sixteen events each (and the parts of the days at the ends): their cards were sent ahead.
    visible = [m for m in app.marks() if 0 <= m["x"] <= (app.page.viewport_size or {"width": 0})["width"]]
    target = visible[len(visible) // 2]["id"]
    app.click_mark(target, f"Event number {int(target.split('-')[1])}")
    expect(app.card.locator(".detail-title")).to_have_text(f"Event number {int(target.split('-')[1])}")
    app.settle()
    assert not figure_answers(answers), "nor for a selection"
    app.assert_no_errors()


def test_in_a_view_too_big_for_cards_ahead_the_hovered_mark_gets_its_card_before_the_click(
    start_server, app_for, many_events
):
    app = app_for(start_server(many_events)).open()
    mark = app.marks()[MANY // 3]
    title = f"Event number {int(mark['id'].split('-')[1])}"
    app.page.mouse.move(mark["x"], mark["y"])
    app.settle()  # the card of the event under the pointer has come
    holder = Held()
    app.page.route(is_update, holder)
    holder.hold()
    app.page.mouse.click(mark["x"], mark["y"])
    expect(app.card.locator(".detail-title")).to_have_text(title, timeout=2000)
    expect_ring(app, [mark["id"]])
    holder.wait(app.page, 1)
    holder.release()
    app.expect_url_event(mark["id"])
    app.assert_no_errors()


def test_a_click_in_a_view_too_big_for_cards_ahead_asks_the_server(start_server, app_for, many_events):
    app = app_for(start_server(many_events)).open()
    target = app.marks()[MANY // 2]["id"]
    title = f"Event number {int(target.split('-')[1])}"
    app.click_mark(target, title)
    app.expect_card(target, title)
    assert app.selected_ring() == [target]
    app.assert_no_errors()


def test_the_cards_sent_ahead_are_for_the_view_on_screen(app, collection: Collection):
    """After a filter, the page's cards are the filtered view's: a click shows a card whose links keep the filter."""
    app.open("?category=military")
    military = collection.events[collection.events["category"] == "military"]["id"].tolist()
    target = next(event_id for event_id in military if event_id in app.mark_ids())
    app.click_mark(target, by_id(collection)[target]["title"])
    expect(app.card.locator(".detail-title")).to_have_text(by_id(collection)[target]["title"])
    close = app.card.locator(".sheet-close")
    assert "category=military" in (close.get_attribute("href") or "")
    assert app.selected_ring() == [target]
    app.assert_no_errors()


def zoom_requests(app: Any) -> list[str]:
    """The page's requests that pass a zoom on to the server, as they are sent."""
    asked: list[str] = []
    app.page.on(
        "request",
        lambda r: (
            asked.append(r.post_data or "") if is_update(r.url) and "zoom-store.data" in (r.post_data or "") else None
        ),
    )
    return asked


def test_a_wheels_notches_reach_the_server_once_the_zooming_pauses(app):
    app.open()
    asked = zoom_requests(app)
    box = app.page.evaluate(
        f"""() => {{ const gd = document.querySelector('#{ids.TIMELINE} .js-plotly-plot');
        const box = gd.getBoundingClientRect(), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        return {{x: box.left + xa._offset + xa._length * 0.3, y: box.top + ya._offset + ya._length - 4}}; }}"""
    )
    app.page.mouse.move(box["x"], box["y"])  # just above the axis: between the lanes' labels, which take the wheel
    # A pause longer than the page's own, so that a busy machine's slow notches still come within it.
    app.page.evaluate("() => { window.TIMELINE_ZOOM_PAUSE_MS = 1000; }")
    for _ in range(3):  # three notches, 120 ms apart: plotly reports each as a zoom of its own
        app.page.mouse.wheel(0, -100)
        app.page.wait_for_timeout(120)
    assert not asked, "a notch of a run went before the zooming paused"
    app.page.wait_for_timeout(1_100)
    app.settle()
    app.page.evaluate("() => { window.TIMELINE_ZOOM_PAUSE_MS = 200; }")
    assert len(asked) == 1, f"three notches of a wheel: {len(asked)} requests, not one for the last"
    assert re.search(r"from=.*&to=", app.page.url), app.page.url
    app.assert_no_errors()


def test_a_zoom_alone_reaches_the_server_at_once_and_a_quick_run_of_zooms_twice_at_most(app):
    """A drag or a double click is one zoom: the address, count and list follow at once, not after the pause a
    wheel needs. In a run of zooms in quick succession, the first goes at once and the last when they pause."""
    app.open()
    asked = zoom_requests(app)
    app.page.evaluate("() => { window.TIMELINE_ZOOM_PAUSE_MS = 5000; }")  # a pause no zoom alone may wait for
    app.page.evaluate(
        "(id) => Plotly.relayout(document.getElementById(id).querySelector('.js-plotly-plot'),"
        " {'xaxis.range': ['2022-02-13', '2022-02-18']})",
        ids.TIMELINE,
    )
    expect(app.page).to_have_url(re.compile(r"from=2022-02-13&to=2022-02-17$"), timeout=3000)
    assert len(asked) == 1
    app.page.evaluate("() => { window.TIMELINE_ZOOM_PAUSE_MS = 1000; }")  # busy or not, 80 ms apart is a run
    app.settle()
    app.page.wait_for_timeout(1_100)
    asked.clear()
    app.page.evaluate(
        """async (id) => { const gd = document.getElementById(id).querySelector('.js-plotly-plot');
        const ranges = [['2022-02-13', '2022-02-18'], ['2022-02-14', '2022-02-17'], ['2022-02-15', '2022-02-17']];
        for (const [lo, hi] of ranges) {  // 80 ms apart
          await Plotly.relayout(gd, {'xaxis.range': [lo, hi]});
          await new Promise((done) => setTimeout(done, 80));
        } }""",
        ids.TIMELINE,
    )
    app.page.wait_for_timeout(1_100)
    app.settle()
    app.page.evaluate("() => { window.TIMELINE_ZOOM_PAUSE_MS = 200; }")
    assert len(asked) == 2, "three zooms in a row: the first at once, then one for the last"
    assert re.search(r"from=2022-02-15&to=2022-02-16$", app.page.url), app.page.url
    app.assert_no_errors()


def test_a_key_pressed_while_the_server_answers_a_control_keeps_both(app, collection: Collection):
    """The page's report of a pick waits for the server's answer to the action before it: Dash keeps only the last
    answer of its callback, and a report read from the address before that answer would undo the theme."""
    order = list(collection.events["id"])
    app.open(f"?event={order[0]}")
    app.page.locator(f"#{ids.THEME}").click()
    app.page.locator("body").click(position={"x": 5, "y": 5})
    app.page.keyboard.press("ArrowRight")
    expect(app.page).to_have_url(
        re.compile(rf"theme=dark.*event={re.escape(order[1])}|event={re.escape(order[1])}.*theme=dark")
    )
    app.settle()
    expect(app.page.locator(f"#{ids.ROOT}")).to_have_class(re.compile(r"theme-dark"))
    assert shown_id(app) == order[1] and app.selected_ring() == [order[1]]
    app.assert_no_errors()


def test_a_key_pressed_just_after_a_zoom_keeps_both(app, collection: Collection):
    order = list(collection.events["id"])
    app.open(f"?event={order[0]}")
    app.page.evaluate(
        "(id) => Plotly.relayout(document.getElementById(id).querySelector('.js-plotly-plot'),"
        " {'xaxis.range': ['2022-02-14', '2022-02-17']})",
        ids.TIMELINE,
    )
    app.page.wait_for_timeout(80)  # within the zoom's pause
    app.page.keyboard.press("ArrowRight")
    expect(app.page).to_have_url(re.compile(r"from=2022-02-14&to=2022-02-16"))
    app.settle()
    assert "event=" in app.page.url and shown_id(app) in app.page.url
    app.assert_no_errors()


def test_the_arrow_keys_step_through_events_after_a_lanes_button_and_a_click_on_a_mark(app, collection: Collection):
    app.open()
    app.page.locator(f"#{ids.LANES} label", has_text="Actor").click()
    app.settle()
    viewport = app.page.viewport_size or {"height": 0}
    first: dict[str, float] = {}
    for mark in app.marks():
        first.setdefault(mark["id"], mark["y"])  # the mark a click on the event finds first
    target = next(event_id for event_id, y in first.items() if 0 < y < viewport["height"] - 40)
    app.click_mark(target, by_id(collection)[target]["title"])
    app.settle()
    app.page.keyboard.press("ArrowRight")
    app.settle()
    assert "lanes=actor" in app.page.url, "the lanes stay as chosen"
    assert shown_id(app) != target and f"event={shown_id(app)}" in app.page.url
    app.assert_no_errors()


def test_the_graphs_use_the_apps_plotly_bundle_not_the_whole_plotly_js(app):
    fetched: list[str] = []
    app.page.on("request", lambda request: fetched.append(request.url))
    app.open()
    assert any(f"/assets/{PLOTLY_BUNDLE}?" in url for url in fetched), "the bundle the page names"
    assert not [url for url in fetched if url.split("?")[0].endswith("plotly.min.js")], "no whole plotly.js"
    assert app.page.evaluate("() => window.Plotly.version") == get_plotlyjs_version()
    assert len(app.mark_ids()) > 10, "the timeline is drawn with it"
    app.page.wait_for_function(
        "(id) => !!document.querySelector('#' + id + ' .geo .land path')", arg=ids.MAP, timeout=10_000
    )  # and the map
    app.assert_no_errors()


AFTERPLOTS_JS = """(id) => {
  const gd = document.getElementById(id).querySelector('.js-plotly-plot');
  window.__afterplots = 0; gd.on('plotly_afterplot', () => { window.__afterplots += 1; });
}"""


def zoom_to(app: Any, lo: str, hi: str) -> None:
    app.page.evaluate(
        "([id, lo, hi]) => Plotly.relayout(document.getElementById(id).querySelector('.js-plotly-plot'),"
        " {'xaxis.range': [lo, hi]})",
        [ids.TIMELINE, lo, hi],
    )


def test_a_zoom_is_drawn_once_and_a_ring_after_it_keeps_the_zoomed_range(app, collection: Collection):
    """plotly redraws the zoom itself; Dash's graph, told of the new axes, does not draw the whole figure again to
    keep its copy in step, nor after the page rings a mark. That copy has the zoomed range: a ring sent after it (a
    selection) keeps the zoom."""
    app.open()
    app.page.evaluate(AFTERPLOTS_JS, ids.TIMELINE)
    answers = listen(app)
    zoom_to(app, "2022-02-15", "2022-02-17")
    app.settle()
    assert answers and not figure_answers(answers), "a zoom into events drawn one by one: no figure"
    assert app.page.evaluate("window.__afterplots") == 1, "one drawing: plotly's own"
    assert re.search(r"from=2022-02-15&to=2022-02-16$", app.page.url), app.page.url
    app.page.evaluate("window.__afterplots = 0")
    app.list_card(DAY_EVENT).click()
    expect_ring(app, [DAY_EVENT])
    app.settle()
    assert app.page.evaluate("window.__afterplots") == 1, "the ring: plotly redraws the shapes, nothing more"
    axis = app.page.evaluate(
        "(id) => document.getElementById(id).querySelector('.js-plotly-plot').layout.xaxis.range", ids.TIMELINE
    )
    assert [str(bound)[:10] for bound in axis] == ["2022-02-15", "2022-02-17"], axis
    app.assert_no_errors()


def test_after_a_zoom_that_leaves_the_list_as_it_was_its_links_carry_the_zoomed_view(app, collection: Collection):
    """A zoom that keeps every event in view changes no card of the list but the view in its links: the server
    does not send the list again, and the page gives each link the address on screen before it is followed."""
    app.open()
    answers = listen(app)
    zoom_to(app, "2022-02-01", "2022-02-20")  # every event still in view
    app.settle()
    assert re.search(r"from=2022-02-01&to=2022-02-19$", app.page.url), app.page.url
    assert answers and not [a for a in answers if ids.LIST in a.get("response", {})], "the list was not sent"
    card = app.list_card(DAY_EVENT)
    card.hover()
    assert card.get_attribute("href") == f"?from=2022-02-01&to=2022-02-19&event={DAY_EVENT}"
    card.click()
    app.expect_card(DAY_EVENT, by_id(collection)[DAY_EVENT]["title"])
    assert re.search(rf"from=2022-02-01&to=2022-02-19&event={DAY_EVENT}$", app.page.url), app.page.url
    app.assert_no_errors()
