"""Consistency checks: dates that disagree with the sources' publication or with the events linked, and events
that look entered twice. They are warnings, worth a look: nothing is left out or changed because of them.

- An event that has happened (any status but ``expected``) cannot end after the day it was first reported.
- An ``expected`` event (announced, not yet happened) cannot be over before the day it was first reported.
- ``follows`` and ``responds-to`` point at an earlier event, ``causes`` at a later one: a link whose events
  cannot be in that order is a contradiction; one that leaves a vague date less room says how much.
- Two events with nearly the same title on overlapping dates are probably one event written twice.

The checks read the events table only (``C.reported`` is the first publication day, from ``trust``). Date
checks and link checks work a column at a time, so a million events take well under a second; the search for
near-duplicates compares only events whose titles share a start, an end or their words, and stops past
``DUPLICATE_LIMIT`` events or ``COMPARISON_BUDGET`` comparisons, saying so in a note.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dashboard.model import Precision, Relation, Status
from dashboard.table import C, Effect, Problem
from dashboard.wording import counted

# A time of day is kept in UTC, a day as written on the calendar where it happened: the two may differ by up to
# 14 hours (UTC+14). Comparisons that mix them allow that much, so a warning is never a time-zone artefact.
GRACE = np.timedelta64(14, "h")
DAY = np.timedelta64(1, "D")
MINUTE = np.timedelta64(1, "m")
SIMILAR = 0.9  # difflib's ratio of two normalised titles at or above which they are near-identical
KEY_CHARS = 12  # titles are compared when they share this many first or last characters, or all their words
DUPLICATE_LIMIT = 50_000  # past this many events the near-duplicate search is left out (the other checks run)
NEIGHBOURS = 20  # in each group of similar titles, an event is compared with at most this many overlapping ones
COMPARISON_BUDGET = 200_000  # title comparisons at most (about a second), however the titles fall
ORDERED = {
    Relation.FOLLOWS.value: ("follow", True),
    Relation.RESPONDS_TO.value: ("respond to", True),
    Relation.CAUSES.value: ("cause", False),
}  # relation -> (its verb, whether its target comes first); part-of says nothing of order
NOT_WORD = re.compile(r"[\W_]+")


@dataclass
class Checked:
    """The warnings of a collection, and notes on what was not checked (and why)."""

    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def consistency_warnings(events: pd.DataFrame) -> list[Problem]:
    """The consistency warnings of an events table, located at each event's file and line."""
    return check(events).warnings


def check(events: pd.DataFrame) -> Checked:
    """Every consistency check of an events table: its warnings (sorted by file and line) and notes."""
    checked = Checked()
    if not len(events):
        return checked
    checked.warnings.extend(_report_dates(events))
    checked.warnings.extend(_link_order(events))
    if len(events) > DUPLICATE_LIMIT:
        checked.notes.append(
            f"near-duplicate titles were not looked for: {counted(len(events), 'event')} are more than "
            f"{DUPLICATE_LIMIT:,}"
        )
    else:
        found, complete = _near_duplicates(events)
        checked.warnings.extend(found)
        if not complete:
            checked.notes.append(
                f"the search for near-duplicate titles stopped after {COMPARISON_BUDGET:,} comparisons: "
                "some may not be reported"
            )
    checked.warnings.sort()
    return checked


def day_words(day: dt.date) -> str:
    """A day as the checks say it: '16 Feb 2022'."""
    return f"{day.day} {day:%b %Y}"


def _day(value: Any) -> dt.date:
    return pd.Timestamp(value).date()


def _at(events: pd.DataFrame, column: str, row: int) -> Any:
    """One cell (read where a warning is written: a few rows, never a whole column)."""
    return events[column].iat[row]


def _warning(events: pd.DataFrame, row: int, message: str) -> Problem:
    return Problem(str(_at(events, C.path, row)), int(_at(events, C.line, row)), 1, message, Effect.WARNING)


def _grace(events: pd.DataFrame) -> np.ndarray:
    """Per event, the allowance for comparing its span with a calendar day: 14 hours for a time of day."""
    minute = (events[C.precision] == Precision.MINUTE.value).to_numpy()
    return np.where(minute, GRACE, np.timedelta64(0, "h"))


