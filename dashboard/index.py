"""Look-ups over a loaded events table that must stay fast at a million rows: an event by id, and the
events that link to one. Built once per collection (by its fingerprint) and kept for the last few collections."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import pandas as pd

from dashboard import crowd
from dashboard.cells import shared_lists
from dashboard.crowd import Crowd, Events
from dashboard.model import Status
from dashboard.table import COLUMNS, C, Collection, unique_fingerprint
from dashboard.view import FACETS, Facet, View, apply
from dashboard.zones import EDTF, TIME_COLUMNS, UTC, moved

T = TypeVar("T")
Choices = dict[str, list[str]]  # each facet's distinct names, by its key
# Collections whose look-ups are kept at once: a server needs the current one and, while requests begun before an
# edit finish, the last. Each may hold a table's worth of memory, so keep few.
MAX_TABLES = 3
ROWS_KEPT = 2_000  # events of a collection in a file whose rows (and links to them) a process keeps, as cards read them
MOVED = {*TIME_COLUMNS, C.when, EDTF}  # the columns ``zones.moved`` writes anew in another display zone
PAGES_KEPT = 4  # pages of a big view's events from a file whose rows a process keeps whole (``EventIndex.complete``)
OPTION_CHARS = 48  # a name's label in a filter menu, and the longest name the menu sends as it is


def option_value(name: str) -> str:
    """What a filter menu sends for a name: the name, or for a long one a short key (its start and a digest).

    The menu's search indexes every substring of every option's value and label: a value of thousands of characters
    freezes the page. ``EventIndex.option_names`` turns keys back into names.
    """
    if len(name) <= OPTION_CHARS:
        return name
    digest = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()
    return f"{name[: OPTION_CHARS - 16].rstrip()}… #{digest}"


def _cells(column: pd.Series) -> pd.Series:
    """A column's cells with each list shared by several rows once (``shared_lists``): a million rows hold a few
    thousand lists to look into."""
    if column.dtype != object:
        return column
    return pd.Series(shared_lists(column)[1], dtype=object)


def _distinct(facet: Facet, column: pd.Series) -> list[str]:
    """A facet's choices (``Facet.distinct``); the names of a column of dicts by one comprehension, not a call per
    dict, as a million rows may each hold a source of their own."""
    cells = _cells(column)
    if facet.reads != "dicts" or len(facet.by) > 2:
        return facet.distinct(cells)
    first, second = facet.by[0], facet.by[-1]
    found = {item.get(first) or item.get(second) for cell in cells for item in cell}  # as Facet.named: the first set
    return sorted({str(name) for name in found if name}, key=str.casefold)


def choices_of(events: pd.DataFrame) -> Choices:
    """Each facet's distinct names (by its key), sorted without regard to case, for the filter menus."""
    return {facet.key: _distinct(facet, events[facet.column]) for facet in FACETS}


def know_choices(collection: Collection, choices: Any) -> None:
    """The filter menus' choices of a collection, worked out before (the store keeps them with a big table's
    events, as finding them takes a second at a million rows); anything but choices for every facet is ignored."""
    if not isinstance(choices, dict) or set(choices) != {facet.key for facet in FACETS}:
        return
    if all(isinstance(names, list) and all(isinstance(name, str) for name in names) for names in choices.values()):
        index_for(collection).memo.setdefault("choices", choices)


