"""CSV and Parquet tables of events -> rows like the YAML store's, with located problems; and rows -> event files.

Two layouts are read (README, "Tables"):

- native: the keys of an event file as columns (id, title, date, end, approximate, timezone, category, actors,
  tags, place, country, lat, lon, summary, source, source_title, source_url, published, links);
- ACLED exports (event_id_cnty, event_date, event_type, sub_event_type, actor1, ..., notes, source), detected by
  their event_date and event_type columns.

A table of a million rows must load in seconds, so nothing here goes row by row: columns are read by Arrow,
checked and converted as whole columns, and everything that repeats (dates, places, sources, actor lists,
the "when" text) is worked out once per distinct value and shared between the rows that hold it. Dates that
are not ISO 8601 (``15 January 2024``, ``Wednesday``) go through ``dashboard.dates`` one distinct value at a
time. Nested parts are checked by the same pydantic models as event files, once per distinct value.

A bad row becomes a ``Problem`` at its line (a CSV file's line, the header being line 1; a Parquet row's number
plus 1) and the column of the bad field, and is left out; the other rows load.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import errno
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import yaml
from pydantic import BaseModel, ValidationError

from dashboard.dates import EARLIEST, LATEST, DateError, When, format_when, resolve
from dashboard.model import (
    ID_MAX,
    NAME_MAX,
    SETTINGS_FILE,
    SLUG,
    CollectionSettings,
    EventFile,
    Link,
    Place,
    Precision,
    Source,
    slugify,
)
from dashboard.reading import Refused, check_regular
from dashboard.records import new_file_mode, write_atomic
from dashboard.table import COLUMNS, SPOTS, Problem

try:  # the C emitter writes event files several times faster
    from yaml import CSafeDumper as SafeDumper
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper  # type: ignore[assignment]

NATIVE = ("id", "title", "date", "end", "approximate", "timezone", "category", "actors", "tags", "place", "country",
          "lat", "lon", "summary", "source", "source_title", "source_url", "published", "links")
ACLED = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "actor2", "assoc_actor_1",
         "assoc_actor_2", "location", "admin1", "country", "latitude", "longitude", "notes", "source",
         "time_precision")
NATIVE_REQUIRED = ("title", "date")
ACLED_SIGN = ("event_date", "event_type")
DEFAULT_CATEGORY = "other"  # for a native table without a category column
LIST_SEPARATOR = ";"  # actors, tags and links in a CSV cell: 'NATO; Jens Stoltenberg'
INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}  # Unicode categories no column name should hold
SOURCE_COLUMNS = ["_date", "_end", "_timezone", "_approximate"]  # as written, for `timeline import`
TITLE_MAX = next(m.max_length for m in EventFile.model_fields["title"].metadata if hasattr(m, "max_length"))
TRUE, FALSE = {"true", "yes", "y", "t", "1"}, {"", "false", "no", "n", "f", "0"}

Step = Callable[[float], None]


# ---- reading a table -------------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """A table as read: its columns by lower-case name, each name's 1-based column, and each row's line."""

    columns: dict[str, pa.ChunkedArray]
    index: dict[str, int]
    lines: np.ndarray
    problems: list[Problem] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.lines)


def _header_problems(shown: str, names: list[str]) -> list[Problem]:
    seen: dict[str, int] = {}
    problems = []
    for index, name in enumerate(names, start=1):
        if name in seen:
            problems.append(Problem(shown, 1, index, f"the column '{name}' appears twice (first as column "
                                                     f"{seen[name]}): name every column once"))
        seen.setdefault(name, index)
    return problems


def _unprintable_names(shown: str, header: list[str]) -> list[Problem]:
    """A problem for the first column name holding a control or other invisible character (binary, say)."""
    for index, name in enumerate(header, start=1):
        bad = next((char for char in name if unicodedata.category(char) in INVISIBLE), None)
        if bad is not None:
            return [Problem(shown, 1, index, f"the name of column {index} holds the invisible character "
                                             f"U+{ord(bad):04X}: the header must be plain text (is this a CSV?)")]
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


def _read_csv(path: Path, shown: str, limit: int | None) -> Sheet | list[Problem]:
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
    # Comma unless the header has none and semicolons or tabs instead (spreadsheets in some languages).
    delimiter = "," if "," in first else max(";\t", key=first.count) if (";" in first or "\t" in first) else ","
    header = next(csv.reader([first], delimiter=delimiter))
    names = [name.strip().lower() for name in header]
    problems = _header_problems(shown, names) or _unprintable_names(shown, header)
    if problems:
        return problems
    # Only the columns that mean something here are kept: an ACLED export has thirty, half of them unused.
    wanted = [raw for raw, name in zip(header, names, strict=True) if name in NATIVE or name in ACLED] or header[:1]
    convert = pcsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False,
                                  quoted_strings_can_be_null=False, include_columns=wanted)
    options = pcsv.ReadOptions(block_size=1 << 24)
    invalid: list[int] = []

    def parse(newlines: bool) -> pcsv.ParseOptions:
        invalid.clear()
        return pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=newlines,
                                 invalid_row_handler=lambda row: invalid.append(row.actual_columns) or "skip")

    try:
        if limit is None:
            physical = _count_lines(path)
            # Values with line breaks in them make Arrow read 2.5 times slower. Try without: if every line was a
            # row, no value had one; otherwise read again, allowing them.
            try:
                table = pcsv.read_csv(path, read_options=options, parse_options=parse(False), convert_options=convert)
            except pa.ArrowInvalid:
                table = None
            if table is None or invalid or table.num_rows + 1 != physical:
                table = pcsv.read_csv(path, read_options=options, parse_options=parse(True), convert_options=convert)
        else:
            with pcsv.open_csv(path, read_options=options, parse_options=parse(True),
                               convert_options=convert) as stream:
                batches, count = [], 0
                for batch in stream:
                    batches.append(batch)
                    count += batch.num_rows
                    if count >= limit:
                        break
                table = pa.Table.from_batches(batches, schema=stream.schema).slice(0, limit)
    except (pa.ArrowException, OSError) as error:
        if "UTF8" in str(error) or "UTF-8" in str(error):
            line, byte = _first_bad_utf8(path)
            return [Problem(shown, line, 1, f"not UTF-8 text (byte {byte}): save the table as UTF-8")]
        return [Problem(shown, 1, 1, f"cannot read the table: {str(error).splitlines()[0]}")]
    # A row's line is the header's line plus the lines of the rows before it, counting the line breaks inside
    # quoted values (ACLED's notes have them). When the file has more lines than that (blank lines, rows with
    # the wrong number of fields, which the reader skips, or line breaks in a column not read), the lines are
    # counted exactly, the slow way.
    breaks = np.zeros(table.num_rows, dtype=np.int64)
    for column in table.columns:
        breaks += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False).astype(np.int64)
    steps = 1 + breaks
    lines = 2 + np.concatenate([[0], np.cumsum(steps)[:-1]]) if table.num_rows else np.zeros(0, np.int64)
    if limit is None and (invalid or 1 + int(steps.sum()) != physical):
        exact, bad = _exact_lines(path, delimiter, len(header))
        if len(exact) == table.num_rows:
            lines = np.asarray(exact, dtype=np.int64)
        problems.extend(Problem(shown, line, 1, f"the row has {width} field{'s' * (width != 1)} where the header "
                                                f"has {len(header)}: the row is left out") for line, width in bad)
    return Sheet({name.strip().lower(): _unescape_formulas(table.column(name)) for name in table.column_names},
                 {name: i + 1 for i, name in enumerate(names)}, lines, problems)


def _unescape_formulas(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Undo ``records.csv_cell``: a CSV export puts "'" before a cell a spreadsheet would run as a formula
    ('=1+1', '@SUM(A1)', ...), and before quotes that precede such a character. Exactly one "'" is taken off, and
    only there: "'plain" stays as written."""
    if not pc.any(pc.starts_with(column, "'")).as_py():  # most tables: nothing to undo
        return column
    return pc.replace_substring_regex(column, pattern=r"^'('*[=+\-@\t\r])", replacement=r"\1")


