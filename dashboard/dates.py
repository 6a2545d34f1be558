"""Dates as people write them -> a span of time with its precision, and back to honest text.

A date is kept as the span it can mean: ``2022-02`` is all of February, ``earlier in the week`` is the days
before the source's publication day in that week. Nothing is made more exact than what was written.

Spans are half-open: ``start`` is the first instant and ``end`` the first instant after. Day, month and year
spans are calendar (wall-clock) dates; minute-precision times are converted to UTC, with the zone kept for display.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import functools
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from dateutil import parser as dateparser
from dateutil import tz as dateutil_tz

from dashboard.model import EARLIEST, LATEST, SETTINGS_FILE, Precision

if TYPE_CHECKING:
    from edtf.parser.parser_classes import EDTFObject

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
# A time of day as written: '10:30', '10:30 p.m.', '10am', 'noon'; not the minutes of an offset ('+01:00') nor of
# an ISO time ('T14:30'), which are read whole elsewhere.
TIME = r"(?<![\w+\-:.])(?:\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\b\.?)?|\d{1,2}\s*[ap]\.?m\b\.?|noon|midnight)"
TIME_OF_DAY = re.compile(TIME, re.I)
# A time alone, as it may follow a relative day: 'at 10am', '10:00 +02:00' (a zone name is split off before).
ONLY_A_TIME = re.compile(rf"(?:at\s+)?{TIME}(?:\s*(?:UTC|GMT)?[+-]\d{{1,2}}(?::?\d{{2}})?)?", re.I)
# The 12-hour clock runs from 12am to 11pm: '0am' is no hour of it.
HOUR_ZERO = re.compile(r"^0+(?::\d{2})*\s*[ap]", re.I)
WEEKDAY_WORD = re.compile(
    r"\b(" + "|".join([*calendar.day_name, *calendar.day_abbr]) + r")\b", re.I
)  # the names dateutil reads as weekdays
NEEDS_A_DAY = "a time needs a day: write the day with it, such as 16 Feb 2022 at 10am, or leave the time out"
DATE_ORDERS = ("DMY", "MDY")


class DateError(ValueError):
    """A date that cannot be read; the message says what was written and why, ``field`` which key holds it."""

    def __init__(self, message: str, field: str = "date") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class When:
    """A span of time: what was written, where it starts and ends, and how exactly it is known.

    ``start`` and ``end`` are the strict bounds, as stated. ``approximate`` (EDTF ``~``, "about") and ``uncertain``
    (EDTF ``?``, "possibly") are kept apart; ``loose_start`` and ``loose_end`` say which end they concern (both for
    a single date). An open bound (EDTF ``..``, "by 16 Feb 2022", "after 14 Feb") is kept open, never given an
    invented date: ``open_start`` means the event may have begun any time before, and ``start``/``end`` then hold
    the stated bound's own day (or month, year, minute).
    """

    start: dt.datetime
    end: dt.datetime
    precision: Precision
    approximate: bool = False
    zone: str | None = None
    uncertain: bool = False
    open_start: bool = False
    open_end: bool = False
    loose_start: bool | None = None  # None: as the whole (approximate or uncertain)
    loose_end: bool | None = None

    @property
    def loose(self) -> tuple[bool, bool]:
        """Whether the start and the end are approximate or uncertain."""
        whole = self.approximate or self.uncertain
        return (
            whole if self.loose_start is None else self.loose_start,
            whole if self.loose_end is None else self.loose_end,
        )

    @property
    def fuzzy(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The earliest start and the latest end the date allows (None: open): a loose end reaches one unit of
        its precision further (an hour for a time)."""
        loose_start, loose_end = self.loose
        earliest = None if self.open_start else shift(self.start, self.precision, -1) if loose_start else self.start
        latest = None if self.open_end else shift(self.end, self.precision, 1) if loose_end else self.end
        return earliest, latest

    def but(self, **changes: object) -> When:
        """The same span with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


# How far a loose end reaches: a unit of its precision, an hour for a time (months and years by the calendar).
def when_of(row: Any) -> When:
    """The span a row of the events table holds (its ``start``, ``end``, ``precision``, ``approximate``, ``zone``,
    ``uncertain``, and ``earliest``/``latest``: NaT where open, beyond the strict bound where loose)."""
    start, end = _moment(row["start"]), _moment(row["end"])
    earliest, latest = row["earliest"], row["latest"]
    open_start, open_end = _missing(earliest), _missing(latest)
    return When(
        start,
        end,
        Precision(row["precision"]),
        bool(row["approximate"]),
        row["zone"] or None,
        bool(row["uncertain"]),
        open_start=open_start,
        open_end=open_end,
        loose_start=not open_start and _moment(earliest) < start,
        loose_end=not open_end and _moment(latest) > end,
    )


def _moment(value: Any) -> dt.datetime:
    """A time of the table (a pandas or numpy time, or a datetime) as a naive datetime."""
    if hasattr(value, "to_pydatetime"):  # a pandas time
        moment: dt.datetime = value.to_pydatetime()
        return moment
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(np.datetime64(value, "us")))


def _missing(value: Any) -> bool:
    """Whether a time of the table is missing (None, or NaT, which is no time equal to itself): an open end."""
    return value is None or bool(value != value)


MARGIN: dict[Precision, np.timedelta64 | str] = {
    Precision.MINUTE: np.timedelta64(1, "h"),
    Precision.DAY: np.timedelta64(1, "D"),
    Precision.MONTH: "M",
    Precision.YEAR: "Y",
}


def shift(moment: dt.datetime, precision: Precision, steps: int) -> dt.datetime:
    """A moment moved by whole units of a precision (an hour for a time): the reach of a loose end."""
    moved = shift_all(np.array([moment], dtype="datetime64[us]"), np.array([str(precision)]), steps)[0]
    return dt.datetime.fromisoformat(str(moved))


def shift_all(moments: np.ndarray, precisions: np.ndarray, steps: int) -> np.ndarray:
    """``shift`` a column at a time: months and years by the calendar (spans of them start on the first)."""
    moved = moments.astype("datetime64[us]").copy()
    for precision, unit in MARGIN.items():
        rows = precisions == str(precision)
        if not rows.any():
            continue
        if isinstance(unit, str):
            moved[rows] = (moments[rows].astype(f"datetime64[{unit}]") + steps).astype("datetime64[us]")
        else:
            moved[rows] = moments[rows] + steps * unit.astype("timedelta64[us]")
    return moved


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


RELATIVE = re.compile(
    r"(?:on\s+)?(?P<days>"
    + "|".join(sorted(PHRASES, key=len, reverse=True))
    + r"|(?:(?:last|next|this)\s+)?(?:"
    + "|".join(WEEKDAYS)
    + r"))(?:,?\s+(?P<time>.+))?",
    re.I,
)


def _relative(text: str, written: str, ref: dt.date | None, typed: bool) -> When | None:
    """Read weekdays and phrases such as 'earlier in the week' against the reference (publication) date, and a
    relative day with a time ('Wednesday at 10am') as that minute of that day."""
    match = RELATIVE.fullmatch(text)
    time = match.group("time") if match else None
    if match is None or (time is not None and not ONLY_A_TIME.fullmatch(_split_zone(time)[0])):
        return None  # not relative, or more than a time after the day ('Wednesday 16 Feb 2022'): read as written
    if ref is None:
        if typed:  # the command line and the app add how to write a date
            raise DateError(f'"{written}" counts from a report\'s publication date, which a date typed here has not')
        raise DateError(
            f'"{written}" needs a reference date: add a source with a "published" date, or write the date itself'
        )
    words = match.group("days").lower().split()
    if words[-1] in WEEKDAYS:
        day = _weekday(ref, WEEKDAYS[words[-1]], words[0] if len(words) == 2 else "")
        when = _days(day, day, approximate=False)
    else:
        when = _phrase(written, " ".join(words), ref)
    if time is None:
        return when
    if when.end - when.start > DAY:  # 'this week at 10am' names no day for its time
        raise DateError(f'"{written}": {NEEDS_A_DAY}')
    return _parse_plain(f"{when.start:%d %B %Y} {time}", written, ref)


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


def _day_first(text: str, written: str, order: str | None) -> bool:
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
                f'"{written}" could be {day_month} or {month_day}: write the date as YYYY-MM-DD or with the month '
                f"in words, or declare the order of the collection's dates (date_order: DMY or MDY) in {SETTINGS_FILE}"
            )
        return True  # only one reading is a date (13/02/2022, 02/13/2022), or both are the same day
    month = second if order == "DMY" else first
    if month > 12:
        raise DateError(f'"{written}" is not a date in the order {order} that {SETTINGS_FILE} declares')
    return order == "DMY"


def _part_of_month(text: str, written: str, ref: dt.date | None) -> When | None:
    match = PART_OF_MONTH.match(text)
    if not match:
        return None
    month = _parse_plain(match.group(2), written, ref)
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


def _iso_year_month(text: str, written: str) -> When | None:
    """'2022' and '2022-02' as their year and month, or None for another form."""
    iso = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", text)
    if not iso:
        return None
    year, month = int(iso.group(1)), iso.group(2)
    if not EARLIEST.year <= year < LATEST.year:  # '0000', '9999': no month is at fault
        raise DateError(f'"{written}" is outside the years the timeline can show ({EARLIEST.year}–{LATEST.year - 1})')
    try:
        day = dt.date(year, int(month) if month else 1, 1)
    except ValueError:
        raise DateError(f'could not read "{written}" as a date: month {month} does not exist') from None
    precision = Precision.MONTH if month else Precision.YEAR
    return When(*_span(day, precision), precision)


def _parse_plain(
    text: str,
    written: str,
    ref: dt.date | None,
    zone: str | None = None,
    order: str | None = None,
    typed: bool = False,
) -> When:
    """Read ISO and natural dates and times, keeping which parts were actually written; ``written`` is the date as
    the user wrote it, which messages quote."""
    year_month = _iso_year_month(text, written)
    if year_month:
        return year_month
    words = ISO_DAY_THEN_WORDS.match(text)
    if words:  # the day read as ISO, the time in words after it as the parser reads times
        day = _parse_iso(words.group(1), written, zone).start
        return _parse_plain(f"{day:%d %B %Y} {words.group(2)}", written, ref, zone, order, typed)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ].*)?", text):
        return _parse_iso(text, written, zone)
    for pattern, replacement in TIME_WORDS:
        text = pattern.sub(replacement, text)
    day_first = _day_first(text, written, order)
    body, written_zone = _split_zone(text)
    try:
        a = dateparser.parse(body, default=_DEFAULT_A, dayfirst=day_first)
        b = dateparser.parse(body, default=_DEFAULT_B, dayfirst=day_first)
    except (ValueError, OverflowError) as error:
        raise _unread(written, error) from None
    # A time is written when the hour is: '10am' and 'at 10 a.m.' name no minutes, which are then 0.
    timed = a.hour == b.hour
    if timed and (a.month != b.month or a.day != b.day):  # 'Feb 2022 at 10am', 'noon': never widened to a year
        raise DateError(f'"{written}": {NEEDS_A_DAY}')
    if a.year != b.year:
        if ref is None:
            advice = "" if typed else ': write the year, or add a source with a "published" date'
            raise DateError(f'"{written}" has no year{advice}')
        a, b = a.replace(year=ref.year), b.replace(year=ref.year)
    _check_weekday(body, written, a, b)
    return _as_written(a, b, written_zone or zone, written_zone is not None)


def _as_written(a: dt.datetime, b: dt.datetime, zone: str | None, zone_written: bool) -> When:
    """The span of a date the parser read with two defaults (``a`` and ``b``): the parts that differ were not
    written, so the date means all of them."""
    if a.month != b.month:
        return When(*_span(a.date(), Precision.YEAR), Precision.YEAR)
    if a.day != b.day:
        return When(*_span(a.date(), Precision.MONTH), Precision.MONTH)
    if a.hour != b.hour and a.tzinfo is None:
        return When(*_span(a.date(), Precision.DAY), Precision.DAY)
    if zone_written and a.tzinfo is None:
        a = a.replace(tzinfo=_zone(zone))
    return _instant(a, zone)


def _check_weekday(body: str, written: str, a: dt.datetime, b: dt.datetime) -> None:
    """Refuse a weekday the parser would move the date to ('Wednesday 2022' is no day of 2022 in particular) and
    one that is not the day's own ('Wednesday 17 Feb 2022', a Thursday)."""
    named = WEEKDAY_WORD.search(body)
    if named is None:
        return
    # The parser moves a date without its day to the weekday ('Feb 2022 Wednesday' would be 2 Feb): without the
    # weekday, the day must still be written.
    rest = body[: named.start()] + body[named.end() :]
    try:
        day_written = dateparser.parse(rest, default=_DEFAULT_A).day == dateparser.parse(rest, default=_DEFAULT_B).day
    except (ValueError, OverflowError):
        day_written = a.date() == b.date()
    if not day_written:
        raise DateError(
            f'"{written}" names a weekday but not its day: write the date, such as Wednesday 16 Feb 2022, or the '
            "weekday alone"
        )
    if named.group(1)[:3].lower() != f"{a:%a}".lower():
        raise DateError(f'"{written}": {_day_text(a.date())} is a {a:%A}, not a {named.group(1).capitalize()}')


