"""The trust layer: an event's status, when it was first reported and by how many independent publishers, its
sources' Admiralty grades, attribution and copies; read from event files and tables, filtered, drawn, carded and
exported."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from rows import by_id
from trust_events import CLAIMED, EXPECTED, GRADED, PLAIN

from dashboard import trust
from dashboard.app.cards import detail_card, list_cards
from dashboard.cli import cli
from dashboard.figure import timeline_figure
from dashboard.figure.style import STATUS_LOOKS
from dashboard.index import EventIndex
from dashboard.model import CREDIBILITY, RELIABILITY, Status, event_json_schema
from dashboard.records import to_csv, to_records
from dashboard.store import load_collection
from dashboard.table import Collection
from dashboard.view import View, apply, describe


def folder(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "events"
    root.mkdir()
    for stem, text in files.items():
        (root / f"{stem}.yaml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def collection(tmp_path: Path) -> Collection:
    loaded = load_collection(
        folder(tmp_path, {"graded": GRADED, "claimed": CLAIMED, "plain": PLAIN, "expected": EXPECTED})
    )
    assert not loaded.problems, loaded.problems
    return loaded


# ---- reading ------------------------------------------------------------------------------------------------------


def test_status_defaults_to_reported_and_is_read(collection):
    rows = by_id(collection)
    assert {key: row["status"] for key, row in rows.items()} == {
        "graded": "confirmed",
        "claimed": "claimed",
        "plain": "reported",
        "expected": "expected",
    }


def test_reported_is_the_earliest_publication_and_corroboration_counts_independent_publishers(collection):
    row = by_id(collection)["graded"]
    assert pd.Timestamp(row["reported"]).date() == dt.date(2022, 2, 15)  # the Duma's own record, not DW's day after
    # DW and State Duma; TASS copies the Duma's record; 'dw' is DW again, whatever the case.
    assert row["corroboration"] == 2
    assert trust.independent_publishers(row["sources"]) == ["DW", "State Duma"]


def test_grades_are_read_in_either_case_and_as_text(collection):
    dw, duma, tass, _ = by_id(collection)["graded"]["sources"]
    assert (dw["reliability"], dw["credibility"]) == ("B", 2)
    assert (duma["reliability"], duma["credibility"]) == ("A", 1)
    assert tass["copies"] == "duma" and tass["attribution"].startswith("according to TASS")


@pytest.mark.parametrize(
    "change, words",
    [
        (("status: confirmed", "status: rumoured"), "status"),
        (("reliability: A", "reliability: G"), "reliability"),
        (("credibility: 1", "credibility: 7"), "credibility"),
        (("copies: duma", "copies: nowhere"), "copies 'nowhere', which is not another source"),
        (("id: tass", "id: duma"), "two sources have the id 'duma'"),
    ],
    ids=["status", "reliability", "credibility", "copies", "duplicate-source-id"],
)
def test_a_bad_trust_value_is_a_located_problem_and_the_rest_loads(tmp_path, change, words):
    old, new = change
    root = folder(tmp_path, {"graded": GRADED.replace(old, new, 1), "plain": PLAIN})
    loaded = load_collection(root)
    assert list(loaded.events["id"]) == ["plain"]
    [problem] = loaded.problems
    assert problem.path == "graded.yaml" and words in problem.message, problem
    assert problem.line > 1


def test_a_table_reads_status_and_grades_and_refuses_an_unknown_status(tmp_path):
    root = tmp_path / "events"
    root.mkdir()
    rows = [
        "title,date,category,status,source,published,source_reliability,source_credibility,source_attribution",
        "A,2022-02-15,x,confirmed,NATO,2022-02-15,A,1,",
        "B,2022-02-16,x,,DW,2022-02-16,b,2,according to the ministry",
        "C,2022-02-16,x,rumoured,DW,2022-02-16,,,",
        "D,2022-02-16,x,claimed,DW,2022-02-16,Z,,",
    ]
    (root / "table.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    loaded = load_collection(root)
    events = loaded.events.set_index("title")
    assert list(events.index) == ["A", "B"]
    assert list(events["status"]) == ["confirmed", "reported"]
    b = events.loc["B", "sources"][0]
    assert (b["reliability"], b["credibility"], b["attribution"]) == ("B", 2, "according to the ministry")
    messages = sorted((p.line, p.message) for p in loaded.problems)
    assert messages[0][0] == 4 and "'status': \"rumoured\" is not one of confirmed" in messages[0][1]
    assert messages[1][0] == 5 and "reliability" in messages[1][1]


def test_csv_export_loads_back_with_status_grades_and_its_derived_columns(collection, tmp_path):
    text = to_csv(collection.events)
    header = next(csv.reader(io.StringIO(text)))
    assert header[-2:] == ["reported", "corroboration"]
    assert {"status", "source_reliability", "source_credibility", "source_attribution"} <= set(header)
    root = tmp_path / "back"
    root.mkdir()
    (root / "events.csv").write_text(text, encoding="utf-8")
    back = load_collection(root)
    assert not back.problems, back.problems  # the derived columns are known, not 'unknown column'
    again = by_id(back)
    assert {key: row["status"] for key, row in again.items()} == {
        key: row["status"] for key, row in by_id(collection).items()
    }
    first = again["graded"]["sources"][0]  # a table row keeps the first source
    assert (first["reliability"], first["credibility"]) == ("B", 2)


def test_json_export_has_status_reported_corroboration_and_source_grades(collection):
    record = {r["id"]: r for r in to_records(collection.events)}["graded"]
    assert record["status"] == "confirmed"
    assert record["reported"] == "2022-02-15"
    assert record["corroboration"] == 2
    assert record["sources"][1] | {} == record["sources"][1]
    assert {"reliability": "A", "credibility": 1}.items() <= record["sources"][1].items()
    assert record["sources"][2]["attribution"].startswith("according to TASS")
    json.dumps(record)  # plain JSON types only
    assert {r["id"]: r for r in to_records(collection.events)}["claimed"]["reported"] == "2022-02-15"


def test_the_schema_offers_statuses_and_grades_to_editors():
    schema = event_json_schema()
    text = json.dumps(schema)
    for status in Status:
        assert f'"{status.value}"' in text
    source = schema["$defs"]["Source"]["properties"]
    assert {"reliability", "credibility", "attribution", "copies", "id"} <= set(source)
    assert "Admiralty" in source["reliability"]["description"]


# ---- derived values in words --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first, last, reported, words",
    [
        ("2022-02-16", "2022-02-16", "2022-02-16", "same day"),
        ("2022-02-13", "2022-02-13", "2022-02-16", "3 days later"),
        ("2022-02-15", "2022-02-15", "2022-02-16", "1 day later"),
        ("2022-02-01", "2022-02-28", "2022-02-16", "while under way"),
        ("2022-02-18", "2022-02-18", "2022-02-16", "2 days before"),
        ("2022-02-16", "2022-02-16", None, ""),
    ],
)
def test_lag_words(first, last, reported, words):
    day = dt.date.fromisoformat
    assert trust.lag_words(day(first), day(last), day(reported) if reported else None) == words


def test_reported_words_say_announced_for_an_expected_event(collection):
    rows = by_id(collection)
    assert trust.reported_words(rows["expected"]) == "announced 16 Feb 2022 (2 days before)"
    assert trust.reported_words(rows["graded"]) == "reported 15 Feb 2022 (same day)"
    assert trust.reported_words(rows["plain"]) == "reported 16 Feb 2022 (while under way)"


def test_grade_and_its_meaning():
    assert trust.grade({"reliability": "B", "credibility": 2}) == "B2"
    assert trust.grade({"reliability": None, "credibility": 3}) == "3"
    assert trust.grade({}) == ""
    assert trust.grade_meaning({"reliability": "B", "credibility": 2}) == (
        f"B: {RELIABILITY['B'].lower()} source; 2: {CREDIBILITY[2].lower()}"
    )


# ---- filters ------------------------------------------------------------------------------------------------------


def test_corroborated_filter_keeps_events_with_enough_independent_publishers(collection):
    view = View(corroborated=2)
    assert list(apply(collection.events, view)["id"]) == ["graded"]
    assert list(apply(collection.events, View(corroborated=1))["id"]) != ["graded"]
    assert View.from_query(view.to_query()) == view
    assert "corroborated by at least 2 publishers" in describe(view)


@pytest.mark.parametrize("written", ["abc", "-1", "2.5", "²", "%C2%B2", "%00", "1e3"])
def test_a_bad_corroborated_value_in_a_link_is_ignored_with_a_warning(written):
    view = View.from_query(f"?corroborated={written}")
    assert view.corroborated == 0 and any("corroborated" in w for w in view.warnings)


def test_export_command_takes_corroborated_and_status(tmp_path, collection):
    root = tmp_path / "events"
    result = CliRunner().invoke(
        cli, ["export", "--events", str(root), "--format", "json", "--corroborated", "2", "--out", "-"]
    )
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in json.loads(result.stdout)] == ["graded"]
    result = CliRunner().invoke(
        cli, ["export", "--events", str(root), "--format", "json", "--status", "Claimed", "--out", "-"]
    )
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in json.loads(result.stdout)] == ["claimed"]


# ---- drawing ------------------------------------------------------------------------------------------------------


def mark_traces(fig: Any) -> dict[str, dict[str, Any]]:
    """Each event's mark trace's marker, by event id."""
    found = {}
    for trace in fig.data:
        if trace.type == "scatter" and trace.customdata is not None and trace.mode == "markers":
            for event_id in trace.customdata:
                found[event_id] = trace.marker.to_plotly_json()
    return found


def every_status(tmp_path: Path, dates: str) -> Any:
    """The timeline of one event of each status, each dated by ``dates`` ('date: …' lines)."""
    files = {status.value: f"title: {status.value}\n{dates}category: x\nstatus: {status.value}\n" for status in Status}
    loaded = load_collection(folder(tmp_path, files))
    return timeline_figure(loaded.events, View(), loaded.settings)


def test_each_status_is_drawn_its_own_way(tmp_path):
    fig = every_status(tmp_path, "date: 2022-02-16\n")
    marks = mark_traces(fig)
    looks = {(m["symbol"], m["color"]) for m in marks.values()}
    assert len(looks) == len(Status), "two statuses look the same"
    assert marks["confirmed"]["symbol"] == "diamond" and marks["confirmed"]["color"].startswith("#")
    assert marks["reported"]["color"].startswith("rgba(")  # tinted
    for status, look in STATUS_LOOKS.items():
        assert marks[status]["symbol"] == (look.symbol or "diamond" + look.suffix)
    assert marks["denied"]["symbol"] == "x-thin-open"
    legend = [t.name for t in fig.data if t.legendgroup and t.legendgroup.startswith("status-")]
    assert legend == [status.value.capitalize() for status in Status]


def test_no_status_legend_when_every_event_is_merely_reported(tmp_path):
    loaded = load_collection(folder(tmp_path, {"plain": PLAIN}))
    fig = timeline_figure(loaded.events, View(), loaded.settings)
    assert not [t for t in fig.data if t.legendgroup and t.legendgroup.startswith("status-")]


def test_the_reporting_lag_is_drawn_only_when_asked_and_only_where_there_is_one(collection):
    events, settings = collection.events, collection.settings
    assert not [t for t in timeline_figure(events, View(), settings).data if t.legendgroup == "lag"]
    lagged = timeline_figure(events, View(lag=True), settings)
    [ticks] = [t for t in lagged.data if t.legendgroup == "lag" and t.mode == "markers"]
    # 'expected' was announced two days before; 'graded' and 'claimed' were reported the same day, 'plain' while
    # under way: one lag only.
    assert list(ticks.hovertext) == ["announced 16 Feb 2022 (2 days before)"]
    assert ticks.x[0].startswith("2022-02-16 12:00")
    sequence = timeline_figure(events, View(lag=True, mode="sequence"), settings)
    assert not [t for t in sequence.data if t.legendgroup == "lag"]  # no dates on a sequence's axis


# ---- cards --------------------------------------------------------------------------------------------------------


def texts(component: Any) -> list[str]:
    """Every text in a component tree."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, list | tuple):
        return [t for c in component for t in texts(c)]
    children = getattr(component, "children", None)
    return texts(children) if children is not None else []


