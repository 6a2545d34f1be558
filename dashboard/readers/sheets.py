"""CSV and Parquet files -> a Sheet: the columns that mean something here, as Arrow arrays, each row's line,
and the problems of the file as a whole (not UTF-8, a binary header, rows with the wrong number of fields)."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from dashboard.readers.vectors import as_text
from dashboard.table import Problem

if TYPE_CHECKING:  # Arrow's Parquet reader (and the file systems it brings: 10 MB a process) is imported where
    # a Parquet file is read, so a server over a built engine file never loads it
    import pyarrow.parquet as pq

INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}  # Unicode categories no column name should hold


# ---- reading a table -------------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """A table as read: its columns by lower-case name, each name's 1-based column, and each row's line."""

    columns: dict[str, pa.ChunkedArray]
    index: dict[str, int]
    lines: np.ndarray
    problems: list[Problem] = field(default_factory=list)
    reading: str = ""
    controls: bool = True  # False when the file is known to hold no control character: no cell needs checking
    first: int = 0  # the rows before these, when this is a slice of a table (``parquet_slices``)

    @property
    def rows(self) -> int:
        return len(self.lines)

    def take(self, name: str) -> pa.ChunkedArray | None:
        """A column, once: Arrow frees it when the caller is done (None when the table has no such column)."""
        self.reading = name  # the column a failure to convert it is about
        return self.columns.pop(name, None)

    def text(self, name: str) -> pd.Series:
        """A column as stripped text, once ('' where empty or missing)."""
        return as_text(self.take(name), self.rows)

    def at(self, name: str) -> int:
        """The column number of a column, for problems (1 when the table has no such column)."""
        return self.index.get(name, 1)


@dataclass
class Mapped:
    """A layout's columns, in the events table's terms, one value per row; ``where`` names the column each
    field came from, for problems."""

    where: dict[str, int]
    ident: pd.Series
    title: pd.Series
    date: pd.Series
    end: pd.Series
    zone: pd.Series
    approximate: np.ndarray
    approximate_bad: np.ndarray  # rows whose approximate flag cannot be read
    category: pd.Series
    actors: np.ndarray
    tags: np.ndarray
    name_codes: np.ndarray  # the place's name, as codes into name_values
    name_values: np.ndarray
    country: pd.Series
    lat: np.ndarray
    lat_bad: np.ndarray
    lon: np.ndarray
    lon_bad: np.ndarray
    summary: pd.Series
    publisher: pd.Series
    source_title: pd.Series
    source_url: pd.Series
    published: pd.Series
    links: pd.Series
    # What only the native layout has: the event's status and its source's grades and attribution (None: not read).
    status: pd.Series | None = None
    reliability: pd.Series | None = None
    credibility: pd.Series | None = None
    attribution: pd.Series | None = None


def _header_problems(shown: str, names: list[str]) -> list[Problem]:
    seen: dict[str, int] = {}
    problems = []
    for index, name in enumerate(names, start=1):
        if name in seen:
            problems.append(
                Problem(
                    shown,
                    1,
                    index,
                    f"the column '{name}' appears twice (first as column {seen[name]}): name every column once",
                )
            )
        seen.setdefault(name, index)
    return problems


def _unprintable_names(shown: str, header: list[str]) -> list[Problem]:
    """A problem for the first column name holding a control or other invisible character (binary, say)."""
    for index, name in enumerate(header, start=1):
        bad = next((char for char in name if unicodedata.category(char) in INVISIBLE), None)
        if bad is not None:
            return [
                Problem(
                    shown,
                    1,
                    index,
                    f"the name of column {index} holds the invisible character "
                    f"U+{ord(bad):04X}: the header must be plain text (is this a CSV?)",
                )
            ]
    return []


def _count_lines(path: Path) -> int:
    count, last = 0, b"\n"
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 24):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def _exact_lines(path: Path, delimiter: str, width: int) -> tuple[list[int], list[tuple[int, int]]]:
    """Each good row's first line, and (line, fields) of rows with the wrong number of fields (slow, exact)."""
    lines, bad = [], []
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        next(reader, None)
        previous = reader.line_num
        for row in reader:
            first, previous = previous + 1, reader.line_num
            if not row:
                continue
            if len(row) != width:
                bad.append((first, len(row)))
            else:
                lines.append(first)
    return lines, bad


