"""Dates in words that must never be read as something less exact or other than what was written: a time on a
relative day, a time without a day, two times, hours the 12-hour clock has not, weekdays that are not the day's,
messages that quote the date as written, and advice that fits where the date was typed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dashboard.app.state import typed_bound
from dashboard.cli import cli
from dashboard.dates import DateError, format_when, parse_when
from dashboard.model import Precision
from dashboard.store import load_collection
from dashboard.table import Effect

PUBLISHED = dt.date(2022, 2, 16)  # a Wednesday
EVENTS = Path(__file__).resolve().parents[1] / "events"


def event_file(tmp_path: Path, date: str) -> Path:
    """A folder with one event dated ``date`` whose source was published on PUBLISHED."""
    folder = tmp_path / "events"
    folder.mkdir()
    (folder / "t.yaml").write_text(
        f"title: T\ndate: {date}\ncategory: x\nsources: [{{title: s, published: {PUBLISHED}}}]\n", encoding="utf-8"
    )
    return folder


# ---- a time on a relative day is that minute of that day ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "moment", "zone"),
    [
        ("Wednesday at noon", dt.datetime(2022, 2, 16, 12), None),
        ("Wednesday at 10am", dt.datetime(2022, 2, 16, 10), None),
        ("on Wednesday, 10:30 pm", dt.datetime(2022, 2, 16, 22, 30), None),
        ("Wednesday 10:00 Europe/Kyiv", dt.datetime(2022, 2, 16, 8), "Europe/Kyiv"),  # UTC+2 in February
        ("Monday at midnight", dt.datetime(2022, 2, 14), None),
        ("next Friday at 9pm", dt.datetime(2022, 2, 18, 21), None),
        ("yesterday at 10am", dt.datetime(2022, 2, 15, 10), None),
    ],
)
def test_a_relative_day_with_a_time_is_that_minute_of_that_day(text, moment, zone):
    when = parse_when(text, ref=PUBLISHED)
    assert (when.start, when.end, when.precision, when.zone) == (moment, moment, Precision.MINUTE, zone)


def test_an_event_on_a_weekday_at_a_time_lists_that_minute(tmp_path):
    loaded = load_collection(event_file(tmp_path, "Wednesday at 10am"))
    assert not loaded.problems
    assert loaded.events["start"].iloc[0] == pd.Timestamp(2022, 2, 16, 10)
    assert loaded.events["precision"].iloc[0] == str(Precision.MINUTE)


def test_more_than_a_time_after_a_weekday_is_read_as_a_whole_date():
    assert parse_when("Wednesday 16 Feb 2022", ref=PUBLISHED).start == dt.datetime(2022, 2, 16)
    with pytest.raises(DateError, match='could not read "Wednesday at 10am sharp"'):
        parse_when("Wednesday at 10am sharp", ref=PUBLISHED)


# ---- a time needs a day -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Feb 2022 at 10am",
        "Feb 2022 10:00",
        "2022 at noon",
        "mid-February 2022 at 10am",
        "about mid-February 2022 at 10am",
        "noon",
        "10am",
        "this week at 10am",
        "earlier in the week at 10am",
    ],
)
def test_a_time_on_something_coarser_than_a_day_is_a_problem_never_a_wider_span(text):
    with pytest.raises(DateError) as caught:
        parse_when(text, ref=PUBLISHED)
    assert str(caught.value).startswith(f'"{text}": a time needs a day')


@pytest.mark.parametrize("text", ["Wednesday at noon", "noon", "Feb 2022 at 10am"])
def test_a_time_without_a_reference_date_is_still_refused(text):
    with pytest.raises(DateError):
        parse_when(text)


@pytest.mark.parametrize("date", ["noon", "2022 at noon", "Feb 2022 at 10am", "mid-February 2022 at 10am"])
def test_an_event_with_a_time_but_no_day_is_left_out_with_a_located_problem(tmp_path, date):
    loaded = load_collection(event_file(tmp_path, date))
    assert loaded.events.empty, "never listed as the whole year or month"
    [problem] = loaded.problems
    assert (problem.path, problem.line, problem.column) == ("t.yaml", 2, 7)
    assert problem.message.startswith(f"'date': \"{date}\": a time needs a day")
    assert problem.effect == Effect.LEFT_OUT


# ---- one time, on the clock ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["16 Feb 2022 at 10am at 11am", "16 Feb 2022 10:00 11:00", "2022-02-16 10:00 at 11am"])
def test_two_times_are_a_problem(text):
    with pytest.raises(DateError, match=r"has 2 times \(.*\): write one"):
        parse_when(text)


@pytest.mark.parametrize("text", ["16 Feb 2022 at 0am", "16 Feb 2022 at 0pm", "16 Feb 2022 00:30am"])
def test_hour_zero_on_the_12_hour_clock_is_not_a_time(text):
    with pytest.raises(DateError, match="is not a time"):
        parse_when(text)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("16 Feb 2022 at 12am", dt.datetime(2022, 2, 16, 0)),
        ("16 Feb 2022 at 12pm", dt.datetime(2022, 2, 16, 12)),
        ("16 Feb 2022 00:00", dt.datetime(2022, 2, 16, 0)),
        ("Feb 16, 2022 14:30 +01:00", dt.datetime(2022, 2, 16, 13, 30)),  # an offset is not a second time
        ("Wed, 16 Feb 2022 10:00:00 GMT", dt.datetime(2022, 2, 16, 10)),
    ],
)
def test_one_time_of_the_clock_is_read(text, moment):
    assert parse_when(text).start == moment


# ---- weekdays must be the day's -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Wednesday 2022", "Feb 2022 Wednesday"])
def test_a_weekday_without_its_day_is_a_problem(text):
    with pytest.raises(DateError, match="names a weekday but not its day"):
        parse_when(text, ref=PUBLISHED)


def test_a_weekday_that_is_not_the_day_s_own_is_a_problem():
    with pytest.raises(DateError, match="17 Feb 2022 is a Thursday, not a Wednesday"):
        parse_when("Wednesday 17 Feb 2022")
    assert format_when(parse_when("Thursday 17 Feb 2022")) == "17 Feb 2022"


# ---- messages quote what was written ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["about about about 16 Feb 2022", "mid-Febtober 2022", "about Febuary 16"])
def test_an_unreadable_date_is_quoted_as_written(text):
    with pytest.raises(DateError) as caught:
        parse_when(text)
    assert str(caught.value) == f'could not read "{text}" as a date'


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("29 Feb 2022", "day is out of range for month"),
        ("Feb 30 2022", "day is out of range for month"),
        ("about 31 April 2022", "day is out of range for month"),
        ("2022-02-30", "day is out of range for month"),
        ("16 Feb 2022 25:00", "hour must be in 0..23"),
    ],
)
def test_a_day_that_does_not_exist_is_not_a_real_date(text, why):
    with pytest.raises(DateError) as caught:
        parse_when(text)
    assert str(caught.value) == f'"{text}" is not a real date ({why})'


def test_a_date_outside_the_timeline_is_quoted_as_written():
    with pytest.raises(DateError, match='^"about 9999" is outside'):
        parse_when("about 9999")


# ---- advice fits where the date was typed -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["tomorrow", "Wednesday at 10am", "Feb 16"])
def test_a_date_typed_on_the_command_line_gets_no_advice_about_sources(text):
    runner = CliRunner(env={"TIMELINE_EVENTS": None, "COLUMNS": "250"})
    result = runner.invoke(cli, ["export", "--events", str(EVENTS), "--format", "json", "--from", text])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f'"{text}"' in result.output and "16 Feb 2022" in result.output
    assert "published" not in result.output and "source" not in result.output


@pytest.mark.parametrize("text", ["tomorrow", "Feb 16"])
def test_a_date_typed_in_the_app_gets_no_advice_about_sources(text):
    bound, message = typed_bound(text, None, last=False, label="From")
    assert bound is None and message is not None
    assert f'"{text}"' in message and "14 Feb 2022" in message
    assert "published" not in message and "source" not in message


def test_a_date_in_an_event_file_still_says_to_add_a_published_source():
    with pytest.raises(DateError, match='"tomorrow" needs a reference date: add a source with a "published" date'):
        parse_when("tomorrow")
    with pytest.raises(DateError, match='"Feb 16" has no year: write the year, or add a source'):
        parse_when("Feb 16")