def _unread(written: str, error: Exception) -> DateError:
    """The problem of a date the readers refused: a day or hour that does not exist ('29 Feb 2022', '25:00') is
    not a real date; anything else could not be read."""
    why = str(error.args[0] if error.args else error).removesuffix(": %s")
    if "out of range" in why or "must be in" in why:
        return DateError(f'"{written}" is not a real date ({why})')
    return DateError(f'could not read "{written}" as a date')


def _parse_iso(text: str, written: str, zone: str | None) -> When:
    """ISO 8601 dates and times, read as ISO (year, month, day) whatever a natural-language parser would guess."""
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as error:
        problem = _unread(written, error)
        if str(problem).startswith("could not read"):
            problem = DateError(f"{problem} (ISO dates are YYYY-MM-DD)")
        raise problem from None
    if len(text) == 10:
        return When(*_span(moment.date(), Precision.DAY), Precision.DAY)
    return _instant(moment, zone)


def _instant(moment: dt.datetime, zone: str | None) -> When:
    """A written time of day as a UTC instant, keeping its zone for display.

    A written offset wins over the named zone, unless it is that zone's own offset at that moment; without either
    the time stays as written, with no zone.
    """
    moment = moment.replace(second=0, microsecond=0)
    named = _zone(zone)
    if moment.tzinfo is None and named is not None:
        moment = moment.replace(tzinfo=named)
    elif moment.tzinfo is not None and not isinstance(moment.tzinfo, ZoneInfo):
        # The named zone is kept when the written offset is its own at that moment (14:30+01:00 in Brussels in
        # February: CET), as a table's edtf and timezone columns say it; another offset is said as written.
        if named is None or moment.utcoffset() != moment.astimezone(named).utcoffset():
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