class EventIndex:
    """Find events by id and follow links both ways without scanning the table.

    What it works out is kept in ``memo``, which ``index_for`` shares between every index of the same collection.
    """

    def __init__(self, events: pd.DataFrame, memo: dict[str, Any] | None = None, engine: Any = None) -> None:
        self.events = events
        self.memo: dict[str, Any] = {} if memo is None else memo
        self.engine = engine  # a collection in a DuckDB file (``dashboard.duck.Engine``) answers by SQL

    def _once(self, name: str, build: Callable[[], T]) -> T:
        try:
            known: T = self.memo[name]
            return known
        except KeyError:
            value = self.memo[name] = build()  # two threads may both build it: the same value, no harm
            return value

    def keep(self, name: str, values: dict[Any, Any], most: int) -> None:
        """Keep these values by key under ``name`` in ``memo``, as ``kept`` keeps what it builds."""
        found: OrderedDict[Any, Any] = self._once(name, OrderedDict)
        with _lock:
            found.update(values)
            for key in values:
                found.move_to_end(key)
            _trim(found, most)

    def kept(self, name: str, key: Any, most: int, build: Callable[[], T]) -> T:
        """``build()``'s value for ``key``, kept among the ``most`` last used under ``name`` in ``memo``; or the
        value a reading thread is working out for it (``soon``), once it is ready, unless that failed."""
        found: OrderedDict[Any, T | Future[T]] = self._once(name, OrderedDict)
        with _lock:
            known = found.get(key, _MISSING)
            if known is not _MISSING:
                found.move_to_end(key)
        if isinstance(known, Future):
            try:
                ready: T = known.result()
                return ready
            except Exception:  # worked out here instead: a failure is this request's, and one of its own
                with _lock:
                    if found.get(key) is known:
                        del found[key]
        elif known is not _MISSING:
            return known  # type: ignore[return-value]
        value = build()  # outside the lock: a query may take a while, and two threads may both build it
        with _lock:
            found[key] = value
            _trim(found, most)
        return value

    def soon(self, name: str, key: Any, most: int, build: Callable[[], T]) -> None:
        """Start ``build()`` on a reading thread, its value kept as ``kept`` keeps one: a query of the file runs
        while the request draws, and ``kept`` waits for it when the request gets there."""
        found: OrderedDict[Any, T | Future[T]] = self._once(name, OrderedDict)
        pool = _reading()
        with _lock:
            if key in found:
                return
            found[key] = pool.submit(build)
            _trim(found, most)

    def ahead(
        self, view: View, visible: Events, first: int, size: int, page_columns: Sequence[str], maps: bool
    ) -> None:
        """Start reading, from a file, what a view's request will ask for after its events (``soon``): the
        ``page_columns`` of the list's page of them (``size`` from the ``first``), and when the map is drawn
        (``maps``) and sums its places, the sums; of a crowd, its groups and busiest day too. Each is a query of a
        few milliseconds that would otherwise wait for the figures to be drawn."""
        sums_read = self._sums_read(view, visible) if maps else None
        if sums_read is not None:
            self.soon("place_counts", sums_read[0], COUNTS_KEPT, sums_read[1])
        if isinstance(visible, Crowd):
            crowd = visible
            crowd.soon(
                _reading(), crowd.groups, lambda: crowd.busiest(True), lambda: crowd.page(first, size, page_columns)
            )
            return
        page_read = self._page_read(visible.iloc[first : first + size], page_columns) if size else None
        if page_read is not None:
            self.soon("pages", page_read[0], PAGES_KEPT, page_read[1])

    def _page_read(self, rows: pd.DataFrame, columns: Sequence[str]) -> tuple[Any, Callable[[], pd.DataFrame]] | None:
        """What ``complete`` keeps ``rows`` with ``columns`` under, and the read of them from the file (None:
        nothing to read)."""
        missing = tuple(name for name in columns if name not in rows.columns)
        if self.engine is None or not missing:
            return None
        return (tuple(rows.index), missing), lambda: self._complete(rows, missing)

    def _sums_read(self, view: View, visible: Events) -> tuple[str, Callable[[], pd.DataFrame]] | None:
        """What a view's sums per place from a file are kept under, and their query, when the map sums the view's
        ``visible`` events by SQL (in UTC: another zone's range is the events' own); else None."""
        from dashboard.figure import MAP_DETAIL_LIMIT

        engine = self.engine
        if engine is None or len(visible) <= MAP_DETAIL_LIMIT or engine.tz != UTC:
            return None
        selection = visible.selection if isinstance(visible, Crowd) else view
        return view_key(view), lambda: engine.place_counts(selection)

    @property
    def _positions(self) -> pd.Index:
        return self._once("positions", lambda: pd.Index(self.events[C.id]))

    @property
    def _incoming(self) -> dict[str, list[tuple[str, str]]]:
        return self._once("incoming", self._build_incoming)

    def _build_incoming(self) -> dict[str, list[tuple[str, str]]]:
        incoming: dict[str, list[tuple[str, str]]] = {}
        linked = self.events[self.events[C.links].map(len) > 0]
        for source, links in zip(linked[C.id], linked[C.links], strict=True):
            for link in links:
                incoming.setdefault(link["to"], []).append((source, link["relation"]))
        return incoming

    @property
    def choices(self) -> Choices:
        """Each facet's distinct names (by its key), sorted without regard to case, for the filter menus."""
        return self._once("choices", lambda: self.engine.choices() if self.engine else choices_of(self.events))

    @property
    def option_names(self) -> dict[str, str]:
        """The name behind each filter-menu key of a long name (of any facet)."""

        def build() -> dict[str, str]:
            names = [n for ns in self.choices.values() for n in ns]
            return {option_value(n): n for n in names if len(n) > OPTION_CHARS}

        return self._once("option_names", build)

    @property
    def places(self) -> pd.DataFrame:
        """Every (event, place with coordinates) pair, for the map (``places_table``: row labels and places)."""
        from dashboard.figure import places_table

        return self._once("places", lambda: places_table(self.events))

    def map_places(self, view: View, visible: Events) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """What the map of a view's ``visible`` events reads (``map_figure``): pairs of the places table, the
        whole collection's or, from a file, those of the view's events; and, for a view the map sums from a file
        (in UTC: another zone's range is the events' own), the sums worked out by SQL, with the pairs of the
        selected event alone."""
        from dashboard.figure import MAP_DETAIL_LIMIT

        if self.engine is None:
            assert isinstance(visible, pd.DataFrame)  # a crowd is a file's
            return self.places, None
        if isinstance(visible, pd.DataFrame) and len(visible) <= MAP_DETAIL_LIMIT:
            return self._places_at(visible.index), None
        sums_read = self._sums_read(view, visible)
        if sums_read is None:
            return self.engine.places(view), None
        if isinstance(visible, Crowd):
            found = visible.position(view.selected) if view.selected else None
            selected = [] if found is None else [found[1]]
        else:
            selected = list(visible.index[visible[C.id] == view.selected] if view.selected else visible.index[:0])
        counts = self.kept("place_counts", sums_read[0], COUNTS_KEPT, sums_read[1])
        return self.engine.places_at(selected), counts

    def _places_at(self, rows: pd.Index) -> pd.DataFrame:
        """The places table's pairs of the events at these rows, from the file; or, when they are all among the
        events of the last pairs read (a zoom in, a selection), from those."""
        last: tuple[pd.Index, pd.DataFrame] | None = self.memo.get("last places")
        if last is not None and rows.isin(last[0]).all():
            return last[1][last[1]["row"].isin(rows).to_numpy()].reset_index(drop=True)
        found: pd.DataFrame = self.engine.places_at(list(rows))
        self.memo["last places"] = (rows, found)
        return found

    def row(self, event_id: str | None) -> dict[str, Any] | None:
        """The event with this id as a dict, or None."""
        if not event_id:
            return None
        if self.engine is not None:
            engine = self.engine
            found: dict[str, Any] | None = self.kept("rows", event_id, ROWS_KEPT, lambda: engine.row(event_id))
            return found
        try:
            position = self._positions.get_loc(event_id)
        except KeyError:
            return None
        if not isinstance(position, int):  # duplicate ids cannot be loaded, but be safe
            return None
        row = {str(k): v for k, v in self.events.iloc[position].to_dict().items()}
        return row

    def know(self, ids: Sequence[str]) -> None:
        """Read from a file, and keep, the rows of these events, the links to them and the rows of the events they
        link to or from (what their cards show, ``row`` and ``incoming``): three queries, not two a card."""
        engine = self.engine
        if engine is None:
            return
        rows: OrderedDict[Any, Any] = self._once("rows", OrderedDict)
        asked = [event_id for event_id in dict.fromkeys(ids) if event_id not in rows]
        found = engine.rows_of(asked)
        self.keep("rows", {event_id: found.get(event_id) for event_id in asked}, ROWS_KEPT)
        linking: OrderedDict[Any, Any] = self._once("incoming_of", OrderedDict)
        self.keep("incoming_of", engine.incoming_of([i for i in ids if i not in linking]), ROWS_KEPT)
        others = [link["to"] for row in found.values() for link in row[C.links]]
        others += [source for event_id in ids for source, _ in self.incoming(event_id)]
        others = [event_id for event_id in dict.fromkeys(others) if event_id not in rows]
        found = engine.rows_of(others)
        self.keep("rows", {event_id: found.get(event_id) for event_id in others}, ROWS_KEPT)

    def incoming(self, event_id: str) -> list[tuple[str, str]]:
        """(source id, relation) of every event that links to this one."""
        if self.engine is not None:
            engine = self.engine
            links: list[tuple[str, str]] = self.kept(
                "incoming_of", event_id, ROWS_KEPT, lambda: engine.incoming(event_id)
            )
            return links
        return self._incoming.get(event_id, [])

    def complete(self, rows: pd.DataFrame, columns: Sequence[str] = COLUMNS) -> pd.DataFrame:
        """Rows of a view with ``columns`` too (a big view's rows from a file hold only ``narrow`` ones), the
        others read from the file by position: the last few such pages are kept."""
        page_read = self._page_read(rows, columns)
        return rows if page_read is None else self.kept("pages", page_read[0], PAGES_KEPT, page_read[1])

    def _complete(self, rows: pd.DataFrame, missing: tuple[str, ...]) -> pd.DataFrame:
        engine = self.engine
        if engine.tz == UTC or not MOVED.intersection(missing):  # as stored: no column to move into the zone
            found: pd.DataFrame = engine.rows(at=list(rows.index), columns=missing)
            out = rows.assign(**{name: found[name].reindex(rows.index) for name in missing})
            return out[[name for name in COLUMNS if name in out.columns]]  # in the table's order of columns
        full: pd.DataFrame = moved(engine.rows(at=list(rows.index)), engine.tz)
        return full.loc[rows.index]


