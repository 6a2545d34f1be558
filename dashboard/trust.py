"""What is known of an event and how sure: when it was first reported, by how many independent publishers, and
the Admiralty grades of its sources, in words.

The events table holds the derived values (``reported``, ``corroboration``) worked out here once per event (once
per distinct source list in a big table); the card, the filters, the exports and the consistency checks read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from dashboard.model import CREDIBILITY, RELIABILITY, STATUS_MEANINGS, Status
from dashboard.table import C

Source = Mapping[str, Any]  # a source as the events table holds it: the keys of ``model.Source``
STATUSES: tuple[str, ...] = tuple(status.value for status in Status)
DEFAULT_STATUS = Status.REPORTED.value
PUBLISHERS_NAMED = 6  # in a card's line; the sources below it list them all


def first_published(sources: Iterable[Source]) -> dt.date | None:
    """The earliest publication date of the sources (the day the event was first reported), or None."""
    days = [_day(source.get("published")) for source in sources]
    known = [day for day in days if day is not None]
    return min(known) if known else None


def last_published(sources: Iterable[Source]) -> dt.date | None:
    """The latest publication date of the sources (the last report of the event), or None."""
    known = [day for day in (_day(source.get("published")) for source in sources) if day is not None]
    return max(known) if known else None


def _day(published: object) -> dt.date | None:
    if not isinstance(published, str) or not published:
        return None
    try:
        return dt.date.fromisoformat(published[:10])
    except ValueError:
        return None


def publisher_of(source: Source) -> str:
    """Who published a source: its publisher, or its title when it names none (as the source filter names it)."""
    return str(source.get("publisher") or source.get("title") or "")


def independent_publishers(sources: Iterable[Source]) -> list[str]:
    """The publishers of the sources that repeat no other (``copies``), each once (without regard to case), in
    their order: those that corroborate the event independently."""
    seen: dict[str, str] = {}
    for source in sources:
        if source.get("copies"):
            continue
        name = publisher_of(source).strip()
        if name:
            seen.setdefault(name.casefold(), name)
    return list(seen.values())


def corroboration(sources: Iterable[Source]) -> int:
    """How many independent publishers report the event."""
    return len(independent_publishers(sources))


def derived(sources: Iterable[Source]) -> tuple[dt.date | None, int]:
    """The derived columns of one event from its sources: the day first reported, and its corroboration."""
    listed = list(sources)
    return first_published(listed), corroboration(listed)


def lag_words(first: dt.date, last: dt.date, reported: dt.date | None) -> str:
    """How long after the event (its first to its last day) it was first reported: 'same day', '3 days later',
    'while under way' (a span reported before it ended), '2 days before' (an announcement), or '' (not known)."""
    if reported is None:
        return ""
    if reported < first:
        return _days((first - reported).days) + " before"
    if reported <= last:
        return "same day" if first == last else "while under way"
    return _days((reported - last).days) + " later"


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def grade(source: Source) -> str:
    """A source's Admiralty grade as analysts write it: 'B2', 'B', '2', or '' when it has none."""
    letter, number = source.get("reliability"), source.get("credibility")
    return f"{letter or ''}{number or ''}"


def grade_meaning(source: Source) -> str:
    """A grade in words, for its badge's hover: 'B: usually reliable source; 2: probably true'."""
    parts = []
    letter, number = source.get("reliability"), source.get("credibility")
    if letter in RELIABILITY:
        parts.append(f"{letter}: {RELIABILITY[letter].lower()} source")
    if number in CREDIBILITY:
        parts.append(f"{number}: {CREDIBILITY[number].lower()}")
    return "; ".join(parts)


def status_meaning(status: str) -> str:
    """What a status says, in a line ('' for an unknown one)."""
    return STATUS_MEANINGS.get(Status(status), "") if status in STATUSES else ""


def event_days(start: Any, end: Any) -> tuple[dt.date, dt.date]:
    """An event's first and last day, from the table's start and (exclusive) end; a moment is its own day."""
    first, stop = pd.Timestamp(start), pd.Timestamp(end)
    last = (stop - pd.Timedelta(microseconds=1)).date() if stop > first else first.date()
    return first.date(), last


def reported_day(value: Any) -> dt.date | None:
    """The table's ``reported`` cell as a day (None where the sources give no date)."""
    return None if pd.isna(value) else pd.Timestamp(value).date()


def reported_words(row: Mapping[str, Any]) -> str:
    """When an event was first reported, for its card: 'reported 16 Feb 2022 (same day)'; '' when not known.
    An expected event was announced: 'announced 14 Feb 2022 (2 days before)'."""
    day = reported_day(row[C.reported])
    if day is None:
        return ""
    lag = lag_words(*event_days(row[C.start], row[C.end]), day)
    verb = "announced" if row[C.status] == Status.EXPECTED else "reported"
    return f"{verb} {day:%-d %b %Y}" + (f" ({lag})" if lag else "")


def corroboration_words(sources: Iterable[Source]) -> str:
    """Who corroborates an event, for its card: 'corroborated by 2 independent publishers: DW, Reuters'."""
    publishers = independent_publishers(sources)
    if not publishers:
        return "no source given"
    count = len(publishers)
    said = "1 publisher" if count == 1 else f"{count} independent publishers"
    named = ", ".join(publishers[:PUBLISHERS_NAMED])
    more = f" and {count - PUBLISHERS_NAMED} more" if count > PUBLISHERS_NAMED else ""
    return f"corroborated by {said}: {named}{more}"
