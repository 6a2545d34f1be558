"""The events in a DuckDB file (dashboard.duck): every view's events, counts, look-ups and menus the same as the
pandas table's; the app's answers the same over either; the file built once per state of the folder, replaced
whole, and read by a process that never holds the table."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.io as pio
import pyarrow as pa
import pytest

from dashboard import duck
from dashboard.app import callbacks
from dashboard.app.banner import checked
from dashboard.consistency import check
from dashboard.figure import DETAIL_LIMIT, MAP_DETAIL_LIMIT
from dashboard.index import EventIndex, in_zone, index_for, visible_events, wanted_columns
from dashboard.store import load_collection
from dashboard.table import C, Collection, Effect
from dashboard.view import View, apply

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import generate  # noqa: E402  # the benchmark's synthetic events

EVENTS = REPO / "events"
ZONES = ("utc", "Europe/Kyiv", "America/New_York", "own")


def _same(pandas_rows: pd.DataFrame, file_rows: pd.DataFrame) -> None:
    """The same rows (labels and order) with the same values: categoricals compared by value, as a subset of the
    table holds fewer categories than the whole."""
    assert list(file_rows.index) == list(pandas_rows.index)
    assert list(file_rows.columns) == list(pandas_rows.columns)
    pd.testing.assert_frame_equal(pandas_rows.astype(object), file_rows.astype(object))


def _with_engine(collection: Collection, path: Path) -> Collection:
    duck.write(collection, path, check(collection.events, most=duck.WARNINGS_SHOWN))
    engine = duck.Engine(path)
    return Collection(collection.events.iloc[:0], collection.problems, collection.settings, engine.fingerprint, engine)


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Collection, Collection]:
    loaded = load_collection(EVENTS)
    return loaded, _with_engine(loaded, tmp_path_factory.mktemp("duck") / "bundled.duckdb")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Collection, Collection]:
    folder = tmp_path_factory.mktemp("synthetic")
    frame, _ = generate.generate(3_000, seed=11)
    frame.to_parquet(folder / "events.parquet", index=False)
    (folder / "_collection.yaml").write_text(generate.collection_settings())
    loaded = load_collection(folder)
    assert len(loaded.events) == 3_000, loaded.problems[:3]
    return loaded, _with_engine(loaded, tmp_path_factory.mktemp("duck") / "synthetic.duckdb")


BUNDLED_VIEWS = [
    "",
    "q=nato",
    "q=NATO%20ministers",
    "q=Kyiv",
    "q=nobody-writes-this",
    "category=diplomacy",
    "category=diplomacy&category=military",
    "actor=NATO&actor=Russia",
    "place=Kyiv",
    "source=DW",
    "tag=sanctions",
    "status=reported&status=claimed",
    "corroborated=2",
    "from=2022-02-15&to=2022-02-16",
    "from=2022-02-16",
    "to=2022-02-14",
    "from=2022-02-16T06:30&to=2022-02-16T18:00",
    "from=2022-02-16&to=2022-02-16&q=ukraine&category=diplomacy",
]


@pytest.mark.parametrize("query", BUNDLED_VIEWS)
@pytest.mark.parametrize("tz", ZONES)
def test_a_views_events_from_the_file_are_the_tables(bundled, query: str, tz: str):
    loaded, filed = bundled
    view = View.from_query(query).with_(tz=tz)
    expected = apply(in_zone(loaded, tz).events, view)
    _same(expected, visible_events(in_zone(filed, tz), view))
    assert filed.engine.count(view.with_(tz="utc")) == len(apply(loaded.events, view.with_(tz="utc")))


def test_the_views_of_a_generated_collection_are_the_same(synthetic):
    loaded, filed = synthetic
    events = loaded.events
    some = events.iloc[[5, 700, 2100]]
    views = [
        View(),
        View(start=some[C.start].iloc[1].date(), end=some[C.start].iloc[2].date()),
        View(actor=tuple(some[C.actors].iloc[0][:1]) + tuple(some[C.actors].iloc[2][:1])),
        View(place=tuple(p["name"] for p in some[C.places].iloc[1][:1])),
        View(tag=tuple(some[C.tags].iloc[2][:1]), category=(str(some[C.category].iloc[0]),)),
        View(q=str(some[C.title].iloc[0]).split()[0]),
        View(q=" ".join(str(some[C.summary].iloc[1]).split()[:2])),
        View(source=(str(some[C.sources].iloc[0][0].get("publisher") or some[C.sources].iloc[0][0]["title"]),)),
        View(corroborated=2),
    ]
    assert len(apply(events, views[0])) > 2_000  # a big view: its broad columns only
    for view in views:
        expected = apply(events, view)
        shown = visible_events(filed, view)
        _same(expected[wanted_columns(view, len(expected))], shown)
        assert filed.engine.count(view) == len(expected), view
    assert sum(len(apply(events, view)) for view in views[1:]) > 0


def test_a_search_casefolds_as_pythons(tmp_path: Path):
    folder = tmp_path / "events"
    folder.mkdir()
    (folder / "a.yaml").write_text(
        "title: Talks in Straße des 17. Juni\ndate: 2022-02-16\ncategory: diplomacy\n", encoding="utf-8"
    )
    (folder / "b.yaml").write_text("title: İstanbul meeting\ndate: 2022-02-16\ncategory: diplomacy\n", "utf-8")
    loaded = load_collection(folder)
    filed = _with_engine(loaded, tmp_path / "x.duckdb")
    for q in ("strasse", "STRASSE", "straße", "i̇stanbul", "istanbul"):
        assert list(visible_events(filed, View(q=q))[C.id]) == list(apply(loaded.events, View(q=q))[C.id]), q
    assert list(visible_events(filed, View(q="strasse"))[C.id]) == ["a"]


def test_look_ups_and_menus_are_the_tables(bundled):
    loaded, filed = bundled
    table, file = index_for(loaded), index_for(filed)
    assert file.choices == table.choices
    for event_id in loaded.events[C.id]:
        assert file.incoming(event_id) == table.incoming(event_id)
        row, expected = file.row(event_id), table.row(event_id)
        assert row is not None and expected is not None
        assert {k: str(v) for k, v in row.items()} == {k: str(v) for k, v in expected.items()}
    assert file.row("no-such-event") is None and file.row(None) is None
    assert any(index_for(loaded).incoming(event_id) for event_id in loaded.events[C.id])
    zoned_row = index_for(in_zone(filed, "Europe/Kyiv")).row("kyiv-station-bomb-shelter-tour")
    expected_row = index_for(in_zone(loaded, "Europe/Kyiv")).row("kyiv-station-bomb-shelter-tour")
    assert zoned_row is not None and expected_row is not None
    assert zoned_row[C.when] == expected_row[C.when] and zoned_row[C.start] == expected_row[C.start]


def test_rows_by_position_or_id_are_the_tables_in_its_order(synthetic, monkeypatch: pytest.MonkeyPatch):
    loaded, filed = synthetic
    engine, events = filed.engine, loaded.events
    read = duck._read  # a join's rows come in any order over a big file (its blocks read by several threads)
    monkeypatch.setattr(
        duck, "_read", lambda *args: (found := read(*args)).take(pa.array(range(found.num_rows)[::-1], pa.int64()))
    )
    asked = [2_999, 7, 1_500, 7, 0, 1_501]  # out of order, one twice
    _same(events.iloc[sorted(set(asked))], engine.rows(at=asked))
    ids = list(events[C.id].iloc[[2_500, 3, 1_200]])
    _same(events.iloc[[3, 1_200, 2_500]], engine.rows(ids=ids))
    assert engine.rows(at=[]).empty and engine.rows(at=[3_000, -1]).empty
    following = [12, 10, 11, 11, 13]  # positions that follow one another: read as a range
    _same(events.iloc[10:14], engine.rows(at=following))
    _same(events.iloc[10:14][[C.title, C.when]], engine.rows(at=following, columns=[C.title, C.when]))
    for asked_places in ([2_999, 10, 10], [11, 10, 12]):
        pairs = engine.places_at(asked_places)
        expected = index_for(loaded).places
        expected = expected[expected["row"].isin(asked_places)].reset_index(drop=True)
        assert len(expected)
        pd.testing.assert_frame_equal(pairs.astype(object), expected[list(pairs.columns)].astype(object))


@pytest.mark.parametrize("tz", ["utc", "Europe/Kyiv"])
def test_the_cards_sent_ahead_are_read_in_a_few_queries(synthetic, monkeypatch: pytest.MonkeyPatch, tz: str):
    loaded, filed = synthetic
    events = loaded.events
    linked = events[events[C.links].map(len) > 0]
    day = linked[C.start].iloc[len(linked) // 2].date()
    category = str(linked[C.category].iloc[len(linked) // 2])
    view = View(start=day, end=day, category=(category,), tz=tz)  # a view of its own: none of its rows read before
    shown = apply(in_zone(loaded, tz).events, view)
    assert 2 <= len(shown) <= 100 and shown[C.links].map(len).sum() > 0  # its cards sent ahead, some with links
    cursor = duck.Engine._cursor
    queries: list[int] = []

    def counted(self: duck.Engine) -> Any:
        queries.append(1)
        return cursor(self)

    monkeypatch.setattr(duck.Engine, "_cursor", counted)
    out = callbacks.render(filed, view, 1200)
    assert len(out["cards"]["cards"]) == len(shown)
    assert len(queries) <= 8, f"{len(queries)} queries for {len(shown)} cards"
    monkeypatch.undo()
    assert _comparable(out) == _comparable(callbacks.render(loaded, view, 1200))


def test_a_value_read_ahead_is_waited_for_and_one_that_failed_is_asked_again():
    index = EventIndex(pd.DataFrame(), {})
    started, release, builds = threading.Event(), threading.Event(), []

    def slow() -> str:
        builds.append(1)
        started.set()
        release.wait(10)
        return threading.current_thread().name

    index.soon("pages", "a", 4, slow)
    index.soon("pages", "a", 4, slow)  # started once
    assert started.wait(10)
    threading.Timer(0.05, release.set).start()
    assert index.kept("pages", "a", 4, lambda: "built here").startswith("reading")  # waited for, not built again
    assert len(builds) == 1
    index.soon("pages", "b", 4, lambda: 1 / 0)
    assert index.kept("pages", "b", 4, lambda: "built here") == "built here"  # a failure ahead: worked out again
    assert index.kept("pages", "b", 4, lambda: "built again") == "built here"  # and that kept
    index.soon("pages", "c", 4, lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):  # failing here too: the request's own failure
        index.kept("pages", "c", 4, lambda: 1 / 0)


def test_a_big_views_page_and_map_sums_are_read_while_it_draws(synthetic, monkeypatch: pytest.MonkeyPatch):
    loaded, filed = synthetic
    readers: dict[str, list[str]] = {"rows": [], "place_counts": []}
    for name, found in readers.items():
        method = getattr(duck.Engine, name)

        def reading(*args: Any, _method: Any = method, _found: list[str] = found, **kwargs: Any) -> Any:
            _found.append(threading.current_thread().name)
            return _method(*args, **kwargs)

        monkeypatch.setattr(duck.Engine, name, reading)
    view = View(q="a")  # a view of its own: nothing of it read before
    out = callbacks.render(filed, view, 1200)
    assert len(apply(loaded.events, view)) > MAP_DETAIL_LIMIT
    assert [name.split("_")[0] for names in readers.values() for name in names] == ["reading", "reading"]
    assert _comparable(out) == _comparable(callbacks.render(loaded, view, 1200))


def test_the_file_keeps_the_collections_settings_problems_and_warnings(synthetic, tmp_path: Path):
    loaded, filed = synthetic
    assert filed.settings == loaded.settings
    assert filed.size == len(loaded.events) == 3_000
    assert filed.fingerprint == loaded.fingerprint
    expected = check(loaded.events, most=duck.WARNINGS_SHOWN)
    kept = checked(filed)
    assert kept.count == expected.count and kept.warnings == expected.warnings and kept.count > 0


def _figure_json(figure: Any) -> Any:
    return pio.to_json(figure, validate=False) if figure is not None else None


def _comparable(out: dict[str, Any]) -> dict[str, Any]:
    """A render's parts as text (figures and components alike)."""
    return {
        name: _figure_json(value) if hasattr(value, "to_plotly_json") and name in ("timeline", "map") else repr(value)
        for name, value in out.items()
        if name not in ("screen",)
    }


