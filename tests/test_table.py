"""The events table is declared once: the names code reads, the disk cache's schema and exported records follow."""

from __future__ import annotations

from pathlib import Path

from dashboard import cache
from dashboard.records import to_record
from dashboard.store import load_collection
from dashboard.table import COLUMNS, DECLARED, SPOTS, C, Column

EVENTS = Path(__file__).resolve().parents[1] / "events"


def test_every_column_has_its_name_in_c():
    assert [getattr(C, name) for name in COLUMNS] == COLUMNS


def test_the_cache_schema_is_the_declared_columns_and_spots():
    assert cache.SCHEMA.names[5:] == [name for name in COLUMNS if name != C.path] + SPOTS


def test_an_exported_record_has_exactly_the_declared_exported_columns():
    row = load_collection(EVENTS).events.iloc[0]
    declared = [column.exported for column in DECLARED if column.exported]
    # and the date in EDTF, written from the date's columns right after the date in words
    assert list(to_record(row)) == [
        *declared[: declared.index("when") + 1],
        "edtf",
        *declared[declared.index("when") + 1 :],
    ]


def test_a_newly_declared_column_is_exported_without_touching_the_exporter(monkeypatch):
    from dashboard import records

    row = load_collection(EVENTS).events.iloc[0].to_dict()
    row["status"] = "reported"
    monkeypatch.setattr(records, "DECLARED", (*DECLARED, Column("status", "text", "status", "how sure")))
    assert records.to_record(row)["status"] == "reported"
