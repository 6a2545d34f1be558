"""The events table in a DuckDB file: a view's events found by SQL, only the rows a request draws turned into Python.

A server process holding the table in pandas holds all of it (two gigabytes at a million events); one holding a
DuckDB file holds what it reads. ``write`` puts a loaded collection into a file (the table's declared columns, and
for the filters each facet's names and the searched texts casefolded, worked out once by the same code the pandas
path runs: ``Facet.names``, ``view.SEARCHED``); ``Engine`` opens it read-only and answers a view with SQL:
``count``, ``frame`` (the visible rows, the same as ``view.apply`` on the table, or a page of them, or some of their
columns), ``row`` and ``incoming`` (an event by id and the events that link to it), and the filter menus' choices.

A file is written whole under another name and then renamed over the old one: a reader that has it open goes on
reading the version it opened, and the next request opens the new one (``Engine.current``).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from dashboard import cache
from dashboard.cells import shared_lists
from dashboard.consistency import Checked, checked_from_json, checked_json
from dashboard.model import CollectionSettings
from dashboard.records import UnsafeTarget, write_atomic
from dashboard.table import (
    COLUMNS,
    DECLARED,
    FEW_VALUES,
    C,
    Collection,
    Effect,
    Problem,
    empty_events,
    held,
    problems_from,
    problems_json,
    settings_json,
    shown_as_it_was,
    typed,
)
from dashboard.view import FACETS, SEARCHED, Facet, View, apply, search_texts
from dashboard.zones import UTC, moved

log = logging.getLogger(__name__)

FORMAT = 2  # bump when the file's layout changes: an older file is written again
EVENTS = "events"
PLACES = "places"  # the places table of the map (``figure.places_table``): a row an event and place with coordinates
# Each distinct place (name and coordinates) numbered; an event's row holds its places' numbers and their positions
# in the places table (``PLACE_KEYS``, ``PLACE_AT``), so that the places of a view's events are found in one pass
# over the events that keeps nothing but a count a place, and not by a join that holds a row a pair in memory.
PLACE_NAMES = "place_names"
PLACE_KEYS, PLACE_AT = "_place_keys", "_place_at"
LINKS = "links"  # a row a link: its source's id and position, its target and relation
META = "meta"
ROW = "_row"  # the event's position in the table (its label in a pandas view of it)
TIMES = [column.name for column in DECLARED if column.kind == "time"]
NESTED = [column.name for column in DECLARED if column.kind == "nested"]
ZONE_MARGIN = dt.timedelta(days=2)  # more than any zone's offset from UTC
# How a server process reads a file: DuckDB keeps the file's blocks it has read in memory up to its limit (80 % of
# the machine's by default, in every worker); a view's query needs far less: every query streams over the events,
# keeping a count a group at most (at a million events each runs in 16 MB; 32 leaves room). Every connection of a
# process to a file must use the same settings.
READING: dict[str, str | bool | int | float | list[str]] = {"memory_limit": "32MB", "threads": 2}


def facet_column(facet: Facet) -> str:
    """The column of a facet's names (a list of text; for a facet of one value, the value's own column)."""
    return facet.column if facet.reads == "value" else f"_f_{facet.key}"


def search_column(name: str) -> str:
    """The column of a searched column's text, casefolded."""
    return f"_s_{name}"


# ---- writing --------------------------------------------------------------------------------------------------


def _json_cells(column: pd.Series) -> pa.Array:
    """A column of lists and dicts as JSON text, each distinct cell written once."""
    codes, cells = shared_lists(column)
    texts = np.array([cache.to_json(cell if cell is not None else []) for cell in cells], object)
    return pa.array(texts[codes] if len(codes) else [], pa.string())


def _names_cells(facet: Facet, column: pd.Series) -> pa.Array:
    """Each row's names of a facet (``Facet.names``), each distinct cell looked into once."""
    codes, cells = shared_lists(column)
    names = np.empty(len(cells), dtype=object)
    names[:] = [facet.names(cell) for cell in cells]
    return pa.array(names[codes] if len(codes) else [], pa.list_(pa.string()))


def file_table(events: pd.DataFrame) -> pa.Table:
    """The table as the file holds it: the declared columns, the row positions, the facets' names, the searched
    texts casefolded."""
    columns: dict[str, pa.Array] = {ROW: pa.array(np.arange(len(events), dtype=np.int64))}
    for column in DECLARED:
        values = events[column.name]
        if column.kind == "nested":
            columns[column.name] = _json_cells(values)
        elif column.kind == "time":
            columns[column.name] = pa.array(values.to_numpy().astype("datetime64[us]"), pa.timestamp("us"))
        elif column.kind in ("text", "zone"):
            columns[column.name] = pa.array(values.astype(object).where(values.notna(), None), pa.string())
        else:
            columns[column.name] = pa.array(values.to_numpy(), column.arrow if column.kind == "flag" else pa.int64())
    for facet in FACETS:
        if facet.reads != "value":
            columns[facet_column(facet)] = _names_cells(facet, events[facet.column])
    for name, texts in search_texts(events):
        columns[search_column(name)] = pa.array(texts, pa.string())
    return pa.table(columns)