@pytest.mark.parametrize(
    "query",
    [
        "",
        "event=kyiv-station-bomb-shelter-tour&tz=Europe%2FKyiv",
        "q=nato&event=nato-defence-ministers-meeting",
        "category=diplomacy&lanes=actor",
        "from=2022-02-16&to=2022-02-16&mode=sequence&theme=dark",
    ],
)
def test_the_app_draws_the_same_page_over_the_file(bundled, query: str):
    loaded, filed = bundled
    view = View.from_query(query)
    expected = callbacks.render(loaded, view, 1200)
    shown = callbacks.render(filed, view, 1200)
    assert _comparable(shown) == _comparable(expected)


@pytest.mark.parametrize("query", ["", "lanes=actor", "lanes=place&q=a", "tz=Europe%2FKyiv&corroborated=1"])
def test_a_big_views_density_map_list_and_captions_are_the_same(synthetic, query: str):
    loaded, filed = synthetic
    selected = str(loaded.events[C.id].iloc[1500])
    view = View.from_query(query).with_(selected=selected)
    expected = callbacks.render(loaded, view, 1200)
    shown = callbacks.render(filed, view, 1200)
    assert expected["timeline"]["layout"]["meta"].get("density")  # drawn as a density: the broad columns only
    assert _comparable(shown) == _comparable(expected)