_MISSING = object()


def _trim(found: OrderedDict[Any, Any], most: int) -> None:
    """Let the least recently used values go, past ``most`` (under ``_lock``)."""
    while len(found) > most:
        found.popitem(last=False)


_pools: dict[int, ThreadPoolExecutor] = {}


def _reading() -> ThreadPoolExecutor:
    """The threads that read from a file ahead of a request (``EventIndex.soon``): the process's own, as a process
    forked from this one (gunicorn --preload) has none of its parent's threads."""
    with _lock:
        pool = _pools.get(os.getpid())
        if pool is None:
            _pools.clear()
            pool = _pools[os.getpid()] = ThreadPoolExecutor(2, thread_name_prefix="reading")
        return pool


# Per collection fingerprint: the look-ups worked out for it, the least recently used going first. Keyed by what the
# table was built from, not by the table object, so a reload that builds the same table again shares them, and
# bounded by count, so the tables they hold (and refer to) go a few edits later.
_indexes: OrderedDict[str, dict[str, Any]] = OrderedDict()
_lock = threading.Lock()


def index_for(collection: Collection) -> EventIndex:
    """The index of a collection's table, its look-ups worked out on first use and shared by every collection with
    the same fingerprint (the store gives one per folder and load signature)."""
    key = collection.fingerprint
    with _lock:
        memo = _indexes.get(key)
        if memo is None:
            memo = _indexes[key] = {}
            while len(_indexes) > MAX_TABLES:
                _indexes.popitem(last=False)
        else:
            _indexes.move_to_end(key)
    return EventIndex(collection.events, memo, collection.engine)