def _with_places(events: pa.Table, places: pd.DataFrame) -> tuple[pa.Table, pd.DataFrame]:
    """The events with each one's places (``PLACE_KEYS``, ``PLACE_AT``), and the distinct places by number."""
    keys = places.groupby(["name", "lat", "lon"], dropna=False, sort=False).ngroup().to_numpy(dtype=np.int32)
    first = np.unique(keys, return_index=True)[1]
    names = places.iloc[first][["name", "lat", "lon"]].assign(key=keys[first])
    # The places table lists each event's places together, the events in order: cut into a list an event.
    counts = np.bincount(places["row"].to_numpy(dtype=np.int64), minlength=events.num_rows)
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    events = events.append_column(PLACE_KEYS, pa.ListArray.from_arrays(offsets, pa.array(keys, pa.int32())))
    at = places["place_at"].to_numpy(dtype=np.int64)
    return events.append_column(PLACE_AT, pa.ListArray.from_arrays(offsets, pa.array(at, pa.int64()))), names


def _links(events: pd.DataFrame) -> pa.Table:
    """Every link, a row each (its source's id and position, its target, its relation), in the table's order."""
    linked = events[C.links].to_numpy()
    found = [
        (position, source, link["to"], link["relation"])
        for position, (source, links) in enumerate(zip(events[C.id], linked, strict=True))
        for link in links
    ]
    schema = pa.schema(
        [("source_at", pa.int64()), ("source", pa.string()), ("target", pa.string()), ("relation", pa.string())]
    )
    return pa.Table.from_pylist([dict(zip(schema.names, item, strict=True)) for item in found], schema=schema)


def write(collection: Collection, path: Path, warnings: Checked | None = None, built: str = "") -> None:
    """Write a collection to a DuckDB file for ``path`` (``new_version``). ``warnings``: the collection's
    consistency warnings, which readers of the file cannot work out without the whole table; ``built``: what it was
    built from (``Folder``)."""
    from dashboard.figure import places_table

    with new_version(path) as connection:
        places = places_table(collection.events)
        places.insert(0, "place_at", np.arange(len(places)))  # the order: each event's places as it lists them
        incoming, names = _with_places(file_table(collection.events), places)
        connection.register("incoming", incoming)
        create_types(connection, "incoming")
        typed = typed_columns(incoming.column_names)
        connection.execute(f"CREATE TABLE {EVENTS} AS SELECT {typed} FROM incoming ORDER BY {ROW}")
        connection.unregister("incoming")
        connection.register("incoming", _links(collection.events))
        connection.execute(f"CREATE TABLE {LINKS} AS SELECT * FROM incoming")
        connection.unregister("incoming")
        for name, table in ((PLACES, places), (PLACE_NAMES, names)):
            connection.register("incoming", pa.Table.from_pandas(table, preserve_index=False))
            connection.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")
            connection.unregister("incoming")
        write_meta(connection, collection, len(collection.events), warnings, built)


def create_types(connection: duckdb.DuckDBPyConnection, source: str) -> None:
    """The ENUM types of the columns of few values (``FEW_VALUES``), from the values ``source`` holds: their rows
    are kept as codes, read back as a categorical without a look at them."""
    for name in FEW_VALUES:
        values = f"SELECT DISTINCT {name} FROM {source} WHERE {name} IS NOT NULL ORDER BY 1"
        connection.execute(f"CREATE TYPE {name}_values AS ENUM ({values})")


def typed_columns(names: Sequence[str], table: str = "") -> str:
    """The select list that gives columns of these names (of ``table``, if named) the file's types
    (``create_types``)."""
    of = f"{table}." if table else ""
    return ", ".join(f'{of}"{n}"::{n}_values AS {n}' if n in FEW_VALUES else f'{of}"{n}"' for n in names)


def write_meta(
    connection: duckdb.DuckDBPyConnection, collection: Collection, count: int, warnings: Checked | None, built: str
) -> None:
    """The file's facts: its layout, what it was built from, the collection's fingerprint, settings and problems,
    its events' count (``collection`` may hold none of them) and consistency warnings."""
    connection.execute(f"CREATE TABLE {META} (key VARCHAR PRIMARY KEY, value VARCHAR)")
    meta = {
        "format": str(FORMAT),
        "built": built,
        "fingerprint": collection.fingerprint,
        "count": str(count),
        "warnings": json.dumps(checked_json(warnings or Checked()), ensure_ascii=False),
        "settings": settings_json(collection.settings),
        "problems": problems_json(collection.problems),
    }
    connection.executemany(f"INSERT INTO {META} VALUES (?, ?)", list(meta.items()))


