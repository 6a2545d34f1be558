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

from dashboard.model import EARLIEST, LATEST, SETTINGS_FILE, Precision

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
    approximate = False
    prefix = APPROXIMATE_PREFIX.match(text)
    if prefix:
        approximate, text = True, text[prefix.end() :]
    outside = DateError(f'"{written}" is outside the years the timeline can show ({EARLIEST.year}–{LATEST.year - 1})')
    if text[:1] in ("-", "−") and text[1:2].isdigit():  # a year before the common era, which the parser reads as AD
        raise outside
    _check_times(text, written)
    try:
        when = (
            _relative(text, written, ref, typed)
            or _part_of_month(text, written, ref)
            or _parse_plain(text, written, ref, zone, order, typed)
        )
    except DateError:
        raise
    except (ValueError, OverflowError):  # e.g. the year 9999, whose span would end in the year 10000
        raise outside from None
    if when.start < EARLIEST or when.end > LATEST:
        raise outside
    if approximate and not when.approximate:
        when = When(when.start, when.end, when.precision, True, when.zone)
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
