"""Consistency checks: dates that disagree with the sources' publication or with the events linked, and events
that look entered twice. They are warnings, worth a look: nothing is left out or changed because of them.

- An event that has happened (any status but ``expected``) cannot end after the day it was first reported, unless
  a later report covers the rest of it (a meeting's second day): its end is held to its last report. An end left
  open (``2022-02-03/..``: still under way, or no end known) is not held to anything. One dated to a whole period
  that began by its report and runs past it ('Feb 2022', reported on the 16th) is told it may write an open bound
  ("by 16 Feb 2022").
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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.model import EARLIEST, LATEST, Precision, Relation, Status
from dashboard.table import C, Effect, Problem
from dashboard.trust import last_published
from dashboard.wording import counted, visible

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
    count: int = 0  # how many warnings there are: more than listed when the list was cut (``check(most=…)``)


def consistency_warnings(events: pd.DataFrame) -> list[Problem]:
    """The consistency warnings of an events table, located at each event's file and line."""
    return check(events).warnings


def check(events: pd.DataFrame, most: int | None = None) -> Checked:
    """Every consistency check of an events table: its warnings (sorted by file and line), their count, and notes.

    ``most`` lists at most that many warnings of each kind (all are counted): writing a warning costs more than
    finding it, and a banner shows a few hundred.
    """
    return check_parts([events], events, len(events), lambda: events, most)


def check_parts(
    parts: Iterable[pd.DataFrame],
    linked: pd.DataFrame,
    size: int,
    whole: Callable[[], pd.DataFrame],
    most: int | None = None,
) -> Checked:
    """``check`` of a table of ``size`` events read a part at a time (too big to hold whole): ``parts`` are its rows
    in order, ``linked`` the rows its links join (the events with links and the events they link to, in order),
    and ``whole`` gives the whole table for the near-duplicate search, asked for only up to ``DUPLICATE_LIMIT``
    events. The warnings listed are the first ``most`` of each kind in the table's order, as ``check`` lists."""
    checked = Checked()
    if not size:
        return checked
    kinds: list[list[Problem]] = [[], []]
    for part in parts:
        for kind, (found, count) in zip(kinds, _report_dates(part, most), strict=True):
            kind.extend(found[: None if most is None else most - len(kind)])
            checked.count += count
    checked.warnings.extend(kinds[0] + kinds[1])
    found, count = _link_order(linked, most)
    checked.warnings.extend(found)
    checked.count += count
    if size > DUPLICATE_LIMIT:
        checked.notes.append(
            f"near-duplicate titles were not looked for: {counted(size, 'event')} are more than {DUPLICATE_LIMIT:,}"
        )
    else:
        events = whole()
        pairs, complete = _near_duplicates(events)
        checked.warnings.extend(_duplicates(events, pairs[:most]))
        checked.count += len(pairs)
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


def _cells(events: pd.DataFrame, column: str, rows: np.ndarray) -> list[Any]:
    """A column's cells at some rows, gathered at once (a cell at a time costs more than the checks)."""
    cells: list[Any] = events[column].take(rows).tolist()
    return cells


def _days(values: np.ndarray) -> list[dt.date]:
    days: list[dt.date] = values.astype("datetime64[D]").tolist()
    return days


def _warnings(events: pd.DataFrame, rows: np.ndarray, messages: Iterable[str]) -> Iterator[Problem]:
    """Warnings at the files and lines of some rows."""
    paths, lines = _cells(events, C.path, rows), _cells(events, C.line, rows)
    for path, line, message in zip(paths, lines, messages, strict=True):
        yield Problem(str(path), int(line), 1, message, Effect.WARNING)