# ---- EDTF (Extended Date/Time Format, ISO 8601-2) ---------------------------------------------------------

# What marks a text as EDTF rather than a plain date: a qualifier, an unspecified digit, an open or unknown bound, a
# set, a long year, or a season (months 21-41). A plain '2022-02-16' is read as ISO, with the same result.
EDTF_MARK = re.compile(r"[~?%X\[\]{}]|\.\.|^Y|^\d{4}-(2[1-9]|3\d|4[01])$|^/|/$")
EDTF_CHARS = re.compile(r"[\dXYES\-~?%/.\[\]{},:T+Z]+")
OPEN_SIDE = ("", "..")
# The parser takes some 40 ms per member of a set: a file cannot make loading wait on a set of thousands.
EDTF_MOST = 160
# An unspecified digit before a specified one ('2022-XX-16'): the days it can mean are not one span.
UNSPECIFIED_THEN_KNOWN = re.compile(r"X-?\d")


def _edtf(text: str, written: str, zone: str | None) -> When | None:
    """An EDTF date or interval as a span, or None when the text is not EDTF (a plain date, '02/03/2022')."""
    if not EDTF_CHARS.fullmatch(text) or NUMERIC_DATE.match(text):
        return None
    marked = bool(EDTF_MARK.search(text))
    if marked and len(text) > EDTF_MOST:
        raise DateError(
            f'"{written[:40]}…" is {len(text)} characters, too long for one date in EDTF (at most {EDTF_MOST}): a '
            "set of many days is better written as an interval, [2022-02-01..2022-02-20]"
        )
    if "/" in text and not text.startswith("["):
        lower, _, upper = text.partition("/")
        if "/" in upper:
            raise DateError(f'could not read "{written}" as an EDTF interval: it has more than one "/"')
        if lower in OPEN_SIDE and upper in OPEN_SIDE:
            raise DateError(f'"{written}" is open at both ends, which says nothing of when: give at least one bound')
        first = None if lower in OPEN_SIDE else _edtf_side(lower, written, marked, zone)
        last = None if upper in OPEN_SIDE else _edtf_side(upper, written, marked, zone)
        if first is None and last is None:
            return None
        return _interval(first, last, written)
    return _edtf_side(text, written, marked, zone)


