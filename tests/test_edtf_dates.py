"""Dates as archivists write them: EDTF levels 0 to 2, open bounds in words, doubt kept apart from approximation,
the fuzzy range that filters use and the order events are sorted in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from rows import by_id

from dashboard.dates import DateError, edtf_of, format_when, parse_when, resolve
from dashboard.store import load_collection
from dashboard.view import View, apply

WEDNESDAY = dt.date(2022, 2, 16)
SUNDAY = dt.date(2022, 2, 20)


def day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "cache"))


# written, start, end (exclusive), precision, words, EDTF written back
LEVEL_0_AND_1 = [
    ("2022", "2022-01-01", "2023-01-01", "year", "2022", "2022"),
    ("2022-02", "2022-02-01", "2022-03-01", "month", "Feb 2022", "2022-02"),
    ("2022-02-16", "2022-02-16", "2022-02-17", "day", "16 Feb 2022", "2022-02-16"),
    ("2022-02-14/2022-02-16", "2022-02-14", "2022-02-17", "day", "14–16 Feb 2022", "2022-02-14/2022-02-16"),
    ("2022-01/2022-02", "2022-01-01", "2022-03-01", "month", "Jan–Feb 2022", "2022-01/2022-02"),
    ("2022-02-16~", "2022-02-16", "2022-02-17", "day", "about 16 Feb 2022", "2022-02-16~"),
    ("2022-02-16?", "2022-02-16", "2022-02-17", "day", "possibly 16 Feb 2022", "2022-02-16?"),
    ("2022-02-16%", "2022-02-16", "2022-02-17", "day", "possibly about 16 Feb 2022", "2022-02-16%"),
    ("2022-02~", "2022-02-01", "2022-03-01", "month", "about Feb 2022", "2022-02~"),
    ("2022?", "2022-01-01", "2023-01-01", "year", "possibly 2022", "2022?"),
    ("2022-02-XX", "2022-02-01", "2022-03-01", "month", "Feb 2022", "2022-02"),
    ("2022-XX-XX", "2022-01-01", "2023-01-01", "year", "2022", "2022"),
    ("202X", "2020-01-01", "2030-01-01", "year", "2020–2029", "2020/2029"),
    ("2022-21", "2022-03-01", "2022-06-01", "month", "Mar–May 2022", "2022-03/2022-05"),  # spring
    ("../2022-02-16", "2022-02-16", "2022-02-17", "day", "on or before 16 Feb 2022", "../2022-02-16"),
    ("/2022-02-16", "2022-02-16", "2022-02-17", "day", "on or before 16 Feb 2022", "../2022-02-16"),
    ("2022-02-16/..", "2022-02-16", "2022-02-17", "day", "on or after 16 Feb 2022", "2022-02-16/.."),
    ("2022-02-16/", "2022-02-16", "2022-02-17", "day", "on or after 16 Feb 2022", "2022-02-16/.."),
    ("2022-02-14~/2022-02-16", "2022-02-14", "2022-02-17", "day", "about 14–16 Feb 2022", "2022-02-14~/2022-02-16"),
    ("2022-02-16T14:30:00Z", "2022-02-16T14:30", "2022-02-16T14:30", "minute", "16 Feb 2022, 14:30 UTC", None),
]
LEVEL_2 = [
    (
        "[2022-02-14,2022-02-15]",
        "2022-02-14",
        "2022-02-16",
        "day",
        "one day of 14–15 Feb 2022",
        "[2022-02-14..2022-02-15]",
    ),
    (
        "[2022-02-14..2022-02-16]",
        "2022-02-14",
        "2022-02-17",
        "day",
        "one day of 14–16 Feb 2022",
        "[2022-02-14..2022-02-16]",
    ),
    ("[..2022-02-16]", "2022-02-16", "2022-02-17", "day", "on or before 16 Feb 2022", "[..2022-02-16]"),
    ("2022-~02-16", "2022-02-16", "2022-02-17", "day", "about 16 Feb 2022", "2022-02-16~"),
    ("?2022-02-16", "2022-02-16", "2022-02-17", "day", "possibly 16 Feb 2022", "2022-02-16?"),
    ("2022-25", "2022-03-01", "2022-06-01", "month", "Mar–May 2022", "2022-03/2022-05"),  # northern spring
]


@pytest.mark.parametrize(("written", "start", "end", "precision", "words", "edtf"), LEVEL_0_AND_1 + LEVEL_2)
def test_edtf_forms_read_as_spans_said_in_words_and_written_back(written, start, end, precision, words, edtf):
    when = parse_when(written)
    assert (when.start, when.end, str(when.precision)) == (day(start), day(end), precision)
    assert format_when(when) == words
    if edtf is not None:
        assert edtf_of(when) == edtf


def test_a_round_trip_through_edtf_keeps_the_fuzzy_range():
    for written, *_ in LEVEL_0_AND_1 + LEVEL_2:
        when = parse_when(written)
        again = parse_when(edtf_of(when))
        assert (again.start, again.end, again.fuzzy, again.uncertain) == (
            when.start,
            when.end,
            when.fuzzy,
            when.uncertain,
        ), written


def test_doubt_is_kept_apart_from_approximation():
    about, maybe, both = parse_when("2022-02-16~"), parse_when("2022-02-16?"), parse_when("2022-02-16%")
    assert (about.approximate, about.uncertain) == (True, False)
    assert (maybe.approximate, maybe.uncertain) == (False, True)
    assert (both.approximate, both.uncertain) == (True, True)


def test_an_open_bound_is_stored_open_never_as_an_invented_date():
    before = parse_when("../2022-02-16")
    assert before.open_start and not before.open_end
    assert before.fuzzy == (None, day("2022-02-17"))
    after = parse_when("2022-02-16/..")
    assert after.fuzzy == (day("2022-02-16"), None)


def test_a_loose_end_reaches_one_unit_further_and_only_at_that_end():
    assert parse_when("2022-02-16~").fuzzy == (day("2022-02-15"), day("2022-02-18"))
    assert parse_when("2022-02~").fuzzy == (day("2022-01-01"), day("2022-04-01"))
    assert parse_when("2022~").fuzzy == (day("2021-01-01"), day("2024-01-01"))
    assert parse_when("2022-02-14~/2022-02-16").fuzzy == (day("2022-02-13"), day("2022-02-17"))
    assert parse_when("2022-02-14/2022-02-16?").fuzzy == (day("2022-02-14"), day("2022-02-18"))
    # one of a set reaches no further than the set
    assert parse_when("[2022-02-14,2022-02-15]").fuzzy == (day("2022-02-14"), day("2022-02-16"))
    timed = parse_when("about 16 Feb 2022 14:30 UTC")
    assert timed.fuzzy == (day("2022-02-16T13:30"), day("2022-02-16T15:30"))


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("{2022-02-14,2022-02-15}", "lists several dates"),
        ("../..", "open at both ends"),
        ("2022-02-30~", "could not read"),
        ("2022-02-16/2022-02-14", "ends before it starts"),
        ("Y170000002", "outside the years"),
        ("-0100?", "outside the years"),
        ("1950S2", "outside the years"),
        ("2022-02-14/2022-02-15/2022-02-16", "more than one"),
        ("[..2022-02-14]/2022-02-16", "could not read"),
        ("2022-XX-16", "no one span"),
        ("2022-1X", "could not read"),  # the parser fails inside; still one located message
        ("2022-02-1X", "could not read"),
        ("Y-17E7", "outside the years"),
        ("[" + ",".join(["2022-02-14"] * 500) + "]", "too long for one date"),  # refused at once, not parsed
    ],
)
def test_edtf_forms_not_supported_are_a_clear_problem(written, message, capsys):
    with pytest.raises(DateError, match=message):
        parse_when(written)
    assert capsys.readouterr().out == ""  # nothing the parser tried reaches the terminal


def test_plain_dates_that_look_like_intervals_are_still_read_as_before():
    assert parse_when("02/13/2022").start == day("2022-02-13")
    plain = parse_when("2022-02-16")
    assert not (plain.approximate or plain.uncertain or plain.open_start or plain.open_end)


# phrase, against Wednesday 16 Feb 2022, against Sunday 20 Feb 2022 (EDTF of each)
PHRASES = [
    ("by 16 Feb 2022", "../2022-02-16", "../2022-02-16"),
    ("before 16 Feb 2022", "../2022-02-15", "../2022-02-15"),
    ("no later than 16 Feb 2022", "../2022-02-16", "../2022-02-16"),
    ("after 14 Feb", "2022-02-15/..", "2022-02-15/.."),
    ("no earlier than 14 Feb", "2022-02-14/..", "2022-02-14/.."),
    ("since Monday", "2022-02-14/..", "2022-02-14/.."),
    ("by Wednesday", "../2022-02-16", "../2022-02-16"),
    ("before Tuesday", "../2022-02-14", "../2022-02-14"),
    ("after yesterday", "2022-02-16/..", "2022-02-20/.."),
    ("by the end of the week", "../2022-02-20", "../2022-02-20"),
    ("by the end of the month", "../2022-02-28", "../2022-02-28"),
    ("before this week", "../2022-02-13", "../2022-02-13"),
    ("circa 14 Feb", "2022-02-14~", "2022-02-14~"),
    ("possibly Wednesday", "2022-02-16?", "2022-02-16?"),
    ("by about 16 Feb 2022", "../2022-02-16~", "../2022-02-16~"),
]


@pytest.mark.parametrize(("written", "on_wednesday", "on_sunday"), PHRASES)
def test_bounds_in_words_count_from_the_publication_date(written, on_wednesday, on_sunday):
    assert edtf_of(parse_when(written, WEDNESDAY)) == on_wednesday
    assert edtf_of(parse_when(written, SUNDAY)) == on_sunday


def test_bounds_in_words_are_said_back_plainly():
    assert format_when(parse_when("by 16 Feb 2022")) == "on or before 16 Feb 2022"
    assert format_when(parse_when("after 14 Feb 2022")) == "on or after 15 Feb 2022"
    assert format_when(parse_when("by 16 Feb 2022 10:00 UTC")) == "on or before 16 Feb 2022, 10:00 UTC"


def test_a_bound_needs_a_report_when_it_counts_from_one():
    with pytest.raises(DateError, match="reference date"):
        parse_when("by Wednesday")
    with pytest.raises(DateError, match="reference date"):
        parse_when("by the end of the week")


def test_an_open_end_is_written_as_dots_in_end_and_an_open_date_takes_no_end():
    when = resolve("2022-02-03", "..")
    assert when.open_end and when.start == day("2022-02-03") and format_when(when) == "on or after 3 Feb 2022"
    with pytest.raises(DateError, match="whole date") as error:
        resolve("by 16 Feb 2022", "2022-02-20")
    assert error.value.field == "end"
    with pytest.raises(DateError, match="already an open date"):
        resolve("../2022-02-16", "..")


def write_events(folder: Path, dates: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, date in dates.items():
        (folder / f"{name}.yaml").write_text(f"title: {name}\ndate: '{date}'\ncategory: other\n", encoding="utf-8")
    return folder


def test_the_events_table_keeps_the_fuzzy_range_and_the_doubt(tmp_path):
    folder = write_events(
        tmp_path / "events", {"exact": "2022-02-16", "before": "../2022-02-16", "maybe": "2022-02-16?"}
    )
    rows = by_id(load_collection(folder))
    assert pd.isna(rows["before"]["earliest"]) and rows["before"]["latest"] == pd.Timestamp("2022-02-17")
    assert rows["maybe"]["uncertain"] and rows["maybe"]["earliest"] == pd.Timestamp("2022-02-15")
    assert rows["exact"]["earliest"] == rows["exact"]["start"] and not rows["exact"]["uncertain"]
    assert rows["before"]["when"] == "on or before 16 Feb 2022"


def test_events_sort_by_strict_bounds_then_by_how_sure(tmp_path):
    folder = write_events(
        tmp_path / "events",
        {
            "a-open": "../2022-02-16",
            "b-uncertain": "2022-02-16?",
            "c-about": "2022-02-16~",
            "d-exact": "2022-02-16",
            "e-earlier": "2022-02-15",
            "f-later-end": "2022-02-16/2022-02-17",
        },
    )
    order = list(load_collection(folder).events["id"])
    assert order == ["e-earlier", "d-exact", "c-about", "b-uncertain", "a-open", "f-later-end"]


def test_filters_use_the_overlap_of_the_fuzzy_range(tmp_path):
    folder = write_events(
        tmp_path / "events",
        {"before": "../2022-02-16", "after": "2022-02-16/..", "about": "2022-02-10~", "exact": "2022-02-10"},
    )
    events = load_collection(folder).events

    def shown(query: str) -> set[str]:
        return set(apply(events, View.from_query(query))["id"])

    assert shown("?from=2021-01-01&to=2021-01-31") == {"before"}  # open back to any time
    assert shown("?from=2023-01-01&to=2023-01-31") == {"after"}
    assert shown("?from=2022-02-11&to=2022-02-11") == {"before", "about"}  # about 10 Feb may be the 11th
    assert shown("?from=2022-02-17&to=2022-02-20") == {"after"}


def test_a_table_reads_edtf_and_bounds_in_its_date_column_as_a_file_does(tmp_path):
    folder = tmp_path / "events"
    folder.mkdir()
    rows = [
        ("before", "../2022-02-16"),
        ("maybe", "2022-02-16?"),
        ("about", "2022-02-16"),
        ("after", "after 14 Feb 2022"),
    ]
    lines = ["id,title,date,approximate,category"] + [
        f"{name},{name},{date},{'true' if name == 'about' else 'false'},other" for name, date in rows
    ]
    (folder / "events.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = load_collection(folder)
    assert not loaded.problems
    table = by_id(loaded)
    assert pd.isna(table["before"]["earliest"]) and table["before"]["when"] == "on or before 16 Feb 2022"
    assert table["maybe"]["uncertain"] and table["maybe"]["latest"] == pd.Timestamp("2022-02-18")
    assert table["about"]["earliest"] == pd.Timestamp("2022-02-15")  # the approximate flag: loose at both ends
    assert pd.isna(table["after"]["latest"]) and table["after"]["start"] == pd.Timestamp("2022-02-15")


@pytest.mark.parametrize(
    "written",
    ["2022", "2022~", "2022-02", "2022-02?", "2022-02-16", "2022-02-16%", "2022-02-XX", "2022-XX-XX", "2022-XX?"],
)
def test_the_quick_reading_of_common_forms_agrees_with_the_edtf_parser(written):
    from dashboard import dates

    quick = dates._simple_edtf(written, written, True)
    assert quick is not None
    assert quick == dates._edtf_object(dates._parse_edtf(written), written, written)


def test_a_day_not_in_the_calendar_with_a_qualifier_is_a_located_problem():
    with pytest.raises(DateError, match="no day of the calendar"):
        parse_when("2022-02-30~")
    with pytest.raises(DateError, match="not a real date"):
        parse_when("2022-02-30")


@pytest.mark.parametrize(
    "written",
    ["[2022-02-14,2022-02-15]", "[2022-02-14..2022-02-16]", "[..2022-02-16]", "[2022-02-14..]", "[2022,2023]"],
)
def test_the_quick_reading_of_sets_agrees_with_the_edtf_parser(written):
    from dashboard import dates

    quick = dates._simple_set(written, written)
    assert quick is not None
    assert quick == dates._edtf_object(dates._parse_edtf(written), written, written)


def test_a_table_of_many_distinct_sets_reads_quickly():
    import time

    began = time.perf_counter()
    for day in range(1, 28):
        parse_when(f"[2022-03-{day:02d},2022-03-{day + 1:02d}]")
    assert time.perf_counter() - began < 1.0  # the parser alone takes over a second for these (50 ms a set)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("before 1700", "outside the years"),
        ("after 2199", "outside the years"),
        ("by 1699-12-31", "outside the years"),
        ("2022-02-16??", "one qualifier"),
        ("0000", "outside the years"),  # not 'month None does not exist'
    ],
)
def test_bounds_and_qualifiers_that_cannot_be_are_refused(written, message):
    with pytest.raises(DateError, match=message):
        parse_when(written)


def test_a_day_and_a_time_in_one_span_are_said_as_the_days_they_cover():
    for when in (parse_when("2022-02-14/2022-02-16T10:00Z"), resolve("2022-02-14", "2022-02-16T10:00Z")):
        assert (when.start, when.end) == (day("2022-02-14"), day("2022-02-17"))
        assert format_when(when) == "14–16 Feb 2022" and edtf_of(when) == "2022-02-14/2022-02-16"
    assert format_when(parse_when("2022-02-14T10:00Z/2022-02-16")) == "14–16 Feb 2022"


def test_before_the_end_of_a_period_means_by_its_end():
    assert edtf_of(parse_when("before the end of the month", WEDNESDAY)) == "../2022-02-28"