def find(component: Any, kind: str) -> list[Any]:
    found = [component] if type(component).__name__ == kind else []
    children = component if isinstance(component, list | tuple) else getattr(component, "children", None)
    if isinstance(children, list | tuple):
        for child in children:
            found += find(child, kind)
    elif children is not None and not isinstance(children, str):
        found += find(children, kind)
    return found


def test_the_card_shows_status_reporting_corroboration_grades_attribution_and_copies(collection):
    row = EventIndex(collection.events).row("graded")
    card = detail_card(row, EventIndex(collection.events), View(selected="graded"), collection.settings)
    words = " ".join(texts(card))
    assert "Confirmed" in words
    assert "Reported 15 Feb 2022 (same day) · corroborated by 2 independent publishers: DW, State Duma" in words
    badges = [span for span in find(card, "Span") if "status" in (span.className or "")]
    assert badges[0].title == Status.CONFIRMED.meaning
    grades = {abbr.children: abbr.title for abbr in find(card, "Abbr")}
    assert grades == {
        "B2": "B: usually reliable source; 2: probably true",
        "A1": "A: completely reliable source; 1: confirmed by other sources",
    }
    assert "according to TASS, citing the Duma's press office" in words
    assert "Resolution of the State Duma" in words and "not counted as independent" in words


