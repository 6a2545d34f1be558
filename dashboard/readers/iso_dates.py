"""Dates of a whole column at once: ISO 8601 forms read by pandas as vectors, exactly as ``dashboard.dates``
reads them one by one (tests/test_tabular.py checks the two agree); every other date once per distinct text
through ``dashboard.dates``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from dashboard.dates import DateError, When, format_when, resolve, shift_all
from dashboard.model import EARLIEST, LATEST, Precision

# ---- dates ---------------------------------------------------------------------------------------------------

ISO_FORMS = {"year": r"\d{4}", "month": r"\d{4}-\d{2}", "day": r"\d{4}-\d{2}-\d{2}"}
ISO_TIME = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?"
ISO_OFFSET = r"(?:Z|[+-]\d{2}:\d{2})"
UNITS = {"year": "Y", "month": "M", "day": "D"}
COARSE_FIRST = [str(p) for p in Precision]
NAT = np.datetime64("NaT", "us")
EPOCH = dt.datetime(1970, 1, 1)


@dataclass
class Spans:
    """Spans of distinct date texts: ``ok`` where read here, ``None`` precision elsewhere."""

    ok: np.ndarray
    start: np.ndarray
    end: np.ndarray
    precision: np.ndarray
    zone: np.ndarray

    @classmethod
    def empty(cls, size: int) -> Spans:
        return cls(
            np.zeros(size, bool),
            np.full(size, NAT),
            np.full(size, NAT),
            np.full(size, None, object),
            np.full(size, None, object),
        )

    def put(self, rows: np.ndarray, start: np.ndarray, end: np.ndarray, precision: str, zone: Any = None) -> None:
        self.ok[rows], self.start[rows], self.end[rows], self.precision[rows], self.zone[rows] = (
            True,
            start,
            end,
            precision,
            zone,
        )


def parse_iso(text: pd.Series, mask: np.ndarray, utc: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``mask`` that pandas reads as ISO 8601 within the years the timeline shows, and their moments.

    The others are left to ``dashboard.dates``, which says what is wrong with each."""
    moments = pd.to_datetime(text[mask], format="ISO8601", errors="coerce", utc=utc)
    if utc:
        moments = moments.dt.tz_convert(None)
    values = moments.to_numpy("datetime64[us]")
    good = ~np.isnat(values) & (values >= np.datetime64(EARLIEST, "us")) & (values < np.datetime64(LATEST, "us"))
    return np.flatnonzero(mask)[good], values[good]


def offset_zone(text: str) -> str:
    offset = "+00:00" if text.endswith("Z") else text[-6:]
    return "UTC" if offset in ("+00:00", "-00:00") else f"UTC{offset}"


def _own_or_offset(text: str, moment: np.datetime64, named: str) -> str:
    """The zone a time written with an offset is said in: the row's named zone when the offset is that zone's own
    at that moment (as dates.py keeps it), else the offset."""
    written = offset_zone(text)
    if not named:
        return written
    try:
        own = pd.Timestamp(moment).tz_localize("UTC").tz_convert(named).utcoffset()
    except Exception:  # noqa: BLE001 - a zone name pandas does not know: the offset as written
        return written
    offset = dt.datetime.fromisoformat(f"2000-01-01T00:00{text[-6:] if text[-1] != 'Z' else '+00:00'}").utcoffset()
    return named if own == offset else written


def iso_spans(text: pd.Series, zone: np.ndarray) -> Spans:
    """Read the ISO 8601 forms as whole columns, exactly as ``dashboard.dates`` reads them one by one."""
    spans = Spans.empty(len(text))
    for precision, pattern in ISO_FORMS.items():
        mask = text.str.fullmatch(pattern).to_numpy(bool)
        if mask.any():
            rows, start = parse_iso(text, mask)
            spans.put(
                rows, start, (start.astype(f"datetime64[{UNITS[precision]}]") + 1).astype("datetime64[us]"), precision
            )
    naive = text.str.fullmatch(ISO_TIME).to_numpy(bool)
    if naive.any():
        rows, moments = parse_iso(text, naive)
        moments = moments.astype("datetime64[m]").astype("datetime64[us]")
        zones = zone[rows]
        plain = zones == ""
        spans.put(rows[plain], moments[plain], moments[plain], "minute")
        for name in set(zones[~plain].tolist()):
            pick = zones == name
            try:  # a time that a clock change skips or repeats is left to dates.py, like unknown zone names
                utc = (
                    pd.DatetimeIndex(moments[pick])
                    .tz_localize(name, ambiguous="NaT", nonexistent="NaT")
                    .tz_convert("UTC")
                    .tz_localize(None)
                    .to_numpy("datetime64[us]")
                )
            except Exception:  # noqa: BLE001 - any zone pandas cannot use is read the slow way
                continue
            good = ~np.isnat(utc)
            spans.put(rows[pick][good], utc[good], utc[good], "minute", name)
    offset = text.str.fullmatch(ISO_TIME + ISO_OFFSET).to_numpy(bool)
    if offset.any():
        rows, moments = parse_iso(text, offset, utc=True)
        moments = moments.astype("datetime64[m]").astype("datetime64[us]")
        zones = np.array(
            [
                _own_or_offset(t, moment, named)
                for t, moment, named in zip(text.to_numpy(object)[rows], moments, zone[rows], strict=True)
            ],
            dtype=object,
        )
        spans.put(rows, moments, moments, "minute", zones)
    return spans


