"""A folder's DuckDB file built (``build``, in a child process: ``python -m dashboard.duck_build ROOT PATH``): the
collection loaded whole and written (``duck.write``), or a Parquet table of millions of events, too big for that,
written a slice at a time (``build_sliced``).

Loading a table whole holds all its events as Python objects for a moment: about 3 GB a million, past any machine
at ten million. Here the table is read ``SLICE_ROWS`` rows at a time, and each slice is checked and turned into
the file's columns by the code that loads a whole table (``tables.slice_rows``, ``table.finish``,
``duck.file_table``, ``places_table``), then staged in a DuckDB file beside the new one. What depends on every row
is then worked out by DuckDB over the staged rows, which it spills to disk rather than hold: the duplicate ids, the
links to no event, the categories the settings do not list, the table's order, the places' numbers; and the
consistency warnings over the finished file read a slice at a time (``consistency.check_parts``). The file is the
one ``duck.write`` writes from the whole table: the same rows, order, problems and warnings.
"""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from dashboard import cache, duck
from dashboard.consistency import ORDERED, check, check_parts
from dashboard.figure import places_table
from dashboard.readers import tables
from dashboard.readers.sheets import parquet_rows, parquet_slices
from dashboard.readers.yaml_events import load_settings
from dashboard.reading import Refused, check_regular
from dashboard.store import HINT_LIMIT, folder_fingerprint, load_collection
from dashboard.table import COLUMNS, C, Collection, Effect, Problem, empty_events, finish, unknown_category

SLICE_ROWS = 250_000  # rows read, checked and staged at a time: about 1 GB of Python objects at the peak
SLICED_FROM = 1_000_000  # a table of more rows than this is built a slice at a time
STAGE = "stage"  # the staging file's name in the connection
BUILDING: dict[str, Any] = {"memory_limit": "3GB", "threads": 2}  # past its limit, DuckDB spills to disk


def sliced(root: Path) -> bool:
    """Whether the events at ``root`` are one Parquet table of more than ``SLICED_FROM`` rows."""
    if root.is_dir() or root.suffix.lower() != ".parquet":
        return False
    try:
        check_regular(root)
        root.name.encode("utf-8")  # a name that is not UTF-8 is refused by the store, which says so
    except (Refused, UnicodeError):
        return False
    rows = parquet_rows(root)
    return rows is not None and rows > SLICED_FROM


def build(root: Path, path: Path) -> None:
    """Load the events at ``root`` and write them to ``path`` with their consistency warnings (a big table a
    slice at a time); the file's ``built`` names their state before they were read, so an edit made meanwhile is
    built again."""
    built = f"{folder_fingerprint(root)[0]} {duck.code_stamp()}"
    if sliced(root):
        build_sliced(root, path, built)
        return
    collection = load_collection(root)
    duck.write(collection, path, check(collection.events, most=duck.WARNINGS_SHOWN), built=built)


def build_sliced(root: Path, path: Path, built: str, slice_rows: int = SLICE_ROWS) -> None:
    """Write the table at ``root`` to the DuckDB file ``path`` (``duck.new_version``), ``slice_rows`` rows at a
    time; ``built`` names the state it was built from."""
    settings, problems = load_settings(root)
    shown = root.name  # as the store names a table given alone
    with duck.new_version(path, BUILDING) as connection:
        connection.execute("SET enable_progress_bar = false")  # a build is quiet: no bar on the server's terminal
        stage = Path(f"{path}.{STAGE}-{id(connection):x}")
        try:
            connection.execute(f"ATTACH '{_quoted(str(stage))}' AS {STAGE}")
            problems += _stage(connection, root, shown, settings.date_order, slice_rows)
            problems += _cross_checks(connection, shown, settings)
            count = _finish(connection)
            connection.execute(f"DETACH {STAGE}")
        finally:
            for leftover in (stage, Path(f"{stage}.wal")):
                leftover.unlink(missing_ok=True)
        collection = Collection(empty_events(), sorted(problems), settings, folder_fingerprint(root)[0])
        duck.write_meta(connection, collection, count, _warnings(connection, count, slice_rows), built)


def _quoted(text: str) -> str:
    return text.replace("'", "''")


# ---- staging: a slice at a time --------------------------------------------------------------------------------


