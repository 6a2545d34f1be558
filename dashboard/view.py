"""The View: everything that decides what is shown, to and from a URL query string.

The app's controls, the address bar and the export command all read and write one View, so a link
reproduces a screen and an export reproduces a link.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np
import pandas as pd

from dashboard.cells import shared_lists
from dashboard.model import EARLIEST, LATEST, Status
from dashboard.zones import UTC, read_zone

Lanes = Literal["category", "actor", "place"]
Mode = Literal["calendar", "sequence"]
Theme = Literal["light", "dark"]
LANES: tuple[Lanes, ...] = ("category", "actor", "place")
MODES: tuple[Mode, ...] = ("calendar", "sequence")
THEMES: tuple[Theme, ...] = ("light", "dark")
Reads = Literal["value", "names", "dicts"]
Control = Literal["dropdown"]


@dataclass(frozen=True)
class Facet:
    """One filter, declared once: the URL, the View, ``apply``, the menus, the page's controls, ``describe`` and the
    export command's options are all derived from ``FACETS``."""

    key: str  # the URL key, the View's field, the control's and the menu's name
    column: str  # the events-table column it reads (a name of dashboard.table.C: view may not import the table)
    reads: Reads  # how a cell holds names: "value" one name, "names" a list of names, "dicts" a list of dicts
    label: str  # the control's label on the page
    help: str  # the export command's help for its flag
    by: tuple[str, ...] = ()  # for "dicts": the keys tried in turn, the first non-empty one naming the item
    control: Control = "dropdown"
    flag: str = ""  # the export command's option ('--KEY' when not given)
    settings_keys: bool = False  # names are the collection's category keys: menus list them in the settings' order
    order: tuple[str, ...] = ()  # the names a menu lists, in this order (a fixed set, such as the statuses)

    def __post_init__(self) -> None:
        if not self.flag:
            object.__setattr__(self, "flag", f"--{self.key}")

    def names(self, cell: Any) -> list[str]:
        """The names one cell of the column holds (an event matches when any of them is chosen)."""
        if self.reads == "value":
            return [cell] if isinstance(cell, str) and cell else []
        if self.reads == "names":
            return [name for name in cell if name]
        return [name for item in cell if (name := self._named(item))]

    def _named(self, item: dict[str, Any]) -> str | None:
        """The name of one dict: the first of its ``by`` keys that is set."""
        for key in self.by:
            if name := item.get(key):
                return str(name)
        return None

    def distinct(self, column: pd.Series) -> list[str]:
        """Every name the column holds, once, sorted without regard to case (a filter menu's choices)."""
        found: set[Any] = set()
        if self.reads == "value":  # one name a row: pandas finds them without a loop in Python
            found.update(column.unique())
        elif self.reads == "names":
            for cell in column:
                found.update(cell)
        else:
            for cell in column:
                found.update(map(self._named, cell))
        return sorted((name for name in found if isinstance(name, str) and name), key=str.casefold)

    def matches(self, column: pd.Series, chosen: Iterable[str]) -> pd.Series:
        """Rows where any of the cell's names is chosen (a loop per row: kept to the plainest test per kind, as a
        million rows each cost a call)."""
        wanted = set(chosen) - {""}
        if self.reads == "value":
            return column.isin(wanted)
        if self.reads == "names":
            return column.map(lambda cell: not wanted.isdisjoint(cell))
        if len(self.by) == 1:
            key = self.by[0]
            return column.map(lambda cell: any(item.get(key) in wanted for item in cell))
        return column.map(lambda cell: any(self._named(item) in wanted for item in cell))


FACETS: tuple[Facet, ...] = (
    Facet("category", "category", "value", "Category", "Only this category (repeat for several).", settings_keys=True),
    Facet("actor", "actors", "names", "Actor", "Only events with this actor (repeat for several)."),
    Facet("place", "places", "dicts", "Place", "Only events at this place (repeat for several).", by=("name",)),
    Facet("tag", "tags", "names", "Tag", "Only events with this tag (repeat for several)."),
    Facet(
        "status",
        "status",
        "value",
        "Status",
        "Only events of this status: confirmed, reported, claimed, disputed, denied, expected or draft "
        "(repeat for several).",
        order=tuple(status.value for status in Status),
    ),
    Facet(
        "source",
        "sources",
        "dicts",
        "Source",
        "Only events reported by this publisher, or by a source of this title when it names none (repeat for several).",
        by=("publisher", "title"),
    ),
)
FILTERS = tuple(facet.key for facet in FACETS)
# A view's days are kept within the years events may have (dashboard.dates): well inside what pandas holds in
# nanoseconds, so a range padded by the figures or zoomed far out never overflows.
MIN_DAY = EARLIEST.date()
MAX_DAY = (LATEST - dt.timedelta(days=1)).date()
# A search is a literal substring test per word over every event's text: its cost grows with both.
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 20
MAX_CORROBORATED = 999  # "corroborated by at least N publishers": more than any event has in practice