@lru_cache(maxsize=1 << 16)
def span_text(start: int, end: int, precision: str, approximate: bool, zone: str | None) -> str:
    """``format_when`` of a span given as microseconds since 1970, remembered across rows and tables."""
    return format_when(
        When(
            EPOCH + dt.timedelta(microseconds=start),
            EPOCH + dt.timedelta(microseconds=end),
            Precision(precision),
            approximate,
            zone,
        )
    )


def reference(published: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(published[:10])
    except ValueError:
        return None


@dataclass
class Dates:
    """The spans of distinct (date, end, timezone, approximate, published) combinations, and their problems."""

    start: np.ndarray
    end: np.ndarray
    precision: np.ndarray
    approximate: np.ndarray
    zone: np.ndarray
    when: np.ndarray
    error: np.ndarray  # None, or (field, message)
    uncertain: np.ndarray
    earliest: np.ndarray  # NaT: open
    latest: np.ndarray


def resolve_distinct(
    date: np.ndarray,
    end: np.ndarray,
    zone: np.ndarray,
    approximate: np.ndarray,
    published: np.ndarray,
    order: str | None = None,
) -> Dates:
    first = iso_spans(pd.Series(date, dtype="str"), zone)
    has_end = end != ""
    last = iso_spans(pd.Series(end, dtype="str"), zone)
    fast = first.ok & (~has_end | last.ok)
    both = fast & has_end
    backwards = (last.end < first.start) | ((last.end == first.start) & (last.start < first.start))
    fast &= ~(both & backwards)  # dates.py words the message
    both &= fast
    start, stop, precision, zones = first.start, first.end.copy(), first.precision.copy(), first.zone.copy()
    rows = np.flatnonzero(both)
    stop[rows] = np.maximum(last.end[rows], first.end[rows])
    precision[rows] = [
        min(a, b, key=COARSE_FIRST.index) for a, b in zip(precision[rows], last.precision[rows], strict=True)
    ]
    zones[rows] = [a or b for a, b in zip(zones[rows], last.zone[rows], strict=True)]
    # A day and a time in one span cover whole days, as dates.py says them (``_whole_units``).
    days = rows[precision[rows] != "minute"]
    if len(days):
        start[days] = start[days].astype("datetime64[D]").astype("datetime64[us]")
        midnight = stop[days].astype("datetime64[D]").astype("datetime64[us]")
        stop[days] = np.where(stop[days] == midnight, stop[days], midnight + np.timedelta64(1, "D"))
    approximate = approximate.copy()  # ISO dates are exact: only the approximate flag makes them approximate
    # A read date is loose at both ends when approximate: its fuzzy range reaches a unit further each way.
    earliest = np.where(approximate, shift_all(start, precision, -1), start)
    latest = np.where(approximate, shift_all(stop, precision, 1), stop)
    uncertain = np.zeros(len(date), bool)
    when_text = np.full(len(date), None, dtype=object)
    error = np.full(len(date), None, dtype=object)
    for i in np.flatnonzero(~fast).tolist():
        try:
            when = resolve(
                date[i], end[i] or None, reference(published[i]), zone[i] or None, bool(approximate[i]), order
            )
        except DateError as problem:
            name = getattr(problem, "field", "date")
            error[i] = (name, f"'{name}': {problem}")
            continue
        except (ValueError, OverflowError):
            error[i] = ("date", f"'date': \"{date[i]}\" is outside the years the timeline can show")
            continue
        start[i], stop[i] = np.datetime64(when.start, "us"), np.datetime64(when.end, "us")
        precision[i], approximate[i], zones[i] = str(when.precision), when.approximate, when.zone
        uncertain[i], (earliest[i], latest[i]) = when.uncertain, [np.datetime64(t or "NaT", "us") for t in when.fuzzy]
        when_text[i] = format_when(when)
    starts, stops = start.astype(np.int64), stop.astype(np.int64)
    for i in np.flatnonzero(fast).tolist():
        when_text[i] = span_text(int(starts[i]), int(stops[i]), precision[i], bool(approximate[i]), zones[i])
    return Dates(start, stop, precision, approximate, zones, when_text, error, uncertain, earliest, latest)