def _stage(
    connection: duckdb.DuckDBPyConnection, root: Path, shown: str, date_order: str | None, slice_rows: int
) -> list[Problem]:
    """Read the table a slice at a time into the staging tables: the events as the file holds them (but their
    positions), their places, their links, and where their ids and categories are written. The problems of the
    rows; those of the table itself (its header) once."""
    problems: list[Problem] = []
    table_problems: set[Problem] = set()
    made = False
    for sheet in parquet_slices(root, shown, tables.KNOWN_COLUMNS, slice_rows):
        if isinstance(sheet, list):
            problems += sheet
            break
        rows, found = tables.slice_rows(sheet, root, shown, date_order)
        for problem in found:  # a problem of the table (line 1: its header) comes with every slice: kept once
            if problem.line <= 1 and problem in table_problems:
                continue
            problems.append(problem)
            if problem.line <= 1:
                table_problems.add(problem)
        if not len(rows):
            continue
        parts = _parts(rows)
        del rows
        for name, part in parts.items():
            connection.register("incoming", part)
            if made:
                connection.execute(f"INSERT INTO {STAGE}.{name} SELECT * FROM incoming")
            else:
                connection.execute(f"CREATE TABLE {STAGE}.{name} AS SELECT * FROM incoming")
            connection.unregister("incoming")
        made = True
    if not made:  # no rows at all: the tables a slice would have made, empty
        for name, part in _parts(tables.no_rows()).items():
            connection.register("incoming", part)
            connection.execute(f"CREATE TABLE {STAGE}.{name} AS SELECT * FROM incoming")
            connection.unregister("incoming")
    return problems


def _parts(rows: pd.DataFrame) -> dict[str, pa.Table]:
    """A slice's staged tables: its events (keyed by their lines, which are unique in a table and in its order),
    their places and links, and the spots of their ids and categories."""
    line = rows[C.line].to_numpy(dtype=np.int64)
    links = rows[C.links].to_numpy()
    spots = rows["_link_at"].to_numpy()
    found = [
        (int(line[row]), j, link["to"], link["relation"], *(spots[row][j] if spots[row] else (int(line[row]), 1)))
        for row in np.flatnonzero(np.fromiter(map(len, links), dtype=np.int64, count=len(links))).tolist()
        for j, link in enumerate(links[row])
    ]
    link_names = ("line", "j", "target", "relation", "spot_line", "spot_column")
    link_types = (pa.int64(), pa.int64(), pa.string(), pa.string(), pa.int64(), pa.int64())
    linked = pa.table(
        {
            name: pa.array([item[at] for item in found], kind)
            for at, (name, kind) in enumerate(zip(link_names, link_types, strict=True))
        }
    )
    spots_table = pa.table(
        {
            "line": pa.array(line),
            "id_line": pa.array(rows["_id_line"].to_numpy(dtype=np.int64)),
            "id_column": pa.array(rows["_id_col"].to_numpy(dtype=np.int64)),
            "category_line": pa.array(rows["_cat_line"].to_numpy(dtype=np.int64)),
            "category_column": pa.array(rows["_cat_col"].to_numpy(dtype=np.int64)),
        }
    )
    events = finish({name: rows[name] for name in COLUMNS})
    staged = duck.file_table(events).drop_columns([duck.ROW])
    places = places_table(events)
    at = places["row"].to_numpy(dtype=np.int64)
    first = np.searchsorted(at, at, side="left")  # the rows are in order: an event's places one after another
    placed = pa.table(
        {
            "line": pa.array(events[C.line].to_numpy(dtype=np.int64)[at]),
            "j": pa.array(np.arange(len(at), dtype=np.int64) - first),
            "name": pa.array(places["name"].to_numpy(dtype=object), pa.string()),
            "lat": pa.array(places["lat"].to_numpy(dtype=float)),
            "lon": pa.array(places["lon"].to_numpy(dtype=float)),
        }
    )
    return {"events": staged, "links": linked, "places": placed, "spots": spots_table}


# ---- across the rows -------------------------------------------------------------------------------------------


def _lines(connection: duckdb.DuckDBPyConnection, name: str, lines: list[int]) -> None:
    """Keep some lines as a table to join with (a list as a parameter would be looked into row by row)."""
    connection.register("incoming", pa.table({"line": pa.array(lines, pa.int64())}))
    connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT DISTINCT line FROM incoming")
    connection.unregister("incoming")


