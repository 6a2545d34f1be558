"""Dates as people write them -> a span of time with its precision, and back to honest text.

A date is kept as the span it can mean: ``2022-02`` is all of February, ``earlier in the week`` is the days
before the source's publication day in that week. Nothing is made more exact than what was written.

Spans are half-open: ``start`` is the first instant and ``end`` the first instant after. Day, month and year
spans are calendar (wall-clock) dates; minute-precision times are converted to UTC, with the zone kept for display.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as dateparser
from dateutil import tz as dateutil_tz

from dashboard.model import SETTINGS_FILE, Precision

DAY = dt.timedelta(days=1)
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
APPROXIMATE_PREFIX = re.compile(r"^(about|around|approximately|approx\.?|circa|ca\.|c\.|~)\s*", re.I)
PART_OF_MONTH = re.compile(r"^(early|mid|late)[\s-]+(.+)$", re.I)
IANA_SUFFIX = re.compile(r"\s+([A-Za-z]+/[A-Za-z_+\-/]+|UTC|GMT)$")
# Day and month written as numbers (02/03/2022, 2.3.22): which comes first is a convention, not a fact.
NUMERIC_DATE = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)")
# An ISO date with a time written in words after it: '2022-02-17 at 10am'.
ISO_DAY_THEN_WORDS = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(.*[A-Za-z].*)$")
# Words for times the parser does not know.
TIME_WORDS = ((re.compile(r"\bnoon\b", re.I), "12:00"), (re.compile(r"\bmidnight\b", re.I), "00:00"))
DATE_ORDERS = ("DMY", "MDY")


# The span the timeline can draw: pandas keeps times to the nanosecond between 1677-09-21 and 2262-04-11, and
# the figures, filters and exports work in that unit. Whole centuries well inside it, so that a view padded
# around its events or zoomed far out stays inside too, and the limit is easy to state.
EARLIEST = dt.datetime(1700, 1, 1)
LATEST = dt.datetime(2200, 1, 1)  # exclusive: the last day shown is 31 Dec 2199


class DateError(ValueError):
    """A date that cannot be read; the message says what was written and why, ``field`` which key holds it."""

    def __init__(self, message: str, field: str = "date") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class When:
    """A span of time: what was written, where it starts and ends, and how exactly it is known."""

    start: dt.datetime
    end: dt.datetime
    precision: Precision
    approximate: bool = False
    zone: str | None = None


def _zone(name: str | None) -> dt.tzinfo | None:
    if not name:
        return None
    if name.upper() in ("UTC", "GMT", "Z"):
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _span(day: dt.date, precision: Precision) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(
        day.year, day.month if precision != Precision.YEAR else 1, day.day if precision == Precision.DAY else 1
    )
    if precision == Precision.YEAR:
        return start, start.replace(year=start.year + 1)
    if precision == Precision.MONTH:
        return start, _next_month(start)
    return start, start + DAY


def _next_month(start: dt.datetime) -> dt.datetime:
    return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1, day=1)


def _days(first: dt.date, last: dt.date, approximate: bool = True) -> When:
    start = dt.datetime.combine(first, dt.time())
    end = dt.datetime.combine(last, dt.time()) + DAY
    return When(start, end, Precision.DAY, approximate)


PHRASES = {
    "today",
    "yesterday",
    "tomorrow",
    "this week",
    "last week",
    "next week",
    "earlier in the week",
    "earlier this week",
    "later in the week",
    "later this week",
}


def _relative(text: str, ref: dt.date | None) -> When | None:
    """Read weekdays and phrases such as 'earlier in the week' against the reference (publication) date."""
    phrase = text.lower().removeprefix("on ").strip()
    words = phrase.split()
    weekday = words[-1] if words and words[-1] in WEEKDAYS else None
    if phrase not in PHRASES and not (
        weekday and len(words) <= 2 and (len(words) == 1 or words[0] in ("last", "next", "this"))
    ):
        return None
    if ref is None:
        raise DateError(
            f'"{text}" needs a reference date: add a source with a "published" date, or write the date itself'
        )
    if weekday:
        day = _weekday(ref, WEEKDAYS[weekday], words[0] if len(words) == 2 else "")
        return _days(day, day, approximate=False)
    return _phrase(text, phrase, ref)


def _weekday(ref: dt.date, weekday: int, qualifier: str) -> dt.date:
    """The day a weekday means in a report of ``ref``: a bare weekday is the latest such day up to the report's
    own day; "this" keeps to the report's Monday-to-Sunday week; "next" and "last" look strictly forward or back."""
    offset = weekday - ref.weekday()
    if qualifier == "next" and offset <= 0:
        offset += 7
    elif (qualifier == "last" and offset >= 0) or (not qualifier and offset > 0):
        offset -= 7
    return ref + dt.timedelta(days=offset)


