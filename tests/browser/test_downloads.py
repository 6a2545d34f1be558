"""The Download buttons in a browser: the view's events as data arrive as files named after the view, holding what
`timeline export --view` writes for the same address."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from playwright.sync_api import expect

from dashboard.app import ids
from dashboard.cli import cli
from dashboard.export import formats

QUERY = "?category=diplomacy&from=2022-02-14"


def exported(events: Path, fmt: str, out: Path) -> bytes:
    """The file `timeline export --view` writes for QUERY."""
    result = CliRunner(env={"TIMELINE_EVENTS": None}).invoke(
        cli, ["export", "--events", str(events), "--format", fmt, "--view", QUERY, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def steady(content: bytes) -> bytes:
    """An iCalendar file without the time it was made."""
    return re.sub(rb"DTSTAMP:\d+T\d+Z", b"DTSTAMP", content)


def test_the_download_group_offers_pictures_then_data(app):
    app.open()
    group = app.page.get_by_role("group", name="Download")
    expect(group.get_by_role("button")).to_have_text(
        ["PNG", "SVG", "PDF", "JSON", "CSV", "ICS", "TimelineJS", "Alt text", "Chronology", "Word"]
    )
    app.assert_no_errors()


def test_data_downloads_arrive_as_the_export_command_s_files(app, events_dir, tmp_path):
    app.open(QUERY)
    for fmt in ("json", "csv", "ics", "timelinejs"):
        declared = formats.get(fmt)
        with app.page.expect_download(timeout=30_000) as info:
            app.page.get_by_role("button", name=declared.label, exact=True).click()
        download = info.value
        name = download.suggested_filename
        assert re.fullmatch(rf"[a-z0-9][a-z0-9._-]*\.{declared.extension}", name) and len(name) <= 120, name
        assert "diplomacy" in name and "2022-02-14" in name, name
        content = Path(download.path()).read_bytes()
        assert steady(content) == steady(exported(events_dir, fmt, tmp_path / f"exported.{fmt}")), fmt
        expect(app.page.locator(f"#{ids.DOWNLOAD_STATUS}")).to_be_empty()
    app.assert_no_errors()