def _cross_checks(connection: duckdb.DuckDBPyConnection, shown: str, settings: Any) -> list[Problem]:
    """``table.cross_checks`` over the staged rows, in their terms: an id used again is left out (the first row
    keeps it), a link to no event is left out of its event, and a category the settings do not list is named."""
    problems: list[Problem] = []
    again = connection.execute(
        f"""SELECT s.id, s.line, f.first_line, p.id_line, p.id_column
        FROM {STAGE}.events s
        JOIN (SELECT id, min(line) AS first_line FROM {STAGE}.events GROUP BY id HAVING count(*) > 1) f USING (id)
        JOIN {STAGE}.spots p USING (line)
        WHERE s.line > f.first_line"""
    ).fetchall()
    for ident, _, first_line, line, column in again:
        problems.append(
            Problem(shown, int(line), int(column), f"duplicate id '{ident}': already used in {shown}:{first_line}")
        )
    if again:
        _lines(connection, "dropped", [row[1] for row in again])
        for name in ("events", "links", "places", "spots"):
            connection.execute(f"DELETE FROM {STAGE}.{name} WHERE line IN (SELECT line FROM dropped)")
    missing = connection.execute(
        f"""SELECT l.line, l.j, l.target, l.spot_line, l.spot_column
        FROM {STAGE}.links l ANTI JOIN {STAGE}.events e ON l.target = e.id
        ORDER BY l.line, l.j"""
    ).fetchall()
    if missing:
        count = connection.execute(f"SELECT count(*) FROM {STAGE}.events").fetchall()[0][0]
        ids = (
            [row[0] for row in connection.execute(f"SELECT id FROM {STAGE}.events").fetchall()]
            if count <= HINT_LIMIT
            else []
        )
        for _, j, target, line, column in missing:
            hint = difflib.get_close_matches(target, ids, n=1) if ids else []
            problems.append(
                Problem(
                    shown,
                    int(line),
                    int(column),
                    f"'links[{j}].to': no event has the id '{target}'"
                    + (f": did you mean '{hint[0]}'?" if hint else ""),
                    Effect.SHOWN,
                )
            )
        _leave_links_out(connection, missing)
    if settings.categories:
        unknown = connection.execute(
            f"""SELECT e.category, p.category_line, p.category_column
            FROM {STAGE}.events e JOIN {STAGE}.spots p USING (line)
            WHERE e.category NOT IN (SELECT unnest(?::VARCHAR[]))""",
            [list(settings.categories)],
        ).fetchall()
        for category, line, column in unknown:
            problems.append(Problem(shown, int(line), int(column), unknown_category(category, settings), Effect.SHOWN))
    return problems


def _leave_links_out(connection: duckdb.DuckDBPyConnection, missing: list[tuple[Any, ...]]) -> None:
    """Take links to no event out of the staged links and out of their events' lists of links."""
    gone: dict[int, set[int]] = {}
    for line, j, *_ in missing:
        gone.setdefault(int(line), set()).add(int(j))
    _lines(connection, "relinked", list(gone))
    connection.register(
        "incoming", pa.table({"line": [int(row[0]) for row in missing], "j": [int(row[1]) for row in missing]})
    )
    connection.execute(f"DELETE FROM {STAGE}.links l USING incoming g WHERE l.line = g.line AND l.j = g.j")
    connection.unregister("incoming")
    cells = connection.execute(
        f"SELECT line, links FROM {STAGE}.events WHERE line IN (SELECT line FROM relinked)"
    ).fetchall()
    fixed = pa.table(
        {
            "line": pa.array([int(line) for line, _ in cells], pa.int64()),
            "links": pa.array(
                [
                    cache.to_json([link for j, link in enumerate(json.loads(text)) if j not in gone[int(line)]])
                    for line, text in cells
                ],
                pa.string(),
            ),
        }
    )
    connection.register("incoming", fixed)
    connection.execute(
        f"UPDATE {STAGE}.events SET links = incoming.links FROM incoming WHERE {STAGE}.events.line = incoming.line"
    )
    connection.unregister("incoming")


# ---- the file ----------------------------------------------------------------------------------------------------


