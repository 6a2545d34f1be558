"""The app under bad input: an emptied folder, dates past what pandas holds, huge searches, failing renders,
long and hostile names, a leaking index cache and unbounded picture downloads. Each test failed before its fix."""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import shutil
import time
import weakref
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

import dashboard.cli as cli_module
from dashboard import index
from dashboard.app import state
from dashboard.cli import cli
from dashboard.figure import timeline_figure
from dashboard.store import load_collection
from dashboard.view import MAX_DAY, MAX_QUERY_CHARS, MAX_QUERY_WORDS, MIN_DAY, View, apply

EVENTS = Path(__file__).resolve().parents[1] / "events"


@pytest.fixture(scope="module")
def collection():
    return load_collection(EVENTS)


# ---- 4. dates outside what pandas can hold ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, start, end",
    [
        ("?to=9999-12-31", None, MAX_DAY),
        ("?from=1600-01-01", MIN_DAY, None),
        ("?from=0001-01-01&to=9999-12-31", MIN_DAY, MAX_DAY),
        ("?from=9999-01-01", MAX_DAY, None),
    ],
)
def test_dates_past_the_drawable_range_are_clamped_with_a_warning_and_draw(collection, query, start, end):
    view = View.from_query(query)
    assert (view.start, view.end) == (start, end)
    assert any("clamped" in warning for warning in view.warnings), view.warnings
    timeline_figure(apply(collection.events, view), view, collection.settings)  # no overflow
    assert View.from_query(view.to_query()) == view, "the clamped view's own link reads back the same"


def test_every_path_to_a_view_clamps_alike():
    far = dt.date(9999, 12, 31)
    assert View(end=far).end == MAX_DAY
    assert View().with_(start=dt.date(1500, 1, 1)).start == MIN_DAY
    assert state.from_controls(View(), {"start": "1600-01-01", "end": "9999-12-31"}).start == MIN_DAY
    assert state.from_controls(View(), {"start": "1600-01-01", "end": "9999-12-31"}).end == MAX_DAY


@pytest.mark.parametrize(
    "relayout",
    [
        {"xaxis.range[0]": "2019-03-01 00:00:00", "xaxis.range[1]": "2400-05-01 12:00:00"},
        {"xaxis.range": ["1500-01-01", "2022-02-16"]},
        {"xaxis.range": [-1e16, 1e16]},  # milliseconds far past any datetime
        {"xaxis.range": ["-0500-01-01", "12000-01-01"]},  # plotly's far years, which pandas cannot read
    ],
)
def test_zooming_out_past_the_drawable_range_clamps_the_view(collection, relayout):
    view = state.zoom(View(), relayout)
    assert view.start is not None and view.end is not None
    assert MIN_DAY <= view.start <= view.end <= MAX_DAY
    timeline_figure(apply(collection.events, view), view, collection.settings)


@pytest.mark.parametrize("flags", [["--to", "9999-12-31"], ["--view", "?from=1600-01-01"]])
def test_export_command_clamps_a_far_date_with_a_warning_not_a_traceback(monkeypatch, tmp_path, flags):
    drawn: list[Any] = []
    monkeypatch.setattr(cli_module, "write_pictures", drawn.extend)  # the figure is made; no browser needed
    result = CliRunner().invoke(
        cli, ["export", "--events", str(EVENTS), "--format", "png", "--out", str(tmp_path / "t.png"), *flags]
    )
    assert result.exit_code == 0, result.output
    assert result.exception is None and "Traceback" not in result.output
    assert "clamped" in result.stderr
    [picture] = drawn
    assert picture.figure.layout.xaxis.range is not None


# ---- 8. search cost --------------------------------------------------------------------------------------------


def test_a_huge_search_is_cut_to_the_limits_with_a_warning_and_stays_fast(collection):
    words = " ".join(f"word{i}" for i in range(200_000))  # about 1.3 MB
    started = time.perf_counter()
    view = View.from_query("?" + urlencode({"q": words}))
    visible = apply(collection.events, view)
    elapsed = time.perf_counter() - started
    assert len(view.q) <= MAX_QUERY_CHARS and len(view.q.split()) <= MAX_QUERY_WORDS
    assert any("search" in warning for warning in view.warnings), view.warnings
    assert len(visible) == 0
    assert elapsed < 1.0, f"a 1 MB search took {elapsed:.1f} s"


def test_the_search_cap_holds_for_typed_searches_and_stays_literal(collection):
    typed = state.from_controls(View(), {"q": " ".join(["a"] * 50)})
    assert len(typed.q.split()) == MAX_QUERY_WORDS and typed.warnings
    assert len(apply(collection.events, View(q="[(*+?"))) == 0  # a regex would raise; literal text matches nothing
    assert not View(q="unity day").warnings


