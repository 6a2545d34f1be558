"""Whole-column work for tables of up to millions of rows: text, numbers and lists as columns, codes for
distinct values (so that what repeats is worked out once), and problems gathered per column."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ValidationError

from dashboard.model import NAME_MAX, slugify
from dashboard.table import Problem

LIST_SEPARATOR = ";"  # actors, tags and links in a CSV cell: 'NATO; Jens Stoltenberg'


# ---- columns as text, numbers and lists ----------------------------------------------------------------------


def repeat(text: str, rows: int) -> pd.Series:
    """The same text in every row, built by Arrow without a Python object per row."""
    data = text.encode("utf-8")
    offsets = np.arange(rows + 1, dtype=np.int64) * len(data)
    array = pa.LargeStringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(data * rows))
    series: pd.Series = pa.chunked_array([array.cast(pa.string()) if len(data) * rows < 2**31 else array]).to_pandas()
    return series


def blank(rows: int) -> pd.Series:
    return repeat("", rows)


def pick(values: pd.Series | np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Some rows' values as NumPy objects, without converting the whole column."""
    if isinstance(values, pd.Series):
        return values.iloc[rows].to_numpy(dtype=object)
    picked: np.ndarray = np.asarray(values)[rows]
    return picked


def take_text(values: np.ndarray, codes: np.ndarray) -> pd.Series:
    """A text column from distinct values and each row's code, taken by Arrow (no Python string per row)."""
    series: pd.Series = pa.chunked_array([pa.array(values, pa.string()).take(pa.array(codes))]).to_pandas()
    return series


def per_value(values: pd.Series, convert: Callable[[pd.Series], Any]) -> np.ndarray:
    """``convert`` applied to each distinct value once, spread back over the rows."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(convert(pd.Series(uniques, dtype=values.dtype)))[codes]


def timestamp_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Timestamps as ISO text: days when every value is a midnight (a date stored as a time), else minutes."""
    moments = column.to_pandas()
    if moments.dt.tz is not None:
        text = per_value(moments, lambda m: m.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%MZ"))
    else:
        known = moments.dropna()
        shape = "%Y-%m-%d" if (known == known.dt.normalize()).all() else "%Y-%m-%dT%H:%M"
        text = per_value(moments, lambda m: m.dt.strftime(shape))
    return pa.chunked_array([pa.array(pd.Series(text, dtype=object).where(moments.notna(), None), pa.string())])


def as_text(column: pa.ChunkedArray | None, rows: int) -> pd.Series:
    """A column as stripped text ('' where empty or missing), whatever its Arrow type."""
    if column is None or pa.types.is_null(column.type):
        return blank(rows)
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = column.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        column = pc.binary_join(column.cast(pa.list_(pa.string())), "; ")
    elif pa.types.is_timestamp(kind):
        column = timestamp_text(column)
    elif pa.types.is_boolean(kind):
        column = pc.if_else(column, "true", "false")
    elif not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        column = column.cast(pa.string())
    column = pc.utf8_trim_whitespace(column)  # faster than finding out whether there is anything to trim
    if column.null_count:
        column = column.fill_null("")
    series: pd.Series = column.to_pandas()
    return series


def number(column: pa.ChunkedArray | None, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """A column as floats (NaN where empty), and where it held text that is not a number."""
    if column is None:
        return np.full(rows, np.nan), np.zeros(rows, bool)
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type) or pa.types.is_decimal(column.type):
        return column.cast(pa.float64()).to_numpy(zero_copy_only=False).astype(float), np.zeros(rows, bool)
    text = as_text(column, rows)
    values = per_value(text, lambda distinct: pd.to_numeric(distinct, errors="coerce")).astype(float)
    return values, (text != "").to_numpy(bool) & np.isnan(values)


def list_key(column: pa.ChunkedArray | None, rows: int) -> tuple[pd.Series, str]:
    """A list column as one text per row and the separator to split it by: Arrow lists or 'a; b' text."""
    if column is not None and (pa.types.is_list(column.type) or pa.types.is_large_list(column.type)):
        lists = column.cast(pa.list_(pa.string()))
        # An empty item in a list would make its whole row's list empty once joined: it becomes '' (dropped below).
        lists = pa.chunked_array(
            [
                pa.ListArray.from_arrays(chunk.offsets, pc.fill_null(chunk.values, ""), mask=chunk.is_null())
                for chunk in (pa.concat_arrays([part]) if part.offset else part for part in lists.chunks)
            ],
            pa.list_(pa.string()),
        )
        joined = pc.binary_join(lists, "\x1f").fill_null("")
        return joined.to_pandas(), "\x1f"
    return as_text(column, rows), LIST_SEPARATOR


def split_items(text: str, separator: str, unique: bool = False) -> list[str]:
    items = [part.strip() for part in text.split(separator)]
    items = [item for item in items if item]
    return list(dict.fromkeys(items)) if unique else items


def lists(key: pd.Series, separator: str) -> np.ndarray:
    """Each row's list, one list object per distinct text, shared between the rows that hold it."""
    codes, uniques = pd.factorize(key, use_na_sentinel=False)
    lists = np.empty(len(uniques), dtype=object)
    for index, text in enumerate(uniques):
        lists[index] = split_items(text, separator)
    return lists[codes]


def lists_where(lists: np.ndarray, test: Callable[[str], bool]) -> np.ndarray:
    """Rows whose list holds an item that passes ``test``: rows share list objects (a few thousand for a million
    rows) and lists share names (a few hundred), so each name is tested once and each shared list looked at once."""
    ids = np.fromiter(map(id, lists), dtype=np.int64, count=len(lists))  # the lists are alive: distinct ids
    codes = pd.factorize(ids)[0]
    distinct = lists[np.flatnonzero(~pd.Series(ids).duplicated().to_numpy())]  # in the order of the codes
    failing = {name for name in {item for items in distinct for item in items} if test(name)}
    if not failing:
        return np.zeros(len(lists), bool)
    with_failing = np.fromiter((not failing.isdisjoint(items) for items in distinct), bool, count=len(distinct))
    found: np.ndarray = with_failing[codes]
    return found


def long_names(lists: np.ndarray) -> np.ndarray:
    """Rows whose list holds a name over ``NAME_MAX`` characters."""
    return lists_where(lists, lambda name: len(name) > NAME_MAX)


def merged_lists(columns: list[pd.Series]) -> np.ndarray:
    """Each row's items from several 'a; b' columns, without repeats; one list per distinct combination."""
    codes, pieces = [], []
    for column in columns:
        column_codes, uniques = pd.factorize(column, use_na_sentinel=False)
        codes.append(column_codes)
        pieces.append([split_items(text, LIST_SEPARATOR) for text in uniques])
    joint = codes_of(*codes)
    firsts = first_rows(joint)
    lists = np.empty(len(firsts), dtype=object)
    at_firsts = [column_codes[firsts].tolist() for column_codes in codes]
    for index, combination in enumerate(zip(*at_firsts, strict=True)):
        items: list[str] = []
        for piece, code in zip(pieces, combination, strict=True):
            items += piece[code]
        lists[index] = items if len(set(items)) == len(items) else list(dict.fromkeys(items))
    merged: np.ndarray = lists[joint]
    return merged


def codes_of(*columns: pd.Series | np.ndarray) -> np.ndarray:
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


def first_rows(codes: np.ndarray) -> np.ndarray:
    """The first row holding each code."""
    first = np.full(int(codes.max(initial=-1)) + 1, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes), dtype=np.int64))
    return first