@functools.lru_cache(maxsize=1 << 14)
def _parse_edtf(text: str) -> EDTFObject:
    """The EDTF parser's reading, once per text: it takes some 20 ms a date, and a table (read twice when it has an
    edtf column) repeats its dates. Imported here, for the few dates the quick readers leave to it: the parser's
    grammar takes 6 MB and 0.1 s to build, which a server reading a built file of events never needs."""
    from edtf import parse_edtf

    parsed: EDTFObject = parse_edtf(text)
    return parsed


def _edtf_side(text: str, written: str, marked: bool, zone: str | None) -> When | None:
    """One date of EDTF (a side of an interval, or the whole): a time is read as ISO, the rest by the EDTF parser."""
    if "T" in text:
        return _parse_iso(text, written, zone)
    simple = _simple_edtf(text, written, marked) or _simple_set(text, written)
    if simple is not None:
        return simple
    if DOUBLED_MARK.search(text):  # '2022-02-16??': refused at once, not after the parser's long search
        raise DateError(f'could not read "{written}" as an EDTF date: one qualifier (~, ? or %) at a time')
    if UNSPECIFIED_THEN_KNOWN.search(text):
        raise DateError(
            f'"{written}": an unspecified digit before a known one (2022-XX-16) is no one span: write the days it '
            "can be as a set, [2022-01-16,2022-02-16], or the whole month or year"
        )
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the parser prints what it tries on some bad input
            return _edtf_object(_parse_edtf(text), text, written)
    except DateError:
        raise
    except Exception:  # noqa: BLE001 - any failure of the parser on text it was given is a date it cannot read
        if not marked:
            return None  # '2022-02-16', '02/03/2022': the other readers know them
        raise DateError(
            f'could not read "{written}" as an EDTF date (such as 2022-02-16~, 2022-02-XX, ../2022-02-16 or '
            "[2022-02-14,2022-02-15])"
        ) from None