@contextmanager
def new_version(path: Path, config: dict[str, Any] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a new DuckDB file of its own name beside ``path`` (``path``'s name and a version), to write;
    once written, ``path`` (a symbolic link) is turned to it, at once, and the versions before are removed (a
    process reading one goes on reading it: its data stays until it lets go). If writing fails, nothing is left of
    the new file and ``path`` is as it was. ``config``: DuckDB's settings for writing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # What a build cut short left (killed, it could not clean up) goes first: on a disk that holds two versions and
    # no more, it would make every build after it fail.
    _remove_versions(path, keep=Path(os.path.realpath(path)) if path.is_symlink() else None)
    version = path.with_name(f"{path.name}.{uuid.uuid4().hex}")
    pointer = path.with_name(f".{version.name}.link")
    try:
        with duckdb.connect(str(version), config=config or {}) as connection:
            yield connection
            connection.execute("CHECKPOINT")
        os.symlink(version.name, pointer)
        os.replace(pointer, path)
    except BaseException:
        for leftover in (version, Path(f"{version}.wal"), pointer):
            leftover.unlink(missing_ok=True)
        raise
    _remove_versions(path, keep=version)


def _remove_versions(path: Path, keep: Path | None) -> None:
    """Remove the versions of ``path`` but ``keep`` (and what builds cut short left: their files, DuckDB's spill
    folders). Builds take turns (``Folder``'s lock), so none is another's work in progress."""
    for older in path.parent.glob(f"{path.name}.*"):
        if older == keep or older.suffix in (".lock", ".wal"):
            continue
        if older.is_dir() and not older.is_symlink():  # DuckDB's spill folder of a build that was cut short
            shutil.rmtree(older, ignore_errors=True)
        else:
            older.unlink(missing_ok=True)


# ---- reading --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Matched:
    """A view's events found once (``Engine.matched``): whether each event of the table, in its order, is one."""

    view: View
    hits: np.ndarray  # a bool per event

    @property
    def count(self) -> int:
        return int(np.count_nonzero(self.hits))


MATCHED, HIT = "matched", "_hit"  # the name a cursor knows a ``Matched``'s hits by, and their column


@dataclass(frozen=True)
class Query:
    """A view's filters as SQL: the condition, with ``?`` for each of its parameters, on the events (``source``)."""

    where: str
    params: list[Any]
    source: str = EVENTS


def _moment(stamp: pd.Timestamp) -> dt.datetime:
    return stamp.to_pydatetime().replace(tzinfo=None)


def query(view: View) -> Query:
    """The events a view shows (``view.apply``), as SQL: the range overlapping what each event's date allows, each
    facet's chosen names (any of them), the corroboration, and every word of the search in one of the searched
    texts. The display zone is not read here: the range is the stored times' (UTC)."""
    parts: list[str] = []
    params: list[Any] = []
    first, after = view.bounds()
    if first is not None:
        parts.append("(latest > ? OR (latest = ? AND precision = 'minute') OR latest IS NULL)")
        params += [_moment(first), _moment(first)]
    if after is not None:
        parts.append("(earliest < ? OR earliest IS NULL)")
        params.append(_moment(after))
    for facet in FACETS:
        if not view.chosen(facet):
            continue
        wanted = [name for name in view.chosen(facet) if name]
        if facet.reads == "value":
            parts.append(f"list_contains(?::VARCHAR[], {facet.column})")
        else:
            parts.append(f"list_has_any({facet_column(facet)}, ?::VARCHAR[])")
        params.append(wanted)
    if view.corroborated:
        parts.append("corroboration >= ?")
        params.append(view.corroborated)
    for word in view.q.casefold().split():
        parts.append("(" + " OR ".join(f"contains({search_column(name)}, ?)" for name in SEARCHED) + ")")
        params += [word] * len(SEARCHED)
    return Query(" AND ".join(parts) or "TRUE", params)


def frame_of(table: pa.Table) -> pd.DataFrame:
    """Rows read from the file as the events table holds them (``table.held``), labelled by their positions."""
    rows: dict[str, Any] = {}
    for name in table.column_names:
        if name == ROW:
            continue
        values = table.column(name)
        if name in NESTED:
            rows[name] = cache.json_objects(values)
        elif name in FEW_VALUES:
            rows[name] = _categorical(values)
        else:
            rows[name] = held(name, typed(name, values.to_pandas()))
    frame = pd.DataFrame(rows, columns=[name for name in COLUMNS if name in rows], copy=False)
    frame.index = pd.Index(table.column(ROW).to_numpy(), dtype=np.int64)  # set, not aligned: some columns are Series
    return frame


def _categorical(column: pa.ChunkedArray) -> pd.Categorical:
    """An ENUM column as the table holds it (``table.held``): codes into the values its rows hold, sorted."""
    if not pa.types.is_dictionary(column.type):
        return pd.Categorical(column.to_pandas())
    array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    codes = array.indices.cast(pa.int32()).fill_null(-1).to_numpy(zero_copy_only=False)
    found = pd.Categorical.from_codes(codes, categories=array.dictionary.to_pylist())
    return found.remove_unused_categories()


BATCH = 100_000  # rows read out of DuckDB at a time


def _read(cursor: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> pa.Table:
    """A query's rows as Arrow, read out a batch at a time: DuckDB's memory limit (``READING``) bounds its own
    buffers, not the rows handed out, which it would otherwise collect whole first. Without ORDER BY the rows come
    in the file's order (DuckDB keeps the order rows were written in, and the file was written in the table's),
    and no sort needs memory."""
    return cursor.sql(sql, params=params).to_arrow_reader(BATCH).read_all()


def _at(column: str, positions: Iterable[int]) -> tuple[str, list[Any]]:
    """The condition, and its parameters, of the rows whose ``column`` holds one of these positions: a join with
    the list (DuckDB reads only the blocks of rows within its least and greatest), not a look into it on every row
    (at a million events about 15 ms rather than 60); or, for positions that follow one another (a page of a view
    without filters), a range, which needs no join (2 ms less)."""
    wanted = np.unique(np.fromiter(positions, dtype=np.int64))
    if len(wanted) and int(wanted[-1]) - int(wanted[0]) == len(wanted) - 1:
        return f"{column} BETWEEN ? AND ?", [int(wanted[0]), int(wanted[-1])]
    return f"{column} IN (SELECT unnest(?::BIGINT[]))", [wanted.tolist()]


def _listed(names: Sequence[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


class Engine:
    """One DuckDB file of events, read-only, shared by the threads of a process (each query on a cursor of its
    own). The file is opened again when it is replaced (another inode): one ``stat`` a request."""

    def __init__(self, path: Path, tz: str = UTC, base: Engine | None = None) -> None:
        self.path = path
        self.tz = tz  # the display zone of the events it gives (``zones.moved``): UTC, as stored, unless ``zoned``
        self._base = base
        self._lock = threading.Lock()
        self._opened: tuple[str, int, int] | None = None
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._meta: dict[str, str] = {}
        self._parsed: dict[str, Any] = {}  # what ``_decoded`` made of the meta values of the version open
        self._pinned = False
        self._pid = os.getpid()

    def zoned(self, tz: str) -> Engine:
        """The same file, its events given as the display zone ``tz`` shows them (sharing this one's connection)."""
        return self if tz == self.tz else Engine(self.path, tz, self._base or self)

    def _state(self) -> tuple[str, int, int]:
        """The version the path leads to now (each is a file of its own name: DuckDB keeps one open database per
        name in a process, so a new version under the old name would be read as the old one). A version replaced
        and removed between the link's reading and the file's is looked for again."""
        for _ in range(3):
            target = os.path.realpath(self.path)
            try:
                status = os.stat(target)
            except FileNotFoundError:
                continue
            return target, status.st_ino, status.st_mtime_ns
        raise FileNotFoundError(f"no DuckDB file at {self.path}")

    def pinned(self) -> Engine:
        """The file as it is now, for one request: the same version to the end of it, however soon another comes."""
        connection = self.current()
        with self._lock:
            fixed = Engine(self.path, self.tz)
            fixed._connection, fixed._opened, fixed._meta, fixed._pinned = connection, self._opened, self._meta, True
            fixed._parsed = self._parsed
        return fixed

    def current(self) -> duckdb.DuckDBPyConnection:
        """The connection to the file as it is now (or, pinned, as it was). The one before is let go, not closed: a
        request still reading it finishes (its cursors keep it open)."""
        if self._base is not None:
            return self._base.current()
        if self._pinned and self._connection is not None:
            return self._connection
        state = self._state()
        with self._lock:
            # A process forked from this one (gunicorn --preload) opens the file anew: DuckDB's threads and locks
            # do not cross a fork.
            if self._connection is None or state != self._opened or self._pid != os.getpid():
                self._pid = os.getpid()
                connection = duckdb.connect(state[0], read_only=True, config=READING)
                meta = dict(connection.execute(f"SELECT key, value FROM {META}").fetchall())
                self._connection, self._opened, self._meta, self._parsed = connection, state, meta, {}
            return self._connection

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cursor = self.current().cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def meta(self, key: str) -> str:
        """A value the file was written with (its fingerprint, settings, problems, warnings, count)."""
        if self._base is not None:
            return self._base.meta(key)
        self.current()
        return self._meta.get(key, "")

    @property
    def fingerprint(self) -> str:
        return self.meta("fingerprint")

    def _decoded(self, key: str, decode: Callable[[Any], Any]) -> Any:
        """A value the file was written with, as JSON decoded and made an object: once per version of the file."""
        if self._base is not None:
            return self._base._decoded(key, decode)
        self.current()
        parsed = self._parsed
        if key not in parsed:
            parsed[key] = decode(json.loads(self._meta.get(key) or "null"))
        return parsed[key]

    def settings(self) -> CollectionSettings:
        found: CollectionSettings = self._decoded(
            "settings", lambda kept: CollectionSettings.model_validate(kept or {})
        )
        return found

    def problems(self) -> list[Problem]:
        """The folder's problems (a list of the caller's own)."""
        return list(self._decoded("problems", problems_from))

    def warnings(self) -> Checked | None:
        """The consistency warnings the file was written with."""
        found: Checked | None = self._decoded("warnings", checked_from_json)
        return found

    def count(self, view: View | None = None) -> int:
        """How many events the view shows (all of them without a view)."""
        if view is None:
            return int(self.meta("count") or 0)
        found = query(view)
        with self._cursor() as cursor:
            row = cursor.execute(f"SELECT count(*) FROM {EVENTS} WHERE {found.where}", found.params).fetchone()
        return int(row[0]) if row else 0

    def frame(self, view: View | Matched | None = None, columns: Sequence[str] = COLUMNS) -> pd.DataFrame:
        """The events the view shows (or found before), in the table's order and labelled by their positions in it,
        with ``columns`` only."""
        with self._selecting(view or View()) as (cursor, found):
            sql = f"SELECT {ROW}, {_listed(columns)} FROM {found.source} WHERE {found.where}"
            return frame_of(_read(cursor, sql, found.params))

    def places(self, view: View) -> pd.DataFrame:
        """The places table's rows of the events of the view's filters, over a range two days wider (every zone's
        range is within it), in the table's order."""
        found = query(self.wider(view))
        pairs = f"SELECT unnest({PLACE_AT}) AS place_at, {ROW} AS row, unnest({PLACE_KEYS}) AS key FROM {EVENTS}"
        pairs += f" WHERE {found.where}"
        return self._places(
            f"SELECT place_at, row, name, lat, lon FROM ({pairs}) JOIN {PLACE_NAMES} USING (key)", found.params
        )

    def places_at(self, rows: Sequence[int]) -> pd.DataFrame:
        """The places table's rows of the events at these positions, in the table's order."""
        where, params = _at("row", rows)
        return self._places(f"SELECT place_at, row, name, lat, lon FROM {PLACES} WHERE {where}", params)

    def _places(self, sql: str, params: list[Any]) -> pd.DataFrame:
        with self._cursor() as cursor:
            table = _read(cursor, sql, params)
        # A join need not keep the table's order: put it back (a stable sort, in numpy, not in DuckDB's memory).
        order = np.argsort(table.column("place_at").to_numpy(), kind="stable")
        return pd.DataFrame(
            {
                "row": table.column("row").to_numpy()[order],
                "name": pd.array(table.column("name").to_pandas().to_numpy()[order], dtype="str"),
                "lat": table.column("lat").to_numpy()[order],
                "lon": table.column("lon").to_numpy()[order],
            }
        )

    def matched(self, view: View) -> Matched:
        """The view's events found once: a search looks into every text of every event, and a crowd's queries then
        need not look again. Each event's hit is read beside it (a positional join: the file holds the events in
        the table's order, ``_row``), which takes a fortieth of the search's time and no memory to speak of."""
        found = query(view)
        with self._cursor() as cursor:
            rows = cursor.execute(f"SELECT {ROW} FROM {EVENTS} WHERE {found.where}", found.params).fetchnumpy()[ROW]
        hits = np.zeros(self.count(), dtype=bool)
        hits[np.asarray(rows, dtype=np.int64)] = True
        return Matched(view, hits)

    @contextmanager
    def _selecting(self, view: View | Matched) -> Iterator[tuple[duckdb.DuckDBPyConnection, Query]]:
        """A cursor, and the condition of the view's events on it: its filters, or the hits found before."""
        with self._cursor() as cursor:
            if isinstance(view, View):
                yield cursor, query(view)
                return
            cursor.register(MATCHED, pa.table({HIT: view.hits}))
            yield cursor, Query(HIT, [], f"{EVENTS} POSITIONAL JOIN {MATCHED}")

    def place_counts(self, view: View | Matched) -> pd.DataFrame:
        """How many of the view's events each place has (``figure.place_counts``: in the order first met), the
        range read in UTC."""
        with self._selecting(view) as (cursor, found):
            pairs = f"SELECT unnest({PLACE_KEYS}) AS key, unnest({PLACE_AT}) AS place_at FROM {found.source}"
            sums = (
                f"SELECT key, count(*) AS count, min(place_at) AS first FROM ({pairs} WHERE {found.where}) GROUP BY key"
            )
            sql = (
                f"SELECT name, lat, lon, count FROM ({sums}) JOIN {PLACE_NAMES} USING (key) "
                "WHERE lat IS NOT NULL AND lon IS NOT NULL ORDER BY first"
            )
            table = _read(cursor, sql, found.params)
        return pd.DataFrame(
            {
                "name": table.column("name").to_pylist(),
                "lat": table.column("lat").to_numpy(),
                "lon": table.column("lon").to_numpy(),
                "count": table.column("count").to_numpy(),
            }
        )

    # ---- a crowd (``dashboard.crowd``): a view too big to read row by row, asked for what is shown of it

    def groups(self, view: View | Matched) -> pd.DataFrame:
        """The view's events counted by category, draft or not, precision and open bounds, in the order first met:
        each group's first and last start and end and its first position. A crowd's axis, lanes and captions read
        these few rows, in one pass over the events."""
        with self._selecting(view) as (cursor, found):
            sql = (
                "SELECT CAST(category AS VARCHAR) AS category,"
                " coalesce(CAST(status AS VARCHAR) = 'draft', false) AS draft,"
                " CAST(precision AS VARCHAR) AS precision, earliest IS NULL AS open_start, latest IS NULL AS open_end,"
                ' count(*) AS n, min(start) AS first_start, max(start) AS last_start, min("end") AS first_end,'
                f' max("end") AS last_end, min({ROW}) AS first_row FROM {found.source} WHERE {found.where}'
                " GROUP BY ALL ORDER BY first_row"
            )
            groups: pd.DataFrame = _read(cursor, sql, found.params).to_pandas()
        return groups

    def cells(self, view: View | Matched, lo: float, size: float, count: int) -> pd.DataFrame:
        """The view's events counted by category and by the first and last of ``count`` time buckets of ``size``
        nanoseconds from ``lo`` that each overlaps (clipped to them): the density's cells (``figure.density``),
        worked out as numpy works them out there."""
        start, end = "epoch_ns(start)", 'epoch_ns("end")'
        bucket = "CAST(least(greatest(floor(CAST({} - ? AS DOUBLE) / ?), 0), ?) AS BIGINT)"
        origin = int(lo)  # whole nanoseconds from the axis's start, as ``figure.density`` counts them
        with self._selecting(view) as (cursor, found):
            sql = (
                f"SELECT CAST(category AS VARCHAR) AS category, {bucket.format(start)} AS first,"
                f" {bucket.format(f'greatest({end} - 1, {start})')} AS last, count(*) AS n"
                f" FROM {found.source} WHERE {found.where} GROUP BY ALL"
            )
            params = [origin, size, count - 1, origin, size, count - 1, *found.params]
            cells: pd.DataFrame = _read(cursor, sql, params).to_pandas()
        return cells

    def outside(self, view: View | Matched, lo: float, hi: float) -> tuple[int, int]:
        """How many of the view's events end before ``lo`` and start after ``hi`` (nanoseconds): those an axis
        over that range leaves off its edges (``figure.off_axis``)."""
        with self._selecting(view) as (cursor, found):
            sql = (
                'SELECT count(*) FILTER (WHERE CAST(epoch_ns("end") AS DOUBLE) < ?),'
                f" count(*) FILTER (WHERE CAST(epoch_ns(start) AS DOUBLE) > ?) FROM {found.source} WHERE {found.where}"
            )
            row = cursor.execute(sql, [lo, hi, *found.params]).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def busiest(self, view: View | Matched, exact: bool) -> tuple[pd.Timestamp, int] | None:
        """The day on which most of the view's events start, and how many (the earliest such day on a tie); with
        ``exact``, of its events of a day or a moment, not approximate, only (``figure.busiest_day``)."""
        only = " AND CAST(precision AS VARCHAR) IN ('day', 'minute') AND NOT approximate" if exact else ""
        with self._selecting(view) as (cursor, found):
            sql = (
                f"SELECT CAST(start AS DATE) AS day, count(*) AS n FROM {found.source}"
                f" WHERE start IS NOT NULL{only} AND {found.where} GROUP BY day ORDER BY n DESC, day LIMIT 1"
            )
            row = cursor.execute(sql, found.params).fetchone()
        return (pd.Timestamp(row[0]), int(row[1])) if row else None

    def position(self, view: View | Matched, event_id: str) -> tuple[int, int] | None:
        """Where the event with this id is among the view's events (from 0, in the table's order), and its
        position in the table; None when the view does not show it."""
        with self._selecting(view) as (cursor, found):
            sql = (
                f"WITH it AS (SELECT min({ROW}) AS at FROM {found.source} WHERE id = ? AND {found.where})"
                f" SELECT (SELECT count(*) FROM {found.source} WHERE {ROW} < it.at AND {found.where}), it.at FROM it"
                " WHERE it.at IS NOT NULL"
            )
            row = cursor.execute(sql, [event_id, *found.params, *found.params]).fetchone()
        return (int(row[0]), int(row[1])) if row else None

    def page(
        self,
        view: View | Matched,
        first: int,
        size: int,
        columns: Sequence[str] = COLUMNS,
        precisions: Sequence[str] = (),
    ) -> pd.DataFrame:
        """The view's events from its ``first`` (from 0, in the table's order), ``size`` of them at most, with
        ``columns``, labelled by their positions in the table; or of its events of these ``precisions`` only."""
        with self._selecting(view) as (cursor, found):
            where, params = found.where, list(found.params)
            if precisions:
                where = f"CAST(precision AS VARCHAR) IN (SELECT unnest(?::VARCHAR[])) AND {where}"
                params = [list(precisions), *params]
            sql = f"SELECT {ROW}, {_listed(columns)} FROM {found.source} WHERE {where} LIMIT ? OFFSET ?"
            return frame_of(_read(cursor, sql, [*params, max(size, 0), max(first, 0)]))

    def rows(self, ids: Sequence[str] = (), at: Sequence[int] = (), columns: Sequence[str] = COLUMNS) -> pd.DataFrame:
        """The events with these ids, or at these positions in the table, in the table's order, with ``columns``."""
        where, params = ("id IN (SELECT unnest(?::VARCHAR[]))", [list(ids)]) if ids else _at(ROW, at)
        with self._cursor() as cursor:
            found = frame_of(_read(cursor, f"SELECT {ROW}, {_listed(columns)} FROM {EVENTS} WHERE {where}", params))
        return found if found.index.is_monotonic_increasing else found.sort_index(kind="stable")  # a join's order

    def row(self, event_id: str | None) -> dict[str, Any] | None:
        """The event with this id as a dict, in the display zone, or None (as ``EventIndex.row``)."""
        if not event_id:
            return None
        return self.rows_of([event_id]).get(event_id)

    def rows_of(self, event_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The events with these ids as dicts (``row``) by id, in one query; an id of no event is left out."""
        if not event_ids:
            return {}
        found = moved(self.rows(list(event_ids)), self.tz)
        rows = ({str(k): v for k, v in found.iloc[at].to_dict().items()} for at in range(len(found)))
        return {str(row[C.id]): row for row in rows}

    def visible(self, view: View | Matched, columns: Sequence[str] = COLUMNS) -> pd.DataFrame:
        """The events the view shows (or found before) as the display zone shows them (``apply(moved(table, tz),
        view)``): by SQL, and in another zone than UTC by SQL over a range two days wider (no zone is a day from
        UTC), the times then moved and the range applied to them."""
        selection, view = view, view.view if isinstance(view, Matched) else view
        if self.tz == UTC and C.zone not in columns:
            return self.frame(selection, columns)  # no time moves in UTC: only the words of times, not asked for here
        if self.tz == UTC or not (view.start or view.end):
            return moved(self.frame(selection, columns), self.tz)
        return apply(moved(self.frame(self.wider(view), columns), self.tz), View(start=view.start, end=view.end))

    @staticmethod
    def wider(view: View) -> View:
        """The view over a range two days wider: every event any display zone's range may show."""
        return view.with_(
            start=view.start - ZONE_MARGIN if view.start else None, end=view.end + ZONE_MARGIN if view.end else None
        )

    def incoming(self, event_id: str) -> list[tuple[str, str]]:
        """(source id, relation) of every event that links to this one, in the table's order."""
        return self.incoming_of([event_id])[str(event_id)]

    def incoming_of(self, event_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        """``incoming`` of each of these events (those no event links to: an empty list), in one query."""
        found: dict[str, list[tuple[str, str]]] = {str(event_id): [] for event_id in event_ids}
        if not found:
            return found
        sql = (
            f"SELECT target, source, relation FROM {LINKS} WHERE target IN (SELECT unnest(?::VARCHAR[])) "
            "ORDER BY source_at"
        )
        with self._cursor() as cursor:
            for target, source, relation in cursor.execute(sql, [list(found)]).fetchall():
                found[str(target)].append((str(source), str(relation)))
        return found

    def choices(self) -> dict[str, list[str]]:
        """Each facet's distinct names (by its key), sorted without regard to case (as ``index.choices_of``)."""
        found: dict[str, list[str]] = {}
        with self._cursor() as cursor:
            for facet in FACETS:
                column = facet_column(facet)
                sql = (
                    f"SELECT DISTINCT {column} FROM {EVENTS} WHERE {column} IS NOT NULL AND {column} <> ''"
                    if facet.reads == "value"
                    else f"SELECT DISTINCT unnest({column}) FROM {EVENTS}"
                )
                names = {str(name) for (name,) in cursor.execute(sql).fetchall() if name}
                found[facet.key] = sorted(names, key=str.casefold)
        return found

    def collection(self) -> Collection:
        """The whole collection as a pandas table (what the store would give): for exports and checks."""
        return Collection(self.frame().reset_index(drop=True), self.problems(), self.settings(), self.fingerprint)


# ---- a folder served from a file ------------------------------------------------------------------------------

FILE_NAME = "events.duckdb"
BUILDER = "dashboard.duck_build"  # the module a child process runs to build a file (and every module it builds on)
RETRY_BUILD_S = 60  # how long a failed build is not tried again (while the folder stays as it was)


def location(root: Path) -> Path:
    """The DuckDB file of an events folder: beside the folder's disk cache."""
    return cache.location(root).parent / FILE_NAME


def code_stamp() -> str:
    """What else a file depends on than the folder's files: the file's layout, the code that loads a folder and
    writes the file, and the version of DuckDB that reads it."""
    return f"{FORMAT} {cache.fingerprint(BUILDER)} {duckdb.__version__}"


WARNINGS_SHOWN = 200  # warnings the file keeps listed (all counted): as many as the banner shows


class Folder:
    """The app's events of a folder, read through its DuckDB file: each call (each request) finds the folder's
    state from its files' states, as the store does, and when the file was built from another state (or another
    version of the code), builds it again, once: one process at a time, under a lock file, in a child process, so
    that no server process ever holds the whole table."""

    def __init__(self, root: Path, path: Path | None = None) -> None:
        self.root = root
        self.path = path or location(root)
        self.engine = Engine(self.path)
        self._lock = threading.Lock()
        self._scan: tuple[float, float, str] = (0.0, 0.0, "")  # when, how long, what the last scan found
        self._no_events = empty_events()
        self._failed: tuple[str, float, BuildFailed | OSError] | None = None  # the stamp a build failed for, when, why

    def _stamp(self) -> str:
        from dashboard.store import RESTAT_AFTER, SLOW_SCAN, folder_fingerprint

        when, took, found = self._scan
        if found and took > SLOW_SCAN and time.monotonic() - when < RESTAT_AFTER:
            return found  # a slow folder is statted again at most every RESTAT_AFTER seconds, as the store does
        fingerprint, took = folder_fingerprint(self.root)
        found = f"{fingerprint} {code_stamp()}"
        self._scan = (time.monotonic(), took, found)
        return found

    def _fresh(self, stamp: str) -> bool:
        try:
            return self.path.exists() and self.engine.meta("built") == stamp
        except duckdb.Error:
            return False  # not a database, or not ours: built again

    def __call__(self) -> Collection:
        with self._lock:
            stamp = self._stamp()
            failed = None if self._fresh(stamp) else self._build(stamp)
        engine = self.engine.pinned()
        # One empty table for every request: making one takes 10 ms (its columns are typed), and nothing writes to it.
        shown = Collection(self._no_events, engine.problems(), engine.settings(), engine.fingerprint, engine=engine)
        if failed is None:
            return shown
        why = (
            f"the events changed but could not be read again ({failed}); showing them as they were, and trying "
            f"again within {RETRY_BUILD_S} s; the server log has the details"
        )
        return shown_as_it_was(shown, Problem(str(self.root), 1, 1, why, Effect.SHOWN), "unbuilt")

    def _build(self, stamp: str) -> str | None:
        """Build the file for ``stamp``, once; when that fails and a version before it can be read, what failed
        (the version before is then shown), else the error. A failed build is not tried again for RETRY_BUILD_S
        seconds unless the folder changes again: at a million events a build takes a minute and 4 GB."""
        if self._failed is not None and self._failed[0] == stamp and time.monotonic() - self._failed[1] < RETRY_BUILD_S:
            error = self._failed[2]
        else:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with open(self.path.with_suffix(".lock"), "w") as lock:
                    fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building it: wait, then look again
                    if not self._fresh(stamp):
                        _build_once(self.root, self.path, stamp)
                self._failed = None
                return None
            except (BuildFailed, OSError) as failed:
                log.error("building the DuckDB file of %s failed: %s", self.root, failed)
                error = failed
                self._failed = (stamp, time.monotonic(), error)
        try:
            self.engine.current()  # the version before
        except (OSError, duckdb.Error):
            raise error from None
        return error.strerror if isinstance(error, OSError) and error.strerror else "the build failed"


def _build_once(root: Path, path: Path, stamp: str) -> None:
    """``_run_build``, unless a build of the same state failed less than ``RETRY_BUILD_S`` ago in any process (then
    its ``BuildFailed``): the workers of one server try a failed build once a minute between them, not each."""
    failed = path.with_suffix(".failed")  # the state a build last failed for, when, and why (beside the lock)
    noted = cache.kept_json(failed)
    at = noted.get("at") if isinstance(noted, dict) and noted.get("stamp") == stamp else None
    if isinstance(at, (int, float)) and 0 <= time.time() - at < RETRY_BUILD_S:  # a note of anything else: built
        raise BuildFailed(str(noted.get("why")))
    try:
        _run_build(root, path)
    except BuildFailed as error:
        note = {"stamp": stamp, "at": time.time(), "why": str(error)}
        try:
            write_atomic(failed, json.dumps(note).encode(), sync=False)
        except (OSError, UnsafeTarget):
            pass  # a full disk or a read-only cache: each process then waits on its own
        raise


def _run_build(root: Path, path: Path) -> None:
    """``build`` in a child process: its memory (the whole table, for a moment) goes back when it ends."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", BUILDER, str(root), str(path)], capture_output=True, text=True, check=False
        )
    except OSError as error:  # no process to build in (no memory for one, or the interpreter gone)
        raise BuildFailed(f"building {path} failed: {error}") from error
    if done.returncode:
        said = done.stderr.strip().splitlines()[-1:]
        raise BuildFailed(f"building {path} failed: {said[0] if said else f'exit code {done.returncode}'}")


class BuildFailed(RuntimeError):
    """The DuckDB file of a folder could not be built (the one before, if any, is kept)."""