def shared(value: Any, rows: int) -> np.ndarray:
    """An object column holding the same object in every row."""
    one = np.empty(1, dtype=object)
    one[0] = value
    return one[np.zeros(rows, dtype=np.intp)]


# ---- rows -------------------------------------------------------------------------------------------------------


class Faults:
    """Problems of rows, gathered column by column; a row with any problem is left out."""

    def __init__(self, rows: int) -> None:
        self.bad = np.zeros(rows, bool)
        self.found: list[tuple[np.ndarray, int, str | list[str]]] = []

    def add(
        self,
        where: np.ndarray,
        column: int,
        message: str | list[str] | Callable[[np.ndarray], list[str]],
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
        found: list[Problem] = []
        for rows, column, message in self.found:
            at = lines[rows].tolist()
            messages = [message] * len(at) if isinstance(message, str) else message
            found.extend(Problem(shown, line, column, text) for line, text in zip(at, messages, strict=True))
        return found


def model_errors(
    model: type[BaseModel],
    data: dict[str, Any],
    columns: dict[str, tuple[str, int]],
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


def slug_map(values: pd.Series) -> pd.Series:
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return take_text(np.array([slugify(v) if v else "" for v in uniques], dtype=object), codes)


def join(*parts: pd.Series, separator: str = ", ") -> tuple[np.ndarray, np.ndarray]:
    """Each row's non-empty parts joined, without repeating a part (ACLED's location is often its admin1 too),
    as codes and the distinct texts."""
    codes = codes_of(*parts)
    firsts = first_rows(codes)
    values = [pick(part, firsts) for part in parts]
    joined = np.empty(len(firsts), dtype=object)
    for index, combination in enumerate(zip(*values, strict=True)):
        joined[index] = separator.join(dict.fromkeys(value for value in combination if value))
    return codes, joined
