"""Dates as archivists write them, out and back: every export carries an event's EDTF (the JSON's edtf key and its
earliest and latest, the CSV's edtf column, the calendar's description, the chronology, the Word document, the
story page's cards, TimelineJS's date in words), and YAML → JSON, YAML → CSV → load and YAML → CSV → `timeline
import` → load keep each date whole: its span, its fuzzy range, its doubt and its open bounds."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import docx
import pandas as pd
import pytest
from click.testing import CliRunner
from icalendar import Calendar

from dashboard.cli import cli
from dashboard.export.chronology import markdown_chronology
from dashboard.export.data import to_ics, to_timelinejs
from dashboard.export.page import PageSize, export_figure
from dashboard.export.story import story_page
from dashboard.export.word import docx_chronology
from dashboard.model import event_json_schema
from dashboard.readers import native
from dashboard.records import to_csv, to_records
from dashboard.store import load_collection
from dashboard.table import Collection
from dashboard.view import View, apply

SOURCE = "sources:\n  - title: A report\n    publisher: DW\n    published: 2022-02-16\n"

# id: (date as written, extra keys, the JSON's start, end, earliest, latest, uncertain, approximate, when, edtf)
CASES: dict[str, tuple[str, str, tuple[Any, ...]]] = {
    "open-start": (
        "../2022-02-16",
        "",
        ("2022-02-16", "2022-02-16", None, "2022-02-16", False, False, "on or before 16 Feb 2022", "../2022-02-16"),
    ),
    "open-end": (
        "2022-02-16/..",
        "",
        ("2022-02-16", "2022-02-16", "2022-02-16", None, False, False, "on or after 16 Feb 2022", "2022-02-16/.."),
    ),
    "uncertain": (
        "2022-02-16?",
        "",
        ("2022-02-16", "2022-02-16", "2022-02-15", "2022-02-17", True, False, "possibly 16 Feb 2022", "2022-02-16?"),
    ),
    "both": (
        "2022-02-16%",
        "",
        (
            "2022-02-16",
            "2022-02-16",
            "2022-02-15",
            "2022-02-17",
            True,
            True,
            "possibly about 16 Feb 2022",
            "2022-02-16%",
        ),
    ),
    "one-of-a-set": (
        "[2022-02-14,2022-02-15]",
        "",
        (
            "2022-02-14",
            "2022-02-15",
            "2022-02-14",
            "2022-02-15",
            True,
            False,
            "one day of 14–15 Feb 2022",
            "[2022-02-14..2022-02-15]",
        ),
    ),
    "loose-start": (
        "2022-02-14~/2022-02-16",
        "",
        (
            "2022-02-14",
            "2022-02-16",
            "2022-02-13",
            "2022-02-16",
            False,
            True,
            "about 14–16 Feb 2022",
            "2022-02-14~/2022-02-16",
        ),
    ),
    "by-words": (
        "by 16 Feb 2022",
        "",
        ("2022-02-16", "2022-02-16", None, "2022-02-16", False, False, "on or before 16 Feb 2022", "../2022-02-16"),
    ),
    "timed": (
        "2022-02-16T10:00:00+02:00",
        "timezone: Europe/Kyiv\n",
        (
            "2022-02-16T10:00+02:00",
            "2022-02-16T10:00+02:00",
            "2022-02-16T10:00+02:00",
            "2022-02-16T10:00+02:00",
            False,
            False,
            "16 Feb 2022, 10:00 EET",  # +02:00 is Kyiv's own offset that day: its zone is kept, not the offset
            "2022-02-16T10:00:00+02:00",
        ),
    ),
    "plain": (
        "2022-02-16",
        "",
        ("2022-02-16", "2022-02-16", "2022-02-16", "2022-02-16", False, False, "16 Feb 2022", "2022-02-16"),
    ),
}
KEYS = ("start", "end", "earliest", "latest", "uncertain", "approximate", "when", "edtf")
SAME = ["start", "end", "earliest", "latest", "uncertain", "approximate", "precision", "zone", "when"]


def event_text(title: str, date: str, extra: str = "") -> str:
    return f"title: {title}\ndate: {json.dumps(date)}\n{extra}category: other\n{SOURCE}"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("edtf") / "events"
    root.mkdir()
    for ident, (date, extra, _) in CASES.items():
        (root / f"{ident}.yaml").write_text(event_text(f"Event {ident}", date, extra), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def loaded(folder: Path) -> Collection:
    collection = load_collection(folder)
    assert not collection.problems, collection.problems
    return collection


def dates_of(collection: Collection) -> pd.DataFrame:
    return collection.events.set_index("id")[SAME].sort_index()


def run(*args: object) -> str:
    result = CliRunner(env={"TIMELINE_EVENTS": None}).invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


# ---- JSON ------------------------------------------------------------------------------------------------------


def test_json_carries_each_dates_edtf_and_its_fuzzy_range(folder: Path) -> None:
    records = {record["id"]: record for record in json.loads(run("export", "--events", folder, "--format", "json"))}
    for ident, (_, _, expected) in CASES.items():
        assert tuple(records[ident][key] for key in KEYS) == expected, ident
    keys = list(records["plain"])
    assert keys.index("edtf") == keys.index("when") + 1  # beside the words it says in EDTF


def test_an_open_json_bound_is_null_never_an_invented_date(loaded: Collection) -> None:
    records = {record["id"]: record for record in to_records(loaded.events)}
    assert records["open-start"]["earliest"] is None and records["open-start"]["start"] == "2022-02-16"
    assert records["open-end"]["latest"] is None and records["open-end"]["end"] == "2022-02-16"


def test_a_loose_time_reaches_an_hour_at_minute_precision(tmp_path: Path) -> None:
    (tmp_path / "about.yaml").write_text(event_text("About ten", "about 2022-02-16T10:00+02:00"), encoding="utf-8")
    record = to_records(load_collection(tmp_path).events)[0]
    assert (record["earliest"], record["latest"]) == ("2022-02-16T09:00+02:00", "2022-02-16T11:00+02:00")


# ---- CSV and timeline import -----------------------------------------------------------------------------------


def test_csv_has_an_edtf_column_beside_the_stated_span(loaded: Collection) -> None:
    header, *rows = [line.split(",") for line in to_csv(loaded.events).splitlines()]
    assert "edtf" in header and "edtf" in native.COLUMNS
    cells = {row[0]: dict(zip(header, row, strict=False)) for row in rows if row[0] in ("open-start", "plain")}
    assert (cells["open-start"]["date"], cells["open-start"]["end"], cells["open-start"]["edtf"]) == (
        "2022-02-16",
        "",
        "../2022-02-16",
    )
    assert cells["plain"]["edtf"] == "2022-02-16"


def test_yaml_to_csv_and_back_keeps_every_date(loaded: Collection, tmp_path: Path) -> None:
    table = tmp_path / "events.csv"
    table.write_text(to_csv(loaded.events), encoding="utf-8")
    again = load_collection(table)
    assert not again.problems, again.problems
    pd.testing.assert_frame_equal(dates_of(again), dates_of(loaded))


def test_yaml_to_csv_to_import_and_back_keeps_every_date(loaded: Collection, tmp_path: Path) -> None:
    table = tmp_path / "events.csv"
    table.write_text(to_csv(loaded.events), encoding="utf-8")
    out = tmp_path / "imported"
    run("import", table, "--out", out)
    written = {path.stem: path.read_text(encoding="utf-8") for path in out.glob("*.yaml")}
    # The EDTF is the date as written, quoted where YAML needs it ('[' starts a list), and no end beside it.
    assert "date: '[2022-02-14..2022-02-15]'\n" in written["one-of-a-set"]
    assert "date: ../2022-02-16\n" in written["by-words"] and "\nend:" not in written["open-start"]
    assert "approximate:" not in written["loose-start"]
    again = load_collection(out)
    assert not again.problems, again.problems
    pd.testing.assert_frame_equal(dates_of(again), dates_of(loaded))


def write_table(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_tables_edtf_cell_is_the_date(tmp_path: Path) -> None:
    table = write_table(
        tmp_path / "t.csv",
        "id,title,date,end,approximate,edtf\n"
        "open,Open,2022-02-16,,false,../2022-02-16\n"
        "only,Only,,,,2022-02-XX\n"
        "words,Words,about 16 Feb 2022,,,\n",
    )
    loaded = load_collection(table)
    assert not loaded.problems, loaded.problems
    rows = loaded.events.set_index("id")
    assert rows.at["open", "when"] == "on or before 16 Feb 2022" and pd.isna(rows.at["open", "earliest"])
    assert rows.at["only", "when"] == "Feb 2022"
    assert rows.at["words", "when"] == "about 16 Feb 2022"  # no edtf: the date column, as before


def test_a_table_dated_by_its_edtf_column_alone_loads(tmp_path: Path) -> None:
    loaded = load_collection(write_table(tmp_path / "t.csv", "id,title,edtf\na,A,2022-02-16~\n"))
    assert not loaded.problems, loaded.problems
    assert loaded.events["when"].tolist() == ["about 16 Feb 2022"]


def test_an_edtf_cell_that_disagrees_or_cannot_be_read_is_a_problem_at_that_cell(tmp_path: Path) -> None:
    table = write_table(
        tmp_path / "t.csv",
        "id,title,date,end,approximate,edtf\n"
        "other,Other,2022-02-15,,false,../2022-02-16\n"  # another day
        "dropped,Dropped,2022-02-16,,true,2022-02-16\n"  # drops the doubt the row says
        "bad,Bad,2022-02-16,,false,2022-13-45?\n"
        "words,Words,2022-02-16,,false,by 16 Feb 2022\n"
        "fine,Fine,2022-02-16,,false,../2022-02-16\n",  # the EDTF says more of the same day
    )
    loaded = load_collection(table)
    said = {problem.line: (problem.column, problem.message) for problem in loaded.problems}
    assert set(said) == {2, 3, 4, 5}, loaded.problems
    assert all(column == 6 for column, _ in said.values())
    assert "say different dates: the edtf is used" in said[2][1] and '"2022-02-15"' in said[2][1]
    assert "approximate" in said[3][1]
    assert 'could not read "2022-13-45?"' in said[4][1] and "the row's 'date' is used" in said[4][1]
    assert "is not EDTF" in said[5][1]
    rows = loaded.events.set_index("id")
    assert rows.at["other", "when"] == "on or before 16 Feb 2022"  # the EDTF is used
    assert rows.at["bad", "when"] == "16 Feb 2022"  # the row's own date is used
    assert rows.at["fine", "when"] == "on or before 16 Feb 2022"


# ---- calendars, chronologies, pages ------------------------------------------------------------------------------


def one_event(loaded: Collection, ident: str) -> pd.DataFrame:
    return loaded.events[loaded.events["id"] == ident]


def test_the_calendar_keeps_the_stated_span_and_says_the_open_bound_in_words_and_edtf(loaded: Collection) -> None:
    calendar = Calendar.from_ical(to_ics(one_event(loaded, "open-start"), "T"))
    event = calendar.walk("VEVENT")[0]
    assert (str(event["dtstart"].dt), str(event["dtend"].dt)) == ("2022-02-16", "2022-02-17")
    description = str(event["description"])
    assert "When: on or before 16 Feb 2022\nEDTF: ../2022-02-16\n" in description
    plain = Calendar.from_ical(to_ics(one_event(loaded, "plain"), "T")).walk("VEVENT")[0]
    assert "EDTF" not in str(plain["description"])
    uncertain = Calendar.from_ical(to_ics(one_event(loaded, "uncertain"), "T")).walk("VEVENT")[0]
    assert str(uncertain["status"]) == "TENTATIVE"


def test_timelinejs_says_the_open_bound_in_words(loaded: Collection) -> None:
    slide = json.loads(to_timelinejs(one_event(loaded, "open-start"), "T"))["events"][0]
    assert slide["start_date"]["display_date"] == "on or before 16 Feb 2022"


def test_the_chronology_follows_the_words_with_the_edtf_only_where_it_adds_something(loaded: Collection) -> None:
    text = markdown_chronology(apply(loaded.events, View()), View(), loaded.settings)
    assert "**on or before 16 Feb 2022 (EDTF ../2022-02-16)** — Event open-start" in text
    assert "**16 Feb 2022** — Event plain" in text
    assert "**possibly 16 Feb 2022 (EDTF 2022-02-16?)** — Event uncertain" in text


def test_the_word_document_says_the_date_and_its_edtf(loaded: Collection) -> None:
    data = docx_chronology(apply(loaded.events, View()), View(), loaded.settings)
    heads = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs if p.style.name == "Heading 3"]
    assert "on or before 16 Feb 2022 (EDTF ../2022-02-16) — Event open-start (reported) [1]" in heads
    assert "16 Feb 2022 — Event plain (reported) [1]" in heads


def test_the_story_pages_card_says_the_date_and_its_edtf(loaded: Collection) -> None:
    view = View()
    size = PageSize(width=1100, height=None)
    light = export_figure(loaded, replace(view, theme="light"), size)
    dark = export_figure(loaded, replace(view, theme="dark"), size)
    page = story_page(loaded, view, light, dark, alt="A timeline")
    assert ">on or before 16 Feb 2022 (EDTF ../2022-02-16)</span>" in page
    assert ">16 Feb 2022</span>" in page


# ---- the schema ------------------------------------------------------------------------------------------------


def test_the_schema_lists_the_accepted_forms_of_date_and_end() -> None:
    properties = event_json_schema()["properties"]
    date = properties["date"]["description"]
    for form in (
        "2022-02-16",
        "by 16 Feb 2022",
        "after 14 Feb",
        "no earlier than",
        "circa",
        "possibly",
        "../2022-02-16",
    ):
        assert form in date, form
    assert "[2022-02-14,2022-02-15]" in date and "2022-02-16?" in date
    assert "'..'" in properties["end"]["description"]
    assert "../2022-02-16" in properties["date"]["examples"]


@pytest.mark.parametrize("tz", ["utc", "own", "Europe/Kyiv", "America/New_York"])
def test_a_chronology_in_any_display_zone_writes_the_stored_times_edtf(tmp_path: Path, tz: str) -> None:
    events = tmp_path / "events"
    events.mkdir()
    (events / "kyiv.yaml").write_text(
        event_text("Kyiv morning", "2022-02-17T01:00+02:00/..", "timezone: Europe/Kyiv\n"), encoding="utf-8"
    )
    (events / "ny.yaml").write_text(
        event_text("New York evening", "by 2022-02-16T20:00", "timezone: America/New_York\n"), encoding="utf-8"
    )
    text = run("export", "--events", events, "--format", "md", "--tz", tz, "--out", "-")
    assert "(EDTF 2022-02-17T01:00:00+02:00/..)" in text  # the instant written, whatever zone the words are in
    assert "(EDTF ../2022-02-16T20:00:00-05:00)" in text
    assert text.count("on or after") == 1 and text.count("on or before") == 1


def test_a_row_whose_edtf_and_date_both_fail_is_left_out_and_says_so_once_each(tmp_path: Path) -> None:
    events = tmp_path / "events"
    events.mkdir()
    (events / "e.csv").write_text(
        "id,title,date,edtf,category\na,A,1699,../1699,x\nb,B,2022-02-16,2022-02-30~,x\n", encoding="utf-8"
    )
    collection = load_collection(events)
    assert list(collection.events["id"]) == ["b"]
    by_cell = {(p.line, p.column): p for p in collection.problems}
    assert by_cell[(2, 4)].effect.value == "left out" and "cannot be read either" in by_cell[(2, 4)].message
    assert by_cell[(3, 4)].effect.value == "shown" and "the row's 'date' is used" in by_cell[(3, 4)].message
