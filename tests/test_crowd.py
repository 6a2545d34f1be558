"""A crowd (dashboard.crowd): a view of a file's events too big to read row by row, answered by SQL. The page
drawn over one, and every key, quick range and click into its cells, the same as over the table in memory; its
rows never read but a page at a time; each answer asked once, and a failed one asked again."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.io as pio
import pytest

from dashboard import crowd, duck
from dashboard.app import callbacks
from dashboard.app.cards import LIST_PAGE
from dashboard.app.state import quick_range, step, zoom_to_cell
from dashboard.consistency import check
from dashboard.crowd import Crowd
from dashboard.figure import packing
from dashboard.figure.caption import lane_counts
from dashboard.figure.density import finest_ns
from dashboard.figure.packing import HOUR_NS
from dashboard.index import index_for, visible_events
from dashboard.store import load_collection
from dashboard.table import C, Collection
from dashboard.view import View, apply

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import generate  # noqa: E402  # the benchmark's synthetic events

SIZE = 3_000
CROWD = 2_001  # views of more events than the map draws one by one are crowds here


def _varied(folder: Path) -> None:
    """The benchmark's events, with what a crowd's groups must stand for: drafts, open and far bounds, times of
    day, events a month long far from the rest."""
    frame, _ = generate.generate(SIZE, seed=23)
    frame["edtf"] = ""
    frame["status"] = ""
    frame.loc[0:9, "edtf"] = "../2016-02-01"  # an open start: the axis reaches out to where its fade ends
    frame.loc[10:19, "edtf"] = "2016-02-20/.."  # an open end
    frame.loc[20:29, "date"] = "2016-02-03T10:30"  # times of day: buckets of hours
    frame.loc[30:33, "date"] = "2013-05"  # a month, years before: left off the axis, and said so
    frame.loc[30:33, "end"] = None
    frame.loc[40:40, "date"] = "2019-01-09"  # a day far after the rest
    frame.loc[100:399, "status"] = "draft"  # a lane of drafts
    frame.loc[1000:1999, "approximate"] = True  # about a day: not counted for the busiest day
    frame.loc[100:102, "edtf"] = "2016-03-01/.."  # drafts with open ends
    frame.to_parquet(folder / "events.parquet", index=False)
    (folder / "_collection.yaml").write_text(generate.collection_settings())


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> tuple[Collection, Collection]:
    folder = tmp_path_factory.mktemp("varied")
    _varied(folder)
    loaded = load_collection(folder)
    assert len(loaded.events) == SIZE, loaded.problems[:3]
    path = folder / "events.duckdb"
    duck.write(loaded, path, check(loaded.events, most=duck.WARNINGS_SHOWN))
    engine = duck.Engine(path)
    return loaded, Collection(loaded.events.iloc[:0], loaded.problems, loaded.settings, engine.fingerprint, engine)


@pytest.fixture(params=[packing.FRAMED_MOST, 1_000], ids=["framed by rows", "framed by groups"])
def crowded(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, varied) -> tuple[Collection, Collection]:
    """The collection in memory and in a file, views of more than ``CROWD`` events being crowds; an axis framing
    up to 5,000 events by their rows (the fine events of a crowd read for it), or up to 1,000 (by its groups)."""
    monkeypatch.setattr(crowd, "CROWD_FROM", CROWD)
    monkeypatch.setattr(packing, "FRAMED_MOST", request.param)
    index_for(varied[1]).memo.clear()
    return varied


def _comparable(out: dict[str, Any]) -> dict[str, Any]:
    return {
        name: pio.to_json(value, validate=False) if name in ("timeline", "map") else repr(value)
        for name, value in out.items()
        if name != "screen"
    }


def _views(events: pd.DataFrame) -> list[str]:
    some = events[C.id].iloc[[50, 1500, 120, 25]].tolist()  # a day, another, a draft, one with a time
    return [
        "",
        f"event={some[0]}",
        f"event={some[1]}&theme=dark",
        f"event={some[2]}",
        f"event={some[3]}&mode=sequence",
        "category=military&category=politics&category=diplomacy&category=economy&category=intelligence",
        f"from=2016-01-01&to=2016-12-31&event={some[1]}",
        "from=2016-01-20",
        "to=2016-03-10&lag=1",
        "q=a",
        f"q=a&event={some[0]}",
        "event=no-such-event",
        "q=e",  # a search most events match: found once, then read beside the events
        f"q=e&event={some[0]}&from=2016-01-15",
    ]


def test_a_crowds_page_is_the_tables(crowded):
    loaded, filed = crowded
    crowds = 0
    for query in _views(loaded.events):
        view = View.from_query(query)
        shown = callbacks.render(filed, view, 1200)
        expected = callbacks.render(loaded, view, 1200)
        assert _comparable(shown) == _comparable(expected), query
        crowds += isinstance(visible_events(filed, view), Crowd)
    assert crowds == 13  # all but the search for "a", which leaves fewer


def test_what_a_crowds_captions_say_is_what_it_holds(crowded):
    loaded, filed = crowded
    shown = callbacks.render(filed, View(), 1200)
    label = shown["timeline_label"]
    assert f"{SIZE:,} events" in label and "4 earlier, noted at the left edge" in label, label
    # Framed by its rows, the day years after the rest is left off too; by groups, the axis runs to it.
    framing = packing.FRAMED_MOST >= SIZE
    assert ("1 later, noted at the right edge" in label) == framing and ("2019" in label) != framing, label
    assert finest_ns(visible_events(filed, View())) == HOUR_NS  # times of day: buckets may be an hour
    lanes = dict(lane_counts(visible_events(filed, View()), View(), loaded.settings))
    assert lanes["Drafts"] == 300 and sum(lanes.values()) == SIZE


def test_keys_quick_ranges_and_cells_over_a_crowd_are_the_tables(crowded):
    loaded, filed = crowded
    events = loaded.events
    ids = events[C.id].tolist()
    clicks = ["2016-02-10 12:00", str(events[C.start].iloc[700]), "2013-05-15", "not a date"]
    for selected in [None, ids[0], ids[1500], ids[-1], ids[120], "no-such-event"]:
        view = View(selected=selected)
        whole, ours = visible_events(loaded, view), visible_events(filed, view)
        assert isinstance(ours, Crowd)
        for direction in (1, -1):
            assert step(ours, view, direction) == step(whole, view, direction), (selected, direction)
        for span in ("day", "week", "month", "all"):
            assert quick_range(ours, view, span) == quick_range(whole, view, span), (selected, span)
        for x in clicks:
            click = {"points": [{"x": x}]}
            assert zoom_to_cell(view, click, ours, 1200) == zoom_to_cell(view, click, whole, 1200), (selected, x)
    assert quick_range(visible_events(filed, View()), View(), "all").start == pd.Timestamp("2013-05-01").date()


def test_a_crowd_is_never_read_row_by_row(varied, monkeypatch: pytest.MonkeyPatch):
    loaded, filed = varied
    monkeypatch.setattr(crowd, "CROWD_FROM", CROWD)
    monkeypatch.setattr(packing, "FRAMED_MOST", 1_000)
    index_for(filed).memo.clear()
    pages: list[int] = []
    page = duck.Engine.page

    def counted(self: duck.Engine, view: View, first: int, size: int, *args: Any, **kwargs: Any) -> pd.DataFrame:
        pages.append(size)
        return page(self, view, first, size, *args, **kwargs)

    monkeypatch.setattr(duck.Engine, "page", counted)
    for name in ("frame", "visible", "places"):
        monkeypatch.setattr(duck.Engine, name, lambda *a, **k: pytest.fail("a crowd's rows were read"))
    selected = str(loaded.events[C.id].iloc[1500])
    for view in (View(), View(selected=selected), View(selected=selected, mode="sequence")):
        out = callbacks.render(filed, view, 1200)
        assert out["timeline"]["layout"]["meta"]["density"]
    assert pages and max(pages) <= LIST_PAGE, pages  # the list's page, and the selected event alone


def test_a_crowds_answer_is_asked_once_and_a_failed_one_again():
    asked: list[str] = []
    release = threading.Event()

    class Engine:
        def busiest(self, view: View, exact: bool) -> tuple[pd.Timestamp, int]:
            asked.append("busiest")
            release.wait(5)
            if len(asked) == 1:
                raise RuntimeError("the file went away")
            return pd.Timestamp("2016-02-10"), 3

    crowd_ = Crowd(Engine(), View(), 10_000)
    answers: list[Any] = []

    def ask() -> None:
        try:
            answers.append(crowd_.busiest(True))
        except RuntimeError as error:
            answers.append(str(error))

    first = threading.Thread(target=ask)
    first.start()
    while not asked:
        threading.Event().wait(0.01)
    second = threading.Thread(target=ask)  # waits for the first's answer, which fails: it asks again itself
    second.start()
    release.set()
    first.join(5)
    second.join(5)
    assert sorted(map(str, answers)) == sorted(["the file went away", str((pd.Timestamp("2016-02-10"), 3))])
    assert asked == ["busiest", "busiest"]
    assert crowd_.busiest(True) == (pd.Timestamp("2016-02-10"), 3) and len(asked) == 2  # kept: not asked again
    again = Crowd(Engine(), View(), 10_000)
    asked.clear()  # its first answer fails again, with no one waiting for it: not kept either, the next asks again
    with pytest.raises(RuntimeError):
        again.busiest(True)
    assert again.busiest(True) == (pd.Timestamp("2016-02-10"), 3) and len(asked) == 2


def test_only_views_of_categories_in_utc_are_crowds(varied, monkeypatch: pytest.MonkeyPatch):
    loaded, filed = varied
    monkeypatch.setattr(crowd, "CROWD_FROM", CROWD)
    index_for(filed).memo.clear()
    assert isinstance(visible_events(filed, View()), Crowd)
    assert len(visible_events(filed, View())) == SIZE
    for view in (View(lanes="actor"), View(q="a"), View(start=pd.Timestamp("2016-02-10").date())):
        shown = visible_events(filed, view)
        assert isinstance(shown, pd.DataFrame) == (view.lanes != "category" or len(apply(loaded.events, view)) < CROWD)


def _small_views(events: pd.DataFrame) -> list[View]:
    """Views of a few to a few thousand events: weeks, categories, searches (ties for the busiest day among them)."""
    categories = sorted(set(events[C.category]))
    weeks = pd.date_range("2016-01-04", periods=12, freq="7D")
    views = [View(start=week.date(), end=(week + pd.Timedelta(days=6)).date()) for week in weeks]
    views += [View(category=(category,)) for category in categories]
    views += [View(category=(category,), start=weeks[3].date(), end=weeks[5].date()) for category in categories]
    pairs = pd.date_range("2016-01-05", periods=6, freq="11D")  # two quiet days of a category: often a tie
    views += [
        View(start=d.date(), end=(d + pd.Timedelta(days=1)).date(), category=(c,)) for d in pairs for c in categories
    ]
    return [*views, View(q="a"), View(q="no-such-word"), View(status=("draft",)), View()]


def test_a_crowds_answers_are_the_tables(varied):
    """Each answer of a crowd (asked directly, of views of any size) against its reading of the table."""
    from dashboard.figure.caption import busiest_day
    from dashboard.figure.density import _cells, _crowd_cells

    loaded, filed = varied
    engine = filed.engine
    ids = loaded.events[C.id].tolist()
    ties = 0
    for view, found in ((v, f) for v in _small_views(loaded.events) for f in (False, True)):
        events = apply(loaded.events, view)
        # Asked by the view's filters, or of its events found before (as a search's are: ``Engine.matched``).
        ours = Crowd(engine, view, len(events), engine.matched(view) if found else None)
        assert not found or ours.selection.count == len(events)
        assert ours.busiest(exact=True) == busiest_day(events), view
        days = events[C.start].dt.normalize().value_counts().sort_index()
        assert ours.busiest(exact=False) == ((days.idxmax(), int(days.max())) if len(days) else None), view
        ties += int((days == days.max()).sum() > 1) if len(days) else 0
        assert ours.categories() == list(events[C.category].unique()), view
        assert dict(lane_counts(ours, view, loaded.settings)) == dict(lane_counts(events, view, loaded.settings))
        for event_id in [*ids[::397], *events[C.id].iloc[::7].tolist()[:5]]:
            at = ours.position(event_id)
            hits = (events[C.id] == event_id).to_numpy().nonzero()[0]
            assert (None if at is None else at[0]) == (int(hits[0]) if len(hits) else None), (view, event_id)
            if at is not None:
                assert at[1] == events.index[hits[0]]
        for first in (0, 3, len(events) - 2):
            page = ours.page(first, 5, [C.id, C.start])
            assert page[C.id].tolist() == events[C.id].iloc[max(first, 0) : max(first, 0) + 5].tolist()
            assert list(page.index) == list(events.index[max(first, 0) : max(first, 0) + 5])
        if not len(events):
            continue
        lo, hi = packing.x_range(events, view)
        assert ours.outside(lo + 3 * 86_400e9, hi - 3 * 86_400e9) == packing.outside(
            events, lo + 3 * 86_400e9, hi - 3 * 86_400e9
        )
        for size in (3_600e9, 86_400e9, 2 * 86_400e9):  # an hour, a day and two from a midnight: ends on edges
            buckets = (float(pd.Timestamp("2016-01-01").value), size, int(400 * 86_400e9 / size))
            lanes = sorted(ours.categories())  # the crowd's lanes in the table's order of categories
            shown = _crowd_cells(ours, view.with_(selected=ids[50]), loaded.settings, buckets)
            expected = _cells(events.reset_index(drop=True), view.with_(selected=ids[50]), loaded.settings, buckets)
            assert shown[0] == expected[0] and shown[2:] == expected[2:], (view, lanes)
            assert ((shown[1] == expected[1]) | (pd.isna(shown[1]) & pd.isna(expected[1]))).all(), view
    assert ties >= 4  # the earliest of the busiest days is the one said


def test_a_searched_crowd_is_searched_once(varied, monkeypatch: pytest.MonkeyPatch):
    loaded, filed = varied
    monkeypatch.setattr(crowd, "CROWD_FROM", CROWD)
    index_for(filed).memo.clear()
    searched: list[View] = []
    query = duck.query

    def counted(view: View) -> duck.Query:
        searched.extend([view] if view.q else [])
        return query(view)

    monkeypatch.setattr(duck, "query", counted)
    view = View(q="e", selected=str(loaded.events[C.id].iloc[1500]))
    shown, expected = callbacks.render(filed, view, 1200), callbacks.render(loaded, view, 1200)
    assert _comparable(shown) == _comparable(expected)
    assert isinstance(visible_events(filed, view), Crowd) and len(searched) == 1, searched


def test_a_files_download_leaves_drafts_out_and_counts_before_it_reads(varied, monkeypatch: pytest.MonkeyPatch):
    from dashboard.app import download
    from dashboard.export import ExportError

    loaded, filed = varied
    drafts = set(loaded.events.loc[loaded.events[C.status] == "draft", C.id])
    query = "?from=2016-01-04&to=2016-01-24"
    for fmt in ("csv", "json"):
        assert download.data(filed, query, fmt) == download.data(loaded, query, fmt), fmt
    shown = {record["id"] for record in json.loads(download.data(filed, query, "json")[0])}
    with_drafts = download.data(filed, query, "json", drafts=True)[0]
    assert with_drafts == download.data(loaded, query, "json", drafts=True)[0]
    assert shown and not shown & drafts and {record["id"] for record in json.loads(with_drafts)} & drafts
    monkeypatch.setattr(download, "DOWNLOAD_EVENTS", 100)
    for name in ("frame", "visible"):
        monkeypatch.setattr(duck.Engine, name, lambda *a, **k: pytest.fail("a view too big to download was read"))
    monkeypatch.setattr(crowd, "CROWD_FROM", CROWD)
    index_for(filed).memo.clear()
    with pytest.raises(ExportError, match=f"this view has {SIZE:,} events, more than a download may hold"):
        download.data(filed, "?", "csv")