def clamp_day(day: dt.date | None, name: str) -> tuple[dt.date | None, str | None]:
    """A day (or a moment: a datetime) moved inside MIN_DAY .. MAX_DAY, and a warning naming ``name`` when it had
    to move. A moment keeps its time of day, to the minute."""
    if day is None:
        return None, None
    if isinstance(day, dt.datetime):  # a datetime is a date, but cannot be compared with one
        moment = day.replace(tzinfo=None, second=0, microsecond=0)
        if MIN_DAY <= moment.date() <= MAX_DAY:
            return moment, None
        day = moment.date()
    inside = min(max(day, MIN_DAY), MAX_DAY)
    if inside == day:
        return day, None
    side = "before the first" if day < MIN_DAY else "after the last"
    return inside, (
        f"'{name}' {day.isoformat()} is {side} day the timeline can show "
        f"({MIN_DAY.isoformat()} to {MAX_DAY.isoformat()}); clamped to {inside.isoformat()}"
    )


def as_whole_days(start: dt.date | None, end: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    """A range's bounds in their plainest form: a moment at midnight is that day (for ``end``, the exclusive end
    at a midnight is the day before, its inclusive last day), so a range of whole days reads as dates."""
    if isinstance(start, dt.datetime) and start.time() == dt.time():
        start = start.date()
    if isinstance(end, dt.datetime) and end.time() == dt.time():
        day = end.date() - dt.timedelta(days=1)
        first = start.date() if isinstance(start, dt.datetime) else start
        if first is None or day >= first:
            end = day
    return start, end


def moment_text(value: dt.date) -> str:
    """A bound as the URL writes it: '2022-02-14', or '2022-02-14T06:30' for a moment."""
    return value.isoformat(timespec="minutes") if isinstance(value, dt.datetime) else value.isoformat()


def limit_search(q: str) -> tuple[str, str | None]:
    """A search cut to MAX_QUERY_WORDS words and MAX_QUERY_CHARS characters, and a warning when it was cut."""
    head = q[: MAX_QUERY_CHARS + 1]  # never split a megabyte of text: only the head can be kept
    words = head.split()
    if len(q) <= MAX_QUERY_CHARS and len(words) <= MAX_QUERY_WORDS:
        return q, None
    if len(q) > MAX_QUERY_CHARS and not head[-1].isspace() and len(words) > 1:
        words = words[:-1]  # the last word was cut in the middle
    kept = " ".join(words[:MAX_QUERY_WORDS])[:MAX_QUERY_CHARS]
    return kept, (
        f"the search was cut to “{kept}”: a search may have up to {MAX_QUERY_WORDS} words and "
        f"{MAX_QUERY_CHARS} characters"
    )


def _at_least(value: object) -> tuple[int, str | None]:
    """A 'corroborated by at least N' threshold as a whole number in 0 .. MAX_CORROBORATED, and a warning when it
    was not one (a link may hold anything)."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch("[0-9]{1,30}", value.strip()):  # not '²', which isdigit() takes
        number = int(value.strip())
    if number is None or number < 0:
        return 0, f"'corroborated={str(value)[:20]}' is not a number of publishers; ignored"
    if number > MAX_CORROBORATED:
        said = str(value).strip()[:20]
        return MAX_CORROBORATED, f"'corroborated={said}' is more than {MAX_CORROBORATED}; read as {MAX_CORROBORATED}"
    return number, None


def _names(chosen: object) -> tuple[str, ...]:
    """Chosen names as a tuple of distinct texts, however they were given (one name, a list), so that a view stays
    hashable and a filter never iterates the letters of a name."""
    if isinstance(chosen, str):
        chosen = (chosen,)
    if not isinstance(chosen, tuple | list | set | frozenset):
        return ()
    return tuple(dict.fromkeys(str(name) for name in chosen))


def _facet_fields(cls: type) -> type:
    """Give the class one field per facet, after ``end``: a tuple of chosen names (empty: no filter)."""
    annotations = dict(cls.__dict__.get("__annotations__", {}))
    at = list(annotations).index("end") + 1
    items = list(annotations.items())
    cls.__annotations__ = dict(items[:at] + [(facet.key, "tuple[str, ...]") for facet in FACETS] + items[at:])
    for facet in FACETS:
        setattr(cls, facet.key, ())
    return cls


@dataclass(frozen=True)
@_facet_fields
class View:
    """What is shown: a date range, filters (one field per facet: ``View(category=("military",))``), the lane
    grouping, the layout mode, the selected event, the zone times are shown in."""

    # A bound is a day (``dt.date``) or, after an exact zoom, a moment to the minute (``dt.datetime``, on the clock
    # of the zone ``tz``, as the axis shows it): ``start`` a day means from its midnight; ``end`` a day is the
    # inclusive last day, a moment the instant the range stops at. ``bounds()`` is the one reading of both.
    start: dt.date | None = None
    end: dt.date | None = None
    q: str = ""
    corroborated: int = 0  # only events reported by at least this many independent publishers (0: any)
    lag: bool = False  # draw each event's reporting lag: a thin line from the event to its first report
    lanes: Lanes = "category"
    mode: Mode = "calendar"
    selected: str | None = None
    theme: Theme = "light"
    # The zone times of day are shown in (dashboard.zones): 'utc', 'own' (each event's own) or an IANA name. The
    # events are moved into it before ``apply``, so the range's days and the list's are that zone's days.
    tz: str = UTC
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        """Keep every view drawable, however it was made (a link, the controls, a zoom, the command line): dates
        inside MIN_DAY .. MAX_DAY, the search within its limits, known lanes, mode and theme; say what changed."""
        notes = list(self.warnings)

        def fix(name: str, value: object, note: str | None) -> None:
            object.__setattr__(self, name, value)  # frozen: this is still the constructor
            if note:
                notes.append(note)

        for name, key in (("start", "from"), ("end", "to")):
            fix(name, *clamp_day(getattr(self, name), key))
        start, end = as_whole_days(self.start, self.end)
        if isinstance(start, dt.datetime) and isinstance(end, dt.datetime) and end == start:
            end = start + dt.timedelta(minutes=1)  # a range of no length: the minute it names, as a zoom reads it
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        for facet in FACETS:
            names = _names(getattr(self, facet.key))
            if facet.order:  # a fixed set of names, read in any case ('Confirmed' is confirmed)
                known = {name.casefold(): name for name in facet.order}
                names = tuple(dict.fromkeys(known.get(name.strip().casefold(), name) for name in names))
            fix(facet.key, names, None)
        fix("q", *limit_search(self.q if isinstance(self.q, str) else ""))
        fix("corroborated", *_at_least(self.corroborated))
        fix("lag", self.lag is True, None)
        fix("tz", *read_zone(self.tz))
        if self.selected is not None and not isinstance(self.selected, str):  # an id is text
            fix("selected", None, None)
        for name, allowed in (("lanes", LANES), ("mode", MODES), ("theme", THEMES)):
            value = getattr(self, name)
            if value not in allowed:
                fix(name, allowed[0], f"'{name}={value}' is not one of {', '.join(allowed)}; ignored")
        object.__setattr__(self, "warnings", tuple(dict.fromkeys(notes)))

    def with_(self, **changes: object) -> View:
        """A copy with some fields changed; its warnings are only those the changes bring."""
        return replace(self, **{"warnings": (), **changes})  # type: ignore[arg-type]  # fields checked on creation

    def bounds(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The range as instants: where it begins, and where it stops (exclusive: the midnight after the last
        day). The one reading of ``start``/``end`` that filtering, the figures' axes and captions share."""
        first = pd.Timestamp(self.start) if self.start else None
        if isinstance(self.end, dt.datetime):
            after: pd.Timestamp | None = pd.Timestamp(self.end)
        else:
            after = pd.Timestamp(self.end) + pd.Timedelta(days=1) if self.end else None
        return first, after

    @property
    def filtered(self) -> bool:
        """True when any filter narrows the events (the range does not count)."""
        return bool(self.q) or self.corroborated > 0 or any(self.chosen(facet) for facet in FACETS)

    def chosen(self, facet: Facet) -> tuple[str, ...]:
        """The names chosen for a facet (empty: that facet does not filter)."""
        chosen: tuple[str, ...] = getattr(self, facet.key)
        return chosen

    def to_query(self) -> str:
        """The view as a URL query string ('' for the default view), stable and readable."""
        # The range first, its colons left as they are (a query may hold them): '?from=2022-02-14T06:30'.
        dates = [(key, moment_text(value)) for key, value in (("from", self.start), ("to", self.end)) if value]
        pairs: list[tuple[str, str]] = []
        for facet in FACETS:
            pairs.extend((facet.key, value) for value in self.chosen(facet))
        if self.q:
            pairs.append(("q", self.q))
        if self.corroborated:
            pairs.append(("corroborated", str(self.corroborated)))
        if self.lag:
            pairs.append(("lag", "1"))
        if self.lanes != "category":
            pairs.append(("lanes", self.lanes))
        if self.mode != "calendar":
            pairs.append(("mode", self.mode))
        if self.theme != "light":
            pairs.append(("theme", self.theme))
        if self.tz != UTC:
            pairs.append(("tz", self.tz))
        if self.selected:
            pairs.append(("event", self.selected))
        text = "&".join(part for part in (urlencode(dates, safe=":"), urlencode(pairs)) if part)
        return "?" + text if text else ""

    @classmethod
    def from_query(cls, text: str | None) -> View:
        """Read a query string or a whole URL; unknown or bad values are dropped and named in ``warnings``."""
        text = text if isinstance(text, str) else ""  # the address bar's search is text, or nothing
        if "://" in text or text.startswith("/"):
            text = urlsplit(text).query
        params = parse_qs(text.lstrip("?"), keep_blank_values=False)
        warnings: list[str] = []

        def one(name: str) -> str | None:
            values = params.get(name)
            return values[-1].strip() if values else None

        def day(name: str) -> dt.date | None:
            value = one(name)
            if not value:
                return None
            try:
                if len(value) > 10:  # a moment, as an exact zoom writes it: 2022-02-14T06:30
                    return dt.datetime.fromisoformat(value).replace(tzinfo=None)
                return dt.date.fromisoformat(value)
            except ValueError:
                warnings.append(f"'{name}={value}' is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM); ignored")
                return None

        def choice(name: str, allowed: tuple[str, ...], default: str) -> str:
            value = one(name)
            if value is None:
                return default
            if value not in allowed:
                warnings.append(f"'{name}={value}' is not one of {', '.join(allowed)}; ignored")
                return default
            return value

        start, end = day("from"), day("to")
        first, after = View(start=start, end=end).bounds()
        if first is not None and after is not None and after <= first:
            warnings.append("'to' is before 'from'; swapped")
            start, end = end, start
        return cls(
            start=start,
            end=end,
            **{facet.key: tuple(dict.fromkeys(params.get(facet.key, []))) for facet in FACETS},
            q=one("q") or "",
            corroborated=one("corroborated") or 0,  # type: ignore[arg-type]  # read and checked by the View
            lag=one("lag") in ("1", "true", "yes", "on"),
            lanes=choice("lanes", LANES, "category"),  # type: ignore[arg-type]
            mode=choice("mode", MODES, "calendar"),  # type: ignore[arg-type]
            theme=choice("theme", THEMES, "light"),  # type: ignore[arg-type]
            tz=one("tz") or UTC,
            selected=one("event"),
            warnings=tuple(warnings),
        )


SEARCH_CHUNK = 100_000  # rows of text casefolded at once by the search

# The text of a cell of each searched column of lists, as the search reads it (each list looked into once).
_LIST_TEXTS: dict[str, Any] = {
    "quotes": lambda quotes: "\n".join(f"{x['text']} {x.get('speaker') or ''}" for x in quotes),
    "actors": "\n".join,
    "places": lambda places: "\n".join(p["name"] for p in places),
    "tags": "\n".join,
}
SEARCHED = ("title", "summary", *_LIST_TEXTS)  # the columns a search looks into


def _list_texts(events: pd.DataFrame, name: str) -> tuple[np.ndarray, pd.Series]:
    """Each row's number among a searched column's distinct lists, and those lists' texts, casefolded."""
    codes, cells = shared_lists(events[name])
    return codes, pd.Series([_LIST_TEXTS[name](cell) for cell in cells], dtype=object).str.casefold()


def search_texts(events: pd.DataFrame) -> Iterator[tuple[str, np.ndarray]]:
    """Each searched column's text of every row, casefolded, as the search reads it: what a stored copy of the
    table keeps to search without casefolding again (``dashboard.duck``)."""
    for name in SEARCHED:
        if name in _LIST_TEXTS:
            codes, texts = _list_texts(events, name)
            yield name, texts.to_numpy(dtype=object)[codes]
        else:
            yield name, events[name].str.casefold().to_numpy(dtype=object)


def search_mask(events: pd.DataFrame, q: str) -> pd.Series:
    """Rows whose title, summary, quotes, actors, places or tags contain every word of ``q`` (case-blind), each
    word anywhere among them. Column by column, and each list shared by many rows once: joining every row's texts
    into one would hold a second copy of them all (gigabytes at a million events)."""
    words = q.casefold().split()
    mask = np.ones(len(events), dtype=bool)
    if not words:
        return pd.Series(mask, index=events.index)
    found = [np.zeros(len(events), dtype=bool) for _ in words]
    for name in ("title", "summary"):
        for start in range(0, len(events), SEARCH_CHUNK):  # a casefolded copy of a part of the column at a time
            part = events[name].iloc[start : start + SEARCH_CHUNK].str.casefold()
            for index, word in enumerate(words):
                found[index][start : start + len(part)] |= part.str.contains(word, regex=False).to_numpy(dtype=bool)
    for name in _LIST_TEXTS:
        codes, cell_texts = _list_texts(events, name)
        for index, word in enumerate(words):
            found[index] |= cell_texts.str.contains(word, regex=False).to_numpy(dtype=bool)[codes]
    for hits in found:  # a word never spans two texts: words hold no white space, and the texts are apart
        mask &= hits
    return pd.Series(mask, index=events.index)


def apply(events: pd.DataFrame, view: View) -> pd.DataFrame:
    """The events the view shows: filters combine (AND across kinds, OR within one kind); time order kept."""
    if not (view.start or view.end or view.filtered):
        return events
    mask = pd.Series(True, index=events.index)
    first, after = view.bounds()
    # An event is in the range when the range overlaps what its date allows (``earliest`` to ``latest``: a loose
    # end reaches a unit further, an open end without limit, NaT).
    if first is not None:
        # Day, month and year spans end at the next midnight (exclusive); a timed event ends at the moment written
        # (a moment's end is its start), so one that ends at this midnight is on this day too.
        latest = events["latest"]
        mask &= (latest > first) | ((latest == first) & (events["precision"] == "minute")) | latest.isna()
    if after is not None:
        mask &= (events["earliest"] < after) | events["earliest"].isna()
    for facet in FACETS:
        if view.chosen(facet):
            mask &= facet.matches(events[facet.column], view.chosen(facet))
    if view.corroborated:
        mask &= events["corroboration"] >= view.corroborated
    if view.q:
        mask &= search_mask(events, view.q)
    return events[mask]


def range_text(view: View) -> str:
    """A view's range in words: '14 Feb 2022 – 16 Feb 2022', or with the minutes of an exact zoom
    ('14 Feb 2022, 06:30 – 16 Feb 2022, 18:00')."""
    first, after = view.bounds()
    exact = isinstance(view.start, dt.datetime) or isinstance(view.end, dt.datetime)

    def said(moment: pd.Timestamp | None) -> str:
        if moment is None:
            return "…"
        return f"{moment:%-d %b %Y, %H:%M}" if exact else f"{moment:%-d %b %Y}"

    last = after if exact or after is None else after - pd.Timedelta(days=1)
    if exact and first is not None and last is not None and first.date() == last.date():
        return f"{said(first)}–{last:%H:%M}"
    start, end = said(first), said(last)
    return start if start == end else f"{start} – {end}"


def describe(view: View, settings_title: str = "") -> str:
    """The view in words, for a picture's subtitle: range and filters."""
    parts = []
    if view.start or view.end:
        parts.append(range_text(view))
    for facet in FACETS:
        if values := view.chosen(facet):  # names may be long: a subtitle shows the start of each
            parts.append(f"{facet.key}: {', '.join(v if len(v) <= 40 else v[:39].rstrip() + '…' for v in values)}")
    if view.q:
        parts.append(f'search: "{view.q}"')
    if view.corroborated:
        parts.append(f"corroborated by at least {view.corroborated} publishers")
    if view.mode == "sequence":
        parts.append("in sequence")
    return " · ".join(parts)