# The forms most dates take (a year, month or day, trailing XX, one qualifier), read without the EDTF parser,
# which takes some 8 ms a date: a table of a hundred thousand distinct dates would take minutes. The rest (sets,
# seasons, qualified parts) goes to the parser; a test checks that both read these forms alike.
SIMPLE_EDTF = re.compile(r"(\d{4})(?:-(0[1-9]|1[0-2]|XX)(?:-(\d{2}|XX))?)?([~?%]?)")


def _simple_edtf(text: str, written: str, marked: bool) -> When | None:
    """A year, month or day with trailing unspecified parts and one qualifier ('2022-02-16~', '2022-02-XX'), or
    None for any other form."""
    match = SIMPLE_EDTF.fullmatch(text)
    if match is None:
        return None
    year, month, day, mark = match.groups()
    if month == "XX" and day not in (None, "XX"):
        return None  # '2022-XX-16': refused by the caller
    precision = Precision.YEAR if month in (None, "XX") else Precision.MONTH if day in (None, "XX") else Precision.DAY
    try:
        first = dt.date(
            int(year), 1 if precision == Precision.YEAR else int(month), int(day) if precision == Precision.DAY else 1
        )
    except ValueError:
        if not marked:
            return None  # '2022-02-30': the ISO reader says why it is no date
        raise DateError(
            f'could not read "{written}" as an EDTF date: {text.rstrip("~?%")} is no day of the calendar'
        ) from None
    return When(*_span(first, precision), precision, mark in ("~", "%"), None, mark in ("?", "%"))


SET_MEMBER = re.compile(r"(\.\.)?(\d{4}(?:-\d{2}){0,2})(?:\.\.(\d{4}(?:-\d{2}){0,2})?)?")
DOUBLED_MARK = re.compile(r"[~?%]{2}")


def _simple_set(text: str, written: str) -> When | None:
    """One of a set of plain dates ('[2022-02-14,2022-02-15]', '[2022-02-14..2022-02-16]', '[..2022-02-16]'),
    read without the parser (some 50 ms a set); None for any other form, which the parser reads."""
    if not (text.startswith("[") and text.endswith("]")) or len(text) < 3:
        return None
    firsts: list[When] = []
    lasts: list[When] = []
    open_start = open_end = False
    members = text[1:-1].split(",")
    for index, member in enumerate(members):
        match = SET_MEMBER.fullmatch(member.strip())
        if match is None:
            return None
        before, first, last = match.groups()
        after = member.strip().endswith("..") and last is None
        if (before and index) or (after and index < len(members) - 1) or (before and after):
            return None  # an open side only at the set's own ends: the parser says what is wrong
        one = _simple_edtf(first, written, True)
        other = _simple_edtf(last, written, True) if last else one
        if one is None or other is None:
            return None
        firsts.append(one)
        lasts.append(other)
        open_start, open_end = open_start or bool(before), open_end or after
    if open_start and open_end:
        raise DateError(f'"{written}" is open at both ends, which says nothing of when: give at least one bound')
    precision = max((w.precision for w in firsts + lasts), key=list(Precision).index)  # the days, if any are
    start, end = min(w.start for w in firsts), max(w.end for w in lasts)
    if end <= start:
        raise DateError(f'"{written}" ends before it starts')
    if open_start or open_end:  # '[..2022-02-16]': on or before its last date, as an open interval
        bound = lasts[-1] if open_start else firsts[0]
        start, end = bound.start, bound.end
        precision = bound.precision
    else:
        start, end = _whole_units(start, end, precision)
    return When(start, end, precision, False, None, True, open_start, open_end, False, False)