def _zooms(events: pd.DataFrame, count: int = 9) -> list[View]:
    """Ranges each half as wide as the one before, around the busiest day: what zooming in with a wheel gives."""
    busiest = events[C.start].dt.normalize().value_counts().index[0] + pd.Timedelta(hours=12)
    span = events[C.end].max() - events[C.start].min()
    views = []
    for _ in range(count):
        span = span / 2
        views.append(View(start=(busiest - span / 2).to_pydatetime(), end=(busiest + span / 2).to_pydatetime()))
    return views


@pytest.mark.parametrize("tz", ["utc", "Europe/Kyiv"])
@pytest.mark.parametrize("filtered", [False, True])
def test_a_zoom_in_is_read_from_the_last_views_events(synthetic, monkeypatch, tz: str, filtered: bool):
    loaded, filed = synthetic
    base = View(tz=tz)
    if filtered:  # all categories but one, in actor lanes
        base = base.with_(lanes="actor", category=tuple(sorted(set(loaded.events[C.category])))[1:])
    zoomed, expected_of = in_zone(filed, tz), in_zone(loaded, tz).events
    views = [base.with_(start=v.start, end=v.end) for v in _zooms(loaded.events)]
    sizes = []
    for number, view in enumerate([base, *views]):
        expected = apply(expected_of, view)
        _same(expected[wanted_columns(view, len(expected))], visible_events(zoomed, view))
        sizes.append(len(expected))
        if not number:  # from here on, no query of the view: the last view's events narrowed, its page read whole
            for name in ("count", "frame", "visible"):
                monkeypatch.setattr(duck.Engine, name, lambda *a, **k: pytest.fail("a zoom in asked the file"))
    assert sizes[0] > MAP_DETAIL_LIMIT and 0 < sizes[-1] < DETAIL_LIMIT  # from narrow columns to whole rows
    monkeypatch.undo()
    wider = views[-1].with_(start=views[-1].start - dt.timedelta(days=30))  # not within the last range: asked again
    _same(apply(expected_of, wider), visible_events(zoomed, wider))
    other = views[-1].with_(q="a")  # another filter: asked again
    _same(apply(expected_of, other), visible_events(zoomed, other))