def _first_bad_utf8(path: Path) -> tuple[int, int]:
    """The line and byte of the first byte that is not UTF-8."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return data.count(b"\n", 0, error.start) + 1, error.start
    return 1, 0


def _csv_header(path: Path, shown: str) -> tuple[str, list[str]] | list[Problem]:
    """The delimiter and the column names of a CSV file, or why its first line cannot be its header."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(1 << 16)
    except OSError as error:
        return [Problem(shown, 1, 1, f"cannot read the file: {error.strerror or error}")]
    # The header is the first line as CSV sees lines: up to "\n" (str.splitlines would also break at form
    # feeds and U+2028, and then the header would not be the one Arrow reads).
    line = head.split(b"\n", 1)[0]
    if len(line) == len(head) == 1 << 16:
        return [Problem(shown, 1, 1, "the first line is over 64 KiB long: it must name the columns (is this a CSV?)")]
    try:
        first = line.decode("utf-8-sig").removesuffix("\r")
    except UnicodeDecodeError as error:
        return [Problem(shown, 1, 1, f"not UTF-8 text (byte {error.start}): save the table as UTF-8")]
    if not first.strip():
        return [Problem(shown, 1, 1, "the table is empty: the first line must name the columns")]
    if "\r" in first:
        return [
            Problem(
                shown,
                1,
                first.index("\r") + 1,
                "the lines end in a lone carriage return (CR), as on old "
                "Macs: save the table with LF or CRLF line endings",
            )
        ]
    # Comma unless the header has none and semicolons or tabs instead (spreadsheets in some languages).
    delimiter = "," if "," in first else max(";\t", key=first.count) if (";" in first or "\t" in first) else ","
    header = next(csv.reader([first], delimiter=delimiter))
    problems = _header_problems(shown, [name.strip().lower() for name in header]) or _unprintable_names(shown, header)
    return problems or (delimiter, header)


def _arrow_csv(
    path: Path, delimiter: str, wanted: list[str], header: list[str], limit: int | None, physical: int
) -> tuple[pa.Table, list[int]]:
    """The wanted columns as text, and the widths of the rows Arrow skipped for having the wrong number of fields;
    ``physical`` is the file's number of lines (unused with a ``limit``)."""
    convert = pcsv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        include_columns=wanted,
    )
    options = pcsv.ReadOptions(block_size=1 << 24)
    invalid: list[int] = []

    def skip(row: Any) -> str:  # a row with the wrong number of fields: noted, and left out
        invalid.append(row.actual_columns)
        return "skip"

    def parse(newlines: bool) -> Any:
        invalid.clear()
        return pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=newlines, invalid_row_handler=skip)

    if limit is not None:
        with pcsv.open_csv(path, read_options=options, parse_options=parse(True), convert_options=convert) as stream:
            batches, count = [], 0
            for batch in stream:
                batches.append(batch)
                count += batch.num_rows
                if count >= limit:
                    break
            return pa.Table.from_batches(batches, schema=stream.schema).slice(0, limit), invalid
    # Values with line breaks in them make Arrow read 2.5 times slower. Try without: if every line was a row, no
    # value had one; otherwise read again, allowing them.
    try:
        table = pcsv.read_csv(path, read_options=options, parse_options=parse(False), convert_options=convert)
    except pa.ArrowInvalid:
        table = None
    if table is None or invalid or table.num_rows + 1 != physical:
        table = pcsv.read_csv(path, read_options=options, parse_options=parse(True), convert_options=convert)
    return table, invalid


