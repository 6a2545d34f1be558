"""A link restores a whole view, and Back/Forward walk through the selections made since."""

from __future__ import annotations

from playwright.sync_api import expect

from dashboard.app import ids
from dashboard.figure import esc

DEEP_LINK = "?category=military&lanes=actor&mode=sequence&event=uk-doubles-estonia-deployment"
FIRST = "uk-doubles-estonia-deployment"
SECOND = "romania-french-led-battlegroup"
THIRD = "zelenskyy-rivne-javelin-drills"


def test_a_deep_link_restores_controls_figure_and_card_and_history_walks_back(app, collection):
    military = [row for row in collection.events.to_dict("records") if row["category"] == "military"]
    assert {FIRST, SECOND, THIRD} <= {row["id"] for row in military}
    title = {row["id"]: row["title"] for row in military}
    app.open(DEEP_LINK)

    # the controls show the link's values
    expect(app.page.locator(f"#{ids.LANES} input[value='actor']")).to_be_checked()
    expect(app.page.locator(f"#{ids.LANES} input[value='category']")).not_to_be_checked()
    expect(app.page.locator(f"#{ids.MODE} input[value='sequence']")).to_be_checked()
    expect(app.page.locator(f"#{ids.MODE} input[value='calendar']")).not_to_be_checked()
    expect(app.page.locator(f"#{ids.FILTER['category']}-value")).to_have_text("Military")
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text(f"{len(military)} of {len(collection.events)} events")
    # the card shows the linked event
    app.expect_card(FIRST, title[FIRST])
    # the timeline follows: military events only, one lane per actor, events in sequence rather than on dates
    figure = app.page.evaluate(
        """() => {
      const gd = document.querySelector('#"""
        + ids.TIMELINE
        + """ .js-plotly-plot');
      return {xtype: gd._fullLayout.xaxis.type, lanes: gd._fullLayout.yaxis.ticktext};
    }"""
    )
    assert figure["xtype"] != "date", "sequence mode puts events at ordinals, not dates"
    actors = {esc(actor) for row in military for actor in row["actors"]}  # long lane names wrap, whole
    assert {lane.replace("<br>", " ") for lane in figure["lanes"]} == actors, figure["lanes"]
    assert set(app.mark_ids()) == {row["id"] for row in military}
    assert set(app.selected_ring()) == {FIRST}, "ringed in each of its actor lanes"

    start_url = app.page.url
    app.list_card(SECOND).click()
    app.expect_card(SECOND, title[SECOND])
    second_url = app.page.url
    app.list_card(THIRD).click()
    app.expect_card(THIRD, title[THIRD])
    third_url = app.page.url
    # every selection keeps the rest of the view
    for url in (second_url, third_url):
        assert "category=military" in url and "lanes=actor" in url and "mode=sequence" in url, url

    app.page.go_back()
    expect(app.page).to_have_url(second_url)
    app.expect_card(SECOND, title[SECOND])
    app.page.go_back()
    expect(app.page).to_have_url(start_url)
    app.expect_card(FIRST, title[FIRST])
    app.page.go_forward()
    expect(app.page).to_have_url(second_url)
    app.expect_card(SECOND, title[SECOND])
    expect(app.page.locator(f"#{ids.LANES} input[value='actor']")).to_be_checked()
    expect(app.page.locator(f"#{ids.MODE} input[value='sequence']")).to_be_checked()
    app.assert_no_errors()