def _times(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Every event's start and end, a moment's end its start."""
    start = events[C.start].to_numpy().astype("datetime64[us]")
    return start, np.maximum(events[C.end].to_numpy().astype("datetime64[us]"), start)


def _grace(events: pd.DataFrame) -> np.ndarray:
    """Per event, the allowance for comparing its span with a calendar day: 14 hours for a time of day."""
    minute = (events[C.precision] == Precision.MINUTE.value).to_numpy()
    grace: np.ndarray = np.where(minute, GRACE, np.timedelta64(0, "h"))
    return grace


def _report_dates(
    events: pd.DataFrame, most: int | None
) -> tuple[tuple[list[Problem], int], tuple[list[Problem], int]]:
    """Events that can end after their reports (when they have happened), and events that were over before the
    first (when they are announced as expected): each kind's first ``most`` warnings, and how many there are."""
    reported = events[C.reported].to_numpy().astype("datetime64[us]")
    start, end = _times(events)
    grace = _grace(events)
    known = ~np.isnat(reported)
    expected = (events[C.status] == Status.EXPECTED.value).to_numpy()
    # Reported on day D: it had happened by the end of D, so it ends (exclusive) by D + 1 day; unless a later
    # report (of its second day, say) covers the rest: so the last report is what its end is held to.
    open_end = np.isnat(events[C.latest].to_numpy())
    late = np.flatnonzero(known & ~expected & ~open_end & (end - grace > reported + DAY))
    period = _vague(events)
    last_reported = np.array(
        [last_published(sources) for sources in _cells(events, C.sources, late)], dtype="datetime64[us]"
    ).reshape(-1)
    covered = end[late] - grace[late] <= last_reported + DAY
    late, last_reported = late[~covered], last_reported[~covered]
    # Announced on day D: some of it is still to come on D, so it ends after D's start.
    over = np.flatnonzero(known & expected & (end + grace <= reported))
    counts = len(late), len(over)
    late, over = late[:most], over[:most]
    said = []
    for whole, when, first, report, begins, last in zip(
        period[late].tolist(),
        _cells(events, C.when, late),
        _days(reported[late]),
        _days(last_reported[:most]),
        _days(start[late]),
        _days(np.maximum(end[late] - np.timedelta64(1, "us"), start[late])),
        strict=True,
    ):
        which = "first report" if report == first else "last report"
        span = (
            f"{when} is after" if begins > report else f"{when} runs to {day_words(last)}, after"
        ) + f" the {which} on {day_words(report)}"
        if whole and begins <= report:  # a whole period begun by the report: 'by' says what is known
            said.append(
                f"'date': {span}; if it had happened by then, say so with an open bound, "
                f'"by {day_words(report)}" (EDTF ../{report.isoformat()}), or narrow the date (or mark it expected)'
            )
        else:
            said.append(f"'date': {span}; if it happened by then, narrow the date (or mark it expected)")
    return (list(_warnings(events, late, said)), counts[0]), (
        list(
            _warnings(
                events,
                over,
                (
                    f"'status': expected, but {when} is before the first report on {day_words(first)}: if it "
                    "happened, say what is known of it (reported, confirmed …); if it is still to come, correct the "
                    "date"
                    for when, first in zip(_cells(events, C.when, over), _days(reported[over]), strict=True)
                ),
            )
        ),
        counts[1],
    )


def _latest_start(events: pd.DataFrame) -> np.ndarray:
    """Per event, the instant it began before (exclusive): its minute when timed, its first day when dated to the
    day, and anywhere in its span when approximate or dated to a month or a year."""
    start, end = _times(events)
    end = np.maximum(end, start + MINUTE)
    precision = events[C.precision]  # compared as Arrow strings: a million of them as Python's would take longer
    fuzzy_end = events[C.latest].to_numpy().astype("datetime64[us]")
    vague = _vague(events)
    exact = np.where((precision == Precision.MINUTE.value).to_numpy(), start + MINUTE, start + DAY)
    latest: np.ndarray = np.where(vague, np.maximum(end, fuzzy_end), np.minimum(exact, end))
    # An end left open ('2022-02-16/..'): the event may have begun any time after its bound.
    return np.where(np.isnat(fuzzy_end), np.datetime64(LATEST, "us"), latest)


def _vague(events: pd.DataFrame) -> np.ndarray:
    """Per event, whether its date is a whole period rather than its day or minute: approximate, uncertain, or a
    month or a year."""
    vague: np.ndarray = (
        events[C.approximate].to_numpy().astype(bool)
        | events[C.uncertain].to_numpy().astype(bool)
        | events[C.precision].isin([Precision.MONTH.value, Precision.YEAR.value]).to_numpy()
    )
    return vague


def _earliest_start(events: pd.DataFrame) -> np.ndarray:
    """Per event, the earliest instant it may have begun: a loose start a unit early, an open one at any time."""
    earliest = events[C.earliest].to_numpy().astype("datetime64[us]")
    start = np.minimum(events[C.start].to_numpy().astype("datetime64[us]"), earliest)
    return np.where(np.isnat(earliest), np.datetime64(EARLIEST, "us"), start)


def _link_order(events: pd.DataFrame, most: int | None) -> tuple[list[Problem], int]:
    """Links whose two events cannot be in the relation's order, and links that narrow a vague date."""
    links = events[C.links].to_numpy()
    linked = np.flatnonzero(np.fromiter(map(len, links), dtype=np.int64, count=len(links)))
    pairs = [
        (row, link["to"], link.get("relation"))
        for row in linked.tolist()
        for link in links[row]
        if link.get("relation") in ORDERED
    ]
    if not pairs:
        return [], 0
    # Arrow's hash look-up: pandas' would first make sure a million ids are unique (the store has seen to that).
    looked_up = pc.index_in(pa.array([to for _, to, _ in pairs], pa.string()), value_set=pa.array(events[C.id]))
    position = looked_up.fill_null(-1).to_numpy()
    kept = position >= 0  # a link to a missing event is a problem of its own (table.check_links)
    row = np.array([row for row, _, _ in pairs], dtype=np.int64)[kept]
    other = position[kept]
    relation = np.array([relation for _, _, relation in pairs], dtype=object)[kept]
    target_first = np.array([ORDERED[name][1] for name in relation], dtype=bool)
    start, latest, grace = _earliest_start(events), _latest_start(events), _grace(events)
    stated = _times(events)[0]  # the start as written, which a hint quotes
    first, then = np.where(target_first, other, row), np.where(target_first, row, other)
    exact = grace[first] == grace[then]  # both times of day, or both calendar days: no allowance
    contrary = start[first] >= latest[then] + np.where(exact, np.timedelta64(0, "h"), GRACE)
    # More than a day in which it may have begun, bounded on the side a hint would narrow.
    vague = exact & ~contrary & (latest[row] - start[row] > DAY)
    from_open, to_open = start[row] == np.datetime64(EARLIEST, "us"), latest[row] == np.datetime64(LATEST, "us")
    earlier = np.flatnonzero(vague & target_first & ~from_open & (start[other] > start[row]))
    later = np.flatnonzero(vague & ~target_first & ~to_open & (latest[other] < latest[row]))
    contrary = np.flatnonzero(contrary)
    count = len(contrary) + len(earlier) + len(later)
    contrary, earlier, later = contrary[:most], earlier[:most], later[:most]
    flagged = np.concatenate([contrary, earlier, later])
    heads = {
        at: f"'links': {relation[at]} {to}, {dated}"
        for at, to, dated in zip(
            flagged.tolist(), _cells(events, C.id, other[flagged]), _dated(events, other[flagged]), strict=True
        )
    }
    found = list(
        _warnings(
            events,
            row[contrary],
            (
                f"{heads[at]}: this event ({when}) cannot {ORDERED[relation[at]][0]} an event that began "
                f"{'later' if target_first[at] else 'earlier'}; check the link or the dates"
                for at, when in zip(contrary.tolist(), _cells(events, C.when, row[contrary]), strict=True)
            ),
        )
    )
    found.extend(
        _warnings(
            events,
            row[earlier],
            (
                f"{heads[at]}: this event can be no earlier than {day_words(bound)} "
                f"(its date says from {day_words(own)})"
                for at, bound, own in zip(
                    earlier.tolist(), _days(start[other[earlier]]), _days(stated[row[earlier]]), strict=True
                )
            ),
        )
    )
    last = np.timedelta64(1, "us")
    found.extend(
        _warnings(
            events,
            row[later],
            (
                f"{heads[at]}: this event can be no later than {day_words(bound)} "
                f"(its date says up to {day_words(own)})"
                for at, bound, own in zip(
                    later.tolist(), _days(latest[other[later]] - last), _days(latest[row[later]] - last), strict=True
                )
            ),
        )
    )
    return found, count


def _dated(events: pd.DataFrame, rows: np.ndarray) -> list[str]:
    """How the checks name linked events' dates: 'which began 15 Feb 2022', or 'dated about 14–15 Feb 2022'."""
    said = []
    for when, approximate, precision, start, end in zip(
        _cells(events, C.when, rows),
        _cells(events, C.approximate, rows),
        _cells(events, C.precision, rows),
        _days(events[C.start].to_numpy()[rows]),
        (events[C.end].to_numpy()[rows] <= events[C.start].to_numpy()[rows]).tolist(),
        strict=True,
    ):
        if not approximate and precision == Precision.DAY.value:
            said.append(f"which began {day_words(start)}")
        elif not approximate and precision == Precision.MINUTE.value and end:
            said.append(f"which began {when}")
        else:
            said.append(f"dated {when}")
    return said


def normalised(title: str) -> str:
    """A title as near-duplicates are compared: case folded, punctuation and spacing gone."""
    return NOT_WORD.sub(" ", title.casefold()).strip()


def _groups(titles: list[str], words: list[list[str]], order: list[int]) -> Iterator[list[int]]:
    """Events whose titles share their first or last characters, or all their words: the only ones compared; each
    group in the given order."""
    keys: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in order:
        title = titles[row]
        if not title:
            continue
        keys["first", title[:KEY_CHARS]].append(row)
        keys["last", title[-KEY_CHARS:]].append(row)
        keys["words", " ".join(sorted(set(words[row])))].append(row)
    return (rows for rows in keys.values() if len(rows) > 1)


def _near_duplicates(events: pd.DataFrame) -> tuple[list[tuple[int, int]], bool]:
    """Pairs of events with near-identical titles on overlapping dates (the one that starts first first); and
    whether every pair was compared."""
    titles = [normalised(title) for title in events[C.title].tolist()]
    words = [title.split() for title in titles]
    start_times, end_times = _times(events)
    order = np.argsort(start_times, kind="stable").tolist()  # the table's order, when it is sorted by start
    start = start_times.astype(np.int64).tolist()  # Python's numbers: read in the loop, numpy's cost ten times more
    end = np.maximum(end_times, start_times + MINUTE).astype(np.int64).tolist()
    seen: set[tuple[int, int]] = set()
    pairs: list[tuple[int, int]] = []
    budget = COMPARISON_BUDGET
    for rows in _groups(titles, words, order):
        for at, first in enumerate(rows):
            for second in rows[at + 1 : at + 1 + NEIGHBOURS]:
                if start[second] >= end[first]:
                    break  # in order of start: no later one overlaps it either
                if (first, second) in seen:
                    continue
                seen.add((first, second))
                budget -= 1
                if budget < 0:
                    return pairs, False
                if _similar(titles[first], titles[second], words[first], words[second]):
                    pairs.append((first, second))
    return pairs, True


def _similar(one: str, other: str, one_words: list[str], other_words: list[str]) -> bool:
    """Whether two normalised titles are near-identical: the same words, or difflib's ratio of at least SIMILAR."""
    if one == other or sorted(one_words) == sorted(other_words):
        return True
    size, other_size = len(one), len(other)
    if 2 * min(size, other_size) < SIMILAR * (size + other_size):
        return False  # too different in length (what real_quick_ratio says, without building a matcher)
    shared = len(set(one_words) & set(other_words))
    if min(len(one_words), len(other_words)) >= 4 and shared < 0.3 * len(set(one_words) | set(other_words)):
        return False  # few words in common: a matcher would find them far apart (and costs 50 µs to ask)
    matcher = difflib.SequenceMatcher(None, one, other, autojunk=False)
    return matcher.quick_ratio() >= SIMILAR and matcher.ratio() >= SIMILAR


def _duplicates(events: pd.DataFrame, pairs: list[tuple[int, int]]) -> list[Problem]:
    """The warning on the second of each pair of near-duplicates, naming the first and where it is."""
    if not pairs:
        return []
    first = np.array([one for one, _ in pairs], dtype=np.int64)
    second = np.array([other for _, other in pairs], dtype=np.int64)
    said = (
        f"'title': nearly the same as '{title}' ({ident}, {path}:{line}), on overlapping dates ({when} and "
        f"{first_when}): likely one event written twice"
        for title, ident, path, line, first_when, when in zip(
            *(_cells(events, column, first) for column in (C.title, C.id, C.path, C.line, C.when)),
            _cells(events, C.when, second),
            strict=True,
        )
    )
    return list(_warnings(events, second, said))


def checked_json(found: Checked) -> dict[str, Any]:
    """Warnings as JSON, to be kept (``checked_from_json`` reads them back)."""
    warnings = [[p.path, p.line, p.column, p.message, p.effect.value] for p in found.warnings]
    return {"warnings": warnings, "notes": found.notes, "count": found.count}


def checked_from_json(kept: Any) -> Checked | None:
    """The warnings kept by ``checked_json``; None for anything else (then the collection is checked again). A kept
    file is read as any file is: only warnings, every text made visible (``Problem``), every number a count."""
    try:
        warnings = []
        for path, line, column, message, effect in kept["warnings"]:
            if not (isinstance(path, str) and isinstance(message, str) and effect == Effect.WARNING.value):
                return None
            warnings.append(Problem(path, _count(line), _count(column), message, Effect.WARNING))
        notes = kept["notes"]
        if not isinstance(notes, list) or not all(isinstance(note, str) for note in notes):
            return None
        return Checked(warnings, [visible(note) for note in notes], _count(kept["count"]))
    except (KeyError, TypeError, ValueError):
        return None


def _count(value: Any) -> int:
    """A whole number of at least 0, as kept (never a float, a text or a flag)."""
    if type(value) is not int or value < 0:
        raise ValueError(value)
    return value