def _read_parquet(path: Path, shown: str, limit: int | None) -> Sheet | list[Problem]:
    try:
        source = pq.ParquetFile(path)
        header = source.schema_arrow.names
        names = [name.strip().lower() for name in header]
        problems = _header_problems(shown, names)
        if problems:
            return problems
        # Read only the columns that mean something here: an ACLED export has thirty, half of them unused.
        wanted = [raw for raw, name in zip(header, names, strict=True) if name in NATIVE or name in ACLED]
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
    except (OSError, pa.ArrowException, ValueError) as error:
        return [Problem(shown, 1, 1, f"cannot read the Parquet file: {str(error).splitlines()[0]}")]
    return Sheet({name.strip().lower(): table.column(name) for name in table.column_names},
                 {name: i + 1 for i, name in enumerate(names)}, np.arange(table.num_rows, dtype=np.int64) + 2,
                 problems)


def _read(path: Path, shown: str, limit: int | None) -> Sheet | list[Problem]:
    if path.suffix.lower() == ".parquet":
        return _read_parquet(path, shown, limit)
    return _read_csv(path, shown, limit)


# ---- columns as text, numbers and lists ----------------------------------------------------------------------


def _repeat(text: str, rows: int) -> pd.Series:
    """The same text in every row, built by Arrow without a Python object per row."""
    data = text.encode("utf-8")
    offsets = np.arange(rows + 1, dtype=np.int64) * len(data)
    array = pa.LargeStringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(data * rows))
    return pa.chunked_array([array.cast(pa.string()) if len(data) * rows < 2**31 else array]).to_pandas()


def _blank(rows: int) -> pd.Series:
    return _repeat("", rows)