@pytest.mark.parametrize("filtered", [False, True])
def test_the_app_draws_the_same_zooms_over_the_file(synthetic, filtered: bool):
    loaded, filed = synthetic
    selected = str(loaded.events[C.id].iloc[1500])
    base = View(category=tuple(sorted(set(loaded.events[C.category])))[1:]) if filtered else View()
    key: dict[str, Any] = {}
    zooms = [base.with_(start=view.start, end=view.end) for view in _zooms(loaded.events, 7)]
    panned = zooms[-1].with_(start=zooms[-1].start - dt.timedelta(days=30), end=zooms[-1].end - dt.timedelta(days=30))
    banded = 0
    for view in [base, *zooms, panned]:  # the last one is drawn anew (moved to by its dates, not a zoom)
        zoom = view is not panned
        view = view.with_(selected=selected)
        expected = callbacks.render(loaded, view, 1200, on_screen=key.get("pandas"), zoom=zoom)
        shown = callbacks.render(filed, view, 1200, on_screen=key.get("duckdb"), zoom=zoom)
        assert _comparable(shown) == _comparable(expected), view
        key.update(pandas=expected["screen"], duckdb=shown["screen"])
        if DETAIL_LIMIT < len(apply(loaded.events, view)) <= MAP_DETAIL_LIMIT:
            # A density whose map draws each event (its title and date): drawn anew too, not only zoomed into.
            banded += 1
            assert _comparable(callbacks.render(filed, view, 1200)) == _comparable(callbacks.render(loaded, view, 1200))
    assert banded == filtered  # the filtered zooms pass through such a view


