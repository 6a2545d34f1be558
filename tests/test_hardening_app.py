"""The app under bad input: an emptied folder, dates past what pandas holds, huge searches, failing renders,
long and hostile names, a leaking index cache and unbounded picture downloads. Each test failed before its fix."""

from __future__ import annotations

import datetime as dt
import gc
import json
import logging
import os
import re
import shutil
import sys
import time
import weakref
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import dashboard.cli as cli_module
from dashboard import index
from dashboard.app import state
from dashboard.cli import cli
from dashboard.figure import timeline_figure
from dashboard.store import load_collection
from dashboard.table import Collection
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


def test_export_command_refuses_a_far_date_flag_with_the_years_it_can_show(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["export", "--events", str(EVENTS), "--format", "png", "--out", str(tmp_path / "t.png"), "--to", "9999-12-31"],
    )
    assert result.exit_code == 2 and result.exception is not None and "Traceback" not in result.output
    assert "outside the years the timeline can show (1700–2199)" in result.output
    assert not (tmp_path / "t.png").exists()


@pytest.mark.parametrize("flags", [["--view", "?to=9999-12-31"], ["--view", "?from=1600-01-01"]])
def test_export_command_clamps_a_far_date_with_a_warning_not_a_traceback(monkeypatch, tmp_path, flags):
    drawn: list[Any] = []
    monkeypatch.setattr(cli_module, "write_pictures", lambda pictures, **_: drawn.extend(pictures))  # no browser
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

    def __init__(self, folder: Path, engine: str = "pandas") -> None:
        from dashboard.app import create_app

        self.app = create_app(folder, engine=engine)
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
    assert status == 200 and texts(out["event-count"]) == "1 event"
    assert not texts(out["empty-result"])


def test_a_folder_of_no_good_event_says_the_problems_say_why_not_how_to_add_one(folder):
    for path in folder.iterdir():
        path.unlink()
    (folder / "broken.yaml").write_text("title: Broken\ndate: 2022-02-30\ncategory: diplomacy\n", "utf-8")
    status, page = Client(folder).layout()
    assert status == 200 and "broken.yaml:2:7:" in page
    assert "No events to show: the problems above say why" in page and "No events yet" not in page


def test_a_duckdb_file_that_cannot_be_built_is_one_problem_and_one_line_of_log(folder, monkeypatch, caplog):
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(folder.parent / "cache"))
    monkeypatch.setattr(sys, "executable", str(folder / "no-such-python"))  # no process to build in
    with caplog.at_level(logging.ERROR):
        client = Client(folder, engine="duckdb")
        for _ in range(3):
            status, page = client.layout()
            assert status == 200
    assert "the events could not be built into their DuckDB file; trying again within 60 s" in page
    assert "No events to show" in page and "No events yet" not in page
    failures = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(failures) == 1 and failures[0].exc_info is None, "one line, once, not a traceback a request"


# ---- 4 and 8 in the page: the warnings are shown ---------------------------------------------------------------


def test_a_far_date_and_a_huge_search_in_the_address_draw_with_their_warnings_shown():
    client = Client(EVENTS)
    status, out = client.render("?" + urlencode({"to": "9999-12-31", "q": "x " * 100_000}))
    assert status == 200
    notice = texts(out["view-notice"])
    assert "clamped to 2199-12-31" in notice and "the search was cut" in notice
    assert "status" in roles(out["view-notice"])
    assert out["filter-dates-to"]["value"] == f"{MAX_DAY:%-d %b %Y}"


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


def test_indexes_keep_only_the_last_few_tables_alive(collection):
    refs = []
    for _ in range(40):
        made = Collection(collection.events.copy(), [], collection.settings)  # a fingerprint of its own
        built = index.index_for(made)
        assert built.choices["actor"] and len(built.places)
        assert built.row(made.events["id"].iloc[0])["id"] == made.events["id"].iloc[0]
        assert index.index_for(made).memo is built.memo, "the same collection shares its look-ups"
        built.memo["table"] = made.events  # the look-ups may hold their table: the count bounds them
        refs.append(weakref.ref(made.events))
    del made, built
    gc.collect()
    alive = [ref() is not None for ref in refs]
    assert not any(alive[: -index.MAX_TABLES]), f"{sum(alive)} of 40 dropped tables are kept alive by the index cache"
    assert len(index._indexes) <= index.MAX_TABLES


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
        built = index.index_for(loaded)
        assert built.choices["actor"] and len(built.places) == rows

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