# ---- the app over HTTP, as the browser calls it ----------------------------------------------------------------


class Client:
    """The Dash app in this process, called through Flask's test client the way the page calls it."""

    def __init__(self, folder: Path) -> None:
        from dashboard.app import create_app

        self.app = create_app(folder)
        self.http = self.app.server.test_client()

    def layout(self) -> tuple[int, str]:
        """The page's status and everything it holds as JSON text (decoded, so '/' reads as '/')."""
        response = self.http.get("/_dash-layout")
        data = response.get_json(silent=True)
        return response.status_code, json.dumps(data, ensure_ascii=False) if data else response.get_data(as_text=True)

    def call(
        self,
        output_part: str,
        values: dict[str, Any],
        changed: str,
        patterns: dict[str, list[tuple[dict[str, str], Any]]] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Call the callback whose outputs include ``output_part``, with ``values`` by 'id.property'."""
        key = next(k for k in self.app.callback_map if output_part in k)
        entry = self.app.callback_map[key]
        outputs = entry["output"] if isinstance(entry["output"], list) else [entry["output"]]

        def item(spec: dict[str, str]) -> Any:
            if spec["id"].startswith("{"):  # a pattern: every matching component, with its value
                return [
                    {"id": pid, "property": spec["property"], "value": value}
                    for pid, value in (patterns or {}).get(spec["id"], [])
                ]
            return {**spec, "value": values.get(f"{spec['id']}.{spec['property']}")}

        body = {
            "output": key,
            "outputs": [{"id": o.component_id, "property": o.component_property} for o in outputs],
            "inputs": [item(spec) for spec in entry["inputs"]],
            "state": [item(spec) for spec in entry["state"]],
            "changedPropIds": [changed],
        }
        response = self.http.post("/_dash-update-component", json=body)
        data = response.get_json(silent=True) or {}
        return response.status_code, data.get("response", {})

    def render(self, search: str, width: int = 1100) -> tuple[int, dict[str, Any]]:
        """What the page gets when it reports its width for the address ``search``."""
        return self.call(
            "timeline.figure", {"url.search": search, "viewport-store.data": {"width": width}}, "viewport-store.data"
        )


def texts(component: Any) -> str:
    """Every string inside a rendered component tree, joined."""
    if isinstance(component, str):
        return component
    if isinstance(component, dict):
        return " ".join(texts(value) for value in component.values())
    if isinstance(component, list):
        return " ".join(texts(value) for value in component)
    return ""


def roles(component: Any) -> list[str]:
    if isinstance(component, dict):
        own = (
            [component["props"]["role"]]
            if isinstance(component.get("props"), dict) and component["props"].get("role")
            else []
        )
        return own + [role for value in component.values() for role in roles(value)]
    if isinstance(component, list):
        return [role for value in component for role in roles(value)]
    return []


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "events"
    shutil.copytree(EVENTS, target)
    return target


# ---- 3. a folder emptied while the app runs --------------------------------------------------------------------

RETURNING = """\
title: An event written after the folder was emptied
date: 2022-02-16
category: diplomacy
actors: [Returning Actor]
"""


def test_a_folder_emptied_while_the_app_runs_says_how_to_add_an_event_and_recovers(folder):
    client = Client(folder)
    assert client.layout()[0] == 200
    for path in folder.iterdir():
        path.unlink()

    status, page = client.layout()
    assert status == 200, page[-500:]
    assert "No events yet" in page and "Adding an event" in page and str(folder) in page
    status, out = client.render("")
    assert status == 200
    shown = texts(out["empty-result"])
    assert "No events yet" in shown and "Adding an event" in shown
    assert texts(out["event-count"]) == "0 events"

    (folder / "returning.yaml").write_text(RETURNING, encoding="utf-8")
    status, page = client.layout()
    assert status == 200 and "Returning Actor" in page and "No events yet" not in page
    status, out = client.render("")
    assert status == 200 and texts(out["event-count"]) == "1 events"
    assert not texts(out["empty-result"])


# ---- 4 and 8 in the page: the warnings are shown ---------------------------------------------------------------


def test_a_far_date_and_a_huge_search_in_the_address_draw_with_their_warnings_shown():
    client = Client(EVENTS)
    status, out = client.render("?" + urlencode({"to": "9999-12-31", "q": "x " * 100_000}))
    assert status == 200
    notice = texts(out["view-notice"])
    assert "clamped to 2199-12-31" in notice and "the search was cut" in notice
    assert "status" in roles(out["view-notice"])
    assert out["filter-dates"]["end_date"] == MAX_DAY.isoformat()


# ---- 5. a last-resort guard per request ------------------------------------------------------------------------


def test_a_render_that_fails_answers_with_an_alert_in_the_page_and_logs_the_cause(monkeypatch, caplog):
    import dashboard.app.callbacks as callbacks

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the drawing broke")

    client = Client(EVENTS)
    monkeypatch.setattr(callbacks, "render", broken)
    status, out = client.render("?category=military")
    assert status == 200
    notice = out["view-notice"]
    assert "alert" in roles(notice)
    assert "could not be drawn" in texts(notice) and "the drawing broke" in texts(notice)
    assert "Traceback" not in str(out)
    assert set(out) == {"view-notice"}, "only the alert changes; the rest of the page stays as it was"
    [record] = [r for r in caplog.records if r.exc_info]
    assert record.exc_info[0] is RuntimeError


def test_the_guard_lets_prevent_update_through():
    client = Client(EVENTS)
    status, _ = client.call("timeline.figure", {"url.search": "?category=military"}, "url.search")
    assert status == 204  # the address bar settling before the width is known: nothing to send


def test_a_layout_that_fails_still_serves_a_working_page_with_an_alert(monkeypatch, caplog):
    import dashboard.app.layout as layout

    real = layout.page

    def broken(collection: Any, *args: Any, **kwargs: Any) -> Any:
        if len(collection.events):
            raise ValueError("a bad value in a file")
        return real(collection, *args, **kwargs)

    client = Client(EVENTS)
    monkeypatch.setattr(layout, "page", broken)
    status, page = client.layout()
    assert status == 200
    assert "could not be drawn" in page and "a bad value in a file" in page and '"role": "alert"' in page
    assert '"id": "timeline"' in page and '"id": "view-notice"' in page, "the page keeps every component"
    assert any(r.exc_info for r in caplog.records)


def test_a_download_that_fails_answers_with_an_alert(monkeypatch, caplog):
    import dashboard.app.download as download

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("width")

    client = Client(EVENTS)
    monkeypatch.setattr(download, "picture", broken)
    button = '{"format":["ALL"],"type":"download-button"}'
    status, out = client.call(
        "download.data",
        {"url.search": ""},
        f"{json_id('png')}.n_clicks",
        {button: [({"format": "png", "type": "download-button"}, 1)]},
    )
    assert status == 200
    status_text = out["download-status"]["children"]
    assert "alert" in roles(status_text) and "could not be drawn" in texts(status_text)
    assert any(r.exc_info for r in caplog.records)


def json_id(fmt: str) -> str:
    return json.dumps({"format": fmt, "type": "download-button"}, separators=(",", ":"), sort_keys=True)


# ---- 6. the index cache lets old tables go ---------------------------------------------------------------------


def rss_mb() -> float:
    """This process's resident memory, in MB (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def test_indexes_do_not_keep_their_tables_alive(collection):

    tables = [collection.events.copy() for _ in range(40)]
    for table in tables:
        built = index.index_for(table)
        assert built.choices["actor"] and built.fingerprint and len(built.places)
        assert built.row(table["id"].iloc[0])["id"] == table["id"].iloc[0]
        assert index.index_for(table) is built or index.index_for(table).fingerprint == built.fingerprint
    refs = [weakref.ref(table) for table in tables]
    del tables, table, built
    gc.collect()
    alive = sum(ref() is not None for ref in refs)
    assert alive == 0, f"{alive} of 40 dropped tables are kept alive by the index cache"
    assert len(index._indexes) <= 8


def test_memory_stays_flat_over_200_edits_and_reloads(tmp_path):

    rows = 1_000
    lines = ["title,date,category,actors,place,lat,lon"]
    lines += [
        f"Row {i} of the table,2022-02-{1 + i % 28:02d},military,Actor {i % 300}; Actor B,Place {i % 50},"
        f"{40 + i % 50 / 10},{30 + i % 50 / 10}"
        for i in range(rows)
    ]
    (tmp_path / "table.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    edited = tmp_path / "edited.yaml"

    def cycle(number: int) -> None:
        edited.write_text(f"title: Edit number {number}\ndate: 2022-02-16\ncategory: military\n", encoding="utf-8")
        stamp = 1_700_000_000_000_000_000 + number * 1_000_000_000  # a new mtime each time, however fast
        os.utime(edited, ns=(stamp, stamp))
        loaded = load_collection(tmp_path)
        assert len(loaded.events) == rows + 1 and not loaded.problems, loaded.problems[:3]
        built = index.index_for(loaded.events)
        assert built.choices["actor"] and built.fingerprint and len(built.places) == rows

    for number in range(10):  # warm up: allocators, caches, first imports
        cycle(number)
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    for number in range(10, 210):
        cycle(number)
    gc.collect()
    grown = rss_mb() - before
    assert grown < 10, f"RSS grew {grown:.1f} MB over 200 edits ({time.perf_counter() - started:.1f} s)"