# ---- the file of a folder -----------------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "cache"))
    target = tmp_path / "events"
    target.mkdir()
    for path in EVENTS.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return target


def test_a_folder_is_built_once_and_again_after_an_edit(folder: Path):
    served = duck.Folder(folder)
    first = served()
    assert first.size == len(load_collection(folder).events)
    built = served.path.stat().st_ino
    again = served()
    assert served.path.stat().st_ino == built and again.fingerprint == first.fingerprint  # unchanged: not built
    (folder / "new-one.yaml").write_text("title: A new event\ndate: 2022-02-17\ncategory: diplomacy\n", "utf-8")
    edited = served()
    assert served.path.stat().st_ino != built
    assert edited.size == first.size + 1 and edited.fingerprint == load_collection(folder).fingerprint
    assert index_for(edited).row("new-one") is not None


def test_a_reader_of_the_old_file_goes_on_while_it_is_replaced(folder: Path):
    served = duck.Folder(folder)
    served()
    reader = duck.Engine(served.path)
    old = reader.current()
    (folder / "new-one.yaml").write_text("title: A new event\ndate: 2022-02-17\ncategory: diplomacy\n", "utf-8")
    served()
    count_old = old.execute(f"SELECT count(*) FROM {duck.EVENTS}").fetchone()
    assert count_old is not None and count_old[0] == len(load_collection(folder).events) - 1
    assert reader.count(View()) == count_old[0] + 1  # its next request opens the new file


def test_problems_of_the_folder_come_with_the_file(folder: Path):
    (folder / "broken.yaml").write_text("title: Broken\ndate: 2022-02-31\ncategory: diplomacy\n", "utf-8")
    collection = duck.Folder(folder)()
    expected = load_collection(folder).problems
    assert collection.problems == expected and any(p.path == "broken.yaml" for p in expected)


def test_a_damaged_file_is_built_again(folder: Path):
    served = duck.Folder(folder)
    served()
    served.path.write_bytes(b"not a database at all")
    served.engine = duck.Engine(served.path)
    assert served().size == len(load_collection(folder).events)


