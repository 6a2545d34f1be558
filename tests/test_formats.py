"""The export formats' registry: the command line, the dispatch, the app's Download buttons and what its download
serves all read it, so a format declared there (and only there) is offered everywhere; and the app's data downloads
are the export command's files, without a browser, capped in size."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

import dashboard.app.download as download
import dashboard.export.browser as browser
import dashboard.export.data as data_formats
from dashboard.app import ids
from dashboard.cli import cli
from dashboard.export import ExportError, formats, render_picture
from dashboard.export.formats import DataFormat, PictureFormat
from dashboard.model import CollectionSettings

EVENTS = Path(__file__).resolve().parents[1] / "events"
QUERY = "?category=diplomacy&from=2022-02-14"
BUTTON = '{"format":["ALL"],"type":"download-button"}'


def count_events(events: pd.DataFrame, settings: CollectionSettings, warn: Any = None) -> str:
    """A dummy data format: how many events, and the collection's title."""
    return f"{len(events)} events of {settings.title}\n"


DUMMY = DataFormat(
    name="dummy",
    extension="txt",
    media_type="text/plain",
    make=count_events,
    label="Dummy",
    about="a count of its events",
)


def timeline(*args: object) -> Any:
    result = CliRunner(env={"TIMELINE_EVENTS": None, "COLUMNS": "200"}).invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


