"""Time zones on display: the zone times of day are shown in, and the events table as that zone's clock reads.

Times of day are kept in UTC with the zone they were written in (the ``zone`` column); day, month and year spans
are calendar dates, the same in every zone, and a time written without a zone stays as written. A display zone is
``utc`` (the default), ``own`` (each event in the zone it was written in) or an IANA name (the reader's, say).
``moved`` gives the events table with each time of day on that zone's wall clock, and its ``when`` words in it: the
View's days, the list's days, the axis and every card read that table, so they all follow the zone.

The table's column names are written out here, as in ``view``: both are core, below the table's module.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import zoneinfo
from collections.abc import Callable

import numpy as np
import pandas as pd

from dashboard.dates import When, _local, edtf_of, format_when, when_of
from dashboard.model import Precision
from dashboard.wording import visible

UTC = "utc"
OWN = "own"
# The time columns a time of day moves in; the fuzzy bounds are there once the table has them (NaT stays NaT).
TIME_COLUMNS = ("start", "end", "earliest", "latest")
_UTC_NAMES = frozenset({"utc", "etc/utc", "etc/uct", "uct", "zulu", "etc/zulu", "universal", "etc/universal"})


@functools.cache
def _names() -> dict[str, str]:
    """Every IANA zone name this machine knows, by its name in lower case."""
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


def read_zone(value: object) -> tuple[str, str | None]:
    """A display zone as a View holds it ('utc', 'own', or an IANA name as IANA spells it, in any case given), and
    a warning when ``value`` names none (it is then 'utc')."""
    text = value.strip() if isinstance(value, str) else ""
    folded = text.casefold()
    if folded in _UTC_NAMES or not folded:
        return UTC, None
    if folded == OWN:
        return OWN, None
    if name := _names().get(folded):
        return name, None
    return UTC, (
        f"'tz={visible(text[:60])}' is not a time zone (utc, own, or a name such as Europe/Kyiv); "
        "times are shown in UTC"
    )


def zone_words(tz: str) -> str:
    """The zone of the times shown, as a label ends: 'UTC', 'Europe/Kyiv', "each event's own zone"."""
    return "UTC" if tz == UTC else "each event's own zone" if tz == OWN else tz


def axis_words(tz: str) -> str:
    """What the timeline's axis says of its times: 'Times in UTC'."""
    return f"Times in {zone_words(tz)}"


def _tzinfo(zone: str) -> dt.tzinfo:
    """The tzinfo of a zone as the table names it (an IANA name, 'UTC', or a fixed offset 'UTC+02:00'): the one
    reading of those names is the cards' (``dates._local``)."""
    tzinfo = _local(dt.datetime(2000, 1, 1), zone)[0].tzinfo
    return tzinfo if tzinfo is not None else dt.UTC


def _shifted(values: np.ndarray, rows: np.ndarray, zone: str) -> None:
    """Move ``values[rows]`` (UTC, naive) onto the wall clock of ``zone``, in place; NaT stays NaT."""
    if zone.casefold() in _UTC_NAMES:
        return
    moments = pd.DatetimeIndex(values[rows]).tz_localize("UTC").tz_convert(_tzinfo(zone)).tz_localize(None)
    values[rows] = moments.to_numpy().astype(values.dtype)


# The column a moved table adds for its moved rows: the EDTF of the span as stored (a moved time is on another
# zone's wall clock, which its EDTF, written with the event's own offset, cannot be worked out from).
EDTF = "edtf"


def when_text(when: When, tz: str) -> str:
    """A span in words in the display zone: '16 Feb 2022, 12:30 UTC', with the time in the event's own zone after it
    when that differs ('16 Feb 2022, 12:30 UTC (14:30 EET)', '16 Feb 2022, 23:30 UTC (17 Feb, 01:30 EET)').

    Only a time of day with a zone moves; in ``own`` each is said in its own zone, as the table says it."""
    if tz == OWN or when.precision != Precision.MINUTE or not when.zone:
        return format_when(when)
    shown = format_when(dataclasses.replace(when, zone="UTC" if tz == UTC else tz))
    own = format_when(When(when.start, when.end, when.precision, zone=when.zone))  # the bare time: no words twice
    here, there = _local(when.start, "UTC" if tz == UTC else tz)[0], _local(when.start, when.zone)[0]
    if here.date() == there.date():
        own = own.split(", ", 1)[1]  # the same day: its time alone
    else:
        own = own.replace(f" {there.year}", "", 1)  # the year is the one said before, or next to it
    return shown if shown.endswith(own) else f"{shown} ({own})"


def moved(events: pd.DataFrame, tz: str) -> pd.DataFrame:
    """The events table as the display zone ``tz`` shows it: each time of day (a minute-precision row with a zone)
    on that zone's wall clock (naive), its ``when`` in that zone's words, and the rows in time order again. The
    table itself when nothing changes (no time of day with a zone). A column at a time, a zone at a time."""
    if not len(events):
        return events
    rows = ((events["precision"] == "minute") & events["zone"].notna()).to_numpy()
    if not rows.any():
        return events
    out = events.copy(deep=False)
    zones = events["zone"].to_numpy(dtype=object)
    names = sorted(set(zones[rows].tolist())) if tz == OWN else [] if tz == UTC else [tz]
    for column in (name for name in TIME_COLUMNS if name in events.columns and names):
        values = events[column].to_numpy(copy=True)
        for name in names:
            _shifted(values, rows & (zones == name) if tz == OWN else rows, name)
        out[column] = values
    if tz != OWN:  # the table's words are each event's own zone's already
        out["when"] = _restated(events, rows, tz)
    if names:  # a moved time no longer says its instant: the EDTF written beside the words is the stored one's
        out[EDTF] = _restated(events, rows, tz, lambda when: edtf_of(when), keep=False)
    # In time order again (a time moved past a day's midnight, or two zones' clocks): a stable sort, so rows of
    # equal bounds keep the table's order of them. The rows keep their labels: those of the table as stored.
    order = np.lexsort((out["end"].to_numpy(), out["start"].to_numpy()))
    return out.iloc[order] if (np.diff(order) != 1).any() else out


def _restated(
    events: pd.DataFrame,
    rows: np.ndarray,
    tz: str,
    say: Callable[[When], str] | None = None,
    keep: bool = True,
) -> pd.Series:
    """The ``when`` column with the words of each time of day (``rows``) in the display zone, said once per
    distinct span (or what ``say`` makes of each span; the other rows keep their words, or None without
    ``keep``)."""
    keys = [
        name for name in ("start", "end", "approximate", "uncertain", "earliest", "latest", "zone") if name in events
    ]
    part = events.loc[rows, [*keys, "precision"]]
    codes = part.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    firsts = np.unique(codes, return_index=True)[1]  # groups are numbered in the order first met
    spans = part.iloc[firsts].to_dict("records")  # plain dicts: a row of a frame costs far more to read
    said = np.array([(say or (lambda when: when_text(when, tz)))(when_of(span)) for span in spans], dtype=object)
    whens = events["when"].to_numpy(dtype=object, copy=True) if keep else np.full(len(events), None, dtype=object)
    whens[rows] = said[codes]
    return pd.Series(whens, index=events.index, dtype="str" if keep else object)