def _pick(values: pd.Series | np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Some rows' values as NumPy objects, without converting the whole column."""
    if isinstance(values, pd.Series):
        return values.iloc[rows].to_numpy(dtype=object)
    return np.asarray(values)[rows]


def _take_text(values: np.ndarray, codes: np.ndarray) -> pd.Series:
    """A text column from distinct values and each row's code, taken by Arrow (no Python string per row)."""
    return pa.chunked_array([pa.array(values, pa.string()).take(pa.array(codes))]).to_pandas()


def _per_value(values: pd.Series, convert: Callable[[pd.Series], Any]) -> np.ndarray:
    """``convert`` applied to each distinct value once, spread back over the rows."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(convert(pd.Series(uniques, dtype=values.dtype)))[codes]


def _timestamp_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Timestamps as ISO text: days when every value is a midnight (a date stored as a time), else minutes."""
    moments = column.to_pandas()
    if moments.dt.tz is not None:
        text = _per_value(moments, lambda m: m.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%MZ"))
    else:
        known = moments.dropna()
        shape = "%Y-%m-%d" if (known == known.dt.normalize()).all() else "%Y-%m-%dT%H:%M"
        text = _per_value(moments, lambda m: m.dt.strftime(shape))
    return pa.chunked_array([pa.array(pd.Series(text, dtype=object).where(moments.notna(), None), pa.string())])


def _text(column: pa.ChunkedArray | None, rows: int) -> pd.Series:
    """A column as stripped text ('' where empty or missing), whatever its Arrow type."""
    if column is None or pa.types.is_null(column.type):
        return _blank(rows)
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = column.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        column = pc.binary_join(column.cast(pa.list_(pa.string())), "; ")
    elif pa.types.is_timestamp(kind):
        column = _timestamp_text(column)
    elif pa.types.is_boolean(kind):
        column = pc.if_else(column, "true", "false")
    elif not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        column = column.cast(pa.string())
    column = pc.utf8_trim_whitespace(column)  # faster than finding out whether there is anything to trim
    if column.null_count:
        column = column.fill_null("")
    return column.to_pandas()


def _number(column: pa.ChunkedArray | None, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """A column as floats (NaN where empty), and where it held text that is not a number."""
    if column is None:
        return np.full(rows, np.nan), np.zeros(rows, bool)
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type) or pa.types.is_decimal(column.type):
        return column.cast(pa.float64()).to_numpy(zero_copy_only=False).astype(float), np.zeros(rows, bool)
    text = _text(column, rows)
    values = _per_value(text, lambda distinct: pd.to_numeric(distinct, errors="coerce")).astype(float)
    return values, (text != "").to_numpy(bool) & np.isnan(values)


def _list_key(column: pa.ChunkedArray | None, rows: int) -> tuple[pd.Series, str]:
    """A list column as one text per row and the separator to split it by: Arrow lists or 'a; b' text."""
    if column is not None and (pa.types.is_list(column.type) or pa.types.is_large_list(column.type)):
        joined = pc.binary_join(column.cast(pa.list_(pa.string())), "\x1f").fill_null("")
        return joined.to_pandas(), "\x1f"
    return _text(column, rows), LIST_SEPARATOR


def _items(text: str, separator: str, unique: bool = False) -> list[str]:
    items = [part.strip() for part in text.split(separator)]
    items = [item for item in items if item]
    return list(dict.fromkeys(items)) if unique else items


def _lists(key: pd.Series, separator: str) -> np.ndarray:
    """Each row's list, one list object per distinct text, shared between the rows that hold it."""
    codes, uniques = pd.factorize(key, use_na_sentinel=False)
    lists = np.empty(len(uniques), dtype=object)
    for index, text in enumerate(uniques):
        lists[index] = _items(text, separator)
    return lists[codes]


def _long_names(lists: np.ndarray) -> np.ndarray:
    """Rows whose list holds a name over ``NAME_MAX`` characters, checking each shared list object once."""
    codes, uniques = pd.factorize(np.fromiter(map(id, lists), dtype=np.int64, count=len(lists)))
    firsts = _firsts(codes)
    long = np.fromiter((any(len(name) > NAME_MAX for name in lists[i]) for i in firsts.tolist()), bool,
                       count=len(firsts))
    return long[codes] if long.any() else np.zeros(len(lists), bool)


def _merged_lists(columns: list[pd.Series]) -> np.ndarray:
    """Each row's items from several 'a; b' columns, without repeats; one list per distinct combination."""
    codes, pieces = [], []
    for column in columns:
        column_codes, uniques = pd.factorize(column, use_na_sentinel=False)
        codes.append(column_codes)
        pieces.append([_items(text, LIST_SEPARATOR) for text in uniques])
    joint = _codes(*codes)
    firsts = _firsts(joint)
    lists = np.empty(len(firsts), dtype=object)
    at_firsts = [column_codes[firsts].tolist() for column_codes in codes]
    for index, combination in enumerate(zip(*at_firsts, strict=True)):
        items: list[str] = []
        for piece, code in zip(pieces, combination, strict=True):
            items += piece[code]
        lists[index] = items if len(set(items)) == len(items) else list(dict.fromkeys(items))
    return lists[joint]


def _codes(*columns: pd.Series | np.ndarray) -> np.ndarray:
    """One code per distinct combination of the columns' values, numbered from 0 in order of appearance."""
    joint, size = np.zeros(len(columns[0]), dtype=np.int64), 1
    for column in columns:
        if isinstance(column, np.ndarray) and column.dtype == bool:
            codes, count = column.astype(np.int64), 2
        elif isinstance(column, np.ndarray) and column.dtype.kind in "iu" and len(column) and column.min() >= 0:
            codes, count = column.astype(np.int64), int(column.max()) + 1  # codes already
        else:
            codes, uniques = pd.factorize(column, use_na_sentinel=False)
            codes, count = codes.astype(np.int64), max(len(uniques), 1)
        if size * count >= 2**62:  # renumber before the product could overflow
            joint = pd.factorize(joint)[0].astype(np.int64)
            size = int(joint.max(initial=0)) + 1
        joint, size = joint * count + codes, size * count
    return pd.factorize(joint)[0].astype(np.int64)


def _firsts(codes: np.ndarray) -> np.ndarray:
    """The first row holding each code."""
    first = np.full(int(codes.max(initial=-1)) + 1, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes), dtype=np.int64))
    return first


def _shared(value: Any, rows: int) -> np.ndarray:
    """An object column holding the same object in every row."""
    one = np.empty(1, dtype=object)
    one[0] = value
    return one[np.zeros(rows, dtype=np.intp)]


# ---- dates ---------------------------------------------------------------------------------------------------