def _row_lines(
    path: Path,
    table: pa.Table,
    delimiter: str,
    width: int,
    physical: int | None,
    exact: bool,
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Each row's first line, and (line, fields) of the rows left out for having the wrong number of fields.

    A row's line is the header's line plus the lines of the rows before it, counting the line breaks inside
    quoted values (ACLED's notes have them). When the file has more lines than that (blank lines, rows with the
    wrong number of fields, which the reader skips, or line breaks in a column not read), the lines are counted
    exactly, the slow way; ``exact`` forces that (some rows were skipped). ``physical`` None: the first rows only
    were read, and their lines are as counted."""
    breaks = np.zeros(table.num_rows, dtype=np.int64)
    for column in table.columns:
        breaks += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False).astype(np.int64)
    steps = 1 + breaks
    lines = 2 + np.concatenate([[0], np.cumsum(steps)[:-1]]) if table.num_rows else np.zeros(0, np.int64)
    if physical is None or (not exact and 1 + int(steps.sum()) == physical):
        return lines, []
    found, bad = _exact_lines(path, delimiter, width)
    return (np.asarray(found, dtype=np.int64) if len(found) == table.num_rows else lines), bad


def _read_csv(path: Path, shown: str, limit: int | None, known: Iterable[str]) -> Sheet | list[Problem]:
    header_or_problems = _csv_header(path, shown)
    if isinstance(header_or_problems, list):
        return header_or_problems
    delimiter, header = header_or_problems
    names = [name.strip().lower() for name in header]
    # Only the columns that mean something here are kept: an ACLED export has thirty, half of them unused.
    known = set(known)
    wanted = [raw for raw, name in zip(header, names, strict=True) if name in known] or header[:1]
    try:
        physical = _count_lines(path) if limit is None else None
        table, invalid = _arrow_csv(path, delimiter, wanted, header, limit, physical or 0)
    except (pa.ArrowException, OSError) as error:
        if "UTF8" in str(error) or "UTF-8" in str(error):
            line, byte = _first_bad_utf8(path)
            return [Problem(shown, line, 1, f"not UTF-8 text (byte {byte}): save the table as UTF-8")]
        return [Problem(shown, 1, 1, f"cannot read the table: {str(error).splitlines()[0]}")]
    lines, bad = _row_lines(path, table, delimiter, len(header), physical, exact=bool(invalid))
    problems = [
        Problem(
            shown,
            line,
            1,
            f"the row has {width} field{'s' * (width != 1)} where the header has {len(header)}: the row is left out",
        )
        for line, width in bad
    ]
    return Sheet(
        {name.strip().lower(): _unescape_formulas(table.column(name)) for name in table.column_names},
        {name: i + 1 for i, name in enumerate(names)},
        lines,
        problems,
        controls=_holds_controls(path),
    )


# The control characters no cell should hold (tabs and line breaks may). A file is scanned for them whole, by
# deleting every other byte (bytes.translate, in C: 40 MB in 0.03 s), much faster than column by column.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_OTHER_BYTES = bytes(byte for byte in range(256) if byte not in _CONTROL_BYTES)


def _holds_controls(path: Path) -> bool:
    """True when a file holds a control character somewhere (or cannot be read to find out)."""
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 24):
                if chunk.translate(None, _OTHER_BYTES):
                    return True
    except OSError:
        return True
    return False


def _unescape_formulas(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Undo ``records.csv_cell``: a CSV export puts "'" before a cell a spreadsheet would run as a formula
    ('=1+1', '@SUM(A1)', ...), and before quotes that precede such a character. Exactly one "'" is taken off, and
    only there: "'plain" stays as written."""
    if not pc.any(pc.starts_with(column, "'")).as_py():  # most tables: nothing to undo
        return column
    return pc.replace_substring_regex(column, pattern=r"^'('*[=+\-@\t\r])", replacement=r"\1")


def _parquet_header(source: pq.ParquetFile, shown: str, known: Iterable[str]) -> tuple[list[str], list[str]]:
    """The columns of a Parquet file that mean something here (an ACLED export has thirty, half of them unused),
    and all its column names in lower case; raises ValueError with the header's problems."""
    header = source.schema_arrow.names
    names = [name.strip().lower() for name in header]
    problems = _header_problems(shown, names)
    if problems:
        raise _HeaderRefused(problems)
    return [raw for raw, name in zip(header, names, strict=True) if name in known], names


class _HeaderRefused(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].message)
        self.problems = problems