# The columns of a big view's events from a file (more than the timeline draws one by one): what the density, the
# map's sums, the captions, stepping and zooming read (their dates, category and status, and the id of the one
# selected), and the lists a lane of actors or of places is made of when those are the lanes. The texts only cards
# show, and what no big view reads, stay in the file; the list asks for its page's (``EventIndex.complete``), the
# map for the view's places (``EventIndex.map_places``) and, while it draws them one by one, their titles and dates.
NARROW = (C.id, C.start, C.end, C.precision, C.approximate, C.uncertain, C.earliest, C.latest, C.category, C.status)
LANE_LISTS = {"actor": C.actors, "place": C.places}


def narrow(view: View) -> list[str]:
    """The columns of a big view's events from a file: ``NARROW``, its lanes' lists, and in another display zone
    than UTC the event's zone and its date in words (which the zone's times are worked out from)."""
    wanted = {*NARROW, LANE_LISTS.get(view.lanes)} | ({C.zone, C.when} if view.tz != UTC else set())
    return [name for name in COLUMNS if name in wanted]


def wanted_columns(view: View, count: int) -> list[str]:
    """The columns of a view of ``count`` events from a file: every one when the timeline draws them one by one
    (``DETAIL_LIMIT``), else ``narrow`` ones, and while the map draws them one by one (``MAP_DETAIL_LIMIT``) what
    its points show (``EVENT_COLUMNS``)."""
    from dashboard.figure import DETAIL_LIMIT, MAP_DETAIL_LIMIT
    from dashboard.figure.map import EVENT_COLUMNS

    if count <= DETAIL_LIMIT:
        return list(COLUMNS)
    shown = {*narrow(view), *EVENT_COLUMNS.values()} if count <= MAP_DETAIL_LIMIT else set(narrow(view))
    return [name for name in COLUMNS if name in shown]


