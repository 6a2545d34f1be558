"""The zone control in a real browser: the reader's own zone is offered by name, and choosing it moves the card's
time and the axis's note, and puts the zone in the address."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from test_zones import EVENTS

from dashboard.app import ids


def test_choosing_the_readers_zone_changes_the_card_and_the_address(
    start_server: Any, app_for: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "zones"
    folder.mkdir()
    for name, text in EVENTS.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    app = app_for(start_server(folder)).open("?event=late-kyiv")  # the browser's zone is Europe/Berlin
    when = app.card.locator(".when")
    expect(when).to_have_text("16 Feb 2022, 23:30 UTC (17 Feb, 01:30 EET)")
    note = app.page.locator(f"#{ids.TIMELINE} .annotation-text", has_text="Times in")
    expect(note).to_have_text("Times in UTC")

    app.page.locator(f"#{ids.ZONE} label", has_text="Your zone (Europe/Berlin)").click()
    expect(when).to_have_text("17 Feb 2022, 00:30 CET (01:30 EET)")
    expect(app.page).to_have_url(re.compile(r"[?&]tz=Europe%2FBerlin(&|$)"))
    expect(note).to_have_text("Times in Europe/Berlin")
    app.settle()

    app.page.locator(f"#{ids.ZONE} label", has_text="Each event's own zone").click()
    expect(when).to_have_text("17 Feb 2022, 01:30 EET")
    expect(app.page).to_have_url(re.compile(r"[?&]tz=own(&|$)"))
    app.settle()
    app.assert_no_errors()
