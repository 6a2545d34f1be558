"""A disk cache of parsed YAML event files, so that a restart over an unchanged folder parses no YAML.

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
import json
import os
import stat
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

FORMAT = "1"  # bump when the layout below changes
FILE_NAME = "yaml-rows.arrow"
MIN_FILES = 100  # smaller folders parse in a blink: not worth a file in the user's cache folder
SOURCES = ("store.py", "dates.py", "model.py", "cache.py")  # the code whose output is cached

SCHEMA = pa.schema([
    ("rel", pa.string()),  # path below the events folder, with '/'
    ("size", pa.int64()),
    ("mtime_ns", pa.int64()),
    ("seq", pa.int32()),  # the event's place in its file; -1 for the one entry of a file without events
    ("problems", pa.string()),  # the file's problems as JSON [[line, column, message], ...], on its first entry
    ("id", pa.string()),
    ("title", pa.string()),
    ("start", pa.timestamp("us")),
    ("end", pa.timestamp("us")),
    ("precision", pa.string()),
    ("approximate", pa.bool_()),
    ("zone", pa.string()),
    ("when", pa.string()),
    ("date_text", pa.string()),
    ("category", pa.string()),
    ("actors", pa.string()),
    ("places", pa.string()),
    ("summary", pa.string()),
    ("quotes", pa.string()),
    ("sources", pa.string()),
    ("tags", pa.string()),
    ("links", pa.string()),  # every link as written; the store drops links to missing events
    ("line", pa.int32()),
    ("_id_line", pa.int32()),  # where the id, category and each link target are, for the cross-file checks
    ("_id_col", pa.int32()),
    ("_cat_line", pa.int32()),
    ("_cat_col", pa.int32()),
    ("_link_at", pa.string()),  # JSON [[line, column], ...] or null
])
JSON_FIELDS = ("actors", "places", "quotes", "sources", "tags", "links", "_link_at")
SCALAR_FIELDS = [name for name in SCHEMA.names[5:] if name not in JSON_FIELDS]


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


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """A hash of the parsing code and the YAML and pydantic versions: new code never reads an old cache."""
    digest = hashlib.sha256(FORMAT.encode())
    here = Path(__file__).parent
    for name in SOURCES:
        with contextlib.suppress(OSError):
            digest.update((here / name).read_bytes())
    for package in ("pyyaml", "pydantic", "tzdata"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(metadata.version(package).encode())
    return digest.hexdigest()[:32]


def _metadata(root: Path) -> dict[bytes, bytes]:
    return {b"format": FORMAT.encode(), b"fingerprint": fingerprint().encode(),
            b"root": os.path.abspath(root).encode("utf-8", "surrogateescape")}


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


def write(root: Path, table: pa.Table) -> None:
    """Replace a folder's cache file whole (a reader sees the old file or the new one, never half of one)."""
    path = location(root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError:
        return  # a read-only home or a full disk costs speed, not correctness
    try:
        with os.fdopen(fd, "wb") as handle, pa.PythonFile(handle, mode="w") as sink:
            options = pa.ipc.IpcWriteOptions(compression="lz4")
            with pa.ipc.new_file(sink, SCHEMA.with_metadata(_metadata(root)), options=options) as writer:
                writer.write_table(table.replace_schema_metadata(None).cast(SCHEMA), max_chunksize=65536)
        os.replace(temp, path)
    except (OSError, pa.ArrowException):
        pass
    finally:
        if os.path.exists(temp):
            with contextlib.suppress(OSError):
                os.unlink(temp)


def forget(root: Path) -> None:
    """Remove a folder's cache file if there is one."""
    with contextlib.suppress(OSError):
        location(root).unlink()


# ---- entries ------------------------------------------------------------------------------------------------


def to_json(value: Any) -> str:
    """Compact JSON text of a nested value."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def empty() -> pa.Table:
    """A table without entries."""
    return SCHEMA.empty_table()


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
    table = pa.concat_tables([part.cast(SCHEMA) for part in parts if part.num_rows]) if parts else empty()
    if table.num_rows == 0:
        return empty()
    position = pc.index_in(table.column("rel"), value_set=pa.array(order, pa.string()))
    indices = pc.sort_indices(pa.table({"p": position, "s": table.column("seq")}),
                              sort_keys=[("p", "ascending"), ("s", "ascending")])
    return table.take(indices)


def _objects(column: pa.ChunkedArray) -> np.ndarray:
    """JSON texts as Python objects, decoding each distinct text once and sharing it between rows (null: None)."""
    codes, uniques = pd.factorize(column.to_pandas())
    parsed = json.loads("[" + ",".join(uniques) + "]") if len(uniques) else []
    objects = np.empty(len(parsed) + 1, dtype=object)
    for index, value in enumerate(parsed):
        objects[index] = value
    return objects[codes]  # a missing value's code is -1: the last slot, None


def decode(table: pa.Table) -> tuple[pd.DataFrame, list[tuple[str, int, int, str]]]:
    """Entries -> one row per event (columns ``rel``, the row fields and the positions), and the file problems."""
    problems: list[tuple[str, int, int, str]] = []
    noted = table.filter(pc.is_valid(table.column("problems"))).select(["rel", "problems"]).to_pydict()
    for rel, text in zip(noted["rel"], noted["problems"], strict=True):
        problems.extend((rel, line, column, message) for line, column, message in json.loads(text))
    events = table.filter(pc.greater_equal(table.column("seq"), 0))
    rows = events.select(["rel", *SCALAR_FIELDS]).to_pandas()
    for name in JSON_FIELDS:
        rows[name] = _objects(events.column(name))
    return rows, problems