def _phrase(text: str, phrase: str, ref: dt.date) -> When:
    """The days a phrase about the report's week means (weeks run Monday to Sunday)."""
    monday = ref - dt.timedelta(days=ref.weekday())
    match phrase:
        case "today":
            return _days(ref, ref, False)
        case "yesterday":
            return _days(ref - DAY, ref - DAY, False)
        case "tomorrow":
            return _days(ref + DAY, ref + DAY, False)
        case "this week":
            return _days(monday, monday + 6 * DAY)
        case "last week":
            return _days(monday - 7 * DAY, monday - DAY)
        case "next week":
            return _days(monday + 7 * DAY, monday + 13 * DAY)
        case "earlier in the week" | "earlier this week":
            if ref == monday:
                raise DateError(f'"{text}": the reference date {ref} is a Monday, so there is no earlier day')
            return _days(monday, ref - DAY)
        case _:  # later in the week
            if ref.weekday() == 6:
                raise DateError(f'"{text}": the reference date {ref} is a Sunday, so there is no later day')
            return _days(ref + DAY, monday + 6 * DAY)


def _day_first(text: str, order: str | None) -> bool:
    """Whether a date's leading numbers are day then month: refuses a numeric date that reads two ways (02/03/2022)
    unless the collection says which (``order``: "DMY" or "MDY"), and one that does not fit the order declared."""
    match = NUMERIC_DATE.match(text)
    if match is None:
        return order != "MDY"
    first, second = int(match.group(1)), int(match.group(3))
    if order is None:
        if first <= 12 and second <= 12 and first != second:
            day_month = f"{first} {calendar.month_name[second]}"
            month_day = f"{second} {calendar.month_name[first]}"
            raise DateError(
                f'"{text}" could be {day_month} or {month_day}: write the date as YYYY-MM-DD or with the month '
                f"in words, or declare the order of the collection's dates (date_order: DMY or MDY) in {SETTINGS_FILE}"
            )
        return True  # only one reading is a date (13/02/2022, 02/13/2022), or both are the same day
    month = second if order == "DMY" else first
    if month > 12:
        raise DateError(f'"{text}" is not a date in the order {order} that {SETTINGS_FILE} declares')
    return order == "DMY"


def _part_of_month(text: str, ref: dt.date | None) -> When | None:
    match = PART_OF_MONTH.match(text)
    if not match:
        return None
    month = _parse_plain(match.group(2), ref)
    if month.precision != Precision.MONTH:
        return None
    first = month.start.date()
    last_day = (month.end - DAY).day
    bounds = {"early": (1, 10), "mid": (11, 20), "late": (21, last_day)}[match.group(1).lower()]
    return _days(first.replace(day=bounds[0]), first.replace(day=bounds[1]))


_DEFAULT_A = dt.datetime(2000, 1, 1, 0, 0)
_DEFAULT_B = dt.datetime(2001, 2, 2, 1, 1)


def _split_zone(text: str) -> tuple[str, str | None]:
    """A date without the time zone written at its end ('… 14:30 Europe/Kyiv'), and that zone (or None)."""
    zone_match = IANA_SUFFIX.search(text)
    if zone_match and _zone(zone_match.group(1)):
        return text[: zone_match.start()], zone_match.group(1)
    return text, None


def _iso_year_month(text: str) -> When | None:
    """'2022' and '2022-02' as their year and month, or None for another form."""
    iso = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", text)
    if not iso:
        return None
    year, month = int(iso.group(1)), iso.group(2)
    try:
        day = dt.date(year, int(month) if month else 1, 1)
    except ValueError:
        raise DateError(f'could not read "{text}" as a date: month {month} does not exist') from None
    precision = Precision.MONTH if month else Precision.YEAR
    return When(*_span(day, precision), precision)


