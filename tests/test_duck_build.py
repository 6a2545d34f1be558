"""A Parquet table built into a DuckDB file a slice at a time (``dashboard.duck_build``) gives the file the whole
table's build gives: the same events in the same order, links, places, problems and consistency warnings."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dashboard import consistency, duck, duck_build
from dashboard.consistency import check
from dashboard.readers.sheets import parquet_slices
from dashboard.readers.tables import KNOWN_COLUMNS
from dashboard.store import load_collection
from dashboard.table import Problem

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import generate  # noqa: E402  # the benchmark's synthetic events

SIZE = 3_000
SLICE = 700  # five slices, the last one short
TABLES = (duck.EVENTS, duck.LINKS, duck.PLACES, duck.PLACE_NAMES, duck.META)


def _table(folder: Path) -> Path:
    """The benchmark's events, with what only the whole table can tell: ids used again in later slices, links to
    no event and to events of other slices, and rows each with a problem of its own, in different slices."""
    frame, _ = generate.generate(SIZE, seed=29)
    frame["edtf"] = ""
    frame["status"] = ""
    frame.loc[0:9, "edtf"] = "../2016-02-01"  # open bounds sort after closed ones
    frame.loc[10:19, "edtf"] = "2016-02-20/.."
    frame.loc[20:29, "date"] = "2016-02-03T10:30"
    frame.loc[100:399, "status"] = "draft"
    frame.loc[1000:1999, "approximate"] = True
    frame.loc[1500, "id"] = frame.loc[5, "id"]  # an id used again four slices later
    frame.loc[[2500, 2501], "id"] = frame.loc[1600, "id"]  # and twice more, in the next slice but one
    frame.loc[800, "date"] = "2022-02-30"  # no such day: the row is left out
    frame.loc[900, "category"] = "militray"  # not in the settings: said, and shown
    frame.loc[[950, 2950], "id"] = ""  # ids made of the file's name and the row's number in the whole table
    frame.loc[1200, "links"] = f"follows:no-such-event; causes:{frame.loc[1300, 'id']}"
    frame.loc[2800, "links"] = f"responds-to:{frame.loc[5, 'id']}"  # to an event four slices before
    alike = ["title", "date", "end", "approximate", "edtf"]  # events in different slices that sort alike: in the
    frame.loc[[600, 601, 2810, 2811], alike] = frame.loc[1410, alike].to_numpy()  # table's order, as they were
    frame["unused"] = 1  # the header's problem: said once, not once a slice
    path = folder / "events.parquet"
    frame.to_parquet(path, index=False, row_group_size=SLICE // 2)
    (folder / "_collection.yaml").write_text(generate.collection_settings())
    return path


def _contents(path: Path) -> dict[str, tuple[list[tuple[object, ...]], pd.DataFrame]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return {
            name: (
                connection.execute(f"DESCRIBE {name}").fetchall(),
                connection.execute(f"SELECT * FROM {name}").df(),
            )
            for name in TABLES
        }


@pytest.mark.parametrize("duplicates", ["searched", "not searched"])
@pytest.mark.parametrize("most", [duck.WARNINGS_SHOWN, 3])
def test_a_table_built_in_slices_is_the_table_built_whole(tmp_path, monkeypatch, duplicates, most):
    source = _table(tmp_path)
    if duplicates == "not searched":  # a table past the near-duplicate search: a note in place of its warnings
        monkeypatch.setattr(consistency, "DUPLICATE_LIMIT", 1_000)
    monkeypatch.setattr(duck, "WARNINGS_SHOWN", most)  # a few of each kind listed: the first ones of the table
    collection = load_collection(source)
    whole, sliced = tmp_path / "whole.duckdb", tmp_path / "sliced.duckdb"
    duck.write(collection, whole, check(collection.events, most=most), built="state")
    duck_build.build_sliced(source, sliced, "state", slice_rows=SLICE)

    expected, found = _contents(whole), _contents(sliced)
    for name in TABLES:
        assert found[name][0] == expected[name][0], name  # the same columns, of the same types
        pd.testing.assert_frame_equal(found[name][1], expected[name][1], obj=name)
    engine = duck.Engine(sliced)
    assert len(collection.events) == engine.count() == SIZE - 4  # three ids used again, an impossible day
    messages = [problem.message for problem in engine.problems()]
    assert sum("duplicate id" in message for message in messages) == 3
    assert sum("unknown column 'unused'" in message for message in messages) == 1
    assert any("no event has the id 'no-such-event'" in message for message in messages)
    warnings = engine.warnings()
    assert warnings is not None and warnings.count > len(warnings.warnings) > 0 if most == 3 else True
    assert engine.row("events-951") is not None and engine.row("events-2951") is not None


def test_slices_of_a_parquet_file_are_numbered_as_the_whole(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"title": [f"t{i}" for i in range(10)], "date": ["2022-02-16"] * 10}), path)
    sheets = list(parquet_slices(path, "t.parquet", KNOWN_COLUMNS, 4))
    assert [sheet.rows for sheet in sheets] == [4, 4, 2]  # type: ignore[union-attr]
    assert [sheet.first for sheet in sheets] == [0, 4, 8]  # type: ignore[union-attr]
    assert [int(line) for sheet in sheets for line in sheet.lines] == list(range(2, 12))  # type: ignore[union-attr]


def test_a_duck_build_is_built_in_slices_and_served(tmp_path, monkeypatch):
    source = _table(tmp_path)
    monkeypatch.setattr(duck_build, "SLICED_FROM", SIZE - 1)
    monkeypatch.setattr(duck_build, "SLICE_ROWS", SLICE)
    assert duck_build.sliced(source)
    assert not duck_build.sliced(tmp_path)  # a folder, ...
    small = tmp_path / "small"
    small.mkdir()
    pq.write_table(pa.table({"title": ["one"], "date": ["2022-02-16"]}), small / "one.parquet")
    assert not duck_build.sliced(small / "one.parquet")  # ... a table of fewer rows
    built: list[tuple[object, ...]] = []
    original = duck_build.build_sliced

    def counted(*args: object, **kwargs: object) -> None:
        built.append(args)
        original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(duck_build, "build_sliced", counted)
    path = tmp_path / "cache" / "events.duckdb"
    duck_build.build(source, path)
    assert len(built) == 1
    assert duck.Engine(path).count() == SIZE - 4


def test_a_table_unreadable_part_way_keeps_the_rows_before_and_says_where(tmp_path, monkeypatch):
    source = _table(tmp_path)
    real = pq.ParquetFile.iter_batches

    def failing(self: pq.ParquetFile, *args: object, **kwargs: object):  # noqa: ANN202 - a generator
        for number, batch in enumerate(real(self, *args, **kwargs)):
            if number == 2:
                raise OSError("Corrupt snappy compressed data.")
            yield batch

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", failing)
    path = tmp_path / "sliced.duckdb"
    duck_build.build_sliced(source, path, "state", slice_rows=SLICE)
    engine = duck.Engine(path)
    assert engine.count() == 2 * SLICE - 1  # two slices read, less the row of an impossible day
    said = [problem for problem in engine.problems() if "cannot read" in problem.message]
    assert said == [
        Problem(
            "events.parquet",
            2 * SLICE + 2,
            1,
            f"cannot read the Parquet file from this row on ({2 * SLICE:,} rows before it are read): "
            "Corrupt snappy compressed data.",
        )
    ]


def test_a_failed_build_leaves_the_file_before_and_nothing_else(tmp_path, monkeypatch):
    source = _table(tmp_path)
    path = tmp_path / "cache" / "events.duckdb"
    duck_build.build_sliced(source, path, "before", slice_rows=SLICE)
    before = sorted(p.name for p in path.parent.iterdir())

    def broken(connection: duckdb.DuckDBPyConnection) -> int:
        raise duckdb.OutOfMemoryException("could not allocate")

    monkeypatch.setattr(duck_build, "_finish", broken)
    with pytest.raises(duckdb.OutOfMemoryException):
        duck_build.build_sliced(source, path, "after", slice_rows=SLICE)
    assert sorted(p.name for p in path.parent.iterdir()) == before
    assert duck.Engine(path).meta("built") == "before"


def test_a_table_without_a_title_column_is_built_empty_with_its_problem(tmp_path):
    path = tmp_path / "events.parquet"
    pq.write_table(pa.table({"name": ["one"] * 5, "date": ["2022-02-16"] * 5}), path)
    built = tmp_path / "events.duckdb"
    duck_build.build_sliced(path, built, "state", slice_rows=2)
    engine = duck.Engine(built)
    assert engine.count() == 0
    messages = [problem.message for problem in engine.problems()]
    assert len([m for m in messages if "no 'title' column" in m]) == 1, messages