ISO_FORMS = {"year": r"\d{4}", "month": r"\d{4}-\d{2}", "day": r"\d{4}-\d{2}-\d{2}"}
ISO_TIME = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?"
ISO_OFFSET = r"(?:Z|[+-]\d{2}:\d{2})"
UNITS = {"year": "Y", "month": "M", "day": "D"}
COARSE_FIRST = [str(p) for p in Precision]
NAT = np.datetime64("NaT", "us")
EPOCH = dt.datetime(1970, 1, 1)


@dataclass
class _Spans:
    """Spans of distinct date texts: ``ok`` where read here, ``None`` precision elsewhere."""

    ok: np.ndarray
    start: np.ndarray
    end: np.ndarray
    precision: np.ndarray
    zone: np.ndarray

    @classmethod
    def empty(cls, size: int) -> _Spans:
        return cls(np.zeros(size, bool), np.full(size, NAT), np.full(size, NAT), np.full(size, None, object),
                   np.full(size, None, object))

    def put(self, rows: np.ndarray, start: np.ndarray, end: np.ndarray, precision: str, zone: Any = None) -> None:
        self.ok[rows], self.start[rows], self.end[rows], self.precision[rows], self.zone[rows] = (
            True, start, end, precision, zone)


def _parse_iso(text: pd.Series, mask: np.ndarray, utc: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``mask`` that pandas reads as ISO 8601 within the years the timeline shows, and their moments.

    The others are left to ``dashboard.dates``, which says what is wrong with each."""
    moments = pd.to_datetime(text[mask], format="ISO8601", errors="coerce", utc=utc)
    if utc:
        moments = moments.dt.tz_convert(None)
    values = moments.to_numpy("datetime64[us]")
    good = ~np.isnat(values) & (values >= np.datetime64(EARLIEST, "us")) & (values < np.datetime64(LATEST, "us"))
    return np.flatnonzero(mask)[good], values[good]


def _offset_zone(text: str) -> str:
    offset = "+00:00" if text.endswith("Z") else text[-6:]
    return "UTC" if offset in ("+00:00", "-00:00") else f"UTC{offset}"


def _iso_spans(text: pd.Series, zone: np.ndarray) -> _Spans:
    """Read the ISO 8601 forms as whole columns, exactly as ``dashboard.dates`` reads them one by one."""
    spans = _Spans.empty(len(text))
    for precision, pattern in ISO_FORMS.items():
        mask = text.str.fullmatch(pattern).to_numpy(bool)
        if mask.any():
            rows, start = _parse_iso(text, mask)
            spans.put(rows, start, (start.astype(f"datetime64[{UNITS[precision]}]") + 1).astype("datetime64[us]"),
                      precision)
    naive = text.str.fullmatch(ISO_TIME).to_numpy(bool)
    if naive.any():
        rows, moments = _parse_iso(text, naive)
        moments = moments.astype("datetime64[m]").astype("datetime64[us]")
        zones = zone[rows]
        plain = zones == ""
        spans.put(rows[plain], moments[plain], moments[plain], "minute")
        for name in set(zones[~plain].tolist()):
            pick = zones == name
            try:  # a time that a clock change skips or repeats is left to dates.py, like unknown zone names
                utc = (pd.DatetimeIndex(moments[pick]).tz_localize(name, ambiguous="NaT", nonexistent="NaT")
                       .tz_convert("UTC").tz_localize(None).to_numpy("datetime64[us]"))
            except Exception:  # noqa: BLE001 - any zone pandas cannot use is read the slow way
                continue
            good = ~np.isnat(utc)
            spans.put(rows[pick][good], utc[good], utc[good], "minute", name)
    offset = text.str.fullmatch(ISO_TIME + ISO_OFFSET).to_numpy(bool)
    if offset.any():
        rows, moments = _parse_iso(text, offset, utc=True)
        moments = moments.astype("datetime64[m]").astype("datetime64[us]")
        zones = np.array([_offset_zone(t) for t in text.to_numpy(object)[rows]], dtype=object)
        spans.put(rows, moments, moments, "minute", zones)
    return spans


@lru_cache(maxsize=1 << 16)
def _when_text(start: int, end: int, precision: str, approximate: bool, zone: str | None) -> str:
    """``format_when`` of a span given as microseconds since 1970, remembered across rows and tables."""
    return format_when(When(EPOCH + dt.timedelta(microseconds=start), EPOCH + dt.timedelta(microseconds=end),
                            Precision(precision), approximate, zone))


def _reference(published: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(published[:10])
    except ValueError:
        return None


@dataclass
class _Dates:
    """The spans of distinct (date, end, timezone, approximate, published) combinations, and their problems."""

    start: np.ndarray
    end: np.ndarray
    precision: np.ndarray
    approximate: np.ndarray
    zone: np.ndarray
    when: np.ndarray
    error: np.ndarray  # None, or (field, message)


def _resolve_distinct(date: np.ndarray, end: np.ndarray, zone: np.ndarray, approximate: np.ndarray,
                      published: np.ndarray) -> _Dates:
    first = _iso_spans(pd.Series(date, dtype="str"), zone)
    has_end = end != ""
    last = _iso_spans(pd.Series(end, dtype="str"), zone)
    fast = first.ok & (~has_end | last.ok)
    both = fast & has_end
    backwards = (last.end < first.start) | ((last.end == first.start) & (last.start < first.start))
    fast &= ~(both & backwards)  # dates.py words the message
    both &= fast
    start, stop, precision, zones = first.start, first.end.copy(), first.precision.copy(), first.zone.copy()
    rows = np.flatnonzero(both)
    stop[rows] = np.maximum(last.end[rows], first.end[rows])
    precision[rows] = [min(a, b, key=COARSE_FIRST.index) for a, b in zip(precision[rows], last.precision[rows],
                                                                          strict=True)]
    zones[rows] = [a or b for a, b in zip(zones[rows], last.zone[rows], strict=True)]
    approximate = approximate.copy()  # ISO dates are exact: only the approximate flag makes them approximate
    error = np.full(len(date), None, dtype=object)
    for i in np.flatnonzero(~fast).tolist():
        try:
            when = resolve(date[i], end[i] or None, _reference(published[i]), zone[i] or None, bool(approximate[i]))
        except DateError as problem:
            name = getattr(problem, "field", "date")
            error[i] = (name, f"'{name}': {problem}")
            continue
        except (ValueError, OverflowError):
            error[i] = ("date", f"'date': \"{date[i]}\" is outside the years the timeline can show")
            continue
        start[i], stop[i] = np.datetime64(when.start, "us"), np.datetime64(when.end, "us")
        precision[i], approximate[i], zones[i] = str(when.precision), when.approximate, when.zone
    when_text = np.full(len(date), None, dtype=object)
    starts, stops = start.astype(np.int64), stop.astype(np.int64)
    for i in np.flatnonzero(error == None).tolist():  # noqa: E711 - elementwise
        when_text[i] = _when_text(int(starts[i]), int(stops[i]), precision[i], bool(approximate[i]), zones[i])
    return _Dates(start, stop, precision, approximate, zones, when_text, error)


# ---- rows -------------------------------------------------------------------------------------------------------


class _Faults:
    """Problems of rows, gathered column by column; a row with any problem is left out."""

    def __init__(self, rows: int) -> None:
        self.bad = np.zeros(rows, bool)
        self.found: list[tuple[np.ndarray, int, str | list[str]]] = []

    def add(self, where: np.ndarray, column: int, message: str | list[str] | Callable[[np.ndarray], list[str]],
            ) -> None:
        """A problem in ``column`` of the rows ``where`` (a mask or row numbers) is true for."""
        rows = np.flatnonzero(where) if where.dtype == bool else where
        if not len(rows):
            return
        self.bad[rows] = True
        self.found.append((rows, column, message(rows) if callable(message) else message))

    def add_distinct(self, codes: np.ndarray, errors: dict[int, list[tuple[int, str]]]) -> None:
        """Problems found once per distinct value (``codes`` maps rows to values), for every row holding it."""
        if not errors:
            return
        rows = np.flatnonzero(np.isin(codes, np.fromiter(errors, dtype=np.int64)))
        for row in rows.tolist():
            for column, message in errors[int(codes[row])]:
                self.found.append((np.array([row]), column, message))
        self.bad[rows] = True

    def problems(self, shown: str, lines: np.ndarray) -> list[Problem]:
        found = []
        for rows, column, message in self.found:
            at = lines[rows].tolist()
            messages = [message] * len(at) if isinstance(message, str) else message
            found.extend(Problem(shown, line, column, text) for line, text in zip(at, messages, strict=True))
        return found


def _model_errors(model: type[BaseModel], data: dict[str, Any], columns: dict[str, tuple[str, int]],
                  ) -> tuple[BaseModel | None, list[tuple[int, str]]]:
    """Check a nested part with its model; each error at the column its key comes from, named as in the table."""
    try:
        return model.model_validate(data), []
    except ValidationError as error:
        found = []
        for item in error.errors(include_url=False):
            key = str(item["loc"][0]) if item["loc"] else ""
            name, column = columns.get(key, columns[""])
            found.append((column, f"'{name}': {item['msg'].removeprefix('Value error, ')}"))
        return None, found


def _slug_map(values: pd.Series) -> pd.Series:
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return _take_text(np.array([slugify(v) if v else "" for v in uniques], dtype=object), codes)


def _join(*parts: pd.Series, separator: str = ", ") -> tuple[np.ndarray, np.ndarray]:
    """Each row's non-empty parts joined, without repeating a part (ACLED's location is often its admin1 too),
    as codes and the distinct texts."""
    codes = _codes(*parts)
    firsts = _firsts(codes)
    values = [_pick(part, firsts) for part in parts]
    joined = np.empty(len(firsts), dtype=object)
    for index, combination in enumerate(zip(*values, strict=True)):
        joined[index] = separator.join(dict.fromkeys(value for value in combination if value))
    return codes, joined


def _convert(sheet: Sheet, path: Path, shown: str, step: Step, keep_source: bool,
             ) -> tuple[pd.DataFrame, list[Problem]]:
    rows = sheet.rows
    names = set(sheet.index)
    problems = list(sheet.problems)
    acled = all(name in names for name in ACLED_SIGN)
    if not acled:
        missing = [name for name in NATIVE_REQUIRED if name not in names]
        if missing:
            return _no_rows(keep_source), problems + [Problem(
                shown, 1, 1, f"the table has no {' and no '.join(repr(m) for m in missing)} column: a table of "
                             f"events needs 'title' and 'date' (or ACLED's 'event_date' and 'event_type')")]
        for name in sorted(names - set(NATIVE), key=sheet.index.__getitem__):
            hint = difflib.get_close_matches(name, NATIVE, n=1)
            problems.append(Problem(shown, 1, sheet.index[name], f"unknown column '{name}' is left out"
                                    + (f": did you mean '{hint[0]}'?" if hint else f" (known: {', '.join(NATIVE)})")))

    def column(name: str) -> pa.ChunkedArray | None:
        return sheet.columns.pop(name, None)  # each column is read once: let Arrow free it when done

    def text(name: str) -> pd.Series:
        return _text(column(name), rows)

    def at(name: str) -> int:
        return sheet.index.get(name, 1)

    faults = _Faults(rows)
    lines = sheet.lines
    if acled:
        # ACLED's columns, renamed to the native ones; where a problem points: the ACLED column it came from.
        where = {"id": at("event_id_cnty"), "title": at("sub_event_type") if "sub_event_type" in names else
                 at("event_type"), "date": at("event_date"), "end": at("event_date"), "timezone": 1,
                 "approximate": at("time_precision"), "category": at("event_type"), "actors": at("actor1"),
                 "tags": at("sub_event_type"), "place": at("location"), "country": at("country"),
                 "lat": at("latitude"), "lon": at("longitude"), "summary": at("notes"), "source": at("source"),
                 "source_title": at("source"), "source_url": at("source"), "published": at("source"), "links": 1}
        ident = text("event_id_cnty").str.lower()
        kind, sub, location = text("event_type"), text("sub_event_type"), text("location")
        headline = pc.if_else(pc.equal(pa.array(sub), ""), pa.array(kind), pa.array(sub))
        joined = pc.binary_join_element_wise(headline, pa.array(location), pa.scalar(": ", headline.type))
        title = pa.chunked_array([pc.if_else(pc.equal(headline, ""), pa.array(location),
                                             pc.if_else(pc.equal(pa.array(location), ""), headline, joined))]
                                 ).to_pandas()
        date, end, zone = text("event_date"), _blank(rows), _blank(rows)
        precision_code, _ = _number(column("time_precision"), rows)
        written_approximate = precision_code >= 2  # ACLED's 2 and 3: the date is only known to a week or month
        category = _slug_map(kind)
        actors = _merged_lists([text(name) for name in ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2")])
        tags = _lists(sub, "\x1f")
        name_codes, name_values = _join(location, text("admin1"), text("country"))
        country = _blank(rows)
        lat, lat_bad = _number(column("latitude"), rows)
        lon, lon_bad = _number(column("longitude"), rows)
        summary = text("notes")
        publisher, source_title, source_url, published = text("source"), _blank(rows), _blank(rows), _blank(rows)
        links_text = _blank(rows)
    else:
        where = {name: at(name) for name in NATIVE}
        ident, title, date, end, zone = text("id"), text("title"), text("date"), text("end"), text("timezone")
        flag = text("approximate").str.lower()
        written_approximate = flag.isin(TRUE).to_numpy(bool)
        faults.add((~flag.isin(TRUE | FALSE)).to_numpy(bool), where["approximate"],
                   "'approximate': write true or false")
        category = text("category") if "category" in names else _repeat(DEFAULT_CATEGORY, rows)
        actors = _lists(*_list_key(column("actors"), rows))
        tags = _lists(*_list_key(column("tags"), rows))
        name_codes, name_uniques = pd.factorize(text("place"), use_na_sentinel=False)
        name_values = np.asarray(name_uniques, dtype=object)
        country = text("country")
        lat, lat_bad = _number(column("lat"), rows)
        lon, lon_bad = _number(column("lon"), rows)
        summary = text("summary")
        publisher, source_title = text("source"), text("source_title")
        source_url, published = text("source_url"), text("published")
        links_text = text("links")
    pa.default_memory_pool().release_unused()  # the columns as read, now stripped copies
    step(0.6)

    # Ids: the table's own, or the file's name and the row's number.
    missing = (ident == "").to_numpy(bool)
    if missing.any():
        stem = path.stem if re.fullmatch(SLUG, path.stem) else slugify(path.stem)
        ident = ident.where(~missing, stem + "-" + pd.Series(np.arange(1, rows + 1)).astype("str"))
    faults.add(~ident.str.fullmatch(SLUG).to_numpy(bool), where["id"],
               lambda bad: [f"'id': '{value}' cannot be an id: use lower-case letters, digits, '.', '_' and '-'"
                            for value in _pick(ident, bad)])
    for name, lists in (("actors", actors), ("tags", tags)):
        faults.add(_long_names(lists), where[name], f"'{name}': a name is over {NAME_MAX} characters")
    faults.add(ident.str.len().to_numpy() > ID_MAX, where["id"],
               f"'id': String should have at most {ID_MAX} characters")
    lengths = title.str.len().to_numpy()
    faults.add(lengths == 0, where["title"], "'title': String should have at least 1 character")
    faults.add(lengths > TITLE_MAX, where["title"], f"'title': String should have at most {TITLE_MAX} characters")
    faults.add((category == "").to_numpy(bool), where["category"],
               "'category': String should have at least 1 character")

    # Time zones, once per distinct name.
    zone_codes, zone_names = pd.factorize(zone, use_na_sentinel=False)
    unknown = {}
    for index, name in enumerate(zone_names):
        if name:
            try:
                EventFile._known_zone(name)
            except ValueError as error:
                unknown[index] = [(where["timezone"], f"'timezone': {error}")]
    faults.add_distinct(zone_codes, unknown)

    # Places and sources: built and checked by their models once per distinct combination.
    empty: list[Any] = []
    faults.add(lat_bad, where["lat"], "'lat': Input should be a valid number")
    faults.add(lon_bad, where["lon"], "'lon': Input should be a valid number")
    unreadable = lat_bad | lon_bad  # already a problem; the model would only add "give both lat and lon"
    place_codes = _codes(name_codes, country, lat, lon, unreadable)
    firsts = _firsts(place_codes)
    place_columns = {"name": ("place" if not acled else "location", where["place"]),
                     "country": ("country", where["country"]), "lat": ("lat", where["lat"]),
                     "lon": ("lon", where["lon"])}
    place_columns[""] = place_columns["lat"]
    place_lists = np.empty(len(firsts), dtype=object)
    errors: dict[int, list[tuple[int, str]]] = {}
    for code, (name, code_text, y, x, skip) in enumerate(zip(
            name_values[name_codes[firsts]], _pick(country, firsts), lat[firsts], lon[firsts], unreadable[firsts],
            strict=True)):
        if skip or (not name and not code_text and np.isnan(y) and np.isnan(x)):
            place_lists[code] = empty
            continue
        data = {"name": name, "country": code_text or None, "lat": None if np.isnan(y) else float(y),
                "lon": None if np.isnan(x) else float(x)}
        place, found = _model_errors(Place, data, place_columns)
        if found:
            errors[code] = found
        else:
            place_lists[code] = [place.model_dump()]  # type: ignore[union-attr]
    faults.add_distinct(place_codes, errors)

    source_codes = _codes(publisher, source_title, source_url, published)
    firsts = _firsts(source_codes)
    source_columns = {"title": ("source_title" if "source_title" in names else "source", where["source_title"]),
                      "publisher": ("source", where["source"]), "url": ("source_url", where["source_url"]),
                      "published": ("published", where["published"])}
    source_columns[""] = source_columns["title"]
    source_lists = np.empty(len(firsts), dtype=object)
    errors = {}
    for code, (who, heading, url, day) in enumerate(zip(
            *(_pick(part, firsts) for part in (publisher, source_title, source_url, published)), strict=True)):
        if not (who or heading or url or day):
            source_lists[code] = empty
            continue
        data = {"title": heading or who or url or "", "publisher": who or None, "url": url or None,
                "published": day or None}
        source, found = _model_errors(Source, data, source_columns)
        if found:
            errors[code] = found
        else:
            source_lists[code] = [source.model_dump()]  # type: ignore[union-attr]
    faults.add_distinct(source_codes, errors)

    # Links: 'relation:id; …' or 'id; …'.
    link_codes, link_texts = pd.factorize(links_text, use_na_sentinel=False)
    link_lists = np.empty(len(link_texts), dtype=object)
    errors = {}
    for code, cell in enumerate(link_texts):
        found_links, found = [], []
        for item in _items(cell, LIST_SEPARATOR):
            relation, _, target = item.rpartition(":")
            data = {"to": target.strip(), "relation": relation.strip()} if relation else {"to": target.strip()}
            link, problems_here = _model_errors(Link, data, {"": ("links", where["links"])})
            found.extend(problems_here)
            if link is not None:
                found_links.append({"to": link.to, "relation": str(link.relation)})  # type: ignore[attr-defined]
        if found:
            errors[code] = found
        link_lists[code] = found_links if found_links else empty
    faults.add_distinct(link_codes, errors)
    step(0.75)

    # Dates, once per distinct (date, end, zone, approximate, published).
    date_codes = _codes(date, end, zone, written_approximate, published)
    firsts = _firsts(date_codes)
    spans = _resolve_distinct(_pick(date, firsts), _pick(end, firsts), _pick(zone, firsts),
                              written_approximate[firsts], _pick(published, firsts))
    errors = {code: [(where[error[0]], error[1])] for code, error in enumerate(spans.error.tolist()) if error}
    faults.add_distinct(date_codes, errors)
    has_end = (end != "").to_numpy(bool)
    date_text = date.where(~has_end, date + " – " + end) if has_end.any() else date
    step(0.9)

    problems.extend(faults.problems(shown, lines))
    keep = np.flatnonzero(~faults.bad) if faults.bad.any() else None
    size = rows if keep is None else len(keep)

    def take(values: pd.Series | np.ndarray) -> Any:
        if isinstance(values, pd.Series):
            return values.array if keep is None else values.array.take(keep)
        return values if keep is None else np.asarray(values)[keep]

    codes = take(date_codes)
    kept_lines = take(lines)
    links = take(link_lists[link_codes])
    link_column = where["links"]
    link_at = np.full(size, None, dtype=object)
    for row in np.flatnonzero(np.fromiter(map(len, links), dtype=bool, count=size)).tolist():
        link_at[row] = [(int(kept_lines[row]), link_column)] * len(links[row])
    data = {
        "id": take(ident), "title": take(title), "start": spans.start[codes], "end": spans.end[codes],
        "precision": _take_text(spans.precision, codes).array, "approximate": spans.approximate[codes].astype(bool),
        "zone": spans.zone[codes], "when": _take_text(spans.when, codes).array, "date_text": take(date_text),
        "category": take(category), "actors": take(actors), "places": take(place_lists[place_codes]),
        "summary": take(summary), "quotes": _shared(empty, size), "sources": take(source_lists[source_codes]),
        "tags": take(tags), "links": links, "path": _repeat(shown, size).array, "line": kept_lines,
        "_id_line": kept_lines, "_id_col": np.full(size, where["id"], dtype=np.int32), "_cat_line": kept_lines,
        "_cat_col": np.full(size, where["category"], dtype=np.int32), "_link_at": link_at,
    }
    if keep_source:
        data.update({"_date": take(date), "_end": take(end), "_timezone": take(zone),
                     "_approximate": take(written_approximate)})
    step(1.0)
    return pd.DataFrame(data), problems


def _no_rows(keep_source: bool = False) -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS + SPOTS + (SOURCE_COLUMNS if keep_source else []))


def read_table(path: Path, shown: str | None = None, *, progress: Step | None = None, limit: int | None = None,
               keep_source: bool = False) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a CSV or Parquet table of events into store rows (``COLUMNS`` and ``SPOTS``) and problems.

    ``shown`` is the path problems name (default: as given); ``progress(share)`` hears the share done (0 to 1);
    ``limit`` reads the first rows only; ``keep_source`` adds the dates and flags as written (``SOURCE_COLUMNS``).
    Never raises for bad input.
    """
    shown = shown or str(path)
    step = progress or (lambda share: None)
    try:
        check_regular(path)  # a FIFO or a device would be read forever
    except Refused as error:
        return _no_rows(keep_source), [Problem(shown, 1, 1, str(error))]
    sheet = _read(path, shown, limit)
    if isinstance(sheet, list):
        return _no_rows(keep_source), sheet
    # Arrow's allocator keeps what reading and converting let go for reuse; hand it back to the system, or
    # a million-row table costs a third more memory than it holds.
    pa.default_memory_pool().release_unused()
    step(0.4)
    rows, problems = _convert(sheet, path, shown, step, keep_source)
    del sheet
    pa.default_memory_pool().release_unused()
    return rows, problems