def _report_dates(events: pd.DataFrame) -> Iterator[Problem]:
    """Events that can end after their first report (when they have happened), or that were over before it (when
    they are announced as expected)."""
    reported = events[C.reported].to_numpy().astype("datetime64[us]")
    start = events[C.start].to_numpy().astype("datetime64[us]")
    end = np.maximum(events[C.end].to_numpy().astype("datetime64[us]"), start)  # a moment ends where it starts
    grace = _grace(events)
    known = ~np.isnat(reported)
    expected = (events[C.status] == Status.EXPECTED.value).to_numpy()
    # Reported on day D: it had happened by the end of D, so it ends (exclusive) by D + 1 day.
    late = known & ~expected & (end - grace > reported + DAY)
    # Announced on day D: some of it is still to come on D, so it ends after D's start.
    over = known & expected & (end + grace <= reported)
    whens = events[C.when]
    for row in np.flatnonzero(late).tolist():
        first = _day(reported[row])
        when, begins = whens.iat[row], _day(start[row])
        if begins > first:
            said = f"{when} is after the first report on {day_words(first)}"
        else:
            said = f"{when} runs to {day_words(_last_day(start[row], end[row]))}, after the first report on " + (
                day_words(first)
            )
        yield _warning(events, row, f"'date': {said}; if it happened by then, narrow the date (or mark it expected)")
    for row in np.flatnonzero(over).tolist():
        first = _day(reported[row])
        yield _warning(
            events,
            row,
            f"'status': expected, but {whens.iat[row]} is before the first report on {day_words(first)}: if it "
            "happened, say what is known of it (reported, confirmed …); if it is still to come, correct the date",
        )


def _last_day(start: np.datetime64, end: np.datetime64) -> dt.date:
    """The last day of a span (its end is exclusive; a moment's is its own)."""
    return _day(end - np.timedelta64(1, "us")) if end > start else _day(start)


def _latest_start(events: pd.DataFrame) -> np.ndarray:
    """Per event, the instant it began before (exclusive): its minute when timed, its first day when dated to the
    day, and anywhere in its span when approximate or dated to a month or a year."""
    start = events[C.start].to_numpy().astype("datetime64[us]")
    end = np.maximum(events[C.end].to_numpy().astype("datetime64[us]"), start + MINUTE)
    precision = events[C.precision].to_numpy()
    vague = events[C.approximate].to_numpy().astype(bool) | np.isin(
        precision, [Precision.MONTH.value, Precision.YEAR.value]
    )
    exact = np.where(precision == Precision.MINUTE.value, start + MINUTE, start + DAY)
    latest: np.ndarray = np.where(vague, end, np.minimum(exact, end))
    return latest


def _link_order(events: pd.DataFrame) -> Iterator[Problem]:
    """Links whose two events cannot be in the relation's order, and links that narrow a vague date."""
    links = events[C.links].to_numpy()
    linked = np.flatnonzero(np.fromiter(map(len, links), dtype=np.int64, count=len(links)))
    pairs = [
        (int(row), link["to"], link["relation"])
        for row in linked.tolist()
        for link in links[row]
        if link.get("relation") in ORDERED
    ]
    if not pairs:
        return
    position = pd.Index(events[C.id]).get_indexer([to for _, to, _ in pairs])
    start = events[C.start].to_numpy().astype("datetime64[us]")
    latest = _latest_start(events)
    grace = _grace(events)
    vague = latest - start > DAY  # more than one day in which it may have begun
    for (row, to, relation), other in zip(pairs, position.tolist(), strict=True):
        if other < 0:
            continue  # a link to a missing event is a problem of its own (table.check_links)
        verb, target_first = ORDERED[relation]
        first, then = (other, row) if target_first else (row, other)
        allowance = np.timedelta64(0, "h") if grace[first] == grace[then] else GRACE
        dated = _dated(events, other)
        if start[first] >= latest[then] + allowance:
            later = "later" if target_first else "earlier"
            yield _warning(
                events,
                row,
                f"'links': {relation} {to}, {dated}: this event ({_at(events, C.when, row)}) cannot {verb} an event "
                f"that began {later}; check the link or the dates",
            )
        elif not allowance and vague[row]:
            yield from _narrowing(events, row, other, relation, to, dated, start, latest, target_first)