def _parse_plain(text: str, ref: dt.date | None, zone: str | None = None, order: str | None = None) -> When:
    """Read ISO and natural dates and times, keeping which parts were actually written."""
    year_month = _iso_year_month(text)
    if year_month:
        return year_month
    words = ISO_DAY_THEN_WORDS.match(text)
    if words:  # the day read as ISO, the time in words after it as the parser reads times
        day = _parse_iso(words.group(1), zone).start
        return _parse_plain(f"{day:%d %B %Y} {words.group(2)}", ref, zone, order)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ].*)?", text):
        return _parse_iso(text, zone)
    for pattern, replacement in TIME_WORDS:
        text = pattern.sub(replacement, text)
    day_first = _day_first(text, order)
    body, written_zone = _split_zone(text)
    try:
        a = dateparser.parse(body, default=_DEFAULT_A, dayfirst=day_first)
        b = dateparser.parse(body, default=_DEFAULT_B, dayfirst=day_first)
    except (ValueError, OverflowError):
        raise DateError(f'could not read "{text}" as a date') from None
    if a.year != b.year:
        if ref is None:
            raise DateError(f'"{text}" has no year: write the year, or add a source with a "published" date')
        a, b = a.replace(year=ref.year), b.replace(year=ref.year)
    if a.month != b.month:
        return When(*_span(a.date(), Precision.YEAR), Precision.YEAR)
    if a.day != b.day:
        return When(*_span(a.date(), Precision.MONTH), Precision.MONTH)
    # A time is written when the hour is: '10am' and 'at 10 a.m.' name no minutes, which are then 0.
    if a.hour != b.hour and a.tzinfo is None:
        return When(*_span(a.date(), Precision.DAY), Precision.DAY)
    if written_zone and a.tzinfo is None:
        a = a.replace(tzinfo=_zone(written_zone))
    return _instant(a, written_zone or zone)


def _parse_iso(text: str, zone: str | None) -> When:
    """ISO 8601 dates and times, read as ISO (year, month, day) whatever a natural-language parser would guess."""
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise DateError(f'could not read "{text}" as a date (ISO dates are YYYY-MM-DD)') from None
    if len(text) == 10:
        return When(*_span(moment.date(), Precision.DAY), Precision.DAY)
    return _instant(moment, zone)


def _instant(moment: dt.datetime, zone: str | None) -> When:
    """A written time of day as a UTC instant, keeping its zone for display.

    A written offset wins over the named zone; without either the time stays as written, with no zone.
    """
    moment = moment.replace(second=0, microsecond=0)
    if moment.tzinfo is None and _zone(zone) is not None:
        moment = moment.replace(tzinfo=_zone(zone))
    elif moment.tzinfo is not None and not isinstance(moment.tzinfo, ZoneInfo):
        zone = _offset_name(moment.tzinfo)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return When(moment, moment, Precision.MINUTE, zone=zone)


def _offset_name(tzinfo: dt.tzinfo) -> str:
    if tzinfo in (dt.UTC, dateutil_tz.UTC) or isinstance(tzinfo, dateutil_tz.tzutc):
        return "UTC"
    offset = tzinfo.utcoffset(None) or dt.timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def parse_when(text: str, ref: dt.date | None = None, zone: str | None = None, order: str | None = None) -> When:
    """Read one date as written; ``ref`` is the publication date that weekdays and phrases refer to, ``order``
    the collection's order of numeric dates ("DMY", "MDY", or None: a date that reads two ways is refused)."""
    text = " ".join(str(text).split())
    if not text:
        raise DateError("the date is empty")
    approximate = False
    prefix = APPROXIMATE_PREFIX.match(text)
    if prefix:
        approximate, text = True, text[prefix.end() :]
    outside = DateError(f'"{text}" is outside the years the timeline can show ({EARLIEST.year}–{LATEST.year - 1})')
    if text[0] in "-−" and text[1:2].isdigit():  # a year before the common era, which the parser would read as AD
        raise outside
    try:
        when = _relative(text, ref) or _part_of_month(text, ref) or _parse_plain(text, ref, zone, order)
    except DateError:
        raise
    except (ValueError, OverflowError):  # e.g. the year 9999, whose span would end in the year 10000
        raise outside from None
    if when.start < EARLIEST or when.end > LATEST:
        raise outside
    if approximate and not when.approximate:
        when = When(when.start, when.end, when.precision, True, when.zone)
    return when