# ---- rows -> event files (timeline import) -----------------------------------------------------------------------

SCHEMA_COMMENT = "# yaml-language-server: $schema=../schema/event.schema.json\n"


def event_data(row: dict[str, Any]) -> dict[str, Any]:
    """An event file's keys for a row read with ``keep_source``: the dates as written, lists only when not empty."""
    data: dict[str, Any] = {"title": row["title"], "date": row["_date"]}
    if row["_end"]:
        data["end"] = row["_end"]
    if row["_approximate"]:
        data["approximate"] = True
    if row["_timezone"]:
        data["timezone"] = row["_timezone"]
    data["category"] = row["category"]
    if row["actors"]:
        data["actors"] = list(row["actors"])
    if row["places"]:
        data["places"] = [{k: v for k, v in place.items() if v is not None} for place in row["places"]]
    if row["summary"]:
        data["summary"] = row["summary"]
    if row["sources"]:
        data["sources"] = [{k: v for k, v in source.items() if v is not None} for source in row["sources"]]
    if row["tags"]:
        data["tags"] = list(row["tags"])
    if row["links"]:
        data["links"] = [dict(link) for link in row["links"]]
    return data


def _records(rows: pd.DataFrame, chunk: int = 10_000) -> Iterator[dict[str, Any]]:
    """The rows as dicts, a chunk at a time (a million dicts at once would take gigabytes)."""
    for start in range(0, len(rows), chunk):
        yield from rows.iloc[start:start + chunk].to_dict("records")