# ---- 9 and 17. long and hostile names, density hover, map spread ----------------------------------------------

LONG = "Ministry" + "x" * 5_000  # one word of 5,000 characters: the dropdown's search indexes its every substring
LINK = '<a href="https://example.org/">click</a>'
RLO = "\u202eevil"  # a right-to-left override that is never closed
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def balanced(text: str) -> bool:
    """True when every bidi embedding, override and isolate in ``text`` is closed within it."""
    depth = 0
    for char in BIDI.findall(text):
        depth += 1 if char not in "\u202c\u2069" else -1
        if depth < 0:
            return False
    return depth == 0


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):  # not numbers sent as base64 ("bdata")
        return [s for key, item in value.items() if key != "bdata" for s in strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in strings(item)]
    if hasattr(value, "tolist"):
        return strings(value.tolist())
    return []


def hostile_events(collection, copies: int = 1) -> pd.DataFrame:
    """The bundled events with long, linking and bidi names as actors, places and tags (``copies`` times over)."""
    events = pd.concat([collection.events] * copies, ignore_index=True)
    events["id"] = [f"event-{i}" for i in range(len(events))]
    names = [LONG, LINK, RLO, "plain"]
    events["actors"] = [[names[i % 4], names[(i + 1) % 4]] for i in range(len(events))]
    events["places"] = [[{"name": names[i % 4], "lat": 50.45, "lon": 30.52}] for i in range(len(events))]
    events["tags"] = [[names[(i + 2) % 4]] for i in range(len(events))]
    events["links"] = [[] for _ in range(len(events))]
    return events


@pytest.mark.parametrize("copies", [1, 100], ids=["marks", "density"])
@pytest.mark.parametrize("lanes", ["category", "actor", "place"])
def test_names_in_figures_are_escaped_clipped_and_bidi_closed(collection, copies, lanes):
    from dashboard.figure import map_figure

    events = hostile_events(collection, copies)
    view = View(lanes=lanes, selected="event-1")
    timeline = timeline_figure(events, view, collection.settings)
    assert (timeline.data[0].type == "heatmap") == (copies > 1)
    for figure in (timeline, map_figure(events, view, collection.settings)):
        payload = figure.to_plotly_json()
        texts_in = strings(payload["data"]) + strings(payload["layout"])
        assert not any("<a href" in s for s in texts_in), "a name became a live link"
        assert all(balanced(s) for s in texts_in), [s for s in texts_in if not balanced(s)][:3]
        assert max(map(len, texts_in)) < 1_000, "a whole long name went into the figure"
        assert len(figure.to_json()) < 400_000


def test_an_empty_density_cell_has_no_hover_and_cells_name_their_lane(collection):
    events = hostile_events(collection, 100)
    wide = View(lanes="actor", start=dt.date(2022, 1, 1), end=dt.date(2022, 3, 31))
    heat = timeline_figure(events, wide, collection.settings).data[0]
    assert heat.type == "heatmap" and heat.hoverongaps is False  # plotly would say "NaN events"
    assert any(pd.isna(v) for row in heat.z for v in row), "the premise: some cells are empty"
    assert "&lt;a href" in {cell for row in heat.text for cell in row} or any(
        "&lt;a href" in cell for row in heat.text for cell in row
    )


def test_the_points_of_one_place_stay_within_a_degree_however_many(collection):
    from dashboard.figure import spread

    nearest = {}
    for count in (2, 7, 60, 1_600):
        table = pd.DataFrame({"id": [f"e{i}" for i in range(count)], "lat": 5.0, "lon": 20.0})
        moved = spread(table)
        distance = ((moved["lat"] - 5.0) ** 2 + ((moved["lon"] - 20.0) * np.cos(np.radians(5.0))) ** 2) ** 0.5
        assert distance.max() <= 1.0, f"{count} points spread {distance.max():.1f}°"
        assert len(set(zip(moved["lat"].round(6), moved["lon"].round(6), strict=True))) == count, "points overlap"
        nearest[count] = distance.min()
    assert nearest[2] > 0.1, "two points must be told apart"