def resolve(
    date: str,
    end: str | None = None,
    ref: dt.date | None = None,
    zone: str | None = None,
    approximate: bool = False,
    order: str | None = None,
) -> When:
    """Combine a start and an optional inclusive end into one span; raise DateError naming the bad part.

    The error's ``field`` attribute says whether ``date`` or ``end`` is at fault.
    """
    try:
        first = parse_when(date, ref, zone, order)
    except DateError as error:
        error.field = "date"
        raise
    when = first
    if end is not None:
        try:
            last = parse_when(end, ref, zone, order)
        except DateError as error:
            error.field = "end"
            raise
        if last.end < first.start or (last.end == first.start and last.start < first.start):
            raise DateError(f"ends ({end}) before it starts ({date})", field="end")
        precision = min(first.precision, last.precision, key=list(Precision).index)
        when = When(
            first.start,
            max(last.end, first.end),
            precision,
            first.approximate or last.approximate,
            first.zone or last.zone,
        )
    if approximate and not when.approximate:
        when = When(when.start, when.end, when.precision, True, when.zone)
    return when


# ---- back to text -------------------------------------------------------------------------------------------


def _local(moment: dt.datetime, zone: str | None) -> tuple[dt.datetime, str]:
    """A UTC moment in its own zone, with the zone's short name ('' when no zone was given)."""
    if zone is None:
        return moment, ""
    if zone and zone.startswith("UTC") and len(zone) > 3:
        sign = 1 if zone[3] == "+" else -1
        hours, minutes = zone[4:].split(":")
        tzinfo: dt.tzinfo = dt.timezone(sign * dt.timedelta(hours=int(hours), minutes=int(minutes)))
    else:
        tzinfo = _zone(zone) or dt.UTC
    local = moment.replace(tzinfo=dt.UTC).astimezone(tzinfo)
    return local, (local.tzname() or "UTC")


def _day_text(day: dt.date, with_month: bool = True, with_year: bool = True) -> str:
    parts = [str(day.day)]
    if with_month:
        parts.append(day.strftime("%b"))
    if with_year:
        parts.append(str(day.year))
    return " ".join(parts)


def format_when(when: When) -> str:
    """Say a span as a reader expects: '16 Feb 2022', 'Feb 2022', 'about 14–15 Feb 2022', '16 Feb 2022, 14:30 CET'."""
    start, end, precision = when.start, when.end, when.precision
    if precision == Precision.MINUTE:
        local, name = _local(start, when.zone)
        text = f"{_day_text(local.date())}, {local:%H:%M}"
        if end > start:
            local_end, _ = _local(end, when.zone)
            text += (
                f"–{local_end:%H:%M}"
                if local_end.date() == local.date()
                else (f" – {_day_text(local_end.date())}, {local_end:%H:%M}")
            )
        text += f" {name}" if name else ""
    else:
        last = (end - DAY).date()
        first = start.date()
        if precision == Precision.YEAR:
            text = str(first.year) if first.year == last.year else f"{first.year}–{last.year}"
        elif precision == Precision.MONTH:
            if (first.year, first.month) == (last.year, last.month):
                text = f"{first:%b %Y}"
            elif first.year == last.year:
                text = f"{first:%b}–{last:%b %Y}"
            else:
                text = f"{first:%b %Y} – {last:%b %Y}"
        elif first == last:
            text = _day_text(first)
        elif (first.year, first.month) == (last.year, last.month):
            text = f"{first.day}–{_day_text(last)}"
        elif first.year == last.year:
            text = f"{_day_text(first, with_year=False)} – {_day_text(last)}"
        else:
            text = f"{_day_text(first)} – {_day_text(last)}"
    return f"about {text}" if when.approximate else text


def iso_bounds(when: When) -> tuple[str, str]:
    """The first and the last (inclusive) point of a span as ISO 8601 text, at the span's precision."""
    if when.precision == Precision.MINUTE:
        first, _ = _local(when.start, when.zone)
        last, _ = _local(when.end, when.zone)
        if when.zone is None:
            return when.start.isoformat(timespec="minutes"), when.end.isoformat(timespec="minutes")
        return first.isoformat(timespec="minutes"), last.isoformat(timespec="minutes")
    last_day = when.end - DAY
    size = {Precision.YEAR: 4, Precision.MONTH: 7, Precision.DAY: 10}[when.precision]
    return when.start.date().isoformat()[:size], last_day.date().isoformat()[:size]