@dataclass
class Imported:
    """What ``write_events`` did."""

    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # a file of that name was there already
    problems: list[Problem] = field(default_factory=list)
    error: OSError | None = None  # what stopped the writing before the last row (a full disk, say)


def write_events(rows: pd.DataFrame, out: Path, settings: CollectionSettings,
                 progress: Callable[[int, int], None] | None = None) -> Imported:
    """Write each row (read with ``keep_source``) as ``OUT/ID.yaml``, never replacing a file.

    Rows whose category the folder's settings do not list, rows repeating an id, and ids too long for a file name
    are problems, not files: everything written validates. An error that is not about one row's file (a full disk)
    stops the writing and is kept in ``error``, with what was done until then.
    """
    out.mkdir(parents=True, exist_ok=True)
    done = Imported()
    mode = new_file_mode()  # once, not per file
    seen: dict[str, tuple[str, int]] = {}
    allowed = ", ".join(settings.categories)
    for count, row in enumerate(_records(rows), start=1):
        ident, path, line = row["id"], row["path"], int(row["line"])
        if ident in seen:
            done.problems.append(Problem(path, line, int(row["_id_col"]), f"duplicate id '{ident}': already used in "
                                                                          f"{seen[ident][0]}:{seen[ident][1]}"))
        elif settings.categories and row["category"] not in settings.categories:
            done.problems.append(Problem(path, line, int(row["_cat_col"]),
                                         f"'category': '{row['category']}' is not one of {allowed} (add it to "
                                         f"{out / SETTINGS_FILE}, or import into another folder)"))
        elif len(ident) > ID_MAX:  # it names the file: a long one cannot be made (or moved to other systems)
            done.problems.append(Problem(path, line, int(row["_id_col"]),
                                         f"'id': '{ident[:40]}…' has {len(ident)} characters: an id names its "
                                         f"file, and may have at most {ID_MAX}"))
        else:
            seen[ident] = (path, line)
            body = SCHEMA_COMMENT + yaml.dump(event_data(row), Dumper=SafeDumper, sort_keys=False,
                                              allow_unicode=True, width=100)
            target = out / f"{ident}.yaml"
            try:  # no fsync per file: an import writes up to a million of them
                write_atomic(target, body.encode("utf-8"), overwrite=False, sync=False, mode=mode)
                done.written.append(target)
            except FileExistsError:
                done.skipped.append(target)
            except OSError as error:
                if error.errno not in (errno.ENAMETOOLONG, errno.EILSEQ):  # not this row's name: stop here
                    done.error = error
                    break
                done.problems.append(Problem(path, line, int(row["_id_col"]),
                                             f"'id': cannot be a file name here: {error.strerror or error}"))
        if progress is not None:
            progress(count, len(rows))
    return done