class App:
    """The Dash app in this process: its page, and its download callback called as the page calls it."""

    def __init__(self) -> None:
        from dashboard.app import create_app

        self.app = create_app(EVENTS)
        self.http = self.app.server.test_client()

    def buttons(self) -> list[tuple[str, str]]:
        """(format, text) of each Download button of the page, in order."""
        found: list[tuple[str, str]] = []

        def walk(node: Any) -> None:
            if isinstance(node, list):
                for child in node:
                    walk(child)
            elif isinstance(node, dict):
                props = node.get("props")
                ident = props.get("id") if isinstance(props, dict) else None
                if isinstance(ident, dict) and ident.get("type") == "download-button":
                    found.append((ident["format"], props["children"]))
                for child in node.values():
                    walk(child)

        walk(self.http.get("/_dash-layout").get_json())
        return found

    def download(self, fmt: str, search: str = "") -> dict[str, Any]:
        """The callback's answer to a click on the ``fmt`` button: {'download': ..., 'download-status': ...}."""
        key = next(k for k in self.app.callback_map if "download.data" in k)
        entry = self.app.callback_map[key]
        button = {"format": fmt, "type": "download-button"}
        body = {
            "output": key,
            "outputs": [{"id": o.component_id, "property": o.component_property} for o in entry["output"]],
            "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
            "state": [{"id": "url", "property": "search", "value": search}],
            "changedPropIds": [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"],
        }
        response = self.http.post("/_dash-update-component", json=body)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return response.get_json()["response"]


def file_of(answer: dict[str, Any]) -> tuple[str, str, bytes]:
    """(file name, media type, bytes) of a download the callback sent."""
    sent = answer["download"]["data"]
    return sent["filename"], sent["type"], base64.b64decode(sent["content"])


def status_text(answer: dict[str, Any]) -> str:
    return json.dumps(answer.get("download-status", {}), ensure_ascii=False)


@pytest.fixture
def app() -> App:
    return App()


# ---- one declaration, read everywhere --------------------------------------------------------------------------


def test_the_command_line_offers_the_registry_and_says_so_in_its_help():
    shown = timeline("export", "--help").output
    assert f"[{'|'.join(formats.REGISTRY)}]" in shown
    assert " ".join(formats.help_text().split()) in " ".join(shown.split())
    assert formats.help_text() == (
        "Data (json, csv, ics, timelinejs, alt, md, docx) or a picture (png, svg, pdf, html)."
    )


def test_the_page_offers_the_registry_s_offered_formats_pictures_first(app):
    assert app.buttons() == [
        ("png", "PNG"),
        ("svg", "SVG"),
        ("pdf", "PDF"),
        ("json", "JSON"),
        ("csv", "CSV"),
        ("ics", "ICS"),
        ("timelinejs", "TimelineJS"),
        ("alt", "Alt text"),
        ("md", "Chronology"),
        ("docx", "Word"),
    ]
    assert tuple(fmt for fmt, _ in app.buttons()) == ids.DOWNLOAD_FORMATS


def test_a_format_declared_in_the_registry_alone_is_offered_everywhere(monkeypatch, app):
    monkeypatch.setitem(formats.REGISTRY, DUMMY.name, DUMMY)
    # the command line: a choice, named in the help, and made by its function
    shown = " ".join(timeline("export", "--help").output.split())
    assert "--format [json|csv|ics|timelinejs|alt|md|docx|png|svg|pdf|html|dummy]" in shown
    assert "Data (json, csv, ics, timelinejs, alt, md, docx, dummy) or a picture (png, svg, pdf, html)." in shown
    result = timeline("export", "--events", EVENTS, "--format", "dummy", "--view", QUERY)
    assert result.exit_code == 0, result.output
    assert result.stdout == "3 events of NATO, Russia and Ukraine — 16 February 2022\n"
    # the page: a button with its label, among the data formats; the download: its file, name and media type
    assert ("dummy", "Dummy") in app.buttons() and app.buttons()[-1] == ("dummy", "Dummy")
    name, media_type, content = file_of(app.download("dummy", QUERY))
    assert content.decode() == result.stdout
    assert media_type == "text/plain" and name.endswith("_2022-02-14_diplomacy_dummy.txt"), name


def test_a_format_the_app_does_not_offer_is_neither_a_button_nor_served(monkeypatch, app):
    hidden = DataFormat(
        name="hidden",
        extension="txt",
        media_type="text/plain",
        make=count_events,
        label="Hidden",
        about="a count",
        offered=False,
    )
    monkeypatch.setitem(formats.REGISTRY, hidden.name, hidden)
    assert "hidden" not in dict(app.buttons()) and "hidden" not in ids.DOWNLOAD_FORMATS
    answer = app.download("hidden")
    assert "download" not in answer and "not offered" in status_text(answer)
    assert timeline("export", "--events", EVENTS, "--format", "hidden").exit_code == 0  # the command line has it


def test_every_format_has_an_extension_a_media_type_and_its_kind_of_function():
    for name, fmt in formats.REGISTRY.items():
        assert fmt.name == name and re.fullmatch(r"[a-z0-9]+(\.[a-z0-9]+)?", fmt.extension), name
        assert re.fullmatch(r"[a-z]+/[a-z0-9.+-]+", fmt.media_type), name
        assert isinstance(fmt, DataFormat if fmt.kind == "data" else PictureFormat), name
    assert formats.get("timelinejs").extension == "json" and formats.get("svg").media_type == "image/svg+xml"


def test_the_dispatch_refuses_an_unknown_format_or_one_of_the_other_kind():
    from dashboard.store import load_collection
    from dashboard.view import View

    loaded = load_collection(EVENTS)
    with pytest.raises(ExportError, match="unknown format"):
        formats.get("jpeg")
    with pytest.raises(ExportError, match="not a data format"):
        formats.data_export(loaded, View(), "png")
    with pytest.raises(ExportError, match="not a picture format"):
        render_picture(None, "csv")  # type: ignore[arg-type]
    assert formats.data_export(loaded, View(), "json").startswith("[")


# ---- the app's data downloads ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv", "ics", "timelinejs"])
def test_a_data_download_is_the_export_command_s_file_of_the_same_view(fmt, app, tmp_path):
    name, media_type, content = file_of(app.download(fmt, QUERY))
    out = tmp_path / "exported"
    exported = timeline(
        "export", "--events", EVENTS, "--format", fmt, "--view", "http://127.0.0.1:8050/" + QUERY, "--out", out
    )
    assert exported.exit_code == 0, exported.output

    def steady(text: bytes) -> bytes:  # an iCalendar file is stamped with the time it was made
        return re.sub(rb"DTSTAMP:\d+T\d+Z", b"DTSTAMP", text)

    assert steady(content) == steady(out.read_bytes())
    lowered = content.lower()  # TimelineJS names the groups by their labels ("Diplomacy"), the others by keys
    assert lowered.count(b"diplomacy") >= 3 and b"javelin" not in lowered  # the view's events, not all
    assert media_type == formats.get(fmt).media_type
    assert re.fullmatch(r"[a-z0-9][a-z0-9._-]*\.(json|csv|ics)", name) and len(name) <= 120, name
    assert name.endswith(f".{formats.get(fmt).extension}")


def test_json_and_timelinejs_files_have_names_apart(app):
    json_name, _, _ = file_of(app.download("json", QUERY))
    timelinejs_name, _, _ = file_of(app.download("timelinejs", QUERY))
    assert json_name != timelinejs_name and timelinejs_name.endswith("_timelinejs.json")


def test_a_data_download_needs_no_browser_even_when_every_drawing_slot_is_taken(monkeypatch, app):
    def no_browser(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a data download started the browser")

    monkeypatch.setattr(browser.renderer, "_running_loop", no_browser)
    taken = [browser.renderer._slots.acquire(timeout=1) for _ in range(browser.RENDERS_AT_ONCE)]
    assert all(taken)
    try:
        monkeypatch.setattr(browser, "RENDER_WAIT_S", 0.1)
        assert file_of(app.download("csv", QUERY))[2].startswith(b"id,title,")
        busy = app.download("png", QUERY)  # a picture now waits for a slot, and is told to try again
        assert "download" not in busy and "try again" in status_text(busy)
    finally:
        for _ in taken:
            browser.renderer._slots.release()


def test_a_data_download_is_capped_in_events_and_bytes(monkeypatch, app):
    monkeypatch.setattr(download, "DOWNLOAD_EVENTS", 1)
    answer = app.download("json", QUERY)
    assert "download" not in answer
    assert "3 events, more than a download may hold (1)" in status_text(answer)
    assert "timeline export --view" in status_text(answer)
    monkeypatch.setattr(download, "DOWNLOAD_EVENTS", 3)
    assert file_of(app.download("json", QUERY))[0].endswith(".json")
    monkeypatch.setattr(download, "DOWNLOAD_BYTES", 100)
    answer = app.download("json", QUERY)
    assert "download" not in answer and "more than a download may be" in status_text(answer)


def test_a_data_download_names_the_events_it_left_out(monkeypatch, app):
    real = data_formats._ics_event

    def failing(row: dict[str, Any], stamp: Any) -> Any:
        if row["id"] == "biden-scholz-call":
            raise ValueError("cannot write this one")
        return real(row, stamp)

    monkeypatch.setattr(data_formats, "_ics_event", failing)
    answer = app.download("ics", "?category=diplomacy")
    _, _, content = file_of(answer)
    assert content.count(b"BEGIN:VEVENT") == 2
    note = status_text(answer)
    assert "biden-scholz-call: skipped in the iCalendar export: cannot write this one" in note
    assert '"role": "status"' in note


def test_a_data_download_that_fails_answers_with_an_alert_naming_the_file(monkeypatch, app, caplog):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("column")

    monkeypatch.setattr(download, "data_export", broken)
    answer = app.download("csv")
    assert "download" not in answer and "This file could not be drawn" in status_text(answer)
    assert any(record.exc_info for record in caplog.records)


def test_picture_downloads_stay_as_they_were(monkeypatch, app):
    drawn: list[tuple[str, float]] = []

    def fake_render(figure: Any, fmt: str, scale: float = 1.0, about: Any = None) -> bytes:
        drawn.append((fmt, scale))
        return b"picture"

    monkeypatch.setattr(download, "render_picture", fake_render)
    name, media_type, content = file_of(app.download("svg", QUERY))
    assert (content, media_type, drawn) == (b"picture", "image/svg+xml", [("svg", 1.0)])
    assert name.endswith("_2022-02-14_diplomacy.svg"), name
