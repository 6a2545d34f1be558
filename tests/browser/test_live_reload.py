"""Files added while the server runs show on the next page load; a broken one is named in the banner."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from dashboard.app import ids

EVENTS = Path(__file__).resolve().parents[2] / "events"
# The banner's groups of problems; the bundled events' consistency warnings, worth a look, have a group of their own.
PROBLEM_GROUPS = ".banner-group:not(.banner-warning)"

NEW_TITLE = "Browser test: an event added while the app runs"
NEW_EVENT = f"""\
title: "{NEW_TITLE}"
date: 2022-02-16
category: diplomacy
actors: [Test Actor]
summary: Written by the browser tests after the server started.
"""
BROKEN_EVENT = """\
title: A file with a misspelt date
date: Febuary 16
category: military
"""


def test_new_and_broken_files_show_on_reload(start_server, app_for):
    server = start_server(EVENTS)
    app = app_for(server).open()
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text("18 events")
    expect(app.page.locator(f"#{ids.BANNER} {PROBLEM_GROUPS}")).to_have_count(0)

    (server.events / "browser-test-new-event.yaml").write_text(NEW_EVENT, encoding="utf-8")
    (server.events / "browser-test-broken-date.yaml").write_text(BROKEN_EVENT, encoding="utf-8")
    app.page.reload()
    app.wait_ready()

    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text("19 events")
    expect(app.page.locator(f"#{ids.LIST} .list-card")).to_have_count(19)
    expect(app.page.locator(f"#{ids.LIST} .list-title", has_text=NEW_TITLE)).to_have_count(1)
    assert "browser-test-new-event" in app.mark_ids()

    banner = app.page.locator(f"#{ids.BANNER}")
    expect(banner).to_be_visible()
    expect(banner.locator("summary")).to_contain_text("1 problem in 1 file")
    expect(banner.locator(f"{PROBLEM_GROUPS} .problem-lines")).to_have_count(1)
    expect(banner.locator(f"{PROBLEM_GROUPS} .problem-lines")).to_have_text(  # one line
        re.compile(r'^browser-test-broken-date\.yaml:2:7: [^\n]*could not read "Febuary 16" as a date[^\n]*$')
    )
    expect(app.page.locator(f"#{ids.LIST} .list-title", has_text="misspelt date")).to_have_count(0)

    # fixing the file brings its event in and the banner away, again on reload
    (server.events / "browser-test-broken-date.yaml").write_text(
        BROKEN_EVENT.replace("Febuary 16", "2022-02-16"), encoding="utf-8"
    )
    app.page.reload()
    app.wait_ready()
    expect(app.page.locator(f"#{ids.COUNT}")).to_have_text("20 events")
    expect(app.page.locator(f"#{ids.BANNER} {PROBLEM_GROUPS}")).to_have_count(0)
    app.assert_no_errors()