def test_filter_menus_show_clipped_names_with_the_whole_name_on_hover_and_still_filter(collection):
    from dashboard.app import callbacks
    from dashboard.app.layout import controls

    events = hostile_events(collection)
    hostile = Collection(events, [], collection.settings)
    menus = {c.id: c.options for c in _walk(controls(hostile)) if hasattr(c, "options")}
    for kind in ("filter-actor", "filter-place", "filter-tag"):
        long = [option for option in menus[kind] if option["title"] == LONG]
        assert long, menus[kind]
        [option] = long
        assert len(option["label"]) <= 60 and option["label"].endswith("…")
        assert len(option["value"]) <= 60, "the menu's search index covers values too"
        assert all(balanced(o["label"]) for o in menus[kind])
        # the menu's value for the long name filters on the whole name, and the view gives the menu that value back
        name = kind.removeprefix("filter-")
        chosen = state.from_controls(View(), {name: [option["value"]]}, index.index_for(hostile).option_names)
        assert getattr(chosen, name) == (LONG,)
        assert len(apply(events, chosen)) > 0
        assert callbacks.control_values(chosen)[name] == [option["value"]]


def test_names_in_the_detail_card_are_isolated_and_clipped(collection):
    from dash import html

    from dashboard.app.cards import detail_card

    built = index.index_for(Collection(hostile_events(collection), [], collection.settings))
    card = detail_card(built.row("event-2"), built, View(selected="event-2"), collection.settings)
    isolated = [c.children for c in _walk(card) if isinstance(c, html.Bdi)]
    assert RLO in isolated or any(RLO in str(text) for text in isolated), isolated
    assert max(len(str(text)) for text in isolated) < 300, "a 5,000-character name in full"


def _walk(component: Any) -> list[Any]:
    """A component and everything inside it."""
    found = [component]
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        if hasattr(child, "to_plotly_json"):
            found.extend(_walk(child))
    if isinstance(component, list):
        for child in component:
            found.extend(_walk(child))
    return found


def test_a_picture_subtitle_shows_the_start_of_long_filter_names():
    from dashboard.view import describe

    subtitle = describe(View(actor=(LONG, "NATO")))
    assert len(subtitle) < 120 and "NATO" in subtitle and "Ministryxxx" in subtitle


# ---- 7. picture downloads --------------------------------------------------------------------------------------


def drawn(fmt: str) -> bytes:
    """What the stand-in browser draws: the start a real file of the format has (the download checks it), then
    the format's name."""
    start = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<svg>", "pdf": b"%PDF-1.4\n"}.get(fmt, b"")
    return start + b"picture:" + fmt.encode()


class FakeKaleido:
    """A stand-in for kaleido's browser: counts the browsers made, draws slowly while ``hold`` is unset."""

    made = 0
    hold: Any = None  # a threading.Event, or None to draw at once

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).made += 1

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> FakeKaleido:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        return None

    async def calc_fig(self, fig: Any, opts: Any = None, **kwargs: Any) -> bytes:
        import asyncio

        if type(self).hold is not None:
            await asyncio.to_thread(type(self).hold.wait, 10)
        return drawn(str((opts or {}).get("format")))


@pytest.fixture
def fake_kaleido(monkeypatch):
    import kaleido

    import dashboard.export.browser as browser

    FakeKaleido.made, FakeKaleido.hold = 0, None
    monkeypatch.setattr(kaleido, "Kaleido", FakeKaleido)
    close = browser.renderer.close
    if close:
        close()  # a browser left from an earlier test would be reused
    yield FakeKaleido
    if FakeKaleido.hold is not None:
        FakeKaleido.hold.set()
    if close:
        close()


def small_figure() -> Any:
    import plotly.graph_objects as go

    return go.Figure(go.Scatter(x=[1, 2], y=[1, 2]), layout={"width": 400, "height": 300})


def test_downloads_reuse_one_browser(fake_kaleido):
    from dashboard.export import render_picture

    for fmt in ("png", "svg", "png", "svg"):  # (a PDF is also given its metadata, which needs a real one)
        assert render_picture(small_figure(), fmt) == drawn(fmt)
    assert fake_kaleido.made == 1, f"{fake_kaleido.made} browsers for four pictures"


def test_at_most_two_pictures_are_drawn_at_once_and_a_third_is_told_to_try_again(fake_kaleido):
    import threading

    from dashboard.export import ExportError, render_picture

    fake_kaleido.hold = threading.Event()
    results: dict[int, Any] = {}

    def draw(number: int) -> None:
        try:
            results[number] = render_picture(small_figure(), "png")
        except ExportError as error:
            results[number] = error

    slow = [threading.Thread(target=draw, args=(n,)) for n in (1, 2)]
    for thread in slow:
        thread.start()
    time.sleep(0.5)
    third = threading.Thread(target=draw, args=(3,))
    started = time.perf_counter()
    third.start()
    third.join(timeout=8)
    assert not third.is_alive(), "a third picture waited for the two being drawn"
    assert isinstance(results[3], ExportError) and "try again" in str(results[3])
    assert time.perf_counter() - started < 5
    fake_kaleido.hold.set()
    for thread in slow:
        thread.join(timeout=10)
    assert results[1] == results[2] == drawn("png")


