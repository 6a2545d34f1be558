"""The app in a browser under bad input: an emptied folder, far dates, a zoom out past what pandas holds, a huge
search, long and hostile names, and many events at one place. No request may fail: the page says what it did."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import expect

from dashboard.app import ids
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
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text("18 events")

    for path in server.events.iterdir():
        path.unlink()
    app.page.reload()
    app.wait_ready()
    empty = app.page.locator(f"#{ids.EMPTY} [role=status]")
    expect(empty).to_contain_text("No events yet: add a YAML file to")
    expect(empty).to_contain_text(str(server.events))
    expect(empty).to_contain_text("README ‘Adding an event’")
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text("0 events")
    expect(app.page.locator(f"#{ids.NOTICE} [role=alert]")).to_have_count(0)

    (server.events / "returning.yaml").write_text(RETURNING, encoding="utf-8")
    app.page.reload()
    app.wait_ready()
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text("1 event")
    expect(app.page.locator(f"#{ids.EMPTY}")).to_be_empty()
    assert app.list_titles() == ["Browser test, an event written after the folder was emptied"]
    app.assert_no_errors()


def test_far_dates_and_a_huge_search_in_a_link_draw_and_say_what_was_changed(app):
    # 56 kB of search: the server refuses addresses past 64 kB (the unit tests send a megabyte through the callback)
    app.open("?" + urlencode({"from": "1600-01-01", "to": "9999-12-31", "q": "Javelin " + "filler " * 8_000}))
    notice = app.page.locator(f"#{ids.NOTICE} [role=status]")
    expect(notice).to_contain_text("'from' 1600-01-01 is before the first day the timeline can show")
    expect(notice).to_contain_text(f"clamped to {MAX_DAY.isoformat()}")
    expect(notice).to_contain_text("the search was cut to “Javelin filler")
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text(re.compile(r"^0 of \d+ events$"))
    app.assert_no_errors()

    # and the next action writes the clamped view into the address bar
    app.page.locator(f"#{ids.CLEAR}").click()
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text("18 events")
    expect(app.page.locator(f"#{ids.NOTICE}")).to_be_empty()
    app.settle()
    app.assert_no_errors()


def test_zooming_out_past_the_year_2262_clamps_the_range_and_never_fails(app):
    app.open("?from=2010-01-01&to=2034-12-31")
    zoom_out = app.page.locator(f'#{ids.TIMELINE} .modebar-btn[data-title="Zoom out"]')
    year = 2034
    for _ in range(8):  # each press doubles the span: 25 years become ~400 in four
        app.page.locator(f"#{ids.TIMELINE}").hover()
        zoom_out.click()
        app.settle()
        match = re.search(r"[?&]to=(\d{4})-", app.page.url)
        year = int(match.group(1)) if match else year
        if year >= MAX_DAY.year:
            break
    assert year == MAX_DAY.year, f"zooming out stopped at {year}: {app.page.url}"
    expect(app.page.locator(f"#{ids.NOTICE} [role=status]")).to_contain_text(f"clamped to {MAX_DAY.isoformat()}")
    expect(app.page.locator(f"#{ids.NOTICE} [role=alert]")).to_have_count(0)
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text("18 events")
    app.assert_no_errors()


LONG_NAME = "Ministry" + "x" * 110  # as long as the loader takes (120), in one word
LINK_NAME = '<a href="https://example.org/">click</a>'
RLO_NAME = "\u202eevil"  # a right-to-left override never closed


def hostile_table(folder: Path, rows: int = 1_600) -> Path:
    """A table of ``rows`` events at one place (Kyiv), in February 2022 but for 11-19 Feb (empty density cells),
    with a long name, a link and a lone bidi override among the actors."""
    folder.mkdir()
    names = [LONG_NAME, LINK_NAME, RLO_NAME]
    days = [d for d in range(1, 29) if not 11 <= d <= 19]
    with (folder / "table.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "title", "date", "category", "actors", "place", "lat", "lon"])
        for i in range(rows):
            writer.writerow(
                [
                    f"row-{i}",
                    f"Row {i}",
                    f"2022-02-{days[i % len(days)]:02d}",
                    "military",
                    f"{names[i % 3]}; Plain actor",
                    "Kyiv",
                    "50.45",
                    "30.52",
                ]
            )
    return folder


EMPTY_CELL_JS = (
    """() => {
  const gd = document.querySelector('#"""
    + ids.TIMELINE
    + """ .js-plotly-plot');
  const box = gd.getBoundingClientRect(), fl = gd._fullLayout, t = gd._fullData[0];
  const xa = fl.xaxis, ya = fl.yaxis;
  const at = (i, j) => ({x: box.left + xa._offset + xa.d2p(t.x[j]), y: box.top + ya._offset + ya.d2p(t.y[i])});
  let empty = null, full = null;
  t.z.forEach((row, i) => row.forEach((v, j) => {
    if (v === null || Number.isNaN(v)) { if (!empty) empty = at(i, j); } else if (!full) full = at(i, j);
  }));
  return {type: t.type, empty, full};
}"""
)

MAP_POINTS_JS = (
    """() => {
  const gd = document.querySelector('#"""
    + ids.MAP
    + """ .js-plotly-plot');
  return gd._fullData.filter(t => t.name !== 'selected')
    .flatMap(t => Array.from(t.lat, (lat, i) => [lat, t.lon[i]]));
}"""
)


def test_many_events_with_hostile_long_names_draw_escaped_clipped_and_close_together(start_server, app_for, tmp_path):
    server = start_server(hostile_table(tmp_path / "hostile"))
    app = app_for(server).open("?lanes=actor")
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text("1,600 events")

    # density: an empty cell has no hover label; a full one names its lane as text, never as a link
    cells = app.page.evaluate(EMPTY_CELL_JS)
    assert cells["type"] == "heatmap" and cells["empty"] and cells["full"], cells
    app.page.mouse.move(cells["full"]["x"], cells["full"]["y"])
    expect(app.page.locator(f"#{ids.TIMELINE} .hoverlayer .hovertext")).to_contain_text("events")
    app.page.mouse.move(cells["empty"]["x"], cells["empty"]["y"])
    app.page.wait_for_timeout(300)
    hover = app.page.locator(f"#{ids.TIMELINE} .hoverlayer").text_content() or ""
    assert "NaN" not in hover, hover
    assert app.page.locator(f"#{ids.TIMELINE} a, #{ids.TIMELINE} .hoverlayer a").count() == 0

    # the map: 1,600 events at Kyiv stay within a degree of it
    points = app.page.evaluate(MAP_POINTS_JS)
    assert len(points) == 1_600
    far = max(((lat - 50.45) ** 2 + ((lon - 30.52) * math.cos(math.radians(50.45))) ** 2) ** 0.5 for lat, lon in points)
    assert far <= 1.0, f"the points of one place spread {far:.1f}°"

    # the actor menu: the long name clipped, whole on hover; choosing it filters on the whole name
    app.page.locator(f"#{ids.FILTER['actor']}").click()
    option = app.page.locator(".dash-dropdown-option").filter(has=app.page.get_by_title(LONG_NAME, exact=True))
    expect(option).to_have_count(1)
    label = option.inner_text()
    assert label.endswith("…") and len(label) <= 48, label
    option.click()
    app.page.locator(f"#{ids.TITLE}").click()
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text("534 of 1,600 events")
    expect(app.page).to_have_url(re.compile(rf"[?&]actor={LONG_NAME}(&|$)"))
    app.settle()

    # the card: each name isolated, so the lone override cannot reverse the names after it
    app.page.goto(server.url + "/?" + urlencode({"event": "row-2", "from": "2022-02-03", "to": "2022-02-03"}))
    app.wait_ready()
    names = app.page.locator(f"#{ids.DETAIL} dt:text-is('Actors') + dd bdi")
    expect(names).to_have_count(2)
    assert [names.nth(i).text_content() for i in range(2)] == [RLO_NAME, "Plain actor"]
    app.assert_no_errors()


def test_picture_downloads_arrive_with_short_safe_names(app):
    app.open("?category=military&from=2022-02-14&to=2022-02-17")
    for fmt, magic in (("png", b"\x89PNG"), ("svg", b"<svg"), ("pdf", b"%PDF")):
        with app.page.expect_download(timeout=60_000) as info:
            app.page.get_by_role("button", name=fmt.upper(), exact=True).click()
        download = info.value
        name = download.suggested_filename
        assert re.fullmatch(rf"[a-z0-9][a-z0-9._-]*\.{fmt}", name) and len(name) <= 120, name
        assert magic in Path(download.path()).read_bytes()[:400], fmt
        expect(app.page.locator(f"#{ids.DOWNLOAD_STATUS}")).to_be_empty()
    app.assert_no_errors()