def _edtf_object(parsed: EDTFObject, text: str, written: str) -> When:
    """The span of one parsed EDTF date, qualified ('2022-02-16~'), unspecified ('2022-02-XX'), a season or one
    of a set ('[2022-02-14,2022-02-15]': one of them, not known which, so uncertain)."""
    kind = type(parsed).__name__
    if kind == "MultipleDates":
        raise DateError(
            f'"{written}" lists several dates that all happened; an event is one span: write an event for each, '
            "or an interval (2022-02-14/2022-02-16)"
        )
    if kind in ("LongYear", "ExponentialYear") or "S" in text or text.startswith("-"):
        raise DateError(f'"{written}" is outside the years the timeline can show ({EARLIEST.year}–{LATEST.year - 1})')
    lower, upper = parsed.lower_strict(), parsed.upper_strict()
    open_start, open_end = isinstance(lower, float), isinstance(upper, float)  # -inf, inf: '[..2022-02-16]'
    if open_start and open_end:
        raise DateError(f'"{written}" is open at both ends, which says nothing of when: give at least one bound')
    first = None if open_start else dt.date(lower.tm_year, lower.tm_mon, lower.tm_mday)
    last = None if open_end else dt.date(upper.tm_year, upper.tm_mon, upper.tm_mday)
    precision = _precision_of(first or last, last or first)  # type: ignore[arg-type]
    if open_start or open_end:  # the stated bound's own unit
        bound = last if open_start else first
        start, end = _span(bound, precision)  # type: ignore[arg-type]
    else:
        start, end = _span(first, precision)[0], _span(last, precision)[1]  # type: ignore[arg-type]
    both = bool(getattr(parsed, "is_uncertain_and_approximate", False))
    approximate = both or bool(getattr(parsed, "is_approximate", False))
    if kind == "OneOfASet":  # one day of the set, not known which: no further than the set reaches
        return When(start, end, precision, False, None, True, open_start, open_end, False, False)
    uncertain = both or bool(getattr(parsed, "is_uncertain", False))
    return When(start, end, precision, approximate, None, uncertain, open_start, open_end)


def _precision_of(first: dt.date, last: dt.date) -> Precision:
    """The coarsest unit whose whole spans the days from ``first`` to ``last``: 2022-02-XX is a month, 202X years."""
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31):
        return Precision.YEAR
    if first.day == 1 and (last + DAY).day == 1:
        return Precision.MONTH
    return Precision.DAY


def _interval(first: When | None, last: When | None, written: str) -> When:
    """Two EDTF dates as one span; a missing side is an open bound."""
    if first is None or last is None:
        side = first or last
        assert side is not None
        if side.open_start or side.open_end:
            raise DateError(f'"{written}": an open interval takes one date as its bound, not another open one')
        return side.but(open_start=first is None, open_end=last is None)
    if first.open_start or first.open_end or last.open_start or last.open_end:
        raise DateError(f'"{written}": write an open side as "..", not as a set reaching without limit')
    if last.end < first.start:
        raise DateError(f'"{written}" ends before it starts')
    return _joined(first, last)


def _joined(first: When, last: When) -> When:
    """Two dates as one span from the first to the last: the coarser precision, each one's doubt at its end."""
    precision = min(first.precision, last.precision, key=list(Precision).index)
    return When(
        *_whole_units(first.start, max(last.end, first.end), precision),
        precision,
        first.approximate or last.approximate,
        first.zone or last.zone,
        first.uncertain or last.uncertain,
        loose_start=any(first.loose),
        loose_end=any(last.loose),
    )


# ---- open bounds and doubt in words --------------------------------------------------------------------------

# "by 16 Feb 2022" (on or before), "before 16 Feb" (by the day before), "after 14 Feb", "no earlier than …", "since …"
BOUND_WORDS = {
    "on or before": ("start", 0),
    "no later than": ("start", 0),
    "not later than": ("start", 0),
    "by": ("start", 0),
    "before": ("start", -1),
    "on or after": ("end", 0),
    "no earlier than": ("end", 0),
    "not earlier than": ("end", 0),
    "since": ("end", 0),
    "after": ("end", 1),
}
BOUND_PREFIX = re.compile(r"^(" + "|".join(sorted(BOUND_WORDS, key=len, reverse=True)) + r")\s+(.+)$", re.I)
UNCERTAIN_PREFIX = re.compile(r"^(possibly|perhaps|probably|maybe)\s+", re.I)
END_OF = re.compile(r"^(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(week|month|year)$", re.I)