def test_the_list_says_a_status_other_than_reported(collection):
    words = " ".join(texts(list_cards(collection.events, View(), collection.settings)))
    assert "· claimed" in words and "· expected" in words and "· reported" not in words


# ---- the other exports --------------------------------------------------------------------------------------------


def test_a_calendar_says_each_status_as_icalendar_does(collection):
    from icalendar import Calendar

    from dashboard.export.data import to_ics

    found = {
        str(event["uid"]).split("@")[0]: (str(event.get("status", "")), str(event["description"]))
        for event in Calendar.from_ical(to_ics(collection.events, "t")).walk("VEVENT")
    }
    assert found["graded"][0] == "CONFIRMED"
    assert found["claimed"][0] == "TENTATIVE" and found["expected"][0] == "TENTATIVE"
    assert found["plain"][0] == "TENTATIVE"  # reported, with an approximate date
    assert "Status: claimed (claimed by a party, not borne out by others)" in found["claimed"][1]


def test_timelinejs_and_the_story_page_say_the_status(collection):
    from dashboard.export.data import to_timelinejs
    from dashboard.export.story import story_page

    slides = {e["unique_id"]: e["text"]["text"] for e in json.loads(to_timelinejs(collection.events, "t"))["events"]}
    assert slides["claimed"].startswith("<p>Claimed: claimed by a party, not borne out by others.</p>")
    fig = timeline_figure(collection.events, View(), collection.settings)
    page = story_page(collection, View(), fig, fig, alt="")
    assert (
        '<span class="status status-claimed" title="Claimed by a party, not borne out by others">Claimed</span>' in page
    )
    assert (
        "<p class=trust>Reported 15 Feb 2022 (same day) · corroborated by 2 independent publishers: DW, State Duma</p>"
        in page
    )