def _parquet_sheet(table: pa.Table, names: list[str], first: int, problems: list[Problem]) -> Sheet:
    """A Parquet table's rows as a sheet, the first of them the table's row ``first`` (0-based)."""
    return Sheet(
        {name.strip().lower(): table.column(name) for name in table.column_names},
        {name: i + 1 for i, name in enumerate(names)},
        np.arange(first, first + table.num_rows, dtype=np.int64) + 2,
        problems,
        first=first,
    )


def _read_parquet(path: Path, shown: str, limit: int | None, known: Iterable[str]) -> Sheet | list[Problem]:
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
        wanted, names = _parquet_header(source, shown, known)
        if limit is None:
            table = source.read(columns=wanted)
        else:
            batches, count = [], 0
            for batch in source.iter_batches(batch_size=min(limit, 65536), columns=wanted):
                batches.append(batch)
                count += batch.num_rows
                if count >= limit:
                    break
            table = (pa.Table.from_batches(batches) if batches else source.read(columns=wanted)).slice(0, limit)
    except _HeaderRefused as refused:
        return refused.problems
    except (OSError, pa.ArrowException, ValueError) as error:
        return [_unreadable_parquet(shown, error)]
    return _parquet_sheet(table, names, 0, [])


def _unreadable_parquet(shown: str, error: Exception, read: int = 0) -> Problem:
    """The problem of a Parquet file that cannot be read: whole, or from a row on (``read`` rows were read, and
    are kept), at that row's line."""
    if read:
        why = f"cannot read the Parquet file from this row on ({read:,} rows before it are read)"
        return Problem(shown, read + 2, 1, f"{why}: {str(error).splitlines()[0]}")
    return Problem(shown, 1, 1, f"cannot read the Parquet file: {str(error).splitlines()[0]}")


def parquet_rows(path: Path) -> int | None:
    """How many rows a Parquet file holds, from its footer (None when it cannot be read as Parquet)."""
    import pyarrow.parquet as pq

    try:
        rows: int = pq.ParquetFile(path).metadata.num_rows
        return rows
    except (OSError, pa.ArrowException, ValueError):
        return None


def parquet_slices(path: Path, shown: str, known: Iterable[str], rows: int) -> Iterator[Sheet | list[Problem]]:
    """A Parquet file as sheets of ``rows`` rows at a time, in order: only one slice is held at once. Yields the
    file's problems instead, and stops, when it cannot be read (at its header, or part way)."""
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
        wanted, names = _parquet_header(source, shown, known)
    except _HeaderRefused as refused:
        yield refused.problems
        return
    except (OSError, pa.ArrowException, ValueError) as error:
        yield [_unreadable_parquet(shown, error)]
        return
    first = 0
    batches = source.iter_batches(batch_size=rows, columns=wanted)
    while True:
        try:
            batch = next(batches, None)
        except (OSError, pa.ArrowException, ValueError) as error:
            yield [_unreadable_parquet(shown, error, first)]
            return
        if batch is None:
            return
        yield _parquet_sheet(pa.Table.from_batches([batch]), names, first, [])
        first += batch.num_rows


def read_sheet(path: Path, shown: str, limit: int | None, known: Iterable[str]) -> Sheet | list[Problem]:
    """The columns named in ``known`` (lower case) of a CSV or Parquet file, or its problems when it cannot be
    read as a table; ``limit`` reads the first rows only."""
    if path.suffix.lower() == ".parquet":
        return _read_parquet(path, shown, limit, known)
    return _read_csv(path, shown, limit, known)