def _narrowing(
    events: pd.DataFrame,
    row: int,
    other: int,
    relation: str,
    to: str,
    dated: str,
    start: np.ndarray,
    latest: np.ndarray,
    target_first: bool,
) -> Iterator[Problem]:
    """How a link narrows the vague date of the event that holds it: no earlier than the start of what it follows
    or answers, no later than the last day on which what it causes may have begun."""
    head = f"'links': {relation} {to}, {dated}: this event can be no"
    if target_first and start[other] > start[row]:
        yield _warning(
            events,
            row,
            f"{head} earlier than {day_words(_day(start[other]))} (its date says from {day_words(_day(start[row]))})",
        )
    elif not target_first and latest[other] < latest[row]:
        yield _warning(
            events,
            row,
            f"{head} later than {day_words(_last_day(start[row], latest[other]))} (its date says up to "
            f"{day_words(_last_day(start[row], latest[row]))})",
        )


def _dated(events: pd.DataFrame, row: int) -> str:
    """How the checks name a linked event's date: 'which began 15 Feb 2022', or 'dated about 14–15 Feb 2022'."""
    when = str(_at(events, C.when, row))
    if _at(events, C.approximate, row):
        return f"dated {when}"
    precision, start = _at(events, C.precision, row), _at(events, C.start, row)
    if precision == Precision.DAY.value:
        return f"which began {day_words(_day(start))}"
    if precision == Precision.MINUTE.value and _at(events, C.end, row) <= start:
        return f"which began {when}"
    return f"dated {when}"


def normalised(title: str) -> str:
    """A title as near-duplicates are compared: case folded, punctuation and spacing gone."""
    return NOT_WORD.sub(" ", title.casefold()).strip()


def _groups(titles: list[str]) -> Iterator[list[int]]:
    """Events whose titles share their first or last characters, or all their words: the only ones compared."""
    keys: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row, title in enumerate(titles):
        if not title:
            continue
        keys["first", title[:KEY_CHARS]].append(row)
        keys["last", title[-KEY_CHARS:]].append(row)
        keys["words", " ".join(sorted(set(title.split())))].append(row)
    return (rows for rows in keys.values() if len(rows) > 1)


def _near_duplicates(events: pd.DataFrame) -> tuple[list[Problem], bool]:
    """Pairs of events with near-identical titles on overlapping dates; and whether every pair was compared."""
    titles = [normalised(title) for title in events[C.title]]
    start = events[C.start].to_numpy().astype("datetime64[us]")
    end = np.maximum(events[C.end].to_numpy().astype("datetime64[us]"), start + MINUTE)
    seen: set[tuple[int, int]] = set()
    found: list[Problem] = []
    budget = COMPARISON_BUDGET
    for rows in _groups(titles):
        rows.sort(key=lambda row: (start[row], row))  # the table is sorted by start: this keeps that order
        for at, first in enumerate(rows):
            for second in rows[at + 1 : at + 1 + NEIGHBOURS]:
                if start[second] >= end[first]:
                    break  # sorted by start: no later one overlaps it either
                if (first, second) in seen:
                    continue
                budget -= 1
                if budget < 0:
                    return found, False
                seen.add((first, second))
                if _similar(titles[first], titles[second]):
                    found.append(_duplicate(events, first, second))
    return found, True


def _similar(one: str, other: str) -> bool:
    if one == other or sorted(one.split()) == sorted(other.split()):
        return True
    matcher = difflib.SequenceMatcher(None, one, other, autojunk=False)
    return matcher.real_quick_ratio() >= SIMILAR and matcher.quick_ratio() >= SIMILAR and matcher.ratio() >= SIMILAR


def _duplicate(events: pd.DataFrame, first: int, second: int) -> Problem:
    """The warning on the second of two near-duplicates, naming the first and where it is."""
    other = f"{_at(events, C.path, first)}:{int(_at(events, C.line, first))}"
    return _warning(
        events,
        second,
        f"'title': nearly the same as '{_at(events, C.title, first)}' ({_at(events, C.id, first)}, {other}), on "
        f"overlapping dates ({_at(events, C.when, second)} and {_at(events, C.when, first)}): likely one event "
        "written twice",
    )