def test_import_writes_each_rows_status_and_grades_into_its_event_file(tmp_path):
    table = tmp_path / "rows.csv"
    table.write_text(
        "id,title,date,category,status,source,published,source_reliability,source_credibility,source_attribution\n"
        "a,Said to happen,2022-02-16,x,Claimed,RIA,2022-02-16,c,3,according to the ministry\n"
        "b,Plain,2022-02-16,x,,DW,2022-02-16,,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "events"
    result = CliRunner().invoke(cli, ["import", str(table), "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = (out / "a.yaml").read_text(encoding="utf-8")
    assert "status: claimed" in written and "reliability: C" in written and "credibility: 3" in written
    assert "status:" not in (out / "b.yaml").read_text(encoding="utf-8")  # the default goes without saying
    back = by_id(load_collection(out))
    assert back["a"]["status"] == "claimed" and back["b"]["status"] == "reported"
    assert back["a"]["sources"][0]["attribution"] == "according to the ministry"


def test_a_table_row_with_a_grade_but_no_source_is_a_located_problem(tmp_path):
    root = tmp_path / "events"
    root.mkdir()
    (root / "table.csv").write_text(
        "title,date,category,source,source_reliability,source_credibility,source_attribution\n"
        "Graded,2022-02-16,x,DW,A,1,\n"
        "Orphan grade,2022-02-16,x,,A,1,\n"
        "Orphan words,2022-02-16,x,,,,according to nobody\n",
        encoding="utf-8",
    )
    loaded = load_collection(root)
    assert list(loaded.events["title"]) == ["Graded"]
    found = sorted((p.line, p.column, p.message) for p in loaded.problems)
    assert found[0][:2] == (3, 5) and "'source_reliability': given, but the row names no source" in found[0][2]
    assert found[1][:2] == (4, 7) and "'source_attribution': given" in found[1][2]


def test_a_huge_corroborated_value_is_read_as_the_most_and_said_as_written():
    view = View.from_query("?corroborated=999999999999")
    assert view.corroborated == 999
    assert view.warnings == ("'corroborated=999999999999' is more than 999; read as 999",)
    result = CliRunner().invoke(cli, ["export", "--view", "?corroborated=%C2%B2", "--format", "json", "--out", "-"])
    assert result.exit_code == 0 and "Traceback" not in result.output


@pytest.mark.parametrize("day", ["1600-01-01", "2300-01-01", "0001-01-01"])
def test_a_publication_outside_the_timelines_years_is_a_located_problem_in_a_file_and_a_table(tmp_path, day):
    root = folder(tmp_path, {"far": PLAIN.replace("published: 2022-02-16", f"published: {day}"), "ok": CLAIMED})
    (root / "table.csv").write_text(f"title,date,category,source,published\nT,2022-02-16,x,DW,{day}\n", "utf-8")
    loaded = load_collection(root)
    assert list(loaded.events["id"]) == ["ok"]
    found = sorted((p.path, p.line) for p in loaded.problems)
    assert found == [("far.yaml", 9), ("table.csv", 2)], loaded.problems
    assert all("outside the years the timeline can show (1700 to 2199)" in p.message for p in loaded.problems)
    fig = timeline_figure(loaded.events, View(lag=True), loaded.settings)  # nothing left to overflow
    assert fig.data


@pytest.mark.parametrize(
    "sources, words",
    [
        (
            "  - {id: a, title: T1, publisher: DW, copies: b}\n  - {id: b, title: T2, publisher: AP, copies: a}\n",
            "the sources copy each other in a ring ('a' → 'b' → 'a')",
        ),
        ("  - {title: T1, publisher: DW, credibility: yes}\n", "write a number from 1 to 6"),
        ("  - {title: T1, publisher: DW, credibility: true}\n", "write a number from 1 to 6"),
    ],
    ids=["copies-ring", "credibility-yes", "credibility-true"],
)
def test_a_copies_ring_or_a_yes_for_a_grade_is_a_problem_not_a_silent_reading(tmp_path, sources, words):
    text = "title: T\ndate: 2022-02-16\ncategory: x\nsources:\n" + sources
    loaded = load_collection(folder(tmp_path, {"e": text}))
    assert not len(loaded.events)
    [problem] = loaded.problems
    assert words in problem.message, problem


def test_a_credibility_written_as_text_or_with_a_decimal_point_is_read():
    from dashboard.model import Source

    assert Source(title="T", credibility="2.0").credibility == 2  # type: ignore[arg-type]
    assert Source(title="T", credibility=" 3 ").credibility == 3  # type: ignore[arg-type]


def test_a_range_shows_its_status_in_its_bar(tmp_path):
    fig = every_status(tmp_path, "date: 2022-02-14\nend: 2022-02-16\n")
    [bars] = [t for t in fig.data if t.type == "bar"]
    looks = {
        event_id: (color, shape)
        for event_id, color, shape in zip(bars.customdata, bars.marker.color, bars.marker.pattern.shape, strict=True)
    }
    assert len(set(looks.values())) == len(Status), looks  # each status its own bar
    assert (
        looks["confirmed"][0].startswith("#")
        and looks["reported"][0].startswith("rgba(")
        and looks["reported"][0] != "rgba(0,0,0,0)"
    )
    assert looks["claimed"] == ("rgba(0,0,0,0)", "")
    assert (looks["disputed"][1], looks["denied"][1], looks["expected"][1]) == ("+", "x", ".")


def test_the_story_pages_cards_carry_each_claims_grade_and_repeat(collection):
    from dashboard.export.story import story_page

    fig = timeline_figure(collection.events, View(), collection.settings)
    page = story_page(collection, View(), fig, fig, alt="")
    assert '<abbr class=grade title="B: usually reliable source; 2: probably true">B2</abbr>' in page
    assert re.search(r'<abbr class=grade title="repeats source (\d+)">repeats \1</abbr>', page)


def test_a_status_is_read_in_any_case_in_a_file_and_in_a_link(tmp_path):
    loaded = load_collection(folder(tmp_path, {"e": CLAIMED.replace("status: claimed", "status: ' Claimed'")}))
    assert not loaded.problems and list(loaded.events["status"]) == ["claimed"]
    assert View.from_query("?status=Confirmed&status=DENIED").status == ("confirmed", "denied")


def test_a_control_character_in_a_sources_words_is_a_problem(tmp_path):
    text = CLAIMED.replace("publisher: RIA Novosti", 'publisher: "RIA\\a Novosti"')
    [problem] = load_collection(folder(tmp_path, {"e": text})).problems
    assert "holds the control character U+0007" in problem.message


def test_the_card_names_a_few_publishers_and_counts_the_rest():
    sources = [{"title": f"T{n}", "publisher": f"P{n}"} for n in range(9)]
    assert trust.corroboration_words(sources) == (
        "corroborated by 9 independent publishers: P0, P1, P2, P3, P4, P5 and 3 more"
    )


def test_the_status_menu_lists_the_statuses_in_view_in_their_order_with_their_meaning(collection):
    from dashboard.app.layout import facet_controls

    [menu] = [c for c in facet_controls(collection) if "Status" in str(c.children[0].children)]
    options = menu.children[1].options
    assert [o["label"] for o in options] == ["Confirmed", "Reported", "Claimed", "Expected"]
    assert options[0]["title"] == "Confirmed by an independent record"