def _end_of(text: str, written: str, ref: dt.date | None, typed: bool) -> When | None:
    """'the end of the week' (or month, year) of the report: its last day."""
    match = END_OF.fullmatch(text)
    if match is None:
        return None
    if ref is None:
        return _relative("today", written, ref, typed)  # the same message as any date counted from a report
    unit = match.group(1).lower()
    if unit == "week":
        last = ref + dt.timedelta(days=6 - ref.weekday())
    elif unit == "month":
        last = _next_month(dt.datetime(ref.year, ref.month, 1)).date() - DAY
    else:
        last = dt.date(ref.year, 12, 31)
    return _days(last, last, approximate=False)


def _bounded(text: str, written: str, read: Callable[[str], When]) -> When | None:
    """A date with an open side ('by 16 Feb 2022', 'after Wednesday'), the bound read by ``read``; None when the
    text names no bound."""
    match = BOUND_PREFIX.match(text)
    if match is None:
        return None
    side, steps = BOUND_WORDS[match.group(1).lower()]
    if END_OF.fullmatch(match.group(2)):  # 'before the end of the month' means by its end, as 'by' does
        steps = 0
    bound = read(match.group(2))
    if bound.open_start or bound.open_end:
        raise DateError(f'"{written}": a bound is one date, not another open one')
    if bound.end - bound.start > _unit(bound):  # 'by this week': the edge of the days is exact, whatever they are
        bound = bound.but(approximate=False)
    if side == "start":  # on or before the bound's last unit
        last = bound.end if bound.precision == Precision.MINUTE else bound.end - _unit(bound)
        if steps:
            last = bound.start if bound.precision == Precision.MINUTE else shift(bound.start, bound.precision, -1)
        end = last if bound.precision == Precision.MINUTE else shift(last, bound.precision, 1)
        return bound.but(start=last, end=end, open_start=True, loose_start=False)
    first = bound.start
    if steps:
        first = bound.end
    end = first if bound.precision == Precision.MINUTE else shift(first, bound.precision, 1)
    return bound.but(start=first, end=end, open_end=True, loose_end=False)


def _whole_units(start: dt.datetime, end: dt.datetime, precision: Precision) -> tuple[dt.datetime, dt.datetime]:
    """A span of dates with a time at one side widened to whole days: '2022-02-14/2022-02-16T10:00Z' is the days
    from the 14th to the 16th, as its words say, never cut at the time (which a span of days cannot say)."""
    if precision == Precision.MINUTE:
        return start, end
    first = dt.datetime.combine(start.date(), dt.time())
    midnight = dt.datetime.combine(end.date(), dt.time())
    return first, end if end == midnight else midnight + DAY


def _unit(when: When) -> dt.timedelta:
    """The length of the last unit of a span (a month of a month span, a day of a day span)."""
    return when.end - shift(when.end, when.precision, -1)


def parse_when(
    text: str, ref: dt.date | None = None, zone: str | None = None, order: str | None = None, typed: bool = False
) -> When:
    """Read one date as written; ``ref`` is the publication date that weekdays and phrases refer to, ``order``
    the collection's order of numeric dates ("DMY", "MDY", or None: a date that reads two ways is refused).

    ``typed`` is for a date typed on the command line or in the app: it has no source to take a reference date or a
    year from, so its messages give no advice about sources and the caller adds its own."""
    written = " ".join(str(text).split())
    if not written:
        raise DateError("the date is empty")
    text = written
    doubt = UNCERTAIN_PREFIX.match(text)
    if doubt:
        text = text[doubt.end() :]
    approximate = False
    prefix = APPROXIMATE_PREFIX.match(text)
    if prefix:
        approximate, text = True, text[prefix.end() :]
    bounded = _bounded(text, written, lambda bound: parse_when(bound, ref, zone, order, typed))
    if bounded is not None:
        if bounded.start < EARLIEST or bounded.end > LATEST:  # 'before 1700': a bound the timeline cannot show
            raise DateError(
                f'"{written}" is outside the years the timeline can show ({EARLIEST.year}–{LATEST.year - 1})'
            )
        when = bounded
    else:
        when = _read_one(text, written, ref, zone, order, typed)
    if approximate and not when.approximate:
        when = when.but(approximate=True)
    if doubt and not when.uncertain:
        when = when.but(uncertain=True)
    return when


