"""The app in a browser under bad input: an emptied folder, far dates, a zoom out past what pandas holds, a huge
search, long and hostile names, and many events at one place. No request may fail: the page says what it did."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import expect

from dashboard.view import MAX_DAY

EVENTS = Path(__file__).resolve().parents[2] / "events"

RETURNING = """\
title: Browser test, an event written after the folder was emptied
date: 2022-02-16
category: diplomacy
"""


def test_a_folder_emptied_while_the_app_runs_says_how_to_add_events_and_recovers(start_server, app_for):
    server = start_server(EVENTS)
    app = app_for(server).open()
    expect(app.page.locator("#event-count")).to_have_text("18 events")

    for path in server.events.iterdir():
        path.unlink()
    app.page.reload()
    app.wait_ready()
    empty = app.page.locator("#empty-result [role=status]")
    expect(empty).to_contain_text("No events yet: add a YAML file to")
    expect(empty).to_contain_text(str(server.events))
    expect(empty).to_contain_text("README ‘Adding an event’")
    expect(app.page.locator("#event-count")).to_have_text("0 events")
    expect(app.page.locator("#view-notice [role=alert]")).to_have_count(0)

    (server.events / "returning.yaml").write_text(RETURNING, encoding="utf-8")
    app.page.reload()
    app.wait_ready()
    expect(app.page.locator("#event-count")).to_have_text("1 events")
    expect(app.page.locator("#empty-result")).to_be_empty()
    assert app.list_titles() == ["Browser test, an event written after the folder was emptied"]
    app.assert_no_errors()


def test_far_dates_and_a_huge_search_in_a_link_draw_and_say_what_was_changed(app):
    # 56 kB of search: the server refuses addresses past 64 kB (the unit tests send a megabyte through the callback)
    app.open("?" + urlencode({"from": "1600-01-01", "to": "9999-12-31", "q": "Javelin " + "filler " * 8_000}))
    notice = app.page.locator("#view-notice [role=status]")
    expect(notice).to_contain_text("'from' 1600-01-01 is before the first day the timeline can show")
    expect(notice).to_contain_text(f"clamped to {MAX_DAY.isoformat()}")
    expect(notice).to_contain_text("the search was cut to “Javelin filler")
    expect(app.page.locator("#event-count")).to_have_text(re.compile(r"^0 of \d+ events$"))
    app.assert_no_errors()

    # and the next action writes the clamped view into the address bar
    app.page.locator("#clear-filters").click()
    expect(app.page.locator("#event-count")).to_have_text("18 events")
    expect(app.page.locator("#view-notice")).to_be_empty()
    app.settle()
    app.assert_no_errors()


def test_zooming_out_past_the_year_2262_clamps_the_range_and_never_fails(app):
    app.open("?from=2022-02-10&to=2022-02-20")
    zoom_out = app.page.locator('#timeline .modebar-btn[data-title="Zoom out"]')
    year = 2022
    for _ in range(14):  # each press doubles the span: 10 days become ~450 years
        app.page.locator("#timeline").hover()
        zoom_out.click()
        app.settle()
        match = re.search(r"[?&]to=(\d{4})-", app.page.url)
        year = int(match.group(1)) if match else year
        if year >= MAX_DAY.year:
            break
    assert year == MAX_DAY.year, f"zooming out stopped at {year}: {app.page.url}"
    expect(app.page.locator("#view-notice [role=status]")).to_contain_text(f"clamped to {MAX_DAY.isoformat()}")
    expect(app.page.locator("#view-notice [role=alert]")).to_have_count(0)
    expect(app.page.locator("#event-count")).to_have_text("18 events")
    app.assert_no_errors()
