"""Dates as people write them: spans, precision, zones, weekdays read against the publication date, and text back."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.dates import DateError, When, format_when, iso_bounds, parse_when, resolve
from dashboard.model import Precision

PUBLISHED = dt.date(2022, 2, 16)  # a Wednesday: the DW report's publication day


def day(year: int, month: int, d: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, d, hour, minute)


def test_reference_date_is_a_wednesday():
    assert PUBLISHED.strftime("%A") == "Wednesday"


# ---- ISO and partial dates ---------------------------------------------------------------------------------


def test_iso_date_is_one_whole_day():
    when = parse_when("2022-02-16")
    assert (when.start, when.end) == (day(2022, 2, 16), day(2022, 2, 17))
    assert when.precision == Precision.DAY
    assert when.approximate is False


def test_year_and_month_keep_their_precision_as_whole_spans():
    month = parse_when("2022-02")
    assert (month.start, month.end, month.precision) == (day(2022, 2, 1), day(2022, 3, 1), Precision.MONTH)
    year = parse_when("2022")
    assert (year.start, year.end, year.precision) == (day(2022, 1, 1), day(2023, 1, 1), Precision.YEAR)


def test_december_month_span_ends_at_new_year():
    when = parse_when("2021-12")
    assert (when.start, when.end) == (day(2021, 12, 1), day(2022, 1, 1))


def test_month_that_does_not_exist_is_refused():
    with pytest.raises(DateError, match="month 13 does not exist"):
        parse_when("2022-13")


def test_iso_datetime_without_zone_has_minute_precision():
    when = parse_when("2022-02-16T14:30")
    assert when.precision == Precision.MINUTE
    assert when.start == when.end == day(2022, 2, 16, 14, 30)
    assert when.zone is None
    assert iso_bounds(when) == ("2022-02-16T14:30", "2022-02-16T14:30")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-02-03", dt.date(2022, 2, 3)),
        ("2022-01-02", dt.date(2022, 1, 2)),
        ("2022-12-01", dt.date(2022, 12, 1)),
    ],
)
def test_iso_date_with_day_up_to_12_is_not_read_day_first(text, expected):
    # ISO 8601 is always year-month-day; the day-first reading meant for '03/02/2022' must not apply to it.
    when = parse_when(text)
    assert when.start.date() == expected
    assert iso_bounds(when) == (text, text)


def test_iso_datetime_with_day_up_to_12_is_not_read_day_first():
    when = parse_when("2022-02-03T10:00+01:00")
    assert when.start == day(2022, 2, 3, 9, 0)


# ---- natural forms, zones and offsets ----------------------------------------------------------------------


def test_natural_day_month_year():
    when = parse_when("16 Feb 2022")
    assert (when.start, when.end, when.precision) == (day(2022, 2, 16), day(2022, 2, 17), Precision.DAY)


def test_natural_month_and_year_is_month_precision():
    when = parse_when("February 2022")
    assert (when.start, when.end, when.precision) == (day(2022, 2, 1), day(2022, 3, 1), Precision.MONTH)


def test_time_with_iana_zone_is_stored_in_utc_and_keeps_the_zone():
    when = parse_when("Feb 16, 2022 14:30 Europe/Brussels")
    assert when.precision == Precision.MINUTE
    assert when.start == day(2022, 2, 16, 13, 30)  # 14:30 CET is 13:30 UTC
    assert when.start.tzinfo is None
    assert when.zone == "Europe/Brussels"
    assert format_when(when) == "16 Feb 2022, 14:30 CET"
    assert iso_bounds(when) == ("2022-02-16T14:30+01:00", "2022-02-16T14:30+01:00")


def test_summer_time_is_applied_for_the_zone():
    when = parse_when("Jul 16, 2022 14:30 Europe/Brussels")
    assert when.start == day(2022, 7, 16, 12, 30)
    assert format_when(when) == "16 Jul 2022, 14:30 CEST"


def test_numeric_offset_is_converted_to_utc_and_shown_as_written():
    when = parse_when("2022-02-16T14:30+01:00")
    assert when.precision == Precision.MINUTE
    assert when.start == day(2022, 2, 16, 13, 30)
    assert when.zone == "UTC+01:00"
    assert format_when(when) == "16 Feb 2022, 14:30 UTC+01:00"
    assert iso_bounds(when) == ("2022-02-16T14:30+01:00", "2022-02-16T14:30+01:00")


def test_z_suffix_means_utc():
    when = parse_when("2022-02-16T14:30Z")
    assert when.start == day(2022, 2, 16, 14, 30)
    assert when.zone == "UTC"


def test_event_timezone_applies_to_a_time_written_without_zone():
    when = parse_when("2022-02-16 14:30", zone="Europe/Kyiv")
    assert when.start == day(2022, 2, 16, 12, 30)
    assert when.zone == "Europe/Kyiv"
    assert format_when(when) == "16 Feb 2022, 14:30 EET"


def test_event_timezone_does_not_make_a_plain_day_more_exact():
    when = parse_when("16 Feb 2022", zone="Europe/Kyiv")
    assert when.precision == Precision.DAY
    assert when.start == day(2022, 2, 16)


def test_written_zone_wins_over_event_timezone():
    when = parse_when("Feb 16, 2022 14:30 Europe/Brussels", zone="Europe/Kyiv")
    assert when.zone == "Europe/Brussels"
    assert when.start == day(2022, 2, 16, 13, 30)


def test_extra_whitespace_is_ignored():
    assert parse_when("  16   Feb\n2022 ") == parse_when("16 Feb 2022")


def test_day_and_month_without_year_take_the_year_of_the_reference():
    when = parse_when("Feb 16", ref=dt.date(2023, 3, 1))
    assert when.start == day(2023, 2, 16)


def test_day_and_month_without_year_or_reference_is_refused_with_advice():
    with pytest.raises(DateError, match="has no year") as caught:
        parse_when("Feb 16")
    assert "published" in str(caught.value)


# ---- weekdays and phrases against the publication date ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wednesday", dt.date(2022, 2, 16)),  # the report's own day
        ("on Wednesday", dt.date(2022, 2, 16)),
        ("wednesday", dt.date(2022, 2, 16)),
        ("Monday", dt.date(2022, 2, 14)),
        ("Thursday", dt.date(2022, 2, 10)),  # a bare weekday is the latest such day up to the report
        ("next Friday", dt.date(2022, 2, 18)),
        ("next Wednesday", dt.date(2022, 2, 23)),
        ("last Wednesday", dt.date(2022, 2, 9)),
        ("last Monday", dt.date(2022, 2, 14)),
        ("this Friday", dt.date(2022, 2, 18)),
        ("yesterday", dt.date(2022, 2, 15)),
        ("today", dt.date(2022, 2, 16)),
        ("tomorrow", dt.date(2022, 2, 17)),
    ],
)
def test_weekday_resolves_against_publication_date(text, expected):
    when = parse_when(text, ref=PUBLISHED)
    assert when.start == dt.datetime.combine(expected, dt.time())
    assert when.end == when.start + dt.timedelta(days=1)
    assert when.precision == Precision.DAY
    assert when.approximate is False


def test_earlier_in_the_week_is_an_approximate_span_before_the_report():
    when = parse_when("earlier in the week", ref=PUBLISHED)
    assert (when.start, when.end) == (day(2022, 2, 14), day(2022, 2, 16))
    assert when.precision == Precision.DAY
    assert when.approximate is True
    assert format_when(when) == "about 14–15 Feb 2022"
    assert iso_bounds(when) == ("2022-02-14", "2022-02-15")


def test_later_in_the_week_runs_to_sunday():
    when = parse_when("later this week", ref=PUBLISHED)
    assert (when.start, when.end) == (day(2022, 2, 17), day(2022, 2, 21))
    assert when.approximate is True


def test_this_week_is_monday_to_sunday():
    when = parse_when("this week", ref=PUBLISHED)
    assert (when.start, when.end) == (day(2022, 2, 14), day(2022, 2, 21))


def test_earlier_in_the_week_on_a_monday_is_refused():
    with pytest.raises(DateError, match="Monday"):
        parse_when("earlier in the week", ref=dt.date(2022, 2, 14))


@pytest.mark.parametrize("text", ["Wednesday", "next Friday", "earlier in the week", "yesterday"])
def test_relative_date_without_reference_raises_helpful_error(text):
    with pytest.raises(DateError) as caught:
        parse_when(text)
    message = str(caught.value)
    assert f'"{text}" needs a reference date' in message
    assert "published" in message


# ---- approximate forms -------------------------------------------------------------------------------------


def test_mid_month_is_an_approximate_range_inside_the_month():
    when = parse_when("mid-February 2022")
    assert when.approximate is True
    assert when.precision == Precision.DAY
    assert (when.start, when.end) == (day(2022, 2, 11), day(2022, 2, 21))
    assert day(2022, 2, 1) < when.start and when.end < day(2022, 3, 1)
    assert format_when(when) == "about 11–20 Feb 2022"


def test_early_and_late_month_cover_the_ends_of_the_month():
    early = parse_when("early March 2022")
    late = parse_when("late February 2022")
    assert (early.start, early.end) == (day(2022, 3, 1), day(2022, 3, 11))
    assert (late.start, late.end) == (day(2022, 2, 21), day(2022, 3, 1))  # to the last day of February
    assert early.approximate and late.approximate


@pytest.mark.parametrize("prefix", ["about", "About", "around", "circa", "c.", "ca.", "approximately", "~"])
def test_about_prefix_marks_the_date_approximate_without_changing_it(prefix):
    when = parse_when(f"{prefix} 16 Feb 2022")
    assert when.approximate is True
    assert (when.start, when.end, when.precision) == (day(2022, 2, 16), day(2022, 2, 17), Precision.DAY)


def test_about_day_is_formatted_with_about():
    assert format_when(parse_when("about 16 Feb 2022")) == "about 16 Feb 2022"


def test_approximate_flag_in_resolve_marks_an_exact_date_approximate():
    when = resolve("2022-02-16", approximate=True)
    assert when.approximate is True
    assert format_when(when) == "about 16 Feb 2022"


# ---- bad dates ---------------------------------------------------------------------------------------------


def test_misspelt_month_is_refused_quoting_the_text():
    with pytest.raises(DateError) as caught:
        parse_when("Febuary 16")
    assert str(caught.value) == 'could not read "Febuary 16" as a date'


def test_empty_date_is_refused():
    with pytest.raises(DateError, match="empty"):
        parse_when("   ")


def test_date_error_is_a_value_error():
    # Callers that catch ValueError (e.g. validation layers) still see it.
    assert issubclass(DateError, ValueError)


def test_bad_start_is_blamed_on_date_field():
    with pytest.raises(DateError) as caught:
        resolve("Febuary 16", "2022-02-17")
    assert caught.value.field == "date"


def test_bad_end_is_blamed_on_end_field():
    with pytest.raises(DateError) as caught:
        resolve("2022-02-16", "Febuary 17")
    assert caught.value.field == "end"
    assert 'could not read "Febuary 17" as a date' in str(caught.value)


def test_end_before_start_is_refused_on_end_field():
    with pytest.raises(DateError) as caught:
        resolve("2022-02-17", "2022-02-16")
    assert caught.value.field == "end"
    assert "before it starts" in str(caught.value)


# ---- ranges ------------------------------------------------------------------------------------------------


def test_range_includes_its_last_day():
    when = resolve("2022-02-16", "2022-02-17")
    assert (when.start, when.end) == (day(2022, 2, 16), day(2022, 2, 18))
    assert when.end - when.start == dt.timedelta(days=2)
    assert iso_bounds(when) == ("2022-02-16", "2022-02-17")
    assert format_when(when) == "16–17 Feb 2022"


def test_range_of_one_day_is_that_day():
    when = resolve("2022-02-16", "2022-02-16")
    assert (when.start, when.end) == (day(2022, 2, 16), day(2022, 2, 17))


def test_range_takes_the_coarser_precision():
    when = resolve("2022-01", "2022-02-16")
    assert when.precision == Precision.MONTH
    assert (when.start, when.end) == (day(2022, 1, 1), day(2022, 2, 17))


def test_range_of_months_ends_after_the_last_month():
    when = resolve("2021-11", "2022-01")
    assert (when.start, when.end, when.precision) == (day(2021, 11, 1), day(2022, 2, 1), Precision.MONTH)
    assert iso_bounds(when) == ("2021-11", "2022-01")


def test_range_is_approximate_if_either_end_is():
    assert resolve("2022-02-14", "about 16 Feb 2022").approximate is True


def test_time_range_on_one_day():
    when = resolve("2022-02-16T10:00+01:00", "2022-02-16T12:00+01:00")
    assert when.precision == Precision.MINUTE
    assert (when.start, when.end) == (day(2022, 2, 16, 9), day(2022, 2, 16, 11))
    assert format_when(when) == "16 Feb 2022, 10:00–12:00 UTC+01:00"


def test_range_with_weekdays_uses_the_reference():
    when = resolve("Monday", "Wednesday", ref=PUBLISHED)
    assert (when.start, when.end) == (day(2022, 2, 14), day(2022, 2, 17))


# ---- back to text ------------------------------------------------------------------------------------------


def span(first: dt.datetime, after: dt.datetime, precision: Precision, approximate: bool = False) -> When:
    return When(first, after, precision, approximate)


@pytest.mark.parametrize(
    ("when", "text"),
    [
        (span(day(2022, 2, 16), day(2022, 2, 17), Precision.DAY), "16 Feb 2022"),
        (span(day(2022, 2, 1), day(2022, 3, 1), Precision.MONTH), "Feb 2022"),
        (span(day(2022, 1, 1), day(2023, 1, 1), Precision.YEAR), "2022"),
        (span(day(2022, 1, 1), day(2022, 4, 1), Precision.MONTH), "Jan–Mar 2022"),
        (span(day(2021, 11, 1), day(2022, 3, 1), Precision.MONTH), "Nov 2021 – Feb 2022"),
        (span(day(2021, 1, 1), day(2023, 1, 1), Precision.YEAR), "2021–2022"),
        (span(day(2022, 2, 14), day(2022, 2, 18), Precision.DAY), "14–17 Feb 2022"),
        (span(day(2022, 1, 30), day(2022, 2, 3), Precision.DAY), "30 Jan – 2 Feb 2022"),
        (span(day(2021, 12, 30), day(2022, 1, 3), Precision.DAY), "30 Dec 2021 – 2 Jan 2022"),
        (span(day(2022, 2, 1), day(2022, 3, 1), Precision.MONTH, True), "about Feb 2022"),
    ],
)
def test_format_when_says_the_span_at_its_precision(when, text):
    assert format_when(when) == text


def test_format_when_for_minutes_across_days_names_both_days():
    when = When(day(2022, 2, 16, 22, 0), day(2022, 2, 17, 1, 0), Precision.MINUTE, zone="UTC")
    assert format_when(when) == "16 Feb 2022, 22:00 – 17 Feb 2022, 01:00 UTC"


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("2022", ("2022", "2022")),
        ("2022-02", ("2022-02", "2022-02")),
        ("16 Feb 2022", ("2022-02-16", "2022-02-16")),
        ("mid-February 2022", ("2022-02-11", "2022-02-20")),
    ],
)
def test_iso_bounds_are_inclusive_at_the_span_precision(text, bounds):
    assert iso_bounds(parse_when(text)) == bounds


def test_a_written_offset_keeps_the_named_zone_when_it_is_that_zones_own():
    from dashboard.dates import format_when, parse_when

    assert format_when(parse_when("2022-02-16T14:30+01:00", zone="Europe/Brussels")) == "16 Feb 2022, 14:30 CET"
    # another offset than the zone's own that day is said as written
    assert format_when(parse_when("2022-02-16T14:30+03:00", zone="Europe/Brussels")) == "16 Feb 2022, 14:30 UTC+03:00"