def view_key(view: View) -> str:
    """What a view's events and their sums depend on: not its selection, theme, layout or lags."""
    return view.with_(selected=None, theme="light", mode="calendar", lag=False).to_query() + f"|{view.lanes}"


COUNTS_KEPT = 8  # views whose sums per place from a file a process keeps (a few hundred rows each)
VIEWS_KEPT = 1  # views whose events from a file a process keeps: a click, a key or a pick asks for the same again


def visible_events(collection: Collection, view: View) -> Events:
    """The events the view shows (``view.apply``) of the collection as given (``in_zone`` first for the view's
    zone): from its table, or from its file by SQL, a big view's with the ``narrow`` columns only, and a crowd's
    (in UTC, in lanes of categories) not at all: a ``Crowd`` answers for them. The last few views' events from a
    file are kept (treat them as read-only): selecting an event shows the same events."""
    engine = collection.engine
    if engine is None:
        return apply(collection.events, view)

    index = index_for(collection)

    def read() -> Events:
        shown = _zoomed_in(index, view)
        if shown is None:
            crowded = engine.tz == UTC and view.lanes == "category"
            # A search looks into every text: its events found once, so that a crowd of them needs no second look.
            matched = engine.matched(view) if crowded and view.q else None
            count = engine.count(view) if matched is None else matched.count
            if crowded and count >= crowd.CROWD_FROM:
                return Crowd(engine, view, count, matched)  # not the last view: a zoom into it asks the file again
            shown = engine.visible(matched or view, wanted_columns(view, count))
        index.memo["last view"] = (view, shown)
        return shown

    return index.kept("visible", view_key(view), VIEWS_KEPT, read)


def _zoomed_in(index: EventIndex, view: View) -> pd.DataFrame | None:
    """A view's events from the last view's, when it is that view zoomed in (the same filters over a range within
    its range), or None. An event in the narrower range is in the wider one, so the range applied to the last
    view's events (as ``Engine.visible`` applies it, to the times as the zone shows them) gives them, in their
    order, without a query: a zoom then costs what it costs with the table in memory."""
    last: tuple[View, pd.DataFrame] | None = index.memo.get("last view")
    if last is None:
        return None
    before, events = last
    if view_key(view.with_(start=None, end=None)) != view_key(before.with_(start=None, end=None)):
        return None
    (first, after), (was_first, was_after) = view.bounds(), before.bounds()
    if (was_first is not None and (first is None or first < was_first)) or (
        was_after is not None and (after is None or after > was_after)
    ):
        return None
    shown = apply(events, View(start=view.start, end=view.end))  # categories the rows no longer hold kept, as pandas'
    # Fewer events than the last view: the columns they need may be more (``wanted_columns``).
    return index.complete(shown, wanted_columns(view, len(shown)))


