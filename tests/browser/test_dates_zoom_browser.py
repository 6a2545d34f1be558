"""Typed dates and zooms in a real browser: a typo is said and changes nothing, From survives moving to To, a
drag zoom's link opens the same axis range, and a wheel notch on the first view zooms in."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pandas as pd
from playwright.sync_api import expect

from dashboard.app import ids

AXIS_JS = (
    """() => {
  const gd = document.querySelector('#"""
    + ids.TIMELINE
    + """ .js-plotly-plot');
  return gd._fullLayout.xaxis.range.map(v => String(v));
}"""
)
PLOT_BOX_JS = (
    """() => {
  const gd = document.querySelector('#"""
    + ids.TIMELINE
    + """ .js-plotly-plot');
  const box = gd.getBoundingClientRect(), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  return {left: box.left + xa._offset, width: xa._length, top: box.top + ya._offset, height: ya._length};
}"""
)


def axis(app) -> tuple[pd.Timestamp, pd.Timestamp]:
    lo, hi = app.page.evaluate(AXIS_JS)
    return pd.Timestamp(lo), pd.Timestamp(hi)


def query(app) -> dict[str, list[str]]:
    return parse_qs(urlsplit(app.page.url).query)


def test_a_typed_date_is_read_on_the_server_and_from_survives_moving_to_to(app):
    app.open()
    start, end = app.page.locator(f"#{ids.DATES}"), app.page.locator(f"#{ids.DATES_TO}")
    start.fill("Febuary 16")
    end.click()  # leaving the box sends it
    expect(app.page.locator(f"#{ids.NOTICE}")).to_contain_text('could not read "Febuary 16"')
    app.settle()
    assert "from" not in query(app), "a typo must not become a date"
    start.fill("14 Feb 2022")
    end.click()
    expect(app.page).to_have_url(re.compile(r"from=2022-02-14"))
    app.settle()
    end.fill("16 February 2022")
    end.press("Enter")
    expect(app.page).to_have_url(re.compile(r"from=2022-02-14&to=2022-02-16"))
    app.settle()
    assert query(app)["from"] == ["2022-02-14"], "From survived typing To"
    app.assert_no_errors()


def test_a_drag_zoom_link_opens_the_same_axis_range(app, app_for, server):
    app.open()
    box = app.page.evaluate(PLOT_BOX_JS)
    y = box["top"] + box["height"] / 2
    x0, x1 = box["left"] + box["width"] * 0.33, box["left"] + box["width"] * 0.41
    app.page.mouse.move(x0, y)
    app.page.mouse.down()
    app.page.mouse.move(x1, y, steps=8)
    app.page.mouse.up()
    expect(app.page).to_have_url(re.compile(r"from=\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"))
    app.settle()
    dragged = axis(app)
    link = app.page.url
    other = app_for(server)
    other.page.goto(link)
    other.wait_ready()
    opened = axis(other)
    for a, b in zip(dragged, opened, strict=True):
        assert abs(a - b) <= pd.Timedelta(minutes=1), (dragged, opened)
    app.assert_no_errors()
    other.assert_no_errors()


def test_one_wheel_notch_on_the_first_view_zooms_in(app):
    app.open()
    before = axis(app)
    box = app.page.evaluate(PLOT_BOX_JS)
    # Between the lanes' labels (a label takes the pointer's clicks, and its wheel too): just above the axis.
    app.page.mouse.move(box["left"] + box["width"] * 0.3, box["top"] + box["height"] - 4)
    app.page.mouse.wheel(0, -100)
    expect(app.page).to_have_url(re.compile(r"from="))
    app.settle()
    after = axis(app)
    assert after[1] - after[0] < before[1] - before[0], (before, after)
    assert before[0] <= after[0] and after[1] <= before[1], (before, after)
    app.assert_no_errors()


MARK_JS = (
    """(id) => {
  const gd = document.querySelector('#"""
    + ids.TIMELINE
    + """ .js-plotly-plot');
  for (let t = 0; t < gd._fullData.length; t++) {  // calcdata holds each trace's points as plotly placed them
    const trace = gd._fullData[t];
    if (trace.type !== 'scatter' || trace.xaxis !== 'x' || !trace.customdata || trace.name === 'selected') continue;
    const index = Array.from(trace.customdata).indexOf(id);
    if (index >= 0) return gd.calcdata[t][index].x;
  }
  return null;
}"""
)


def test_a_reader_far_from_utc_sees_the_same_axis_and_marks(chromium, server):
    """Plotly reads a number on a date axis in the browser's time zone: in New York every mark would sit five
    hours early. The figures send dates as text, which means the same time everywhere."""
    from conftest import VIEWPORT, AppPage

    context = chromium.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="America/New_York")
    try:
        app = AppPage(context.new_page(), server.url)
        app.open("?from=2022-02-15&to=2022-02-16")
        assert axis(app) == (pd.Timestamp("2022-02-15"), pd.Timestamp("2022-02-17"))
        # The call on 16 Feb is a day: its mark at noon of that day, as plotly holds it (milliseconds, UTC-based).
        noon = pd.Timestamp("2022-02-16 12:00").value // 1_000_000
        assert app.page.evaluate(MARK_JS, "biden-scholz-call") == noon
        app.assert_no_errors()
    finally:
        context.close()