@pytest.mark.parametrize(
    "layout, scale",
    [
        ({"width": 20_000, "height": 800}, 1.0),
        ({"width": 1600, "height": 60_000}, 1.0),
        ({"width": 1600, "height": 900}, 50.0),
        ({"width": 8000, "height": 8000}, 2.0),
    ],
)
def test_oversized_pictures_are_refused_before_a_browser_starts(fake_kaleido, layout, scale):
    import plotly.graph_objects as go

    from dashboard.export import ExportError, render_picture

    with pytest.raises(ExportError, match="px"):
        render_picture(go.Figure(layout=layout), "png", scale)
    assert fake_kaleido.made == 0


def test_the_download_serves_only_the_formats_the_page_offers(fake_kaleido):
    from dashboard.app import ids

    client = Client(EVENTS)
    status, page = client.layout()
    offered = [
        found["format"]
        for found in re.findall(r'"id": (\{[^{}]*\})', page)
        for found in [json.loads(found)]
        if found.get("type") == "download-button"
    ]
    assert (
        tuple(offered)
        == ids.DOWNLOAD_FORMATS
        == ("png", "svg", "pdf", "json", "csv", "ics", "timelinejs", "alt", "md", "docx")
    )
    button = '{"format":["ALL"],"type":"download-button"}'
    for fmt in ("png", "json", "html", "jpeg", "webp", "../json"):
        status, out = client.call(
            "download.data",
            {"url.search": ""},
            f"{json_id(fmt)}.n_clicks",
            {button: [({"format": fmt, "type": "download-button"}, 1)]},
        )
        assert status == 200, fmt
        if fmt in ("png", "json"):
            assert out["download"]["data"]["filename"].endswith(f".{fmt}")
        else:
            assert "download" not in out or out["download"].get("data") is None, f"{fmt} was served"
            assert "not offered" in texts(out["download-status"]), out


def test_picture_names_are_short_and_safe(folder):
    from dashboard.app.download import download_name as picture_name

    settings = folder / "_collection.yaml"
    settings.write_text('title: "../../etc/passwd <script> ' + "very long title " * 50 + '"\n', encoding="utf-8")
    collection = load_collection(folder)
    categories = tuple(f"category-{i}" for i in range(5_000))
    name = picture_name(collection, View(category=categories, start=dt.date(2022, 2, 14)), "png")
    assert len(name) <= 120 and name.endswith(".png"), name[:200]
    assert re.fullmatch(r"[a-z0-9][a-z0-9._-]*\.png", name), name[:200]
    assert ".." not in name


# ---- 5. crafted requests: one bad parameter never fails the request --------------------------------------------


def click(value: Any) -> dict[str, Any]:
    """A timeline click as the page's pick reports it to the server."""
    return {"kind": "click", "value": value, "selected": None, "shown": False}