ZONES_KEPT = 4  # display zones whose moved tables are kept per collection: each may copy the table's time columns
# The look-ups that follow the times (the rows' order, the map's places with their words), and the table without
# its drafts: a moved table's own.
MOVING = ("positions", "places", "zones", "reviewed")


def in_zone(collection: Collection, tz: str) -> Collection:
    """The collection as the display zone ``tz`` shows it (``zones.moved``): the collection itself when no time
    moves, else one with the moved table and a fingerprint of its own, so that its look-ups (an event by id, the
    map's places) are the moved table's; the others (menus, the folder) are shared. Kept with the collection's
    look-ups for a few zones, so only the first request of a zone pays."""
    if collection.engine is not None:  # the file's engine moves the rows it gives
        if tz == collection.engine.tz:
            return collection
        return dataclasses.replace(
            collection, engine=collection.engine.zoned(tz), fingerprint=f"{collection.fingerprint}|tz={tz}"
        )
    memo = index_for(collection).memo
    kept: OrderedDict[str, Collection] = memo.setdefault("zones", OrderedDict())
    with _lock:
        found = kept.get(tz)
        if found is not None:
            kept.move_to_end(tz)
            return found
    events = moved(collection.events, tz)
    shown = (
        collection
        if events is collection.events
        else dataclasses.replace(collection, events=events, fingerprint=f"{collection.fingerprint}|tz={tz}")
    )
    if shown is not collection:
        own = index_for(shown).memo
        for name, value in list(memo.items()):
            if name not in MOVING:
                own.setdefault(name, value)
    with _lock:
        kept[tz] = shown
        while len(kept) > ZONES_KEPT:
            kept.popitem(last=False)
    return shown


def reviewed(collection: Collection) -> Collection:
    """The collection without its drafts (``Status.DRAFT``, not yet reviewed by a person): what every export reads,
    data and pictures alike, unless drafts are asked for. The collection itself when it has none; else one with a
    fingerprint of its own, kept with the collection's look-ups, so that each state of the folder is filtered once."""
    memo = index_for(collection).memo
    found: Collection | None = memo.get("reviewed")
    if found is not None:
        return found
    drafts = (collection.events[C.status] == Status.DRAFT).to_numpy()
    shown = collection
    if drafts.any():
        shown = dataclasses.replace(
            collection, events=collection.events[~drafts], fingerprint=f"{collection.fingerprint}|reviewed"
        )
    memo["reviewed"] = shown
    return shown


def for_export(collection: Collection, view: View, stored: bool) -> tuple[Collection, View]:
    """What an export of a view reads: the collection as the view's zone shows it (for a picture, a chronology, the
    story page); or, for ``stored`` records that other programs read back (JSON, CSV, iCalendar), the events the
    view shows in its zone as they are stored (UTC, with their zone), and the view without the range they were
    picked by (its days are the zone's)."""
    shown = in_zone(collection, view.tz)
    if not stored or shown is collection:
        return shown, view
    picked = apply(shown.events, view).index
    events = collection.events
    picked_rows = events[events.index.isin(picked)]  # a table of its own: it shares no look-ups
    return dataclasses.replace(collection, events=picked_rows, fingerprint=unique_fingerprint()), view.with_(
        start=None, end=None
    )


def holding(collection: Collection, view: View) -> Collection:
    """The collection with a table that holds the view's events, for what reads a table (the downloads): itself,
    or for one in a file the events of the view's filters over a range two days wider, as stored (so that any
    display zone's range is within them)."""
    engine = collection.engine
    if engine is None:
        return collection
    rows = engine.zoned(UTC).frame(engine.wider(view.with_(selected=None)))
    return Collection(rows, collection.problems, collection.settings)