def _finish(connection: duckdb.DuckDBPyConnection) -> int:
    """The file's tables from the staged ones, in the table's order (``table.finish``'s: by start, end, open
    bounds, uncertain, approximate and title; rows alike in the table's order), and its count of events."""
    connection.execute(
        f"""CREATE TEMP TABLE ordered AS SELECT line, row_number() OVER (
            ORDER BY start, "end", (earliest IS NULL)::INT + (latest IS NULL)::INT, uncertain, approximate, title, line
        ) - 1 AS {duck.ROW} FROM {STAGE}.events"""
    )
    connection.execute(
        f"""CREATE TEMP TABLE placed AS
        SELECT *, dense_rank() OVER (ORDER BY first_at) - 1 AS key
        FROM (SELECT *, min(place_at) OVER (PARTITION BY name, lat, lon) AS first_at
              FROM (SELECT row_number() OVER (ORDER BY o.{duck.ROW}, p.j) - 1 AS place_at, o.{duck.ROW} AS row,
                           p.name, p.lat, p.lon
                    FROM {STAGE}.places p JOIN ordered o USING (line)))"""
    )
    names = connection.execute(f"SELECT * FROM {STAGE}.events LIMIT 0").description
    columns = [column[0] for column in names]
    duck.create_types(connection, f"{STAGE}.events")
    typed = duck.typed_columns(columns, "s")
    connection.execute(
        f"""CREATE TABLE {duck.EVENTS} AS
        SELECT o.{duck.ROW}, {typed},
            coalesce(k.keys, []::INTEGER[]) AS {duck.PLACE_KEYS}, coalesce(k.at, []::BIGINT[]) AS {duck.PLACE_AT}
        FROM {STAGE}.events s JOIN ordered o USING (line)
        LEFT JOIN (SELECT row, list(key::INTEGER ORDER BY place_at) AS keys, list(place_at ORDER BY place_at) AS at
                   FROM placed GROUP BY row) k ON k.row = o.{duck.ROW}
        ORDER BY o.{duck.ROW}"""
    )
    connection.execute(
        f"""CREATE TABLE {duck.LINKS} AS
        SELECT o.{duck.ROW} AS source_at, s.id AS source, l.target, l.relation
        FROM {STAGE}.links l JOIN ordered o USING (line) JOIN {STAGE}.events s USING (line)
        ORDER BY source_at, l.j"""
    )
    connection.execute(
        f"CREATE TABLE {duck.PLACES} AS SELECT place_at, row, name, lat, lon FROM placed ORDER BY place_at"
    )
    connection.execute(
        f"""CREATE TABLE {duck.PLACE_NAMES} AS
        SELECT name, lat, lon, key::INTEGER AS key FROM placed WHERE place_at = first_at ORDER BY key"""
    )
    return int(connection.execute(f"SELECT count(*) FROM {duck.EVENTS}").fetchall()[0][0])


def _warnings(connection: duckdb.DuckDBPyConnection, count: int, slice_rows: int) -> Any:
    """The consistency warnings of the file's events (``check_parts``): read a slice at a time in order; the
    events whose links say an order, with the events they link to; the whole table only when it is small enough for
    the near-duplicate search."""
    columns = ", ".join(f'"{name}"' for name in COLUMNS)

    def rows(where: str, params: list[Any]) -> pd.DataFrame:
        sql = f"SELECT {duck.ROW}, {columns} FROM {duck.EVENTS} WHERE {where} ORDER BY {duck.ROW}"
        return duck.frame_of(connection.sql(sql, params=params).to_arrow_reader(duck.BATCH).read_all())

    def parts() -> Any:
        for first in range(0, count, slice_rows):
            yield rows(f"{duck.ROW} BETWEEN ? AND ?", [first, first + slice_rows - 1])

    ordered = list(ORDERED)
    linked = rows(
        f"""{duck.ROW} IN (
            SELECT source_at FROM {duck.LINKS} WHERE relation IN (SELECT unnest(?::VARCHAR[]))
            UNION SELECT e.{duck.ROW} FROM {duck.LINKS} l JOIN {duck.EVENTS} e ON e.id = l.target
            WHERE l.relation IN (SELECT unnest(?::VARCHAR[])))""",
        [ordered, ordered],
    )
    return check_parts(parts(), linked, count, lambda: rows("TRUE", []), duck.WARNINGS_SHOWN)


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(sys.argv[2]))