def test_processes_serving_one_folder_build_its_file_once(folder: Path, monkeypatch: pytest.MonkeyPatch):
    builds: list[float] = []
    real = duck._run_build

    def counted(root: Path, path: Path) -> None:
        builds.append(time.monotonic())
        time.sleep(0.3)  # long enough for the others to reach the lock
        real(root, path)

    monkeypatch.setattr(duck, "_run_build", counted)
    servers = [duck.Folder(folder) for _ in range(3)]  # as many processes' loaders: each its own state
    sizes: list[int] = []
    threads = [threading.Thread(target=lambda s=s: sizes.append(s().size)) for s in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1 and len(set(sizes)) == 1 and sizes[0] > 0


def test_a_build_that_fails_shows_the_version_before_says_so_and_waits_before_trying_again(
    folder: Path, monkeypatch: pytest.MonkeyPatch
):
    served = duck.Folder(folder)
    first = served()
    before = served.path.read_bytes()
    (folder / "new-one.yaml").write_text("title: A new event\ndate: 2022-02-17\ncategory: diplomacy\n", "utf-8")
    builds: list[Path] = []
    real_build, real_python = duck._run_build, sys.executable
    monkeypatch.setattr(duck, "_run_build", lambda root, path: builds.append(root) or real_build(root, path))
    monkeypatch.setattr(sys, "executable", str(folder / "no-such-python"))
    shown = served()
    assert shown.size == first.size and served.path.read_bytes() == before, "the version before, as it was"
    note = shown.problems[0]
    assert note.effect == Effect.SHOWN and "changed but could not be read again (the build failed)" in note.message
    assert shown.problems[1:] == first.problems
    assert shown.fingerprint != first.fingerprint, "the page is told: its banner changes"
    assert served().fingerprint == shown.fingerprint and len(builds) == 1, "not built again at every request"
    monkeypatch.setattr(sys, "executable", real_python)
    monkeypatch.setattr(duck, "RETRY_BUILD_S", 0)
    built = served()
    assert built.size == first.size + 1 and built.problems == first.problems and len(builds) == 2

    def full(root: Path, path: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(duck, "_run_build", full)
    (folder / "new-one.yaml").unlink()
    assert "(No space left on device)" in served().problems[0].message


def test_a_build_that_fails_with_no_version_before_is_an_error_not_tried_at_every_request(
    folder: Path, monkeypatch: pytest.MonkeyPatch
):
    builds: list[Path] = []
    real_build = duck._run_build
    monkeypatch.setattr(duck, "_run_build", lambda root, path: builds.append(root) or real_build(root, path))
    monkeypatch.setattr(sys, "executable", str(folder / "no-such-python"))
    served = duck.Folder(folder)
    for _ in range(2):
        with pytest.raises((duck.BuildFailed, OSError)):
            served()
    assert len(builds) == 1 and not served.path.exists()


def test_a_failed_build_is_tried_once_a_while_between_the_processes_serving_the_folder(
    folder: Path, monkeypatch: pytest.MonkeyPatch
):
    builds: list[Path] = []
    real_build, real_python = duck._run_build, sys.executable
    monkeypatch.setattr(duck, "_run_build", lambda root, path: builds.append(root) or real_build(root, path))
    monkeypatch.setattr(sys, "executable", str(folder / "no-such-python"))
    workers = [duck.Folder(folder) for _ in range(3)]  # as many processes' loaders: each its own state
    for worker in workers:
        with pytest.raises(duck.BuildFailed):
            worker()
    assert len(builds) == 1, "the others read the first one's failure beside the lock"
    noted = workers[0].path.with_suffix(".failed")
    when_not = json.dumps({**json.loads(noted.read_text("utf-8")), "at": "soon"})
    for damaged in (when_not, "[1, 2]", "not json"):
        noted.write_text(damaged, "utf-8")
        with pytest.raises(duck.BuildFailed):
            duck.Folder(folder)()  # a note it cannot read is no note: built (and failed) again
    assert len(builds) == 4
    noted.unlink()
    with pytest.raises(duck.BuildFailed):
        workers[2]()
    assert len(builds) == 4, "each process's own wait holds without the note"
    monkeypatch.setattr(sys, "executable", real_python)
    monkeypatch.setattr(duck, "RETRY_BUILD_S", 0)
    assert workers[1]().size == len(load_collection(folder).events), "built once the while has passed"
    assert len(builds) == 5


def test_a_build_first_removes_what_a_build_cut_short_left_but_not_the_version_read(folder: Path):
    served = duck.Folder(folder)
    served()
    current = Path(os.path.realpath(served.path))
    leftover = served.path.with_name(f"{served.path.name}.{'0' * 32}")  # a build killed as it wrote
    leftover.write_bytes(current.read_bytes())
    with pytest.raises(RuntimeError), duck.new_version(served.path):
        assert not leftover.exists(), "gone before the new version is written: a tight disk has room for it"
        raise RuntimeError("this build fails too")
    assert Path(os.path.realpath(served.path)) == current and current.exists()
    assert served().size == len(load_collection(folder).events)


def test_the_server_process_never_loads_the_table(folder: Path, monkeypatch: pytest.MonkeyPatch):
    import dashboard.store

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the table was loaded in the server's process")

    monkeypatch.setattr(dashboard.store, "load_collection", refuse)
    collection = duck.Folder(folder)()
    assert collection.engine is not None and len(collection.events) == 0 and collection.size > 0
    out = callbacks.render(collection, View(), 1200)
    assert out["count"].endswith(" events")


def test_write_leaves_no_file_behind_when_it_fails(tmp_path: Path, bundled):
    loaded, _ = bundled
    broken = dataclasses.replace(loaded, events=loaded.events.drop(columns=[C.title]))
    with pytest.raises(KeyError):
        duck.write(broken, tmp_path / "x.duckdb")
    assert os.listdir(tmp_path) == []


# ---- the command ------------------------------------------------------------------------------------------------


def test_serve_takes_the_engine_and_says_so(folder: Path, monkeypatch: pytest.MonkeyPatch):
    from click.testing import CliRunner

    import dashboard.app
    from dashboard.cli import cli

    made: list[dict[str, Any]] = []

    class Started:
        def run(self, **options: Any) -> None:
            made.append(options)

    monkeypatch.setattr(
        dashboard.app, "create_app", lambda events, review, engine: made.append({"engine": engine}) or Started()
    )
    runner = CliRunner(env={"TIMELINE_EVENTS": None, "TIMELINE_ENGINE": None})
    result = runner.invoke(cli, ["serve", "--events", str(folder), "--engine", "duckdb"])
    assert result.exit_code == 0, result.output
    assert made[0] == {"engine": "duckdb"}
    assert (
        f"Serving {len(load_collection(folder).events)} events from {folder} (read from a DuckDB file)" in result.output
    )
    assert duck.location(folder).exists()  # built before the server listens
    by_env = runner.invoke(cli, ["serve", "--events", str(folder)], env={"TIMELINE_ENGINE": "duckdb"})
    assert by_env.exit_code == 0 and made[-2] == {"engine": "duckdb"}


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--engine", "sqlite"], "'sqlite' is not one of 'pandas', 'duckdb'"),
        (["--engine", "duckdb", "--review"], "--review works with the pandas engine"),
        (["--engine", "duckdb", "--events", "postgresql://reader@127.0.0.1:9/news"], "a database is queried where"),
    ],
)
def test_serve_refuses_what_the_engine_cannot_do_in_one_line(folder: Path, args: list[str], said: str):
    from click.testing import CliRunner

    from dashboard.cli import cli

    result = CliRunner(env={"TIMELINE_EVENTS": None, "TIMELINE_ENGINE": None}).invoke(
        cli, ["serve", "--events", str(folder), *args]
    )
    assert result.exit_code == 2 and said in result.output and "Traceback" not in result.output