@pytest.mark.parametrize(
    "values, changed, status",
    [
        ({"viewport-store.data": {"width": "wide"}}, "viewport-store.data", 200),
        ({"viewport-store.data": {"width": 1e12}}, "viewport-store.data", 200),
        ({"viewport-store.data": ["not", "a", "dict"]}, "viewport-store.data", 200),
        ({"url.search": 12345, "viewport-store.data": {"width": 900}}, "viewport-store.data", 200),
        ({"map.clickData": {"points": [{"customdata": {"id": "x"}}]}}, "map.clickData", 204),
        ({"pick-store.data": click({"points": [{"customdata": [["nested"]]}]})}, "pick-store.data", 204),
        ({"pick-store.data": click({"points": [{"x": "9999-12-31"}]})}, "pick-store.data", 204),
        (
            {"pick-store.data": click({"points": [{"x": "2022-02-16"}]}), "url.search": "?to=2262-04-11"},
            "pick-store.data",
            200,
        ),
        ({"zoom-store.data": {"xaxis.range": "2022-01-01"}}, "zoom-store.data", 204),
        ({"pick-store.data": {"kind": "key", "value": "ArrowRight"}}, "pick-store.data", 204),
        ({"pick-store.data": {"kind": "drag", "value": {}}}, "pick-store.data", 204),
        ({"pick-store.data": ["click"]}, "pick-store.data", 204),
        ({"pick-store.data": {"kind": "click", "value": None, "selected": "no-such-event"}}, "pick-store.data", 204),
        (
            {"pick-store.data": {"kind": "key", "value": None, "selected": {"id": 1}, "shown": "yes"}},
            "pick-store.data",
            204,
        ),
        ({"filter-dates.value": "someday"}, "filter-dates.value", 200),
        ({"filter-actor.value": {"a": 1}}, "filter-actor.value", 200),
        ({"filter-category.value": 123}, "filter-category.value", 200),
        ({"filter-tag.value": float("nan")}, "filter-tag.value", 200),
        ({"pick-store.data": click({"points": [{"x": float("nan"), "y": "military"}]})}, "pick-store.data", 204),
    ],
    ids=[
        "width-text",
        "width-huge",
        "viewport-list",
        "url-number",
        "map-dict",
        "click-nested",
        "cell-far",
        "cell-near-limit",
        "zoom-text",
        "keys-text",
        "pick-kind",
        "pick-list",
        "pick-unknown-event",
        "pick-shown-dict",
        "date-text",
        "actor-dict",
        "category-number",
        "tag-nan",
        "cell-nan",
    ],
)
def test_a_crafted_parameter_never_fails_the_request(values, changed, status):
    """A bad value the page reads is ignored (204: nothing changes) or drawn around (200: no failure notice)."""
    client = Client(EVENTS)
    values = {"url.search": "?category=military", "viewport-store.data": {"width": 1100}, **values}
    started = time.perf_counter()
    answered, out = client.call("timeline.figure", values, changed)
    assert answered == status, (answered, out)
    assert time.perf_counter() - started < 10
    assert "alert" not in roles(out.get("view-notice")), texts(out.get("view-notice"))


def test_the_width_a_page_reports_is_kept_to_a_screen():
    from dashboard.app.callbacks import DEFAULT_WIDTH, MAX_WIDTH, MIN_WIDTH, viewport_width

    assert viewport_width({"width": 1e12}) == MAX_WIDTH  # density buckets grow with the width: memory
    assert viewport_width({"width": -5}) == MIN_WIDTH
    assert viewport_width({"width": "wide"}) == viewport_width(None) == DEFAULT_WIDTH


def test_warnings_describe_the_last_change_only():
    read = View.from_query("?to=9999-12-31")
    assert read.warnings and read.with_(theme="dark").warnings == ()  # the next action rewrites the link
    assert View().with_(end=dt.date(9999, 1, 1)).warnings == (read.warnings[0].replace("9999-12-31", "9999-01-01"),)


@pytest.mark.parametrize(
    "query",
    ["?from=2022-02-14T06:30&to=2022-02-14T06:30", "?from=2022-02-14T06:30:00.123456&to=2022-02-14T06:30:00.2"],
)
def test_a_link_from_a_minute_to_the_same_minute_shows_that_minute_without_a_swap(collection, query):
    view = View.from_query(query)
    assert view.warnings == ()
    assert view.bounds() == (pd.Timestamp("2022-02-14 06:30"), pd.Timestamp("2022-02-14 06:31"))
    figure = timeline_figure(apply(collection.events, view), view, collection.settings)
    lo, hi = figure.layout.xaxis.range
    assert hi > lo


def test_an_axis_never_has_no_width():
    import datetime as dt

    from dashboard.figure import x_range

    events = load_collection(EVENTS).events.head(0)
    view = View(start=dt.datetime(2022, 2, 14, 6, 30), end=dt.datetime(2022, 2, 14, 6, 31))
    object.__setattr__(view, "end", view.start)  # however a view came to be: the axis still has a width
    lo, hi = x_range(events, view)
    assert hi - lo >= 60e9


def test_the_server_compresses_what_the_page_loads():
    client = Client(EVENTS)
    page = client.http.get("/")
    script = next(s for s in re.findall(r'src="([^"]+\.js[^"]*)"', page.get_data(as_text=True)) if "react" in s)
    plain = client.http.get(script)
    packed = client.http.get(script, headers={"Accept-Encoding": "gzip"})
    assert packed.headers.get("Content-Encoding") == "gzip"
    assert len(packed.get_data()) < len(plain.get_data()) / 2  # Dash's and plotly's scripts shrink by two thirds
    layout = client.http.get("/_dash-layout", headers={"Accept-Encoding": "gzip"})
    assert layout.headers.get("Content-Encoding") == "gzip"
