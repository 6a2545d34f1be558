"""Events as plain records (JSON and CSV), and the safe file writing of every command that writes a user's file."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from dashboard.dates import When, edtf_of, iso_bounds, when_of
from dashboard.model import SETTINGS_FILE, Precision, Source
from dashboard.readers.native import COLUMNS as NATIVE  # the reader's columns: one definition
from dashboard.readers.native import DERIVED, EDTF
from dashboard.reading import SOURCE_SUFFIXES, kind
from dashboard.table import DECLARED, C

NO_SOURCE: dict[str, Any] = dict.fromkeys(Source.model_fields)  # every key of a source, none given


def doubtful(when: When) -> bool:
    """Whether a date says more than its span: approximate, uncertain or open at one end (its EDTF is worth
    writing beside the words)."""
    return when.approximate or when.uncertain or when.open_start or when.open_end


def when_words(row: Mapping[str, Any] | pd.Series) -> str:
    """The date in words (the ``when`` column), followed by its EDTF when that adds something:
    'on or before 16 Feb 2022 (EDTF ../2022-02-16)'; a plain '16 Feb 2022' stays as it is."""
    when = when_of(row)
    if not doubtful(when):
        return str(row[C.when])
    stored = row.get(EDTF)  # a table moved into a display zone keeps each moved time's own EDTF
    return f"{row[C.when]} (EDTF {stored if isinstance(stored, str) else edtf_of(when)})"


def _bounds(when: When) -> dict[str, str | None]:
    """The span's ISO 8601 bounds at its precision: ``start`` and ``end`` (inclusive) as stated, and the fuzzy
    ``earliest`` and ``latest`` (inclusive; None where open, never an invented date)."""
    start, end = iso_bounds(when)
    earliest, latest = when.fuzzy
    wide = iso_bounds(when.but(start=earliest or when.start, end=latest or when.end))
    return {
        C.start: start,
        C.end: end,
        C.earliest: None if earliest is None else wide[0],
        C.latest: None if latest is None else wide[1],
    }


def to_record(row: dict[str, Any] | pd.Series) -> dict[str, Any]:
    """One event as a JSON-ready dict of the table's exported columns (``dashboard.table.DECLARED``) and its ``edtf``
    (after ``when``); dates as ISO 8601 at their own precision, ``end`` and ``latest`` inclusive.

    ``start`` and ``end`` are the stated span: of an open date ("by 16 Feb 2022", ``../2022-02-16``) the bound's own
    day, with ``earliest`` (or ``latest``) null for the open side; the ``edtf`` says it is open."""
    when = when_of(row)
    bounds = _bounds(when)
    record: dict[str, Any] = {}
    for column in DECLARED:
        if column.exported is None:
            continue
        value = row[column.name]
        if column.kind == "time":
            value = bounds[column.name] if column.name in bounds else _day(value)
        elif column.name == C.sources:  # every key of a source, null where not given, as the schema has them
            value = [NO_SOURCE | source for source in value]
        elif column.kind == "nested":
            value = list(value)
        elif column.kind == "flag":
            value = bool(value)
        elif column.kind == "zone":
            value = value or None
        elif column.kind == "number":
            value = int(value)
        record[column.exported] = value
        if column.name == C.when:
            record[EDTF] = edtf_of(when)
    return record


def _day(value: Any) -> str | None:
    """A day of the table (``reported``) as ISO 8601, or None where there is none."""
    return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()


def to_records(events: pd.DataFrame) -> list[dict[str, Any]]:
    """Every event as a JSON-ready dict, in time order."""
    return [to_record(row) for row in events.to_dict("records", into=dict)]


def to_json(events: pd.DataFrame) -> str:
    """Events as a JSON list of objects."""
    return json.dumps(to_records(events), ensure_ascii=False, indent=2) + "\n"


# Cells a spreadsheet would run as a formula (OWASP, "CSV Injection"): they get a leading "'", which makes them text.
# So that a reader taking one "'" off gets the cell back, cells of quotes before such a character get one more;
# plain numbers (a longitude of -77.0365) run nothing and stay numbers.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def csv_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: a cell that would start a formula gets a leading "'"."""
    if _FORMULA.match(text) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _named_zone(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _table_dates(when: When) -> tuple[str, str, str]:
    """``date``, ``end`` and ``timezone`` cells that the table reader turns back into the same (stated) span."""
    first, last = iso_bounds(when)
    zone = when.zone or ""
    if zone and not _named_zone(zone):
        zone = ""  # a fixed offset ('UTC+01:00'), already in the ISO times, is not a name the column takes
    elif zone and when.precision == Precision.MINUTE:
        first, last = first[:16], last[:16]  # local times, read back in the named zone
    return first, "" if last == first else last, zone


def _number(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def to_table_row(row: dict[str, Any]) -> list[str]:
    """One loaded event as the cells of a native table row (``dashboard.readers.native.COLUMNS``), not yet escaped.

    A table row holds one place and one source: an event at several places gets one place naming them all
    (without coordinates), and the first source only (without its id and what it copies: it has no other source
    in its row to name); quotes are left out. The derived ``reported`` and
    ``corroboration`` (``DERIVED``) come last, for a reader of the file: loading it back works them out again.
    ``date``, ``end`` and ``approximate`` hold the stated span, for a reader that knows no EDTF; ``edtf`` says it
    whole (open, uncertain), and the table reader takes it over them.
    """
    when = when_of(row)
    date, end, zone = _table_dates(when)
    places = list(row[C.places])
    place = places[0] if len(places) == 1 else {}
    source = row[C.sources][0] if len(row[C.sources]) else {}
    return [
        row[C.id],
        row[C.title],
        date,
        end,
        "true" if row[C.approximate] else "false",
        zone,
        edtf_of(when),
        row[C.category],
        "; ".join(row[C.actors]),
        "; ".join(row[C.tags]),
        "; ".join(p["name"] for p in places),
        place.get("country") or "",
        _number(place.get("lat")),
        _number(place.get("lon")),
        row[C.summary],
        source.get("publisher") or "",
        source.get("title") or "",
        source.get("url") or "",
        source.get("published") or "",
        source.get("reliability") or "",
        str(source.get("credibility") or ""),
        source.get("attribution") or "",
        row[C.status],
        "; ".join(f"{link['relation']}:{link['to']}" for link in row[C.links]),
        _day(row[C.reported]) or "",
        str(int(row[C.corroboration])),
    ]


def to_csv(events: pd.DataFrame) -> str:
    """Events as a CSV table in the native columns, so that it loads back as the same events (``--events``).

    Cells that a spreadsheet would run as formulas are escaped (``csv_cell``); the table reader undoes that.
    """

    out = io.StringIO()
    # CRLF ends the lines (as RFC 4180 has it), so that a cell holding a lone CR is quoted like one holding LF.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*NATIVE, *DERIVED])
    for row in events.to_dict("records", into=dict):
        writer.writerow([csv_cell(cell) for cell in to_table_row(row)])
    return out.getvalue()


# ---- writing files ---------------------------------------------------------------------------------------------

STDOUT = "-"  # ``--out -``


class UnsafeTarget(Exception):
    """A path that is not written to, with the reason in plain words."""


def is_stdout(path: Path | str | None) -> bool:
    """Whether an ``--out`` value means standard output."""
    return path is not None and str(path) == STDOUT


def check_target(path: Path) -> os.stat_result | None:
    """The status of the regular file at ``path`` (None when there is none); ``UnsafeTarget`` for anything else.

    A file is written by renaming a new one over its name, which replaces whatever node has the name: run as
    root, ``--out /dev/null`` would put a plain file where the device was. So devices, FIFOs, sockets and
    folders are refused, and so are symbolic links (not followed: a link planted where a file is expected could
    point anywhere, such as a system file).
    """
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None  # nothing there yet (or a parent that is not a folder, which mkdir reports)
    if stat.S_ISREG(info.st_mode):
        return info
    what = kind(info.st_mode)
    if stat.S_ISLNK(info.st_mode):
        what, hint = f"{what} (to {os.readlink(path)})", "give the path of the file itself"
    elif stat.S_ISDIR(info.st_mode):
        hint = "give a file name"
    else:
        hint = "give a file name, or '-' for stdout"
    raise UnsafeTarget(f"refused to write {path}: it is {what}, not a regular file; {hint}")


def event_source(path: Path, events: Path) -> bool:
    """Whether ``path`` names a file the events at ``events`` (a folder, or one file) are read from: an event file
    or table inside the folder (at any depth), the file itself, or the ``_collection.yaml`` beside them."""

    target = path.parent.resolve() / path.name  # not the file's own link: ``check_target`` refuses links anyway
    root = events.resolve()
    folder = root if root.is_dir() else root.parent
    if target == root or target == folder / SETTINGS_FILE:
        return True
    return root.is_dir() and target.is_relative_to(root) and target.name.lower().endswith(SOURCE_SUFFIXES)


def check_not_source(path: Path, events: Path) -> None:
    """``UnsafeTarget`` when writing ``path`` would replace one of the files the events are read from."""
    if not is_stdout(path) and event_source(path, events):
        raise UnsafeTarget(
            f"refused to write {path}: it is a file of the events being exported ({events}); give another path"
        )


def new_file_mode() -> int:
    """The mode a new file gets here: 0o666 less the umask (0o644 under the usual 022), as ``open`` would give."""
    # Python reads the umask only by setting it; it is put back at once.
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(
    path: Path, data: bytes, overwrite: bool = True, *, sync: bool = True, mode: int | None = None
) -> None:
    """Write a regular file whole or not at all; with ``overwrite=False`` nothing that exists is ever replaced.

    Only a regular file is replaced (``check_target``), keeping its mode; a new file gets ``mode``, by default
    the usual one (``new_file_mode``), not the 0o600 of a temporary file. ``sync=False`` skips the fsync, for
    writers of many files. Raises ``UnsafeTarget``, ``FileExistsError`` (``overwrite=False``) or ``OSError``.
    """
    if overwrite:
        existing = check_target(path)
    elif os.path.lexists(path):  # early, without making a temporary file; os.link below is the real guard
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path))
    else:
        existing = None
    if existing is not None:
        mode = stat.S_IMODE(existing.st_mode)
    elif mode is None:
        mode = new_file_mode()
    path.parent.mkdir(parents=True, exist_ok=True)
    # A short prefix: the temporary name must stay under the 255 bytes a name may have, like the final one.
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:100]}.", suffix=".part")
    try:
        os.fchmod(fd, mode)  # mkstemp makes 0o600, private: an export or an event file is not
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        if overwrite:
            os.replace(temp, path)
        else:
            os.link(temp, path)  # fails with FileExistsError instead of replacing
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def write_output(path: Path, data: bytes) -> None:
    """Write to stdout for ``-``, else to a file with ``write_atomic``."""
    if is_stdout(path):
        sys.stdout.flush()  # text already echoed goes first
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_atomic(path, data)