def test_an_app_over_a_database_refuses_the_file_engine():
    from dashboard.app import create_app

    with pytest.raises(ValueError, match="a database is queried where it is"):
        create_app("postgresql://reader@127.0.0.1:9/news", engine="duckdb")
    with pytest.raises(ValueError, match="unknown engine 'sqlite'"):
        create_app(EVENTS, engine="sqlite")


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"TIMELINE_ENGINE": "duckbd"}, "timeline: unknown engine 'duckbd': use one of pandas, duckdb"),
        (
            {"TIMELINE_ENGINE": "duckdb", "TIMELINE_EVENTS": "postgresql://reader:s3cret@127.0.0.1:9/news"},
            "timeline: the duckdb engine works on an events folder",
        ),
    ],
)
def test_the_server_under_gunicorn_refuses_its_settings_in_one_line_and_stops(env: dict[str, str], said: str):
    """What gunicorn loads (``dashboard.app:server``): exit code 4, which makes gunicorn stop, not start another."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", "import dashboard.app as app; app.server"],
        env={**os.environ, "TIMELINE_EVENTS": str(EVENTS), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 4, done.stderr
    assert done.stderr.startswith(said) and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr and "s3cret" not in done.stderr


def test_a_spill_folder_left_by_a_build_cut_short_does_not_stop_the_next(folder: Path):
    served = duck.Folder(folder)
    served()
    left = served.path.with_name(f"{served.path.name}.0123456789abcdef.tmp")  # DuckDB spills a big build here
    left.mkdir()
    (left / "duckdb_temp_storage-0.tmp").write_bytes(b"\0" * 10)
    (folder / "new-one.yaml").write_text("title: A new event\ndate: 2022-02-17\ncategory: diplomacy\n", "utf-8")
    assert index_for(served()).row("new-one") is not None and not left.exists()


def test_serve_says_in_one_line_that_the_file_could_not_be_built(folder: Path, monkeypatch: pytest.MonkeyPatch):
    from click.testing import CliRunner

    from dashboard.cli import cli

    monkeypatch.setattr(
        duck.subprocess, "run", lambda *a, **k: duck.subprocess.CompletedProcess(a, 3, "", "Boom\n")
    )  # the build fails
    result = CliRunner(env={"TIMELINE_EVENTS": None, "TIMELINE_ENGINE": None}).invoke(
        cli, ["serve", "--events", str(folder), "--engine", "duckdb"]
    )
    assert result.exit_code == 1 and "failed: Boom" in result.output and "Traceback" not in result.output