def _read_one(text: str, written: str, ref: dt.date | None, zone: str | None, order: str | None, typed: bool) -> When:
    """One date without words of doubt or bounds: EDTF, a day counted from the report, a part of a month, or a
    date the parser reads; within the years the timeline shows."""
    outside = DateError(f'"{written}" is outside the years the timeline can show ({EARLIEST.year}–{LATEST.year - 1})')
    if text[:1] in ("-", "−") and text[1:2].isdigit():  # a year before the common era, which the parser reads as AD
        raise outside
    _check_times(text, written)
    try:
        when = (
            _edtf(text, written, zone)
            or _relative(text, written, ref, typed)
            or _end_of(text, written, ref, typed)
            or _part_of_month(text, written, ref)
            or _parse_plain(text, written, ref, zone, order, typed)
        )
    except DateError:
        raise
    except (ValueError, OverflowError):  # e.g. the year 9999, whose span would end in the year 10000
        raise outside from None
    if when.start < EARLIEST or when.end > LATEST:
        raise outside
    return when


def _check_times(text: str, written: str) -> None:
    """Refuse two times in one date (the parser would keep the last) and an hour 0 on the 12-hour clock."""
    times = TIME_OF_DAY.findall(text)
    if len(times) > 1:
        raise DateError(f'"{written}" has {len(times)} times ({", ".join(times)}): write one')
    for time in times:
        if HOUR_ZERO.match(time):
            raise DateError(
                f'"{written}": "{time}" is not a time (the 12-hour clock runs from 12am to 11pm): write 12am or '
                "00:00 for midnight, 12pm or noon for midday"
            )


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
    if end is not None and str(end).strip() in OPEN_SIDE[1:]:  # 'end: ..': still under way, or no end known
        if first.open_start or first.open_end:
            raise DateError(f'"{date}" is already an open date: it takes no "end"', field="end")
        when = first.but(open_end=True, loose_end=False)
    elif end is not None:
        try:
            last = parse_when(end, ref, zone, order)
        except DateError as error:
            error.field = "end"
            raise
        if first.open_start or first.open_end or last.open_start or last.open_end:
            raise DateError(
                'an open date ("by 16 Feb 2022", "../2022-02-16") is a whole date: write it in "date" alone, or '
                'write "end: .." for an end not known',
                field="end",
            )
        if last.end < first.start or (last.end == first.start and last.start < first.start):
            raise DateError(f"ends ({end}) before it starts ({date})", field="end")
        when = _joined(first, last)
    if approximate and not when.approximate:
        when = when.but(approximate=True, loose_start=None, loose_end=None)
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
    """Say a span as a reader expects: '16 Feb 2022', 'Feb 2022', 'about 14–15 Feb 2022', '16 Feb 2022, 14:30 CET',
    'on or before 16 Feb 2022', 'possibly 16 Feb 2022'."""
    text = _span_words(when)
    if when.uncertain and not any(when.loose) and not (when.open_start or when.open_end):
        return f"one {'moment' if when.precision == Precision.MINUTE else when.precision} of {text}"  # of a set
    if when.open_start:
        text = f"on or before {text}"
    elif when.open_end:
        text = f"on or after {text}"
    return f"possibly {text}" if when.uncertain and any(when.loose) else text


def _span_words(when: When) -> str:
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


def edtf_of(when: When) -> str:
    """The span in EDTF: '2022-02-16', '2022-02-16~', '2022-02-14/2022-02-16', '../2022-02-16', '2022-02-03/..',
    '2022-02-16T14:30:00+02:00'. Both doubts on one end are '%'; a doubt on one end only is written there."""
    mark = "%" if when.approximate and when.uncertain else "~" if when.approximate else "?" if when.uncertain else ""
    loose_start, loose_end = when.loose
    first = _edtf_point(when.start, when)
    last = first if when.precision == Precision.MINUTE and when.end == when.start else _edtf_point(when.end, when, True)
    if when.uncertain and not (loose_start or loose_end):  # one of a set of days, not known which
        return f"[..{last}]" if when.open_start else f"[{first}..]" if when.open_end else f"[{first}..{last}]"
    if when.open_start:
        return f"../{last}{mark if loose_end else ''}"
    if when.open_end:
        return f"{first}{mark if loose_start else ''}/.."
    if first == last:
        return f"{first}{mark if loose_start or loose_end else ''}"
    return f"{first}{mark if loose_start else ''}/{last}{mark if loose_end else ''}"


def _edtf_point(moment: dt.datetime, when: When, closing: bool = False) -> str:
    """One side of a span in EDTF at its precision; ``closing`` for the end, whose unit is the one before it."""
    if when.precision == Precision.MINUTE:
        if when.zone is None:
            return moment.isoformat(timespec="seconds")
        local, _ = _local(moment, when.zone)
        text = local.isoformat(timespec="seconds")
        return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
    day = (moment - DAY).date() if closing else moment.date()
    return day.isoformat()[: {Precision.YEAR: 4, Precision.MONTH: 7, Precision.DAY: 10}[when.precision]]
